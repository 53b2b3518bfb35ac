package dmft

import (
	"context"
	"flag"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/theory"
)

var flowMeasure = flag.Bool("flowmeasure", false, "run TestFlowMeasure*, the measurements behind the adaptive grid's allowances and its cost (minutes)")

// TestFlowMeasureSquare measures the discretisation error of the adaptive
// gradient-flow solve against the exact square-loss curves: for each Tol,
// max over t ≤ T of |x − exact|/(Tol·scale(exact)) for m (free of
// Monte-Carlo error: μ is linear in ω, cancelled by the antithetic pairs)
// and, in units of its standard error, for C(t,t).
//
//	go test ./dmft -run FlowMeasureSquare -flowmeasure -v
func TestFlowMeasureSquare(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	for _, T := range []float64{20, 100} {
		for _, tol := range []float64{1e-2, 3e-3, 1e-3, 3e-4} {
			p := squareTheory
			p.T = T
			sol, err := Solve(context.Background(), p, Settings{Samples: 40000, Batches: 20, ResponseSamples: 160, ForceSampling: true, Seed: 11, Grid: Adaptive{Tol: tol}})
			if err != nil {
				t.Fatal(err)
			}
			pts, err := theory.SquareGD{Alpha: p.Alpha, Delta: p.Model.Delta, Lambda: p.Lambda, C0: p.C0}.Curve(nil, sol.Times)
			if err != nil {
				t.Fatal(err)
			}
			var em, ec, ecse float64
			for k, q := range pts {
				em = math.Max(em, math.Abs(sol.M[k]-q.M)/(tol*scale(q.M)))
				ec = math.Max(ec, math.Abs(sol.Ctt[k]-q.Ctt)/(tol*scale(q.Ctt)))
				if k > 0 {
					ecse = math.Max(ecse, math.Abs(sol.Ctt[k]-q.Ctt)/sol.CttSE[k])
				}
			}
			t.Logf("T %g Tol %g: %d points (%d rejected), wall %v: max |Δm|/(Tol·scale) %.3f, max |ΔCtt|/(Tol·scale) %.3f, max |ΔCtt|/SE %.2f",
				T, tol, len(sol.Times), sol.Stats.Rejected, sol.Stats.Wall.Round(time.Millisecond), em, ec, ecse)
		}
	}
}

// TestFlowMeasureCost measures the adaptive solve of the logistic gradient
// flow of issue 9 (α = 2, Δ = 0.5, ρ = 0.5, λ = 0.05, C0 = 1) against the
// uniform gd march to t = 40 at η = 0.1, at the same N.
//
//	go test ./dmft -run FlowMeasureCost -flowmeasure -v -timeout 2h
func TestFlowMeasureCost(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	n := 20000
	if testing.Short() {
		n = 4000
	}
	p := twoCluster(dynamics.GD, 40)
	p.Lambda = 0.05
	var ms runtime.MemStats
	sol, err := Solve(context.Background(), p, Settings{Samples: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	t.Logf("uniform gd η = 0.1 to t = 40, N = %d: %d steps, wall %v (W %v S %v R %v), heap sys %d MB", n, len(sol.Times), sol.Stats.Wall, sol.Stats.Weights, sol.Stats.Sampling, sol.Stats.Response, ms.HeapSys>>20)
	for _, T := range []float64{10, 100, 1000} {
		for _, tol := range []float64{1e-3} {
			p.T = T
			sol, err := Solve(context.Background(), p, Settings{Samples: n, Seed: 1, Grid: Adaptive{Tol: tol}})
			if err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&ms)
			k := len(sol.Times) - 1
			hs := []float64{}
			for _, i := range []int{1, k / 4, k / 2, 3 * k / 4, k} {
				hs = append(hs, sol.Times[i]-sol.Times[i-1])
			}
			t.Logf("adaptive Tol %g to t = %g: %d points (%d rejected), steps at 0, ¼, ½, ¾, end: %.3g; wall %v (W %v S %v R %v), heap sys %d MB; m(T) = %.5f ± %.1e, Ctt(T) = %.5f ± %.1e",
				tol, T, len(sol.Times), sol.Stats.Rejected, hs, sol.Stats.Wall, sol.Stats.Weights, sol.Stats.Sampling, sol.Stats.Response, ms.HeapSys>>20, sol.M[k], sol.MSE[k], sol.Ctt[k], sol.CttSE[k])
		}
	}
}
