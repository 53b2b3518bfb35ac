package theory

import (
	"errors"
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/teacher"
)

// TeacherSquare is full-batch gradient descent on the square loss, or its
// gradient flow, for the linear teacher (package teacher: y = h0 + σε),
// solved exactly at d = ∞ by random-matrix theory. The objective is
// Σ_μ (y_μ − w·x_μ/√d)²/2 + (λ/2)|w|², and the initial weights are
// w_0 = M0 v* + w⊥ with w⊥ ⊥ v* of squared norm (C0 − M0²)d, so that
// m(0) = M0 and Ctt(0) = C0.
//
// The zero value of Eta means gradient flow; Eta > 0 means the recursion
// w_{k+1} = w_k − η[λ w_k + Σ_μ (r_μ − y_μ) x_μ/√d] at times t = kη.
//
// With S = XᵀX/d (Marchenko–Pastur of ratio α: density
// √((a+ − s)(s − a−))/(2πs) on [a−, a+], a± = (√α ± 1)², and an atom
// (1 − α)₊ at s = 0), ζ = s + λ its eigenvalues shifted by the ridge, and
// e, g the propagators of SquareGD (e = e^{−ζt} or (1 − ηζ)^k,
// g = (1 − e)/ζ), every order parameter is an integral over μ, the law of
// ζ, with z = ζ − λ:
//
//	m    = M0 ∫e + ∫g z,
//	Ctt  = C0 ∫e² + 2 M0 ∫e g z + ∫g² z² + σ² ∫g² z,
//	train loss = ½[1 + σ² − (2/α) cᵀw/d + (1/α) wᵀSw/d],
//	  cᵀw/d = M0 ∫e z + ∫g z² + σ² ∫g z,
//	  wᵀSw/d = C0 ∫e² z + 2 M0 ∫e g z² + ∫g² z³ + σ² ∫g² z²,
//	test MSE E[(y − r)²] = 1 + σ² − 2m + Ctt.
//
// (w_0 and v* are generic directions for the rotation-invariant X, so their
// cross terms vanish at d = ∞.)
//
// Any other link (Link, with the label noise of package teacher) reduces to
// the linear teacher. The GD iterate is linear in the labels; write
// y = κh0 + ξ with κ = E[h0 y] (LabelMoments), so that ξ is uncorrelated
// with h0 and E ξ² = E y² − κ². The iterate is a function of the
// sample-space vectors h0, ξ and of x⊥ (the inputs' part orthogonal to v*),
// which is independent of both with a law invariant under rotations of
// sample space, so the order parameters depend on h0 and ξ only through
// their Gram matrix. That concentrates on n·(1, 0, E ξ²) for every link, so
// at d = ∞ the curves are those of the linear teacher y = κh0 + sε with
// s² = E y² − κ², and, the recursion being homogeneous in (w, y), w = κw′
// with w′ the linear teacher's at noise s/κ started from M0/κ, C0/κ²; the
// test MSE E y² − 2κm + Ctt is κ² times w′'s.
type TeacherSquare struct {
	Alpha  float64      // sample ratio n/d, > 0
	Lambda float64      // ridge λ ≥ 0
	Noise  float64      // label-noise standard deviation σ ≥ 0 (of the teacher's link)
	M0     float64      // initial overlap m(0) = w_0·v*/d
	C0     float64      // initial norm |w_0|²/d ≥ M0²
	Eta    float64      // learning rate of discrete GD; zero means gradient flow
	Link   teacher.Link // the teacher's link; nil means linear, y = h0 + σε
}

// LabelMoments returns κ = E[h0 y] and E[y²] of the teacher's label for
// h0 ~ N(0, 1): in closed form for the linear link, otherwise by Gaussian
// quadrature of h0 E[y | h0] (the link's Moments at variance 0) with a
// panel boundary at h0 = 0, where the registered links have their kink or
// jump (error below 1e-13, GaussExpect).
func LabelMoments(tm teacher.Model) (kappa, y2 float64) {
	s2 := tm.Noise * tm.Noise
	if _, ok := tm.Link.(teacher.Linear); ok {
		return 1, 1 + s2
	}
	kappa = GaussExpect(func(h float64) float64 {
		m1, _ := tm.Link.Moments(h, 0, tm.Noise)
		return h * m1
	}, 0)
	_, y2 = tm.Link.Moments(0, 1, tm.Noise)
	return kappa, y2
}

// linear returns the linear-teacher problem of s (see TeacherSquare) and κ:
// s itself (Link nil) and 1 for the linear link.
func (s TeacherSquare) linear() (TeacherSquare, float64, error) {
	if _, ok := s.Link.(teacher.Linear); ok || s.Link == nil {
		s.Link = nil
		return s, 1, nil
	}
	kappa, y2 := LabelMoments(teacher.Model{Link: s.Link, Noise: s.Noise})
	if !(kappa > 0) {
		return s, 0, &dynamics.FieldError{Pkg: "theory", Field: "Link", Value: s.Link.Name(),
			Want: fmt.Sprintf("a link with κ = E[h0 y] > 0 (an equivalent linear teacher); this one has κ = %v", kappa)}
	}
	sd := math.Sqrt(math.Max(y2-kappa*kappa, 0))
	lin := s
	lin.Link, lin.Noise, lin.M0, lin.C0 = nil, sd/kappa, s.M0/kappa, s.C0/(kappa*kappa)
	return lin, kappa, nil
}

// scaled returns the point of the linear problem in the link's units.
func scaled(p TeacherSquarePoint, kappa float64) TeacherSquarePoint {
	if kappa == 1 {
		return p
	}
	k2 := kappa * kappa
	p.M, p.Ctt, p.TrainLoss, p.TestMSE = kappa*p.M, k2*p.Ctt, k2*p.TrainLoss, k2*p.TestMSE
	p.TestLoss = p.TestMSE / 2
	p.QuadErr *= math.Max(kappa, k2)
	return p
}

// TeacherSquarePoint holds the order parameters of TeacherSquare at one
// time.
type TeacherSquarePoint struct {
	T         float64 // time; kη for discrete GD
	M         float64 // m = w·v*/d
	Ctt       float64 // |w|²/d
	TrainLoss float64 // (1/n) Σ_μ (y_μ − r_μ)²/2
	TestMSE   float64 // E[(y − r)²] on a fresh sample, E y² − 2κm + Ctt (1 + σ² − 2m + Ctt for the linear teacher)
	TestLoss  float64 // E[(y − r)²/2] = TestMSE/2
	QuadErr   float64 // estimated absolute error of the integrals (difference from a 2× refined rule)
}

// teacherQuadTol bounds the reported quadrature error: a result whose
// estimate exceeds it is an error. The rule of SquareGD reaches 1e-14
// (TestTeacherSquareQuadrature); the bound leaves room for the integrands
// of higher degree in ζ.
const teacherQuadTol = 1e-9

// Validate checks the fields, naming the first bad one. Discrete GD must be
// stable: η ζ_max < 2 with ζ_max = λ + (√α + 1)² the largest eigenvalue of
// the Hessian XᵀX/d + λ.
func (s TeacherSquare) Validate() error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	fe := func(field string, v float64, want string) error {
		return &dynamics.FieldError{Pkg: "theory", Field: field, Value: v, Want: want}
	}
	switch {
	case !(s.Alpha > 0) || bad(s.Alpha):
		return fe("Alpha", s.Alpha, "a finite value > 0")
	case !(s.Lambda >= 0) || bad(s.Lambda):
		return fe("Lambda", s.Lambda, "a finite value >= 0")
	case !(s.Noise >= 0) || bad(s.Noise):
		return fe("Noise", s.Noise, "a finite label-noise level >= 0")
	case bad(s.M0):
		return fe("M0", s.M0, "a finite value")
	case !(s.C0 >= s.M0*s.M0) || bad(s.C0):
		return &dynamics.FieldError{Pkg: "theory", Field: "C0", Value: s.C0, With: []string{"M0"},
			Want: fmt.Sprintf("a finite value >= M0² = %v (|w_0|²/d includes the overlap)", s.M0*s.M0)}
	case !(s.Eta >= 0) || bad(s.Eta):
		return fe("Eta", s.Eta, "a value > 0 (discrete GD) or 0 (gradient flow)")
	}
	if _, _, err := s.linear(); err != nil {
		return err
	}
	if zmax := s.spectrum().hi; s.Eta*zmax >= 2 {
		return fe("Eta", s.Eta, fmt.Sprintf("η < 2/ζ_max = %.6g: discrete GD is unstable at η·ζ_max = %.6g (ζ_max = λ + (√α + 1)² = %.6g)", 2/zmax, s.Eta*zmax, zmax))
	}
	return nil
}

// spectrum returns the law of ζ: π_H of SquareGD at Δ = 1 (XᵀX/d is
// Marchenko–Pastur with a± = (√α ± 1)², atom (1 − α)₊ at ζ = λ). Its ν
// part is not used.
func (s TeacherSquare) spectrum() spectrum {
	return SquareGD{Alpha: s.Alpha, Delta: 1, Lambda: s.Lambda}.spectrum()
}

// tsqMoments are the integrals over μ of theory (see TeacherSquare), with
// z = ζ − λ.
type tsqMoments struct {
	e, e2, egz, g2z2, g2z, ez, gz2, gz, e2z, egz2, g2z3 float64
}

func (a *tsqMoments) add(w, z, e, g float64) {
	a.e += w * e
	a.e2 += w * e * e
	a.ez += w * e * z
	a.e2z += w * e * e * z
	a.egz += w * e * g * z
	a.egz2 += w * e * g * z * z
	a.gz += w * g * z
	a.gz2 += w * g * z * z
	a.g2z += w * g * g * z
	a.g2z2 += w * g * g * z * z
	a.g2z3 += w * g * g * z * z * z
}

// point assembles the order parameters from the moments.
func (s TeacherSquare) point(t float64, a tsqMoments) TeacherSquarePoint {
	s2 := s.Noise * s.Noise
	m := s.M0*a.e + a.gz
	q := s.C0*a.e2 + 2*s.M0*a.egz + a.g2z2 + s2*a.g2z
	cw := s.M0*a.ez + a.gz2 + s2*a.gz
	wsw := s.C0*a.e2z + 2*s.M0*a.egz2 + a.g2z3 + s2*a.g2z2
	mse := 1 + s2 - 2*m + q
	return TeacherSquarePoint{
		T: t, M: m, Ctt: q,
		TrainLoss: 0.5 * (1 + s2 - 2*cw/s.Alpha + wsw/s.Alpha),
		TestMSE:   mse, TestLoss: mse / 2,
	}
}

// moments integrates over μ at time t (step k for discrete GD) with the
// bulk nodes given; limit selects t = ∞ (e → 0 except at ζ = 0, g → 1/ζ).
func (s TeacherSquare) moments(sp spectrum, nodes []bulkNode, t float64, k int, limit bool) tsqMoments {
	var a tsqMoments
	add := func(zeta, w float64) {
		if w == 0 {
			return
		}
		z := zeta - sp.lambda
		var e, g float64
		switch {
		case !limit:
			e, g = propagator(zeta, t, s.Eta, k)
		case zeta == 0: // the kernel of XᵀX at λ = 0: w_0 persists, and z = 0 there
			e, g = 1, 0
		default:
			e, g = 0, 1/zeta
		}
		a.add(w, z, e, g)
	}
	for _, n := range nodes {
		add(n.zeta, n.wH)
	}
	add(sp.lambda, sp.atomH)
	return a
}

// eval returns the point at t (or t = ∞) with its quadrature error: the
// largest difference, over the returned quantities, between the default
// bulk rule and a 2× refined one (whose value is returned).
func (s TeacherSquare) eval(sp spectrum, coarse, fine []bulkNode, t float64, k int, limit bool) (TeacherSquarePoint, error) {
	p := s.point(t, s.moments(sp, fine, t, k, limit))
	c := s.point(t, s.moments(sp, coarse, t, k, limit))
	for _, d := range [][2]float64{{p.M, c.M}, {p.Ctt, c.Ctt}, {p.TrainLoss, c.TrainLoss}, {p.TestMSE, c.TestMSE}} {
		p.QuadErr = math.Max(p.QuadErr, math.Abs(d[0]-d[1]))
	}
	scale := math.Max(1, math.Max(math.Abs(p.Ctt), math.Abs(p.TestMSE)))
	if !(p.QuadErr <= teacherQuadTol*scale) {
		return TeacherSquarePoint{}, fmt.Errorf("theory: TeacherSquare at t = %v: quadrature error estimate %.2g exceeds %.0g × %.3g", t, p.QuadErr, teacherQuadTol, scale)
	}
	return p, nil
}

// Curve returns the learning curve at the given times, in dst (allocated
// when too short). For discrete GD each time is rounded to the nearest step
// k = round(t/η) and the point's T is kη. Times must be finite and ≥ 0.
// Each point carries its quadrature error estimate; a point whose estimate
// exceeds 1e-9 (relative to max(1, Ctt, test MSE)) is an error.
func (s TeacherSquare) Curve(dst []TeacherSquarePoint, times []float64) ([]TeacherSquarePoint, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s, kappa, _ := s.linear()
	for i, t := range times {
		if !(t >= 0) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("theory: time %d = %v, want a finite time >= 0", i, t)
		}
	}
	if cap(dst) < len(times) {
		dst = make([]TeacherSquarePoint, len(times))
	}
	dst = dst[:len(times)]
	sp := s.spectrum()
	coarse, fine := sp.nodes(1), sp.nodes(2)
	for i, t := range times {
		k := 0
		if s.Eta > 0 {
			k = int(math.Round(t / s.Eta))
			t = float64(k) * s.Eta
		}
		p, err := s.eval(sp, coarse, fine, t, k, false)
		if err != nil {
			return nil, err
		}
		dst[i] = scaled(p, kappa)
	}
	return dst, nil
}

// errTeacherNoLimit reports the interpolation peak of noisy labels.
var errTeacherNoLimit = errors.New("theory: no t → ∞ limit at Lambda = 0, Alpha = 1 with Noise > 0: |w|² diverges (interpolation peak)")

// Limit returns the t → ∞ limit (the same for flow and stable GD): the
// ridge estimator for λ > 0 (equal to TeacherERM with the square loss); at
// λ = 0 the least-squares solution for α > 1, and for α < 1 the
// minimum-norm interpolator plus the part of w_0 in the kernel of XᵀX. At
// λ = 0, α = 1 with label noise |w|² diverges and Limit returns an error.
func (s TeacherSquare) Limit() (TeacherSquarePoint, error) {
	if err := s.Validate(); err != nil {
		return TeacherSquarePoint{}, err
	}
	s, kappa, _ := s.linear()
	if s.Lambda == 0 && s.Alpha == 1 && s.Noise > 0 {
		return TeacherSquarePoint{}, errTeacherNoLimit
	}
	sp := s.spectrum()
	p, err := s.eval(sp, sp.nodes(1), sp.nodes(2), math.Inf(1), 0, true)
	return scaled(p, kappa), err
}
