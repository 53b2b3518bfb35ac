package theory

import (
	"math"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
)

// Fresh-sample metrics of the teacher–student model (package teacher) for
// weights with overlap m = w·v*/d and norm q = |w|²/d. A fresh sample has
// teacher field h0 and student field r jointly Gaussian,
//
//	(h0, r) ~ N(0, [[1, m], [m, q]]),
//
// so r = √q z with z ~ N(0, 1) and, given z, h0 ~ N(ρ z, 1 − ρ²),
// ρ = m/√q. The label's conditional moments E[y | z], E[y² | z] are the
// link's Moments(ρ z, 1 − ρ², σ) in closed form, which leaves one
// Gaussian quadrature over z (GaussExpect):
//
//	±1 labels:  ε = E_z[ p(z) 1{f(r) ≤ 0} + (1 − p(z)) 1{f(r) ≥ 0} ],
//	            E[L] = E_z[ p(z) L(+1, r) + (1 − p(z)) L(−1, r) ],
//	            p(z) = P(y = +1 | z) = (1 + E[y | z])/2;
//	real labels (test MSE and square loss against the target):
//	            ε = E[(y − f(r))²] = E_z[ E[y² | z] − 2 f(r) E[y | z] + f(r)² ],
//	            E[L] = ε/2.
//
// For the sign teacher with the linear output, ε = arccos(m/√(q(1+σ²)))/π;
// for the linear teacher with the linear output, ε = 1 − 2m + q + σ²; for
// the ReLU teacher, ε = 1/2 − m + q + σ² (the tests' independent checks).
//
// The quadrature is split at the roots of f (the jumps of the error) and of
// y f(r) = z for the loss's kinks, in z units, and refined around z = 0,
// where the registered links change (the sign's jump, the ReLU's kink at
// h0 = 0) blurred over a width √(1 − ρ² + σ²)/|ρ| in z that shrinks as w
// aligns with v*.

// TeacherTestError returns the test error of a fresh sample of teacher tm
// for weights with overlap m and norm q: the misclassification probability
// P(y f(r) ≤ 0) for ±1 labels (a Binary link), the test MSE E[(y − f(r))²]
// for real labels.
func TeacherTestError(tm teacher.Model, out loss.Output, m, q float64) float64 {
	s, rho, v := teacherLaw(m, q)
	link, sig := tm.Link, tm.Noise
	kinks := teacherKinks(nil, rho, v, sig)
	if !link.Binary() {
		return GaussExpect(func(z float64) float64 {
			m1, m2 := link.Moments(rho*z, v, sig)
			f, _, _ := out.Eval(s * z)
			return m2 - 2*f*m1 + f*f
		}, kinks...)
	}
	for _, r := range out.Roots(0) {
		kinks = append(kinks, r/s)
	}
	return GaussExpect(func(z float64) float64 {
		m1, _ := link.Moments(rho*z, v, sig)
		p := (1 + m1) / 2
		f, _, _ := out.Eval(s * z)
		e := 0.0
		if f <= 0 { // wrong for y = +1
			e += p
		}
		if f >= 0 { // wrong for y = −1
			e += 1 - p
		}
		return e
	}, kinks...)
}

// TeacherTestLoss returns the expected loss E[L(y, r)] of a fresh sample of
// teacher tm for weights with overlap m and norm q, L the loss of teacher.Loss:
// fn's margin loss for ±1 labels, the square loss (y − f(r))²/2 for real
// labels. It is NaN when fn is not defined for tm's labels (teacher.NewLoss
// and dynamics.Problem.Validate reject that pair).
func TeacherTestLoss(tm teacher.Model, fn loss.Func, m, q float64) float64 {
	tl, err := teacher.NewLoss(tm, fn)
	if err != nil {
		return math.NaN()
	}
	if tl.Target() {
		return TeacherTestError(tm, fn.Output, m, q) / 2
	}
	s, rho, v := teacherLaw(m, q)
	link, sig := tm.Link, tm.Noise
	kinks := teacherKinks(nil, rho, v, sig)
	for _, kz := range loss.Kinks(fn.Margin) {
		for _, y := range []float64{1, -1} {
			for _, r := range fn.Output.Roots(y * kz) {
				kinks = append(kinks, r/s)
			}
		}
	}
	return GaussExpect(func(z float64) float64 {
		m1, _ := link.Moments(rho*z, v, sig)
		p := (1 + m1) / 2
		r := s * z
		lp, _, _ := fn.Eval(1, r)
		lm, _, _ := fn.Eval(-1, r)
		return p*lp + (1-p)*lm
	}, kinks...)
}

// teacherLaw returns s = √q, ρ = m/√q (0 when q = 0: r ≡ 0) and the
// conditional variance v = 1 − ρ² of h0 given r, clamped at 0 against
// round-off (at finite d, m² ≤ q|v*|²/d = q).
func teacherLaw(m, q float64) (s, rho, v float64) {
	s = math.Sqrt(q)
	if s > 0 {
		rho = m / s
	}
	return s, rho, math.Max(0, 1-rho*rho)
}

// teacherKinks appends to dst 0 and, when the teacher's conditional law
// changes over a z-width w = √(v + σ²)/|ρ| narrower than a panel, the
// points ±w·2^k, k = −3…4, so that panels resolve the transition.
func teacherKinks(dst []float64, rho, v, sigma float64) []float64 {
	dst = append(dst, 0)
	if rho == 0 {
		return dst
	}
	w := math.Sqrt(v+sigma*sigma) / math.Abs(rho)
	if w >= 2.0*zMax/gaussPans { // the panel width
		return dst
	}
	for k := -3; k <= 4; k++ {
		x := math.Ldexp(w, k)
		dst = append(dst, x, -x)
	}
	return dst
}
