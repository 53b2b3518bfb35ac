package theory

import (
	"math"
	"slices"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// TestError returns the generalisation error of a fresh sample for weights
// with overlap m = w·v*/d and norm q = |w|²/d, and output bias b0 (0 when the
// model has none). A fresh sample of cluster c has r = c m + b0 + √(Δq) z
// (theory.md §1, model-and-dmft.md §5), and it is misclassified where
// y f(r) ≤ 0. The roots r₁ < … < r_k of f(r) = 0 (loss.Output.Roots) cut the
// line into intervals of constant sign of f, so
//
//	ε = Σ_c P(c) Σ_{intervals (a, b) with y_c f ≤ 0} [Q((a − μ_c)/s) − Q((b − μ_c)/s)],
//
// μ_c = c m + b0, s = √(Δq), Q(x) = ½ erfc(x/√2). For the linear output this
// is Q(y μ/s); for r² − κ it is P(|r| > √κ) = Q((√κ − μ)/s) + Q((√κ + μ)/s)
// for y = −1 and its complement for y = +1. It holds for any output.
func TestError(mod mixture.Model, out loss.Output, m, q, b0 float64) float64 {
	s := math.Sqrt(mod.Delta * q)
	roots := slices.Sorted(slices.Values(out.Roots(0)))
	e := 0.0
	for _, c := range mod.Clusters {
		e += c.Prob * wrongProb(out, roots, c.Label, c.C*m+b0, s)
	}
	return e
}

// wrongProb returns P(y f(r) ≤ 0) for r ~ N(mu, s²), given the sorted roots
// of f: the Gaussian mass of the intervals between consecutive roots on
// which y f ≤ 0, the sign read at a point inside each interval.
func wrongProb(out loss.Output, roots []float64, y, mu, s float64) float64 {
	if s == 0 {
		f, _, _ := out.Eval(mu)
		if y*f <= 0 {
			return 1
		}
		return 0
	}
	p := 0.0
	lo := math.Inf(-1)
	for i := 0; i <= len(roots); i++ {
		hi := math.Inf(1)
		if i < len(roots) {
			hi = roots[i]
		}
		if hi > lo {
			var in float64 // a point inside (lo, hi)
			switch {
			case math.IsInf(lo, -1) && math.IsInf(hi, 1):
				in = 0
			case math.IsInf(lo, -1):
				in = hi - 1
			case math.IsInf(hi, 1):
				in = lo + 1
			default:
				in = lo + (hi-lo)/2
			}
			if f, _, _ := out.Eval(in); y*f <= 0 {
				p += gaussMass((lo-mu)/s, (hi-mu)/s)
			}
		}
		lo = hi
	}
	return p
}

// gaussMass returns P(a < z < b) for z ~ N(0, 1), a ≤ b, written with the
// tails Q that do not cancel: Q(a) − Q(b) above 0, Q(−b) − Q(−a) below 0,
// 1 − Q(−a) − Q(b) across.
func gaussMass(a, b float64) float64 {
	switch {
	case a >= 0:
		return Q(a) - Q(b)
	case b <= 0:
		return Q(-b) - Q(-a)
	}
	return 1 - Q(-a) - Q(b)
}

// TestLoss returns the expected loss E[L(y, r)] of a fresh sample, r as in
// TestError, by one-dimensional quadrature per cluster (GaussExpect) split at
// the r where the margin y f(r) is a kink of the loss (loss.Kinks; the
// hinge losses' z = 1).
func TestLoss(mod mixture.Model, fn loss.Func, m, q, b0 float64) float64 {
	s := math.Sqrt(mod.Delta * q)
	kz := loss.Kinks(fn.Margin)
	total := 0.0
	for _, c := range mod.Clusters {
		mu := c.C*m + b0
		y := c.Label
		if s == 0 {
			l, _, _ := fn.Eval(y, mu)
			total += c.Prob * l
			continue
		}
		var kinks []float64
		for _, z := range kz {
			for _, r := range fn.Output.Roots(y * z) { // y f(r) = z, y = ±1
				kinks = append(kinks, (r-mu)/s)
			}
		}
		total += c.Prob * GaussExpect(func(z float64) float64 {
			l, _, _ := fn.Eval(y, mu+s*z)
			return l
		}, kinks...)
	}
	return total
}

// tail returns P(x + s z ≤ 0) = Q(x/s), z ~ N(0, 1), with the s = 0 limit
// (x = 0 counts as ≤ 0).
func tail(x, s float64) float64 {
	if s == 0 {
		if x > 0 {
			return 0
		}
		return 1
	}
	return Q(x / s)
}
