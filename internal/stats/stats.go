// Package stats holds the one estimator the solvers share: the mean over
// independent replicas (simulation seeds, DMFT batches) and its standard
// error.
package stats

import "math"

// MeanSE returns, for each index k, the mean of rows[i][k] over the rows
// and its standard error √(s²/n) with the unbiased sample variance s². The
// standard error of a single row is NaN: it is not known. Rows are summed
// in order, so the result does not depend on how they were computed. It
// panics if the rows differ in length or there are none.
func MeanSE(rows [][]float64) (mean, se []float64) {
	if len(rows) == 0 {
		panic("stats: no rows")
	}
	nk := len(rows[0])
	mean, se = make([]float64, nk), make([]float64, nk)
	n := float64(len(rows))
	for _, r := range rows {
		if len(r) != nk {
			panic("stats: length mismatch")
		}
	}
	for k := range mean {
		s := 0.0
		for _, r := range rows {
			s += r[k]
		}
		mu := s / n
		v := 0.0
		for _, r := range rows {
			v += (r[k] - mu) * (r[k] - mu)
		}
		mean[k] = mu
		se[k] = math.NaN()
		if len(rows) > 1 {
			se[k] = math.Sqrt(v / (n - 1) / n)
		}
	}
	return mean, se
}
