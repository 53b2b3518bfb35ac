package dmft

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/sde"
)

// persistence is persistent SGD near its stationary state (the validation
// scenario two-cluster-logistic-psgd-stationary): once the drift has died
// out the weights diffuse, driven by the selection noise, and the
// displacement |w(t) − w(t−2)|²/d moves by 4–5% when τ moves by 5%, while
// every equal-time observable moves by under 1%.
var persistence = dynamics.Problem{
	Model: mixture.TwoCluster(0.5, 1), Loss: logistic(),
	Alpha: 4, Lambda: 0.1, Algo: dynamics.PSGD, B: 0.3, Tau: 1, Eta: 0.1, T: 10, C0: 1,
}

const persistenceLag = 20 // steps between records: a lag of 2

// persistenceSim is the simulator's displacement extrapolated to d = ∞
// from d = 50 and 200 (800 seeds each): the exact fit A + β/d through two
// points, A = (4ȳ₂₀₀ − ȳ₅₀)/3, variance (16s₂₀₀² + s₅₀²)/9. Shared by the
// tests of this file.
var persistenceSim = sync.OnceValues(func() (estimate, error) {
	var ys, ss [2][]float64
	for i, d := range []int{50, 200} {
		ens, err := sde.Simulate(context.Background(), persistence, sde.Settings{D: d, Seeds: 800, Every: persistenceLag, TestSamples: -1, Seed: 31 + uint64(i)})
		if err != nil {
			return estimate{}, err
		}
		ys[i], ss[i] = ens.MeanSE(dynamics.Disp)
	}
	n := len(ys[0])
	a, se := make([]float64, n), make([]float64, n)
	for j := range a {
		a[j] = (4*ys[1][j] - ys[0][j]) / 3
		se[j] = math.Sqrt(16*ss[1][j]*ss[1][j]+ss[0][j]*ss[0][j]) / 3
	}
	return replicas(a, se, 800), nil
})

// persistenceVerdict compares the DMFT solved with τ × tauFactor with the
// simulations at the true τ, at the records t = 6, 8, 10 (past the drift).
// The allowance is the DMFT's batch bias: 100 batches of 4000 trajectories
// and 800 of 500 gave displacements differing by (1.3 ± 1.9)e-4, so the
// bias at 4000 per batch is below 7e-5 (2σ), 0.13% of the displacement,
// allowed as 0.2%. The 1/d fit leaves O(1/d²), below the errors: the true
// DMFT scores 0.58. τ off by 5% fails at 1.16 (× 0.95) and 1.74 (× 1.05)
// tolerances: resolved, with a thin margin for × 0.95 at this cost (a
// tolerance is 3.7 combined standard errors); the validation's verdict on
// the same problem, over all its records, is the stronger check (|z| 5.5
// and 6.2 against 3.8, validation.TestMutations).
func persistenceVerdict(t *testing.T, tauFactor float64) verdict {
	t.Helper()
	sim, err := persistenceSim()
	if err != nil {
		t.Fatal(err)
	}
	p := persistence
	p.Tau *= tauFactor
	sol, err := Solve(context.Background(), p, Settings{Samples: 400000, Batches: 100, Seed: 17})
	if err != nil {
		t.Fatal(err)
	}
	n := len(sim.mean)
	m, se := make([]float64, n), make([]float64, n)
	for j := 1; j < n; j++ {
		m[j], se[j] = sol.Displacement(j*persistenceLag, (j-1)*persistenceLag)
	}
	return judge(familyRate, comparison{
		name: "disp", a: replicas(m, se, sol.Stats.Batches), b: sim,
		allow: func(_ int, v float64) float64 { return 2e-3 * math.Abs(v) },
		at:    []int{n - 3, n - 2, n - 1},
	})
}

// TestPersistenceAgainstSimulator: the DMFT's two-time displacement of
// persistent SGD agrees with the simulator's, and a DMFT solved for τ off
// by 5% either way does not: the package's tests resolve the persistence
// time of the selection process.
func TestPersistenceAgainstSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("1600 simulations and three 400000-trajectory solves")
	}
	for _, c := range []struct {
		name string
		f    float64
		pass bool
	}{{"true τ", 1, true}, {"τ × 0.95", 0.95, false}, {"τ × 1.05", 1.05, false}} {
		v := persistenceVerdict(t, c.f)
		t.Logf("%-9s score %s; worst: %s", c.name, fmtScore(v.score), v.worst)
		if v.pass() != c.pass {
			t.Errorf("%s: criterion passes = %v, want %v (score %s)", c.name, v.pass(), c.pass, fmtScore(v.score))
		}
	}
}
