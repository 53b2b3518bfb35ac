package dmft

import (
	"context"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/mixture"
)

// TestFlowRise: the λ = 0 logistic flow at α = 8, Δ = 1 to t = 60 in
// batches of 1000 is a sound solve (its batches' objectives rise at most a
// few percent, below maxRise), and the same 2000 trajectories in batches of
// 100, where a batch leaves the fixed point (measured rise 6.4), are an
// error naming the batch size.
func TestFlowRise(t *testing.T) {
	p := flowLogistic(60)
	p.Alpha, p.Model, p.Lambda = 8, mixture.TwoCluster(0.5, 1), 0
	sol, err := Solve(context.Background(), p, Settings{Samples: 2000, Batches: 2, Seed: 11, Grid: Adaptive{Tol: 1e-2}})
	if err != nil {
		t.Fatalf("batches of 1000: %v", err)
	}
	t.Logf("batches of 1000: rise %.3g in batch %d at t = %.4g", sol.Stats.Rise, sol.Stats.RiseBatch, sol.Stats.RiseAt)
	if !(sol.Stats.Rise < maxRise) {
		t.Errorf("batches of 1000: rise %v, want below %v", sol.Stats.Rise, maxRise)
	}
	_, err = Solve(context.Background(), p, Settings{Samples: 2000, Batches: 20, Seed: 11, Grid: Adaptive{Tol: 1e-2}})
	if err == nil || !strings.Contains(err.Error(), "left the gradient flow's fixed point") || !strings.Contains(err.Error(), "batches of 100 trajectories") {
		t.Errorf("batches of 100: error %v, want a batch that left the fixed point", err)
	}
	// SGF has no objective it descends: no rise is computed.
	p.Algo, p.B, p.Tau, p.Lambda, p.T = dynamics.SGF, 0.3, 1, 0.05, 5
	sol, err = Solve(context.Background(), p, Settings{Samples: 400, Batches: 2, Seed: 1, Grid: Adaptive{Tol: 1e-2}})
	if err != nil {
		t.Fatalf("SGF: %v", err)
	}
	if sol.Stats.Rise != 0 {
		t.Errorf("SGF: rise %v; want none computed", sol.Stats.Rise)
	}
}
