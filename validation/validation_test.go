package validation

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
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
		for l := range numLevels {
			if err := sc.Size(l).Validate(); err != nil {
				t.Errorf("%s %v: %v", sc.Name, l, err)
			}
		}
	}
	for _, name := range []string{"two-cluster-logistic-gd", "two-cluster-logistic-psgd", stationary, "two-cluster-logistic-sgd",
		"two-cluster-logistic-sgf", "two-cluster-logistic-batch-sweep", "two-cluster-logistic-ridge-longtime",
		"two-cluster-square-gd", "three-cluster-quadratic-gd", "three-cluster-quadratic-psgd",
		"teacher-sign-logistic-gd", teacherPSGD, longtime, "teacher-relu-square-gd", "teacher-linear-square-peer"} {
		if !seen[name] {
			t.Errorf("scenario %s missing", name)
		}
	}
	for _, l := range []Level{Test, Quick, Full} {
		if got, err := ParseLevel(l.String()); err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := ParseLevel("huge"); err == nil || !strings.Contains(err.Error(), "test, quick, full") {
		t.Errorf("ParseLevel(huge): %v", err)
	}
}

// simCache holds the simulations of the test level, shared by the tests
// that judge them (the scenarios' verdicts and the mutation table), so
// that each is simulated once per test binary.
var simCache struct {
	sync.Mutex
	m map[string]*Simulations
}

func simulations(t *testing.T, sc Scenario, l Level) *Simulations {
	t.Helper()
	simCache.Lock()
	defer simCache.Unlock()
	key := sc.Name + "/" + l.String()
	if s, ok := simCache.m[key]; ok {
		return s
	}
	s, err := Simulate(context.Background(), sc, Options{Level: l})
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	if simCache.m == nil {
		simCache.m = map[string]*Simulations{}
	}
	simCache.m[key] = s
	return s
}

// describeFailures lists a result's failing checks.
func describeFailures(r *Result) string {
	var b strings.Builder
	for _, v := range r.Variants {
		for _, c := range v.Checks {
			if !c.Pass {
				fmt.Fprintf(&b, "  %s %v vs %v: t=%g |z| = %.2f > %.2f (dev %.3e, se %.1e, df %.0f)\n",
					v.Label, c.Observable, c.Reference, c.Time, math.Abs(c.Worst.Z), c.Threshold(), c.Worst.Dev, c.Worst.SE, c.Worst.DF)
			}
		}
	}
	return b.String()
}

// TestScenariosTestLevel runs every scenario at the test level and
// requires its verdict: the d → ∞ extrapolation of the simulations agrees
// with the DMFT (and the exact theory where it applies) at every time, at
// family-wise false-failure rate FamilyAlpha = 1% per variant (the rule's
// rate, measured by TestFalseFailureRate; the seeds are fixed, so the
// outcome is reproducible).
func TestScenariosTestLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every scenario")
	}
	for _, sc := range Scenarios() {
		r, err := Judge(context.Background(), sc, simulations(t, sc, Test), Options{Level: Test})
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if !r.Pass {
			t.Errorf("%s fails:\n%s", sc.Name, describeFailures(r))
		}
		dmftWall := time.Duration(0)
		for _, v := range r.Variants {
			dmftWall += v.DMFTWall
		}
		t.Logf("%-36s pass=%v: simulations %.1fs, DMFT %.1fs", sc.Name, r.Pass, r.Wall.Seconds()-dmftWall.Seconds(), dmftWall.Seconds())
		for _, v := range r.Variants {
			// Every observable at every time, but the displacement from the
			// second record on, and not at all for a flow scenario.
			nobs, ncmp := len(Observables()), len(Observables())*len(v.Times)-1
			if sc.Flow {
				nobs, ncmp = nobs-1, ncmp-(len(v.Times)-1)
			}
			if len(v.Checks) < nobs || v.Comparisons < ncmp {
				t.Errorf("%s/%s: %d checks, %d comparisons", sc.Name, v.Label, len(v.Checks), v.Comparisons)
			}
		}
	}
}

// mutation is a deliberately wrong reference.
type mutation struct {
	name      string
	perturb   dmft.Perturb
	reference func(dynamics.Problem) dynamics.Problem
	tau       bool   // changes τ: only for problems with a persistence time
	mixture   bool   // changes the mixture's Δ: only for mixture problems
	on        string // the scenario judged by default; empty for two-cluster-logistic-psgd
	teacher   bool   // also judged on teacher-sign-logistic-psgd, whose test level resolves it
	longtime  bool   // also judged on two-cluster-logistic-longtime, whose test level resolves it
}

func scaleDelta(f float64) func(dynamics.Problem) dynamics.Problem {
	return func(p dynamics.Problem) dynamics.Problem { p.Model.Delta *= f; return p }
}

func scaleTau(f float64) func(dynamics.Problem) dynamics.Problem {
	return func(p dynamics.Problem) dynamics.Problem { p.Tau *= f; return p }
}

// mutations are the wrong DMFTs the verdict must reject: each kernel of
// the DMFT equations scaled by 5% either way, and the reference solved for
// the noise Δ or the persistence time τ off by 5%. Each is judged on the
// scenario named by on (the CI-level validation fails if any scenario
// fails): τ on two-cluster-logistic-psgd-stationary, because off by 5% it
// moves the equal-time observables of two-cluster-logistic-psgd by 0.3% at
// most (|z| ≈ 1.8 at the test level), while the displacement between
// records 2 time units apart near the stationary state moves by 4–5%.
//
// Those marked teacher are judged on teacher-sign-logistic-psgd as well,
// the DMFT of the teacher–student model (its own sample process: h0 and
// the label noise per trajectory, no memory term in m): there M_C ± 5%,
// Γ ×0.95 and the memory term ×0.95 fail with |z| ≥ 5.4 against a threshold
// of 4.35. Its test level does not resolve Γ ×1.05 (|z| ≈ 4.2), the memory
// term ×1.05 (≈ 4.6, too close to call) or τ ± 5% (3.3–4.4), so they are
// not asked of it; Δ does not exist for a teacher.
//
// Those marked longtime are judged on two-cluster-logistic-longtime as
// well, the gradient flow on the DMFT's adaptive grid against GD at η and
// η/2 extrapolated to η → 0: Γ ×1.05 and Δ ×1.05 fail it with |z| = 7.3
// and 9.5 against 5.0; M_C ×0.95 (4.8), M_C ×1.05 (1.9), Γ ×0.95 (3.7) and
// the memory term ± 5% (3.0, 3.9) its test level does not resolve.
var mutations = []mutation{
	{name: "M_C ×0.95", perturb: dmft.Perturb{MC: 0.95}, teacher: true},
	{name: "M_C ×1.05", perturb: dmft.Perturb{MC: 1.05}, teacher: true},
	{name: "Γ ×0.95", perturb: dmft.Perturb{Gamma: 0.95}, teacher: true},
	{name: "Γ ×1.05", perturb: dmft.Perturb{Gamma: 1.05}, longtime: true},
	{name: "memory ×0.95", perturb: dmft.Perturb{Memory: 0.95}, teacher: true},
	{name: "memory ×1.05", perturb: dmft.Perturb{Memory: 1.05}},
	{name: "Δ ×1.05", reference: scaleDelta(1.05), mixture: true, longtime: true},
	{name: "τ ×0.95", reference: scaleTau(0.95), tau: true, on: stationary},
	{name: "τ ×1.05", reference: scaleTau(1.05), tau: true, on: stationary},
}

const (
	stationary  = "two-cluster-logistic-psgd-stationary"
	teacherPSGD = "teacher-sign-logistic-psgd"
	mixturePSGD = "two-cluster-logistic-psgd"
	longtime    = "two-cluster-logistic-longtime"
)

// judgedOn reports whether mutation m is asked of scenario name by
// default.
func (m mutation) judgedOn(name string) bool {
	if m.on != "" {
		return name == m.on
	}
	return name == mixturePSGD || m.teacher && name == teacherPSGD || m.longtime && name == longtime
}

// worstCheck returns the check of r with the largest |z|/threshold.
func worstCheck(r *Result) (Check, float64) {
	var worst Check
	q := -1.0
	for _, v := range r.Variants {
		for _, c := range v.Checks {
			if x := math.Abs(c.Worst.Z) / c.Threshold(); x > q || math.IsNaN(x) {
				worst, q = c, x
			}
		}
	}
	return worst, q
}

// TestMutations: the verdict at the test level rejects every wrong DMFT of
// the mutation table on its scenario (two-cluster-logistic-psgd, or the
// one named by the mutation, and teacher-sign-logistic-psgd and
// two-cluster-logistic-longtime for those that say so), while the true
// DMFT passes. The simulations
// are shared, each mutation solves its own DMFT. The table is logged (go
// test -v).
//
// SGDMFT_MUTATION_LEVEL=quick (or full) runs the same table at that level
// instead, and SGDMFT_MUTATION_SCENARIOS=a,b every mutation on each of
// those scenarios; both take minutes per scenario (go test -run
// TestMutations -timeout 2h -v).
func TestMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("solves a DMFT per mutation")
	}
	level := Test
	if s := os.Getenv("SGDMFT_MUTATION_LEVEL"); s != "" {
		l, err := ParseLevel(s)
		if err != nil {
			t.Fatal(err)
		}
		level = l
	}
	names := []string{mixturePSGD, stationary, teacherPSGD, longtime}
	all := false // every mutation on every scenario, or each on its own
	if s := os.Getenv("SGDMFT_MUTATION_SCENARIOS"); s != "" {
		names, all = strings.Split(s, ","), true
	}
	for _, name := range names {
		sc, ok := Lookup(name)
		if !ok {
			t.Fatalf("no scenario %q", name)
		}
		sims := simulations(t, sc, level)
		t.Logf("%s at level %v (simulations %.1fs):", sc.Name, level, sims.Wall.Seconds())
		t.Logf("  %-13s %-7s %-24s %7s %7s", "mutation", "verdict", "worst check", "|z|", "thresh")
		for _, m := range append([]mutation{{name: "none (true)"}}, mutations...) {
			if m.tau && sc.Variants[0].Problem.Tau == 0 {
				continue // no persistence time
			}
			if m.mixture && sc.Variants[0].Problem.Teacher != nil {
				continue // no Δ
			}
			if !all && m.name != "none (true)" && !m.judgedOn(sc.Name) {
				continue
			}
			r, err := Judge(context.Background(), sc, sims, Options{Level: level, Perturb: m.perturb, ReferenceProblem: m.reference})
			if err != nil {
				t.Fatalf("%s, %s: %v", sc.Name, m.name, err)
			}
			c, _ := worstCheck(r)
			verdict := "pass"
			if !r.Pass {
				verdict = "FAIL"
			}
			t.Logf("  %-13s %-7s %-24s %7.2f %7.2f", m.name, verdict, fmt.Sprintf("%v vs %v at t=%g", c.Observable, c.Reference, c.Time), math.Abs(c.Worst.Z), c.Threshold())
			if m.name == "none (true)" {
				if !r.Pass {
					t.Errorf("%s: the true DMFT fails:\n%s", sc.Name, describeFailures(r))
				}
			} else if r.Pass {
				t.Errorf("%s: the wrong DMFT %q passes the verdict (worst |z| %.2f, threshold %.2f)", sc.Name, m.name, math.Abs(c.Worst.Z), c.Threshold())
			}
		}
	}
}
