package sde

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
)

// TestCoarsening: a coarsened GD run is the uniform run at η up to From
// (bit for bit: the same data, start and steps), then takes steps of
// Factor·η (coarsened from t = 0, it is the uniform run at Factor·η); its
// record times follow the schedule.
func TestCoarsening(t *testing.T) {
	p := logisticProblem()
	p.Lambda, p.T = 0.05, 4
	set := Settings{D: 40, Seeds: 2, TestSamples: -1, Seed: 5, Every: 5}
	sim := func(p dynamics.Problem, c Coarsening) *Ensemble {
		t.Helper()
		s := set
		s.Coarsen = c
		e, err := Simulate(context.Background(), p, s)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	same := func(name string, a, b *Ensemble, j int) {
		t.Helper()
		for s := range a.Seeds {
			for _, o := range []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss} {
				if x, y := a.Seeds[s].Obs[o][j], b.Seeds[s].Obs[o][j]; x != y {
					t.Errorf("%s: seed %d %v = %v at t = %v, want %v", name, s, o, x, a.Times[j], y)
				}
			}
		}
	}
	uni := sim(p, Coarsening{})
	c := sim(p, Coarsening{From: 2, Factor: 4}) // 20 steps of 0.1, then 5 of 0.4
	wantTimes := []float64{0, 0.5, 1, 1.5, 2, 4}
	if len(c.Times) != len(wantTimes) {
		t.Fatalf("coarsened record times %v, want %v", c.Times, wantTimes)
	}
	for j, w := range wantTimes {
		if math.Abs(c.Times[j]-w) > 1e-12 {
			t.Errorf("record %d at t = %v, want %v", j, c.Times[j], w)
		}
	}
	if got, want := c.Steps[len(c.Steps)-1], 25; got != want {
		t.Errorf("%d steps, want %d", got, want)
	}
	for j := 0; j <= 4; j++ { // up to From the runs coincide
		same("before From", c, uni, j)
	}
	// The last record differs from the uniform run's: the steps did change.
	if c.Seeds[0].Obs[dynamics.M][5] == uni.Seeds[0].Obs[dynamics.M][len(uni.Times)-1] {
		t.Error("the coarsened run ends where the uniform one does: the step did not change")
	}
	// Coarsened from t = 0, the run is the uniform run at Factor·η.
	coarse := p
	coarse.Eta = 0.4
	c0, u4 := sim(p, Coarsening{From: 0, Factor: 4}), sim(coarse, Coarsening{})
	if len(c0.Times) != len(u4.Times) {
		t.Fatalf("%d records coarsened from 0, %d at η = 0.4", len(c0.Times), len(u4.Times))
	}
	for j := range c0.Times {
		same("from 0 against η = 0.4", c0, u4, j)
	}
	// Driven step by step, the step is η for the first From/η steps, then
	// Factor·η.
	r, err := NewRun(p, Settings{D: 40, Seed: 5, Coarsen: Coarsening{From: 2, Factor: 4}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		r.Step(false)
	}
	if r.h != 0.1 {
		t.Errorf("step %v before the switch, want 0.1", r.h)
	}
	r.Step(false)
	if r.h != 0.4 {
		t.Errorf("step %v after the switch, want 0.4", r.h)
	}
}

// TestCoarseningErrors: bad schedules are refused before any work, naming
// the field.
func TestCoarseningErrors(t *testing.T) {
	p := logisticProblem()
	p.T = 4
	sgd := p
	sgd.Algo, sgd.B = dynamics.SGD, 0.5
	for _, c := range []struct {
		name  string
		p     dynamics.Problem
		c     Coarsening
		field string
	}{
		{"negative factor", p, Coarsening{From: 1, Factor: -2}, "Coarsen.Factor"},
		{"sgd", sgd, Coarsening{From: 1, Factor: 2}, "Coarsen.Factor"},
		{"from beyond T", p, Coarsening{From: 5, Factor: 2}, "Coarsen.From"},
		{"from negative", p, Coarsening{From: -1, Factor: 2}, "Coarsen.From"},
		{"from NaN", p, Coarsening{From: math.NaN(), Factor: 2}, "Coarsen.From"},
		{"from off the grid", p, Coarsening{From: 1.05, Factor: 2}, "Coarsen.From"},
		{"factor not dividing", p, Coarsening{From: 1, Factor: 7}, "Coarsen.Factor"}, // 30 steps left
	} {
		_, err := Simulate(context.Background(), c.p, Settings{D: 10, Seeds: 1, TestSamples: -1, Coarsen: c.c})
		var fe *dynamics.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: error %v, want a FieldError on %s", c.name, err, c.field)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}
	// A factor of 0 or 1 is no coarsening, accepted for any algorithm.
	for _, f := range []int{0, 1} {
		if _, err := Simulate(context.Background(), sgd, Settings{D: 10, Seeds: 1, TestSamples: -1, Coarsen: Coarsening{From: 9, Factor: f}}); err != nil {
			t.Errorf("Factor %d: %v", f, err)
		}
	}
}
