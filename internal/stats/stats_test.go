package stats

import (
	"math"
	"testing"
)

func TestMeanSE(t *testing.T) {
	// Three rows: at k = 0 the values 1, 2, 6 have mean 3, sample variance
	// ((−2)² + (−1)² + 3²)/2 = 7 and standard error √(7/3).
	rows := [][]float64{{1, 5}, {2, 5}, {6, 5}}
	m, se := MeanSE(rows)
	if m[0] != 3 || math.Abs(se[0]-math.Sqrt(7.0/3)) > 1e-15 || m[1] != 5 || se[1] != 0 {
		t.Errorf("MeanSE = %v, %v; want [3 5], [%v 0]", m, se, math.Sqrt(7.0/3))
	}
	m, se = MeanSE(rows[:1])
	if m[0] != 1 || !math.IsNaN(se[0]) {
		t.Errorf("single row: MeanSE = %v, %v; want [1 5], [NaN NaN]", m, se)
	}
}
