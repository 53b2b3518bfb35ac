package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/validation"
)

// TestValidateCommand runs one scenario at the test level and checks the
// table, report.md, report.json and meta.json (with the provenance: the
// exact command, version, numerics version and seeds), the scenario's
// directory of curves and plot, and that the notebook data is written where
// asked in the layout notebooks-data/test_load.py checks (it is run on it
// when /usr/bin/python3 has NumPy).
func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	out, nb := filepath.Join(dir, "val"), filepath.Join(dir, "nb")
	const sc = "two-cluster-logistic-sgd"
	args := []string{"validate", "--scenario", sc, "--level", "test", "--out", out, "--write-notebooks-data", nb, "--quiet"}
	stdout, _, err := runArgs(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, sc) || !strings.Contains(stdout, "pass") {
		t.Errorf("table:\n%s", stdout)
	}
	for _, f := range []string{"report.md", "report.json", "meta.json", sc + "/plot.png", sc + "/report.md",
		sc + "/meta.json", sc + "/v0/sim_m.npy", sc + "/v0/dmft_test_err_se.npy"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var meta validateMeta
	b, _ := os.ReadFile(filepath.Join(out, "meta.json"))
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	wantCmd := "sgdmft " + strings.Join(args, " ")
	if meta.Command != wantCmd || meta.Version != buildVersion() || meta.NumericsVersion != validation.NumericsVersion ||
		meta.Level != "test" || meta.Seed != 1 || !meta.Pass[sc] {
		t.Errorf("meta.json: %+v, want command %q", meta, wantCmd)
	}
	var rep []struct {
		Scenario, Level, Command string
		NumericsVersion          int
		Pass                     bool
		Variants                 []struct {
			SimSeeds []uint64
			DMFTSeed uint64
		}
	}
	b, _ = os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil || len(rep) != 1 || rep[0].Level != "test" || !rep[0].Pass ||
		rep[0].Command != wantCmd || rep[0].NumericsVersion != validation.NumericsVersion ||
		len(rep[0].Variants) != 1 || len(rep[0].Variants[0].SimSeeds) != 2 || rep[0].Variants[0].DMFTSeed == 0 {
		t.Errorf("report.json: %+v (%v)", rep, err)
	}
	if _, err := os.Stat(filepath.Join(nb, sc, "v0", "dmft_m.npy")); err != nil {
		t.Error(err)
	}
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import numpy").Run() != nil {
		t.Skip("no NumPy for /usr/bin/python3: notebooks-data/test_load.py not run")
	}
	cmd := exec.Command(py, "../../notebooks-data/test_load.py", nb, "--level", "test", "--unstamped")
	msg, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(msg), " 0 failed") {
		t.Errorf("test_load.py on the written notebook data: %v\n%s", err, msg)
	}
}

func TestValidateBadInput(t *testing.T) {
	checkUsageErrors(t, []string{"validate"}, []usageCase{
		{[]string{"--scenario", "no-such-scenario"}, "--scenario"},
		{[]string{"--level", "huge"}, "--level"},
		{[]string{"--workers", "0"}, "--workers"},
		{[]string{"--quick"}, "-quick"},
		{[]string{"--list", "--level", "test"}, "--level"},
	})
}

func TestCommandLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--level", "full", "--out", "a/b"}, "sgdmft validate --level full --out a/b"},
		{[]string{"--out", "my dir", "--scenario", "it's"}, `sgdmft validate --out 'my dir' --scenario 'it'\''s'`},
		{[]string{"--out", ""}, "sgdmft validate --out ''"},
	} {
		if got := commandLine("validate", c.args); got != c.want {
			t.Errorf("commandLine(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
