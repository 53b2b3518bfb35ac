package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/loss"
	"gonum.org/v1/gonum/mat"
)

// dmftParams are the flags of sgdmft dmft: the model flags plus the solver's.
//
//	sgdmft dmft --algo psgd --b 0.3 --tau 1 --lambda 0.1 --T 20
//
// writes t, m, Ctt, C, R, MC, Gamma, mu, train_loss, train_err, test_err,
// test_loss (.npy, float64) with _se companions, and meta.json, into --out:
//
//	import numpy as np
//	t, m, m_se = (np.load(f"out/dmft/{k}.npy") for k in ("t", "m", "m_se"))
//	C = np.load("out/dmft/C.npy")  # C[k, l] at the recorded steps
type dmftParams struct {
	modelParams
	Samples         int     `json:"samples"`
	ResponseSamples int     `json:"response_samples"`
	Batches         int     `json:"batches"`
	Method          string  `json:"method"`
	Damping         float64 `json:"damping"`
	Iters           int     `json:"iters"`
	Tol             float64 `json:"tol"`
	Workers         int     `json:"workers"`
	Out             string  `json:"out"`
	Quiet           bool    `json:"quiet"`
}

func init() {
	register(command{"dmft", "dynamical mean-field theory (d = ∞) of the same dynamics", runDMFT})
}

func runDMFT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dmft", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p dmftParams
	p.register(fs)
	fs.IntVar(&p.Samples, "samples", 20000, "sample-process trajectories N (rounded up to even: antithetic pairs), >= 2")
	fs.IntVar(&p.ResponseSamples, "response-samples", 0, "trajectories entering the response kernel Γ (0: all), <= samples")
	fs.IntVar(&p.Batches, "batches", 10, "independent batches for the Monte-Carlo errors (_se files), >= 1")
	fs.StringVar(&p.Method, "method", "march", "solver: march (causal time-marching, one pass) or iterate (damped global iteration)")
	fs.Float64Var(&p.Damping, "damping", 0.4, "iterate: kernels <- (1-damping)·new + damping·old, in [0,1)")
	fs.IntVar(&p.Iters, "iters", 30, "iterate: maximum iterations, >= 1")
	fs.Float64Var(&p.Tol, "tol", 1e-3, "iterate: stop when the sup-norm change of m, C, Γ, M_C is below tol, > 0")
	fs.IntVar(&p.Workers, "workers", runtime.NumCPU(), "parallel workers (results do not depend on it)")
	fs.StringVar(&p.Out, "out", "out/dmft", "output directory (written atomically)")
	fs.BoolVar(&p.Quiet, "quiet", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: sgdmft dmft [flags]\n\nSolves the DMFT (d = ∞) of the dynamics simulate runs. Writes t.npy; m, Ctt,\nmu, train_loss, train_err, test_err, test_loss (.npy, with _se.npy standard\nerrors from independent batches); C, R, MC, Gamma (two-time matrices at the\nrecorded steps); and meta.json.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseWithConfig(fs, args, &p); err != nil {
		return err
	}
	prob, err := p.problem()
	if err != nil {
		return err
	}
	if !loss.IsSmooth(prob.Loss.Margin) {
		return usagef("--loss = %q: the DMFT needs L'', which has a δ for the hinge (use sqhinge, or simulate)", p.Loss)
	}
	switch {
	case p.Samples < 2:
		return usagef("--samples = %d: want samples >= 2", p.Samples)
	case p.ResponseSamples < 0 || p.ResponseSamples > p.Samples:
		return usagef("--response-samples = %d: want 0 (all) or 2 <= response-samples <= samples = %d", p.ResponseSamples, p.Samples)
	case p.ResponseSamples == 1:
		return usagef("--response-samples = 1: want 0 (all) or at least 2")
	case p.Batches < 1:
		return usagef("--batches = %d: want batches >= 1", p.Batches)
	case !(p.Damping >= 0 && p.Damping < 1):
		return usagef("--damping = %v: want 0 <= damping < 1", p.Damping)
	case p.Iters < 1:
		return usagef("--iters = %d: want iters >= 1", p.Iters)
	case !(p.Tol > 0) || !finite(p.Tol):
		return usagef("--tol = %v: want tol > 0", p.Tol)
	case p.Workers < 1:
		return usagef("--workers = %d: want workers >= 1", p.Workers)
	case p.Out == "":
		return usagef("--out: want a directory name")
	}
	var method dmft.Method
	switch p.Method {
	case "march":
		method = dmft.March{}
	case "iterate":
		method = dmft.Iterate{Mix: 1 - p.Damping, Iters: p.Iters, Tol: p.Tol}
	default:
		return usagef("--method = %q: want march or iterate", p.Method)
	}
	set := dmft.Settings{
		Samples: p.Samples, ResponseSamples: p.ResponseSamples, Batches: p.Batches,
		Method: method, Workers: p.Workers, Seed: p.Seed,
	}
	if err := set.Validate(); err != nil {
		return usageError{err}
	}
	bar := newProgress(stderr, "dmft", p.Quiet)
	set.Progress = bar.update
	start := time.Now()
	sol, err := dmft.Solve(ctx, prob, set)
	bar.done()
	converged := true
	if errors.Is(err, dmft.ErrNotConverged) {
		converged = false
		fmt.Fprintf(stderr, "sgdmft dmft: warning: %v (change %.3g > tol %g after %d iterations)\n", err, last(sol.Stats.Change), p.Tol, sol.Stats.Iterations)
	} else if err != nil {
		return err
	}
	wall := time.Since(start)

	k := prob.Steps()
	rec := dynamics.RecordSteps(k, p.Every)
	pick := func(v []float64) []float64 {
		out := make([]float64, len(rec))
		for i, s := range rec {
			out[i] = v[s]
		}
		return out
	}
	pick2 := func(m *mat.Dense) *mat.Dense {
		out := mat.NewDense(len(rec), len(rec), nil)
		for i, a := range rec {
			for j, b := range rec {
				out.Set(i, j, m.At(a, b))
			}
		}
		return out
	}

	dir, err := output.Create(p.Out)
	if err != nil {
		return err
	}
	defer dir.Abort()
	curves := []struct {
		name     string
		mean, se []float64
	}{
		{"m", sol.M, sol.MSE}, {"Ctt", sol.Ctt, sol.CttSE}, {"mu", sol.Mu, sol.MuSE},
		{"train_loss", sol.TrainLoss, sol.TrainLossSE}, {"train_err", sol.TrainErr, sol.TrainErrSE},
		{"test_err", sol.TestErr, sol.TestErrSE}, {"test_loss", sol.TestLoss, sol.TestLossSE},
	}
	errs := []error{dir.Vector("t", pick(sol.Times))}
	for _, c := range curves {
		errs = append(errs, dir.Vector(c.name, pick(c.mean)), dir.Vector(c.name+"_se", pick(c.se)))
	}
	for _, m := range []struct {
		name string
		m    *mat.Dense
	}{{"C", sol.C}, {"R", sol.R}, {"MC", sol.MC}, {"Gamma", sol.Gamma}} {
		errs = append(errs, dir.Matrix(m.name, pick2(m.m)))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	st := sol.Stats
	meta := struct {
		dmftParams
		Command     string    `json:"command"`
		Steps       int       `json:"steps"`
		Solver      string    `json:"solver"`
		UsedSamples int       `json:"samples_used"`
		UsedBatches int       `json:"batches_used"`
		Clamped     int       `json:"clamped_pivots"`
		Iterations  int       `json:"iterations,omitempty"`
		Change      []float64 `json:"change_per_iteration,omitempty"`
		Converged   bool      `json:"converged"`
		Version     string    `json:"version"`
		WallTime    float64   `json:"wall_time_s"`
		Timings     struct {
			Weights  float64 `json:"weights_s"`
			Sampling float64 `json:"sampling_s"`
			Response float64 `json:"response_s"`
		} `json:"cpu_time_per_phase"`
		Started string `json:"started"`
	}{
		dmftParams: p, Command: "dmft", Steps: k, Solver: st.Method, UsedSamples: st.Samples,
		UsedBatches: st.Batches, Clamped: st.Clamped, Iterations: st.Iterations, Change: st.Change,
		Converged: converged, Version: versionString(), WallTime: wall.Seconds(),
		Started: start.UTC().Format(time.RFC3339),
	}
	meta.Timings.Weights, meta.Timings.Sampling, meta.Timings.Response = st.Weights.Seconds(), st.Sampling.Seconds(), st.Response.Seconds()
	meta.Out = "" // a repeated run chooses its own --out
	if err := dir.JSON("meta.json", meta); err != nil {
		return err
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dmft: %s, N=%d in %d batches, steps=%d %s/%s in %.2fs -> %s\n",
		st.Method, st.Samples, st.Batches, k, p.Algo, p.Loss, wall.Seconds(), dir.Final())
	fmt.Fprintf(stdout, "t=%g: m=%.4f±%.4f train_loss=%.4f test_err=%.4f±%.4f\n",
		sol.Times[k], sol.M[k], sol.MSE[k], sol.TrainLoss[k], sol.TestErr[k], sol.TestErrSE[k])
	return nil
}

func last(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}
