package report

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/validation"
)

// small runs a scenario at a tiny size (seconds of CPU at most), enough to
// render.
func small(t *testing.T, name string) (validation.Scenario, *validation.Result) {
	t.Helper()
	sc, ok := validation.Lookup(name)
	if !ok {
		t.Fatalf("no scenario %s", name)
	}
	sc.Sizes[validation.Test] = validation.Size{Dims: []validation.Dimension{{D: 20, Seeds: 4}, {D: 40, Seeds: 4}}, Samples: 400, Batches: 4}
	res, err := validation.Run(context.Background(), sc, validation.Options{Level: validation.Test, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return sc, res
}

// TestWriteScenario writes two scenarios (one with the exact theory, one
// with the ERM limit) and checks the layout, the plot, the reports and that
// meta.json carries the provenance, the sizes, the seeds and every check.
// The arrays' shapes and values are checked by notebooks-data/test_load.py
// (run by the validate command's test).
func TestWriteScenario(t *testing.T) {
	prov := Provenance{Version: "9.9.9+0123456789ab", Command: "sgdmft validate --level test"}
	dir := filepath.Join(t.TempDir(), "out")
	out, err := output.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	var results []*validation.Result
	for _, name := range []string{"two-cluster-square-gd", "two-cluster-logistic-ridge-longtime"} {
		sc, res := small(t, name)
		results = append(results, res)
		if err := WriteScenario(out, name, sc, res, prov); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"two-cluster-square-gd/v0/theory_Ctt.npy", "two-cluster-square-gd/v0/sim_m_se.npy",
		"two-cluster-square-gd/plot.png", "two-cluster-square-gd/report.md", "two-cluster-logistic-ridge-longtime/v0/dmft_test_loss_se.npy"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if png, _ := os.ReadFile(filepath.Join(dir, "two-cluster-square-gd", Image)); !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10000 {
		t.Errorf("plot: %d bytes, not a PNG of a figure", len(png))
	}
	b, err := os.ReadFile(filepath.Join(dir, "two-cluster-square-gd", "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		NumericsVersion int
		Version         string
		Command         string
		Dims, Seeds     []int
		Variants        []struct {
			SimSeeds []uint64
			Checks   []struct {
				Reference string
				DF        any
				Pass      bool
			}
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.NumericsVersion != validation.NumericsVersion || m.Version != prov.Version || m.Command != prov.Command ||
		len(m.Dims) != 2 || m.Seeds[1] != 4 || len(m.Variants) != 1 || len(m.Variants[0].SimSeeds) != 2 {
		t.Errorf("meta.json: %+v", m)
	}
	if n := len(m.Variants[0].Checks); n != len(validation.Observables())+4 {
		t.Errorf("%d checks, want %d against the DMFT and 4 against the theory", n, len(validation.Observables()))
	}

	var md, tab bytes.Buffer
	Markdown(&md, results, prov, func(s string) string { return s + "/" + Image })
	Table(&tab, results)
	for _, s := range []string{"two-cluster-logistic-ridge-longtime", "| m | erm |", "| Ctt | theory |", "two-cluster-square-gd/plot.png", prov.Command} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("report lacks %q", s)
		}
	}
	// Every observable against the DMFT in both, 4 against the exact theory
	// and 5 against the ERM limit (all but the test loss and displacement).
	if n, want := strings.Count(tab.String(), "\n"), 1+2*len(validation.Observables())+4+5; n != want {
		t.Errorf("table has %d lines, want %d, a header and a line per check:\n%s", n, want, tab.String())
	}
}

func TestFloatJSON(t *testing.T) {
	b, err := json.Marshal([]Float{1.5, Float(math.Inf(1)), Float(math.Inf(-1)), Float(math.NaN())})
	if err != nil || string(b) != `[1.5,"+Inf","-Inf","NaN"]` {
		t.Errorf("%s, %v", b, err)
	}
}

// TestWriteTeacher: a teacher–student scenario's meta.json names its data
// model (data, link, label-noise, and no mixture fields) and its report says
// that the errors of real labels are mean squared errors.
func TestWriteTeacher(t *testing.T) {
	prov := Provenance{Version: "9.9.9+0123456789ab", Command: "sgdmft validate --level test"}
	dir := filepath.Join(t.TempDir(), "out")
	out, err := output.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	const name = "teacher-relu-square-gd"
	sc, res := small(t, name)
	if err := WriteScenario(out, name, sc, res, prov); err != nil {
		t.Fatal(err)
	}
	if err := out.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Variants []struct{ Problem map[string]any }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	p := m.Variants[0].Problem
	if p["data"] != "teacher-student" || p["link"] != "relu" || p["label-noise"] != 0.1 || p["loss"] != "square" {
		t.Errorf("problem %v: want data teacher-student, link relu, label-noise 0.1, loss square", p)
	}
	for _, k := range []string{"clusters", "delta"} {
		if _, ok := p[k]; ok {
			t.Errorf("problem has the mixture's %s", k)
		}
	}
	var md bytes.Buffer
	Markdown(&md, []*validation.Result{res}, prov, func(string) string { return "" })
	if !strings.Contains(md.String(), "mean squared errors") {
		t.Error("the report does not say that the errors are MSEs")
	}
}
