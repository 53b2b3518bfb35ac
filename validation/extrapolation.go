package validation

import "math"

// Point is the simulator ensemble at one dimension for one observable at
// one time: the mean over Seeds independent seeds and its standard error
// (the sample standard deviation over √Seeds).
type Point struct {
	D, Seeds int
	Mean, SE float64
}

// Extrapolation is the least-squares fit mean(d) = A + B/d over the
// dimensions with the fixed design weights w = Seeds·d, the inverse of the
// variance σ²/(Seeds·d) of a self-averaging observable whose per-seed
// variance falls as 1/d. The weights do not depend on the measured standard
// errors, so A = Σ c_i mean_i is a fixed linear combination of independent
// means: its standard error is √(Σ c_i² SE_i²) whatever the true variances.
type Extrapolation struct {
	A, B float64 // intercept (the d → ∞ value) and 1/d slope
	SEA  float64 // standard error of A from the points' measured SEs
	// DF are the degrees of freedom the verdict gives SEA: the fewest,
	// Seeds_i − 1, among the points that enter it (c_i SE_i ≠ 0), +Inf if
	// none does. This is Hsu's conservative choice; the Welch–Satterthwaite
	// degrees of freedom (WelchDF) are larger and, in the far tail where the
	// verdict works, liberal (see the package documentation).
	DF float64
	// WelchDF are the Welch–Satterthwaite degrees of freedom of SEA²,
	// (Σ v_i)² / Σ v_i²/(Seeds_i − 1) with v_i = c_i² SE_i², for reference.
	WelchDF float64
	// Chi2 is Σ residual²/SE² over the points with SE > 0, a diagnostic of
	// the 1/d form (points − 2 degrees of freedom); it is not in the verdict.
	Chi2 float64
}

// Coefficients returns the coefficients c of the intercept A = Σ c_i mean_i
// of the fit of Extrapolate for points at dimensions d_i with seeds_i
// seeds. A single dimension gives c = [1] (no extrapolation). It panics if
// the lengths differ, a dimension or a seed count is not positive, or two
// dimensions are equal.
func Coefficients(d, seeds []int) []float64 {
	if len(d) != len(seeds) || len(d) == 0 {
		panic("validation: Coefficients: bad lengths")
	}
	c := make([]float64, len(d))
	if len(d) == 1 {
		c[0] = 1
		return c
	}
	var s, sx, sxx float64
	for i := range d {
		if d[i] < 1 || seeds[i] < 1 {
			panic("validation: Coefficients: dimension and seeds must be positive")
		}
		w, x := float64(seeds[i])*float64(d[i]), 1/float64(d[i])
		s += w
		sx += w * x
		sxx += w * x * x
	}
	det := s*sxx - sx*sx
	if !(det > 0) {
		panic("validation: Coefficients: need two distinct dimensions")
	}
	for i := range d {
		w, x := float64(seeds[i])*float64(d[i]), 1/float64(d[i])
		c[i] = w * (sxx - x*sx) / det
	}
	return c
}

// Extrapolate fits mean(d) = A + B/d to the points (see Extrapolation). A
// single point is returned as A with B = 0: it is not extrapolated. A point
// with a single seed has no standard error; Extrapolate panics on it, as on
// the conditions of Coefficients.
func Extrapolate(pts []Point) Extrapolation {
	d := make([]int, len(pts))
	seeds := make([]int, len(pts))
	for i, p := range pts {
		d[i], seeds[i] = p.D, p.Seeds
		if p.Seeds < 2 {
			panic("validation: Extrapolate: a point needs at least 2 seeds for its standard error")
		}
	}
	c := Coefficients(d, seeds)
	e := Extrapolation{DF: math.Inf(1)}
	var v, den float64
	for i, p := range pts {
		e.A += c[i] * p.Mean
		vi := c[i] * c[i] * p.SE * p.SE
		v += vi
		den += vi * vi / float64(p.Seeds-1)
		if vi > 0 {
			e.DF = math.Min(e.DF, float64(p.Seeds-1))
		}
	}
	e.SEA = math.Sqrt(v)
	e.WelchDF = welchDF(v, den)
	if len(pts) == 1 {
		return e
	}
	// The slope from the same weighted fit: B = Σ w_i (x_i − x̄)(y_i − ȳ)/Σ w_i (x_i − x̄)².
	var s, sx, sy float64
	for _, p := range pts {
		w, x := float64(p.Seeds)*float64(p.D), 1/float64(p.D)
		s += w
		sx += w * x
		sy += w * p.Mean
	}
	xm, ym := sx/s, sy/s
	var num, dd float64
	for _, p := range pts {
		w, x := float64(p.Seeds)*float64(p.D), 1/float64(p.D)
		num += w * (x - xm) * (p.Mean - ym)
		dd += w * (x - xm) * (x - xm)
	}
	e.B = num / dd
	for _, p := range pts {
		if p.SE > 0 {
			r := (p.Mean - e.A - e.B/float64(p.D)) / p.SE
			e.Chi2 += r * r
		}
	}
	return e
}

// welchDF returns the Welch–Satterthwaite degrees of freedom v²/den of a
// variance estimate v = Σ v_i with den = Σ v_i²/ν_i; +Inf when v is zero
// (nothing is estimated).
func welchDF(v, den float64) float64 {
	if v == 0 || den == 0 {
		return math.Inf(1)
	}
	return v * v / den
}
