package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// TestDMFTAdaptiveCommand runs gradient flow on the adaptive grid through
// run: t.npy is the non-uniform grid from 0 to T, every curve and two-time
// matrix is on it and equals dmft.Solve's with the same problem and
// settings (the identical computation, independent of the worker count:
// equality), meta.json records the grid, its tolerance, points, rejected
// steps and step errors (each within the tolerance), and not --eta; the run
// repeats from its meta.json with another worker count; --every thins the
// grid.
func TestDMFTAdaptiveCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "flow")
	stdout, _, err := runArgs(t, "dmft", "--grid", "adaptive", "--grid-tol", "3e-4", "--T", "2", "--lambda", "0.1", "--m0", "0.1",
		"--samples", "400", "--batches", "4", "--workers", "2", "--quiet", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "dmft: flow") || !strings.Contains(stdout, "adaptive grid, tol 0.0003") {
		t.Errorf("stdout %q", stdout)
	}
	prob := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.1, Algo: dynamics.GD, B: 1, Eta: 2, T: 2, M0: 0.1, C0: 1,
	}
	want, err := dmft.Solve(context.Background(), prob, dmft.Settings{
		Samples: 400, Batches: 4, Workers: 1, Seed: 1, Grid: dmft.Adaptive{Tol: 3e-4, MaxStep: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	tt := loadVector(t, filepath.Join(out, "t.npy"))
	k1 := len(tt)
	if !slices.Equal(tt, want.Times) || tt[0] != 0 || tt[k1-1] != 2 {
		t.Fatalf("t = %v, library's grid %v", tt, want.Times)
	}
	big := 0.0
	for i := 1; i < k1; i++ {
		big = math.Max(big, tt[i]-tt[i-1])
	}
	if h0 := tt[1] - tt[0]; !(big > 2*h0) {
		t.Errorf("first step %v, largest %v: the grid is not adaptive", h0, big)
	}
	for _, c := range []struct {
		name     string
		mean, se []float64
	}{
		{"m", want.M, want.MSE}, {"Ctt", want.Ctt, want.CttSE}, {"train_loss", want.TrainLoss, want.TrainLossSE},
		{"test_err", want.TestErr, want.TestErrSE}, {"mu", want.Mu, want.MuSE},
	} {
		if v := loadVector(t, filepath.Join(out, c.name+".npy")); !slices.Equal(v, c.mean) {
			t.Errorf("%s.npy = %v, library %v", c.name, v, c.mean)
		}
		if v := loadVector(t, filepath.Join(out, c.name+"_se.npy")); !slices.Equal(v, c.se) {
			t.Errorf("%s_se.npy = %v, library %v", c.name, v, c.se)
		}
	}
	// The two-time quantities are on the pruned history t2.
	t2 := loadVector(t, filepath.Join(out, "t2.npy"))
	k2 := len(t2)
	if !slices.Equal(t2, want.TwoTimes) || k2 < 2 || k2 > k1 || t2[k2-1] != 2 {
		t.Fatalf("t2 = %v, library's history %v", t2, want.TwoTimes)
	}
	for _, c := range []struct {
		name string
		want interface{ At(i, j int) float64 }
	}{{"C", want.C}, {"R", want.R}, {"MC", want.MC}, {"Gamma", want.Gamma}} {
		m := loadMatrix(t, filepath.Join(out, c.name+".npy"))
		if r, cc := m.Dims(); r != k2 || cc != k2 {
			t.Fatalf("%s.npy is %d×%d, want %d×%d", c.name, r, cc, k2, k2)
		}
		for i := 0; i < k2; i++ {
			for j := 0; j < k2; j++ {
				if m.At(i, j) != c.want.At(i, j) {
					t.Fatalf("%s[%d,%d] = %v, library %v", c.name, i, j, m.At(i, j), c.want.At(i, j))
				}
			}
		}
	}
	meta := readMeta(t, filepath.Join(out, "meta.json"))
	if meta.Params["grid"] != "adaptive" || meta.Params["grid-tol"] != 3e-4 || meta.Params["grid-max-step"] != 1.0 {
		t.Errorf("params %v", meta.Params)
	}
	if _, ok := meta.Params["eta"]; ok {
		t.Errorf("params has --eta, which does not apply to --grid adaptive: %v", meta.Params)
	}
	r := meta.Result
	if r["grid"] != "adaptive" || r["grid_points"] != float64(k1) || r["steps"] != float64(k1-1) || r["grid_tol"] != 3e-4 ||
		r["rejected_steps"] != float64(want.Stats.Rejected) || r["solver"] != "flow" {
		t.Errorf("result %v", r)
	}
	se, _ := r["step_err"].([]any)
	if len(se) != k1-1 {
		t.Fatalf("step_err has %d entries, want one per step (%d)", len(se), k1-1)
	}
	for i, e := range se {
		if e != want.Stats.StepErr[i] || !(e.(float64) <= 3e-4) {
			t.Errorf("step_err[%d] = %v, library %v, tolerance 3e-4", i, e, want.Stats.StepErr[i])
		}
	}
	if r["max_step_err"] != slices.Max(want.Stats.StepErr) {
		t.Errorf("max_step_err %v", r["max_step_err"])
	}
	qe, _ := r["quad_err"].([]any)
	if len(qe) != k1-1 {
		t.Fatalf("quad_err has %d entries, want one per step (%d)", len(qe), k1-1)
	}
	for i, e := range qe {
		if e != want.Stats.QuadErr[i] {
			t.Errorf("quad_err[%d] = %v, library %v", i, e, want.Stats.QuadErr[i])
		}
	}
	if r["max_quad_err"] != slices.Max(want.Stats.QuadErr) {
		t.Errorf("max_quad_err %v, library %v", r["max_quad_err"], slices.Max(want.Stats.QuadErr))
	}
	ql, _ := r["quad_err_loss"].([]any)
	if len(ql) != k1-1 {
		t.Fatalf("quad_err_loss has %d entries, want one per step (%d)", len(ql), k1-1)
	}
	maxLoss := 0.0
	for i, e := range ql {
		if e != want.Stats.QuadErrLoss[i] {
			t.Errorf("quad_err_loss[%d] = %v, library %v", i, e, want.Stats.QuadErrLoss[i])
		}
		maxLoss = math.Max(maxLoss, math.Abs(want.Stats.QuadErrLoss[i]))
	}
	if r["max_quad_err_loss"] != maxLoss || r["max_objective_rise"] != want.Stats.Rise {
		t.Errorf("max_quad_err_loss %v, max_objective_rise %v; library %v, %v", r["max_quad_err_loss"], r["max_objective_rise"], maxLoss, want.Stats.Rise)
	}

	again := filepath.Join(dir, "again")
	if _, _, err := runArgs(t, "dmft", "--config", filepath.Join(out, "meta.json"), "--workers", "1", "--quiet", "--out", again); err != nil {
		t.Fatal(err)
	}
	if m := loadVector(t, filepath.Join(again, "m.npy")); !slices.Equal(m, want.M) {
		t.Errorf("repeated from meta.json: m %v, first run %v", m, want.M)
	}

	thin := filepath.Join(dir, "thin")
	if _, _, err := runArgs(t, "dmft", "--config", filepath.Join(out, "meta.json"), "--every", "10", "--quiet", "--out", thin); err != nil {
		t.Fatal(err)
	}
	rec := dynamics.RecordSteps(k1-1, 10)
	tv, c := loadVector(t, filepath.Join(thin, "t.npy")), loadMatrix(t, filepath.Join(thin, "C.npy"))
	if len(tv) != len(rec) || tv[len(tv)-1] != 2 {
		t.Fatalf("--every 10: t = %v, want the grid points %v", tv, rec)
	}
	for i, k := range rec {
		if tv[i] != tt[k] {
			t.Errorf("--every 10: t[%d] = %v; grid point %d: %v", i, tv[i], k, tt[k])
		}
	}
	// --every thins the grid, not the history the two-time matrices are on.
	if r, _ := c.Dims(); r != k2 || c.At(0, k2-1) != want.C.At(0, k2-1) {
		t.Errorf("--every 10: C.npy has %d rows, C[0,last] = %v; want the history's %d, %v", r, c.At(0, r-1), k2, want.C.At(0, k2-1))
	}
}

// TestDMFTGridDefaults: the defaults of --grid-tol and --grid-max-step are
// the library's (the zero values of dmft.Adaptive). A loose tolerance
// (every step accepted and doubled) lets the step reach the largest step
// by t = 4 (0.01·2^k sums past 1 by the 7th step), so both defaults shape
// the grid; the grids must be identical.
func TestDMFTGridDefaults(t *testing.T) {
	prob := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.1, Algo: dynamics.GD, B: 1, Eta: 4, T: 4, C0: 1,
	}
	solve := func(a dmft.Adaptive) []float64 {
		t.Helper()
		sol, err := dmft.Solve(context.Background(), prob, dmft.Settings{Samples: 40, Batches: 2, Seed: 1, Grid: a})
		if err != nil {
			t.Fatal(err)
		}
		return sol.Times
	}
	for _, c := range []struct {
		name           string
		library, flags dmft.Adaptive
	}{
		{"tol", dmft.Adaptive{MaxStep: 0.5}, dmft.Adaptive{Tol: defaultGridTol, MaxStep: 0.5}},
		{"max-step", dmft.Adaptive{Tol: 10}, dmft.Adaptive{Tol: 10, MaxStep: defaultGridMaxStep}},
	} {
		a, b := solve(c.library), solve(c.flags)
		if !slices.Equal(a, b) {
			t.Errorf("--grid-%s: the library's default gives the grid %v, the flag's %v", c.name, a, b)
		}
		if c.name == "max-step" {
			big := 0.0
			for i := 1; i < len(a); i++ {
				big = math.Max(big, a[i]-a[i-1])
			}
			if math.Abs(big-defaultGridMaxStep) > 1e-12 { // round-off of the grid's sums
				t.Errorf("the largest step %v is not the bound %v: grid %v", big, defaultGridMaxStep, a)
			}
		}
	}
}

// TestDMFTGridThetaDefault: the default of --grid-theta is the library's
// (Adaptive.Theta's zero value): the same pruned history at t = 20 (grid
// steps up to 1 from t ≈ 4, so nodes are dropped), where θ = 0.5 keeps
// fewer nodes, so the default shapes the history.
func TestDMFTGridThetaDefault(t *testing.T) {
	prob := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.1, Algo: dynamics.GD, B: 1, Eta: 20, T: 20, C0: 1,
	}
	hist := func(a dmft.Adaptive) []float64 {
		t.Helper()
		sol, err := dmft.Solve(context.Background(), prob, dmft.Settings{Samples: 40, Batches: 2, Seed: 1, Grid: a})
		if err != nil {
			t.Fatal(err)
		}
		return sol.TwoTimes
	}
	lib, flag, coarse := hist(dmft.Adaptive{Tol: 10}), hist(dmft.Adaptive{Tol: 10, Theta: defaultGridTheta}), hist(dmft.Adaptive{Tol: 10, Theta: 0.5})
	if !slices.Equal(lib, flag) {
		t.Errorf("--grid-theta: the library's default keeps the history %v, the flag's %v", lib, flag)
	}
	if !(len(coarse) < len(lib)) {
		t.Errorf("θ = 0.5 keeps %d history nodes, the default %d: the test cannot see the default", len(coarse), len(lib))
	}
}

// TestDMFTGridBadInput: the grid flags' rules, each a usage error naming
// the flag before any work.
func TestDMFTGridBadInput(t *testing.T) {
	checkUsageErrors(t, []string{"dmft", "--samples", "20", "--T", "0.5", "--quiet"}, []usageCase{
		{[]string{"--grid", "log"}, `--grid = "log": want uniform or adaptive`},
		{[]string{"--grid-tol", "1e-3"}, "--grid-tol does not apply to --grid uniform"},
		{[]string{"--grid-max-step", "0.5"}, "--grid-max-step does not apply to --grid uniform"},
		{[]string{"--grid", "adaptive", "--eta", "0.05"}, "--eta does not apply to --grid adaptive"},
		{[]string{"--grid", "adaptive", "--algo", "psgd", "--b", "0.3", "--tau", "1"}, `--grid = "adaptive" with --algo = "psgd": want --algo gd or sgf`},
		{[]string{"--grid", "adaptive", "--grid-tol", "0"}, "--grid-tol = 0: want a finite value > 0"},
		{[]string{"--grid", "adaptive", "--grid-tol", "-1e-4"}, "--grid-tol = -0.0001: want a finite value > 0"},
		{[]string{"--grid", "adaptive", "--grid-max-step", "NaN"}, "--grid-max-step = NaN: want a finite value > 0"},
		{[]string{"--grid-theta", "0.2"}, "--grid-theta does not apply to --grid uniform"},
		{[]string{"--grid", "adaptive", "--grid-theta", "0"}, "--grid-theta = 0: want a value in (0, 1]"},
		{[]string{"--grid", "adaptive", "--grid-theta", "1.5"}, "--grid-theta = 1.5: want a value in (0, 1]"},
		{[]string{"--grid", "adaptive", "--method", "iterate"}, `--method = "iterate" with --grid = "adaptive"`},
		{[]string{"--grid", "adaptive", "--T", "-1"}, "--T = -1"},
	})
}

// TestProgressAdaptive: on the adaptive grid the bar counts thousandths of
// T and the simulated time each batch has reached; at the end it shows
// 100% and every batch done.
func TestProgressAdaptive(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, label: "dmft", on: true}
	p.simTime(2)
	prob := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.1, Algo: dynamics.GD, B: 1, Eta: 2, T: 2, C0: 1,
	}
	set := dmft.Settings{Samples: 40, Batches: 2, Seed: 1, Grid: dmft.Adaptive{}, Progress: p.update, Reached: p.reached}
	if _, err := dmft.Solve(context.Background(), prob, set); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "100%") || p.complete != 2 || len(p.at) != 0 {
		t.Errorf("bar %q; %d batches complete, %v running", b.String(), p.complete, p.at)
	}
	p.reached(0, 0.5)
	if line := p.line(250, 1000, 0); !strings.Contains(line, " 25%") || !strings.Contains(line, "t=0.5/2") {
		t.Errorf("bar %q", line)
	}
}

// TestDMFTForceSampling: --force-sampling samples the square loss that the
// DMFT otherwise solves exactly (the peer's teacher–student setting): the
// two agree within the sampled m's Monte-Carlo error (5 standard errors,
// false-failure rate below 1e-5 per point over 6 points).
func TestDMFTForceSampling(t *testing.T) {
	dir := t.TempDir()
	common := []string{"dmft", "--data", "teacher-student", "--link", "linear", "--loss", "square", "--alpha", "3", "--lambda", "0.5",
		"--eta", "0.1", "--T", "5", "--m0", "0.2", "--C0", "1.04", "--every", "10", "--samples", "4000", "--quiet"}
	exactOut, sampledOut := filepath.Join(dir, "exact"), filepath.Join(dir, "sampled")
	so, _, err := runArgs(t, append(common, "--out", exactOut)...)
	if err != nil || !strings.Contains(so, "dmft: exact") {
		t.Fatalf("exact: %v, stdout %q", err, so)
	}
	so, _, err = runArgs(t, append(common, "--force-sampling", "--out", sampledOut)...)
	if err != nil || !strings.Contains(so, "dmft: march") {
		t.Fatalf("--force-sampling: %v, stdout %q", err, so)
	}
	me, ms, se := loadVector(t, filepath.Join(exactOut, "m.npy")), loadVector(t, filepath.Join(sampledOut, "m.npy")), loadVector(t, filepath.Join(sampledOut, "m_se.npy"))
	for k := 1; k < len(me); k++ {
		if !(se[k] > 0) || math.Abs(ms[k]-me[k]) > 5*se[k] {
			t.Errorf("record %d: sampled m %v ± %v, exact %v", k, ms[k], se[k], me[k])
		}
	}
}

// TestDMFTAdaptiveCheckpointSGF: stochastic gradient flow on the adaptive
// grid through the command, with a checkpoint: the outputs equal those of
// the run without one, bit for bit (the library's tests interrupt and
// resume), and the spent checkpoint is removed.
func TestDMFTAdaptiveCheckpointSGF(t *testing.T) {
	dir := t.TempDir()
	args := []string{"dmft", "--grid", "adaptive", "--algo", "sgf", "--b", "0.3", "--tau", "1", "--T", "2", "--lambda", "0.1",
		"--samples", "400", "--batches", "2", "--quiet"}
	plain, ck := filepath.Join(dir, "plain"), filepath.Join(dir, "ck")
	if _, _, err := runArgs(t, append(args, "--out", plain)...); err != nil {
		t.Fatal(err)
	}
	withCk := filepath.Join(dir, "with")
	if _, _, err := runArgs(t, append(args, "--checkpoint", ck, "--out", withCk)...); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"t", "m", "Ctt", "test_err", "t2"} {
		a, b := loadVector(t, filepath.Join(plain, name+".npy")), loadVector(t, filepath.Join(withCk, name+".npy"))
		if !slices.Equal(a, b) || len(a) < 3 {
			t.Errorf("%s.npy: with a checkpoint %v, without %v", name, b, a)
		}
	}
	if _, err := os.Stat(filepath.Join(ck, "flow.ckpt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the spent checkpoint is still there: %v", err)
	}
}
