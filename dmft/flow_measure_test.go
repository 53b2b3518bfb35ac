package dmft

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/theory"
)

var (
	flowMeasure   = flag.Bool("flowmeasure", false, "run TestFlowMeasure*, the measurements behind the adaptive grid's allowances and its cost (minutes)")
	flowCase      = flag.String("flowcase", "adaptive,100,1e-2,20000", "TestFlowMeasureCost: grid (uniform or adaptive; -sgf appended: SGF with b = 0.3, τ = 1), T, η or Tol, N[, ResponseSamples, Theta (0: keep all), MaxStep]")
	flowCkpt      = flag.String("flowckpt", "", "TestFlowMeasureCost, adaptive: checkpoint into this directory (any checkpoint there is removed first), then time a read and a write of the final checkpoint")
	flowCkptEvery = flag.Duration("flowckptevery", 0, "TestFlowMeasureCost with -flowckpt: Settings.CheckpointEvery (0: 5 minutes)")
)

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
	for _, T := range []float64{20} {
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

// TestFlowMeasureCost measures one solve of the logistic gradient flow of
// issue 9 (α = 2, Δ = 0.5, ρ = 0.5, λ = 0.05, C0 = 1): the uniform gd
// march (grid uniform, η = Tol field) or the adaptive solve, given as
// -flowcase grid,T,tol-or-eta,N; peak memory from /usr/bin/time -v:
//
//	go test -c -o /tmp/dmft.test ./dmft
//	/usr/bin/time -v /tmp/dmft.test -test.run FlowMeasureCost -flowmeasure -flowcase uniform,40,0.1,20000 -test.v
//	/usr/bin/time -v /tmp/dmft.test -test.run FlowMeasureCost -flowmeasure -flowcase adaptive,100,1e-2,20000 -test.v
func TestFlowMeasureCost(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	var grid string
	var T, x float64
	var n, resp int
	theta, maxStep := -1.0, 0.0
	if k, err := fmt.Sscanf(strings.ReplaceAll(*flowCase, ",", " "), "%s %g %g %d %d %g %g", &grid, &T, &x, &n, &resp, &theta, &maxStep); k < 4 {
		t.Fatalf("-flowcase %q: %v", *flowCase, err)
	}
	p := flowLogistic(T)
	if g, ok := strings.CutSuffix(grid, "-sgf"); ok {
		grid = g
		p.Algo, p.B, p.Tau = dynamics.SGF, 0.3, 1
	}
	set := Settings{Samples: n, ResponseSamples: resp, Seed: 1}
	if grid == "uniform" {
		p.Eta = x
	} else {
		ad := Adaptive{Tol: x, MaxStep: maxStep}
		switch {
		case theta == 0:
			ad.KeepAll = true
		case theta > 0:
			ad.Theta = theta
		}
		set.Grid = ad
	}
	if *flowCkpt != "" && grid != "uniform" {
		if err := RemoveCheckpoint(*flowCkpt); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		set.CheckpointDir, set.CheckpointEvery = *flowCkpt, *flowCkptEvery
	}
	sol, err := Solve(context.Background(), p, set)
	if err != nil {
		t.Fatal(err)
	}
	if set.CheckpointDir != "" {
		measureFlowCheckpoint(t, p, set, sol)
	}
	k := len(sol.Times) - 1
	var hs []float64
	for _, i := range []int{1, k / 4, k / 2, 3 * k / 4, k} {
		hs = append(hs, sol.Times[i]-sol.Times[i-1])
	}
	t.Logf("%s: %d points (%d rejected, %d history nodes at T), steps at 0, ¼, ½, ¾, end: %.3g; max QuadErr %.2g; wall %v (W %v S %v R %v); m(T) = %.5f ± %.1e, Ctt(T) = %.5f ± %.1e, train loss %.5f, test error %.5f",
		*flowCase, len(sol.Times), sol.Stats.Rejected, len(sol.TwoTimes), hs, maxOf(sol.Stats.QuadErr), sol.Stats.Wall, sol.Stats.Weights, sol.Stats.Sampling, sol.Stats.Response, sol.M[k], sol.MSE[k], sol.Ctt[k], sol.CttSE[k], sol.TrainLoss[k], sol.TestErr[k])
}

// measureFlowCheckpoint logs the size of the final checkpoint of the
// adaptive solve sol and the wall time of reading it into new batches and
// of writing it again (the file is synced: it includes the disk).
func measureFlowCheckpoint(t *testing.T, p dynamics.Problem, set Settings, sol *Solution) {
	t.Helper()
	fi, err := os.Stat(filepath.Join(set.CheckpointDir, flowFile))
	if err != nil {
		t.Fatal(err)
	}
	set = set.withDefaults()
	bs, err := newFlowBatches(p, set)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := openCheckpointGrid(set.CheckpointDir, set.CheckpointEvery, flowDescription(p, set, set.Grid.(Adaptive), len(bs)), 0, len(bs), "adaptive")
	if err != nil {
		t.Fatal(err)
	}
	var st flowState
	t0 := time.Now()
	if ok, err := ck.restoreFlow(&st, bs); !ok || err != nil {
		t.Fatalf("reading the final checkpoint: %v (found: %v)", err, ok)
	}
	read := time.Since(t0)
	t0 = time.Now()
	if err := ck.saveFlow(&st, bs); err != nil {
		t.Fatal(err)
	}
	write := time.Since(t0)
	t.Logf("checkpoint: %d bytes (%.1f MB) at %d history nodes, %d grid points; write %v, read %v; the solve took %v (its checkpoints included)",
		fi.Size(), float64(fi.Size())/1e6, len(bs[0].t), len(st.grid), write.Round(time.Millisecond), read.Round(time.Millisecond), sol.Stats.Wall.Round(time.Millisecond))
}
