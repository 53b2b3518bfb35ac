package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/sweep"
)

// tinyDMFT are DMFT flags for points of a few milliseconds.
var tinyDMFT = []string{"--T", "1", "--samples", "400", "--batches", "2", "--algo", "psgd", "--tau", "2"}

func sweepArgs(out string, extra ...string) []string {
	args := append([]string{"sweep", "dmft", "--grid", "b=0.2,0.5", "--grid", "alpha=1:3:3", "--out", out, "--quiet"}, tinyDMFT...)
	return append(args, extra...)
}

// gatheredFiles returns the gathered .npy files of a sweep directory and
// of its points, by path relative to dir.
func gatheredFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, pattern := range []string{"*.npy", "points/[0-9]*/*.npy"} {
		paths, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, p)
			files[rel] = b
		}
	}
	return files
}

// sameFiles fails unless a and b hold the same files, byte for byte.
func sameFiles(t *testing.T, what string, a, b map[string][]byte) {
	t.Helper()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%s: %d files against %d", what, len(a), len(b))
	}
	for name, x := range a {
		if !bytes.Equal(x, b[name]) {
			t.Errorf("%s: %s differs", what, name)
		}
	}
}

// TestSweepDMFT runs a 2 × 3 DMFT sweep and checks the layout: each point
// is byte for byte the single command run with the point's flags (and
// another worker count), and the gathered arrays hold the points' curves.
func TestSweepDMFT(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sw")
	stdout, _, err := runArgs(t, sweepArgs(dir, "--cpus", "2")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "6 done, 0 failed, 0 pending") || !strings.Contains(stdout, "(2, 3, 11)") {
		t.Errorf("stdout %q", stdout)
	}
	plan, err := sweep.LoadPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Point 4 (b = 0.5, alpha = 2) from its recorded command line.
	var meta output.Meta
	b, _ := os.ReadFile(filepath.Join(dir, "points/0004/meta.json"))
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	pt := plan.Points[4]
	if meta.Command != "dmft" || meta.Params["b"] != 0.5 || meta.Params["alpha"] != 2.0 || meta.Params["seed"] != float64(*pt.Seed) {
		t.Errorf("point 4 params %v", meta.Params)
	}
	single := filepath.Join(t.TempDir(), "single")
	args := append(append([]string{"dmft"}, pt.Args...), "--out", single, "--workers", "2", "--quiet")
	if _, _, err := runArgs(t, args...); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(single, "*.npy"))
	if len(paths) != 19 {
		t.Fatalf("the single run wrote %d arrays", len(paths))
	}
	for _, p := range paths {
		a, _ := os.ReadFile(p)
		b, _ := os.ReadFile(filepath.Join(dir, "points/0004", filepath.Base(p)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between the sweep's point 4 and the single run", filepath.Base(p))
		}
	}
	// The gathered arrays are the points' curves.
	shape, te := readGathered(t, dir, "test_err")
	_, fin := readGathered(t, dir, "test_err_final")
	if !slices.Equal(shape, []int{2, 3, 11}) {
		t.Fatalf("test_err.npy shape %v", shape)
	}
	for i, pt := range plan.Points {
		v := loadVector(t, filepath.Join(dir, pt.Dir, "test_err.npy"))
		if !slices.Equal(te[i*11:(i+1)*11], v) || fin[i] != v[10] {
			t.Errorf("point %d: gathered %v / %v, its run %v", i, te[i*11:(i+1)*11], fin[i], v)
		}
	}
	if _, b := readGathered(t, dir, "b"); !slices.Equal(b, []float64{0.2, 0.5}) {
		t.Errorf("b.npy %v", b)
	}
	if _, a := readGathered(t, dir, "alpha"); !slices.Equal(a, []float64{1, 2, 3}) {
		t.Errorf("alpha.npy %v", a)
	}
	var rec sweep.Record
	b, _ = os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(b, &rec); err != nil || rec.Command != "sweep" || rec.Swept != "dmft" || rec.Done != 6 || rec.Args[1] != "sweep" || rec.Version != versionString() {
		t.Errorf("meta.json: %v %+v", err, rec)
	}
	// A rerun is a resume with nothing to do: no point runs again.
	before := gatheredFiles(t, dir)
	var ran int
	sweepFinished = func(sweep.Point, error) { ran++ }
	defer func() { sweepFinished = nil }()
	if _, _, err := runArgs(t, sweepArgs(dir)...); err != nil || ran != 0 {
		t.Fatalf("rerun: %v, %d points ran", err, ran)
	}
	sameFiles(t, "rerun", before, gatheredFiles(t, dir))
}

func readGathered(t *testing.T, dir, name string) ([]int, []float64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	// The header's shape tuple, then the data as npyio reads it.
	h := string(b[10 : 10+int(b[8])+int(b[9])<<8])
	_, rest, _ := strings.Cut(h, "'shape': (")
	tuple, _, _ := strings.Cut(rest, ")")
	var shape []int
	for _, f := range strings.Split(tuple, ",") {
		if f = strings.TrimSpace(f); f != "" {
			n, _ := strconv.Atoi(f)
			shape = append(shape, n)
		}
	}
	v := make([]float64, (len(b)-10-len(h))/8)
	for i := range v {
		v[i] = math.Float64frombits(uint64(b[10+len(h)+8*i]) | uint64(b[11+len(h)+8*i])<<8 | uint64(b[12+len(h)+8*i])<<16 |
			uint64(b[13+len(h)+8*i])<<24 | uint64(b[14+len(h)+8*i])<<32 | uint64(b[15+len(h)+8*i])<<40 |
			uint64(b[16+len(h)+8*i])<<48 | uint64(b[17+len(h)+8*i])<<56)
	}
	return shape, v
}

// TestSweepResume: a sweep interrupted after some points, then rerun,
// gives byte for byte the arrays of an uninterrupted sweep, and the rerun
// runs only the points that were not done: the interruption loses at most
// the points in flight.
func TestSweepResume(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full")
	if _, _, err := runArgs(t, sweepArgs(full, "--jobs", "2")...); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var first []int
	sweepFinished = func(pt sweep.Point, err error) {
		mu.Lock()
		defer mu.Unlock()
		first = append(first, pt.Index)
		if len(first) == 2 {
			cancel() // with two points done and up to two in flight
		}
	}
	defer func() { sweepFinished = nil }()
	var out, errb bytes.Buffer
	err := run(ctx, sweepArgs(dir, "--jobs", "2"), &out, &errb)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rerun the same command to resume") {
		t.Fatalf("interrupted sweep: %v", err)
	}
	plan, _ := sweep.LoadPlan(dir)
	var done []int
	started := map[int]string{}
	for _, pt := range plan.Points {
		st, _, _ := sweep.StateOf(dir, pt)
		if st == sweep.Failed {
			t.Errorf("point %d recorded as failed by the interruption", pt.Index)
		}
		if st == sweep.Done {
			done = append(done, pt.Index)
			b, _ := os.ReadFile(filepath.Join(dir, pt.Dir, "meta.json"))
			started[pt.Index] = string(b)
		}
	}
	mu.Lock()
	finished := slices.Clone(first)
	mu.Unlock()
	slices.Sort(finished)
	// Done are the points that finished before the interruption, and at
	// most the two in flight, which may have finished before noticing it.
	if len(done) < 2 || len(done) > 4 || !slices.Equal(done[:len(finished)], finished) && len(finished) == len(done) {
		t.Fatalf("done after the interruption: %v (finished %v)", done, finished)
	}
	// What a run killed while writing a point leaves: output's temporary
	// directory, which the rerun and the gathering ignore.
	stale := filepath.Join(dir, "points", ".0005.tmp-killed")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(stale, "meta.json"), []byte("{"), 0o644)
	os.WriteFile(filepath.Join(stale, "m.npy"), []byte("junk"), 0o644)
	mu.Lock()
	first = nil
	mu.Unlock()
	sweepFinished = func(pt sweep.Point, err error) {
		mu.Lock()
		first = append(first, pt.Index)
		mu.Unlock()
	}
	if _, _, err := runArgs(t, sweepArgs(dir, "--jobs", "2")...); err != nil {
		t.Fatal(err)
	}
	if len(first) != 6-len(done) {
		t.Errorf("the rerun ran %v; %v were done", first, done)
	}
	for _, i := range first {
		if slices.Contains(done, i) {
			t.Errorf("the rerun ran point %d again", i)
		}
	}
	for i, meta := range started {
		b, _ := os.ReadFile(filepath.Join(dir, plan.Points[i].Dir, "meta.json"))
		if string(b) != meta {
			t.Errorf("point %d was rewritten by the rerun", i)
		}
	}
	sameFiles(t, "resumed against uninterrupted", gatheredFiles(t, full), gatheredFiles(t, dir))
}

// TestSweepShards: the shards of a sweep, run separately (as array tasks or
// GNU parallel would), then gathered, give the arrays of one local run.
func TestSweepShards(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full")
	if _, _, err := runArgs(t, sweepArgs(full)...); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sharded")
	for _, s := range []string{"1/3", "0/3"} {
		stdout, _, err := runArgs(t, sweepArgs(dir, "--shard", s)...)
		if err != nil || !strings.Contains(stdout, "sweep shard "+s+": 2 points, 0 done before, 2 run, 0 failed") {
			t.Fatalf("shard %s: %v, %q", s, err, stdout)
		}
	}
	if _, _, err := runArgs(t, "sweep", "run", dir, "--shard", "2/3", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if stdout, _, err := runArgs(t, "sweep", "gather", dir); err != nil || !strings.Contains(stdout, "6 done") {
		t.Fatalf("gather: %v %q", err, stdout)
	}
	sameFiles(t, "sharded against local", gatheredFiles(t, full), gatheredFiles(t, dir))
}

// TestSweepFailures: an invalid point among valid ones is recorded, its
// arrays hold NaN, the others run, and the sweep exits with the list.
func TestSweepFailures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sw")
	// psgd needs τ >= η(1−b)/b: 0.1·0.9/0.1 = 0.9 > τ = 0.5 at b = 0.1.
	args := []string{"sweep", "dmft", "--grid", "b=0.1,0.5", "--out", dir, "--T", "1", "--samples", "400", "--batches", "2",
		"--algo", "psgd", "--tau", "0.5"}
	stdout, stderr, err := runArgs(t, args...)
	if err == nil || errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "1 of 2 points failed") ||
		!strings.Contains(err.Error(), "point 0 (b=0.1): --tau = 0.5 with --eta = 0.1, --b = 0.1: want τ >= max(η, η(1−b)/b)") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(stderr, "1 of 2 points are invalid") || !strings.Contains(stdout, "1 done, 1 failed") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	_, fin := readGathered(t, dir, "test_err_final")
	_, te := readGathered(t, dir, "test_err")
	if !math.IsNaN(fin[0]) || math.IsNaN(fin[1]) || !math.IsNaN(te[0]) || math.IsNaN(te[11]) {
		t.Errorf("test_err_final %v, test_err %v", fin, te)
	}
	if _, err := os.Stat(filepath.Join(dir, "points/0000.failed.json")); err != nil {
		t.Error(err)
	}
	// gather reports the failure too.
	if _, _, err := runArgs(t, "sweep", "gather", dir); err == nil || !strings.Contains(err.Error(), "point 0 (b=0.1)") {
		t.Errorf("gather: %v", err)
	}
}

// TestSweepBadInput: bad grids and flags are usage errors before any work:
// nothing is written.
func TestSweepBadInput(t *testing.T) {
	base := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dmft"}, "no --grid"},
		{[]string{"dmft", "--grid", "b=0.1:0.5:0"}, "--grid b=0.1:0.5:0: an empty range"},
		{[]string{"dmft", "--grid", "b"}, "want name=values"},
		{[]string{"dmft", "--grid", "nope=1,2"}, "--grid nope=1,2: --nope is not a flag of sgdmft dmft"},
		{[]string{"theory", "--grid", "d=100,200"}, "--grid d=100,200: --d does not apply to sgdmft theory (it is a flag of simulate"},
		{[]string{"dmft", "--grid", "samples=100.5,200"}, "--grid samples=100.5,200: --samples 100.5: parse error"},
		{[]string{"dmft", "--grid", "algo=0:1:3"}, "--algo takes text"},
		{[]string{"dmft", "--grid", "out=a,b"}, "--out cannot be swept"},
		{[]string{"dmft", "--grid", "workers=1,2"}, "--workers cannot be swept"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--b", "0.3"}, "--b is also given as a flag"},
		{[]string{"dmft", "--grid", "b=0.1:0.9:9", "--grid", "alpha=1:3:3", "--max-points", "20"}, "the grid has 9 × 3 = 27 points: want at most --max-points 20"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--grid", "alpha=1,2,3", "--zip"}, "--zip: --grid b has 2 values and --grid alpha has 3"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--nope", "1"}, "--nope is not a flag of sgdmft dmft"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "psgd", "--tau", "0.1"}, "every point is invalid; point 0 (b=0.1): --tau = 0.1"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "gd", "--tau", "1"}, "every point is invalid; point 0 (b=0.1): --tau does not apply to --algo gd"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "--executor", "pbs"}, "--executor = \"pbs\": want local or slurm"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "--shard", "3/3"}, "--shard 3/3: want i/n with 0 <= i < n"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "--submit"}, "--submit applies to --executor slurm"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "--mem", "4G"}, "--mem applies to --executor slurm"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "--executor", "slurm", "--shard", "0/2"}, "--shard does not apply to --executor slurm"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "--jobs", "-1"}, "--jobs = -1: want >= 0"},
		{[]string{"dmft", "--grid", "b=0.1,0.2", "--algo", "sgd", "stray"}, `unexpected argument "stray"`},
		{[]string{"validate", "--grid", "b=0.1,0.2"}, `"validate" is not a command to sweep`},
	} {
		out := filepath.Join(base, strconv.Itoa(len(tc.args))+tc.want[:4])
		args := append(append([]string{"sweep"}, tc.args...), "--out", out)
		_, _, err := runArgs(t, args...)
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error with %q", tc.args, err, tc.want)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: wrote %s", tc.args, out)
		}
	}
	// Another sweep in the directory of one is refused.
	dir := filepath.Join(base, "taken")
	if _, _, err := runArgs(t, sweepArgs(dir)...); err != nil {
		t.Fatal(err)
	}
	_, _, err := runArgs(t, append(sweepArgs(dir), "--lambda", "0.1")...)
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "holds another sweep") {
		t.Errorf("another sweep in the same directory: %v", err)
	}
}

// TestSweepTheory sweeps the closed forms: square-flow curves over α with
// T swept too (different times per point), and ERM scalars over λ.
func TestSweepTheory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sf")
	stdout, _, err := runArgs(t, "sweep", "theory", "--grid", "alpha=1,2", "--grid", "T=1,2", "--out", dir, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "t.npy (2, 2, 21)") {
		t.Errorf("stdout %q", stdout)
	}
	_, fin := readGathered(t, dir, "test_err_final")
	for i, pt := range []struct{ alpha, T string }{{"1", "1"}, {"1", "2"}, {"2", "1"}, {"2", "2"}} {
		single := filepath.Join(t.TempDir(), "single")
		if _, _, err := runArgs(t, "theory", "--alpha", pt.alpha, "--T", pt.T, "--out", single); err != nil {
			t.Fatal(err)
		}
		v := loadVector(t, filepath.Join(single, "test_err.npy"))
		if fin[i] != v[len(v)-1] {
			t.Errorf("alpha=%s T=%s: test_err_final %v, single run %v", pt.alpha, pt.T, fin[i], v[len(v)-1])
		}
	}
	dir = filepath.Join(t.TempDir(), "erm")
	if _, _, err := runArgs(t, "sweep", "theory", "--kind", "erm", "--grid", "lambda=0.1:1:3:log", "--out", dir, "--quiet"); err != nil {
		t.Fatal(err)
	}
	shape, te := readGathered(t, dir, "test_err_final")
	if !slices.Equal(shape, []int{3}) || !(te[0] > 0 && te[0] < 0.5) {
		t.Errorf("erm test_err_final %v %v", shape, te)
	}
}

// TestSweepSimulate: a sweep of simulations, zipped over two parameters.
func TestSweepSimulate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sim")
	_, _, err := runArgs(t, "sweep", "simulate", "--grid", "d=40,80", "--grid", "alpha=1,2", "--zip", "--out", dir,
		"--seeds", "2", "--T", "0.5", "--test-samples", "100", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"test_err_emp", "m_se", "Ctt"} {
		if shape, _ := readGathered(t, dir, name); !slices.Equal(shape, []int{2, 6}) {
			t.Errorf("%s.npy shape %v", name, shape)
		}
	}
	var axes sweep.AxesFile
	b, _ := os.ReadFile(filepath.Join(dir, "axes.json"))
	if err := json.Unmarshal(b, &axes); err != nil || !axes.Zip || axes.Axes[1].Dim != 0 || !slices.Equal(axes.Shape, []int{2}) {
		t.Errorf("axes.json %v %+v", err, axes)
	}
	// The matrices of the points stay in their directories.
	if _, err := os.Stat(filepath.Join(dir, "m_seeds.npy")); !errors.Is(err, os.ErrNotExist) {
		t.Error("m_seeds gathered")
	}
}

// TestSweepSlurmScript: --executor slurm without --submit writes the array
// script, which runs the shards with sweep run.
func TestSweepSlurmScript(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sl")
	stdout, _, err := runArgs(t, sweepArgs(dir, "--executor", "slurm", "--tasks", "4", "--max-running", "2", "--mem", "1G",
		"--binary", "/opt/sgdmft", "--sbatch", "--account=phys", "--workers", "3")...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, sweep.ScriptFile))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	for _, want := range []string{"#SBATCH --array=0-3%2\n", "#SBATCH --cpus-per-task=3\n", "#SBATCH --mem=1G\n", "#SBATCH --account=phys\n",
		`exec /opt/sgdmft sweep run ` + abs + ` --shard "${SLURM_ARRAY_TASK_ID}/4" --cpus "${SLURM_CPUS_PER_TASK:-3}" --quiet`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("script lacks %q:\n%s", want, b)
		}
	}
	if !strings.Contains(stdout, "sbatch "+filepath.Join(dir, sweep.ScriptFile)) {
		t.Errorf("stdout %q", stdout)
	}
	if paths, _ := filepath.Glob(filepath.Join(dir, "points/*")); len(paths) != 0 {
		t.Errorf("points ran: %v", paths)
	}
}

// TestSweepFlags: the sweep's flags are not the commands', but for --out
// and --quiet, which the sweep takes (points run quietly, in DIR/points),
// and --grid, the sweep's with name=values and dmft's otherwise.
func TestSweepFlags(t *testing.T) {
	sw := flagSets["sweep"]()
	for _, cmd := range sweepable {
		flagSets[cmd]().VisitAll(func(fl *flag.Flag) {
			if sw.Lookup(fl.Name) != nil && fl.Name != "out" && fl.Name != "quiet" && !sharedFlags[fl.Name] {
				t.Errorf("--%s is a flag of both sweep and %s", fl.Name, cmd)
			}
		})
	}
	for _, c := range []struct {
		args        []string
		swArgs, cmd int // how many tokens go to each
	}{
		{[]string{"--grid", "alpha=1,2", "--grid", "adaptive", "--T", "1"}, 2, 4},
		{[]string{"--grid=adaptive", "--grid=b=0.1,0.2"}, 1, 1},
		{[]string{"--grid", "lambda=0.1,1", "--grid-tol", "1e-3"}, 2, 2},
	} {
		s, cm, err := splitArgs("dmft", c.args, sw.FlagSet, flagSets["dmft"]().FlagSet)
		if err != nil || len(s) != c.swArgs || len(cm) != c.cmd {
			t.Errorf("splitArgs(%q): sweep %q, dmft %q, %v", c.args, s, cm, err)
		}
	}
	_, stderr, err := runArgs(t, "help", "sweep")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "--grid") || !strings.Contains(stderr, "--max-running int") {
		t.Errorf("help sweep: %v\n%s", err, stderr)
	}
	// share: the cores between points and their workers.
	p := &sweep.Plan{Command: "dmft"}
	for _, tc := range []struct{ cpus, jobs, pending, wantJobs, wantWorkers int }{
		{8, 0, 100, 8, 1}, {8, 0, 2, 2, 4}, {8, 3, 100, 3, 2}, {2, 0, 1, 1, 2},
	} {
		if j, w := share(p, tc.cpus, tc.jobs, tc.pending); j != tc.wantJobs || w != tc.wantWorkers {
			t.Errorf("share(%d cpus, --jobs %d, %d points) = %d jobs × %d workers, want %d × %d", tc.cpus, tc.jobs, tc.pending, j, w, tc.wantJobs, tc.wantWorkers)
		}
	}
	p.Args = []string{"--workers", "4"}
	if j, w := share(p, 8, 0, 100); j != 2 || w != 0 {
		t.Errorf("with --workers 4 on 8 cpus: %d jobs, workers %d", j, w)
	}
}

func TestSweepPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sw")
	if _, _, err := runArgs(t, sweepArgs(dir)...); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runArgs(t, "sweep", "plot", "--obs", "test_err", dir)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "plots", "test_err.png") + "\n" + filepath.Join(dir, "plots", "test_err_map.png") + "\n"
	if stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}

// TestMain lets the test binary stand in for sgdmft in the job scripts of
// TestSweepSlurmExecutor: with SGDMFT_TEST_AS_MAIN=1 it is the command.
func TestMain(m *testing.M) {
	if os.Getenv("SGDMFT_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSweepSlurmExecutor runs --executor slurm --submit against a pretend
// Slurm: sbatch runs the array's tasks one after the other (all but the
// last if SKIP_LAST is set, a task that dies) and squeue lists nothing.
// The result is the local executor's, byte for byte; points a dead task
// left are an error, and resubmitting runs them. The real Slurm test is
// scripts/sweep-slurm-test.
func TestSweepSlurmExecutor(t *testing.T) {
	bin := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/bash\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("sbatch", `script=${@: -1}
n=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\).*/\1/p' "$script")
[[ -n ${SKIP_LAST:-} ]] && n=$((n - 1))
for ((i = 0; i <= n; i++)); do
	SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$script" > /dev/null 2>&1
done
echo 77
`)
	write("squeue", "exit 0\n")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("SGDMFT_TEST_AS_MAIN", "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "local")
	if _, _, err := runArgs(t, sweepArgs(local)...); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "slurm")
	slurm := sweepArgs(dir, "--executor", "slurm", "--submit", "--poll", "1ms", "--binary", exe)
	t.Setenv("SKIP_LAST", "1")
	stdout, _, err := runArgs(t, slurm...)
	if err == nil || !strings.Contains(err.Error(), "1 points did not run") || !strings.Contains(stdout, "as Slurm job 77") {
		t.Fatalf("a task that died: %v\n%s", err, stdout)
	}
	t.Setenv("SKIP_LAST", "")
	if stdout, _, err = runArgs(t, "sweep", "run", dir, "--executor", "slurm", "--submit", "--poll", "1ms", "--binary", exe); err != nil {
		t.Fatalf("resubmitted: %v\n%s", err, stdout)
	}
	if !strings.Contains(stdout, "6 done, 0 failed, 0 pending") {
		t.Errorf("stdout %q", stdout)
	}
	sameFiles(t, "slurm against local", gatheredFiles(t, local), gatheredFiles(t, dir))
	if stdout, _, err = runArgs(t, slurm...); err != nil || !strings.Contains(stdout, "nothing to submit") {
		t.Errorf("all done: %v %q", err, stdout)
	}
}
