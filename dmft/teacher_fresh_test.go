package dmft

import (
	"math"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// teacherFresh returns the test error and test loss at (m, q), linear output:
//
//   - sign teacher: with u = (h0 + σε)/√(1 + σ²) ~ N(0, 1), y = sign(u) and
//     r = a u + s z', a = m/√(1 + σ²), s² = q − a²; the margin y r = a|u| + s z'
//     is skew-normal, so the test error is P(y r ≤ 0) = arccos(a/√q)/π and the
//     test loss E[ℓ(y r)] = E_z[ℓ(√q z) 2Φ((a/s) z)];
//   - real-valued labels: the test MSE E[(y − r)²] = E[y²] − 2m E[h0 y] + q
//     (E[y r] = m E[h0 y]: r − m h0 is independent of h0 and y), and the test
//     loss, the square loss, is half of it.
func teacherFresh(tm teacher.Model, fn loss.Func, m, q float64) (te, tl float64) {
	mo, _ := labelMoments(tm)
	if !tm.Link.Binary() {
		mse := mo.yy - 2*m*mo.h0y + q
		return mse, mse / 2
	}
	if q <= 0 {
		l, _, _ := fn.Eval(1, 0)
		return 1, l // r ≡ 0: y f(r) = 0 counts as an error
	}
	a := m / math.Sqrt(1+tm.Noise*tm.Noise)
	sq := math.Sqrt(q)
	rho := math.Max(-1, math.Min(1, a/sq))
	te = math.Acos(rho) / math.Pi
	s := math.Sqrt(math.Max(q-a*a, 0))
	kinks := []float64{0}
	for _, z := range loss.Kinks(fn.Margin) {
		kinks = append(kinks, z/sq)
	}
	tl = theory.GaussExpect(func(z float64) float64 {
		var w float64 // 2Φ((a/s) z), its s → 0 limit 2·1[a z > 0]
		switch {
		case s > 0:
			w = math.Erfc(-a * z / (s * math.Sqrt2))
		case a*z > 0:
			w = 2
		}
		l, _, _ := fn.Eval(1, sq*z)
		return w * l
	}, kinks...)
	return te, tl
}
