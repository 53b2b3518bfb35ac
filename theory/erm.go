package theory

import (
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
	Lambda float64       // ridge λ ≥ 0; λ = 0 has no solution on separable data
	Loss   loss.Margin   // any registered margin loss; a new one needs a convex ℓ with continuous ℓ' or a loss.Proxer
	Bias   bool          // fit the bias b

	Tol     float64 // convergence: relative change of (m, q, V, b) in one iteration; default 1e-11
	MaxIter int     // iteration limit; default 5000
	Damping float64 // fraction of the new (m, q, V) mixed in per iteration, in (0, 1]; default 0.5
}

// Status says how an ERM solve ended.
type Status int

const (
	Converged      Status = iota // the change fell below Tol
	IterationLimit               // MaxIter iterations without convergence
	Diverged                     // |w|² grew without bound or a NaN appeared
)

var statusNames = [...]string{Converged: "converged", IterationLimit: "iteration limit", Diverged: "diverged"}

// String returns the status in words.
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ERMResult is the ERM fixed point. On failure the order parameters and
// observables are NaN and only Status, Iterations and Change are meaningful.
type ERMResult struct {
	M         float64 // m = w·v*/d
	Ctt       float64 // q = |w|²/d
	Bias      float64 // b (0 without Bias)
	V         float64 // V = Δ χ, χ = Tr(∇²R)^{-1}/d; V/Δ = ∫R(t+s, t)ds at stationarity
	TrainLoss float64 // (1/n) Σ_μ ℓ(y_μ(r_μ + b))
	TrainErr  float64 // fraction of training samples with y(r + b) < 0
	TestErr   float64 // theory.md §1 with b_0 = b

	Status     Status
	Iterations int
	Change     float64 // relative change in the last iteration
}

func (e ERM) withDefaults() ERM {
	if e.Tol == 0 {
		e.Tol = 1e-11
	}
	if e.MaxIter == 0 {
		e.MaxIter = 5000
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
	case !(e.Tol > 0):
		return fe("Tol", e.Tol, "a value > 0")
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

// ermPans is the number of quadrature panels on [−zMax, zMax] for the ERM
// averages (plus the kinks of the hinge losses): 24 panels of 16 nodes
// integrate these smooth-per-panel integrands to ~1e-14 (TestERMQuadrature).
const ermPans = 24

// divergedQ bounds q = |w|²/d: beyond it the solve is declared divergent.
const divergedQ = 1e10

// Solve finds the fixed point of theory.md §3 by damped iteration on
// (m, q, V), with one Newton step on the bias condition E[f] = 0 per
// iteration. Non-convergence returns an error and NaN observables.
func (e ERM) Solve() (ERMResult, error) {
	if err := e.Validate(); err != nil {
		return ERMResult{}, err
	}
	e = e.withDefaults()
	dl := e.Model.Delta
	px, err := loss.NewProx(e.Loss)
	if err != nil {
		return ERMResult{}, err
	}
	// Start: the first GD direction, m = q = O(1), V = Δ/(λ + αΔ).
	m, q, v, b := 0.5, 1.0, dl/(e.Lambda+e.Alpha*dl), 0.0
	res := ERMResult{}
	for it := 1; it <= e.MaxIter; it++ {
		av := e.averages(px, m, q, v, b)
		vhat, mhat, qhat := e.Alpha*av.dfdw, e.Alpha*av.yf, e.Alpha*av.f2
		den := e.Lambda + dl*vhat
		vn, mn, qn := dl/den, mhat/den, (dl*qhat+mhat*mhat)/(den*den)
		bn := b
		if e.Bias && av.dfdw > 0 {
			bn = b + av.f/av.dfdw // Newton on E[f](b): dE[f]/db = −E[−∂f/∂ω]
		}
		ch := math.Max(math.Max(relChange(mn, m), relChange(qn, q)), math.Max(relChange(vn, v), relChange(bn, b)))
		th := e.Damping
		m, q, v, b = m+th*(mn-m), q+th*(qn-q), v+th*(vn-v), bn
		res.Iterations, res.Change = it, ch
		if math.IsNaN(ch) || math.IsNaN(q) || q > divergedQ || math.IsInf(v, 0) || v > divergedQ {
			res.Status = Diverged
			res.nan()
			return res, fmt.Errorf("theory: ERM diverged at iteration %d (q = %v, V = %v): no minimiser with finite norm (separable data with Lambda = 0, or interpolation)", it, q, v)
		}
		if ch < e.Tol {
			av = e.averages(px, m, q, v, b)
			res.M, res.Ctt, res.Bias, res.V = m, q, b, v
			res.TrainLoss, res.TrainErr = av.loss, av.err
			res.TestErr = TestError(e.Model, loss.Linear{}, m, q, b)
			res.Status = Converged
			return res, nil
		}
	}
	res.Status = IterationLimit
	res.nan()
	return res, fmt.Errorf("theory: ERM did not converge in %d iterations (last relative change %.3g, Tol %.3g)", res.Iterations, res.Change, e.Tol)
}

func (r *ERMResult) nan() {
	n := math.NaN()
	r.M, r.Ctt, r.Bias, r.V, r.TrainLoss, r.TrainErr, r.TestErr = n, n, n, n, n, n, n
}

func relChange(new, old float64) float64 { return math.Abs(new-old) / math.Max(1, math.Abs(old)) }

// ermAverages are the sample-side averages over y and ξ.
type ermAverages struct {
	f    float64 // E[f], f = (p − ω)/V = −y ℓ'
	f2   float64 // E[f²]
	yf   float64 // E[y f]
	dfdw float64 // E[−∂f/∂ω] = E[ℓ''/(1 + Vℓ'')]
	loss float64 // E[ℓ(y(p + b))]
	err  float64 // P[y(p + b) < 0]
}

// averages evaluates the sample side of theory.md §3. With a = y(ω + b)
// = m + yb + √(Δq)ξ' (ξ' = yξ ~ N(0,1)) the proximal step is, in the
// margin v = y(p + b), v = P(a) = argmin_v (v − a)²/(2V) + ℓ(v), so
// f = y(P(a) − a)/V = −y ℓ'(P(a)) and −∂f/∂ω = (1 − P'(a))/V.
// The training error is P[a < a₀] with P(a₀) = 0, a₀ = Vℓ'(0).
func (e ERM) averages(px loss.Prox, m, q, v, b float64) ermAverages {
	return e.averagesPans(px, m, q, v, b, ermPans)
}

func (e ERM) averagesPans(px loss.Prox, m, q, v, b float64, pans int) ermAverages {
	s := math.Sqrt(e.Model.Delta * q)
	var out ermAverages
	var acc, scratch [4]float64
	_, dl0, _ := e.Loss.Eval(0)
	a0 := v * dl0
	pk := px.Kinks(v)
	for _, c := range e.Model.Clusters {
		y := c.Label
		mu := m + y*b
		var buf [4]float64
		kinks := buf[:0]
		for _, k := range pk {
			kinks = append(kinks, (k-mu)/s)
		}
		acc = [4]float64{}
		gaussExpectAdd(acc[:], scratch[:], 1, pans, func(o []float64, z float64) {
			a := mu + s*z
			p, dp := px.Eval(a, v)
			l, dl, _ := e.Loss.Eval(p)
			o[0], o[1], o[2], o[3] = -dl, dl*dl, (1-dp)/v, l
		}, kinks...)
		// acc: E[−ℓ'], E[ℓ'²], E[−∂f/∂ω], E[ℓ] for this cluster.
		out.f += c.Prob * y * acc[0]
		out.yf += c.Prob * acc[0]
		out.f2 += c.Prob * acc[1]
		out.dfdw += c.Prob * acc[2]
		out.loss += c.Prob * acc[3]
		out.err += c.Prob * tail(mu-a0, s) // P(a < a₀) = Q((μ − a₀)/s)
	}
	return out
}
