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

// checkpointCases are small solves on both code paths of the march: full
// batch (gd, trajectories indexed by time) and a selection chain (psgd,
// selected steps and the selection stream), one with a response subset.
func checkpointCases() []struct {
	name string
	p    dynamics.Problem
	set  Settings
} {
	return []struct {
		name string
		p    dynamics.Problem
		set  Settings
	}{
		{"gd", twoCluster(dynamics.GD, 3), Settings{Samples: 240, Batches: 4, Seed: 3}},
		{"psgd", twoCluster(dynamics.PSGD, 3), Settings{Samples: 240, Batches: 4, ResponseSamples: 120, Seed: 4}},
		// The teacher's h0 and labels are redrawn from the seed on resume.
		{"teacher psgd", teacherPSGD(), Settings{Samples: 240, Batches: 4, ResponseSamples: 120, Seed: 5}},
	}
}

// sameBits reports the first array of two solutions that differs in any bit.
func sameBits(t *testing.T, name string, got, want *Solution) {
	t.Helper()
	vec := func(label string, a, b []float64) {
		t.Helper()
		if len(a) != len(b) {
			t.Fatalf("%s: %s has %d entries, want %d", name, label, len(a), len(b))
		}
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Fatalf("%s: %s[%d] = %v, want %v bit for bit", name, label, i, a[i], b[i])
			}
		}
	}
	vec("Times", got.Times, want.Times)
	for _, o := range compared {
		a, ase := got.MeanSE(o)
		b, bse := want.MeanSE(o)
		vec(o.String(), a, b)
		vec(o.String()+" SE", ase, bse)
	}
	vec("Mu", got.Mu, want.Mu)
	vec("MuSE", got.MuSE, want.MuSE)
	vec("C", got.C.RawMatrix().Data, want.C.RawMatrix().Data)
	vec("R", got.R.RawMatrix().Data, want.R.RawMatrix().Data)
	vec("MC", got.MC.RawMatrix().Data, want.MC.RawMatrix().Data)
	vec("Gamma", got.Gamma.RawMatrix().Data, want.Gamma.RawMatrix().Data)
	if got.Stats.Clamped != want.Stats.Clamped || got.Stats.Batches != want.Stats.Batches || got.Stats.Samples != want.Stats.Samples {
		t.Fatalf("%s: stats %+v, want %+v", name, got.Stats, want.Stats)
	}
}

// interrupt solves with set, cancelling the context once stop batch-steps
// are done; the solve must stop with context.Canceled.
func interrupt(t *testing.T, p dynamics.Problem, set Settings, stop int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	set.Progress = func(done, total int64) {
		if done == stop {
			cancel()
		}
	}
	if _, err := Solve(ctx, p, set); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted solve: error %v, want context.Canceled", err)
	}
}

// TestCheckpointResume: a solve interrupted (its context cancelled) mid-run,
// resumed, interrupted again and resumed to the end gives every output
// array bit for bit as an uninterrupted solve does. The first interruption
// is deterministic (one worker): batch 0 complete, batch 1 mid-run, the
// others not started, so a complete batch, a batch state and a fresh batch
// are all resumed; the second has two workers and falls where it falls.
func TestCheckpointResume(t *testing.T) {
	for _, c := range checkpointCases() {
		t.Run(c.name, func(t *testing.T) {
			want, err := Solve(context.Background(), c.p, c.set)
			if err != nil {
				t.Fatal(err)
			}
			k1 := c.p.Steps() + 1
			set := c.set
			set.CheckpointDir = filepath.Join(t.TempDir(), "ck")
			set.Workers = 1
			interrupt(t, c.p, set, int64(k1+k1/2))
			info, err := ReadCheckpoint(set.CheckpointDir)
			if err != nil {
				t.Fatal(err)
			}
			if d := info.Done; len(d) != 4 || d[0] != k1 || d[1] <= 0 || d[1] >= k1 || d[2] != 0 || d[3] != 0 {
				t.Fatalf("steps done per batch %v, want [%d, in (0, %d), 0, 0]", d, k1, k1)
			}
			set.Workers = 2
			interrupt(t, c.p, set, int64(3*k1))
			got, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stats.Resumed < int64(3*k1) {
				t.Errorf("resumed %d batch-steps, want at least %d", got.Stats.Resumed, 3*k1)
			}
			sameBits(t, c.name, got, want)

			// The checkpoint now holds the complete solve: solving again
			// reads it and solves nothing.
			again, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			if again.Stats.Resumed != int64(4*k1) {
				t.Errorf("a complete checkpoint resumed %d batch-steps, want %d", again.Stats.Resumed, 4*k1)
			}
			sameBits(t, c.name+" from complete checkpoint", again, want)
			if err := RemoveCheckpoint(set.CheckpointDir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(set.CheckpointDir); !os.IsNotExist(err) {
				t.Errorf("RemoveCheckpoint left the directory: %v", err)
			}
		})
	}
}

// TestCheckpointPeriodic: the periodic checkpoints alone (no write at an
// interruption, as when the process is killed) resume bit for bit: a copy
// of the checkpoint directory taken mid-run, while batches write every
// step, is resumed.
func TestCheckpointPeriodic(t *testing.T) {
	for _, c := range checkpointCases() {
		t.Run(c.name, func(t *testing.T) {
			k1 := c.p.Steps() + 1
			dir := t.TempDir()
			set := c.set
			set.CheckpointDir = filepath.Join(dir, "ck")
			set.CheckpointEvery = 1 // every step boundary
			set.Workers = 2
			snap := filepath.Join(dir, "snapshot")
			var once sync.Once
			set.Progress = func(done, total int64) {
				if done >= int64(k1+k1/3) {
					once.Do(func() { copyDir(t, set.CheckpointDir, snap) })
				}
			}
			want, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			info, err := ReadCheckpoint(snap)
			if err != nil {
				t.Fatal(err)
			}
			partial := 0
			for _, d := range info.Done {
				if d > 0 && d < k1 {
					partial++
				}
			}
			if partial == 0 {
				t.Fatalf("the snapshot holds no batch mid-run: steps done %v", info.Done)
			}
			set.Progress = nil
			set.CheckpointDir = snap
			got, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			sameBits(t, c.name, got, want)
		})
	}
}

// copyDir copies the regular files of src into a new directory dst. A batch
// file is replaced by rename, never written in place, so each copy is of
// one version, whole.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.Mkdir(dst, 0o777); err != nil {
		t.Error(err)
		return
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Error(err)
		return
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Error(err)
			continue
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o666); err != nil {
			t.Error(err)
		}
	}
}

// TestCheckpointCorrupt: a damaged batch file (truncated anywhere, a flipped
// byte, trailing data, or another batch's file) is an error naming the
// file, never a silent restart of the batch; so is a checkpoint of another
// solve, which names the field that differs.
func TestCheckpointCorrupt(t *testing.T) {
	c := checkpointCases()[1]
	k1 := c.p.Steps() + 1
	base := filepath.Join(t.TempDir(), "ck")
	set := c.set
	set.CheckpointDir = base
	set.Workers = 1
	interrupt(t, c.p, set, int64(k1+k1/2)) // batch 0 complete, batch 1 mid-run
	for i := range 2 {
		file := batchFile(i)
		orig, err := os.ReadFile(filepath.Join(base, file))
		if err != nil {
			t.Fatal(err)
		}
		other, err := os.ReadFile(filepath.Join(base, batchFile(1-i)))
		if err != nil {
			t.Fatal(err)
		}
		damage := map[string][]byte{
			"empty":         {},
			"header only":   orig[:30],
			"half":          orig[:len(orig)/2],
			"last byte cut": orig[:len(orig)-1],
			"flipped byte":  flip(orig, len(orig)*2/3),
			"flipped magic": flip(orig, 0),
			"trailing byte": append(append([]byte(nil), orig...), 0),
			"another batch": other,
		}
		for name, b := range damage {
			dir := filepath.Join(t.TempDir(), "ck")
			copyDir(t, base, dir)
			if err := os.WriteFile(filepath.Join(dir, file), b, 0o666); err != nil {
				t.Fatal(err)
			}
			s := set
			s.CheckpointDir = dir
			_, err := Solve(context.Background(), c.p, s)
			if err == nil || !strings.Contains(err.Error(), file) {
				t.Errorf("%s, %s: error %v, want one naming the file", file, name, err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, file)); string(got) != string(b) {
				t.Errorf("%s, %s: the damaged file was replaced", file, name)
			}
		}
	}

	for _, c2 := range []struct {
		field string
		alter func(p *dynamics.Problem, s *Settings)
	}{
		{"Problem.T", func(p *dynamics.Problem, s *Settings) { p.T = 4 }},
		{"Problem.Lambda", func(p *dynamics.Problem, s *Settings) { p.Lambda = 0.1000001 }},
		{"Settings.Seed", func(p *dynamics.Problem, s *Settings) { s.Seed++ }},
		{"Settings.Samples", func(p *dynamics.Problem, s *Settings) { s.Samples += 2 }},
		{"Settings.Perturb", func(p *dynamics.Problem, s *Settings) { s.Perturb.Gamma = 1.05 }},
	} {
		p, s := c.p, set
		c2.alter(&p, &s)
		_, err := Solve(context.Background(), p, s)
		if !errors.Is(err, ErrCheckpointMismatch) || !strings.Contains(err.Error(), c2.field) {
			t.Errorf("%s changed: error %v, want ErrCheckpointMismatch naming it", c2.field, err)
		}
	}
	// What does not change the result may change: the worker count.
	s := set
	s.Workers = 2
	if _, err := Solve(context.Background(), c.p, s); err != nil {
		t.Errorf("resume with another worker count: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0x10
	return out
}

// TestCheckpointSettings: the checkpoint settings are validated.
func TestCheckpointSettings(t *testing.T) {
	for _, c := range []struct {
		set   Settings
		field string
	}{
		{Settings{CheckpointEvery: -1}, "CheckpointEvery"},
		{Settings{CheckpointDir: "x", Method: Iterate{}}, "CheckpointDir"},
	} {
		var fe *dynamics.FieldError
		if err := c.set.Validate(); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: error %v, want a FieldError on %s", c.set, err, c.field)
		}
	}
	if err := (Settings{CheckpointDir: "x"}).Validate(); err != nil {
		t.Errorf("march with a checkpoint directory: %v", err)
	}
}
