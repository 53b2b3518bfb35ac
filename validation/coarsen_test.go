package validation

import (
	"context"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/sde"
)

// longCoarsening is the step schedule for two-cluster-logistic-longtime
// run to T = 1000 (Size.Coarsen): η and η/2 to t = 100, ten times longer
// steps after it, recorded every 10 time units there.
var longCoarsening = sde.Coarsening{From: 100, Factor: 10}

// TestRichardsonCoarsened measures the remainder of the η → 0
// extrapolation of two-cluster-logistic-longtime run to T = 1000 with
// longCoarsening (η = 0.1 and 0.05 up to t = 100, ten times those after):
// GD at d = 100, 4 seeds, with the same seeds and the same schedule at
// η = 0.1, 0.05, 0.025 and 0.0125 (about 2 s of CPU). The finest run's late
// step, 0.125, also goes to 0 with η, so the second-order y₀ of
// TestRichardsonRemainder is still the flow's, and the remainder of the
// scenario's estimate, per seed, must pass (b) at every record, σ(t) the
// stored full level's error bar to t = 100 and its value at t = 100 beyond
// (the state has converged; its error bar changes little). Up to t = 100
// the runs are TestRichardsonRemainder's uniform ones (its check (a) of
// the order holds there); after it the remainder is at round-off, where a
// ratio means nothing. Schedules that switch at t = 0 or 1, while the flow
// is still fast, must fail (b). Measured (go test ./validation -run
// RichardsonCoarsened -v), the largest (|remainder| + 3 se)/σ:
//
//	            all records   t > 100   switching at t = 1   at t = 0
//	m           0.18 (t = 1)  2e-6      0.36 (t = 11)        1.8
//	C(t,t)      0.17 (t = 1)  3e-6      0.51 (t = 11)        1.9
//	train loss  0.10 (t = 1)  2e-6      0.11                 0.48
//	test error  0.04 (t = 1)  4e-6      0.14                 0.23
//	test loss   0.13 (t = 1)  4e-6      0.13                 0.59
//
// GD's fixed point is the flow's, and by t = 100 the run is so near it
// that even y(η) alone, an O(η) estimate, is within 2e-3 σ after t = 100
// (against 10σ at t ≤ 3).
func TestRichardsonCoarsened(t *testing.T) {
	sc := longTimeFlow()
	p := sc.Problem(sc.Variants[0], Full)
	p.T = 1000
	stored := unitTimes(longCoarsening.From)
	full := fullErrorBars(t, sc, stored)
	for _, c := range []struct {
		name string
		co   sde.Coarsening
		pass bool
	}{
		{"longCoarsening", longCoarsening, true},
		{"switching at t = 0", sde.Coarsening{From: 0, Factor: longCoarsening.Factor}, false},
		{"switching at t = 1", sde.Coarsening{From: 1, Factor: longCoarsening.Factor}, false},
	} {
		lad := simulateLadder(t, p, c.co, 100, 4, 4, 2)
		// The stored error bar at the whole time at or below each record
		// (the records are whole times), σ(100) beyond t = 100.
		bars := map[dynamics.Observable][]float64{}
		for _, o := range smoothObs {
			for _, tt := range lad.times {
				j := min(int(math.Floor(tt+1e-9)), len(stored)-1)
				bars[o] = append(bars[o], full[o][j])
			}
		}
		ok := true
		for _, o := range smoothObs {
			a := lad.assess(t, richardson, o, bars[o])
			late := 0.0
			rem, se := lad.remainder(t, richardson, o)
			for j, tt := range lad.times {
				if tt > longCoarsening.From {
					late = math.Max(late, (math.Abs(rem[j])+3*se[j])/bars[o][j])
				}
			}
			t.Logf("%s %v: max (|remainder| + 3 se)/σ %.3f (max |remainder| %.2e at t = %g); after t = %g: %.1e",
				c.name, o, a.maxBound, a.maxAbs, a.tAbs, longCoarsening.From, late)
			if a.maxBound > biasBound {
				ok = false
				if c.pass {
					t.Errorf("%s %v: the remainder (+3 se) is %.3f of the full level's error bar, want ≤ %v", c.name, o, a.maxBound, biasBound)
				}
			}
		}
		if !c.pass && ok {
			t.Errorf("%s passes (b) on every observable: the check cannot see a coarsening's error", c.name)
		}
	}
}

// TestSizeCoarsen: a flow scenario's Size.Coarsen reaches the simulations
// at η and η/2 alike (their records coincide, which richardson checks),
// with the schedule's record times; a scenario that is not a flow refuses
// it.
func TestSizeCoarsen(t *testing.T) {
	sc := longTimeFlow()
	sc.Sizes[Test] = Size{Dims: dims(20, 2, 40, 2), Samples: 40, Batches: 2, T: 30, Coarsen: sde.Coarsening{From: 10, Factor: 5}}
	sims, err := Simulate(context.Background(), sc, Options{Level: Test, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	times := sims.Variants[0].Times
	want := append(unitTimes(10), 15, 20, 25, 30) // every 10 steps: of 0.1 to t = 10, of 0.5 after
	if len(times) != len(want) {
		t.Fatalf("record times %v, want %v", times, want)
	}
	for j := range want {
		if math.Abs(times[j]-want[j]) > 1e-9 {
			t.Errorf("record %d at t = %v, want %v", j, times[j], want[j])
		}
	}
	bad, _ := Lookup("two-cluster-logistic-gd")
	bad.Sizes[Test].Coarsen = sde.Coarsening{From: 1, Factor: 2}
	if _, err := Simulate(context.Background(), bad, Options{Level: Test}); err == nil {
		t.Error("a coarsened step accepted for a scenario that is not a flow")
	} else {
		t.Log(err)
	}
}
