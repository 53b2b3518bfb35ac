package dmft

import (
	"context"
	"testing"

	"github.com/sgdmft/sgdmft/mixture"
)

// TestFlowMeasureRise measures the largest rise of a batch's objective
// (flow_rise.go) on sound solves and on solves whose batches are too small,
// which now stop with the error at the step where the rise passes maxRise:
//
//	go test ./dmft -run FlowMeasureRise -flowmeasure -v
func TestFlowMeasureRise(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	for _, c := range []struct {
		alpha, delta, lambda, T float64
		n, nb                   int
	}{
		{2, 0.5, 0.05, 100, 20000, 10},
		{2, 0.5, 0.05, 100, 2000, 10},
		{8, 1, 0, 100, 8000, 8},
		{8, 1, 0, 100, 4000, 4},
		{8, 1, 0, 100, 1000, 10},
		{8, 1, 0, 100, 2000, 20},
		{4, 1, 0, 400, 4000, 4},
	} {
		p := flowLogistic(c.T)
		p.Alpha, p.Model, p.Lambda = c.alpha, mixture.TwoCluster(0.5, c.delta), c.lambda
		sol, err := Solve(context.Background(), p, Settings{Samples: c.n, Batches: c.nb, Seed: 11, Grid: Adaptive{Tol: 1e-2}})
		if err != nil {
			t.Logf("%+v: %v", c, err)
			continue
		}
		t.Logf("%+v: rise %.3g in batch %d at t = %.4g (%d points)", c, sol.Stats.Rise, sol.Stats.RiseBatch, sol.Stats.RiseAt, len(sol.Times))
	}
}

// TestFlowMeasureQuadLoss measures the calibration of Stats.QuadErrLoss
// against pruning (TestFlowQuadLoss) for several θ and seeds: the training
// loss at t = 60 with θ against keeping every node (same grid, same seed),
// relative, over the difference of the estimates.
//
//	go test ./dmft -run FlowMeasureQuadLoss -flowmeasure -v
func TestFlowMeasureQuadLoss(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	solve := func(ad Adaptive, seed uint64) (tl, est float64) {
		t.Helper()
		sol, err := Solve(context.Background(), flowLogistic(60), Settings{Samples: 20000, ResponseSamples: 4000, Seed: seed, Grid: ad})
		if err != nil {
			t.Fatal(err)
		}
		k := len(sol.Times) - 1
		return sol.TrainLoss[k], sol.Stats.QuadErrLoss[k-1]
	}
	for _, seed := range []uint64{5, 6} {
		tlK, estK := solve(Adaptive{Tol: 1e-2, KeepAll: true}, seed)
		for _, theta := range []float64{0.8, 0.5, 0.2, 0.1} {
			tl, est := solve(Adaptive{Tol: 1e-2, Theta: theta}, seed)
			a := (tl - tlK) / tlK
			t.Logf("seed %d, θ = %g: training loss %+.3e relative to keeping all, estimated %+.3e: ratio %.2f", seed, theta, a, est-estK, a/(est-estK))
		}
	}
}
