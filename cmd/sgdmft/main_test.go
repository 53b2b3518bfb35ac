package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

func runArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func loadVector(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var v []float64
	if err := npyio.Read(f, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func loadMatrix(t *testing.T, path string) *mat.Dense {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m mat.Dense
	if err := npyio.Read(f, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &m
}

// TestSimulateCommand runs a small simulation, loads every output back and
// repeats the run from its meta.json: the same numbers must come out.
func TestSimulateCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sim")
	stdout, _, err := runArgs(t, "simulate", "--d", "80", "--seeds", "3", "--T", "1", "--every", "2",
		"--algo", "psgd", "--b", "0.3", "--tau", "1", "--test-samples", "500", "--out", out, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "simulate: d=80") {
		t.Errorf("stdout %q", stdout)
	}
	times := loadVector(t, filepath.Join(out, "t.npy"))
	if want := []float64{0, 0.2, 0.4, 0.6, 0.8, 1}; len(times) != len(want) {
		t.Fatalf("t = %v, want %v", times, want)
	}
	for _, o := range []string{"m", "Ctt", "train_loss", "train_err", "test_err", "test_loss", "test_err_emp", "test_loss_emp"} {
		mean := loadVector(t, filepath.Join(out, o+".npy"))
		se := loadVector(t, filepath.Join(out, o+"_se.npy"))
		seeds := loadMatrix(t, filepath.Join(out, o+"_seeds.npy"))
		if r, c := seeds.Dims(); r != 3 || c != len(times) || len(mean) != len(times) || len(se) != len(times) {
			t.Errorf("%s: shapes %d, %d, (%d, %d)", o, len(mean), len(se), r, c)
		}
		for j := range times {
			s := 0.0
			for i := 0; i < 3; i++ {
				s += seeds.At(i, j)
			}
			if d := s/3 - mean[j]; d > 1e-12 || d < -1e-12 {
				t.Errorf("%s[%d]: mean %v, mean of seeds %v", o, j, mean[j], s/3)
			}
		}
	}
	// Initial condition: m(0) = m0 = 0 exactly up to O(1/√d), Ctt(0) = C0 = 1
	// up to the sampling fluctuation of |w0|²/d (relative se √(2/d) ≈ 0.16 per
	// seed); 5 se of the 3-seed mean.
	ctt := loadVector(t, filepath.Join(out, "Ctt.npy"))
	if d := ctt[0] - 1; d*d > 25*2.0/80/3 {
		t.Errorf("Ctt(0) = %v, want 1 ± %v", ctt[0], 5*0.09)
	}

	again := filepath.Join(dir, "again")
	if _, _, err := runArgs(t, "simulate", "--config", filepath.Join(out, "meta.json"), "--out", again, "--workers", "1"); err != nil {
		t.Fatal(err)
	}
	a, b := loadMatrix(t, filepath.Join(out, "m_seeds.npy")), loadMatrix(t, filepath.Join(again, "m_seeds.npy"))
	if !mat.Equal(a, b) {
		t.Error("a run repeated from its meta.json differs")
	}
}

// TestBadInput: each bad flag exits with status 2 (a usageError), names the
// flag in the message, and writes nothing.
func TestBadInput(t *testing.T) {
	checkUsageErrors(t, []string{"simulate", "--d", "10", "--seeds", "1", "--T", "0.2"}, []usageCase{
		{[]string{"--alpha", "0"}, "--alpha"},
		{[]string{"--alpha", "-1"}, "--alpha"},
		{[]string{"--delta", "-0.1"}, "--delta"},
		{[]string{"--delta", "NaN"}, "--delta"},
		{[]string{"--rho", "1"}, "--rho"},
		{[]string{"--rho", "0"}, "--rho"},
		{[]string{"--lambda", "-1"}, "--lambda"},
		{[]string{"--eta", "0"}, "--eta"},
		{[]string{"--T", "-1"}, "--T"},
		{[]string{"--d", "0"}, "--d"},
		{[]string{"--seeds", "0"}, "--seeds"},
		{[]string{"--every", "0"}, "--every"},
		{[]string{"--C0", "0.1", "--m0", "1"}, "--C0"},
		{[]string{"--algo", "adam"}, "--algo"},
		{[]string{"--loss", "huber"}, "--loss"},
		{[]string{"--mixture", "four-cluster"}, "--mixture"},
		{[]string{"--output", "cubic"}, "--output"},
		{[]string{"--mixture", "three-cluster", "--kappa", "0"}, "--kappa"},
		{[]string{"--integrator", "rk4"}, "--integrator"},
		{[]string{"--algo", "sgd"}, "--b"},
		{[]string{"--algo", "sgd", "--b", "1.5"}, "--b"},
		{[]string{"--algo", "psgd", "--b", "0"}, "--b"},
		{[]string{"--algo", "gd", "--b", "0.5"}, "--b"},
		{[]string{"--algo", "psgd", "--b", "0.3"}, "--tau"},
		{[]string{"--algo", "psgd", "--b", "0.3", "--tau", "0.1"}, "--tau"},
		{[]string{"--algo", "sgf", "--b", "0.3", "--tau", "-1"}, "--tau"},
		{[]string{"--eta", "0.1", "--T", "1e9"}, "--T = 1e+09 with --eta = 0.1"},
		{[]string{"--config", "/nonexistent/meta.json"}, "--config"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
		{[]string{"--mixture", "custom"}, "--clusters"},
		{[]string{"--mixture", "custom", "--clusters", "1:0.5:1,-1:0.4:-1"}, "sum"},
		{[]string{"--mixture", "custom", "--clusters", "1:0.5:1,-1:0.5:0"}, "label"},
		{[]string{"--mixture", "custom", "--clusters", "1:0.5"}, "--clusters"},
		{[]string{"--clusters", "1:1:1"}, "--clusters"},
	})
	if _, _, err := runArgs(t, "frobnicate"); !errors.As(err, new(usageError)) {
		t.Errorf("unknown command: %v, want usage error", err)
	}
}

// TestDivergenceWritesNothing: a run that blows up reports the seed and step
// and leaves no output directory.
func TestDivergenceWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	_, _, err := runArgs(t, "simulate", "--loss", "square", "--eta", "3", "--T", "300", "--d", "30", "--seeds", "2", "--out", out, "--quiet")
	if err == nil || !strings.Contains(err.Error(), "seed") || !strings.Contains(err.Error(), "step") {
		t.Fatalf("error %v, want one naming the seed and step", err)
	}
	if errors.As(err, new(usageError)) {
		t.Error("divergence reported as a usage error")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("output directory written")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// usageCase is a bad command line and a string its error must contain.
type usageCase struct {
	args []string
	want string
}

// checkUsageErrors runs prefix + args + --out DIR for each case and
// requires a usage error (exit status 2) whose message names want, and no
// output directory.
func checkUsageErrors(t *testing.T, prefix []string, cases []usageCase) {
	t.Helper()
	for _, c := range cases {
		out := filepath.Join(t.TempDir(), "out")
		args := append(append(append([]string(nil), prefix...), c.args...), "--out", out)
		_, stderr, err := runArgs(t, args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: error %v (stderr %q), want a usage error (exit 2)", c.args, err, stderr)
			continue
		}
		if !strings.Contains(err.Error()+stderr, c.want) {
			t.Errorf("%v: error %q does not name %s", c.args, err, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: output directory written", c.args)
		}
	}
}
