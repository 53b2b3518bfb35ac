package validation

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range Scenarios() {
		if seen[sc.Name] {
			t.Errorf("duplicate scenario %s", sc.Name)
		}
		seen[sc.Name] = true
		if got, ok := Lookup(sc.Name); !ok || got.Name != sc.Name {
			t.Errorf("Lookup(%s) failed", sc.Name)
		}
		for _, v := range sc.Variants {
			if err := v.Problem.Validate(); err != nil {
				t.Errorf("%s/%s: %v", sc.Name, v.Label, err)
			}
			if v.Problem.Steps()%sc.Every != 0 {
				t.Errorf("%s/%s: %d steps not a multiple of every=%d", sc.Name, v.Label, v.Problem.Steps(), sc.Every)
			}
		}
		for l := Full; l <= Test; l++ {
			if s := sc.Size(l); len(s.Dims) < 2 || s.Seeds < 2 || s.Samples < 2 {
				t.Errorf("%s %v: size %+v cannot be extrapolated", sc.Name, l, s)
			}
		}
	}
	for _, name := range []string{"two-cluster-logistic-gd", "two-cluster-logistic-psgd", "two-cluster-logistic-sgd",
		"two-cluster-logistic-sgf", "two-cluster-logistic-batch-sweep", "two-cluster-logistic-ridge-longtime",
		"two-cluster-square-gd", "three-cluster-quadratic-gd", "three-cluster-quadratic-psgd"} {
		if !seen[name] {
			t.Errorf("scenario %s missing", name)
		}
	}
}

// TestCompareDetects: the verdict machinery fails a reference that is off.
// Synthetic simulations agree with a reference curve up to their standard
// errors (exactly on it, with a 1/d bias); shifting the reference by 10
// combined standard errors must fail, and the unshifted one must pass.
func TestCompareDetects(t *testing.T) {
	vr := &VariantResult{Times: []float64{0, 1, 2}}
	ref := Curve{Mean: []float64{1, 2, 3}, SE: []float64{0.01, 0.01, 0.01}}
	for _, d := range []int{250, 500, 1000} {
		c := Curve{Mean: make([]float64, 3), SE: []float64{0.02, 0.02, 0.02}}
		for i, m := range ref.Mean {
			c.Mean[i] = m + 3/float64(d)
		}
		vr.Sims = append(vr.Sims, SimCurves{D: d, Obs: map[string]Curve{"m": c}})
	}
	good := compare("m", "dmft", vr, ref, allTimes(3))
	if good.ExtrapZ > 1e-9 {
		t.Errorf("exact 1/d bias: |z∞| = %v, want 0", good.ExtrapZ)
	}
	shift := Curve{Mean: append([]float64(nil), ref.Mean...), SE: ref.SE}
	shift.Mean[2] += 10 * 0.05 // well beyond the intercept's se (≈ 0.05) combined with 0.01
	bad := compare("m", "dmft", vr, shift, allTimes(3))
	if thr := Threshold(FamilyAlpha, 3); bad.ExtrapZ < thr || bad.ExtrapTime != 2 {
		t.Errorf("shifted reference: |z∞| = %v at t=%v, want > %v at t=2", bad.ExtrapZ, bad.ExtrapTime, thr)
	}
}

// TestScenariosTestLevel runs every scenario at the test level (d = 100 and
// 200) and requires its verdict: the d → ∞ extrapolation of the simulations
// agrees with the DMFT (and the exact theory where it applies) within the
// Bonferroni threshold of the measured standard errors (family-wise
// false-failure rate 1% per variant; the seeds are fixed, so the outcome
// is reproducible). It also writes the report, the plot and the curves.
func TestScenariosTestLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario (about 15 s)")
	}
	var results []*Result
	dir := t.TempDir()
	for _, sc := range Scenarios() {
		r, err := Run(context.Background(), sc, Options{Level: Test})
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		results = append(results, r)
		if !r.Pass {
			var b bytes.Buffer
			Table(&b, []*Result{r})
			t.Errorf("%s fails:\n%s", sc.Name, b.String())
		}
		if err := WriteCurves(dir, sc, r); err != nil {
			t.Fatal(err)
		}
		if sc.Name == "two-cluster-square-gd" {
			png := filepath.Join(dir, sc.Name+".png")
			if err := Plot(r, png); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(png); err != nil || fi.Size() < 10000 {
				t.Errorf("plot %s: %v", png, err)
			}
		}
	}
	var md, tab bytes.Buffer
	Markdown(&md, results)
	Table(&tab, results)
	for _, s := range []string{"two-cluster-logistic-ridge-longtime", "| m | erm |", "| Ctt | theory |"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if n := strings.Count(tab.String(), "\n"); n < 9*6 {
		t.Errorf("table has %d lines", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "two-cluster-logistic-batch-sweep", "v3", "sim_test_err.npy")); err != nil {
		t.Error(err)
	}
}
