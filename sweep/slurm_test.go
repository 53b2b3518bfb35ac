package sweep

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestScript(t *testing.T) {
	p := testPlan(t)
	dir := filepath.Join(t.TempDir(), "my sweep")
	s := Slurm{Binary: "/opt/sg dmft/bin/sgdmft", Tasks: 4, MaxRunning: 2, CPUsPerTask: 3, Mem: "2G", Time: "1:00:00",
		Options: []string{"--account=phys"}, RunArgs: []string{"--jobs", "1"}}
	text, err := s.Script(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --array=0-3%2\n",
		"#SBATCH --cpus-per-task=3\n",
		"#SBATCH --mem=2G\n",
		"#SBATCH --time=1:00:00\n",
		"#SBATCH --account=phys\n",
		"#SBATCH --output=" + filepath.Join(dir, "slurm", "%A_%a.out") + "\n",
		// Paths with spaces are quoted; the shard is the array index.
		`exec '/opt/sg dmft/bin/sgdmft' sweep run '` + dir + `' --shard "${SLURM_ARRAY_TASK_ID}/4" --cpus "${SLURM_CPUS_PER_TASK:-3}" --jobs 1` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the script lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "--partition") {
		t.Error("an empty partition is written")
	}
	// Default: one task per point.
	text, _ = Slurm{Binary: "/bin/sgdmft"}.Script(dir, p)
	if !strings.Contains(text, "#SBATCH --array=0-5\n") || !strings.Contains(text, "--cpus-per-task=1\n") {
		t.Errorf("default array:\n%s", text)
	}
	if _, err := (Slurm{Binary: "sgdmft"}).Script(dir, p); err == nil {
		t.Error("a relative binary accepted")
	}
	if got := quote("it's"); got != `'it'\''s'` {
		t.Errorf("quote: %s", got)
	}
}

// fakeSlurm puts sbatch and squeue scripts first on PATH: sbatch records
// its arguments and prints a job id; squeue lists three tasks, then one,
// then says the id is invalid (a job purged after it ended).
func fakeSlurm(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("sbatch", `echo "$@" > "`+bin+`/sbatch.args"; echo "42;local"`+"\n")
	write("squeue", `n=$(cat "`+bin+`/count" 2>/dev/null || echo 0); echo $((n+1)) > "`+bin+`/count"
case $n in
0) printf '42_0 RUNNING\n42_1 RUNNING\n42_2 PENDING\n' ;;
1) printf '42_2 RUNNING\n' ;;
*) echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1 ;;
esac
`)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return bin
}

func TestSubmitWait(t *testing.T) {
	bin := fakeSlurm(t)
	id, err := Submit(context.Background(), "/x/sweep.sbatch")
	if err != nil || id != "42" {
		t.Fatalf("Submit: %q, %v", id, err)
	}
	if b, _ := os.ReadFile(filepath.Join(bin, "sbatch.args")); string(b) != "--parsable /x/sweep.sbatch\n" {
		t.Errorf("sbatch got %q", b)
	}
	var left []int
	if err := Wait(context.Background(), id, time.Millisecond, func(n int) { left = append(left, n) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(left, []int{3, 1}) {
		t.Errorf("progress %v, want [3 1]", left)
	}
	// A context that ends stops the wait.
	os.Remove(filepath.Join(bin, "count"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, id, time.Hour, nil); err == nil {
		t.Error("Wait ignores its context")
	}
}
