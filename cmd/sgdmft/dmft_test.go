package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
