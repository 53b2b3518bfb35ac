package validation

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Point is a finite-d measurement: the mean over seeds at dimension D and
// its standard error.
type Point struct {
	D        int
	Mean, SE float64
}

// Extrapolation is the weighted least-squares fit mean(d) = A + B/d over
// the dimensions, with the standard errors of A and B propagated from the
// points' standard errors (not rescaled by the residuals: the points'
// errors are measured, and a bad fit shows up in Chi2).
type Extrapolation struct {
	A, B     float64 // intercept (d → ∞ value) and 1/d slope
	SEA, SEB float64
	Chi2     float64 // Σ residual²/SE² (degrees of freedom: points − 2)
}

// Extrapolate fits mean(d) = A + B/d. With a single point it returns that
// point as A with B = 0. Points with zero SE are given the smallest
// non-zero SE among them, so that they do not dominate without bound; if
// all are zero the fit is unweighted.
func Extrapolate(pts []Point) Extrapolation {
	if len(pts) == 1 {
		return Extrapolation{A: pts[0].Mean, SEA: pts[0].SE}
	}
	minSE := math.Inf(1)
	for _, p := range pts {
		if p.SE > 0 && p.SE < minSE {
			minSE = p.SE
		}
	}
	var s, sx, sxx, sy, sxy float64
	for _, p := range pts {
		se := p.SE
		if !(se > 0) {
			se = minSE
		}
		w := 1.0
		if !math.IsInf(se, 1) {
			w = 1 / (se * se)
		}
		x := 1 / float64(p.D)
		s += w
		sx += w * x
		sxx += w * x * x
		sy += w * p.Mean
		sxy += w * x * p.Mean
	}
	det := s*sxx - sx*sx
	e := Extrapolation{
		A: (sxx*sy - sx*sxy) / det,
		B: (s*sxy - sx*sy) / det,
	}
	if !math.IsInf(minSE, 1) {
		e.SEA = math.Sqrt(sxx / det)
		e.SEB = math.Sqrt(s / det)
	}
	for _, p := range pts {
		if p.SE > 0 {
			r := (p.Mean - e.A - e.B/float64(p.D)) / p.SE
			e.Chi2 += r * r
		}
	}
	return e
}

// Z returns (a − b)/√(sa² + sb²): a deviation in units of the combined
// standard error. Zero deviation with zero error is 0; a non-zero deviation
// with zero error is ±Inf.
func Z(a, sa, b, sb float64) float64 {
	d := a - b
	s := math.Hypot(sa, sb)
	if d == 0 {
		return 0
	}
	return d / s
}

// Threshold returns the |z| beyond which one of n comparisons is declared a
// failure with family-wise false-failure rate alpha (Bonferroni: each
// comparison at two-sided level alpha/n). It is conservative when the
// comparisons are positively correlated, as curves at nearby times are.
func Threshold(alpha float64, n int) float64 {
	if n < 1 {
		n = 1
	}
	return distuv.UnitNormal.Quantile(1 - alpha/(2*float64(n)))
}
