package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
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
//	sgdmft dmft --grid adaptive --lambda 0.05 --T 1000   # gradient flow on a non-uniform grid
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
	Grid                              string
	GridTol, GridMaxStep, GridTheta   float64
	Workers                           int
	Out                               string
	Quiet, ForceSampling              bool
	Checkpoint, Resume                string
	CheckpointEvery                   time.Duration
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

--grid uniform (the default) solves the discrete-time dynamics at the
learning rate --eta, at t = kη. --grid adaptive solves its η → 0 limit,
gradient flow (--algo gd) or stochastic gradient flow (--algo sgf; --eta
does not apply), on a non-uniform grid
whose steps are set by the local error tolerance --grid-tol: t.npy holds the
grid and the curves are on it; C, R, MC, Gamma are on the pruned history
of the grid, whose times are t2.npy; meta.json records the grid, the
rejected steps, each step's error estimate (held to --grid-tol) and each
step's estimated quadrature error of the memory integrals (set by the
history's spacing --grid-theta and by --grid-max-step, not by --grid-tol;
printed at the end), and of the training loss from the trajectories' own
memory terms.

A long solve on the uniform grid can be checkpointed: with --checkpoint DIR
each batch is saved every --checkpoint-every and when the run is
interrupted (Ctrl-C), and
  sgdmft dmft --resume DIR
continues it with the flags it was started with; the outputs are bit for bit
those of an uninterrupted run. The checkpoint is removed once the outputs
are written.
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
	f.BoolVar(&p.ForceSampling, "force-sampling", false, "sample the square loss with linear output and full batch too, instead of its exact (deterministic) solve: a Monte-Carlo check of it")
	f.section("time grid")
	f.StringVar(&p.Grid, "grid", "uniform", "uniform (discrete time at --eta) or adaptive (η → 0: gradient flow for --algo gd, SGF for --algo sgf)")
	f.Float64Var(&p.GridTol, "grid-tol", defaultGridTol, "--grid adaptive: local error tolerance per step (the largest predictor–corrector difference of m, C(t,t), R(t,·), relative to max(1, |value|)), > 0")
	f.Float64Var(&p.GridMaxStep, "grid-max-step", defaultGridMaxStep, "--grid adaptive: the largest step, > 0 (it also bounds the quadrature error of the memory integrals near the diagonal)")
	f.Float64Var(&p.GridTheta, "grid-theta", defaultGridTheta, "--grid adaptive: the relative spacing θ of the pruned history, in (0, 1]: a past node goes when the gap it leaves is at most θ times its distance from now and from 0; the quadrature error of the memory integrals it leaves is estimated (meta.json max_quad_err) and falls like θ²")
	f.section("checkpoints")
	f.StringVar(&p.Checkpoint, "checkpoint", "", "--method march or --grid adaptive: keep a checkpoint of the solve in this directory (one without a checkpoint), written every --checkpoint-every and on Ctrl-C; removed once the outputs are written")
	f.FlagSet.DurationVar(&p.CheckpointEvery, "checkpoint-every", 5*time.Minute, "wall time between checkpoints of a batch (with --checkpoint or --resume), > 0, e.g. 30s, 10m")
	f.items = append(f.items, "checkpoint-every")
	f.StringVar(&p.Resume, "resume", "", "continue the interrupted run checkpointed in this directory, with its flags; other flags may be given only with their recorded values, except --out, --quiet, --workers and --checkpoint-every")
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
	rec  *dmftRecord // the record of a resumed run
}

// parseDMFT parses and validates a dmft command line; it does no work.
func parseDMFT(args []string, stderr io.Writer) (*dmftSolve, error) {
	f, p := dmftFlags(stderr)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	var rec *dmftRecord
	if p.Resume != "" {
		var err error
		if f, p, rec, err = parseResume(args, f, p, stderr); err != nil {
			return nil, err
		}
	}
	grid, err := p.grid(f)
	if err != nil {
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
	if err := f.only("checkpoint-every", p.Checkpoint != "", "without --checkpoint or --resume"); err != nil {
		return nil, err
	}
	if p.Checkpoint != "" {
		if err := checkCheckpointDir(p, rec != nil); err != nil {
			return nil, err
		}
	}
	// Where and how often to checkpoint, like where to write, is not part
	// of what is computed: not recorded in meta.json.
	for _, name := range []string{"checkpoint", "checkpoint-every", "resume"} {
		f.omit[name] = true
	}
	every := p.CheckpointEvery
	if every == 0 {
		every = -1 // a value given, not the library's default (as explicit does)
	}
	set := dmft.Settings{
		Samples: explicit(p.Samples), ResponseSamples: p.ResponseSamples, Batches: explicit(p.Batches),
		Method: method, Grid: grid, Workers: explicit(p.Workers), Seed: p.Seed,
		CheckpointDir: p.Checkpoint, CheckpointEvery: every, ForceSampling: p.ForceSampling,
	}
	if err := set.Validate(); err != nil {
		return nil, f.fieldError(err, checkpointFields)
	}
	return &dmftSolve{f, p, prob, set, rec}, nil
}

// checkpointFields are the flags of the checkpoint and grid settings.
var checkpointFields = map[string]fieldFlag{
	"CheckpointDir":    {"checkpoint", "no --checkpoint: only --method march checkpoints"},
	"CheckpointEvery":  {"checkpoint-every", "a duration > 0"},
	"Method":           {flag: "method"},
	"Grid":             {flag: "grid"},
	"Adaptive.Tol":     {"grid-tol", "a finite value > 0"},
	"Adaptive.MaxStep": {"grid-max-step", "a finite value > 0"},
	"Adaptive.Theta":   {"grid-theta", "a value in (0, 1]"},
}

// The defaults of --grid-tol, --grid-max-step and --grid-theta: those of dmft.Adaptive
// (its zero values), stated here so that the help and the record show
// them; TestDMFTGridDefaults checks that they are the library's.
const (
	defaultGridTol     = 1e-4
	defaultGridMaxStep = 1.0
	defaultGridTheta   = 0.1
)

// grid returns the time grid of --grid, and decides which flags apply:
// --grid-tol and --grid-max-step only to the adaptive grid; --eta not to
// it (gradient flow has no learning rate). For the adaptive grid
// --eta is set to --T, one "step", so that the problem's checks of the
// time window (round(T/η) >= 1) are those of T alone.
func (p *dmftParams) grid(f *cmdFlags) (dmft.Grid, error) {
	var adaptive bool
	switch p.Grid {
	case "uniform":
	case "adaptive":
		adaptive = true
	default:
		return nil, f.flagError("grid", errors.New("want uniform or adaptive"))
	}
	for _, name := range []string{"grid-tol", "grid-max-step", "grid-theta"} {
		if err := f.only(name, adaptive, "to --grid uniform (only --grid adaptive uses it)"); err != nil {
			return nil, err
		}
	}
	if !adaptive {
		return dmft.Uniform{}, nil
	}
	// Before the problem's checks, which would judge psgd's τ against the
	// η set below.
	if algo, err := dynamics.ParseAlgorithm(p.Algo); err == nil && algo != dynamics.GD && algo != dynamics.SGF {
		return nil, usagef("%s with %s: want --algo gd or sgf (the adaptive grid solves gradient flow and stochastic gradient flow, the η → 0 limits of GD and SGD with telegraph selection)", f.show("grid"), f.show("algo"))
	}
	if err := f.only("eta", false, "to --grid adaptive (it solves gradient flow, η → 0; --grid-tol sets its steps)"); err != nil {
		return nil, err
	}
	if p.T > 0 && !math.IsInf(p.T, 0) {
		p.Eta = p.T
	}
	return dmft.Adaptive{Tol: explicit(p.GridTol), MaxStep: explicit(p.GridMaxStep), Theta: explicit(p.GridTheta)}, nil
}

// dmftRecordFile is the command's record in a checkpoint directory, beside
// the library's files: the run's meta.json record (its params are the flags
// of the solve, read back as by --config) and the flags that say where to
// write.
const dmftRecordFile = "sgdmft-dmft.json"

type dmftRecord struct {
	*output.Meta
	Out             string `json:"out"`
	CheckpointEvery string `json:"checkpoint_every"`
}

// parseResume parses a --resume command line: the run's flags come from
// the record in the checkpoint directory. A flag given on the command line
// must have its recorded value, except those that say where and how to
// write (--out, --quiet, --workers, --checkpoint-every; --checkpoint may
// name the same directory); --config cannot be given. --out and
// --checkpoint-every default to the recorded ones.
func parseResume(args []string, f *cmdFlags, p *dmftParams, stderr io.Writer) (*cmdFlags, *dmftParams, *dmftRecord, error) {
	dir := p.Resume
	file := filepath.Join(dir, dmftRecordFile)
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, nil, usagef("--resume %s: no checkpoint of sgdmft dmft there (%v)", dir, err)
	}
	rec := &dmftRecord{Meta: new(output.Meta)}
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, nil, nil, usagef("--resume %s: %s: %v", dir, file, err)
	}
	if _, ok := f.given["config"]; ok {
		return nil, nil, nil, usagef("--config cannot be given with --resume: the run's flags come from its checkpoint (%s)", file)
	}
	if _, ok := f.given["checkpoint"]; ok && filepath.Clean(p.Checkpoint) != filepath.Clean(dir) {
		return nil, nil, nil, usagef("--checkpoint %s with --resume %s: a resumed run keeps its checkpoint where it is", p.Checkpoint, dir)
	}
	recorded, _ := dmftFlags(io.Discard)
	if err := recorded.parse([]string{"--config", file}); err != nil {
		return nil, nil, nil, usagef("--resume %s: %v", dir, err)
	}
	names := make([]string, 0, len(f.given))
	for name := range f.given {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		switch name {
		case "resume", "checkpoint", "out", "quiet", "workers", "checkpoint-every":
			continue
		}
		if _, ok := recorded.given[name]; !ok {
			continue // not a flag of the recorded run: reported as not applying
		}
		if f.Lookup(name).Value.String() != recorded.Lookup(name).Value.String() {
			return nil, nil, nil, usagef("%s, but the checkpointed run has %s (%s): a resumed run keeps its flags; drop it, or start a new run", f.show(name), recorded.show(name), file)
		}
	}
	f, p = dmftFlags(stderr)
	if err := f.parse(append(args[:len(args):len(args)], "--config", file)); err != nil {
		return nil, nil, nil, err
	}
	if _, ok := f.given["out"]; !ok && rec.Out != "" {
		p.Out = rec.Out
	}
	if _, ok := f.given["checkpoint-every"]; !ok && rec.CheckpointEvery != "" {
		if p.CheckpointEvery, err = time.ParseDuration(rec.CheckpointEvery); err != nil {
			return nil, nil, nil, usagef("--resume %s: %s: checkpoint_every: %v", dir, file, err)
		}
	}
	p.Checkpoint = dir
	return f, p, rec, nil
}

// checkCheckpointDir checks --checkpoint: a new run needs a directory
// without a checkpoint, and none may hold the other (--out is replaced
// whole when written).
func checkCheckpointDir(p *dmftParams, resume bool) error {
	ck, err1 := filepath.Abs(p.Checkpoint)
	out, err2 := filepath.Abs(p.Out)
	if err := errors.Join(err1, err2); err != nil {
		return usagef("--checkpoint: %v", err)
	}
	within := func(a, b string) bool { return a == b || strings.HasPrefix(a, b+string(filepath.Separator)) }
	if within(ck, out) || within(out, ck) {
		return usagef("--checkpoint %s and --out %s: want separate directories (--out is replaced when written)", p.Checkpoint, p.Out)
	}
	if resume {
		return nil
	}
	_, errRec := os.Stat(filepath.Join(p.Checkpoint, dmftRecordFile))
	_, errLib := dmft.ReadCheckpoint(p.Checkpoint)
	if errRec == nil || errLib == nil {
		return usagef("--checkpoint %s holds the checkpoint of an earlier run: continue it with --resume %s, or remove it", p.Checkpoint, p.Checkpoint)
	}
	return nil
}

// writeRecord writes the run's record into the checkpoint directory,
// through a temporary file renamed into place.
func writeRecord(dir string, rec *dmftRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, dmftRecordFile+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, dmftRecordFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// resumeNote describes what a checkpoint holds, for the resumed run.
func resumeNote(dir string, eta, T float64) string {
	info, err := dmft.ReadCheckpoint(dir)
	if err != nil {
		return "resuming " + dir + ": no batch saved yet, starting at t = 0"
	}
	if info.Grid == "adaptive" {
		return fmt.Sprintf("resuming %s: t = %.6g of %.6g after %d accepted steps", dir, info.Time, T, info.Accepted)
	}
	k1 := info.Steps + 1
	complete := 0
	var at []string
	for _, d := range info.Done {
		switch {
		case d == k1:
			complete++
		case d > 0:
			at = append(at, fmt.Sprintf("%.6g", float64(d)*eta))
		}
	}
	note := fmt.Sprintf("resuming %s: %d of %d batches complete", dir, complete, info.Batches)
	if len(at) > 0 {
		note += fmt.Sprintf(", %d at t = %s of %.6g", len(at), strings.Join(at, ", "), float64(info.Steps)*eta)
	}
	return note
}

func runDMFT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s, err := parseDMFT(args, stderr)
	if err != nil {
		return err
	}
	p, prob := s.p, s.prob
	meta := s.f.record(args)
	switch {
	case s.rec != nil:
		if v := versionString(); s.rec.Version != v {
			fmt.Fprintf(stderr, "sgdmft dmft: warning: the checkpoint was written by sgdmft %s, this is %s: the outputs may differ from an uninterrupted run's\n", s.rec.Version, v)
		}
		fmt.Fprintf(stderr, "sgdmft dmft: %s\n", resumeNote(p.Checkpoint, prob.Eta, prob.T))
	case p.Checkpoint != "":
		rec := &dmftRecord{Meta: meta, Out: p.Out, CheckpointEvery: p.CheckpointEvery.String()}
		if err := writeRecord(p.Checkpoint, rec); err != nil {
			return fmt.Errorf("--checkpoint: %v", err)
		}
	}
	bar := newProgress(stderr, "dmft", p.Quiet)
	_, adaptive := s.set.Grid.(dmft.Adaptive)
	if adaptive {
		bar.simTime(prob.T) // Progress counts thousandths of T
	} else {
		bar.simTime(float64(prob.Steps()) * prob.Eta)
	}
	s.set.Progress = bar.update
	s.set.Reached = bar.reached
	sol, err := dmft.Solve(ctx, prob, s.set)
	bar.done()
	converged := true
	switch {
	case errors.Is(err, dmft.ErrNotConverged):
		converged = false
		fmt.Fprintf(stderr, "sgdmft dmft: warning: %v (change %.3g > tol %g after %d iterations)\n", err, last(sol.Stats.Change), p.Tol, sol.Stats.Iterations)
	case errors.Is(err, context.Canceled) && p.Checkpoint != "":
		return fmt.Errorf("interrupted; the solve is checkpointed in %s: continue it with\n\tsgdmft dmft --resume %s\n(%w)", p.Checkpoint, p.Checkpoint, err)
	case errors.Is(err, dmft.ErrCheckpointMismatch):
		return usageError{err}
	case err != nil:
		return s.f.runError(err)
	}

	k := len(sol.Times) - 1 // prob.Steps() on the uniform grid
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
	if s.rec != nil {
		result["resumed_from"], result["resumed_batch_steps"] = p.Checkpoint, st.Resumed
	}
	result["grid"] = s.set.Grid.String()
	if adaptive {
		maxErr, maxQuad := 0.0, 0.0
		for _, e := range st.StepErr {
			maxErr = math.Max(maxErr, e)
		}
		for _, e := range st.QuadErr {
			maxQuad = math.Max(maxQuad, e)
		}
		result["grid_points"], result["recorded_points"] = len(sol.Times), len(rec)
		result["history_points"] = len(sol.TwoTimes) // the times t2 of C, R, MC, Gamma
		result["grid_tol"], result["grid_max_step"], result["grid_theta"] = p.GridTol, p.GridMaxStep, p.GridTheta
		result["rejected_steps"], result["max_step_err"] = st.Rejected, maxErr
		result["step_err"] = st.StepErr // of the step from t[k] to t[k+1] of the whole grid
		// The quadrature error estimate of the memory integrals at t[k+1]
		// (dmft/flow_quad.go), which step_err does not see.
		result["quad_err"], result["max_quad_err"] = st.QuadErr, maxQuad
		maxLoss := 0.0
		for _, e := range st.QuadErrLoss {
			maxLoss = math.Max(maxLoss, math.Abs(e))
		}
		// The training loss's error from the trajectories' own memory
		// terms, relative to it (which quad_err does not see).
		result["quad_err_loss"], result["max_quad_err_loss"] = st.QuadErrLoss, maxLoss
		if prob.Algo == dynamics.GD {
			// A gradient flow cannot raise its objective α⟨L⟩ + λC/2; the
			// largest rise of a batch's (dmft/flow_rise.go).
			result["max_objective_rise"] = st.Rise
		}
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
		two := pick2
		if sol.TwoTimes != nil {
			// The adaptive grid keeps the two-time quantities on its pruned
			// history, the times t2: written whole.
			two = func(m *mat.Dense) *mat.Dense { return m }
			errs = append(errs, dir.Vector("t2", sol.TwoTimes))
		}
		for _, m := range []struct {
			name string
			m    *mat.Dense
		}{{"C", sol.C}, {"R", sol.R}, {"MC", sol.MC}, {"Gamma", sol.Gamma}} {
			errs = append(errs, dir.Matrix(m.name, two(m.m)))
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return err
	}
	if p.Checkpoint != "" {
		// The outputs hold the solution: the checkpoint is spent.
		err := errors.Join(os.Remove(filepath.Join(p.Checkpoint, dmftRecordFile)), dmft.RemoveCheckpoint(p.Checkpoint))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "sgdmft dmft: warning: removing the checkpoint: %v\n", err)
		}
	}
	grid := ""
	if adaptive {
		grid = fmt.Sprintf(" (adaptive grid, tol %g, %d rejected)", p.GridTol, st.Rejected)
	}
	defer func() {
		if !adaptive {
			return
		}
		// The step control holds each step's error to --grid-tol; the
		// quadrature of the memory integrals on the pruned history is set
		// by --grid-theta instead, and is only estimated: say so when the
		// estimate is the larger.
		q := 0.0
		for _, e := range st.QuadErr {
			q = math.Max(q, e)
		}
		note := ""
		if q > p.GridTol {
			note = fmt.Sprintf(", above --grid-tol %g: lower --grid-theta (error ∝ θ²) or --grid-max-step", p.GridTol)
		}
		ql := 0.0
		for _, e := range st.QuadErrLoss {
			ql = math.Max(ql, math.Abs(e))
		}
		fmt.Fprintf(stdout, "quadrature error estimate of the memory integrals: up to %.1e (relative)%s; of the training loss from the trajectories' memory terms: up to %.1e\n", q, note, ql)
	}()
	fmt.Fprintf(stdout, "dmft: %s, N=%d in %d batches, steps=%d%s %s/%s in %.2fs -> %s\n",
		st.Method, st.Samples, st.Batches, k, grid, p.Algo, p.Loss, meta.WallTime, p.Out)
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
