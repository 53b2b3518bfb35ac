package dmft

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
)

// flowCheckpointCases are small adaptive solves long enough that the
// history is pruned (its white noise rotated) and steps are rejected:
// gradient flow with a time the grid must hit, and SGF (the selection
// stream and its pending uniforms).
func flowCheckpointCases() []struct {
	name string
	p    dynamics.Problem
	set  Settings
} {
	sgf := twoCluster(dynamics.SGF, 30)
	sgf.Lambda = 0.05
	return []struct {
		name string
		p    dynamics.Problem
		set  Settings
	}{
		{"gd", flowLogistic(30), Settings{Samples: 400, Batches: 4, ResponseSamples: 200, Seed: 3, Grid: Adaptive{Tol: 1e-3, Initial: 0.5, MaxStep: 0.5, Times: []float64{7.5, 20}}}},
		{"sgf", sgf, Settings{Samples: 400, Batches: 4, ResponseSamples: 200, Seed: 4, Grid: Adaptive{Tol: 1e-2}}},
	}
}

// sameFlowBits is sameBits with what the adaptive solve adds: the times of
// the two-time quantities, the step and quadrature error estimates and the
// rejected steps.
func sameFlowBits(t *testing.T, name string, got, want *Solution) {
	t.Helper()
	sameBits(t, name, got, want)
	for _, c := range []struct {
		label string
		a, b  []float64
	}{{"TwoTimes", got.TwoTimes, want.TwoTimes}, {"StepErr", got.Stats.StepErr, want.Stats.StepErr}, {"QuadErr", got.Stats.QuadErr, want.Stats.QuadErr}, {"QuadErrLoss", got.Stats.QuadErrLoss, want.Stats.QuadErrLoss}} {
		if len(c.a) != len(c.b) {
			t.Fatalf("%s: %s has %d entries, want %d", name, c.label, len(c.a), len(c.b))
		}
		for i := range c.a {
			if math.Float64bits(c.a[i]) != math.Float64bits(c.b[i]) {
				t.Fatalf("%s: %s[%d] = %v, want %v bit for bit", name, c.label, i, c.a[i], c.b[i])
			}
		}
	}
	if got.Stats.Rejected != want.Stats.Rejected {
		t.Fatalf("%s: %d rejected steps, want %d", name, got.Stats.Rejected, want.Stats.Rejected)
	}
}

// afterReject is a context cancelled at the first step boundary that
// follows a rejected step: the flow asks Err once per boundary, and a
// boundary at which no batch has reached a new time since the last one
// follows a rejection.
type afterReject struct {
	context.Context
	reached *int
	calls   int
	last    int
	fired   bool
}

func (c *afterReject) Err() error {
	c.calls++
	if c.calls > 1 && *c.reached == c.last {
		c.fired = true
	}
	c.last = *c.reached
	if c.fired {
		return context.Canceled
	}
	return nil
}

// interruptFlow solves with set, cancelling the context once batch 0 has
// reached time stop; the solve must stop with context.Canceled.
func interruptFlow(t *testing.T, p dynamics.Problem, set Settings, stop float64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	set.Reached = func(b int, t float64) {
		if b == 0 && t >= stop {
			cancel()
		}
	}
	if _, err := Solve(ctx, p, set); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted solve: error %v, want context.Canceled", err)
	}
}

// checkFlowInfo checks that the checkpoint in dir is of the adaptive grid
// and reached a time in [lo, hi).
func checkFlowInfo(t *testing.T, dir string, lo, hi float64) *CheckpointInfo {
	t.Helper()
	info, err := ReadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Grid != "adaptive" || !(info.Time >= lo && info.Time < hi) || info.Accepted <= 0 {
		t.Fatalf("checkpoint of grid %q at t = %v after %d steps, want adaptive in [%v, %v)", info.Grid, info.Time, info.Accepted, lo, hi)
	}
	return info
}

// TestFlowCheckpointResume: an adaptive solve interrupted (its context
// cancelled) right after a rejected step, resumed, interrupted again after
// an accepted step, and resumed to the end gives every output array bit for
// bit as an uninterrupted solve does; solving again from the complete
// checkpoint solves nothing and gives them again.
func TestFlowCheckpointResume(t *testing.T) {
	for _, c := range flowCheckpointCases() {
		t.Run(c.name, func(t *testing.T) {
			want, err := Solve(context.Background(), c.p, c.set)
			if err != nil {
				t.Fatal(err)
			}
			if want.Stats.Rejected == 0 || len(want.TwoTimes) >= len(want.Times) {
				t.Fatalf("%d rejected steps, %d history nodes of %d grid points: the case exercises neither rejections nor pruning", want.Stats.Rejected, len(want.TwoTimes), len(want.Times))
			}
			T := c.p.T
			set := c.set
			set.CheckpointDir = filepath.Join(t.TempDir(), "ck")
			// The first interruption: at the first boundary after a
			// rejected step (for gd, rejections of the first step from its
			// large Initial: a checkpoint at t = 0 holding the retry's
			// white noise).
			var reached int
			set.Reached = func(int, float64) { reached++ } // the flow calls it from one goroutine
			ctx := &afterReject{Context: context.Background(), reached: &reached}
			if _, err := Solve(ctx, c.p, set); !errors.Is(err, context.Canceled) || !ctx.fired {
				t.Fatalf("solve interrupted after a rejection: error %v (cancelled: %v), want context.Canceled", err, ctx.fired)
			}
			first, err := ReadCheckpoint(set.CheckpointDir)
			if err != nil {
				t.Fatal(err)
			}
			if first.Grid != "adaptive" || !(first.Time < T) {
				t.Fatalf("checkpoint of grid %q at t = %v, want adaptive before T", first.Grid, first.Time)
			}
			// The second, after an accepted step past 2T/3, with another
			// worker count.
			set.Workers = 1
			interruptFlow(t, c.p, set, 2*T/3)
			second := checkFlowInfo(t, set.CheckpointDir, 2*T/3, T)
			t.Logf("interrupted after a rejection at t = %.4g (%d steps) and at t = %.4g (%d steps) of %d", first.Time, first.Accepted, second.Time, second.Accepted, len(want.Times)-1)

			set.Reached = nil
			got, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stats.Resumed != int64(4*second.Accepted) {
				t.Errorf("resumed %d batch-steps, want 4 × %d", got.Stats.Resumed, second.Accepted)
			}
			sameFlowBits(t, c.name, got, want)

			again, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			if again.Stats.Resumed != int64(4*(len(want.Times)-1)) {
				t.Errorf("a complete checkpoint resumed %d batch-steps, want 4 × %d", again.Stats.Resumed, len(want.Times)-1)
			}
			sameFlowBits(t, c.name+" from complete checkpoint", again, want)
			if err := RemoveCheckpoint(set.CheckpointDir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(set.CheckpointDir); !os.IsNotExist(err) {
				t.Errorf("RemoveCheckpoint left the directory: %v", err)
			}
		})
	}
}

// TestFlowCheckpointPeriodic: the periodic checkpoints alone (no write at
// an interruption, as when the process is killed) resume bit for bit: a
// copy of the checkpoint directory taken mid-run, while the solve writes at
// every accepted step, is resumed.
func TestFlowCheckpointPeriodic(t *testing.T) {
	for _, c := range flowCheckpointCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			set := c.set
			set.CheckpointDir = filepath.Join(dir, "ck")
			set.CheckpointEvery = 1 // every accepted step
			snap := filepath.Join(dir, "snapshot")
			var once sync.Once
			set.Reached = func(b int, at float64) {
				if at >= c.p.T/2 {
					once.Do(func() { copyDir(t, set.CheckpointDir, snap) })
				}
			}
			want, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			checkFlowInfo(t, snap, c.p.T/4, c.p.T/2)
			set.Reached = nil
			set.CheckpointDir = snap
			got, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			sameFlowBits(t, c.name, got, want)
		})
	}
}

// TestFlowCheckpointCorrupt: a damaged flow.ckpt (truncated anywhere, a
// flipped byte, trailing data) is an error naming the file, never a silent
// restart; a checkpoint of another solve (another tolerance, time, seed, a
// march's checkpoint) is ErrCheckpointMismatch naming the field that
// differs.
func TestFlowCheckpointCorrupt(t *testing.T) {
	c := flowCheckpointCases()[1]
	base := filepath.Join(t.TempDir(), "ck")
	set := c.set
	set.CheckpointDir = base
	interruptFlow(t, c.p, set, c.p.T/3)
	orig, err := os.ReadFile(filepath.Join(base, flowFile))
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{
		"empty":         {},
		"header only":   orig[:60],
		"half":          orig[:len(orig)/2],
		"last byte cut": orig[:len(orig)-1],
		"flipped byte":  flip(orig, len(orig)*2/3),
		"flipped count": flip(orig, 8+8+32+8+1), // the grid points, in the header
		"flipped magic": flip(orig, 0),
		"trailing byte": append(append([]byte(nil), orig...), 0),
	}
	for name, b := range damage {
		dir := filepath.Join(t.TempDir(), "ck")
		copyDir(t, base, dir)
		if err := os.WriteFile(filepath.Join(dir, flowFile), b, 0o666); err != nil {
			t.Fatal(err)
		}
		s := set
		s.CheckpointDir = dir
		_, err := Solve(context.Background(), c.p, s)
		if err == nil || !strings.Contains(err.Error(), flowFile) || errors.Is(err, ErrCheckpointMismatch) {
			t.Errorf("%s: error %v, want one naming %s", name, err, flowFile)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, flowFile)); string(got) != string(b) {
			t.Errorf("%s: the damaged file was replaced", name)
		}
	}

	for _, c2 := range []struct {
		field string
		alter func(p *dynamics.Problem, s *Settings)
	}{
		{"Problem.T", func(p *dynamics.Problem, s *Settings) { p.T = 31 }},
		{"Problem.Tau", func(p *dynamics.Problem, s *Settings) { p.Tau = 1.05 }},
		{"Settings.Grid", func(p *dynamics.Problem, s *Settings) { s.Grid = Adaptive{Tol: 1.01e-2} }},
		{"Settings.Grid", func(p *dynamics.Problem, s *Settings) { s.Grid = Adaptive{Tol: 1e-2, Theta: 0.2} }},
		{"Settings.Seed", func(p *dynamics.Problem, s *Settings) { s.Seed++ }},
		{"Settings.ResponseSamples", func(p *dynamics.Problem, s *Settings) { s.ResponseSamples = 100 }},
		{"Settings.Grid", func(p *dynamics.Problem, s *Settings) { s.Grid = Uniform{} }},
	} {
		p, s := c.p, set
		c2.alter(&p, &s)
		_, err := Solve(context.Background(), p, s)
		if !errors.Is(err, ErrCheckpointMismatch) || !strings.Contains(err.Error(), c2.field) {
			t.Errorf("%s changed: error %v, want ErrCheckpointMismatch naming it", c2.field, err)
		}
	}
	// The defaults made explicit are the same solve; so is another worker
	// count.
	s := set
	s.Grid = Adaptive{Tol: 1e-2, Theta: 0.1, MaxStep: 1, Initial: 0.01}
	s.Workers = 1
	if _, err := Solve(context.Background(), c.p, s); err != nil {
		t.Errorf("resume with the defaults explicit and another worker count: %v", err)
	}
}
