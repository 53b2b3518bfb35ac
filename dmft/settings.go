package dmft

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
)

// Settings controls a DMFT solve. Zero values mean the documented defaults.
type Settings struct {
	// Samples is the number N of sample-process trajectories over all
	// batches; default 20000. It is rounded up to an even number (antithetic
	// pairs).
	Samples int
	// ResponseSamples is the number of trajectories whose response J enters
	// the memory kernel Γ; default (and maximum) Samples. The subset keeps
	// the cluster stratification and the antithetic pairs.
	ResponseSamples int
	// Batches is the number of independent solves the trajectories are split
	// into; the result is their mean and the Monte-Carlo standard error is
	// their standard deviation/√Batches. Default 10; it is lowered when a
	// batch would hold fewer than one antithetic pair per cluster.
	Batches int
	// Method is the solution method; default March{}.
	Method Method
	// Grid is the time grid; nil means Uniform{}, the discrete-time DMFT at
	// the problem's η. Adaptive{} solves the continuous-time limit
	// (gradient flow, full batch only) on a non-uniform grid, with March.
	Grid Grid
	// Workers is the number of batches solved in parallel; default
	// runtime.GOMAXPROCS(0). Results do not depend on it.
	Workers int
	// Seed is the master seed: batch b draws its trajectories from the
	// streams (Seed, b, ·).
	Seed uint64
	// ForceSampling makes the solver sample the square-loss, linear-output,
	// full-batch problem, which it otherwise solves exactly without sampling
	// (its responses are deterministic, D ≡ 1).
	ForceSampling bool
	// Perturb deliberately falsifies the equations, for the mutation tests
	// that show a validation rejects a wrong theory; its zero value is the
	// DMFT itself. A perturbed problem is always sampled.
	Perturb Perturb
	// Progress, if not nil, is called with the number of batch-steps done and
	// the total; it may be called from several goroutines. A resumed solve
	// starts from the batch-steps its checkpoint holds.
	Progress func(done, total int64)
	// Reached, if not nil, is called after each step of each batch with the
	// batch's index and the simulated time t_k of the step; it may be called
	// from several goroutines.
	Reached func(batch int, t float64)

	// CheckpointDir, if not empty, is a directory where March keeps a
	// checkpoint of each batch (the format is in checkpoint.go): written
	// every CheckpointEvery, when the batch completes, and at the step
	// boundary where ctx is cancelled. On the Adaptive grid the checkpoint
	// is of the whole solve (checkpoint_flow.go), written at an accepted
	// step every CheckpointEvery, when the solve completes, and at the
	// step boundary where ctx is cancelled. If the directory already holds a
	// checkpoint of the same problem and settings, Solve resumes from it,
	// and the result is bit-identical to that of an uninterrupted solve; a
	// checkpoint of another solve is an error (ErrCheckpointMismatch), as is
	// a corrupt or truncated batch file. Solve leaves the checkpoint in
	// place (RemoveCheckpoint removes it). Iterate does not checkpoint, nor
	// does the exact square-loss solve, which needs no batches.
	CheckpointDir string
	// CheckpointEvery is the wall time between the checkpoints of a batch
	// (of the solve, on the Adaptive grid); default 5 minutes. The solve
	// looks at the clock once per step.
	CheckpointEvery time.Duration
}

// Perturb scales terms of the DMFT equations (spec §4) by factors; a zero
// factor means 1, the true equations. It exists to build deliberately wrong
// theories: a test suite or a validation that cannot reject them cannot be
// trusted to accept the true one.
type Perturb struct {
	MC     float64 // factor on the noise kernel M_C
	Gamma  float64 // factor on the response kernel Γ of the weight process
	Memory float64 // factor on the memory term ηΔ Σ_j R[k,j] g_j of the sample process (and on ηΔ in its response J, which stays the response of the perturbed process)
}

func (q Perturb) withDefaults() Perturb {
	for _, f := range []*float64{&q.MC, &q.Gamma, &q.Memory} {
		if *f == 0 {
			*f = 1
		}
	}
	return q
}

const (
	defaultSamples = 20000
	defaultBatches = 10
)

func (s Settings) withDefaults() Settings {
	if s.Samples == 0 {
		s.Samples = defaultSamples
	}
	s.Samples += s.Samples & 1
	if s.ResponseSamples == 0 {
		s.ResponseSamples = s.Samples
	}
	if s.Batches == 0 {
		s.Batches = defaultBatches
	}
	if s.Method == nil {
		s.Method = March{}
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	return s
}

// Validate checks the settings after defaults, reporting the first bad
// field as a *dynamics.FieldError.
func (s Settings) Validate() error {
	raw := s
	s = s.withDefaults()
	bad := func(field string, v any, want string, with ...string) error {
		return &dynamics.FieldError{Pkg: "dmft", Field: field, Value: v, Want: want, With: with}
	}
	switch {
	case raw.Samples < 0:
		return bad("Samples", raw.Samples, "at least 1 (rounded up to an even number)")
	case s.ResponseSamples < 2 || s.ResponseSamples > s.Samples:
		return bad("ResponseSamples", s.ResponseSamples, fmt.Sprintf("between 2 and Samples = %d (0 means all)", s.Samples), "Samples")
	case s.Batches < 1:
		return bad("Batches", s.Batches, "at least 1")
	case s.Workers < 1:
		return bad("Workers", s.Workers, "at least 1")
	case s.CheckpointEvery < 0:
		return bad("CheckpointEvery", s.CheckpointEvery, "a duration >= 0 (0 means 5 minutes)")
	}
	if s.Grid != nil {
		if err := s.Grid.validate(); err != nil {
			return err
		}
		if _, ok := s.Grid.(Adaptive); ok {
			if _, ok := s.Method.(March); !ok {
				return bad("Method", s.Method.String(), "march with the adaptive grid", "Grid")
			}
		}
	}
	if _, ok := s.Method.(March); !ok && s.CheckpointDir != "" {
		return bad("CheckpointDir", s.CheckpointDir, fmt.Sprintf("empty with Method %v: only March checkpoints", s.Method), "Method")
	}
	return s.Method.validate()
}

// Method is a way of solving the DMFT equations on one batch of
// trajectories: March or Iterate.
type Method interface {
	// String returns the command-line name of the method.
	String() string
	validate() error
}

// March is causal time-marching (spec model-and-dmft.md §6): row k of every
// kernel depends only on rows < k, so one pass over time with a fixed set of
// trajectories solves the equations.
type March struct{}

// Iterate is the damped global iteration: all kernels are recomputed from
// fresh trajectories given the previous iterate's m, C and R, then mixed
// with the previous kernels, kernels ← Mix·new + (1 − Mix)·old.
type Iterate struct {
	Mix   float64 // weight of the new kernels in (0, 1]; default 0.6
	Iters int     // maximum number of iterations; default 30
	// Tol stops the iteration when the sup-norm change of m, C, Γ and M_C
	// falls below it; default 1e-3. The change cannot fall much below the
	// Monte-Carlo noise of one iteration.
	Tol float64
}

var (
	_ Method = March{}
	_ Method = Iterate{}
)

func (March) String() string   { return "march" }
func (Iterate) String() string { return "iterate" }

func (March) validate() error { return nil }

func (it Iterate) withDefaults() Iterate {
	if it.Mix == 0 {
		it.Mix = 0.6
	}
	if it.Iters == 0 {
		it.Iters = 30
	}
	if it.Tol == 0 {
		it.Tol = 1e-3
	}
	return it
}

func (it Iterate) validate() error {
	it = it.withDefaults()
	bad := func(field string, v any, want string) error {
		return &dynamics.FieldError{Pkg: "dmft", Field: "Iterate." + field, Value: v, Want: want}
	}
	switch {
	case !(it.Mix > 0 && it.Mix <= 1):
		return bad("Mix", it.Mix, "0 < Mix <= 1")
	case it.Iters < 1:
		return bad("Iters", it.Iters, "at least 1")
	case !(it.Tol > 0) || math.IsInf(it.Tol, 0):
		return bad("Tol", it.Tol, "a finite value > 0")
	}
	return nil
}

// ParseMethod returns the method with command-line name march or iterate
// (with default iteration settings).
func ParseMethod(name string) (Method, error) {
	switch name {
	case "march", "":
		return March{}, nil
	case "iterate":
		return Iterate{}, nil
	}
	return nil, fmt.Errorf("dmft: unknown method %q (allowed: march, iterate)", name)
}
