package teacher

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Dataset is a sample of the teacher–student model in dimension D.
type Dataset struct {
	D, N  int
	X     []float64 // N×D, row-major: row μ is x_μ ~ N(0, I_D)
	H0    []float64 // teacher field h0_μ = v*·x_μ/√D, computed from the row
	Y     []float64 // label y_μ = Link.Label(h0_μ, ε_μ, σ)
	Vstar []float64 // teacher direction v*, length D
}

// Row returns x_μ.
func (ds *Dataset) Row(mu int) []float64 { return ds.X[mu*ds.D : (mu+1)*ds.D] }

// Sample draws a dataset of n samples in dimension d from rnd: first v*
// (d standard normals, rescaled to |v*|² = d unless raw), then for each
// sample its row x_μ (d standard normals) and its label noise ε_μ. The
// teacher field is computed from the row, h0_μ = v*·x_μ/√d, so the identity
// holds to round-off and h0 ~ N(0, |v*|²/d) = N(0, 1).
func (m Model) Sample(d, n int, raw bool, rnd *rand.Rand) (*Dataset, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if d < 1 || n < 1 {
		return nil, fmt.Errorf("teacher: d = %d, n = %d, want both >= 1", d, n)
	}
	ds := &Dataset{D: d, N: n, X: make([]float64, n*d), H0: make([]float64, n), Y: make([]float64, n), Vstar: make([]float64, d)}
	Direction(ds.Vstar, raw, rnd)
	isd := 1 / math.Sqrt(float64(d))
	for mu := range n {
		row := ds.Row(mu)
		h := 0.0
		for i := range row {
			x := rnd.NormFloat64()
			row[i] = x
			h += ds.Vstar[i] * x
		}
		ds.H0[mu] = h * isd
		ds.Y[mu] = m.Link.Label(ds.H0[mu], rnd.NormFloat64(), m.Noise)
	}
	return ds, nil
}

// Direction fills dst with a teacher direction: len(dst) standard normals
// drawn from rnd, rescaled to |v*|² = len(dst) unless raw (the mixture's
// centroid is drawn the same way).
func Direction(dst []float64, raw bool, rnd *rand.Rand) {
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
