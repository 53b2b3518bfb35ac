package dmft

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// TestWorkersIndependent: batches are independent solves on their own
// streams, combined in batch order, so the result is bit-identical for any
// number of workers.
func TestWorkersIndependent(t *testing.T) {
	p := twoCluster(dynamics.PSGD, 2)
	var ref *Solution
	for _, w := range []int{1, 2, 3} {
		sol, err := Solve(context.Background(), p, Settings{Samples: 600, Batches: 5, Workers: w, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = sol
			continue
		}
		for k := range sol.M {
			if sol.M[k] != ref.M[k] || sol.Ctt[k] != ref.Ctt[k] || sol.TrainLoss[k] != ref.TrainLoss[k] || sol.MSE[k] != ref.MSE[k] {
				t.Fatalf("workers = %d: step %d differs from workers = 1", w, k)
			}
		}
		for i, v := range sol.Gamma.RawMatrix().Data {
			if v != ref.Gamma.RawMatrix().Data[i] {
				t.Fatalf("workers = %d: Γ differs from workers = 1", w)
			}
		}
	}
}

// compareSolutions judges two independent DMFT solutions against each other
// at every step after the first. The allowance is each side's batch bias
// (batchBias at its batch size) plus round-off (1e-12 relative: m of the
// square loss is exact on both sides).
func compareSolutions(t *testing.T, name string, a, b *Solution) {
	t.Helper()
	var cs []comparison
	for _, o := range compared {
		ea, na := dmftEstimate(a, o)
		eb, nb := dmftEstimate(b, o)
		coef := batchBias[o] * (1/float64(na) + 1/float64(nb))
		at := make([]int, len(a.Times)-1)
		for i := range at {
			at[i] = i + 1
		}
		cs = append(cs, comparison{
			name:  o.String(),
			a:     ea,
			b:     eb,
			allow: func(_ int, v float64) float64 { return coef*scale(v) + 1e-12*math.Abs(v) },
			at:    at,
		})
	}
	require(t, name, judge(familyRate, cs...))
}

// TestIterateAgreesWithMarch: the damped global iteration (fresh
// trajectories every iteration) and the causal march, on independent
// streams, agree within their combined Monte-Carlo errors.
func TestIterateAgreesWithMarch(t *testing.T) {
	const iters = 30
	for _, algo := range []dynamics.Algorithm{dynamics.GD, dynamics.PSGD} {
		p := twoCluster(algo, 3)
		march, err := Solve(context.Background(), p, Settings{Samples: 8000, Batches: 20, Seed: 10})
		if err != nil {
			t.Fatal(err)
		}
		// The change cannot fall below the noise of one iteration, so the
		// iteration runs to its limit; 30 iterations at mix 0.6 contract
		// the initial error to the noise floor (the change drops from ~0.7
		// to ~0.04 within 4 iterations and stays there; checked below).
		it, err := Solve(context.Background(), p, Settings{Samples: 8000, Batches: 20, Seed: 11, Method: Iterate{Iters: iters, Tol: 1e-9}})
		if err != nil && !errors.Is(err, ErrNotConverged) {
			t.Fatal(err)
		}
		ch := it.Stats.Change
		if len(ch) != iters || !(ch[len(ch)-1] < ch[0]/10) {
			t.Errorf("%v: change per iteration %v: want %d iterations, decreasing tenfold", algo, ch, iters)
		}
		compareSolutions(t, algo.String(), march, it)
	}
}

// TestBatchBias: each batch is a complete solve, so the mean over batches
// carries a bias O(1/N_batch) from the nonlinear feedback of the kernels.
// 80 batches of 200 trajectories against 20 of 800 (same N = 16000) must
// agree within the combined error and the bias bound batchBias measured at
// N_batch = 100 and 2000: the bound holds at another batch size.
func TestBatchBias(t *testing.T) {
	p := twoCluster(dynamics.PSGD, 4)
	few, err := Solve(context.Background(), p, Settings{Samples: 16000, Batches: 20, Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	many, err := Solve(context.Background(), p, Settings{Samples: 16000, Batches: 80, Seed: 13})
	if err != nil {
		t.Fatal(err)
	}
	compareSolutions(t, "20 vs 80 batches", few, many)
}

// TestResponseSubset: Γ from a quarter of the trajectories changes nothing
// beyond the Monte-Carlo error.
func TestResponseSubset(t *testing.T) {
	p := twoCluster(dynamics.GD, 3)
	all, err := Solve(context.Background(), p, Settings{Samples: 4000, Batches: 20, Seed: 14})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := Solve(context.Background(), p, Settings{Samples: 4000, ResponseSamples: 1000, Batches: 20, Seed: 15})
	if err != nil {
		t.Fatal(err)
	}
	compareSolutions(t, "response subset", all, sub)
}

func TestSolveErrors(t *testing.T) {
	p := twoCluster(dynamics.GD, 1)
	hinge := p
	hinge.Loss = loss.Func{Margin: loss.Hinge{}, Output: loss.Linear{}}
	for _, c := range []struct {
		p    dynamics.Problem
		set  Settings
		want string
	}{
		{hinge, Settings{}, "δ"},
		{p, Settings{Samples: 1}, "Samples"},
		{p, Settings{Samples: 10, ResponseSamples: 12}, "ResponseSamples"},
		{p, Settings{Batches: -1}, "Batches"},
		{p, Settings{Workers: -1}, "Workers"},
		{p, Settings{Method: Iterate{Mix: 1.5}}, "Mix"},
		{p, Settings{Method: Iterate{Iters: -1}}, "Iters"},
		{p, Settings{Method: Iterate{Tol: -1}}, "Tol"},
	} {
		_, err := Solve(context.Background(), c.p, c.set)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.set, err, c.want)
		}
	}
}

// ExampleSolve solves the DMFT of persistent SGD on the two-cluster model
// and prints the overlap and test error at the final time.
func ExampleSolve() {
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.1, Algo: dynamics.PSGD, B: 0.3, Tau: 1, Eta: 0.1, T: 2, C0: 1,
	}
	sol, err := Solve(context.Background(), p, Settings{Samples: 2000, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	k := len(sol.Times) - 1
	fmt.Printf("t = %g: m = %.2f ± %.2f, test error = %.2f\n", sol.Times[k], sol.M[k], sol.MSE[k], sol.TestErr[k])
	// Output:
	// t = 2: m = 0.45 ± 0.01, test error = 0.24
}
