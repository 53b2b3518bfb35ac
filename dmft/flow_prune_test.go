package dmft

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFlowDrop: dropping a history node leaves the Cholesky factor of the
// remaining covariance (L Lᵀ on the remaining nodes unchanged) and each
// pair's ω = L ε on the remaining nodes unchanged, to round-off.
func TestFlowDrop(t *testing.T) {
	const n = 9
	rnd := rand.New(rand.NewPCG(1, 2))
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
		for j := range a[i] {
			a[i][j] = rnd.NormFloat64()
		}
	}
	b := &flowBatch{}
	for i := 0; i < n; i++ {
		row := make([]float64, i+1)
		for j := 0; j <= i; j++ {
			row[j] = a[i][j]
		}
		row[i] = math.Abs(row[i])
		if i%3 == 2 {
			row[i] = 0 // a clamped pivot
		}
		b.l = append(b.l, row)
		b.g = append(b.g, make([]float64, i+1))
		b.eg = append(b.eg, make([]float64, i+1))
		b.c = append(b.c, make([]float64, i+1))
		b.gam = append(b.gam, make([]float64, i+1))
		b.gcol = append(b.gcol, make([]float64, n-i))
		b.mc = append(b.mc, make([]float64, n))
		b.t = append(b.t, float64(i))
	}
	b.m, b.mu, b.nu = make([]float64, n), make([]float64, n), make([]float64, n)
	b.eps = [][]float64{make([]float64, n), make([]float64, n)}
	for _, e := range b.eps {
		for i := range e {
			e[i] = rnd.NormFloat64()
		}
	}
	prod := func(l [][]float64, i, j int) float64 {
		var s float64
		for q := 0; q <= min(i, j); q++ {
			s += l[i][q] * l[j][q]
		}
		return s
	}
	omega := func(l [][]float64, e []float64, i int) float64 { return dot(l[i][:i+1], e[:i+1]) }
	const k = 3
	keep := []int{0, 1, 2, 4, 5, 6, 7, 8}
	var cov [][]float64
	var om [][]float64
	for _, i := range keep {
		var r []float64
		for _, j := range keep {
			r = append(r, prod(b.l, i, j))
		}
		cov = append(cov, r)
	}
	for _, e := range b.eps {
		var r []float64
		for _, i := range keep {
			r = append(r, omega(b.l, e, i))
		}
		om = append(om, r)
	}
	b.drop(k)
	for i := range keep {
		if b.l[i][i] < 0 {
			t.Errorf("negative pivot %g at %d", b.l[i][i], i)
		}
		for j := range keep {
			if d := prod(b.l, i, j) - cov[i][j]; math.Abs(d) > 1e-12 {
				t.Errorf("L Lᵀ[%d,%d] changed by %g", i, j, d)
			}
		}
		for p, e := range b.eps {
			if d := omega(b.l, e, i) - om[p][i]; math.Abs(d) > 1e-12 {
				t.Errorf("ω_%d of pair %d changed by %g", i, p, d)
			}
		}
	}
}

// TestFlowPrunable: the pruning rule on a uniform history of step 1 at
// t = 100 with θ = 0.1 drops only nodes whose gap after dropping, 2, is at
// most θ times their lag and their age (t − t_{j+1} ≥ 20, t_{j−1} ≥ 20),
// never two adjacent ones.
func TestFlowPrunable(t *testing.T) {
	hist := make([]float64, 101)
	for i := range hist {
		hist[i] = float64(i)
	}
	got := prunable(hist, 0.1)
	if len(got) == 0 {
		t.Fatal("nothing pruned")
	}
	for i, j := range got {
		if 100-hist[j+1] < 20 || hist[j-1] < 20 {
			t.Errorf("dropped node %d (lag of its successor %g, age of its predecessor %g: want both ≥ 20)", j, 100-hist[j+1], hist[j-1])
		}
		if i > 0 && got[i-1] == j-1 {
			t.Errorf("dropped adjacent nodes %d, %d", j-1, j)
		}
	}
	if want := 30; len(got) != want { // nodes 21, 23, …, 79
		t.Errorf("dropped %d nodes, want %d", len(got), want)
	}
}
