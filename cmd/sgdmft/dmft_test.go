package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/dmft"
)

// TestDMFTCommand runs a small DMFT, loads every output back, checks the
// shapes and the identities the solution must satisfy, and repeats the run
// from its meta.json: the same numbers must come out.
func TestDMFTCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "dmft")
	stdout, _, err := runArgs(t, "dmft", "--samples", "400", "--batches", "4", "--T", "1", "--algo", "psgd",
		"--b", "0.3", "--tau", "1", "--m0", "0.1", "--lambda", "0.1", "--out", out, "--quiet", "--workers", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "dmft: march") {
		t.Errorf("stdout %q", stdout)
	}
	const k1 = 11 // T/η + 1
	tt := loadVector(t, filepath.Join(out, "t.npy"))
	if len(tt) != k1 || tt[k1-1] != 1 {
		t.Fatalf("t = %v", tt)
	}
	for _, name := range []string{"m", "Ctt", "mu", "train_loss", "train_err", "test_err", "test_loss"} {
		for _, suf := range []string{"", "_se"} {
			v := loadVector(t, filepath.Join(out, name+suf+".npy"))
			if len(v) != k1 {
				t.Errorf("%s%s.npy has %d entries, want %d", name, suf, len(v), k1)
			}
			for k, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("%s%s[%d] = %v", name, suf, k, x)
				}
			}
		}
	}
	m := loadVector(t, filepath.Join(out, "m.npy"))
	ctt := loadVector(t, filepath.Join(out, "Ctt.npy"))
	if m[0] != 0.1 || ctt[0] != 1 {
		t.Errorf("m[0] = %v, Ctt[0] = %v: want the initial conditions 0.1, 1", m[0], ctt[0])
	}
	c := loadMatrix(t, filepath.Join(out, "C.npy"))
	r := loadMatrix(t, filepath.Join(out, "R.npy"))
	for _, name := range []string{"MC", "Gamma"} {
		if a, b := loadMatrix(t, filepath.Join(out, name+".npy")).Dims(); a != k1 || b != k1 {
			t.Errorf("%s.npy is %d×%d, want %d×%d", name, a, b, k1, k1)
		}
	}
	for k := 0; k < k1; k++ {
		// Exact identities of the written arrays (round-off of the mean
		// over batches only).
		if math.Abs(c.At(k, k)-ctt[k]) > 1e-14 {
			t.Errorf("C[%d,%d] = %v, Ctt = %v", k, k, c.At(k, k), ctt[k])
		}
		if k > 0 && math.Abs(r.At(k, k-1)-1) > 1e-14 {
			t.Errorf("R[%d,%d] = %v, want 1", k, k-1, r.At(k, k-1))
		}
	}

	// Repeat from meta.json.
	b, err := os.ReadFile(filepath.Join(out, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		WallTime *float64       `json:"wall_time_s"`
		Params   map[string]any `json:"params"`
		Result   map[string]any `json:"result"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"samples", "method", "seed", "alpha", "tau"} {
		if _, ok := meta.Params[key]; !ok {
			t.Errorf("meta.json params have no %q", key)
		}
	}
	for _, key := range []string{"cpu_time_per_phase", "clamped_pivots", "samples_used", "steps"} {
		if _, ok := meta.Result[key]; !ok {
			t.Errorf("meta.json result has no %q", key)
		}
	}
	if meta.WallTime == nil {
		t.Error("meta.json has no wall_time_s")
	}
	again := filepath.Join(dir, "again")
	if _, _, err := runArgs(t, "dmft", "--config", filepath.Join(out, "meta.json"), "--out", again, "--quiet", "--workers", "1"); err != nil {
		t.Fatal(err)
	}
	m2 := loadVector(t, filepath.Join(again, "m.npy"))
	for k := range m {
		if m[k] != m2[k] {
			t.Fatalf("a run repeated from its meta.json (other worker count) differs: m[%d] %v vs %v", k, m[k], m2[k])
		}
	}
}

// TestDMFTIterateCommand: the iterate method runs and records its changes.
func TestDMFTIterateCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "it")
	_, _, err := runArgs(t, "dmft", "--method", "iterate", "--iters", "3", "--tol", "1e-12", "--samples", "200",
		"--batches", "2", "--T", "0.5", "--out", out, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Result struct {
			Change    []float64 `json:"change_per_iteration"`
			Converged bool      `json:"converged"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if r := meta.Result; len(r.Change) != 3 || r.Converged {
		t.Errorf("meta: change %v converged %v, want 3 changes and not converged (tol 1e-12)", r.Change, r.Converged)
	}
}

// TestDMFTBadInput: each bad flag exits with status 2, names the flag and
// writes nothing.
func TestDMFTBadInput(t *testing.T) {
	checkUsageErrors(t, []string{"dmft", "--samples", "20", "--T", "0.2"}, []usageCase{
		{[]string{"--samples", "-2"}, "--samples"},
		{[]string{"--samples", "0"}, "--samples"},
		{[]string{"--samples", "10", "--response-samples", "20"}, "--response-samples"},
		{[]string{"--response-samples", "-1"}, "--response-samples"},
		{[]string{"--loss", "hinge"}, "--loss"},
		{[]string{"--method", "newton"}, "--method"},
		{[]string{"--method", "iterate", "--damping", "1"}, "--damping"},
		{[]string{"--method", "iterate", "--iters", "0"}, "--iters"},
		{[]string{"--method", "iterate", "--tol", "0"}, "--tol"},
		{[]string{"--damping", "0.5"}, "--damping does not apply to --method march"},
		{[]string{"--batches", "0"}, "--batches"},
		{[]string{"--workers", "0"}, "--workers"},
		{[]string{"--alpha", "0"}, "--alpha"},
		{[]string{"--algo", "psgd", "--b", "0.3"}, "--tau"},
		{[]string{"--C0", "0.1", "--m0", "1"}, "--C0"},
	})
}

// TestDMFTDivergenceWritesNothing: a solve that blows up (square loss at
// η = 3, beyond the stability limit 2/λ_max of gradient descent) reports the
// step and leaves no output, both for the exact solve (gd) and for the
// sampler (psgd).
func TestDMFTDivergenceWritesNothing(t *testing.T) {
	for _, algo := range [][]string{{"--algo", "gd"}, {"--algo", "psgd", "--b", "0.5", "--tau", "3"}} {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"dmft", "--loss", "square", "--eta", "3", "--T", "600", "--samples", "100", "--out", out, "--quiet"}, algo...)
		_, _, err := runArgs(t, args...)
		if err == nil || !strings.Contains(err.Error(), "step") {
			t.Fatalf("%v: error %v, want one naming the step", algo, err)
		}
		if errors.As(err, new(usageError)) {
			t.Errorf("%v: divergence reported as a usage error", algo)
		}
		entries, _ := os.ReadDir(filepath.Dir(out))
		if len(entries) != 0 {
			t.Errorf("%v: left behind: %v", algo, entries)
		}
	}
}

// TestDMFTHelperProcess is not a test: it runs the command in a subprocess
// for TestDMFTInterruptResume, which signals it.
func TestDMFTHelperProcess(t *testing.T) {
	args := os.Getenv("SGDMFT_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process of TestDMFTInterruptResume")
	}
	os.Args = append([]string{"sgdmft"}, strings.Fields(args)...)
	main()
	os.Exit(0)
}

// TestDMFTInterruptResume: a checkpointed solve in a subprocess, stopped by
// Ctrl-C (SIGINT: it saves every running batch and exits with status 1,
// saying how to resume) or killed (SIGKILL: only its periodic checkpoints
// survive), is resumed with --resume DIR alone; every output array is then
// byte for byte that of an uninterrupted run, and the checkpoint is gone.
func TestDMFTInterruptResume(t *testing.T) {
	// About a second of work on two workers, so that the signal lands
	// mid-run; the test fails, rather than passing vacuously, if it does not.
	problem := []string{"dmft", "--algo", "psgd", "--b", "0.3", "--tau", "1", "--lambda", "0.1", "--T", "20",
		"--samples", "6000", "--batches", "4", "--workers", "2", "--quiet"}
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref")
	if _, _, err := runArgs(t, append(problem, "--out", ref)...); err != nil {
		t.Fatal(err)
	}
	// The signal is sent once batch 0 has saved its first checkpoint: the
	// solve is under way.
	for _, c := range []struct {
		name   string
		sig    os.Signal
		status int
	}{
		{"ctrl-c", os.Interrupt, 1},
		{"kill", os.Kill, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := filepath.Join(dir, c.name+"-ck")
			out := filepath.Join(dir, c.name+"-out")
			args := append(problem, "--out", out, "--checkpoint", ck, "--checkpoint-every", "20ms")
			cmd := exec.Command(os.Args[0], "-test.run=^TestDMFTHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SGDMFT_HELPER_ARGS="+strings.Join(args, " "))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for {
				if _, err := os.Stat(filepath.Join(ck, "batch-0000.ckpt")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("no checkpoint after a minute")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			if got := cmd.ProcessState.ExitCode(); got != c.status {
				t.Fatalf("exit status %d, want %d (0: it finished before the signal); stderr %q", got, c.status, stderr.String())
			}
			if c.sig == os.Interrupt && !strings.Contains(stderr.String(), "sgdmft dmft --resume "+ck) {
				t.Errorf("stderr %q does not say how to resume", stderr.String())
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("the interrupted run wrote its outputs")
			}
			info, err := dmft.ReadCheckpoint(ck)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("steps saved per batch: %v of %d", info.Done, info.Steps+1)
			if !slices.ContainsFunc(info.Done, func(d int) bool { return d > 0 && d <= info.Steps }) {
				t.Fatalf("no batch saved mid-run: steps saved %v", info.Done)
			}

			_, errOut, err := runArgs(t, "dmft", "--resume", ck)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errOut, "resuming "+ck) {
				t.Errorf("stderr %q does not report the resume", errOut)
			}
			sameOutputs(t, out, ref)
			if _, err := os.Stat(ck); !os.IsNotExist(err) {
				t.Errorf("checkpoint left after the outputs were written: %v", err)
			}
		})
	}
}

// sameOutputs requires the .npy files of two output directories to be
// byte for byte the same.
func sameOutputs(t *testing.T, got, want string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(want, "*.npy"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no outputs in %s: %v", want, err)
	}
	for _, f := range files {
		a, err1 := os.ReadFile(filepath.Join(got, filepath.Base(f)))
		b, err2 := os.ReadFile(f)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the uninterrupted run's", filepath.Base(f))
		}
	}
}

// TestDMFTCheckpointFlags: the checkpoint flags' rules. A resumed run takes
// its flags from its checkpoint: another value of a flag of the solve is a
// usage error naming both; the same value, and where to write, are
// allowed.
func TestDMFTCheckpointFlags(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	problem := []string{"dmft", "--samples", "40", "--T", "0.5", "--quiet"}
	// A checkpoint with nothing solved yet: the context is cancelled
	// before any batch starts.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, append(problem, "--checkpoint", ck, "--out", filepath.Join(dir, "x")), io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	checkUsageErrors(t, problem, []usageCase{
		{[]string{"--checkpoint", ck}, "--resume " + ck},
		{[]string{"--checkpoint", filepath.Join(dir, "c2"), "--method", "iterate"}, "--checkpoint"},
		{[]string{"--checkpoint-every", "1m"}, "--checkpoint-every does not apply"},
		{[]string{"--checkpoint", filepath.Join(dir, "c3"), "--checkpoint-every", "0s"}, "--checkpoint-every = 0s: want a duration > 0"},
		{[]string{"--checkpoint", filepath.Join(dir, "c3"), "--checkpoint-every", "-1s"}, "--checkpoint-every = -1s: want a duration > 0"},
		{[]string{"--checkpoint", filepath.Join(dir, "c4"), "--method", "iterate"}, "--checkpoint = "},
	})
	checkUsageErrors(t, []string{"dmft"}, []usageCase{
		{[]string{"--resume", filepath.Join(dir, "none")}, "--resume"},
		{[]string{"--resume", ck, "--T", "2"}, "--T = 2, but the checkpointed run has --T = 0.5"},
		{[]string{"--resume", ck, "--algo", "psgd"}, `--algo = "psgd", but`},
		{[]string{"--resume", ck, "--config", filepath.Join(ck, dmftRecordFile)}, "--config"},
		{[]string{"--resume", ck, "--checkpoint", filepath.Join(dir, "other")}, "--checkpoint"},
		{[]string{"--resume", ck, "--tau", "1"}, "--tau does not apply"},
		{[]string{"--resume", ck, "--grid", "adaptive"}, `--grid = "adaptive", but the checkpointed run has --grid = "uniform"`},
	})
	out := filepath.Join(dir, "out")
	for _, c := range []string{out, filepath.Join(out, "ck"), dir} {
		_, _, err := runArgs(t, append(problem, "--checkpoint", c, "--out", out)...)
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "separate directories") {
			t.Errorf("--checkpoint %s --out %s: %v, want a usage error", c, out, err)
		}
	}

	// The flags of the run again, and where to write: allowed.
	s, err := parseDMFT([]string{"--resume", ck, "--T", "0.5", "--samples", "40", "--workers", "1", "--out", out}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.prob.T != 0.5 || s.set.Samples != 40 || s.set.Workers != 1 || s.set.CheckpointDir != ck || s.p.Out != out {
		t.Errorf("resumed settings %+v, T = %v, out %q", s.set, s.prob.T, s.p.Out)
	}
	// --out defaults to the recorded one.
	if s, err := parseDMFT([]string{"--resume", ck}, io.Discard); err != nil || s.p.Out != filepath.Join(dir, "x") {
		t.Errorf("resumed --out: %v, %v", s, err)
	}

	// A record edited to another solve than the library's checkpoint: the
	// library's fingerprint catches it, as a usage error before any work.
	rec := filepath.Join(ck, dmftRecordFile)
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"seed": 1`, `"seed": 2`, 1)
	if edited == string(b) {
		t.Fatalf("no seed in the record %s", b)
	}
	if err := os.WriteFile(rec, []byte(edited), 0o666); err != nil {
		t.Fatal(err)
	}
	_, _, err = runArgs(t, "dmft", "--resume", ck, "--out", out)
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "Settings.Seed") {
		t.Errorf("edited record: %v, want a usage error naming Settings.Seed", err)
	}
}

// TestProgressTime: the bar shows the simulated time of the least advanced
// running batch and the batches done.
func TestProgressTime(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, label: "dmft", on: true}
	p.simTime(40)
	p.reached(0, 40)
	p.reached(1, 12.5)
	p.reached(2, 3.25)
	line := p.line(50, 100, 3*time.Second)
	if !strings.Contains(line, "50%") || !strings.Contains(line, "t=3.25/40 (1 batches done)") {
		t.Errorf("bar %q", line)
	}
}
