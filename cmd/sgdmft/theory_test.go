package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
	"gonum.org/v1/gonum/floats"
)

// TestTheorySquareFlow runs square-flow as discrete GD and as gradient flow,
// loads the outputs back and compares them with the library (identical
// computation: 1e-15), then repeats the discrete run from its meta.json.
func TestTheorySquareFlow(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		eta  float64 // 0: flow
		dt   float64
	}{
		{"gd", []string{"--eta", "0.2"}, 0.2, 0.2},
		{"flow", []string{"--eta", "0"}, 0, 0.1},
	} {
		out := filepath.Join(dir, c.name)
		args := append([]string{"theory", "--kind", "square-flow", "--loss", "square", "--alpha", "0.5", "--rho", "0.3",
			"--lambda", "0.01", "--T", "3", "--every", "5", "--out", out}, c.args...)
		stdout, _, err := runArgs(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "test_err=") {
			t.Errorf("%s: stdout %q", c.name, stdout)
		}
		tt := loadVector(t, filepath.Join(out, "t.npy"))
		k := int(3/c.dt + 0.5)
		if len(tt) != k/5+1 || tt[len(tt)-1] != float64(k)*c.dt {
			t.Fatalf("%s: t = %v", c.name, tt)
		}
		want, err := theory.SquareGD{Alpha: 0.5, Delta: 0.5, Lambda: 0.01, C0: 1, Eta: c.eta}.Curve(nil, tt)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]float64{}
		for _, name := range []string{"m", "Ctt", "train_loss", "test_err"} {
			got[name] = loadVector(t, filepath.Join(out, name+".npy"))
			if len(got[name]) != len(tt) {
				t.Fatalf("%s: %s has %d entries, want %d", c.name, name, len(got[name]), len(tt))
			}
		}
		for i, w := range want {
			if got["m"][i] != w.M || got["Ctt"][i] != w.Ctt || got["train_loss"][i] != w.TrainLoss || got["test_err"][i] != w.TestErr {
				t.Errorf("%s t=%v: files (%v %v %v %v), library %+v", c.name, tt[i], got["m"][i], got["Ctt"][i], got["train_loss"][i], got["test_err"][i], w)
			}
		}
	}
	again := filepath.Join(dir, "again")
	if _, _, err := runArgs(t, "theory", "--config", filepath.Join(dir, "gd", "meta.json"), "--out", again); err != nil {
		t.Fatal(err)
	}
	a, b := loadVector(t, filepath.Join(dir, "gd", "Ctt.npy")), loadVector(t, filepath.Join(again, "Ctt.npy"))
	if len(a) != len(b) || a[len(a)-1] != b[len(b)-1] {
		t.Errorf("repeated from meta.json: Ctt %v, first run %v", b, a)
	}
}

// TestTheoryERM runs erm with a bias, loads erm.json and the .npy files
// (one entry each) and compares them with the library (identical
// computation).
func TestTheoryERM(t *testing.T) {
	out := filepath.Join(t.TempDir(), "erm")
	stdout, _, err := runArgs(t, "theory", "--kind", "erm", "--loss", "hinge", "--lambda", "0.2", "--rho", "0.3", "--bias", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "erm.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want, err := theory.ERM{Model: mixture.TwoCluster(0.3, 0.5), Alpha: 2, Lambda: 0.2, Loss: loss.Hinge{}, Bias: true}.Solve()
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]float64{"m": want.M, "Ctt": want.Ctt, "bias": want.Bias, "V": want.V, "train_loss": want.TrainLoss, "train_err": want.TrainErr, "test_err": want.TestErr}
	for k, w := range fields {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("erm.json %s = %v (present %v), library %v", k, g, ok, w)
		}
		if v := loadVector(t, filepath.Join(out, k+".npy")); len(v) != 1 || v[0] != w {
			t.Errorf("%s.npy = %v, library %v", k, v, w)
		}
	}
	for k, w := range map[string]float64{"alpha": 2, "lambda": 0.2, "delta": 0.5, "rho": 0.3} {
		if v := loadVector(t, filepath.Join(out, k+".npy")); len(v) != 1 || v[0] != w {
			t.Errorf("%s.npy = %v, want [%v]", k, v, w)
		}
	}
	if len(got) != 7 || !strings.Contains(stdout, `"train_err"`) {
		t.Errorf("erm.json keys %v, stdout %q", got, stdout)
	}
	meta := readMeta(t, filepath.Join(out, "meta.json"))
	if r, ok := meta.Result["residual"].(float64); !ok || !(r <= 1e-11) {
		t.Errorf("meta.json result %v: want the residual ≤ 1e-11", meta.Result)
	}
}

// TestTheoryERMCurve: a list or range of one parameter is solved along by
// continuation; the files hold one entry per point, equal to the library's
// path (identical computation), and the run repeats from its meta.json.
func TestTheoryERMCurve(t *testing.T) {
	dir := t.TempDir()
	base := theory.ERM{Model: mixture.TwoCluster(0.2, 0.5), Alpha: 2, Lambda: 0.01, Loss: loss.Logistic{}, Bias: true}
	for _, c := range []struct {
		flag, spec string
		values     []float64
		set        func(*theory.ERM, float64)
	}{
		{"alpha", "0.5:3:6", []float64{0.5, 1, 1.5, 2, 2.5, 3}, func(e *theory.ERM, v float64) { e.Alpha = v }},
		{"alpha", "0.1:10:3:log", []float64{0.1, 1, 10}, func(e *theory.ERM, v float64) { e.Alpha = v }},
		{"lambda", "1,0.1,0.01,0.001", []float64{1, 0.1, 0.01, 0.001}, func(e *theory.ERM, v float64) { e.Lambda = v }},
		{"delta", "0.25,0.5,1", []float64{0.25, 0.5, 1}, func(e *theory.ERM, v float64) { e.Model = mixture.TwoCluster(0.2, v) }},
		{"rho", "0.1:0.5:3", []float64{0.1, 0.3, 0.5}, func(e *theory.ERM, v float64) { e.Model = mixture.TwoCluster(v, 0.5) }},
	} {
		out := filepath.Join(dir, c.flag+c.spec)
		args := []string{"theory", "--kind", "erm", "--loss", "logistic", "--lambda", "0.01", "--rho", "0.2", "--bias", "--out", out, "--" + c.flag, c.spec}
		stdout, _, err := runArgs(t, args...)
		if err != nil {
			t.Fatalf("%s %s: %v", c.flag, c.spec, err)
		}
		v := loadVector(t, filepath.Join(out, c.flag+".npy"))
		if !floats.EqualApprox(v, c.values, 1e-14) {
			t.Fatalf("%s %s: %s.npy = %v, want %v", c.flag, c.spec, c.flag, v, c.values)
		}
		want, err := theory.ERMPath(base, v, c.set) // at the values used, 0.1 + 0.5·0.4 = 0.30000000000000004
		if err != nil {
			t.Fatal(err)
		}
		m, q, res := loadVector(t, filepath.Join(out, "m.npy")), loadVector(t, filepath.Join(out, "Ctt.npy")), loadVector(t, filepath.Join(out, "residual.npy"))
		for i, w := range want {
			if m[i] != w.M || q[i] != w.Ctt || !(res[i] <= 1e-11) {
				t.Errorf("%s = %v: m %v, Ctt %v, residual %v; library %+v", c.flag, c.values[i], m[i], q[i], res[i], w)
			}
		}
		var js struct {
			Param  string               `json:"param"`
			Points []map[string]float64 `json:"points"`
		}
		b, err := os.ReadFile(filepath.Join(out, "erm.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &js); err != nil || js.Param != c.flag || len(js.Points) != len(c.values) || js.Points[len(c.values)-1]["test_err"] != want[len(want)-1].TestErr {
			t.Errorf("%s %s: erm.json %s (%v)", c.flag, c.spec, b, err)
		}
		if lines := strings.Count(stdout, "\n"); lines != len(c.values)+2 {
			t.Errorf("%s %s: stdout has %d lines, want a header, column names and %d rows:\n%s", c.flag, c.spec, lines, len(c.values), stdout)
		}
		meta := readMeta(t, filepath.Join(out, "meta.json"))
		if meta.Params[c.flag] != c.spec || meta.Result["param"] != c.flag || meta.Result["points"] != float64(len(c.values)) {
			t.Errorf("%s %s: meta.json params %v, result %v", c.flag, c.spec, meta.Params, meta.Result)
		}
	}
	again := filepath.Join(dir, "again")
	if _, _, err := runArgs(t, "theory", "--config", filepath.Join(dir, "alpha0.5:3:6", "meta.json"), "--out", again); err != nil {
		t.Fatal(err)
	}
	if a, b := loadVector(t, filepath.Join(dir, "alpha0.5:3:6", "test_err.npy")), loadVector(t, filepath.Join(again, "test_err.npy")); !slices.Equal(a, b) {
		t.Errorf("repeated from meta.json: test_err %v, first run %v", b, a)
	}
}

// TestTheoryMaxMargin runs max-margin for one point and along α, and
// compares with the library.
func TestTheoryMaxMargin(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "one")
	if _, _, err := runArgs(t, "theory", "--kind", "max-margin", "--alpha", "1", "--rho", "0.2", "--bias", "--out", out); err != nil {
		t.Fatal(err)
	}
	want, err := theory.MaxMargin{Model: mixture.TwoCluster(0.2, 0.5), Alpha: 1, Bias: true}.Solve()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	b, err := os.ReadFile(filepath.Join(out, "max-margin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, w := range map[string]float64{"overlap": want.Overlap, "margin": want.Margin, "bias": want.Bias, "test_err": want.TestErr, "support": want.Support, "alpha_c": want.AlphaC} {
		if got[k] != w {
			t.Errorf("max-margin.json %s = %v, library %v", k, got[k], w)
		}
	}
	out = filepath.Join(dir, "curve")
	if _, _, err := runArgs(t, "theory", "--kind", "max-margin", "--delta", "0.25,0.5,1", "--out", out); err != nil {
		t.Fatal(err)
	}
	ov := loadVector(t, filepath.Join(out, "overlap.npy"))
	for i, dl := range []float64{0.25, 0.5, 1} {
		w, err := theory.MaxMargin{Model: mixture.TwoCluster(0.5, dl), Alpha: 2}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		if ov[i] != w.Overlap {
			t.Errorf("Δ = %v: overlap %v, library %v", dl, ov[i], w.Overlap)
		}
	}
}

// TestTheoryBadInput: unsupported combinations exit 2 naming the flag and
// write nothing; a problem without a unique solution (λ = 0 on separable
// data, max margin on non-separable data) is an error (not exit 2) and
// writes nothing.
func TestTheoryBadInput(t *testing.T) {
	checkUsageErrors(t, []string{"theory"}, []usageCase{
		{[]string{"--kind", "square-flow", "--loss", "logistic"}, "--loss"},
		{[]string{"--kind", "square-flow", "--loss", "square", "--mixture", "three-cluster"}, "--mixture"},
		{[]string{"--kind", "square-flow", "--loss", "square", "--algo", "sgd", "--b", "0.5"}, "--algo"},
		{[]string{"--kind", "square-flow", "--loss", "square", "--m0", "0.5"}, "--m0"},
		{[]string{"--kind", "square-flow", "--loss", "square", "--eta", "2"}, "--eta = 2: want η < 2/ζ_max"},
		{[]string{"--kind", "square-flow", "--loss", "square", "--delta", "0"}, "--delta"},
		{[]string{"--kind", "erm", "--output", "quadratic"}, "--output"},
		{[]string{"--kind", "erm", "--alpha", "0"}, "--alpha"},
		{[]string{"--kind", "tea"}, "--kind"},
		{[]string{"--kind", "erm", "--T", "99"}, "--T does not apply to --kind erm"},
		{[]string{"--kind", "erm", "--eta", "0.3"}, "--eta does not apply to --kind erm"},
		{[]string{"--bias"}, "--bias does not apply to --kind square-flow (it is for erm and max-margin)"},
		{[]string{"--dt", "0.2"}, "--dt does not apply"},
		{[]string{"--eta", "0", "--dt", "0"}, "--dt = 0"},
		{[]string{"--kind", "max-margin", "--lambda", "0.1"}, "--lambda does not apply to --kind max-margin (it is for square-flow and erm)"},
		{[]string{"--kind", "max-margin", "--loss", "hinge"}, "--loss does not apply to --kind max-margin"},
		{[]string{"--alpha", "1,2"}, `--alpha = "1,2": a list or range of values applies to --kind erm and max-margin`},
		{[]string{"--kind", "erm", "--alpha", "1:3:4", "--rho", "0.2,0.3"}, "both list several values"},
		{[]string{"--kind", "erm", "--alpha", "0:2:3"}, `--alpha = "0:2:3": want a finite value > 0`},
		{[]string{"--kind", "erm", "--alpha", "1:2:x"}, "want a number, a list a,b,c, or a range lo:hi:n or lo:hi:n:log"},
		{[]string{"--kind", "erm", "--alpha", "1:2:1"}, "want 2 to"},
		{[]string{"--kind", "erm", "--lambda", "0:1:3:log"}, "a log range needs lo, hi > 0"},
		{[]string{"--kind", "max-margin", "--rho", "0.5,1"}, `--rho = "0.5,1": want 0 < rho < 1`},
	})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "erm", "--loss", "logistic", "--alpha", "0.5", "--delta", "0.1"}, "max-margin"},
		{[]string{"--kind", "erm", "--loss", "logistic", "--alpha", "0.5,8", "--delta", "0.5"}, "along --alpha: point 1 of 2 (value 0.5)"},
		{[]string{"--kind", "max-margin", "--alpha", "7"}, "not linearly separable"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		_, _, err := runArgs(t, append(append([]string{"theory"}, c.args...), "--out", out)...)
		if err == nil || errors.As(err, new(usageError)) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want a run error containing %q", c.args, err, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: wrote output", c.args)
		}
	}
}
