package validation

import (
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestExtrapolateExact: noise-free data on a line in 1/d is fitted exactly
// (to round-off, 1e-12).
func TestExtrapolateExact(t *testing.T) {
	var pts []Point
	for _, d := range []int{250, 500, 1000, 4000} {
		pts = append(pts, Point{D: d, Mean: 0.3 - 20/float64(d), SE: 0.01})
	}
	e := Extrapolate(pts)
	if !scalar.EqualWithinAbs(e.A, 0.3, 1e-12) || !scalar.EqualWithinAbs(e.B, -20, 1e-9) || e.Chi2 > 1e-18 {
		t.Errorf("fit %+v, want A = 0.3, B = -20, χ² = 0", e)
	}
}

// TestExtrapolateCoverage: over many synthetic data sets with Gaussian
// noise of the stated SE, the intercept's z-score has unit variance, so the
// propagated SEA is right. With 4000 replicas the sample variance of z has
// relative se √(2/4000) ≈ 0.022: 5 se = 0.11.
func TestExtrapolateCoverage(t *testing.T) {
	rnd := rng.New(17)
	const reps = 4000
	dims := []int{500, 1000, 2000, 4000}
	ses := []float64{0.004, 0.003, 0.002, 0.0015}
	var s2 float64
	for r := 0; r < reps; r++ {
		pts := make([]Point, len(dims))
		for i, d := range dims {
			pts[i] = Point{D: d, Mean: 1 + 5/float64(d) + ses[i]*rnd.NormFloat64(), SE: ses[i]}
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
	// Two-sided 5% for one comparison is 1.95996; Bonferroni over 10 at 1% is
	// the 1 − 0.0005 quantile, 3.29053.
	if got := Threshold(0.05, 1); !scalar.EqualWithinAbs(got, 1.959964, 1e-5) {
		t.Errorf("Threshold(0.05, 1) = %v", got)
	}
	if got := Threshold(0.01, 10); !scalar.EqualWithinAbs(got, 3.290527, 1e-5) {
		t.Errorf("Threshold(0.01, 10) = %v", got)
	}
	if Z(1, 0, 1, 0) != 0 || !math.IsInf(Z(1, 0, 0, 0), 1) || Z(1, 0.3, 0.5, 0.4) != 1 {
		t.Error("Z")
	}
}
