package theory

import (
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// TestError returns the generalisation error of a fresh sample for weights
// with overlap m = w·v*/d and norm q = |w|²/d, and output bias b0 (0 when the
// model has none). A fresh sample of cluster c has r = c m + b0 + √(Δq) z
// (theory.md §1, model-and-dmft.md §5):
//
//	linear output:     P(y r ≤ 0)            = Q(y(cm + b0)/√(Δq))
//	quadratic output:  P(|r| > √κ) for y = −1, 1 − P(|r| > √κ) for y = +1,
//	                   P(|r| > √κ) = Q((√κ − μ)/s) + Q((√κ + μ)/s).
//
// It panics for an output function other than loss.Linear and loss.Quadratic.
func TestError(mod mixture.Model, out loss.Output, m, q, b0 float64) float64 {
	s := math.Sqrt(mod.Delta * q)
	e := 0.0
	for _, c := range mod.Clusters {
		mu := c.C*m + b0
		var p float64 // probability of a wrong prediction
		switch o := out.(type) {
		case loss.Linear:
			p = tail(c.Label*mu, s)
		case loss.Quadratic:
			sk := math.Sqrt(o.Kappa)
			outside := tail(sk-mu, s) + tail(sk+mu, s) // P(r > √κ) + P(r < −√κ)
			if c.Label > 0 {
				p = 1 - outside
			} else {
				p = outside
			}
		default:
			panic(fmt.Sprintf("theory: no test error for output %T", out))
		}
		e += c.Prob * p
	}
	return e
}

// tail returns P(x + s z ≤ 0) = Q(x/s), with the s = 0 limit.
func tail(x, s float64) float64 {
	if s == 0 {
		switch {
		case x > 0:
			return 0
		case x < 0:
			return 1
		}
		return 1 // r = 0 exactly: sign(f) = 0 is a wrong prediction
	}
	return Q(x / s)
}

// TestLoss returns the expected loss E[L(y, r)] of a fresh sample, r as in
// TestError, by one-dimensional quadrature per cluster (GaussExpect) split at
// the points where the margin y f(r) = 1 (the kinks of the hinge losses).
func TestLoss(mod mixture.Model, fn loss.Func, m, q, b0 float64) float64 {
	s := math.Sqrt(mod.Delta * q)
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
		for _, r := range marginOne(fn.Output, y) {
			kinks = append(kinks, (r-mu)/s)
		}
		total += c.Prob * GaussExpect(func(z float64) float64 {
			l, _, _ := fn.Eval(y, mu+s*z)
			return l
		}, kinks...)
	}
	return total
}

// marginOne returns the r where y f(r) = 1.
func marginOne(out loss.Output, y float64) []float64 {
	switch o := out.(type) {
	case loss.Linear:
		return []float64{y}
	case loss.Quadratic:
		if a := o.Kappa + y; a >= 0 {
			return []float64{-math.Sqrt(a), math.Sqrt(a)}
		}
	}
	return nil
}
