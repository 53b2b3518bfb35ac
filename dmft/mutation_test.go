package dmft

import (
	"testing"
)

// TestWrongDMFTFails: deliberately wrong DMFTs — the noise kernel M_C, the
// response kernel Γ and the memory term of the sample process each scaled
// by 0.95 and by 1.05, and a DMFT solved for Δ × 1.05 — must fail the
// criterion of TestSquareSampledVsTheory (the same function, settings, seed
// and reference), while the true DMFT passes it: the package's tests can
// tell a 5% error in any of the three, or in Δ, from the DMFT. τ has no
// part in this full-batch problem: TestPersistenceAgainstSimulator is the
// package's check of a DMFT solved for τ off by 5%. The score logged is the
// worst deviation in tolerances (the criterion fails above 1).
func TestWrongDMFTFails(t *testing.T) {
	for _, c := range []struct {
		name  string
		q     Perturb
		delta float64 // factor on the DMFT's Δ; 0 means 1
		pass  bool
	}{
		{"true DMFT", Perturb{}, 0, true},
		{"M_C × 0.95", Perturb{MC: 0.95}, 0, false},
		{"M_C × 1.05", Perturb{MC: 1.05}, 0, false},
		{"Γ × 0.95", Perturb{Gamma: 0.95}, 0, false},
		{"Γ × 1.05", Perturb{Gamma: 1.05}, 0, false},
		{"memory × 0.95", Perturb{Memory: 0.95}, 0, false},
		{"memory × 1.05", Perturb{Memory: 1.05}, 0, false},
		// Sampled like the others (ForceSampling), so only Δ differs.
		{"Δ × 1.05", Perturb{}, 1.05, false},
	} {
		set := squareSettings
		set.Perturb = c.q
		q := squareTheory
		if c.delta != 0 {
			q.Model.Delta *= c.delta
		}
		v, _ := squareVerdictOf(t, q, set)
		worst := ""
		for i, n := range v.names {
			worst += " " + n + " " + fmtScore(v.per[i])
		}
		t.Logf("%-14s score %s (per observable:%s); worst: %s", c.name, fmtScore(v.score), worst, v.worst)
		if v.pass() != c.pass {
			t.Errorf("%s: criterion passes = %v, want %v (score %s)", c.name, v.pass(), c.pass, fmtScore(v.score))
		}
	}
}
