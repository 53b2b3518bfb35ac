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

// Eval returns P_v(a) and dP_v/da; both are NaN where Solve returns an
// error.
func (px Prox) Eval(a, v float64) (p, dp float64) {
	p, dp, _, err := px.Solve(a, v)
	if err != nil {
		return math.NaN(), math.NaN()
	}
	return p, dp
}

// Solve returns P = P_v(a), P' = dP_v/da and the slope s = (a − P)/v,
// which is ℓ'(P) where ℓ is differentiable and, at a kink, the subgradient
// the prox selects (the hinge's P sticks to z = 1 for a ∈ [1 − v, 1] with
// s running over [−1, 0]). For a closed form, s is computed as (a − P)/v:
// for v ≫ 1 that keeps its relative accuracy where ℓ'(P) = −(1 − P) would
// lose it in the cancellation of 1 − P (square loss, P → 1). Without a
// closed form, P is found by Newton's method safeguarded by bisection
// (proxNewton) to within ProxTol·(1 + |a| + |P|) of the exact root, and
// s = ℓ'(P); an iteration that does not reach that bound, or a loss that
// returns NaN, is an error, never a number.
func (px Prox) Solve(a, v float64) (p, dp, s float64, err error) {
	if px.closed != nil {
		p, dp = px.closed.Prox(a, v)
		return p, dp, (a - p) / v, nil
	}
	p, dp, err = proxNewton(px.m, a, v)
	if err != nil {
		return p, dp, math.NaN(), err
	}
	_, s, _ = px.m.Eval(p)
	return p, dp, s, nil
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

// ProxTol is the accuracy of the iterative prox: |P − P*| ≤ ProxTol·(1 +
// |a| + |P|), about 20 units of round-off in the terms of the prox equation
// (P − a)/v + ℓ'(P) = 0, which limit any method.
const ProxTol = 4e-15

// proxMaxIter bounds the safeguarded Newton iteration. The bracket at least
// halves every second iteration, so 300 iterations shrink any finite
// bracket by 2^150 or more: beyond every bracket of float64 numbers.
const proxMaxIter = 300

// proxNewton solves g(x) = (x − a)/v + ℓ'(x) = 0 for a convex margin loss
// with continuous ℓ'. g increases with slope g' = 1/v + ℓ” ≥ 1/v, so
//
//   - the root lies between a and the explicit step a − vℓ'(a): g(a) = ℓ'(a)
//     and g(a − vℓ'(a)) = ℓ'(a − vℓ'(a)) − ℓ'(a) have opposite signs (ℓ' is
//     non-decreasing), a bracket that is kept through the iteration;
//   - |x − x*| ≤ v|g(x)| at any x, an error bound.
//
// Each iteration takes the Newton step when it stays inside the bracket and
// at least halves the previous step, else bisects (as rtsafe in Numerical
// Recipes), so it converges for any a and v: quadratically once close,
// never slower than bisection. It stops when the error bound or the bracket
// is below ProxTol·(1 + |a| + |x|).
func proxNewton(m Margin, a, v float64) (p, dp float64, err error) {
	slopes := func(z float64) (dl, d2l float64) { _, dl, d2l = m.Eval(z); return dl, d2l }
	if _, ok := m.(Logistic); ok { // exactly the logistic: a type embedding it may override Eval
		slopes = Logistic{}.slopes
	}
	if !(v > 0) || math.IsInf(v, 1) || math.IsNaN(a) || math.IsInf(a, 0) {
		return math.NaN(), math.NaN(), fmt.Errorf("loss: %s: prox at a = %v, v = %v: want finite a and 0 < v < ∞", m.Name(), a, v)
	}
	d0, d20 := slopes(a)
	if d0 == 0 { // a is the root
		return a, 1 / (1 + v*d20), nil
	}
	lo, hi := a, a-v*d0
	if hi < lo {
		lo, hi = hi, lo
	}
	// Start from the Newton step off a, if it falls inside the bracket.
	x := a - d0/(1/v+d20)
	if !(x > lo && x < hi) {
		x = lo + (hi-lo)/2
	}
	step := hi - lo // the step before last, for the halving test
	prev := step
	for i := 0; i < proxMaxIter; i++ {
		d1, d2 := slopes(x)
		gx, dg := (x-a)/v+d1, 1/v+d2
		if math.IsNaN(gx) || math.IsNaN(dg) {
			break
		}
		tol := ProxTol * (1 + math.Abs(a) + math.Abs(x))
		if gx == 0 || v*math.Abs(gx) <= tol {
			return x, 1 / (1 + v*d2), nil
		}
		if gx < 0 {
			lo = x
		} else {
			hi = x
		}
		if hi-lo <= tol {
			x = lo + (hi-lo)/2
			_, d2 := slopes(x)
			return x, 1 / (1 + v*d2), nil
		}
		nx := x - gx/dg
		if nx > lo && nx < hi && math.Abs(nx-x) <= prev/2 {
			prev, step = step, math.Abs(nx-x)
		} else {
			nx = lo + (hi-lo)/2
			prev, step = step, (hi-lo)/2
		}
		x = nx
	}
	return math.NaN(), math.NaN(), fmt.Errorf("loss: %s: prox at a = %v, v = %v did not converge to %.1g in %d iterations (bracket [%v, %v])", m.Name(), a, v, ProxTol, proxMaxIter, lo, hi)
}

// slopes returns ℓ'(z) = −σ(−z) and ℓ”(z) = σ(−z)σ(z), as Eval does,
// without the logarithm: the Newton prox needs only the slopes.
func (Logistic) slopes(z float64) (dl, d2l float64) {
	e := math.Exp(-math.Abs(z))
	sm := 1 / (1 + e) // σ(−z) for z < 0
	if z >= 0 {
		sm = e / (1 + e)
	}
	return -sm, sm * (1 - sm)
}
