package mixture

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dataset is a sample of the mixture in dimension D.
type Dataset struct {
	D, N  int
	X     []float64 // N×D, row-major: row μ is x_μ
	C     []float64 // cluster position c_μ
	Y     []float64 // label y_μ
	Vstar []float64 // centroid v*, length D
}

// Row returns x_μ.
func (ds *Dataset) Row(mu int) []float64 { return ds.X[mu*ds.D : (mu+1)*ds.D] }

// Sample draws a dataset of n samples in dimension d from rnd. Unless raw is
// true, v* is rescaled to |v*|² = d.
func (m Model) Sample(d, n int, raw bool, rnd *rand.Rand) (*Dataset, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if d < 1 || n < 1 {
		return nil, fmt.Errorf("mixture: d = %d, n = %d, want both >= 1", d, n)
	}
	ds := &Dataset{D: d, N: n, X: make([]float64, n*d), C: make([]float64, n), Y: make([]float64, n), Vstar: make([]float64, d)}
	m.CentroidInto(ds.Vstar, raw, rnd)
	for mu := 0; mu < n; mu++ {
		k := m.Draw(rnd)
		ds.C[mu], ds.Y[mu] = m.Clusters[k].C, m.Clusters[k].Label
	}
	m.Fill(ds, 0, n, rnd)
	return ds, nil
}

// CentroidInto fills dst with a fresh centroid, rescaled to |v*|² = len(dst)
// unless raw.
func (m Model) CentroidInto(dst []float64, raw bool, rnd *rand.Rand) {
	s := 0.0
	for i := range dst {
		v := rnd.NormFloat64()
		dst[i] = v
		s += v * v
	}
	if !raw {
		f := math.Sqrt(float64(len(dst)) / s)
		for i := range dst {
			dst[i] *= f
		}
	}
}

// Draw returns the index of a cluster drawn from the mixture's law.
func (m Model) Draw(rnd *rand.Rand) int {
	u := rnd.Float64()
	for k, c := range m.Clusters {
		u -= c.Prob
		if u < 0 {
			return k
		}
	}
	return len(m.Clusters) - 1
}

// Fill draws rows lo..hi−1 of ds.X given their C and the centroid.
func (m Model) Fill(ds *Dataset, lo, hi int, rnd *rand.Rand) {
	d := ds.D
	sd := math.Sqrt(m.Delta)
	isd := 1 / math.Sqrt(float64(d))
	for mu := lo; mu < hi; mu++ {
		row := ds.X[mu*d : (mu+1)*d]
		a := ds.C[mu] * isd
		for i := range row {
			row[i] = a*ds.Vstar[i] + sd*rnd.NormFloat64()
		}
	}
}
