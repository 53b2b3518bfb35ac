package theory

import (
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// MaxMargin is the max-margin (hard-margin SVM) classifier of the
// two-cluster model at d = ∞: the direction w, |w|²/d = 1, and bias b (0
// unless Bias) that maximise the margin κ with y_μ(w·x_μ/√d + b) ≥ κ for
// every training sample. It exists while the data are linearly separable,
// α < α_c (SeparabilityThreshold), and it is the λ → 0⁺ limit of the
// direction of ridge ERM with a non-increasing loss (logistic, hinge,
// squared hinge), where gradient flow on the logistic loss at λ = 0 also
// heads as t → ∞ (Soudry et al. 2018).
//
// With w = m v* + w⊥, a training field is y(w·x/√d + b) = m + yb +
// √Δ(mξ + u), ξ = y v*·z/√d ~ N(0, 1) and u = y w⊥·z/√d, where w⊥
// (|w⊥|²/d = 1 − m²) is free; by Gardner's computation (or Gordon's
// comparison), the n = αd constraints u ≥ (κ − m − yb)/√Δ − mξ can be met
// by such a w⊥ iff
//
//	α Σ_y ρ_y H((κ − m − yb)/√Δ) ≤ 1 − m²,   H(t) = E[(t − G)₊²] = (1 + t²)Φ(t) + tφ(t),
//
// G ~ N(0, 1) (mξ + √(1−m²)G' is again standard normal). The set of
// (κ, m, b) that satisfy it is convex, so the largest κ, κ*(m, b), is
// concave, and its maximum is where
//
//	α Σ_y ρ_y H'(t_y) = 2m√Δ   (∂κ*/∂m = 0),   Σ_y ρ_y y H'(t_y) = 0   (∂κ*/∂b = 0, with a bias),
//
// H'(t) = 2(tΦ(t) + φ(t)). These are the λ → 0⁺ limit of the hinge ERM
// equations of theory.md §3 with w/√q, b/√q and the margin 1/√q.
// References: E. Gardner, J. Phys. A 21, 257 (1988); Mignacco, Krzakala, Lu,
// Urbani, Zdeborová, ICML 2020 (this model); Deng, Kammoun, Thrampoulidis,
// arXiv:1911.05822 (2019).
type MaxMargin struct {
	Model mixture.Model // two clusters c = y = ±1 (mixture.TwoCluster)
	Alpha float64       // sample ratio n/d, in (0, α_c)
	Bias  bool          // fit the bias b
}

// MaxMarginResult is the max-margin classifier, normalised to |w|²/d = 1.
type MaxMarginResult struct {
	Overlap float64 // m/√q = w·v*/(|w||v*|): the direction's overlap with the centroid
	Margin  float64 // κ: the smallest y(w·x/√d + b) over the training set
	Bias    float64 // b/√q (0 without Bias)
	TestErr float64 // theory.md §1 with m = Overlap, q = 1, b_0 = Bias
	Support float64 // fraction of training samples on the margin (support vectors)
	AlphaC  float64 // the separability threshold α_c of the model
}

// Validate checks the fields, naming the first bad one.
func (mm MaxMargin) Validate() error {
	if err := validateTwoCluster(mm.Model); err != nil {
		return err
	}
	if !(mm.Alpha > 0) || math.IsInf(mm.Alpha, 0) {
		return &dynamics.FieldError{Pkg: "theory", Field: "Alpha", Value: mm.Alpha, Want: "a finite value > 0"}
	}
	return nil
}

// validateTwoCluster checks that m is the two-cluster model with Δ > 0.
func validateTwoCluster(m mixture.Model) error {
	if err := dynamics.ValidateModel("theory", m); err != nil {
		return err
	}
	if !m.IsTwoCluster() {
		return &dynamics.FieldError{Pkg: "theory", Field: "Model", Want: "the two-cluster model (clusters c = y = ±1)"}
	}
	if !(m.Delta > 0) || math.IsInf(m.Delta, 0) {
		return &dynamics.FieldError{Pkg: "theory", Field: "Model.Delta", Value: m.Delta, Want: "a finite value > 0"}
	}
	return nil
}

// mmH returns H(t) = E[(t − G)₊²] and H'(t) = 2E[(t − G)₊], G ~ N(0, 1).
// For t → −∞ the closed forms cancel (both terms are ~t⁴/2 times the
// result: 3e-13 relative error at t = −4), so below t = −2, with s = −t and I_k = ∫₀^∞ x^k e^{−sx − x²/2} dx
// (E[(t − G)₊^k] = φ(s) I_k), integration by parts gives I₁ = 1 − sI₀ and
// I₂ = I₀ − sI₁, and with the continued fraction of the Mills ratio
// I₀ = 1/(s + T₁), T_k = k/(s + T_{k+1}), these are I₁ = I₀T₁ and
// I₂ = I₀T₁T₂, free of cancellation.
func mmH(t float64) (h, dh float64) {
	phi := math.Exp(-t*t/2) / math.Sqrt(2*math.Pi)
	if t < -2 {
		s := -t
		tk := 0.0 // T_k from k = mmCF down to 2
		for k := mmCF; k >= 2; k-- {
			tk = float64(k) / (s + tk)
		}
		t2 := tk
		t1 := 1 / (s + t2)
		i0 := 1 / (s + t1)
		return phi * i0 * t1 * t2, 2 * phi * i0 * t1
	}
	cdf := 0.5 * math.Erfc(-t/math.Sqrt2)
	return (1+t*t)*cdf + t*phi, 2 * (t*cdf + phi)
}

// mmCF is the depth of the continued fraction in mmH: from s = 2 on, the
// truncation error is ~1e-15 relative (TestMMH).
const mmCF = 120

// bisect returns the root of the non-increasing function g on [lo, hi],
// g(lo) ≥ 0 ≥ g(hi), to float64 resolution.
func bisect(g func(float64) float64, lo, hi float64) float64 {
	for i := 0; i < 200; i++ {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if g(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// bracketDown returns [lo, hi] around x0 with g(lo) ≥ 0 ≥ g(hi), for a
// non-increasing g that changes sign, by doubling steps; ok false if none
// is found within |x| < 1e8.
func bracketDown(g func(float64) float64, x0 float64) (lo, hi float64, ok bool) {
	lo, hi = x0, x0
	for w := 1.0; w < 1e8; w *= 2 {
		if g(lo) < 0 {
			lo = x0 - w
			continue
		}
		if g(hi) > 0 {
			hi = x0 + w
			continue
		}
		return lo, hi, true
	}
	return lo, hi, false
}

// mmPlane evaluates the constraint ψ = α Σ_y ρ_y H(t_y) − (1 − m²) and the
// sums Σρ_y H'(t_y) and Σρ_y y H'(t_y), t_y = (κ − m − yb)/√Δ.
func mmPlane(mod mixture.Model, alpha, kappa, m, b float64) (psi, sdh, sydh float64) {
	sd := math.Sqrt(mod.Delta)
	sh := 0.0
	for _, c := range mod.Clusters {
		y := c.Label
		h, dh := mmH((kappa - m - y*b) / sd)
		sh += c.Prob * h
		sdh += c.Prob * dh
		sydh += c.Prob * y * dh
	}
	return alpha*sh - (1 - m*m), sdh, sydh
}

// mmKappa returns κ*(m, b): the root of ψ(κ) = 0, increasing and convex in
// κ, by Newton's method from a point above the root (then monotone) with a
// bisection guard.
func mmKappa(mod mixture.Model, alpha, m, b float64) float64 {
	sd := math.Sqrt(mod.Delta)
	psi := func(k float64) (float64, float64) {
		p, sdh, _ := mmPlane(mod, alpha, k, m, b)
		return p, alpha * sdh / sd
	}
	hi := math.Abs(m) + math.Abs(b) + sd*math.Sqrt((1-m*m)/alpha) + 1 // H(t) ≥ t² for t ≥ 0
	for p, _ := psi(hi); p < 0; p, _ = psi(hi) {
		hi = 2*hi + 1
	}
	lo := hi - 1
	for p, _ := psi(lo); p > 0; p, _ = psi(lo) {
		lo -= 2 * (hi - lo)
	}
	k := hi
	for i := 0; i < 200; i++ {
		p, dp := psi(k)
		if p <= 0 {
			lo = k
		} else {
			hi = k
		}
		nk := k - p/dp
		if !(nk > lo && nk < hi) {
			nk = lo + (hi-lo)/2
		}
		if math.Abs(nk-k) <= 1e-15*math.Max(1, math.Abs(k)) || hi-lo <= 1e-15*math.Max(1, math.Abs(k)) {
			return nk
		}
		k = nk
	}
	return k
}

// mmBias returns the b that maximises κ*(m, ·) (the root of Σρ_y y H'(t_y)
// at κ = κ*(m, b), decreasing in b), or of the κ = 0 bias condition if
// kappa0: ρH'(t₊) = (1−ρ)H'(t₋) at κ = 0.
func mmBias(mod mixture.Model, alpha, m float64, kappa0 bool) float64 {
	g := func(b float64) float64 {
		k := 0.0
		if !kappa0 {
			k = mmKappa(mod, alpha, m, b)
		}
		_, _, sydh := mmPlane(mod, alpha, k, m, b)
		return sydh
	}
	lo, hi, ok := bracketDown(g, 0)
	if !ok {
		return math.NaN()
	}
	return bisect(g, lo, hi)
}

// SeparabilityThreshold returns α_c of the two-cluster model: for α < α_c
// the n = αd samples are linearly separable (with a bias if bias) with
// probability → 1 as d → ∞, for α > α_c they are not. It is the largest α
// at which the max-margin κ is 0:
//
//	α_c = max_{m, b} (1 − m²) / Σ_y ρ_y H((−m − yb)/√Δ)
//
// (Cover's α_c = 2 as Δ → ∞ without bias). The maximand's superlevel sets
// are convex, so the maximum is found by nested bisection on the signs of
// its derivatives.
func SeparabilityThreshold(mod mixture.Model, bias bool) (float64, error) {
	if err := validateTwoCluster(mod); err != nil {
		return math.NaN(), err
	}
	sd := math.Sqrt(mod.Delta)
	at := func(m float64) (a, b float64) {
		if bias {
			b = mmBias(mod, 1, m, true)
		}
		sh := 0.0
		for _, c := range mod.Clusters {
			h, _ := mmH((-m - c.Label*b) / sd)
			sh += c.Prob * h
		}
		return (1 - m*m) / sh, b
	}
	// d/dm ln A = −2m/(1 − m²) + Σρ H'(t)/(√Δ Σρ H(t)) (the b-derivative
	// vanishes at b*(m)): positive at m = 0, −∞ at m → 1.
	dlog := func(m float64) float64 {
		b := 0.0
		if bias {
			b = mmBias(mod, 1, m, true)
		}
		sh, sdh := 0.0, 0.0
		for _, c := range mod.Clusters {
			h, dh := mmH((-m - c.Label*b) / sd)
			sh += c.Prob * h
			sdh += c.Prob * dh
		}
		return -2*m/(1-m*m) + sdh/(sd*sh)
	}
	m := bisect(dlog, 0, 1)
	a, b := at(m)
	if math.IsNaN(a) || math.IsNaN(b) || !(a > 0) {
		return math.NaN(), fmt.Errorf("theory: separability threshold at Δ = %v, ρ = %v: no maximum found", mod.Delta, mod.Rho())
	}
	return a, nil
}

// Solve returns the max-margin classifier, or an error if α ≥ α_c (the
// data are not separable: the largest margin is ≤ 0).
func (mm MaxMargin) Solve() (MaxMarginResult, error) {
	if err := mm.Validate(); err != nil {
		return MaxMarginResult{}, err
	}
	ac, err := SeparabilityThreshold(mm.Model, mm.Bias)
	if err != nil {
		return MaxMarginResult{}, err
	}
	if !(mm.Alpha < ac) {
		return MaxMarginResult{AlphaC: ac}, fmt.Errorf("theory: max margin at Alpha = %v: the data are not linearly separable (α_c = %.6g at Δ = %v, ρ = %v, bias %v)", mm.Alpha, ac, mm.Model.Delta, mm.Model.Rho(), mm.Bias)
	}
	sd := math.Sqrt(mm.Model.Delta)
	bOf := func(m float64) float64 {
		if mm.Bias {
			return mmBias(mm.Model, mm.Alpha, m, false)
		}
		return 0
	}
	// ∂κ*/∂m ∝ α Σρ H'(t) − 2m√Δ: decreasing in m (κ* concave), positive
	// at m = 0 and −2√Δ at m → 1.
	g := func(m float64) float64 {
		b := bOf(m)
		k := mmKappa(mm.Model, mm.Alpha, m, b)
		_, sdh, _ := mmPlane(mm.Model, mm.Alpha, k, m, b)
		return mm.Alpha*sdh - 2*m*sd
	}
	m := bisect(g, 0, 1)
	b := bOf(m)
	k := mmKappa(mm.Model, mm.Alpha, m, b)
	if math.IsNaN(k) || math.IsNaN(b) {
		return MaxMarginResult{AlphaC: ac}, fmt.Errorf("theory: max margin at Alpha = %v: no maximum found", mm.Alpha)
	}
	sup := 0.0
	for _, c := range mm.Model.Clusters {
		sup += c.Prob * Q(-(k-m-c.Label*b)/sd) // P(G < t_y)
	}
	return MaxMarginResult{
		Overlap: m, Margin: k, Bias: b, Support: sup, AlphaC: ac,
		TestErr: TestError(mm.Model, loss.Linear{}, m, 1, b),
	}, nil
}
