package theory_test

import (
	"context"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/sde"
	"github.com/sgdmft/sgdmft/theory"
)

// TestSquareFiniteD compares the d = ∞ curves of discrete GD with the
// simulator's exact finite-d recursion (|v*|² = d, w_0 ~ N(0, C0 I)),
// averaged over seeds at d = 800. Tolerance: 5 standard errors of the seed
// mean (16 seeds: a Student-t tail of 2e-4 per comparison) plus an O(1/d)
// allowance of 2(1 + |value|)/d for the finite-d bias of the quadratic
// forms. Measured: largest deviation 2.3 standard errors (alpha=2), 1.1 (alpha=0.5).
func TestSquareFiniteD(t *testing.T) {
	if testing.Short() {
		t.Skip("finite-d ensemble")
	}
	const d, seeds = 800, 16
	for _, c := range []struct {
		name                  string
		alpha, delta, lambda  float64
		rho, eta, c0, horizon float64
	}{
		{"alpha=2", 2, 0.5, 0, 0.3, 0.2, 1, 12},
		{"alpha=0.5,ridge", 0.5, 0.8, 0.2, 0.5, 0.3, 0.5, 15},
	} {
		p := dynamics.Problem{
			Model: mixture.TwoCluster(c.rho, c.delta),
			Loss:  loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
			Alpha: c.alpha, Lambda: c.lambda, Eta: c.eta, T: c.horizon, C0: c.c0,
		}
		ens, err := sde.Simulate(context.Background(), p, sde.Settings{D: d, Seeds: seeds, Every: 10, TestSamples: -1, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		s := theory.SquareGD{Alpha: c.alpha, Delta: c.delta, Lambda: c.lambda, C0: c.c0, Eta: c.eta}
		th, err := s.Curve(nil, ens.Times)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for _, o := range []struct {
			obs dynamics.Observable
			get func(theory.SquarePoint) float64
		}{
			{dynamics.M, func(p theory.SquarePoint) float64 { return p.M }},
			{dynamics.Ctt, func(p theory.SquarePoint) float64 { return p.Ctt }},
			{dynamics.TrainLoss, func(p theory.SquarePoint) float64 { return p.TrainLoss }},
			{dynamics.TestErr, func(p theory.SquarePoint) float64 { return p.TestErr }},
		} {
			mean, se := ens.MeanSE(o.obs)
			for i, tt := range ens.Times {
				want := o.get(th[i])
				dev := math.Abs(mean[i] - want)
				if dev > 5*se[i]+2*(1+math.Abs(want))/d {
					t.Errorf("%s t=%v %v: simulation %v ± %v, theory %v", c.name, tt, o.obs, mean[i], se[i], want)
				}
				if se[i] > 0 {
					worst = math.Max(worst, dev/se[i])
				}
			}
		}
		t.Logf("%s: largest deviation %.2f standard errors", c.name, worst)
	}
}
