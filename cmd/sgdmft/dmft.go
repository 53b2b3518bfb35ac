package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

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
	Samples, ResponseSamples, Batches int
	Method                            string
	Damping                           float64
	Iters                             int
	Tol                               float64
	Workers                           int
	Out                               string
	Quiet                             bool
}

func init() {
	register(command{"dmft", "dynamical mean-field theory (d = ∞) of the same dynamics", runDMFT})
	flagSets["dmft"] = func() *cmdFlags { f, _ := dmftFlags(io.Discard); return f }
}

func dmftFlags(stderr io.Writer) (*cmdFlags, *dmftParams) {
	f := newCmdFlags("dmft", `usage: sgdmft dmft [flags]

Solves the DMFT (d = ∞) of the dynamics simulate runs. Writes t.npy; m, Ctt,
mu, train_loss, train_err, test_err, test_loss (.npy, with _se.npy standard
errors from independent batches); C, R, MC, Gamma (two-time matrices at the
recorded steps); and meta.json.
`, stderr)
	p := new(dmftParams)
	p.attach(f)
	f.section("solver")
	f.IntVar(&p.Samples, "samples", 20000, "sample-process trajectories N, >= 1 (rounded up to even: antithetic pairs)")
	f.IntVar(&p.ResponseSamples, "response-samples", 0, "trajectories entering the response kernel Γ, 2 <= response-samples <= samples (0: all)")
	f.IntVar(&p.Batches, "batches", 10, "independent batches for the Monte-Carlo errors (_se files), >= 1")
	f.StringVar(&p.Method, "method", "march", "solver: march (causal time-marching, one pass) or iterate (damped global iteration)")
	f.Float64Var(&p.Damping, "damping", 0.4, "--method iterate: kernels <- (1−damping)·new + damping·old, in [0, 1)")
	f.IntVar(&p.Iters, "iters", 30, "--method iterate: maximum iterations, >= 1")
	f.Float64Var(&p.Tol, "tol", 1e-3, "--method iterate: stop when the sup-norm change of m, C, Γ, M_C is below tol, > 0")
	f.IntVar(&p.Workers, "workers", runtime.NumCPU(), "parallel workers, >= 1 (results do not depend on it)")
	f.section("output")
	f.StringVar(&p.Out, "out", "out/dmft", "output directory (written atomically)")
	f.BoolVar(&p.Quiet, "quiet", false, "no progress bar")
	f.configFlag()
	return f, p
}

// dmftSolve is a validated dmft command line.
type dmftSolve struct {
	f    *cmdFlags
	p    *dmftParams
	prob dynamics.Problem
	set  dmft.Settings
}

// parseDMFT parses and validates a dmft command line; it does no work.
func parseDMFT(args []string, stderr io.Writer) (*dmftSolve, error) {
	f, p := dmftFlags(stderr)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	prob, err := p.problem(f)
	if err != nil {
		return nil, err
	}
	if !loss.IsSmooth(prob.Loss.Margin) {
		return nil, f.flagError("loss", errors.New("the DMFT needs ℓ'' without a δ part (use sqhinge, or simulate)"))
	}
	if err := dynamics.ValidateEvery(p.Every); err != nil {
		return nil, f.fieldError(err, nil)
	}
	method, err := dmft.ParseMethod(p.Method)
	if err != nil {
		return nil, f.flagError("method", err)
	}
	it, iterate := method.(dmft.Iterate)
	for _, name := range []string{"damping", "iters", "tol"} {
		if err := f.only(name, iterate, "to --method "+p.Method+" (only iterate uses it)"); err != nil {
			return nil, err
		}
	}
	if iterate {
		it.Mix, it.Iters, it.Tol = explicit(1-p.Damping), explicit(p.Iters), explicit(p.Tol)
		method = it
	}
	if p.Out == "" {
		return nil, usagef("--out: want a directory name")
	}
	set := dmft.Settings{
		Samples: explicit(p.Samples), ResponseSamples: p.ResponseSamples, Batches: explicit(p.Batches),
		Method: method, Workers: explicit(p.Workers), Seed: p.Seed,
	}
	if err := set.Validate(); err != nil {
		return nil, f.fieldError(err, nil)
	}
	return &dmftSolve{f, p, prob, set}, nil
}

func runDMFT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s, err := parseDMFT(args, stderr)
	if err != nil {
		return err
	}
	p, prob := s.p, s.prob
	meta := s.f.record(args)
	bar := newProgress(stderr, "dmft", p.Quiet)
	s.set.Progress = bar.update
	sol, err := dmft.Solve(ctx, prob, s.set)
	bar.done()
	converged := true
	if errors.Is(err, dmft.ErrNotConverged) {
		converged = false
		fmt.Fprintf(stderr, "sgdmft dmft: warning: %v (change %.3g > tol %g after %d iterations)\n", err, last(sol.Stats.Change), p.Tol, sol.Stats.Iterations)
	} else if err != nil {
		return s.f.runError(err)
	}

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
	st := sol.Stats
	result := map[string]any{
		"steps": k, "solver": st.Method, "samples_used": st.Samples, "batches_used": st.Batches,
		"clamped_pivots": st.Clamped, "converged": converged,
		"cpu_time_per_phase": map[string]float64{
			"weights_s": st.Weights.Seconds(), "sampling_s": st.Sampling.Seconds(), "response_s": st.Response.Seconds(),
		},
	}
	if st.Iterations > 0 {
		result["iterations"], result["change_per_iteration"] = st.Iterations, st.Change
	}
	meta.Result = result
	err = output.Write(p.Out, meta, func(dir *output.Dir) error {
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
		return errors.Join(errs...)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dmft: %s, N=%d in %d batches, steps=%d %s/%s in %.2fs -> %s\n",
		st.Method, st.Samples, st.Batches, k, p.Algo, p.Loss, meta.WallTime, p.Out)
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
