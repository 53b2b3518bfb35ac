package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
)

// TestForeignFlags: every command rejects a flag of another command (exit
// 2, naming it), as the example does: theory --kind erm --seed 7
// --tau 3 --T 99 --eta 0.3 used to exit 0 having ignored them.
func TestForeignFlags(t *testing.T) {
	for _, c := range []struct {
		cmd   []string
		flags []string // each a flag of another command
	}{
		{[]string{"simulate"}, []string{"samples", "batches", "method", "kind", "bias", "dt", "scenario"}},
		{[]string{"dmft"}, []string{"d", "seeds", "test-samples", "integrator", "float32", "kind", "bias", "scenario"}},
		{[]string{"theory", "--kind", "erm"}, []string{"seed", "tau", "algo", "b", "mixture", "clusters", "output", "kappa", "m0", "d", "samples", "workers", "quiet"}},
		{[]string{"theory"}, []string{"seed", "tau", "algo", "b", "m0", "samples", "scenario"}},
		{[]string{"validate"}, []string{"alpha", "d", "samples", "kind"}},
	} {
		var cases []usageCase
		for _, name := range c.flags {
			// The validate command is another helper's; its messages name the
			// flag as the flag package does, -name.
			cases = append(cases, usageCase{[]string{"--" + name, "1"}, "-" + name})
		}
		checkUsageErrors(t, c.cmd, cases)
	}
	// The commands that have the flag are named.
	_, _, err := runArgs(t, "theory", "--seed", "7")
	if err == nil || !strings.Contains(err.Error(), "--seed does not apply to sgdmft theory (it is a flag of simulate, dmft") {
		t.Errorf("theory --seed: %v", err)
	}
}

// TestRunFlags: a flag of the command that does not apply to the run, given
// on the command line or by --config, is an error naming it and why.
func TestRunFlags(t *testing.T) {
	checkUsageErrors(t, []string{"simulate", "--d", "10", "--seeds", "1"}, []usageCase{
		{[]string{"--tau", "1"}, "--tau does not apply to --algo gd"},
		{[]string{"--algo", "sgd", "--b", "0.3", "--tau", "1"}, "--tau does not apply to --algo sgd"},
		{[]string{"--kappa", "2"}, "--kappa does not apply to --output linear"},
		{[]string{"--mixture", "three-cluster", "--output", "linear", "--kappa", "2"}, "--kappa does not apply"},
		{[]string{"--rho", "0.3", "--mixture", "custom", "--clusters", "1:1:1"}, "--rho does not apply to --mixture custom"},
		{[]string{"--clusters", "1:1:1"}, "--clusters does not apply to --data two-cluster"},
	})
	checkUsageErrors(t, []string{"dmft", "--samples", "20"}, []usageCase{
		{[]string{"--iters", "3"}, "--iters does not apply to --method march"},
		{[]string{"--tol", "0.1"}, "--tol does not apply to --method march"},
	})
	config := writeJSON(t, map[string]any{"params": map[string]any{"algo": "gd", "tau": 1}})
	checkUsageErrors(t, []string{"simulate", "--config", config}, []usageCase{
		{nil, "--tau does not apply to --algo gd (only psgd and sgf use it) (it comes from --config " + config},
	})
}

// TestDefaults: every command runs on its defaults. theory runs with no
// flag at all; simulate and dmft (seconds of work at their defaults) are
// parsed and validated by the library without running.
func TestDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	stdout, _, err := runArgs(t, "theory")
	if err != nil {
		t.Fatalf("sgdmft theory: %v", err)
	}
	if !strings.Contains(stdout, "test_err=") || len(loadVector(t, filepath.Join("out", "theory", "m.npy"))) != 101 {
		t.Errorf("sgdmft theory: stdout %q", stdout)
	}
	if _, _, err := runArgs(t, "theory", "--kind", "erm"); err != nil {
		t.Errorf("sgdmft theory --kind erm: %v", err)
	}
	s, err := parseSimulate(nil, io.Discard)
	if err != nil {
		t.Fatalf("simulate defaults: %v", err)
	}
	if err := s.prob.Validate(); err != nil || s.prob.Steps() != 100 {
		t.Errorf("simulate defaults: %v, %d steps", err, s.prob.Steps())
	}
	if err := s.set.Validate(); err != nil || s.set.D != 1000 || s.set.Seeds != 8 {
		t.Errorf("simulate defaults: %+v, %v", s.set, err)
	}
	d, err := parseDMFT(nil, io.Discard)
	if err != nil {
		t.Fatalf("dmft defaults: %v", err)
	}
	if err := d.set.Validate(); err != nil || d.set.Samples != 20000 || d.set.Method.String() != "march" {
		t.Errorf("dmft defaults: %+v, %v", d.set, err)
	}
}

// TestOneStep: a final time below half a step ran zero steps; now it is an
// error naming --T and --eta (--dt for theory's gradient flow).
func TestOneStep(t *testing.T) {
	checkUsageErrors(t, nil, []usageCase{
		{[]string{"simulate", "--eta", "50", "--T", "10"}, "--T = 10 with --eta = 50: want T >= η/2 = 25"},
		{[]string{"dmft", "--eta", "50", "--T", "10"}, "--T = 10 with --eta = 50"},
		{[]string{"theory", "--T", "0.04"}, "--T = 0.04 with --eta = 0.1"},
		{[]string{"theory", "--eta", "0", "--dt", "0.5", "--T", "0.2"}, "--T = 0.2 with --dt = 0.5"},
	})
	// Half a step rounds up to one.
	out := filepath.Join(t.TempDir(), "one")
	if _, _, err := runArgs(t, "simulate", "--eta", "0.5", "--T", "0.25", "--d", "10", "--seeds", "1", "--quiet", "--out", out); err != nil {
		t.Fatal(err)
	}
	if tt := loadVector(t, filepath.Join(out, "t.npy")); len(tt) != 2 {
		t.Errorf("t = %v, want one step", tt)
	}
}

// TestFieldFlags: each rule of the library's Validate methods, broken from
// the command line, is reported with the flag of its field (and the flags
// of the fields it couples), through the one table fieldFlags.
func TestFieldFlags(t *testing.T) {
	sim := []string{"simulate", "--d", "10", "--seeds", "1", "--T", "0.2"}
	checkUsageErrors(t, sim, []usageCase{
		// dynamics.Problem.Validate and ValidateModel
		{[]string{"--alpha", "-1"}, "--alpha = -1: want a finite value > 0"},
		{[]string{"--alpha", "+Inf"}, "--alpha = +Inf"},
		{[]string{"--lambda", "-0.1"}, "--lambda = -0.1: want a finite value >= 0"},
		{[]string{"--eta", "-1"}, "--eta = -1: want a finite value > 0"},
		{[]string{"--T", "0"}, "--T = 0: want a finite value > 0"},
		{[]string{"--T", "1e9"}, "--T = 1e+09 with --eta = 0.1: want T <= 5e+06"},
		{[]string{"--T", "0.04"}, "--T = 0.04 with --eta = 0.1: want T >= η/2"},
		{[]string{"--m0", "NaN"}, "--m0 = NaN: want a finite value"},
		{[]string{"--m0", "1", "--C0", "0.5"}, "--C0 = 0.5 with --m0 = 1: want a finite value >= m0² = 1"},
		{[]string{"--b", "0.5"}, `--b = 0.5 with --algo = "gd": want b = 1 for gd`},
		{[]string{"--algo", "sgd"}, `--b = 0 with --algo = "sgd": want 0 < b < 1`},
		{[]string{"--algo", "sgf", "--b", "1"}, `--b = 1 with --algo = "sgf"`},
		{[]string{"--delta", "-1"}, "--delta = -1: mixture: delta"},
		{[]string{"--rho", "1.5"}, "--rho = 1.5: want 0 < rho < 1"},
		{[]string{"--mixture", "three-cluster", "--rho", "0"}, "--rho = 0: want 0 < rho < 1"},
		{[]string{"--mixture", "custom", "--clusters", "1:0.5:1,-1:0.5:2"}, `--clusters = "1:0.5:1,-1:0.5:2": mixture: cluster 1 label`},
		// dynamics.Persistent and Telegraph
		{[]string{"--algo", "psgd", "--b", "0.3"}, "--tau = 0: want a finite value > 0"},
		{[]string{"--algo", "sgf", "--b", "0.3", "--tau", "-1"}, "--tau = -1"},
		{[]string{"--algo", "psgd", "--b", "0.3", "--tau", "0.2"}, "--tau = 0.2 with --eta = 0.1, --b = 0.3: want τ >= max(η, η(1−b)/b) = 0.233333"},
		// dynamics.ValidateEvery via sde.Settings.Validate
		{[]string{"--every", "0"}, "--every = 0: want at least 1"},
		// sde.Settings.Validate
		{[]string{"--d", "0"}, "--d = 0: want at least 1"},
		{[]string{"--seeds", "-2"}, "--seeds = -2: want at least 1"},
		{[]string{"--workers", "0"}, "--workers = 0: want at least 1"},
	})
	checkUsageErrors(t, []string{"dmft", "--samples", "20", "--T", "0.2"}, []usageCase{
		// dmft.Settings.Validate and Iterate.validate
		{[]string{"--samples", "-4"}, "--samples = -4: want at least 1"},
		{[]string{"--response-samples", "40"}, "--response-samples = 40 with --samples = 20: want between 2 and Samples = 20"},
		{[]string{"--response-samples", "1"}, "--response-samples = 1"},
		{[]string{"--batches", "0"}, "--batches = 0: want at least 1"},
		{[]string{"--workers", "-1"}, "--workers = -1: want at least 1"},
		{[]string{"--method", "iterate", "--damping", "-0.5"}, "--damping = -0.5: want 0 <= damping < 1"},
		{[]string{"--method", "iterate", "--iters", "-3"}, "--iters = -3: want at least 1"},
		{[]string{"--method", "iterate", "--tol", "+Inf"}, "--tol = +Inf: want a finite value > 0"},
		{[]string{"--every", "0"}, "--every = 0: want at least 1"},
	})
	checkUsageErrors(t, []string{"theory"}, []usageCase{
		// theory.SquareGD.Validate
		{[]string{"--delta", "0"}, "--delta = 0: want a finite value > 0"},
		{[]string{"--eta", "-0.1"}, "--eta = -0.1: want a value > 0 (discrete GD) or 0 (gradient flow)"},
		{[]string{"--eta", "0.6"}, "--eta = 0.6: want η < 2/ζ_max"},
		{[]string{"--C0", "-1"}, "--C0 = -1: want a finite value >= 0"},
		{[]string{"--rho", "0"}, "--rho = 0: want 0 < rho < 1"},
		{[]string{"--every", "0"}, "--every = 0"},
		// theory.ERM.Validate
		{[]string{"--kind", "erm", "--alpha", "0"}, "--alpha = 0: want a finite value > 0"},
		{[]string{"--kind", "erm", "--lambda", "NaN"}, "--lambda = NaN"},
		{[]string{"--kind", "erm", "--delta", "0"}, "--delta = 0: want a value > 0"},
		{[]string{"--kind", "erm", "--rho", "1"}, "--rho = 1: want 0 < rho < 1"},
	})
}

// TestFieldFlagsTable: every flag in the field table is a flag of some
// command, and the library reports the fields the table names.
func TestFieldFlagsTable(t *testing.T) {
	for field, ff := range fieldFlags {
		found := false
		for _, build := range flagSets {
			found = found || build().Lookup(ff.flag) != nil
		}
		if !found {
			t.Errorf("fieldFlags[%q] = --%s, a flag of no command", field, ff.flag)
		}
	}
	var fe *dynamics.FieldError
	if err := (dynamics.Problem{}).Validate(); !errors.As(err, &fe) || fe.Field != "Model.Clusters" {
		t.Errorf("zero Problem: %v, want a FieldError on Model.Clusters", err)
	}
}

// TestHelp: help CMD and CMD -h list exactly the command's flags, each with
// its default; bad input and help write nothing.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"simulate", "dmft", "theory"} {
		_, stderr, err := runArgs(t, "help", cmd)
		if !errors.Is(err, flag.ErrHelp) { // main exits 0 for it
			t.Fatalf("help %s: %v", cmd, err)
		}
		if _, stderr2, err := runArgs(t, cmd, "-h"); !errors.Is(err, flag.ErrHelp) || stderr2 != stderr {
			t.Errorf("%s -h: %v, or output differs from help %s", cmd, err, cmd)
		}
		f := flagSets[cmd]()
		var listed []string
		for _, line := range strings.Split(stderr, "\n") {
			if name, ok := strings.CutPrefix(line, "  --"); ok {
				listed = append(listed, strings.Fields(name)[0])
			}
		}
		var all []string
		f.VisitAll(func(fl *flag.Flag) {
			all = append(all, fl.Name)
			if fl.DefValue != "" && fl.DefValue != "false" && !strings.Contains(stderr, "(default "+fl.DefValue) &&
				!strings.Contains(stderr, `(default "`+fl.DefValue) {
				t.Errorf("help %s: no default for --%s", cmd, fl.Name)
			}
		})
		slices.Sort(listed)
		if !slices.Equal(listed, all) {
			t.Errorf("help %s lists %v, the command has %v", cmd, listed, all)
		}
	}
	_, stderr, _ := runArgs(t, "help", "theory")
	for _, name := range []string{"seed", "algo", "tau", "b", "clusters", "mixture", "workers"} {
		if strings.Contains(stderr, "--"+name+" ") {
			t.Errorf("help theory lists --%s", name)
		}
	}
	if _, stderr, err := runArgs(t, "simulate", "-h"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "--alpha float") || !strings.Contains(stderr, "(default 2)") {
		t.Errorf("simulate -h: err %v, stderr %q", err, stderr)
	}
}

// TestMeta: meta.json records the command line, the version, the wall
// time, and every flag that applies to the run after defaults (resolved
// ones included), and nothing that does not apply.
func TestMeta(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sim")
	args := []string{"simulate", "--d", "20", "--seeds", "2", "--T", "0.3", "--quiet", "--out", out}
	if _, _, err := runArgs(t, args...); err != nil {
		t.Fatal(err)
	}
	meta := readMeta(t, filepath.Join(out, "meta.json"))
	if meta.Command != "simulate" || !slices.Equal(meta.Args, append([]string{"sgdmft"}, args...)) ||
		!strings.HasPrefix(meta.Version, version) || meta.WallTime <= 0 || meta.Started == "" {
		t.Errorf("meta.json: %+v", meta)
	}
	want := map[string]any{"d": 20.0, "seeds": 2.0, "T": 0.3, "seed": 1.0, "b": 1.0, "output": "linear", "algo": "gd", "alpha": 2.0, "data": "two-cluster"}
	for k, v := range want {
		if meta.Params[k] != v {
			t.Errorf("params[%s] = %v, want %v", k, meta.Params[k], v)
		}
	}
	for _, k := range []string{"tau", "kappa", "clusters", "out", "quiet", "config", "mixture", "link", "label-noise"} {
		if _, ok := meta.Params[k]; ok {
			t.Errorf("params has %s, which does not apply or is not recorded", k)
		}
	}
	if meta.Result["n"] != 40.0 || meta.Result["steps"] != 3.0 {
		t.Errorf("result %v, want n = 40, steps = 3", meta.Result)
	}
	// theory has no seed; erm records its own flags only.
	out = filepath.Join(dir, "erm")
	if _, _, err := runArgs(t, "theory", "--kind", "erm", "--lambda", "0.1", "--out", out); err != nil {
		t.Fatal(err)
	}
	meta = readMeta(t, filepath.Join(out, "meta.json"))
	var keys []string
	for k := range meta.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if w := []string{"alpha", "bias", "data", "delta", "kind", "lambda", "loss", "rho"}; !slices.Equal(keys, w) {
		t.Errorf("theory erm params %v, want %v", keys, w)
	}
}

// TestConfig: a run's meta.json repeats the run for each command (the
// values and defaults it records, explicit flags winning), and a --config
// key that is not a flag of the command is an error naming it.
func TestConfig(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		file string // compared between the runs
	}{
		{[]string{"simulate", "--d", "30", "--seeds", "2", "--T", "0.5", "--algo", "psgd", "--b", "0.4", "--tau", "0.5", "--seed", "9", "--quiet"}, "m_seeds.npy"},
		{[]string{"dmft", "--samples", "40", "--batches", "2", "--T", "0.5", "--algo", "sgd", "--b", "0.4", "--method", "iterate", "--iters", "2", "--quiet"}, "m.npy"},
		{[]string{"theory", "--eta", "0", "--dt", "0.25", "--T", "1", "--lambda", "0.2"}, "Ctt.npy"},
	} {
		cmd := c.args[0]
		first, again := filepath.Join(dir, cmd+"1"), filepath.Join(dir, cmd+"2")
		if _, _, err := runArgs(t, append(c.args, "--out", first)...); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runArgs(t, cmd, "--config", filepath.Join(first, "meta.json"), "--out", again); err != nil {
			t.Fatalf("%s --config: %v", cmd, err)
		}
		a, b := loadVector(t, filepath.Join(first, "t.npy")), loadVector(t, filepath.Join(again, "t.npy"))
		if !slices.Equal(a, b) {
			t.Errorf("%s: t %v, repeated %v", cmd, a, b)
		}
		x, y := readFile(t, filepath.Join(first, c.file)), readFile(t, filepath.Join(again, c.file))
		if x != y {
			t.Errorf("%s: %s differs when repeated from meta.json", cmd, c.file)
		}
		m1, m2 := readMeta(t, filepath.Join(first, "meta.json")), readMeta(t, filepath.Join(again, "meta.json"))
		if len(m1.Params) != len(m2.Params) {
			t.Errorf("%s: params %v, repeated %v", cmd, m1.Params, m2.Params)
		}
		for k, v := range m1.Params {
			if m2.Params[k] != v {
				t.Errorf("%s: params[%s] = %v, repeated %v", cmd, k, v, m2.Params[k])
			}
		}
	}
	// An explicit flag overrides the record.
	over := filepath.Join(dir, "over")
	if _, _, err := runArgs(t, "theory", "--config", filepath.Join(dir, "theory1", "meta.json"), "--T", "2", "--out", over); err != nil {
		t.Fatal(err)
	}
	if tt := loadVector(t, filepath.Join(over, "t.npy")); len(tt) != 9 || tt[8] != 2 {
		t.Errorf("--T 2 over the record: t = %v", tt)
	}
	checkUsageErrors(t, nil, []usageCase{
		{[]string{"simulate", "--config", filepath.Join(dir, "dmft1", "meta.json")}, "the record of sgdmft dmft, not simulate"},
		{[]string{"theory", "--config", writeJSON(t, map[string]any{"alpha": 1, "seed": 3})}, `"seed" is not a flag of sgdmft theory`},
		{[]string{"theory", "--config", writeJSON(t, map[string]any{"params": map[string]any{"tau": 1}})}, `"tau" is not a flag of sgdmft theory`},
		{[]string{"theory", "--config", writeJSON(t, map[string]any{"alpha": "many"})}, "alpha"},
		{[]string{"theory", "--config", writeJSON(t, map[string]any{"alpha": []int{1}})}, "alpha"},
		{[]string{"theory", "--config", writeJSON(t, map[string]any{"kind": "erm", "T": 3})}, "--T does not apply to --kind erm"},
		{[]string{"dmft", "--config", writeJSON(t, map[string]any{"samples": 0})}, "--samples = 0: want at least 1"},
	})
}

type metaFile struct {
	Command  string         `json:"command"`
	Args     []string       `json:"args"`
	Version  string         `json:"version"`
	Started  string         `json:"started"`
	WallTime float64        `json:"wall_time_s"`
	Params   map[string]any `json:"params"`
	Result   map[string]any `json:"result"`
}

func readMeta(t *testing.T, path string) metaFile {
	t.Helper()
	var m metaFile
	if err := json.Unmarshal([]byte(readFile(t, path)), &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeJSON writes v to a fresh file and returns its path.
func writeJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
