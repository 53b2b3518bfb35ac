package theory

import (
	"math"

	"github.com/sgdmft/sgdmft/loss"
)

// An independent evaluation of the ERM fixed-point map of theory.md §3,
// sharing no code with ERM.eval: the prox by plain bisection on the prox
// equation (no Newton, no closed forms), the Gaussian averages by the
// trapezoidal rule in a = μ + s z on a uniform grid fine against every
// scale of the integrand (not adaptive, no panels, no kinks), and the
// weight side written out again. Used to check solutions (TestERMIndependent)
// and, by plain damped iteration, to re-solve the failing cases.

// indepProx solves (p − a)/v + ℓ'(p) = 0 by 200 bisections of the bracket
// [a, a − vℓ'(a)] (g increases; see loss.proxNewton for the bracket), which
// shrinks it below the float64 spacing.
func indepProx(m loss.Margin, a, v float64) (p, dp float64) {
	_, d0, _ := m.Eval(a)
	lo, hi := a, a-v*d0
	if hi < lo {
		lo, hi = hi, lo
	}
	for i := 0; i < 200; i++ {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		_, d1, _ := m.Eval(mid)
		if (mid-a)/v+d1 > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	p = lo + (hi-lo)/2
	_, _, d2 := m.Eval(p)
	return p, 1 / (1 + v*d2)
}

// indepState is (m, q, V, b).
type indepState [4]float64

// indepMap returns F(x) and the training loss at x: the trapezoidal rule
// with step h = min(s, 1)/32 in a over μ ± 13s (the integrands are smooth
// on the scale 1 in a (the loss) and s (the Gaussian), and the rule's error
// for smooth integrands decays like exp(−2π·width/h)). The hinge's prox is
// only piecewise smooth: the trapezoidal rule is then first order, error
// O(h²) at a kink, so the check is run for the smooth losses only.
func indepMap(e ERM, x indepState) (indepState, float64) {
	m, q, v, b := x[0], x[1], x[2], x[3]
	dl := e.Model.Delta
	s := math.Sqrt(dl * q)
	h := math.Min(s, 1) / 32
	n := int(math.Ceil(26 * s / h))
	var ef, eyf, ef2, edf, el float64
	for _, c := range e.Model.Clusters {
		y := c.Label
		mu := m + y*b
		var sf, sf2, sdf, sl float64
		for i := 0; i <= n; i++ {
			a := mu - 13*s + float64(i)*h
			w := h * math.Exp(-(a-mu)*(a-mu)/(2*s*s)) / (s * math.Sqrt(2*math.Pi))
			if i == 0 || i == n {
				w /= 2
			}
			p, dp := indepProx(e.Loss, a, v)
			l, d1, _ := e.Loss.Eval(p)
			sf += w * -d1
			sf2 += w * d1 * d1
			sdf += w * (1 - dp) / v
			sl += w * l
		}
		ef += c.Prob * y * sf
		eyf += c.Prob * sf
		ef2 += c.Prob * sf2
		edf += c.Prob * sdf
		el += c.Prob * sl
	}
	den := e.Lambda + dl*e.Alpha*edf
	mh, qh := e.Alpha*eyf, e.Alpha*ef2
	out := indepState{mh / den, (dl*qh + mh*mh) / (den * den), dl / den, b}
	if e.Bias {
		out[3] = b + ef/edf
	}
	return out, el
}

// indepResidual is the largest relative component of F(x) − x, as
// ERMResult.Residual.
func indepResidual(e ERM, x indepState) float64 {
	f, _ := indepMap(e, x)
	r := math.Abs(f[0]-x[0]) / math.Max(1, math.Abs(x[0]))
	r = math.Max(r, math.Abs(f[1]/x[1]-1))
	r = math.Max(r, math.Abs(f[2]/x[2]-1))
	return math.Max(r, math.Abs(f[3]-x[3])/math.Max(1, math.Abs(x[3])))
}

// indepSolve iterates x ← x + θ(F(x) − x) with θ = 1/2 from the cold
// start of the old solver (m = 0.5, q = 1, V = Δ/(λ + αΔ), b = 0) until
// the relative change is below tol, or returns ok = false after maxIter.
func indepSolve(e ERM, tol float64, maxIter int) (x indepState, iters int, ok bool) {
	dl := e.Model.Delta
	x = indepState{0.5, 1, dl / (e.Lambda + e.Alpha*dl), 0}
	for it := 1; it <= maxIter; it++ {
		f, _ := indepMap(e, x)
		ch := 0.0
		for i := range x {
			nx := x[i] + 0.5*(f[i]-x[i])
			if i == 3 {
				nx = f[3] // the bias component is already a Newton step
			}
			ch = math.Max(ch, math.Abs(nx-x[i])/math.Max(1, math.Abs(x[i])))
			x[i] = nx
		}
		if ch < tol {
			return x, it, true
		}
	}
	return x, maxIter, false
}
