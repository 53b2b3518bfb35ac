package loss

import (
	"errors"
	"fmt"
	"math"
)

// Proxer is implemented by margin losses whose proximal operator has a
// closed form. Smooth losses without it get a safeguarded Newton iteration
// (NewProx); a loss whose ℓ' jumps (not smooth, see Smoother) must have it.
type Proxer interface {
	// Prox returns P = argmin_z [(z − a)²/(2v) + ℓ(z)] and dP/da, for v > 0.
	Prox(a, v float64) (p, dp float64)
}

var (
	_ Proxer = Square{}
	_ Proxer = SquaredHinge{}
	_ Proxer = Hinge{}
)

// Prox is the proximal operator of a convex margin loss ℓ,
//
//	P_v(a) = argmin_z [(z − a)²/(2v) + ℓ(z)],   v > 0,
//
// the solution of (P − a)/v + ℓ'(P) = 0, with P' = 1/(1 + vℓ”(P)) where ℓ
// is smooth. The ERM fixed point (theory.ERM, spec theory.md §3) is written
// in terms of it.
type Prox struct {
	m      Margin
	closed Proxer // nil: safeguarded Newton iteration
	kinks  []float64
}

// NewProx returns the proximal operator of m: m's closed form if m is a
// Proxer, else a Newton iteration safeguarded by bisection, which needs a
// convex ℓ with continuous ℓ'. A non-smooth m without a closed form is an
// error.
func NewProx(m Margin) (Prox, error) {
	if m == nil {
		return Prox{}, errors.New("loss: nil margin loss")
	}
	px := Prox{m: m, kinks: Kinks(m)}
	if c, ok := m.(Proxer); ok {
		px.closed = c
		return px, nil
	}
	if !IsSmooth(m) {
		return Prox{}, fmt.Errorf("loss: %s: ℓ' jumps and there is no closed-form proximal operator (a Prox method, see Proxer)", m.Name())
	}
	return px, nil
}

// Eval returns P_v(a) and dP_v/da.
func (px Prox) Eval(a, v float64) (p, dp float64) {
	if px.closed != nil {
		return px.closed.Prox(a, v)
	}
	return newtonProx(px.m, a, v)
}

// Kinks returns, in increasing order, the a where P_v is not smooth: P_v(a)
// reaches a kink z of ℓ at a = z + vℓ'(z⁻) and leaves it at a = z + vℓ'(z⁺)
// (one point when ℓ' is continuous at z).
func (px Prox) Kinks(v float64) []float64 {
	var ks []float64
	for _, z := range px.kinks {
		_, dlo, _ := px.m.Eval(math.Nextafter(z, math.Inf(-1)))
		_, dhi, _ := px.m.Eval(math.Nextafter(z, math.Inf(1)))
		lo, hi := z+v*dlo, z+v*dhi
		if hi-lo > 1e-12*math.Max(1, math.Abs(hi)) { // not the round-off of a continuous ℓ'
			ks = append(ks, lo)
		}
		ks = append(ks, hi)
	}
	return ks
}

// Prox implements Proxer: (P − a)/v − (1 − P) = 0.
func (Square) Prox(a, v float64) (p, dp float64) { return (a + v) / (1 + v), 1 / (1 + v) }

// Prox implements Proxer: P = a above the kink, (a + 2v)/(1 + 2v) below.
func (SquaredHinge) Prox(a, v float64) (p, dp float64) {
	if a >= 1 {
		return a, 1
	}
	return (a + 2*v) / (1 + 2*v), 1 / (1 + 2*v)
}

// Prox implements Proxer: P = a above the kink, a + v below it, and the
// kink z = 1 for 1 − v < a < 1.
func (Hinge) Prox(a, v float64) (p, dp float64) {
	switch {
	case a >= 1:
		return a, 1
	case a+v <= 1:
		return a + v, 1
	}
	return 1, 0
}

// newtonProx solves (P − a)/v + ℓ'(P) = 0 for a convex margin loss with
// continuous ℓ' by Newton's method safeguarded by bisection on a bracket
// (the left side is increasing in P). For ℓ' ∈ [−1, 0] (logistic) the first
// bracket [a, a + v] already holds the root; it is widened otherwise. NaN if
// no bracket is found (ℓ' unbounded in the wrong direction).
func newtonProx(m Margin, a, v float64) (p, dp float64) {
	g := func(x float64) (float64, float64) {
		_, d1, d2 := m.Eval(x)
		return (x-a)/v + d1, 1/v + d2
	}
	lo, hi := a, a+v
	for i := 0; ; i++ { // widen until g(lo) ≤ 0 ≤ g(hi)
		gl, _ := g(lo)
		gh, _ := g(hi)
		if gl <= 0 && gh >= 0 {
			break
		}
		if i > 60 {
			return math.NaN(), math.NaN()
		}
		w := hi - lo
		if gl > 0 {
			lo -= w
		}
		if gh < 0 {
			hi += w
		}
	}
	_, d0, _ := m.Eval(a)
	x := a - v*d0 // one explicit step from a
	if !(x > lo && x < hi) {
		x = (lo + hi) / 2
	}
	for i := 0; i < 100; i++ {
		gx, dg := g(x)
		if gx > 0 {
			hi = x
		} else {
			lo = x
		}
		nx := x - gx/dg
		if !(nx > lo && nx < hi) {
			nx = (lo + hi) / 2
		}
		if math.Abs(nx-x) <= 1e-15*math.Max(1, math.Abs(x)) || hi-lo <= 1e-15*math.Max(1, math.Abs(x)) {
			x = nx
			break
		}
		x = nx
	}
	_, _, d2 := m.Eval(x)
	return x, 1 / (1 + v*d2)
}
