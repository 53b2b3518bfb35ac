package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sgdmft/sgdmft/internal/output"
)

// testPlan is a 2 × 3 sweep of a pretend command with flags b and alpha.
func testPlan(t *testing.T) *Plan {
	t.Helper()
	g := Grid{Axes: []Axis{mustAxis(t, "b", "0.1,0.3"), mustAxis(t, "alpha", "1:3:3")}}
	if err := g.Validate(100); err != nil {
		t.Fatal(err)
	}
	return NewPlan("fake", []string{"--T", "2"}, g, "seed", 7)
}

// fakeRun writes a run the way the commands do (output.Write): t = 0, 1, 2
// and x = b·alpha·(1 + t), so that every point's curve is known. Points
// in fail fail.
func fakeRun(fail ...int) RunFunc {
	return func(ctx context.Context, pt Point, out string) error {
		if slices.Contains(fail, pt.Index) {
			return fmt.Errorf("point %d diverged", pt.Index)
		}
		b, _ := strconv.ParseFloat(pt.Values["b"], 64)
		a, _ := strconv.ParseFloat(pt.Values["alpha"], 64)
		meta := output.Start("fake", append([]string{"sgdmft", "fake"}, pt.Args...), "test", nil)
		return output.Write(out, meta, func(d *output.Dir) error {
			return errors.Join(d.Vector("t", []float64{0, 1, 2}), d.Vector("x", []float64{b * a, 2 * b * a, 3 * b * a}),
				d.Vector("x_se", []float64{0, 0.1, 0.2}))
		})
	}
}

func TestNewPlan(t *testing.T) {
	p := testPlan(t)
	if len(p.Points) != 6 {
		t.Fatalf("%d points", len(p.Points))
	}
	pt := p.Points[4]
	want := []string{"--T", "2", "--b", "0.3", "--alpha", "2", "--seed", strconv.FormatUint(PointSeed(7, 4), 10)}
	if !slices.Equal(pt.Args, want) || pt.Dir != "points/0004" || pt.Label(p.Grid) != "b=0.3 alpha=2" {
		t.Errorf("point 4: %v in %s (%s), want %v", pt.Args, pt.Dir, pt.Label(p.Grid), want)
	}
	seen := map[uint64]bool{}
	for i := 0; i < 10000; i++ {
		s := PointSeed(7, i)
		if seen[s] || s >= 1<<53 {
			t.Fatalf("PointSeed(7, %d) = %d: repeated or above 2^53", i, s)
		}
		seen[s] = true
	}
	if PointSeed(7, 0) == PointSeed(8, 0) {
		t.Error("the seed does not change the point seeds")
	}
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	p := testPlan(t)
	got, err := Init(dir, p)
	if err != nil || got != p {
		t.Fatalf("Init: %v", err)
	}
	// The same sweep again (a rerun): the plan on disk, with its creation time.
	q := testPlan(t)
	got, err = Init(dir, q)
	if err != nil || !got.Created.Equal(p.Created) {
		t.Fatalf("rerun: %v, created %v, want %v", err, got.Created, p.Created)
	}
	// Another sweep in the same directory is refused.
	r := NewPlan("fake", []string{"--T", "3"}, p.Grid, "seed", 7)
	if _, err := Init(dir, r); err == nil || !strings.Contains(err.Error(), "holds another sweep") || !strings.Contains(err.Error(), "--T 3") {
		t.Errorf("another sweep: %v", err)
	}
	// Concurrent first runs (shards started together) agree on one plan.
	dir2 := filepath.Join(t.TempDir(), "s")
	var wg sync.WaitGroup
	created := make([]string, 8)
	for i := range created {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := testPlan(t)
			q.CommandLine = []string{"shard", strconv.Itoa(i)}
			got, err := Init(dir2, q)
			if err != nil {
				t.Error(err)
				return
			}
			created[i] = strings.Join(got.CommandLine, " ")
		}()
	}
	wg.Wait()
	onDisk, err := LoadPlan(dir2)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range created {
		if c != strings.Join(onDisk.CommandLine, " ") {
			t.Errorf("caller %d got the plan of %q, the file holds %q", i, c, onDisk.CommandLine)
		}
	}
}

func TestShard(t *testing.T) {
	for _, s := range []string{"", "1", "a/2", "2/2", "-1/2", "0/0"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q) accepted", s)
		}
	}
	// The shards of n partition the points.
	count := make([]int, 23)
	for i := 0; i < 4; i++ {
		s, err := ParseShard(fmt.Sprintf("%d/4", i))
		if err != nil {
			t.Fatal(err)
		}
		for j := range count {
			if s.Has(j) {
				count[j]++
			}
		}
	}
	for j, c := range count {
		if c != 1 {
			t.Errorf("point %d is in %d shards", j, c)
		}
	}
}

func TestLocalRun(t *testing.T) {
	dir := t.TempDir()
	p := testPlan(t)
	if _, err := Init(dir, p); err != nil {
		t.Fatal(err)
	}
	rep, err := Local{Jobs: 3}.Run(context.Background(), dir, p, fakeRun(4))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Points != 6 || rep.Ran != 6 || rep.Skipped != 0 || len(rep.Failed) != 1 || rep.Failed[0].Index != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, pt := range p.Points {
		st, f, err := StateOf(dir, pt)
		want := Done
		if pt.Index == 4 {
			want = Failed
		}
		if err != nil || st != want {
			t.Errorf("point %d: %v (%v), want %v", pt.Index, st, err, want)
		}
		if st == Failed && (f.Error != "point 4 diverged" || !slices.Equal(f.Args, pt.Args)) {
			t.Errorf("failure record %+v", f)
		}
	}
	// A rerun skips the done points and retries the failed one, which now
	// runs: its failure record goes.
	var ran []int
	var mu sync.Mutex
	loc := Local{Jobs: 2, Finished: func(pt Point, err error) { mu.Lock(); ran = append(ran, pt.Index); mu.Unlock() }}
	rep, err = loc.Run(context.Background(), dir, p, fakeRun())
	if err != nil || rep.Skipped != 5 || rep.Ran != 1 || !slices.Equal(ran, []int{4}) {
		t.Fatalf("rerun: %v, report %+v, ran %v", err, rep, ran)
	}
	if _, err := os.Stat(filepath.Join(dir, "points/0004.failed.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failure record of point 4 is still there: %v", err)
	}
}

// TestLocalInterrupt: when the context ends, no point starts, the points
// in flight stay pending (not failed), and a rerun runs exactly the rest.
func TestLocalInterrupt(t *testing.T) {
	dir := t.TempDir()
	p := testPlan(t)
	if _, err := Init(dir, p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started atomic.Int32
	run := func(ctx context.Context, pt Point, out string) error {
		if started.Add(1) == 3 {
			cancel() // the third point is interrupted in flight
			<-ctx.Done()
			return ctx.Err()
		}
		return fakeRun()(ctx, pt, out)
	}
	rep, err := Local{Jobs: 1}.Run(ctx, dir, p, run)
	if !errors.Is(err, context.Canceled) || rep.Ran != 2 || rep.Interrupted != 4 || len(rep.Failed) != 0 {
		t.Fatalf("interrupted run: %v, report %+v", err, rep)
	}
	for _, pt := range p.Points {
		st, _, _ := StateOf(dir, pt)
		if want := map[bool]State{true: Done, false: Pending}[pt.Index < 2]; st != want {
			t.Errorf("point %d: %v, want %v", pt.Index, st, want)
		}
	}
	rep, err = Local{Jobs: 2}.Run(context.Background(), dir, p, fakeRun())
	if err != nil || rep.Skipped != 2 || rep.Ran != 4 {
		t.Fatalf("resumed: %v, report %+v", err, rep)
	}
}

func TestGather(t *testing.T) {
	dir := t.TempDir()
	p := testPlan(t)
	if _, err := Init(dir, p); err != nil {
		t.Fatal(err)
	}
	if _, err := (Local{Jobs: 2}).Run(context.Background(), dir, p, fakeRun(1)); err != nil {
		t.Fatal(err)
	}
	// Point 5 never ran (a task that died): pending.
	if err := os.RemoveAll(filepath.Join(dir, "points/0005")); err != nil {
		t.Fatal(err)
	}
	rec, err := Gather(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Done != 4 || rec.Failed != 1 || rec.Pending != 1 || !rec.SharedTime || rec.Times != 3 ||
		!slices.Equal(rec.Observables, []string{"x", "x_se"}) || rec.Points[1].Error != "point 1 diverged" {
		t.Fatalf("record %+v", rec)
	}
	load := func(name string) ([]int, []float64) {
		t.Helper()
		shape, v, err := readNPY(filepath.Join(dir, name+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		return shape, v
	}
	shape, x := load("x")
	if !slices.Equal(shape, []int{2, 3, 3}) {
		t.Fatalf("x.npy shape %v", shape)
	}
	_, fin := load("x_final")
	bs, as := []float64{0.1, 0.3}, []float64{1, 2, 3}
	for i, b := range bs {
		for j, a := range as {
			k := i*3 + j
			for l := 0; l < 3; l++ {
				got := x[k*3+l]
				if k == 1 || k == 5 {
					if got == got {
						t.Errorf("x[%d,%d,%d] = %v at a point not done, want NaN", i, j, l, got)
					}
					continue
				}
				if want := b * a * float64(l+1); got != want {
					t.Errorf("x[%d,%d,%d] = %v, want %v", i, j, l, got, want)
				}
			}
			if want := 3 * b * a; (k == 1 || k == 5) == (fin[k] == fin[k]) || k != 1 && k != 5 && fin[k] != want {
				t.Errorf("x_final[%d,%d] = %v", i, j, fin[k])
			}
		}
	}
	if shape, b := load("b"); !slices.Equal(shape, []int{2}) || !slices.Equal(b, bs) {
		t.Errorf("b.npy %v %v", shape, b)
	}
	if shape, tt := load("t"); !slices.Equal(shape, []int{3}) || !slices.Equal(tt, []float64{0, 1, 2}) {
		t.Errorf("t.npy %v %v", shape, tt)
	}
	var axes AxesFile
	b, _ := os.ReadFile(filepath.Join(dir, "axes.json"))
	if err := json.Unmarshal(b, &axes); err != nil || len(axes.Axes) != 2 || axes.Axes[1].Param != "alpha" || axes.Axes[1].Dim != 1 || axes.Axes[1].File != "alpha.npy" {
		t.Errorf("axes.json: %v %+v", err, axes)
	}
	var meta Record
	b, _ = os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(b, &meta); err != nil || meta.Points[5].Status != Pending || meta.Points[0].Status != Done || meta.Command != "sweep" || meta.Swept != "fake" {
		t.Errorf("meta.json: %v %+v", err, meta)
	}
}

// TestGatherTimes: points with different times (T swept) give t.npy over
// the grid, and shorter curves padded with NaN; a point's JSON result
// (theory erm) gives scalars.
func TestGatherTimes(t *testing.T) {
	dir := t.TempDir()
	g := Grid{Axes: []Axis{mustAxis(t, "T", "1,2")}}
	p := NewPlan("fake", nil, g, "", 0)
	if _, err := Init(dir, p); err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, pt Point, out string) error {
		n, _ := strconv.Atoi(pt.Values["T"])
		tt := make([]float64, n+1)
		for i := range tt {
			tt[i] = float64(i)
		}
		return output.Write(out, output.Start("fake", nil, "test", nil), func(d *output.Dir) error {
			return errors.Join(d.Vector("t", tt), d.Vector("y", tt), d.JSON("res.json", map[string]any{"V": float64(n), "name": "x"}))
		})
	}
	if _, err := (Local{}).Run(context.Background(), dir, p, run); err != nil {
		t.Fatal(err)
	}
	rec, err := Gather(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rec.SharedTime || !slices.Equal(rec.Scalars, []string{"V"}) {
		t.Fatalf("record %+v", rec)
	}
	shape, tt, _ := readNPY(filepath.Join(dir, "t.npy"))
	_, y, _ := readNPY(filepath.Join(dir, "y.npy"))
	_, yf, _ := readNPY(filepath.Join(dir, "y_final.npy"))
	_, v, _ := readNPY(filepath.Join(dir, "V_final.npy"))
	if !slices.Equal(shape, []int{2, 3}) || tt[2] == tt[2] || y[5] != 2 || y[2] == y[2] || !slices.Equal(yf, []float64{1, 2}) || !slices.Equal(v, []float64{1, 2}) {
		t.Errorf("t %v %v, y %v, y_final %v, V_final %v", shape, tt, y, yf, v)
	}
	// The axis T is written beside t under another name: T.npy and t.npy
	// are one file where case is ignored.
	if _, err := os.Stat(filepath.Join(dir, "axis_T.npy")); err != nil {
		t.Error(err)
	}
}
