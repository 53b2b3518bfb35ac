package theory

import (
	"errors"
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
)

// TeacherERM is ridge-regularised empirical risk minimisation on
// single-index teacher–student data (package teacher) at d = ∞: the
// minimiser of
//
//	Σ_μ L(y_μ, w·x_μ/√d) + (λ/2)|w|²,   no bias,
//
// with L(y, r) = ℓ(y r) for the sign teacher (labels ±1, any registered
// margin loss ℓ) and L(y, r) = (y − r)²/2 for the linear teacher (Loss must
// be loss.Square, which equals it on ±1 labels). It is the long-time limit
// of full-batch gradient descent or flow when λ > 0; for the linear teacher
// it equals TeacherSquare.Limit.
//
// The fixed-point equations (Gordon / replica; Aubin et al. 2020, see
// doc.go, with a teacher of unit norm): the student field of a training sample, before its
// own contribution, is ω with (h0, ω) jointly Gaussian, E h0² = 1,
// E ω² = q, E h0 ω = m; with p = argmin_x [(x − ω)²/(2V) + L(y, x)] and
// f = (p − ω)/V,
//
//	V = 1/(λ + V̂),  m = m̂/(λ + V̂),  q = (m̂² + q̂)/(λ + V̂)²,
//	V̂ = α E[−∂_ω f],  q̂ = α E[f²],  m̂ = α E[∂f/∂h0 through y] = α E[f (h0 − mω/q)]/(1 − m²/q).
//
// For the sign teacher, y = sign(u), u = h0 + σε ~ N(mω/q, s²) given ω with
// s² = 1 − m²/q + σ², so the averages are one-dimensional in ω:
//
//	P(y | ω) = Φ(y (m/q) ω / s),   m̂ = α E_ω[(f(+1, ω) − f(−1, ω)) φ((m/q)ω/s)/s].
//
// For the square loss the equations close for any teacher through
// κ = E[y h0] and E[y²] (linear: κ = 1, E[y²] = 1 + σ²; sign:
// κ = √(2/π)/√(1 + σ²), E[y²] = 1): λV² + (λ + α − 1)V − 1 = 0,
// m = ακV/(1 + V), q = (m² + r(E[y²] − 2κm))/(1 − r) with r = αV²/(1 + V)².
// The linear teacher is solved by this closed form; the sign teacher by
// Newton's method on the general equations, which the tests check against
// it for the square loss.
type TeacherERM struct {
	Teacher teacher.Model // linear (square loss only) or sign; relu is not supported
	Alpha   float64       // sample ratio n/d, > 0
	Lambda  float64       // ridge λ ≥ 0 (see Solve for λ = 0)
	Loss    loss.Margin   // sign teacher: any registered margin loss; linear teacher: loss.Square

	Tol     float64 // convergence: the residual ‖F(x) − x‖; default 1e-11
	MaxIter int     // limit on Newton and damped steps; default 200
}

// TeacherERMResult is the fixed point. On failure the order parameters and
// observables are NaN and only the solver fields are meaningful.
type TeacherERMResult struct {
	M         float64 // m = w·v*/d
	Ctt       float64 // |w|²/d
	V         float64 // V = Tr(∇²R)^{-1}/d, the response
	TrainLoss float64 // (1/n) Σ_μ L(y_μ, r_μ)
	TrainErr  float64 // sign teacher: fraction of training samples with y r < 0; NaN for the linear teacher
	TestErr   float64 // sign teacher: P[sign r ≠ y] = arccos(m/√(Ctt(1 + σ²)))/π; NaN for the linear teacher
	TestMSE   float64 // E[(y − r)²] on a fresh sample, E[y²] − 2κm + Ctt

	Status      Status
	Iterations  int     // Newton and damped steps (0 for the closed form)
	Evaluations int     // evaluations of the fixed-point map
	Residual    float64 // ‖F(x) − x‖ at x: max of |Δm|/max(1, |m|), |Δq|/q, |ΔV|/V
	QuadErr     float64 // estimated relative error of the Gaussian averages (0 for the closed form)
}

func (e TeacherERM) withDefaults() TeacherERM {
	if e.Tol == 0 {
		e.Tol = 1e-11
	}
	if e.MaxIter == 0 {
		e.MaxIter = 200
	}
	return e
}

// Validate checks the fields after defaults, naming the first bad one.
func (e TeacherERM) Validate() error {
	e = e.withDefaults()
	fe := func(field string, v any, want string) error {
		return &dynamics.FieldError{Pkg: "theory", Field: field, Value: v, Want: want}
	}
	if err := e.Teacher.Validate(); err != nil {
		return &dynamics.FieldError{Pkg: "theory", Field: "Teacher", Err: err}
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
	}
	switch e.Teacher.Link.(type) {
	case teacher.Linear:
		if _, ok := e.Loss.(loss.Square); !ok {
			return &dynamics.FieldError{Pkg: "theory", Field: "Loss", Value: e.Loss.Name(), With: []string{"Teacher"},
				Want: "square for the linear teacher (regression; the margin losses need labels ±1)"}
		}
	case teacher.Sign:
		if _, err := loss.NewProx(e.Loss); err != nil {
			return &dynamics.FieldError{Pkg: "theory", Field: "Loss", Value: e.Loss.Name(), Err: err}
		}
	default:
		return &dynamics.FieldError{Pkg: "theory", Field: "Teacher.Link", Value: e.Teacher.Link.Name(), Want: "linear or sign"}
	}
	return nil
}

// moments returns κ = E[y h0] and E[y²] of the teacher.
func (e TeacherERM) moments() (kappa, y2 float64) {
	s2 := e.Teacher.Noise * e.Teacher.Noise
	if e.Teacher.Link.Binary() {
		return math.Sqrt(2/math.Pi) / math.Sqrt(1+s2), 1
	}
	return 1, 1 + s2
}

// Solve finds the fixed point. λ = 0 needs a unique finite minimiser: with
// the square loss α > 1 (else Interpolating); a non-increasing loss
// (logistic, hinge) on noiseless sign labels, which are always linearly
// separable, is Separable, and on noisy sign labels is not supported
// (an error asking for λ > 0).
func (e TeacherERM) Solve() (TeacherERMResult, error) {
	if err := e.Validate(); err != nil {
		return TeacherERMResult{}, err
	}
	e = e.withDefaults()
	fail := func(s Status, err error) (TeacherERMResult, error) {
		r := TeacherERMResult{Status: s}
		r.nan()
		return r, err
	}
	if e.Lambda == 0 {
		if _, dl, _ := e.Loss.Eval(1e6); dl <= 0 { // ℓ' ≤ 0 everywhere: no finite minimum
			if e.Teacher.Noise == 0 {
				return fail(Separable, fmt.Errorf("theory: TeacherERM at Lambda = 0: noiseless sign labels are linearly separable, so %s has no unique finite minimiser; use Lambda > 0 or the max-margin classifier", e.Loss.Name()))
			}
			return fail(NumericalFailure, &dynamics.FieldError{Pkg: "theory", Field: "Lambda", Value: 0.0, With: []string{"Loss", "Teacher.Noise"},
				Want: fmt.Sprintf("a value > 0 for %s on noisy sign labels (the λ = 0 problem is separable below a threshold that is not implemented)", e.Loss.Name())})
		}
		if e.Alpha <= 1 {
			return fail(Interpolating, fmt.Errorf("theory: TeacherERM at Lambda = 0 with Alpha = %v <= 1: %s fits every sample in many ways (no unique minimiser); use Lambda > 0", e.Alpha, e.Loss.Name()))
		}
	}
	if !e.Teacher.Link.Binary() {
		return e.squareClosedForm(), nil
	}
	px, err := loss.NewProx(e.Loss)
	if err != nil {
		return fail(NumericalFailure, err)
	}
	res, err := e.newton(px, e.coldStart())
	if err == nil || res.Status == NumericalFailure || e.Lambda >= 1 {
		return res, err
	}
	// Retry along a path from λ = 1 down to Lambda in steps of √10.
	path := e
	path.Lambda = 1
	iters, evals := res.Iterations, res.Evaluations
	r, perr := path.newton(px, path.coldStart())
	for {
		iters, evals = iters+r.Iterations, evals+r.Evaluations
		if perr != nil || path.Lambda == e.Lambda {
			break
		}
		path.Lambda /= math.Sqrt(10)
		if path.Lambda < e.Lambda || path.Lambda < 1e-6 {
			path.Lambda = e.Lambda
		}
		r, perr = path.newton(px, ermState{m: r.M, q: r.Ctt, v: r.V})
	}
	if perr != nil {
		res.Iterations, res.Evaluations = iters, evals
		return res, err
	}
	r.Iterations, r.Evaluations = iters, evals
	return r, nil
}

// coldStart is the large-λ solution, w ≈ V|ℓ'(0)|Σ_μ y_μ x_μ/√d with
// V = 1/(λ + α): m = ακgV, q = (α²κ² + α)g²V², g = |ℓ'(0)|; exact as
// λ → ∞ and a start of the right scale for any λ.
func (e TeacherERM) coldStart() ermState {
	kappa, _ := e.moments()
	_, dl0, _ := e.Loss.Eval(0)
	g := math.Abs(dl0)
	if g == 0 {
		g = 1
	}
	v := 1 / (e.Lambda + e.Alpha)
	a := e.Alpha
	return ermState{m: a * kappa * g * v, q: (a*a*kappa*kappa + a) * g * g * v * v, v: v}
}

// squareClosedForm solves the square-loss equations (see TeacherERM) and
// reports the residual of the map at the solution.
func (e TeacherERM) squareClosedForm() TeacherERMResult {
	a, l := e.Alpha, e.Lambda
	kappa, y2 := e.moments()
	b := l + a - 1
	v := 2 / (b + math.Sqrt(b*b+4*l)) // root of λV² + bV − 1 = 0, without cancellation
	m := a * kappa * v / (1 + v)
	r := a * v * v / ((1 + v) * (1 + v))
	q := (m*m + r*(y2-2*kappa*m)) / (1 - r)
	res := TeacherERMResult{M: m, Ctt: q, V: v, Status: Converged}
	// The map at (m, q, V): V̂ = α/(1+V), m̂ = ακ/(1+V), q̂ = αE[(y − ω)²]/(1+V)².
	vh, mh := a/(1+v), a*kappa/(1+v)
	qh := a * (y2 - 2*kappa*m + q) / ((1 + v) * (1 + v))
	den := l + vh
	fx := ermState{m: mh / den, q: (mh*mh + qh) / (den * den), v: 1 / den}
	res.Residual = math.Max(math.Abs(fx.m-m)/math.Max(1, math.Abs(m)), math.Max(math.Abs(fx.q/q-1), math.Abs(fx.v/v-1)))
	res.Evaluations = 1
	res.TrainLoss = (y2 - 2*kappa*m + q) / (2 * (1 + v) * (1 + v))
	res.TestMSE = y2 - 2*kappa*m + q
	res.TrainErr, res.TestErr = math.NaN(), math.NaN()
	return res
}

// tsAverages are the sample-side averages of the sign teacher at x.
type tsAverages struct {
	f2, dfdw, hf float64 // E[f²], E[−∂_ω f], E[∂f/∂h0 through y]
	loss, err    float64 // E[ℓ(y p)], P[y p < 0]
	quadErr      float64 // largest estimated relative error of f2, dfdw, hf
	lossErr      float64 // that of the loss
}

// averages evaluates the sample side for the sign teacher at x: ω = √q ξ,
// a_y = yω, P_y = prox of ℓ at a_y with variance V, f(y, ω) = −y ℓ'(P_y),
// −∂_ω f = (1 − P'_y)/V; the averages over ξ are adaptive (adaptGauss),
// split at the prox kinks of both labels.
func (e TeacherERM) averages(px loss.Prox, x ermState) (tsAverages, error) {
	var out tsAverages
	m, q, v := x.m, x.q, x.v
	v0 := 1 - m*m/q
	if !(v0 >= 0) {
		return out, fmt.Errorf("theory: TeacherERM averages at m = %v, q = %v: m² > q", m, q)
	}
	sq := math.Sqrt(q)
	s := math.Sqrt(v0 + e.Teacher.Noise*e.Teacher.Noise)
	if s == 0 {
		return out, fmt.Errorf("theory: TeacherERM averages at m = %v, q = %v: the labels are deterministic given ω (m² = q, σ = 0)", m, q)
	}
	c := m / sq / s // (m/q)ω/s = cξ
	var kinks []float64
	for _, k := range px.Kinks(v) {
		kinks = append(kinks, k/sq, -k/sq)
	}
	var proxErr error
	prox := func(a float64) (p, dp, dl float64) {
		p, dp, dl, err := px.Solve(a, v)
		if err != nil && proxErr == nil {
			proxErr = err
		}
		return p, dp, dl
	}
	var acc, qe ermVec
	err := adaptGauss(&acc, &qe, 3, func(o *ermVec, z float64) {
		w := sq * z
		pp, dpp, dlp := prox(w)
		pm, dpm, dlm := prox(-w)
		up := 1 - Q(c*z) // P(y = +1 | ω) = Φ(cξ)
		um := Q(c * z)
		lp, _, _ := e.Loss.Eval(pp)
		lm, _, _ := e.Loss.Eval(pm)
		o[0] = up*dlp*dlp + um*dlm*dlm
		o[1] = (up*(1-dpp) + um*(1-dpm)) / v
		o[2] = -(dlp + dlm) * math.Exp(-c*c*z*z/2) / (math.Sqrt(2*math.Pi) * s)
		o[3] = up*lp + um*lm
	}, kinks)
	switch {
	case proxErr != nil:
		return out, fmt.Errorf("theory: TeacherERM averages at m = %v, q = %v, V = %v: %w", m, q, v, proxErr)
	case errors.Is(err, errQuadNaN):
		return out, fmt.Errorf("theory: TeacherERM averages at m = %v, q = %v, V = %v: %s returned NaN", m, q, v, e.Loss.Name())
	case err != nil:
		return out, fmt.Errorf("theory: TeacherERM averages at m = %v, q = %v, V = %v: %w", m, q, v, err)
	}
	out.f2, out.dfdw, out.hf, out.loss = acc[0], acc[1], acc[2], acc[3]
	out.quadErr = math.Max(qe[0], math.Max(qe[1], qe[2]))
	out.lossErr = qe[3]
	// Training error: y p < 0 iff y ω < a0 = Vℓ'(0), i.e. ξ < a0/√q with
	// y = +1, ξ > −a0/√q with y = −1.
	_, dl0, _ := e.Loss.Eval(0)
	z0 := v * dl0 / sq
	out.err = GaussExpect(func(z float64) float64 {
		var r float64
		if z < z0 {
			r += 1 - Q(c*z)
		}
		if z > -z0 {
			r += Q(c * z)
		}
		return r
	}, z0, -z0)
	return out, nil
}

// tsEval is one evaluation of the map at x.
type tsEval struct {
	x, fx ermState
	av    tsAverages
	r     [4]float64 // scaled residual (m, q, V; the fourth is unused)
	rn    float64
	phi   float64
}

func (e TeacherERM) eval(px loss.Prox, x ermState) (tsEval, error) {
	ev := tsEval{x: x}
	av, err := e.averages(px, x)
	if err != nil {
		return ev, err
	}
	ev.av = av
	vh, qh, mh := e.Alpha*av.dfdw, e.Alpha*av.f2, e.Alpha*av.hf
	den := e.Lambda + vh
	ev.fx = ermState{m: mh / den, q: (mh*mh + qh) / (den * den), v: 1 / den}
	ev.r = [4]float64{(ev.fx.m - x.m) / math.Max(1, math.Abs(x.m)), ev.fx.q/x.q - 1, ev.fx.v/x.v - 1, 0}
	for _, r := range ev.r {
		ev.rn = math.Max(ev.rn, math.Abs(r))
		ev.phi += r * r / 2
	}
	if math.IsNaN(ev.phi) || math.IsInf(ev.phi, 0) {
		ev.rn, ev.phi = math.Inf(1), math.Inf(1)
	}
	return ev, nil
}

// newton runs Newton's method on F(x) − x in u = (m, ln q, ln V) with a
// forward-difference Jacobian, a backtracking line search on ½|r|², and a
// damped step x + ½(F(x) − x) where the line search fails (it keeps
// q ≥ m², a convex set that F maps into).
func (e TeacherERM) newton(px loss.Prox, x0 ermState) (TeacherERMResult, error) {
	const n = 3
	var res TeacherERMResult
	fail := func(s Status, err error) (TeacherERMResult, error) {
		res.Status = s
		res.nan()
		return res, err
	}
	evalAt := func(x ermState) (tsEval, error) {
		res.Evaluations++
		return e.eval(px, x)
	}
	cur, err := evalAt(x0)
	if err != nil {
		return fail(NumericalFailure, err)
	}
	for it := 0; ; it++ {
		if d := cur.x; !(d.q < divergedQ && d.v < divergedQ) {
			return fail(Diverged, fmt.Errorf("theory: TeacherERM diverged at iteration %d (q = %.3g, V = %.3g)", it, d.q, d.v))
		}
		if cur.rn <= e.Tol {
			res.Residual, res.QuadErr = cur.rn, cur.av.quadErr
			if !(cur.av.quadErr <= e.Tol/10) {
				return fail(NumericalFailure, fmt.Errorf("theory: TeacherERM: the Gaussian averages at the solution have an estimated relative error %.2g, above Tol/10 = %.2g", cur.av.quadErr, e.Tol/10))
			}
			if !(cur.av.lossErr <= lossQuadTol) {
				return fail(NumericalFailure, fmt.Errorf("theory: TeacherERM: the training loss at the solution has an estimated relative error %.2g, above %.0g", cur.av.lossErr, lossQuadTol))
			}
			return e.finish(res, cur), nil
		}
		if it == e.MaxIter {
			res.Residual = cur.rn
			return fail(IterationLimit, fmt.Errorf("theory: TeacherERM did not converge in %d iterations (residual %.3g, Tol %.3g)", it, cur.rn, e.Tol))
		}
		res.Iterations = it + 1
		var jac [4][4]float64
		u := cur.x.coords()
		jacOK := true
		for j := range n {
			h := 1e-7
			if j == 0 {
				h *= math.Max(1, math.Abs(u[0]))
			}
			uj := u
			uj[j] += h
			ej, err := evalAt(fromCoords(uj))
			if err != nil {
				jacOK = false
				break
			}
			for i := range n {
				jac[i][j] = (ej.r[i] - cur.r[i]) / h
			}
		}
		next, ok := cur, false
		if d, solved := newtonStep(jac, cur.r, n); jacOK && solved {
			t := 1.0
			if big := math.Max(math.Abs(d[1]), math.Abs(d[2])); big > maxLogStep {
				t = maxLogStep / big
			}
			for ; t >= 1.0/64; t /= 2 {
				ut := u
				for i := range n {
					ut[i] += t * d[i]
				}
				ev, err := evalAt(fromCoords(ut))
				if err == nil && (ev.phi <= (1-1e-4*t)*cur.phi || ev.rn <= e.Tol) {
					next, ok = ev, true
					break
				}
			}
		}
		if !ok {
			x, fx := cur.x, cur.fx
			y := ermState{m: (x.m + fx.m) / 2, q: (x.q + fx.q) / 2, v: (x.v + fx.v) / 2}
			if next, err = evalAt(y); err != nil {
				return fail(NumericalFailure, err)
			}
		}
		cur = next
	}
}

// finish fills the result at the converged evaluation.
func (e TeacherERM) finish(res TeacherERMResult, ev tsEval) TeacherERMResult {
	x := ev.x
	kappa, y2 := e.moments()
	res.M, res.Ctt, res.V = x.m, x.q, x.v
	res.TrainLoss, res.TrainErr = ev.av.loss, ev.av.err
	s2 := e.Teacher.Noise * e.Teacher.Noise
	res.TestErr = math.Acos(math.Max(-1, math.Min(1, x.m/math.Sqrt(x.q*(1+s2))))) / math.Pi
	res.TestMSE = y2 - 2*kappa*x.m + x.q
	res.Status = Converged
	return res
}

func (r *TeacherERMResult) nan() {
	n := math.NaN()
	r.M, r.Ctt, r.V, r.TrainLoss, r.TrainErr, r.TestErr, r.TestMSE = n, n, n, n, n, n, n
}
