package theory

import (
	"errors"
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
)

// SquareGD is full-batch gradient descent on the square loss, or its
// gradient flow, for the two-cluster model without bias, solved exactly at
// d = ∞ by random-matrix theory (spec theory.md §2). The objective is
// Σ_μ (y_μ − w·x_μ/√d)²/2 + (λ/2)|w|², the initial weights are isotropic,
// w_0 ~ N(0, C0 I_d) (m(0) = 0), and the result holds for any ρ.
//
// The zero value of Eta means gradient flow; Eta > 0 means the recursion
// w_{k+1} = w_k − η[λ w_k + Σ_μ (r_μ − y_μ) x_μ/√d] at times t = kη.
type SquareGD struct {
	Alpha  float64 // sample ratio n/d, > 0
	Delta  float64 // noise variance Δ, > 0
	Lambda float64 // ridge λ ≥ 0
	C0     float64 // initial norm |w_0|²/d ≥ 0
	Eta    float64 // learning rate of discrete GD; zero means gradient flow
}

// SquarePoint holds the order parameters of SquareGD at one time.
type SquarePoint struct {
	T         float64 // time; kη for discrete GD
	M         float64 // m = w·v*/d
	Ctt       float64 // q = |w|²/d
	TrainLoss float64 // training loss ½⟨(y − r)²⟩ over the training set
	TestErr   float64 // generalisation error Q(m/√(Δq))
}

// Validate checks the fields, naming the first bad one. Discrete GD must
// be stable: η times the largest eigenvalue of the Hessian (bulk edge or
// outlier) must be below 2.
func (s SquareGD) Validate() error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	fe := func(field string, v float64, want string) error {
		return &dynamics.FieldError{Pkg: "theory", Field: field, Value: v, Want: want}
	}
	switch {
	case !(s.Alpha > 0) || bad(s.Alpha):
		return fe("Alpha", s.Alpha, "a finite value > 0")
	case !(s.Delta > 0) || bad(s.Delta):
		return fe("Delta", s.Delta, "a finite value > 0")
	case !(s.Lambda >= 0) || bad(s.Lambda):
		return fe("Lambda", s.Lambda, "a finite value >= 0")
	case !(s.C0 >= 0) || bad(s.C0):
		return fe("C0", s.C0, "a finite value >= 0")
	case !(s.Eta >= 0) || bad(s.Eta):
		return fe("Eta", s.Eta, "a value > 0 (discrete GD) or 0 (gradient flow)")
	}
	if zmax := s.spectrum().max(); s.Eta*zmax >= 2 {
		return fe("Eta", s.Eta, fmt.Sprintf("η < 2/ζ_max = %.6g: discrete GD is unstable at η·ζ_max = %.6g (ζ_max = %.6g, the Hessian's largest eigenvalue)", 2/zmax, s.Eta*zmax, zmax))
	}
	return nil
}

// spectrum returns the measures π_H and ν of theory.md §2 for s.
func (s SquareGD) spectrum() spectrum {
	a, dl, lam := s.Alpha, s.Delta, s.Lambda
	sq := math.Sqrt(a)
	sp := spectrum{
		lambda:  lam,
		lo:      lam + dl*(sq-1)*(sq-1),
		hi:      lam + dl*(sq+1)*(sq+1),
		atomH:   math.Max(0, 1-a),
		outlier: lam + (a+dl)*(1+dl),
		atomNu:  math.Max(0, a-dl*dl),
		kappa:   a + dl,
		alpha:   a,
		delta:   dl,
	}
	return sp
}

// spectrum describes the two measures on the eigenvalue axis ζ of
// H = XᵀX/d + λ: the bulk [lo, hi] carries densities of π_H and ν, π_H
// has an atom atomH at ζ = λ, ν an outlier atom atomNu at ζ* = outlier.
type spectrum struct {
	lambda, lo, hi  float64
	atomH           float64
	outlier, atomNu float64
	kappa           float64 // α + Δ
	alpha, delta    float64
}

// max returns the largest point of the support of π_H and ν.
func (sp spectrum) max() float64 {
	if sp.atomNu > 0 {
		return math.Max(sp.hi, sp.outlier)
	}
	return sp.hi
}

// bulkNode is one quadrature node on the bulk: ζ and the weights of π_H
// and ν there (density × dζ × quadrature weight).
type bulkNode struct{ zeta, wH, wNu float64 }

// Bulk quadrature: ζ = centre − half·cos θ, θ ∈ [0, π], turns both
// densities into smooth functions of θ (the square-root edges become sin²θ).
// Composite Gauss–Legendre (gaussOrd nodes per panel) on panels graded
// geometrically towards θ = 0 (the lower edge, where g_t varies on the scale
// ζ − λ ~ 1/t when the edge touches ζ = 0) and uniform elsewhere.
const (
	bulkPanels = 64 // uniform panels on [π/bulkPanels, π]
	bulkGrade  = 10 // geometric panels [π 2^{-j-1}/bulkPanels, π 2^{-j}/bulkPanels], j < bulkGrade, and [0, …]
)

// nodes returns the bulk quadrature nodes, refined by factor refine ≥ 1
// (more uniform panels; used by the tests to bound the quadrature error).
func (sp spectrum) nodes(refine int) []bulkNode {
	np := bulkPanels * refine
	var bounds []float64
	bounds = append(bounds, 0)
	for j := bulkGrade; j >= 1; j-- {
		bounds = append(bounds, math.Pi/float64(np)*math.Ldexp(1, -j))
	}
	for i := 1; i <= np; i++ {
		bounds = append(bounds, math.Pi*float64(i)/float64(np))
	}
	dl := sp.delta
	uh := (sp.hi - sp.lo) / 2 // half width in ζ
	nodes := make([]bulkNode, 0, (len(bounds)-1)*len(glX))
	for i := 1; i < len(bounds); i++ {
		a, h := bounds[i-1], bounds[i]-bounds[i-1]
		for j, x := range glX {
			th := a + h*x
			// ζ − lo = 2 half sin²(θ/2): no cancellation near the lower edge.
			s2 := math.Sin(th / 2)
			above := 2 * uh * s2 * s2
			zeta := sp.lo + above
			sin := math.Sin(th)
			// √((u − a−)(a+ − u)) = (half/Δ) sin θ with u = (ζ − λ)/Δ; dζ = half sin θ dθ.
			root := uh / dl * sin
			dz := uh * sin * h * glW[j]
			u := (sp.lo - sp.lambda + above) / dl
			var wh float64
			if u > 0 {
				wh = root / (2 * math.Pi * dl * u) * dz
			}
			// (α+Δ)(1+Δ) − Δu = (√α − Δ)² + (hi − ζ): it vanishes at the upper
			// edge when α = Δ² (the outlier leaves the bulk), so no cancellation.
			c2 := math.Cos(th / 2)
			gap := math.Sqrt(sp.alpha) - dl
			wnu := dl * root / (2 * math.Pi * (gap*gap + 2*uh*c2*c2)) * dz
			nodes = append(nodes, bulkNode{zeta, wh, wnu})
		}
	}
	return nodes
}

// propagator returns e(ζ) and g(ζ) at time t (flow) or step k (discrete):
//
//	flow:      e = e^{−ζt},     g = (1 − e^{−ζt})/ζ
//	discrete:  e = (1 − ηζ)^k,  g = (1 − (1 − ηζ)^k)/ζ
//
// with the ζ → 0 limits g = t and g = kη.
func propagator(zeta, t, eta float64, k int) (e, g float64) {
	if eta == 0 {
		x := zeta * t
		if x == 0 {
			return 1, t
		}
		em := math.Expm1(-x)
		return 1 + em, -em / zeta
	}
	if zeta == 0 {
		return 1, eta * float64(k)
	}
	if a := eta * zeta; a < 1 {
		l := float64(k) * math.Log1p(-a)
		em := math.Expm1(l)
		return 1 + em, -em / zeta
	}
	e = math.Pow(1-eta*zeta, float64(k))
	return e, (1 - e) / zeta
}

// Curve returns the learning curve at the given times, in dst (allocated
// when too short). For discrete GD each time is rounded to the nearest step
// k = round(t/η) and the point's T is kη. Times must be finite and ≥ 0.
func (s SquareGD) Curve(dst []SquarePoint, times []float64) ([]SquarePoint, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if cap(dst) < len(times) {
		dst = make([]SquarePoint, len(times))
	}
	dst = dst[:len(times)]
	sp := s.spectrum()
	nodes := sp.nodes(1)
	for i, t := range times {
		if !(t >= 0) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("theory: time %d = %v, want a finite time >= 0", i, t)
		}
		dst[i] = s.point(sp, nodes, t)
	}
	return dst, nil
}

// point evaluates theory.md §2 at time t:
//
//	m = ∫ g dν,  q = κ∫ g² dν + C0 ∫ e² dπ_H,
//	MSE = ½[1 − (2κ/α) m + (κ∫(ζ−λ) g² dν + C0∫(ζ−λ) e² dπ_H)/α].
func (s SquareGD) point(sp spectrum, nodes []bulkNode, t float64) SquarePoint {
	k := 0
	if s.Eta > 0 {
		k = int(math.Round(t / s.Eta))
		t = float64(k) * s.Eta
	}
	var m, g2, g2z, e2, e2z float64
	add := func(zeta, wH, wNu float64) {
		e, g := propagator(zeta, t, s.Eta, k)
		z := zeta - sp.lambda
		m += wNu * g
		g2 += wNu * g * g
		g2z += wNu * z * g * g
		e2 += wH * e * e
		e2z += wH * z * e * e
	}
	for _, n := range nodes {
		add(n.zeta, n.wH, n.wNu)
	}
	add(sp.lambda, sp.atomH, 0)
	add(sp.outlier, 0, sp.atomNu)
	return s.finish(sp, t, m, g2, g2z, e2, e2z)
}

func (s SquareGD) finish(sp spectrum, t, m, g2, g2z, e2, e2z float64) SquarePoint {
	q := sp.kappa*g2 + s.C0*e2
	mse := 0.5 * (1 - 2*sp.kappa/sp.alpha*m + (sp.kappa*g2z+s.C0*e2z)/sp.alpha)
	return SquarePoint{T: t, M: m, Ctt: q, TrainLoss: mse, TestErr: tail(m, math.Sqrt(s.Delta*q))}
}

// errNoLimit reports the interpolation peak, where q(t) grows without bound.
var errNoLimit = errors.New("theory: no t → ∞ limit at Lambda = 0, Alpha = 1: |w|² diverges (interpolation peak)")

// Limit returns the t → ∞ limit: g → 1/ζ, and e → 0 except on the atom of
// π_H at ζ = 0 (λ = 0, α < 1), where the initial weights persist in the
// kernel of XᵀX. For λ > 0 it is the ridge estimator (ERM with square loss).
// At λ = 0, α = 1 the limit does not exist and Limit returns an error.
func (s SquareGD) Limit() (SquarePoint, error) {
	if err := s.Validate(); err != nil {
		return SquarePoint{}, err
	}
	if s.Lambda == 0 && s.Alpha == 1 {
		return SquarePoint{}, errNoLimit
	}
	sp := s.spectrum()
	var m, g2, g2z, e2, e2z float64
	add := func(zeta, wH, wNu float64) {
		if zeta == 0 {
			e2 += wH // e = 1; ν has no mass at ζ = 0 and (ζ−λ)e² = 0
			return
		}
		g := 1 / zeta
		z := zeta - sp.lambda
		m += wNu * g
		g2 += wNu * g * g
		g2z += wNu * z * g * g
	}
	for _, n := range sp.nodes(1) {
		add(n.zeta, n.wH, n.wNu)
	}
	add(sp.lambda, sp.atomH, 0)
	add(sp.outlier, 0, sp.atomNu)
	return s.finish(sp, math.Inf(1), m, g2, g2z, e2, e2z), nil
}
