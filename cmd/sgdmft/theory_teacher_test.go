package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// TestTheoryTeacherSquareFlow runs square-flow for the linear teacher as
// discrete GD and as gradient flow, with label noise, m0 and C0, loads the
// outputs back and compares them with theory.TeacherSquare (the identical
// computation: equality), checks the record and the t → ∞ limit in
// meta.json, and repeats the GD run from its meta.json. The library's
// curve at m0 = 0 (the mixture's start) differs from the files, so the
// comparison sees a dropped --m0.
func TestTheoryTeacherSquareFlow(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		eta  float64 // 0: flow
		dt   float64
	}{
		{"gd", []string{"--eta", "0.1"}, 0.1, 0.1},
		{"flow", []string{"--eta", "0", "--dt", "0.25"}, 0, 0.25},
	} {
		out := filepath.Join(dir, c.name)
		args := append([]string{"theory", "--data", "teacher-student", "--link", "linear", "--label-noise", "0.3",
			"--kind", "square-flow", "--alpha", "3", "--lambda", "0.5", "--m0", "0.2", "--C0", "1.04", "--T", "5", "--every", "2", "--out", out}, c.args...)
		stdout, _, err := runArgs(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "test_mse=") || !strings.Contains(stdout, "t=∞:") {
			t.Errorf("%s: stdout %q", c.name, stdout)
		}
		tt := loadVector(t, filepath.Join(out, "t.npy"))
		k := int(5/c.dt + 0.5)
		if len(tt) != (k+1)/2+1 || tt[len(tt)-1] != float64(k)*c.dt {
			t.Fatalf("%s: t = %v", c.name, tt)
		}
		s := theory.TeacherSquare{Alpha: 3, Lambda: 0.5, Noise: 0.3, M0: 0.2, C0: 1.04, Eta: c.eta}
		want, err := s.Curve(nil, tt)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]float64{}
		for _, name := range []string{"m", "Ctt", "train_loss", "train_err", "test_err", "test_loss"} {
			got[name] = loadVector(t, filepath.Join(out, name+".npy"))
			if len(got[name]) != len(tt) {
				t.Fatalf("%s: %s has %d entries, want %d", c.name, name, len(got[name]), len(tt))
			}
		}
		for i, w := range want {
			lib := map[string]float64{"m": w.M, "Ctt": w.Ctt, "train_loss": w.TrainLoss, "train_err": 2 * w.TrainLoss, "test_err": w.TestMSE, "test_loss": w.TestLoss}
			for name, v := range lib {
				if got[name][i] != v {
					t.Errorf("%s t=%v: %s = %v, library %v", c.name, tt[i], name, got[name][i], v)
				}
			}
		}
		s.M0 = 0
		if w0, err := s.Curve(nil, tt[:1]); err != nil || w0[0].M == got["m"][0] {
			t.Errorf("%s: m(0) = %v is also the library's at m0 = 0 (%v, %v): the test cannot see --m0", c.name, got["m"][0], w0, err)
		}
		s.M0 = 0.2
		meta := readMeta(t, filepath.Join(out, "meta.json"))
		for k, v := range map[string]any{"data": "teacher-student", "link": "linear", "label-noise": 0.3, "m0": 0.2, "C0": 1.04} {
			if meta.Params[k] != v {
				t.Errorf("%s: params[%s] = %v, want %v", c.name, k, meta.Params[k], v)
			}
		}
		for _, k := range []string{"rho", "delta", "bias"} {
			if _, ok := meta.Params[k]; ok {
				t.Errorf("%s: params has --%s, which does not apply to teacher-student", c.name, k)
			}
		}
		lim, err := s.Limit()
		if err != nil {
			t.Fatal(err)
		}
		gl, _ := meta.Result["limit"].(map[string]any)
		if gl["m"] != lim.M || gl["Ctt"] != lim.Ctt || gl["test_mse"] != lim.TestMSE || gl["train_loss"] != lim.TrainLoss {
			t.Errorf("%s: meta.json limit %v, library %+v", c.name, gl, lim)
		}
	}
	again := filepath.Join(dir, "again")
	if _, _, err := runArgs(t, "theory", "--config", filepath.Join(dir, "gd", "meta.json"), "--out", again); err != nil {
		t.Fatal(err)
	}
	a, b := loadVector(t, filepath.Join(dir, "gd", "m.npy")), loadVector(t, filepath.Join(again, "m.npy"))
	if len(a) != len(b) || a[len(a)-1] != b[len(b)-1] {
		t.Errorf("repeated from meta.json: m %v, first run %v", b, a)
	}
}

// TestTheoryTeacherSquareFlowLinks: square-flow for the ReLU and sign
// teachers writes the library's curves (theory.TeacherSquare with the
// link: equality), test_mse for both, for ReLU the MSEs as train_err and
// test_err, for the sign teacher's ±1 labels the classification test error
// at the curve's m and Ctt and a NaN train_err (no closed form).
func TestTheoryTeacherSquareFlowLinks(t *testing.T) {
	dir := t.TempDir()
	for _, link := range []teacher.Link{teacher.ReLU{}, teacher.Sign{}} {
		tm := teacher.Model{Link: link, Noise: 0.2}
		out := filepath.Join(dir, link.Name())
		if _, _, err := runArgs(t, "theory", "--data", "teacher-student", "--link", link.Name(), "--label-noise", "0.2",
			"--alpha", "2", "--lambda", "0.1", "--m0", "0.1", "--C0", "1", "--T", "3", "--out", out); err != nil {
			t.Fatal(err)
		}
		tt := loadVector(t, filepath.Join(out, "t.npy"))
		want, err := theory.TeacherSquare{Alpha: 2, Lambda: 0.1, Noise: 0.2, M0: 0.1, C0: 1, Eta: 0.1, Link: link}.Curve(nil, tt)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]float64{}
		for _, name := range []string{"m", "Ctt", "train_loss", "train_err", "test_err", "test_loss", "test_mse"} {
			got[name] = loadVector(t, filepath.Join(out, name+".npy"))
		}
		fn := loss.Func{Margin: loss.Square{}, Output: loss.Linear{}}
		for i, w := range want {
			lib := map[string]float64{"m": w.M, "Ctt": w.Ctt, "train_loss": w.TrainLoss, "test_mse": w.TestMSE,
				"train_err": 2 * w.TrainLoss, "test_err": w.TestMSE, "test_loss": w.TestLoss}
			if link.Binary() {
				lib["train_err"] = math.NaN()
				lib["test_err"] = theory.TeacherTestError(tm, loss.Linear{}, w.M, w.Ctt)
				lib["test_loss"] = theory.TeacherTestLoss(tm, fn, w.M, w.Ctt)
			}
			for name, v := range lib {
				if g := got[name][i]; g != v && !(math.IsNaN(g) && math.IsNaN(v)) {
					t.Errorf("%s t=%v: %s = %v, library %v", link.Name(), tt[i], name, g, v)
				}
			}
		}
	}
}

// TestTheoryTeacherERM runs erm for the linear teacher (square loss) and
// the noisy sign teacher (logistic), one point each, and the sign teacher
// along a list of λ, and compares erm.json and the .npy files with
// theory.TeacherERM (identical computation: equality).
func TestTheoryTeacherERM(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		e    theory.TeacherERM
	}{
		{"linear", []string{"--link", "linear", "--label-noise", "0.2", "--alpha", "3", "--lambda", "0.5"},
			theory.TeacherERM{Teacher: teacher.Model{Link: teacher.Linear{}, Noise: 0.2}, Alpha: 3, Lambda: 0.5, Loss: loss.Square{}}},
		{"sign", []string{"--link", "sign", "--label-noise", "0.2", "--loss", "logistic", "--alpha", "2", "--lambda", "0.5"},
			theory.TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}, Noise: 0.2}, Alpha: 2, Lambda: 0.5, Loss: loss.Logistic{}}},
	} {
		out := filepath.Join(dir, c.name)
		stdout, _, err := runArgs(t, append(append([]string{"theory", "--data", "teacher-student", "--kind", "erm"}, c.args...), "--out", out)...)
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.e.Solve()
		if err != nil {
			t.Fatal(err)
		}
		// The linear teacher's errors are mean squared errors (the library's
		// classification errors are NaN there).
		trainErr, testErr := want.TrainErr, want.TestErr
		if c.name == "linear" {
			trainErr, testErr = 2*want.TrainLoss, want.TestMSE
		}
		fields := map[string]float64{"m": want.M, "Ctt": want.Ctt, "V": want.V, "train_loss": want.TrainLoss,
			"train_err": trainErr, "test_err": testErr, "test_mse": want.TestMSE}
		var got map[string]float64
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "erm.json"))), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(fields) || !strings.Contains(stdout, `"test_mse"`) {
			t.Errorf("%s: erm.json %v, stdout %q", c.name, got, stdout)
		}
		for k, w := range fields {
			if math.IsNaN(w) || got[k] != w {
				t.Errorf("%s: erm.json %s = %v, library %v", c.name, k, got[k], w)
			}
			if v := loadVector(t, filepath.Join(out, k+".npy")); len(v) != 1 || v[0] != w {
				t.Errorf("%s: %s.npy = %v, library %v", c.name, k, v, w)
			}
		}
		if v := loadVector(t, filepath.Join(out, "alpha.npy")); len(v) != 1 || v[0] != c.e.Alpha {
			t.Errorf("%s: alpha.npy = %v", c.name, v)
		}
		meta := readMeta(t, filepath.Join(out, "meta.json"))
		if r, ok := meta.Result["residual"].(float64); !ok || !(r <= 1e-11) || meta.Result["status"] != "converged" {
			t.Errorf("%s: meta.json result %v: want converged, residual ≤ 1e-11", c.name, meta.Result)
		}
	}

	out := filepath.Join(dir, "lambda")
	lambdas := []float64{1, 0.1, 0.01}
	stdout, _, err := runArgs(t, "theory", "--data", "teacher-student", "--kind", "erm", "--link", "sign", "--loss", "logistic",
		"--lambda", "1,0.1,0.01", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(stdout, "\n"); lines != len(lambdas)+2 {
		t.Errorf("stdout has %d lines, want a header, column names and %d rows:\n%s", lines, len(lambdas), stdout)
	}
	m, te := loadVector(t, filepath.Join(out, "m.npy")), loadVector(t, filepath.Join(out, "test_err.npy"))
	for i, l := range lambdas {
		w, err := theory.TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}}, Alpha: 2, Lambda: l, Loss: loss.Logistic{}}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		if m[i] != w.M || te[i] != w.TestErr {
			t.Errorf("λ = %v: m %v, test_err %v; library %+v", l, m[i], te[i], w)
		}
	}
	if meta := readMeta(t, filepath.Join(out, "meta.json")); meta.Params["lambda"] != "1,0.1,0.01" || meta.Result["param"] != "lambda" || meta.Result["points"] != 3.0 {
		t.Errorf("meta.json params %v, result %v", meta.Params, meta.Result)
	}
}

// TestTheoryTeacherBadInput: the combinations the library refuses, and the
// flags of the other data model or kind, exit 2 naming the flag and write
// nothing; a problem without a unique minimiser is a run error that writes
// nothing.
func TestTheoryTeacherBadInput(t *testing.T) {
	ts := []string{"theory", "--data", "teacher-student"}
	checkUsageErrors(t, ts, []usageCase{
		{[]string{"--link", "relu", "--loss", "hinge"}, `--loss = "hinge": --kind square-flow is the square loss`},
		{[]string{"--link", "relu", "--kind", "erm", "--loss", "square"}, `--link = "relu": the teacher's ERM fixed point is for the linear and sign teachers`},
		{[]string{"--link", "linear", "--loss", "logistic"}, `--loss = "logistic": --kind square-flow is the square loss`},
		{[]string{"--link", "linear", "--kind", "erm", "--loss", "logistic"}, `--loss = "logistic" with --link = "linear": want square`},
		{[]string{"--link", "sign", "--kind", "erm", "--loss", "hinge", "--lambda", "0", "--label-noise", "0.1"}, "--lambda = 0 with --loss"},
		{[]string{"--link", "linear", "--m0", "1.1"}, "--C0 = 1 with --m0 = 1.1"},
		{[]string{"--link", "linear", "--label-noise", "-1"}, "--label-noise = -1"},
		{[]string{"--link", "linear", "--alpha", "3", "--eta", "0.3"}, "--eta = 0.3: want η < 2/ζ_max"},
		{[]string{"--link", "linear", "--eta", "0", "--dt", "0.5", "--T", "0.2"}, "--T = 0.2 with --dt = 0.5"},
		{[]string{"--link", "linear", "--alpha", "1,2"}, "a list or range of values applies to --kind erm"},
		{[]string{"--kind", "max-margin"}, `--kind = "max-margin": not available for --data teacher-student`},
		{[]string{"--rho", "0.3"}, "--rho does not apply to --data teacher-student"},
		{[]string{"--kind", "erm", "--delta", "1"}, "--delta does not apply to --data teacher-student"},
		{[]string{"--kind", "erm", "--bias"}, "--bias does not apply to --data teacher-student"},
		{[]string{"--kind", "erm", "--m0", "0.2"}, "--m0 does not apply to --kind erm"},
		{[]string{"--link", "tanh"}, `--link = "tanh"`},
	})
	checkUsageErrors(t, []string{"theory"}, []usageCase{
		{[]string{"--m0", "0.2"}, "--m0 does not apply to --data two-cluster"},
		{[]string{"--link", "linear"}, "--link does not apply to --data two-cluster"},
	})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "erm", "--link", "sign", "--loss", "logistic"}, "linearly separable"},
		{[]string{"--kind", "erm", "--link", "linear", "--alpha", "0.5"}, "no unique minimiser"},
		{[]string{"--kind", "erm", "--link", "linear", "--alpha", "0.5", "--lambda", "0.5,0"}, "--lambda = 0 (point 2 of 2)"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		_, _, err := runArgs(t, append(append(append([]string(nil), ts...), c.args...), "--out", out)...)
		if err == nil || errors.As(err, new(usageError)) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want a run error containing %q", c.args, err, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: wrote output", c.args)
		}
	}
}
