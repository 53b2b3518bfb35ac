package dmft

import (
	"context"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/stats"
)

// TestDisplacement: Solution.Displacement(k, l) is C[k,k] + C[l,l] −
// 2C[k,l], zero on the diagonal, symmetric, with a positive standard error
// for a sampled solve and zero for the exact one.
func TestDisplacement(t *testing.T) {
	p := dynamics.Problem{Model: squareTheory.Model, Loss: logistic(), Alpha: 2, Algo: dynamics.PSGD, B: 0.3, Tau: 1, Eta: 0.1, T: 2, C0: 1}
	sol, err := Solve(context.Background(), p, Settings{Samples: 4000, Batches: 4, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	n := len(sol.Times)
	k, l := n-1, n-6
	mean, se := sol.Displacement(k, l)
	if want := sol.C.At(k, k) + sol.C.At(l, l) - 2*sol.C.At(k, l); math.Abs(mean-want) > 1e-15 || !(se > 0) {
		t.Errorf("Displacement(%d, %d) = %v ± %v, want %v with a positive SE", k, l, mean, se, want)
	}
	if m, s := sol.Displacement(k, k); m != 0 || s != 0 {
		t.Errorf("Displacement(k, k) = %v ± %v, want 0", m, s)
	}
	if m, s := sol.Displacement(l, k); math.Abs(m-mean) > 1e-15 || s != se {
		t.Errorf("Displacement(l, k) = %v ± %v, want %v ± %v", m, s, mean, se)
	}
	ex, err := Solve(context.Background(), squareTheory, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	// The exact solve has no Monte-Carlo error, only the round-off floor.
	kl := len(ex.Times) - 1
	if _, s := ex.Displacement(kl, 0); s != dispRoundoff*(ex.C.At(kl, kl)+ex.C.At(0, 0)) {
		t.Errorf("exact solve: displacement SE %v, want the round-off floor", s)
	}
	if m, _ := ex.MeanSE(dynamics.Disp); m[0] != 0 || !(m[1] > 0) {
		t.Errorf("MeanSE(Disp) = %v, want 0 then positive", m[:2])
	}
}

// TestDisplacementSE: the standard error is that of the batches' own
// displacements, not of the three entries of C: here the batches' C
// differ by a constant, which cancels in every displacement (SE 0), while
// the entries' errors do not.
func TestDisplacementSE(t *testing.T) {
	const k1 = 2
	base := []float64{1, 0.5, 0.5, 1.2}
	var res []*result
	for _, shift := range []float64{0, 0.1, -0.3} {
		c := make([]float64, len(base))
		for i, v := range base {
			c[i] = v + shift
		}
		res = append(res, &result{c: c})
	}
	se := displacementSE(res, k1)
	if se[1] > 1e-15 || se[2] > 1e-15 { // round-off of 2.2 − 2·0.5 and its shifts
		t.Errorf("SE of a displacement the batches agree on = %v, %v, want 0", se[1], se[2])
	}
	// A batch-dependent off-diagonal entry: D = 2.2 − 2x over x = 0.5, 0.6, 0.1.
	res[1].c[1], res[1].c[2] = 0.6, 0.6
	res[2].c[1], res[2].c[2] = 0.4-0.3, 0.4-0.3
	res[2].c[0], res[2].c[3] = 1, 1.2
	res[1].c[0], res[1].c[3] = 1, 1.2
	d := [][]float64{{2.2 - 1}, {2.2 - 1.2}, {2.2 - 0.2}}
	_, want := stats.MeanSE(d)
	if got := displacementSE(res, k1)[1]; math.Abs(got-want[0]) > 1e-14 {
		t.Errorf("SE = %v, want %v", got, want[0])
	}
}
