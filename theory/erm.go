package theory

import (
	"errors"
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// ERM is ridge-regularised empirical risk minimisation on the two-cluster
// model at d = ∞ (spec theory.md §3): the minimiser of
//
//	Σ_μ ℓ(y_μ(w·x_μ/√d + b)) + (λ/2)|w|²,
//
// with b fixed to 0 unless Bias is set. It is the long-time limit of
// full-batch gradient descent or flow when λ > 0. The solver settings Tol,
// MaxIter and Damping have defaults for their zero values.
type ERM struct {
	Model  mixture.Model // two clusters c = y = ±1 (mixture.TwoCluster)
	Alpha  float64       // sample ratio n/d, > 0
	Lambda float64       // ridge λ ≥ 0; λ = 0 has no unique minimiser on separable data (see MaxMargin)
	Loss   loss.Margin   // any registered margin loss; a new one needs a convex ℓ with continuous ℓ' or a loss.Proxer
	Bias   bool          // fit the bias b

	Tol     float64 // convergence: the residual ‖F(x) − x‖ (ERMResult.Residual); default 1e-11
	MaxIter int     // limit on the solver's iterations (Newton or damped steps); default 500
	Damping float64 // fraction of F(x) − x taken by a fallback damped step, in (0, 1]; default 0.5
}

// Status says how an ERM solve ended.
type Status int

const (
	Converged        Status = iota // the residual fell below Tol
	IterationLimit                 // MaxIter iterations without convergence
	Diverged                       // |w|² or V grew without bound, or a NaN appeared
	Separable                      // λ = 0 on linearly separable data: no unique finite minimiser
	Interpolating                  // λ = 0, α ≤ 1, a loss with a finite minimum: the data are fitted exactly in many ways
	NumericalFailure               // a prox or an average could not be computed to its tolerance
)

var statusNames = [...]string{
	Converged: "converged", IterationLimit: "iteration limit", Diverged: "diverged",
	Separable: "separable", Interpolating: "interpolating", NumericalFailure: "numerical failure",
}

// String returns the status in words.
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ERMResult is the ERM fixed point. On failure the order parameters and
// observables are NaN and only the solver fields are meaningful.
type ERMResult struct {
	M         float64 // m = w·v*/d
	Ctt       float64 // q = |w|²/d
	Bias      float64 // b (0 without Bias)
	V         float64 // V = Δ χ, χ = Tr(∇²R)^{-1}/d; V/Δ = ∫R(t+s, t)ds at stationarity
	TrainLoss float64 // (1/n) Σ_μ ℓ(y_μ(r_μ + b))
	TrainErr  float64 // fraction of training samples with y(r + b) < 0
	TestErr   float64 // theory.md §1 with b_0 = b

	Status      Status
	Iterations  int     // Newton and damped steps
	Evaluations int     // evaluations of the fixed-point map F
	Residual    float64 // ‖F(x) − x‖ at the returned x: max of |Δm|/max(1, |m|), |Δq|/q, |ΔV|/V, |Δb|/max(1, |b|)
	Change      float64 // the Newton correction at x in the same norm: an estimate of the distance to the exact fixed point
	QuadErr     float64 // estimated relative error of the Gaussian averages at x
}

func (e ERM) withDefaults() ERM {
	if e.Tol == 0 {
		e.Tol = 1e-11
	}
	if e.MaxIter == 0 {
		e.MaxIter = 500
	}
	if e.Damping == 0 {
		e.Damping = 0.5
	}
	return e
}

// Validate checks the fields after defaults, naming the first bad one.
func (e ERM) Validate() error {
	e = e.withDefaults()
	if err := dynamics.ValidateModel("theory", e.Model); err != nil {
		return err
	}
	fe := func(field string, v any, want string) error {
		return &dynamics.FieldError{Pkg: "theory", Field: field, Value: v, Want: want}
	}
	if !e.Model.IsTwoCluster() {
		return &dynamics.FieldError{Pkg: "theory", Field: "Model", Want: "the two-cluster model (clusters c = y = ±1)"}
	}
	if e.Model.Delta == 0 {
		return fe("Model.Delta", e.Model.Delta, "a value > 0")
	}
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	switch {
	case !(e.Alpha > 0) || bad(e.Alpha):
		return fe("Alpha", e.Alpha, "a finite value > 0")
	case !(e.Lambda >= 0) || bad(e.Lambda):
		return fe("Lambda", e.Lambda, "a finite value >= 0")
	case e.Loss == nil:
		return &dynamics.FieldError{Pkg: "theory", Field: "Loss", Want: "a margin loss"}
	case !(e.Tol > 0) || !(e.Tol < 1e-3):
		return fe("Tol", e.Tol, "0 < Tol < 1e-3")
	case e.MaxIter < 1:
		return fe("MaxIter", e.MaxIter, "at least 1")
	case !(e.Damping > 0 && e.Damping <= 1):
		return fe("Damping", e.Damping, "0 < Damping <= 1")
	}
	if _, err := loss.NewProx(e.Loss); err != nil { // the ERM is written with the prox of ℓ
		return fmt.Errorf("theory: Loss: %v", err)
	}
	return nil
}

// lossQuadTol bounds the estimated relative error of the training loss,
// an output that the iteration does not use: ℓ(P) of the square losses
// is computed from 1 − P, which loses ~V units of round-off as P → 1.
const lossQuadTol = 1e-9

// divergedQ bounds q = |w|²/d and V: beyond it the solve is declared
// divergent.
const divergedQ = 1e10

// ermState is a point x = (m, q, V, b) of the fixed-point map.
type ermState struct{ m, q, v, b float64 }

// Solve finds the fixed point of theory.md §3 from a default start; see
// SolveFrom.
func (e ERM) Solve() (ERMResult, error) { return e.SolveFrom(ERMResult{}) }

// SolveFrom finds the fixed point x = F(x), x = (m, q, V, b), of theory.md
// §3 starting from start's M, Ctt, V and Bias (a neighbouring solution, for
// continuation; a zero or non-finite start means the default one).
//
// The map F is the weight side applied to the sample-side averages, with a
// Newton step on the bias condition E[f] = 0 as its b component. Solve runs
// Newton's method on F(x) − x in (m, ln q, ln V, b), with a finite-difference
// Jacobian and a backtracking line search on the residual; where the line
// search fails it takes a damped step x + Damping·(F(x) − x) instead. It
// stops when the residual is below Tol and reports it, with the Newton
// correction at the returned point (Change) and the quadrature's error
// estimate. If the plain start fails, the solve is repeated along a path
// from a strongly regularised problem (λ = 1) down to Lambda.
//
// λ = 0 on linearly separable data (α below SeparabilityThreshold) with a
// non-increasing loss is reported as Separable before any iteration: the
// minimiser has no finite norm (logistic) or is not unique (hinges), and
// the λ → 0⁺ direction is the max-margin classifier (MaxMargin). λ = 0 with
// α ≤ 1 and a loss with a finite minimum (square) is Interpolating. Any
// failure returns an error and NaN observables.
func (e ERM) SolveFrom(start ERMResult) (ERMResult, error) {
	if err := e.Validate(); err != nil {
		return ERMResult{}, err
	}
	e = e.withDefaults()
	if r, err := e.checkLambdaZero(); err != nil {
		return r, err
	}
	px, err := loss.NewProx(e.Loss)
	if err != nil {
		return ERMResult{}, err
	}
	x0, warm := e.coldStart(), false
	if ok(start.M) && start.Ctt > 0 && start.V > 0 && ok(start.Ctt) && ok(start.V) {
		x0, warm = ermState{start.M, start.Ctt, start.V, 0}, true
		if e.Bias && ok(start.Bias) {
			x0.b = start.Bias
		}
	}
	res, err := e.newton(px, x0)
	if err == nil || res.Status == NumericalFailure || !warm && e.Lambda >= 1 {
		return res, err
	}
	// Retry along a path from λ = 1 (strongly convex, the plain iteration
	// contracts) down to Lambda in steps of √10, each point started from
	// the previous one.
	path := e
	path.Lambda = math.Max(1, e.Lambda)
	iters, evals := res.Iterations, res.Evaluations
	r, perr := path.newton(px, e.coldStart())
	for {
		iters, evals = iters+r.Iterations, evals+r.Evaluations
		if perr != nil || path.Lambda == e.Lambda {
			break
		}
		path.Lambda /= math.Sqrt(10)
		if path.Lambda < 1e-6 || path.Lambda < e.Lambda {
			path.Lambda = e.Lambda
		}
		r, perr = path.newton(px, ermState{r.M, r.Ctt, r.V, r.Bias})
	}
	if perr != nil {
		res.Iterations, res.Evaluations = iters, evals
		return res, err // the error of the direct attempt
	}
	r.Iterations, r.Evaluations = iters, evals
	return r, nil
}

func ok(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// coldStart is the default start: m = 0.5, q = 1, V = Δ/(λ + αΔ) (the
// response of a loss with ℓ” = 1), b = 0.
func (e ERM) coldStart() ermState {
	dl := e.Model.Delta
	return ermState{0.5, 1, dl / (e.Lambda + e.Alpha*dl), 0}
}

// checkLambdaZero reports the λ = 0 problems without a unique finite
// minimiser.
func (e ERM) checkLambdaZero() (ERMResult, error) {
	if e.Lambda > 0 {
		return ERMResult{}, nil
	}
	fail := func(s Status, err error) (ERMResult, error) {
		r := ERMResult{Status: s}
		r.nan()
		return r, err
	}
	// ℓ' is non-decreasing (convex ℓ): ℓ' ≤ 0 everywhere iff at large z.
	if _, dl, _ := e.Loss.Eval(1e6); dl <= 0 {
		ac, err := SeparabilityThreshold(e.Model, e.Bias)
		if err != nil {
			return fail(NumericalFailure, err)
		}
		if e.Alpha < ac {
			return fail(Separable, fmt.Errorf("theory: ERM at Lambda = 0: the data are linearly separable (Alpha = %v < α_c = %.6g at Δ = %v, ρ = %v, bias %v), so %s has no unique finite minimiser; use Lambda > 0, or the λ → 0⁺ limit, the max-margin classifier (theory.MaxMargin, sgdmft theory --kind max-margin)", e.Alpha, ac, e.Model.Delta, e.Model.Rho(), e.Bias, e.Loss.Name()))
		}
		return ERMResult{}, nil
	}
	if e.Alpha <= 1 {
		return fail(Interpolating, fmt.Errorf("theory: ERM at Lambda = 0 with Alpha = %v <= 1: %s reaches its minimum on every sample in many ways (no unique minimiser); use Lambda > 0 (λ → 0⁺ gives the minimum-norm one)", e.Alpha, e.Loss.Name()))
	}
	return ERMResult{}, nil
}

// ermEval is one evaluation of the map at x.
type ermEval struct {
	x, fx ermState
	av    ermAverages
	r     [4]float64 // scaled residual, see residual
	rn    float64    // its max norm
	phi   float64    // ½ Σ r²
}

// eval evaluates F at x.
func (e ERM) eval(px loss.Prox, x ermState) (ermEval, error) {
	ev := ermEval{x: x}
	av, err := e.averages(px, x)
	if err != nil {
		return ev, err
	}
	ev.av = av
	dl := e.Model.Delta
	vhat, mhat, qhat := e.Alpha*av.dfdw, e.Alpha*av.yf, e.Alpha*av.f2
	den := e.Lambda + dl*vhat
	ev.fx = ermState{m: mhat / den, q: (dl*qhat + mhat*mhat) / (den * den), v: dl / den, b: x.b}
	if e.Bias && av.dfdw > 0 {
		ev.fx.b = x.b + av.f/av.dfdw // Newton on E[f](b): dE[f]/db = −E[−∂f/∂ω]
	}
	ev.r = [4]float64{
		(ev.fx.m - x.m) / math.Max(1, math.Abs(x.m)),
		ev.fx.q/x.q - 1,
		ev.fx.v/x.v - 1,
		(ev.fx.b - x.b) / math.Max(1, math.Abs(x.b)),
	}
	for _, v := range ev.r {
		ev.rn = math.Max(ev.rn, math.Abs(v))
		ev.phi += v * v / 2
	}
	if math.IsNaN(ev.phi) || math.IsInf(ev.phi, 0) {
		ev.rn, ev.phi = math.Inf(1), math.Inf(1)
	}
	return ev, nil
}

// coords are Newton's coordinates u = (m, ln q, ln V, b) of x.
func (x ermState) coords() [4]float64 { return [4]float64{x.m, math.Log(x.q), math.Log(x.v), x.b} }

func fromCoords(u [4]float64) ermState {
	return ermState{u[0], math.Exp(u[1]), math.Exp(u[2]), u[3]}
}

// newton runs the Newton iteration with line search and damped fallback
// from x0 (see SolveFrom). The Jacobian is a finite difference where the
// iteration starts or stalls, and is carried between iterations by
// Broyden's update otherwise (one evaluation of F per iteration instead of
// n + 1).
func (e ERM) newton(px loss.Prox, x0 ermState) (ERMResult, error) {
	res := ERMResult{}
	n := 3 // unknowns: m, ln q, ln V, and b with a bias
	if e.Bias {
		n = 4
	}
	fail := func(s Status, err error) (ERMResult, error) {
		res.Status = s
		res.nan()
		return res, err
	}
	evalAt := func(x ermState) (ermEval, error) {
		res.Evaluations++
		return e.eval(px, x)
	}
	cur, err := evalAt(x0)
	if err != nil {
		return fail(NumericalFailure, err)
	}
	var jac [4][4]float64
	haveJac, fresh := false, false // a Jacobian, and whether it is a finite difference at cur
	for it := 0; ; it++ {
		if d := cur.x; !(d.q < divergedQ && d.v < divergedQ) || math.IsNaN(cur.phi) {
			return fail(Diverged, fmt.Errorf("theory: ERM diverged at iteration %d (q = %.3g, V = %.3g): no minimiser with finite norm", it, d.q, d.v))
		}
		if cur.rn <= e.Tol {
			if !haveJac {
				if jac, err = e.jacobian(px, cur, n, &res.Evaluations); err != nil {
					return fail(NumericalFailure, err)
				}
			}
			d, _ := newtonStep(jac, cur.r, n)
			res.Change = scaledNorm(cur.x, d, n)
			if q := cur.av.quadErr; !(q <= e.Tol/10) {
				res.Residual, res.QuadErr = cur.rn, q
				return fail(NumericalFailure, fmt.Errorf("theory: ERM: the Gaussian averages at the solution have an estimated relative error %.2g (round-off of the integrand), above Tol/10 = %.2g", q, e.Tol/10))
			}
			if q := cur.av.lossErr; !(q <= lossQuadTol) {
				res.Residual, res.QuadErr = cur.rn, cur.av.quadErr
				return fail(NumericalFailure, fmt.Errorf("theory: ERM: the training loss at the solution has an estimated relative error %.2g, above %.0g", q, lossQuadTol))
			}
			return e.finish(res, cur), nil
		}
		if it == e.MaxIter {
			res.Iterations = it
			res.Residual = cur.rn
			return fail(IterationLimit, fmt.Errorf("theory: ERM did not converge in %d iterations (residual %.3g, Tol %.3g)", it, cur.rn, e.Tol))
		}
		res.Iterations = it + 1
		if !haveJac {
			if jac, err = e.jacobian(px, cur, n, &res.Evaluations); err != nil {
				return fail(NumericalFailure, err)
			}
			haveJac, fresh = true, true
		}
		next, ok := e.lineSearch(jac, cur, n, evalAt)
		if !ok && !fresh { // a Broyden Jacobian that has gone stale
			if jac, err = e.jacobian(px, cur, n, &res.Evaluations); err != nil {
				return fail(NumericalFailure, err)
			}
			fresh = true
			next, ok = e.lineSearch(jac, cur, n, evalAt)
		}
		if ok {
			broyden(&jac, cur, next, n)
			fresh = false
			haveJac = next.rn <= cur.rn/2 // slow progress: a fresh Jacobian next time
		} else {
			// Damped step in x: q and V stay positive.
			th := e.Damping
			x, fx := cur.x, cur.fx
			y := ermState{x.m + th*(fx.m-x.m), x.q + th*(fx.q-x.q), x.v + th*(fx.v-x.v), x.b + th*(fx.b-x.b)}
			if next, err = evalAt(y); err != nil {
				return fail(NumericalFailure, err)
			}
			haveJac = false
		}
		res.Change = 0
		for i, a := range cur.x.coords() {
			res.Change = math.Max(res.Change, math.Abs(next.x.coords()[i]-a))
		}
		cur = next
	}
}

// finish fills the result at the converged evaluation ev.
func (e ERM) finish(res ERMResult, ev ermEval) ERMResult {
	x, av := ev.x, ev.av
	res.M, res.Ctt, res.V, res.Bias = x.m, x.q, x.v, x.b
	res.TrainLoss, res.TrainErr = av.loss, av.err
	res.TestErr = TestError(e.Model, loss.Linear{}, x.m, x.q, x.b)
	res.Residual, res.QuadErr = ev.rn, av.quadErr
	res.Status = Converged
	return res
}

// jacobian returns the forward-difference Jacobian of the scaled residual
// r(u) in u = (m, ln q, ln V, b). The step 1e-7 (relative for m and b)
// balances the truncation error O(h) against the averages' error
// (≤ 1e-13 relative) divided by h: about 1e-6 relative, which slows
// Newton's quadratic convergence only below a residual of 1e-12.
func (e ERM) jacobian(px loss.Prox, ev ermEval, n int, count *int) ([4][4]float64, error) {
	var jac [4][4]float64
	u := ev.x.coords()
	for j := 0; j < n; j++ {
		h := 1e-7
		if j == 0 || j == 3 {
			h *= math.Max(1, math.Abs(u[j]))
		}
		uj := u
		uj[j] += h
		*count++
		ej, err := e.eval(px, fromCoords(uj))
		if err != nil {
			return jac, err
		}
		for i := 0; i < n; i++ {
			jac[i][j] = (ej.r[i] - ev.r[i]) / h
		}
	}
	return jac, nil
}

// broyden updates jac by Broyden's rank-one rule, J += (Δr − JΔu)Δuᵀ/|Δu|²,
// so that it maps the last step Δu in u to the change Δr of the residual.
func broyden(jac *[4][4]float64, from, to ermEval, n int) {
	u0, u1 := from.x.coords(), to.x.coords()
	var du [4]float64
	nn := 0.0
	for i := range n {
		du[i] = u1[i] - u0[i]
		nn += du[i] * du[i]
	}
	if nn == 0 {
		return
	}
	for i := range n {
		s := to.r[i] - from.r[i]
		for j := range n {
			s -= jac[i][j] * du[j]
		}
		for j := range n {
			jac[i][j] += s * du[j] / nn
		}
	}
}

// newtonStep solves J d = −r by Gaussian elimination with partial
// pivoting; false if J is singular.
func newtonStep(jac [4][4]float64, r [4]float64, n int) ([4]float64, bool) {
	var d [4]float64
	a := jac
	b := r
	for i := range b {
		b[i] = -b[i]
	}
	for c := 0; c < n; c++ {
		p := c
		for i := c + 1; i < n; i++ {
			if math.Abs(a[i][c]) > math.Abs(a[p][c]) {
				p = i
			}
		}
		if a[p][c] == 0 || math.IsNaN(a[p][c]) {
			return d, false
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for i := c + 1; i < n; i++ {
			f := a[i][c] / a[c][c]
			for k := c; k < n; k++ {
				a[i][k] -= f * a[c][k]
			}
			b[i] -= f * b[c]
		}
	}
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= a[i][k] * d[k]
		}
		d[i] = s / a[i][i]
	}
	for _, v := range d {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return d, false
		}
	}
	return d, true
}

// scaledNorm is the size of the step d in u, in the norm of the residual.
func scaledNorm(x ermState, d [4]float64, n int) float64 {
	s := math.Abs(d[0]) / math.Max(1, math.Abs(x.m))
	s = math.Max(s, math.Abs(d[1]))
	s = math.Max(s, math.Abs(d[2]))
	if n == 4 {
		s = math.Max(s, math.Abs(d[3])/math.Max(1, math.Abs(x.b)))
	}
	return s
}

// maxLogStep caps a Newton step's change of ln q and ln V (a factor e per
// iteration), so that trial points stay where the averages are meaningful.
const maxLogStep = 1.0

// lineSearch takes the Newton step from cur, shortened until the merit
// ½|r|² decreases by the Armijo rule; false if no step length ≥ 1/64 does.
func (e ERM) lineSearch(jac [4][4]float64, cur ermEval, n int, evalAt func(ermState) (ermEval, error)) (ermEval, bool) {
	d, ok := newtonStep(jac, cur.r, n)
	if !ok {
		return cur, false
	}
	u := cur.x.coords()
	t := 1.0
	if big := math.Max(math.Abs(d[1]), math.Abs(d[2])); big > maxLogStep {
		t = maxLogStep / big
	}
	if s := math.Abs(d[0]) / math.Max(1, math.Abs(u[0])); s*t > 1 {
		t = 1 / s
	}
	for ; t >= 1.0/64; t /= 2 {
		var ut [4]float64
		for i := range ut {
			ut[i] = u[i] + t*d[i]
		}
		next, err := evalAt(fromCoords(ut))
		if err != nil {
			continue
		}
		// Armijo: the directional derivative of ½|r|² along d is −|r|².
		if next.phi <= (1-1e-4*t)*cur.phi || next.rn <= e.Tol {
			return next, true
		}
	}
	return cur, false
}

func (r *ERMResult) nan() {
	n := math.NaN()
	r.M, r.Ctt, r.Bias, r.V, r.TrainLoss, r.TrainErr, r.TestErr = n, n, n, n, n, n, n
}

// ermAverages are the sample-side averages over y and ξ.
type ermAverages struct {
	f       float64 // E[f], f = (p − ω)/V = −y ℓ'
	f2      float64 // E[f²]
	yf      float64 // E[y f]
	dfdw    float64 // E[−∂f/∂ω] = E[ℓ''/(1 + Vℓ'')]
	loss    float64 // E[ℓ(y(p + b))]
	err     float64 // P[y(p + b) < 0]
	quadErr float64 // the largest estimated relative error of the averages of the map (f, f², dfdw)
	lossErr float64 // that of the training loss
}

// averages evaluates the sample side of theory.md §3. With a = y(ω + b)
// = m + yb + √(Δq)ξ' (ξ' = yξ ~ N(0,1)) the proximal step is, in the
// margin v = y(p + b), v = P(a) = argmin_v (v − a)²/(2V) + ℓ(v), so
// f = y(P(a) − a)/V = −y ℓ'(P(a)) and −∂f/∂ω = (1 − P'(a))/V. The slope
// ℓ'(P) is the one the prox selects (loss.Prox.Solve): at the hinge's kink
// P = 1 it is (a − 1)/V ∈ [−1, 0], the multiplier of a sample held on the
// margin, not the one-sided ℓ'(1) = 0.
// The training error is P[a < a₀] with P(a₀) = 0, a₀ = Vℓ'(0). The averages
// over ξ' are adaptive (adaptGauss), split at the prox kinks; a prox that
// fails (loss.Prox.Solve) or a quadrature that cannot reach its tolerance is
// an error.
func (e ERM) averages(px loss.Prox, x ermState) (ermAverages, error) {
	m, q, v, b := x.m, x.q, x.v, x.b
	s := math.Sqrt(e.Model.Delta * q)
	var out ermAverages
	_, dl0, _ := e.Loss.Eval(0)
	a0 := v * dl0
	pk := px.Kinks(v)
	var proxErr error
	for _, c := range e.Model.Clusters {
		y := c.Label
		mu := m + y*b
		var buf [4]float64
		kinks := buf[:0]
		for _, k := range pk {
			kinks = append(kinks, (k-mu)/s)
		}
		var acc, qe ermVec
		err := adaptGauss(&acc, &qe, 3, func(o *ermVec, z float64) {
			p, dp, dl, err := px.Solve(mu+s*z, v)
			if err != nil {
				if proxErr == nil {
					proxErr = err
				}
				o[0] = math.NaN()
				return
			}
			l, _, _ := e.Loss.Eval(p)
			o[0], o[1], o[2], o[3] = -dl, dl*dl, (1-dp)/v, l
		}, kinks)
		switch {
		case proxErr != nil:
			return out, fmt.Errorf("theory: ERM averages at m = %v, q = %v, V = %v, b = %v: %w", m, q, v, b, proxErr)
		case errors.Is(err, errQuadNaN):
			return out, fmt.Errorf("theory: ERM averages at m = %v, q = %v, V = %v, b = %v: %s returned NaN", m, q, v, b, e.Loss.Name())
		case err != nil:
			return out, fmt.Errorf("theory: ERM averages at m = %v, q = %v, V = %v, b = %v: %w", m, q, v, b, err)
		}
		// acc: E[−ℓ'], E[ℓ'²], E[−∂f/∂ω], E[ℓ] for this cluster.
		out.f += c.Prob * y * acc[0]
		out.yf += c.Prob * acc[0]
		out.f2 += c.Prob * acc[1]
		out.dfdw += c.Prob * acc[2]
		out.loss += c.Prob * acc[3]
		out.err += c.Prob * tail(mu-a0, s) // P(a < a₀) = Q((μ − a₀)/s)
		out.quadErr = math.Max(out.quadErr, math.Max(qe[0], math.Max(qe[1], qe[2])))
		out.lossErr = math.Max(out.lossErr, qe[3])
	}
	return out, nil
}
