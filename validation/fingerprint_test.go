package validation

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

var update = flag.Bool("update", false, "rewrite testdata/fingerprint.json from the current numerics")

// fingerprint runs six scenarios (sampled DMFT, exact theory, ERM limit;
// the teacher–student model's sampled DMFT, and its exact DMFT and theory;
// the gradient flow on the adaptive grid against GD at η and η/2)
// at a tiny size and returns numbers that every part of the numerics
// touches: the simulations' and the DMFT's final values and each check's
// worst z.
func fingerprint(t *testing.T) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, name := range []string{"two-cluster-logistic-psgd", "two-cluster-square-gd", "two-cluster-logistic-ridge-longtime",
		teacherPSGD, "teacher-relu-square-gd", longtime} {
		sc, _ := Lookup(name)
		sc.Sizes[Test] = Size{Dims: dims(20, 3, 40, 3), Samples: 400, Batches: 4, T: sc.Sizes[Test].T, Tol: sc.Sizes[Test].Tol}
		r, err := Run(context.Background(), sc, Options{Level: Test, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		v := r.Variants[0]
		last := len(v.Times) - 1
		for _, o := range Observables() {
			for _, e := range v.Sims {
				out[fmt.Sprintf("%s sim d=%d %v", name, e.D, o)] = e.Curves[o].Mean[last]
			}
			if x := v.DMFT[o].Mean[last]; !math.IsNaN(x) { // a flow scenario's displacement
				out[fmt.Sprintf("%s dmft %v", name, o)] = x
			}
		}
		for _, c := range v.Checks {
			out[fmt.Sprintf("%s z %v %v", name, c.Observable, c.Reference)] = c.Worst.Z
		}
	}
	return out
}

// TestNumericsFingerprint guards NumericsVersion: if the numbers a run with
// a fixed seed produces change, stored outputs (notebooks-data) are stale,
// and the version must say so. On a failure that is intended, bump
// NumericsVersion and run go test ./validation -run Fingerprint -update.
// Tolerance 1e-9 relative: far above the round-off by which the assembly
// and generic kernels of internal/vec may differ, far below any change of
// the numerics.
func TestNumericsFingerprint(t *testing.T) {
	path := filepath.Join("testdata", "fingerprint.json")
	got := fingerprint(t)
	if *update {
		b, err := json.MarshalIndent(struct {
			NumericsVersion int
			Values          map[string]float64
		}{NumericsVersion, got}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		NumericsVersion int
		Values          map[string]float64
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if want.NumericsVersion != NumericsVersion {
		t.Fatalf("%s is of numerics version %d, the code is at %d: run go test ./validation -run Fingerprint -update", path, want.NumericsVersion, NumericsVersion)
	}
	changed := 0
	for k, w := range want.Values {
		if g, ok := got[k]; !ok || !scalar.EqualWithinAbsOrRel(g, w, 1e-12, 1e-9) {
			changed++
			if changed <= 5 {
				t.Errorf("%s = %v, was %v", k, g, w)
			}
		}
	}
	if changed > 0 || len(got) != len(want.Values) {
		t.Errorf("%d of %d numbers changed (and %d now vs %d recorded): the numerics changed at version %d; "+
			"if intended, bump NumericsVersion and run go test ./validation -run Fingerprint -update", changed, len(want.Values), len(got), len(want.Values), NumericsVersion)
	}
}
