package dmft

import (
	"context"
	"fmt"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
)

// BenchmarkReference is the reference solve of the issue: two-cluster
// logistic psgd, α = 2, Δ = 0.5, ρ = 0.5, λ = 0.1, b = 0.3, τ = 1, η = 0.1,
// T = 20 (K = 200 steps), N = 20000 trajectories.
func BenchmarkReference(b *testing.B) { benchSolve(b, twoCluster(dynamics.PSGD, 20), 20000) }

// benchSolve times Solve on n trajectories and reports the CPU time per phase.
func benchSolve(b *testing.B, p dynamics.Problem, n int) {
	b.ReportAllocs()
	var st Stats
	for b.Loop() {
		sol, err := Solve(context.Background(), p, Settings{Samples: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		st = sol.Stats
	}
	b.ReportMetric(st.Sampling.Seconds(), "sampling-cpu-s")
	b.ReportMetric(st.Response.Seconds(), "response-cpu-s")
	b.ReportMetric(st.Weights.Seconds(), "weights-cpu-s")
}

// BenchmarkScaling measures the cost against K and N for psgd (b = 0.3)
// and gd.
func BenchmarkScaling(b *testing.B) {
	for _, algo := range []dynamics.Algorithm{dynamics.PSGD, dynamics.GD} {
		for _, kn := range []struct{ k, n int }{{100, 20000}, {200, 20000}, {400, 20000}, {200, 5000}, {200, 40000}} {
			if algo == dynamics.GD && kn.k*kn.n > 200*20000 {
				continue // the dense O(N K³) response: minutes
			}
			b.Run(fmt.Sprintf("%v/K=%d/N=%d", algo, kn.k, kn.n), func(b *testing.B) {
				benchSolve(b, twoCluster(algo, float64(kn.k)/10), kn.n)
			})
		}
	}
}
