package theory

import (
	"errors"
	"fmt"
	"math"
)

// Adaptive quadrature for the Gaussian averages of the ERM fixed point.
//
// At small λ the prox variance V is large (up to Δ/λ), and the proximal map
// of a smooth loss such as the logistic is nearly the hinge's: P'(a) falls
// from 1 to ≈ 0 where Vℓ”(P) crosses 1, within an O(1) range of a, while
// the Gaussian of a has width s = √(Δq), which can be 10 or more. Panels of
// fixed width in z = (a − μ)/s then miss the transition; here each panel's
// 16-point Gauss–Legendre value is compared with the sum of the same rule
// on its two halves, and the panel with the largest difference is split
// until, for every component, the summed differences are below
// ermQuadTol × E[|g|]. The difference bounds the error of the whole-panel
// value, and the accepted value is the halves', whose error is smaller
// still (2^-32 of it for an integrand analytic on the panel), so the
// returned error estimate is an upper bound in practice. An integrand
// computed to limited precision (a prox solved to ProxTol, a stiff loss)
// has a floor of round-off below which splitting does not lower the
// estimate (each new panel adds its own noise); when ermQuadStall +
// panels/2 splits in a row have not halved it, the estimate is returned as
// it stands, for the caller to judge.

const (
	ermQuadTol    = 1e-13 // target relative error of each average
	ermQuadPans   = 8     // initial panels on [−zMax, zMax], before the kinks
	ermQuadMaxPan = 4000  // panel budget; beyond it the quadrature fails
	ermComps      = 4     // components integrated together
	ermQuadStall  = 64    // splits without halving the estimate (plus one per two panels) that mean round-off
)

// ermVec is one value of the vector integrand.
type ermVec [ermComps]float64

// qPanel is one panel [a, b] of the adaptive rule: the 16-point value of
// each half, and the difference between the whole-panel value and their
// sum.
type qPanel struct {
	a, b    float64
	half    [2]ermVec // weighted integrals over [a, m] and [m, b]
	halfAbs [2]ermVec // the same of |g|
	diff    ermVec    // |whole − left − right|
}

// errQuadNaN reports an integrand that returned NaN.
var errQuadNaN = errors.New("integrand is NaN")

// gaussRule returns the 16-point Gauss–Legendre integrals of w(z)g(z) and
// w(z)|g(z)| over [a, b], w the standard normal density.
func gaussRule(f func(g *ermVec, z float64), a, b float64) (val, abs ermVec) {
	h := b - a
	c := h / math.Sqrt(2*math.Pi)
	var g ermVec
	for j, x := range glX {
		z := a + h*x
		f(&g, z)
		wz := c * glW[j] * math.Exp(-z*z/2)
		for k, v := range g {
			val[k] += wz * v
			abs[k] += wz * math.Abs(v)
		}
	}
	return val, abs
}

// newPanel evaluates the panel [a, b], given its whole-panel value.
func newPanel(f func(g *ermVec, z float64), a, b float64, whole ermVec) qPanel {
	p := qPanel{a: a, b: b}
	mid := a + (b-a)/2
	p.half[0], p.halfAbs[0] = gaussRule(f, a, mid)
	p.half[1], p.halfAbs[1] = gaussRule(f, mid, b)
	for k := range whole {
		p.diff[k] = math.Abs(whole[k] - p.half[0][k] - p.half[1][k])
	}
	return p
}

// adaptGauss returns E[g(z)], z ~ N(0, 1), of the vector integrand f on
// [−zMax, zMax], with its kinks as panel boundaries, and the estimated
// relative error (Σ diff_k)/E[|g_k|] of each component. The first ctrl
// components control the refinement; the others are integrated on the same
// panels. The tails beyond ±zMax (probability 2e-33) are left out. An
// integrand that returns NaN, or a panel budget spent before the tolerance
// is reached, is an error.
func adaptGauss(dst, relErrs *ermVec, ctrl int, f func(g *ermVec, z float64), kinks []float64) error {
	var buf [ermQuadPans + 8]float64
	bounds := panelBounds(buf[:0], ermQuadPans, kinks)
	pans := make([]qPanel, 0, 4*len(bounds))
	for i := 1; i < len(bounds); i++ {
		a, b := bounds[i-1], bounds[i]
		if b <= a {
			continue
		}
		whole, _ := gaussRule(f, a, b)
		pans = append(pans, newPanel(f, a, b, whole))
	}
	best, since := math.Inf(1), 0
	for {
		var val, abs, diff ermVec
		for _, p := range pans {
			for k := range val {
				val[k] += p.half[0][k] + p.half[1][k]
				abs[k] += p.halfAbs[0][k] + p.halfAbs[1][k]
				diff[k] += p.diff[k]
			}
		}
		relErr := 0.0
		for k := range val {
			if math.IsNaN(val[k]) || math.IsNaN(diff[k]) {
				return errQuadNaN
			}
			relErrs[k] = 0
			if abs[k] > 0 {
				relErrs[k] = diff[k] / abs[k]
			}
			if k < ctrl {
				relErr = math.Max(relErr, relErrs[k])
			}
		}
		if relErr <= ermQuadTol {
			*dst = val
			return nil
		}
		// Round-off: splits that no longer lower the estimate.
		if relErr < best/2 {
			best, since = relErr, 0
		} else if since++; since > ermQuadStall+len(pans)/2 {
			*dst = val
			return nil
		}
		if len(pans) >= ermQuadMaxPan {
			return fmt.Errorf("adaptive quadrature: estimated relative error %.2g after %d panels, want ≤ %.0g", relErr, len(pans), ermQuadTol)
		}
		// Split the panel that contributes most to the worst relative error.
		worst, at := -1.0, 0
		for i := range pans {
			w := 0.0
			for k := range ctrl {
				if abs[k] > 0 {
					w = math.Max(w, pans[i].diff[k]/abs[k])
				}
			}
			if w > worst {
				worst, at = w, i
			}
		}
		p := pans[at]
		mid := p.a + (p.b-p.a)/2
		pans[at] = newPanel(f, p.a, mid, p.half[0])
		pans = append(pans, newPanel(f, mid, p.b, p.half[1]))
	}
}
