package validation

import (
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestCoefficients: the intercept's coefficients reproduce A for every
// line A + B/d (Σc = 1, Σc/d = 0); for two dimensions they are the
// closed form (d₂ y₂ − d₁ y₁)/(d₂ − d₁) whatever the seeds (round-off, 1e-12).
func TestCoefficients(t *testing.T) {
	for _, c := range []struct{ d, seeds []int }{
		{[]int{100, 400}, []int{800, 800}},
		{[]int{100, 400}, []int{16, 64}},
		{[]int{250, 500, 1000}, []int{24, 24, 24}},
		{[]int{500, 1000, 2000, 4000}, []int{40, 40, 40, 40}},
	} {
		co := Coefficients(c.d, c.seeds)
		var s, sx float64
		for i, x := range co {
			s += x
			sx += x / float64(c.d[i])
		}
		if !scalar.EqualWithinAbs(s, 1, 1e-12) || !scalar.EqualWithinAbs(sx, 0, 1e-12) {
			t.Errorf("%v: Σc = %v, Σc/d = %v, want 1 and 0", c, s, sx)
		}
		if len(c.d) == 2 {
			d1, d2 := float64(c.d[0]), float64(c.d[1])
			if !scalar.EqualWithinAbs(co[0], -d1/(d2-d1), 1e-12) || !scalar.EqualWithinAbs(co[1], d2/(d2-d1), 1e-12) {
				t.Errorf("%v: c = %v", c, co)
			}
		}
	}
	if c := Coefficients([]int{300}, []int{5}); len(c) != 1 || c[0] != 1 {
		t.Errorf("one dimension: c = %v, want [1]", c)
	}
}

// TestExtrapolateExact: noise-free data on a line in 1/d is fitted exactly
// (to round-off, 1e-12).
func TestExtrapolateExact(t *testing.T) {
	var pts []Point
	for i, d := range []int{250, 500, 1000, 4000} {
		pts = append(pts, Point{D: d, Seeds: 10 + i, Mean: 0.3 - 20/float64(d), SE: 0.01})
	}
	e := Extrapolate(pts)
	if !scalar.EqualWithinAbs(e.A, 0.3, 1e-12) || !scalar.EqualWithinAbs(e.B, -20, 1e-9) || e.Chi2 > 1e-18 {
		t.Errorf("fit %+v, want A = 0.3, B = -20, χ² = 0", e)
	}
	// Equal SEs: SEA = SE √Σc², the Welch–Satterthwaite degrees of freedom
	// are (Σc²)²/Σ(c⁴/(S_i − 1)), and the verdict's are the fewest, 10 − 1.
	co := Coefficients([]int{250, 500, 1000, 4000}, []int{10, 11, 12, 13})
	var c2, c4 float64
	for i, c := range co {
		c2 += c * c
		c4 += c * c * c * c / float64(pts[i].Seeds-1)
	}
	if !scalar.EqualWithinAbsOrRel(e.WelchDF, c2*c2/c4, 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(e.SEA, 0.01*math.Sqrt(c2), 1e-12, 1e-12) || e.DF != 9 {
		t.Errorf("SEA = %v, DF = %v, WelchDF = %v, want %v, 9 and %v", e.SEA, e.DF, e.WelchDF, 0.01*math.Sqrt(c2), c2*c2/c4)
	}
}

// TestExtrapolateCoverage: over many synthetic data sets with Gaussian
// noise of the stated SE and a 1/d bias, the intercept's z-score has unit
// variance, so SEA is right. With 4000 replicas the sample variance of z
// has relative se √(2/4000) ≈ 0.022: 5 se = 0.11.
func TestExtrapolateCoverage(t *testing.T) {
	rnd := rng.New(17)
	const reps = 4000
	dims := []int{500, 1000, 2000, 4000}
	ses := []float64{0.004, 0.003, 0.002, 0.0015}
	var s2 float64
	for range reps {
		pts := make([]Point, len(dims))
		for i, d := range dims {
			pts[i] = Point{D: d, Seeds: 40, Mean: 1 + 5/float64(d) + ses[i]*rnd.NormFloat64(), SE: ses[i]}
		}
		e := Extrapolate(pts)
		z := (e.A - 1) / e.SEA
		s2 += z * z
	}
	if v := s2 / reps; math.Abs(v-1) > 0.11 {
		t.Errorf("var(z) = %v, want 1 ± 0.11", v)
	}
}

func TestThreshold(t *testing.T) {
	// Two-sided 5% for one comparison is 1.959964 (normal) and 2.228139
	// (t with 10 df); Bonferroni over 10 at 1% is the 1 − 0.0005 quantile,
	// 3.290527 (normal) and 4.586894 (t, 10 df). Tables, 1e-5.
	for _, c := range []struct {
		alpha float64
		n     int
		df    float64
		want  float64
	}{
		{0.05, 1, math.Inf(1), 1.959964},
		{0.05, 1, 10, 2.228139},
		{0.01, 10, math.Inf(1), 3.290527},
		{0.01, 10, 10, 4.586894},
	} {
		if got := Threshold(c.alpha, c.n, c.df); !scalar.EqualWithinAbs(got, c.want, 1e-5) {
			t.Errorf("Threshold(%v, %d, %v) = %v, want %v", c.alpha, c.n, c.df, got, c.want)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		name             string
		e                Extrapolation
		ref, refSE, refD float64
		z, df, p         float64
	}{
		{"no deviation, no error", Extrapolation{A: 1, DF: math.Inf(1)}, 1, 0, math.Inf(1), 0, math.Inf(1), 1},
		{"deviation, no error", Extrapolation{A: 1, DF: math.Inf(1)}, 0, 0, math.Inf(1), math.Inf(1), math.Inf(1), 0},
		// Equal variances with 10 df each: the verdict's df are the fewest,
		// 10 (Welch–Satterthwaite would give 20). The p-values are
		// 2∫_z^∞ of the t density, by quadrature.
		{"two equal parts", Extrapolation{A: 2, SEA: 1, DF: 10, WelchDF: 10}, 0, 1, 10, math.Sqrt2, 10, 0.1876699},
		{"reference with fewer df", Extrapolation{A: 2, SEA: 1, DF: 30, WelchDF: 30}, 0, 1, 10, math.Sqrt2, 10, 0.1876699},
		// An exact reference: the extrapolation's own degrees of freedom.
		{"exact reference", Extrapolation{A: 2, SEA: 1, DF: 7, WelchDF: 7}, 0, 0, math.Inf(1), 2, 7, 0.0856193},
	} {
		got := Compare(c.e, c.ref, c.refSE, c.refD)
		if !scalar.EqualWithinAbsOrRel(got.Z, c.z, 1e-12, 1e-12) && got.Z != c.z ||
			!scalar.EqualWithinAbsOrRel(got.DF, c.df, 1e-9, 1e-9) && got.DF != c.df ||
			!scalar.EqualWithinAbs(got.P(), c.p, 1e-6) {
			t.Errorf("%s: %+v, P = %v; want z = %v, df = %v, P = %v", c.name, got, got.P(), c.z, c.df, c.p)
		}
	}
	if c := Compare(Extrapolation{A: 2, SEA: 1, DF: 10, WelchDF: 10}, 0, 1, 10); !scalar.EqualWithinAbsOrRel(c.WelchDF, 20, 1e-12, 1e-12) {
		t.Errorf("Welch–Satterthwaite df of two equal parts with 10 df: %v, want 20", c.WelchDF)
	}
	if p := Compare(Extrapolation{A: math.NaN(), SEA: 1, DF: 5}, 0, 0, 1).P(); p != 0 {
		t.Errorf("NaN: P = %v, want 0 (fails)", p)
	}
}

// TestCheckDetects: the verdict machinery fails a reference that is off.
// Synthetic simulations agree with a reference curve up to a 1/d bias;
// shifting the reference at one time by 10 combined standard errors must
// fail at that time, and the unshifted one must pass with z = 0.
func TestCheckDetects(t *testing.T) {
	vs := VariantSims{Times: []float64{0, 1, 2}}
	ref := Curve{Mean: []float64{1, 2, 3}, SE: []float64{0.01, 0.01, 0.01}}
	for _, d := range []int{250, 500, 1000} {
		c := Curve{Mean: make([]float64, 3), SE: []float64{0.02, 0.02, 0.02}}
		for i, m := range ref.Mean {
			c.Mean[i] = m + 3/float64(d)
		}
		vs.Ensembles = append(vs.Ensembles, Ensemble{D: d, Seeds: 30, Curves: map[dynamics.Observable]Curve{dynamics.M: c}})
	}
	good := check(dynamics.M, DMFT, vs, ref, 19, allTimes(3), 3)
	if good.Worst.Z != 0 || !good.Pass {
		t.Errorf("exact 1/d bias: %+v, want z = 0 and a pass", good)
	}
	shift := Curve{Mean: append([]float64(nil), ref.Mean...), SE: ref.SE}
	se := Extrapolate([]Point{{250, 30, 0, 0.02}, {500, 30, 0, 0.02}, {1000, 30, 0, 0.02}}).SEA
	shift.Mean[2] += 10 * math.Hypot(se, 0.01)
	bad := check(dynamics.M, DMFT, vs, shift, 19, allTimes(3), 3)
	if bad.Pass || bad.Time != 2 || !scalar.EqualWithinAbs(math.Abs(bad.Worst.Z), 10, 1e-9) {
		t.Errorf("shifted reference: %+v, want a failure with |z| = 10 at t = 2", bad)
	}
}
