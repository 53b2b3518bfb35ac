package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateCommand runs one scenario at the test level and checks the
// table, report.md, report.json, the PNG and the curves are written, and
// that the notebook data is written where asked.
func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	out, nb := filepath.Join(dir, "val"), filepath.Join(dir, "nb")
	stdout, _, err := runArgs(t, "validate", "--scenario", "two-cluster-logistic-psgd", "--level", "test",
		"--out", out, "--write-notebooks-data", nb, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "two-cluster-logistic-psgd") || !strings.Contains(stdout, "pass") {
		t.Errorf("table:\n%s", stdout)
	}
	for _, f := range []string{"report.md", "report.json", "two-cluster-logistic-psgd.png",
		"curves/two-cluster-logistic-psgd/meta.json", "curves/two-cluster-logistic-psgd/v0/sim_m.npy"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var rep struct {
		Level   string
		Results []struct {
			Scenario string
			Pass     bool
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil || rep.Level != "test" || len(rep.Results) != 1 || !rep.Results[0].Pass {
		t.Errorf("report.json: %+v (%v)", rep, err)
	}
	if _, err := os.Stat(filepath.Join(nb, "two-cluster-logistic-psgd", "v0", "dmft_m.npy")); err != nil {
		t.Error(err)
	}
}

func TestValidateBadInput(t *testing.T) {
	checkUsageErrors(t, []string{"validate"}, []usageCase{
		{[]string{"--scenario", "no-such-scenario"}, "--scenario"},
		{[]string{"--level", "huge"}, "--level"},
		{[]string{"--workers", "0"}, "--workers"},
	})
}
