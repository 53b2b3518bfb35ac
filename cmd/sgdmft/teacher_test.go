package main

import (
	"io"
	"math"
	"path/filepath"
	"testing"
)

// TestTeacherSimulate runs simulate --data teacher-student on a ReLU teacher
// with the square loss: it writes the observables, the record holds the data
// model (data, link, label-noise) and none of the mixture's flags, and the
// test MSE at t = 0 is that of the initial weights: with m0 = 0, C0 = 1,
// E[(relu(h0) + σε − r)²] = 1/2 − m + C + σ² = 1.54 at σ = 0.2 for (m, C) =
// (0, 1). The recorded value is the closed form at each seed's m(0), C(0):
// C(0) − 1 has sd √(2/d) (χ²) and m(0) sd √(1/d), so the mean over 2 seeds
// has sd √(1.5/d); tolerance 5 sd (false-failure rate 6e-7).
func TestTeacherSimulate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ts")
	args := []string{"simulate", "--data", "teacher-student", "--link", "relu", "--label-noise", "0.2", "--loss", "square",
		"--d", "500", "--seeds", "2", "--T", "1", "--test-samples", "200", "--quiet", "--out", out}
	if _, _, err := runArgs(t, args...); err != nil {
		t.Fatal(err)
	}
	meta := readMeta(t, filepath.Join(out, "meta.json"))
	for k, v := range map[string]any{"data": "teacher-student", "link": "relu", "label-noise": 0.2, "loss": "square", "output": "linear"} {
		if meta.Params[k] != v {
			t.Errorf("params[%s] = %v, want %v", k, meta.Params[k], v)
		}
	}
	for _, k := range []string{"rho", "delta", "clusters", "mixture"} {
		if _, ok := meta.Params[k]; ok {
			t.Errorf("params has --%s, which does not apply to teacher-student", k)
		}
	}
	te := loadVector(t, filepath.Join(out, "test_err.npy"))
	if want := 0.5 + 1 + 0.04; math.Abs(te[0]-want) > 5*math.Sqrt(1.5/500) {
		t.Errorf("test MSE at t = 0: %v, want %v", te[0], want)
	}
	if len(loadVector(t, filepath.Join(out, "test_err_emp.npy"))) != len(te) {
		t.Error("no empirical test error")
	}
	// --mixture is an alias of --data, recorded as --data.
	out2 := filepath.Join(t.TempDir(), "alias")
	if _, _, err := runArgs(t, "simulate", "--mixture", "teacher-student", "--link", "sign", "--d", "50", "--seeds", "1", "--T", "0.2", "--quiet", "--out", out2); err != nil {
		t.Fatal(err)
	}
	if m := readMeta(t, filepath.Join(out2, "meta.json")); m.Params["data"] != "teacher-student" || m.Params["link"] != "sign" {
		t.Errorf("alias: params %v", m.Params)
	}
}

// TestTeacherFlags: the flags of the other data model, a bad link or noise,
// a loss without meaning for real labels, and conflicting --data and
// --mixture are usage errors naming the flag, for simulate and dmft; dmft
// passes a valid teacher problem through; theory refuses the teacher's
// combinations it has no closed form for (TestTheoryTeacherBadInput has
// the rest).
func TestTeacherFlags(t *testing.T) {
	ts := []string{"--data", "teacher-student"}
	cases := []usageCase{
		{append(ts, "--rho", "0.3"), "--rho does not apply to --data teacher-student"},
		{append(ts, "--delta", "0.3"), "--delta does not apply to --data teacher-student"},
		{append(ts, "--clusters", "1:1:1"), "--clusters does not apply"},
		{[]string{"--link", "sign"}, "--link does not apply to --data two-cluster"},
		{[]string{"--mixture", "three-cluster", "--label-noise", "0.1"}, "--label-noise does not apply to --mixture three-cluster"},
		{append(ts, "--link", "tanh"), `--link = "tanh": teacher: unknown link`},
		{append(ts, "--label-noise", "-1"), "--label-noise = -1"},
		{append(ts, "--link", "linear"), `--loss = "logistic" with --link = "linear": want the square loss`},
		// The ranges hold for real labels too (validateProblem).
		{append(ts, "--link", "linear", "--loss", "square", "--alpha", "-1"), "--alpha = -1: want a finite value > 0"},
		{append(ts, "--link", "relu", "--loss", "square", "--m0", "2"), "--C0 = 1 with --m0 = 2"},
		{append(ts, "--link", "relu", "--loss", "hinge"), "--loss"},
		{[]string{"--data", "teacher-student", "--mixture", "two-cluster"}, "--mixture is an alias of --data"},
		{[]string{"--data", "four-cluster"}, `--data = "four-cluster": unknown data model`},
	}
	checkUsageErrors(t, []string{"simulate", "--d", "10", "--seeds", "1"}, cases)
	checkUsageErrors(t, []string{"dmft", "--samples", "20"}, cases)
	s, err := parseDMFT([]string{"--data", "teacher-student", "--link", "sign", "--label-noise", "0.1", "--samples", "20"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if tm := s.prob.Teacher; tm == nil || tm.Link.Name() != "sign" || tm.Noise != 0.1 || len(s.prob.Model.Clusters) != 0 {
		t.Errorf("dmft problem: teacher %v, model %v", tm, s.prob.Model)
	}
	checkUsageErrors(t, []string{"theory"}, []usageCase{
		{[]string{"--link", "relu"}, "--link does not apply to --data two-cluster"},
		{[]string{"--data", "three-cluster"}, "--data"},
	})
}
