package theory

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/integrate/quad"
)

// Gaussian expectations E[f(z)], z ~ N(0, 1), by composite Gauss–Legendre
// quadrature on [−zMax, zMax], split at the integrand's kinks. Gauss–Hermite
// would converge slowly for the hinge losses (kinks) and for the logistic
// loss at large variance; panels of fixed order converge for both.
const (
	zMax      = 12 // φ(12) ≈ 2e-32: the tails are below double precision for polynomially growing f
	gaussPans = 48 // panels on [−zMax, zMax] (before splitting at kinks)
	gaussOrd  = 16 // Gauss–Legendre nodes per panel
)

var glX, glW = func() ([]float64, []float64) {
	x := make([]float64, gaussOrd)
	w := make([]float64, gaussOrd)
	quad.Legendre{}.FixedLocations(x, w, 0, 1)
	return x, w
}()

// GaussExpect returns E[f(z)] for z ~ N(0, 1). kinks lists points where f
// is not smooth; each becomes a panel boundary. The error for integrands
// smooth on each panel is below 1e-13 relative.
func GaussExpect(f func(z float64) float64, kinks ...float64) float64 {
	bounds := panelBounds(make([]float64, 0, gaussPans+1+len(kinks)), gaussPans, kinks)
	s := 0.0
	for i := 1; i < len(bounds); i++ {
		a, b := bounds[i-1], bounds[i]
		h := b - a
		if h <= 0 {
			continue
		}
		p := 0.0
		for j, x := range glX {
			z := a + h*x
			p += glW[j] * math.Exp(-z*z/2) * f(z)
		}
		s += h * p
	}
	return s / math.Sqrt(2*math.Pi)
}

// Q is the Gaussian tail function Q(x) = ½ erfc(x/√2).
func Q(x float64) float64 { return 0.5 * math.Erfc(x/math.Sqrt2) }

// panelBounds appends to dst the boundaries of pans equal panels on
// [−zMax, zMax] and the kinks inside it, sorted.
func panelBounds(dst []float64, pans int, kinks []float64) []float64 {
	for i := 0; i <= pans; i++ {
		dst = append(dst, -zMax+2*zMax*float64(i)/float64(pans))
	}
	for _, k := range kinks {
		if k > -zMax && k < zMax && !math.IsNaN(k) {
			dst = append(dst, k)
		}
	}
	sort.Float64s(dst)
	return dst
}

// gaussExpectAdd adds w·E[f(z)] to each dst[i], z ~ N(0, 1), where f fills
// out (len(dst)) at z, by the rule of GaussExpect with pans panels; several
// expectations of one expensive function share its evaluations. scratch
// (len(dst)) receives f's values.
func gaussExpectAdd(dst, scratch []float64, w float64, pans int, f func(out []float64, z float64), kinks ...float64) {
	var buf [gaussPans + 8]float64
	bounds := panelBounds(buf[:0], pans, kinks)
	c := w / math.Sqrt(2*math.Pi)
	for i := 1; i < len(bounds); i++ {
		a, b := bounds[i-1], bounds[i]
		h := b - a
		if h <= 0 {
			continue
		}
		for j, x := range glX {
			z := a + h*x
			f(scratch, z)
			wz := c * h * glW[j] * math.Exp(-z*z/2)
			for k, v := range scratch {
				dst[k] += wz * v
			}
		}
	}
}
