package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
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

// TestTheoryERM runs erm with a bias, loads erm.json and compares it with
// the library.
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
	for k, w := range map[string]float64{"m": want.M, "Ctt": want.Ctt, "bias": want.Bias, "V": want.V, "train_loss": want.TrainLoss, "train_err": want.TrainErr, "test_err": want.TestErr} {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("erm.json %s = %v (present %v), library %v", k, g, ok, w)
		}
	}
	if len(got) != 7 || !strings.Contains(stdout, `"train_err"`) {
		t.Errorf("erm.json keys %v, stdout %q", got, stdout)
	}
}

// TestTheoryBadInput: unsupported combinations exit 2 naming the flag and
// write nothing; a non-converging ERM is an error (not exit 2) and writes
// nothing.
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
		{[]string{"--bias"}, "--bias does not apply to --kind square-flow"},
		{[]string{"--dt", "0.2"}, "--dt does not apply"},
		{[]string{"--eta", "0", "--dt", "0"}, "--dt = 0"},
	})
	out := filepath.Join(t.TempDir(), "out")
	_, _, err := runArgs(t, "theory", "--kind", "erm", "--loss", "logistic", "--alpha", "0.5", "--delta", "0.1", "--out", out)
	if err == nil || errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "diverged") {
		t.Errorf("separable logistic at λ = 0: error %v, want a divergence error", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("non-converged ERM wrote output")
	}
}
