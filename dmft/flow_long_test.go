package dmft

import (
	"context"
	"flag"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/theory"
)

var flowLong = flag.String("flowlong", "square,0.01,1000,3e-3,0.05,1,8000,80", "TestFlowMeasureLong: kind (square, erm), λ, T, Tol, Theta (0: keep all), MaxStep, N, ResponseSamples")

// flowLongCase parses -flowlong.
func flowLongCase(t *testing.T) (kind string, lambda, T float64, ad Adaptive, n, resp int) {
	t.Helper()
	var theta float64
	if _, err := fmt.Sscanf(strings.ReplaceAll(*flowLong, ",", " "), "%s %g %g %g %g %g %d %d", &kind, &lambda, &T, &ad.Tol, &theta, &ad.MaxStep, &n, &resp); err != nil {
		t.Fatalf("-flowlong %q: %v", *flowLong, err)
	}
	if theta == 0 {
		ad.KeepAll = true
	} else {
		ad.Theta = theta
	}
	return
}

// TestFlowMeasureLong measures the long-time accuracy of the adaptive
// gradient-flow solve (-flowlong kind,λ,T,Tol,Theta,MaxStep,N,resp):
//
//   - square: the square loss of squareTheory at ridge λ, sampled, against
//     the exact gradient-flow curves (theory.SquareGD, Eta 0) at every grid
//     point: the largest |x − exact| in units of the standard error (m has
//     none: in units of scale(m)), and where it is;
//
//   - erm: the logistic flow of issue 9 at ridge λ against the ERM fixed
//     point (theory.ERM) at T: relative deviation and deviation/SE of m,
//     C(t,t), the training loss and the test error.
//
//     go test ./dmft -run FlowMeasureLong -flowmeasure -flowlong square,0.01,1000,3e-3,0.05,1,8000,80 -v
func TestFlowMeasureLong(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	kind, lambda, T, ad, n, resp := flowLongCase(t)
	var p dynamics.Problem
	set := Settings{Samples: n, ResponseSamples: resp, Seed: 11, Grid: ad}
	switch kind {
	case "square":
		p = squareTheory
		set.ForceSampling = true
		set.Batches = 20
	case "erm":
		p = flowLogistic(T)
	default:
		t.Fatalf("kind %q: want square or erm", kind)
	}
	p.Lambda, p.T = lambda, T
	sol, err := Solve(context.Background(), p, set)
	if err != nil {
		t.Fatal(err)
	}
	k := len(sol.Times) - 1
	t.Logf("%s: %d points (%d rejected), %d history nodes at T, wall %v (W %v S %v R %v)", *flowLong, len(sol.Times), sol.Stats.Rejected, len(sol.TwoTimes),
		sol.Stats.Wall.Round(time.Millisecond), sol.Stats.Weights.Round(time.Millisecond), sol.Stats.Sampling.Round(time.Millisecond), sol.Stats.Response.Round(time.Millisecond))
	switch kind {
	case "square":
		pts, err := theory.SquareGD{Alpha: p.Alpha, Delta: p.Model.Delta, Lambda: p.Lambda, C0: p.C0}.Curve(nil, sol.Times)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			o dynamics.Observable
			f func(theory.SquarePoint) float64
		}{
			{dynamics.M, func(q theory.SquarePoint) float64 { return q.M }},
			{dynamics.Ctt, func(q theory.SquarePoint) float64 { return q.Ctt }},
			{dynamics.TrainLoss, func(q theory.SquarePoint) float64 { return q.TrainLoss }},
			{dynamics.TestErr, func(q theory.SquarePoint) float64 { return q.TestErr }},
		} {
			a, se := sol.MeanSE(c.o)
			var worst, wt, rel float64
			for i := 1; i <= k; i++ {
				d := math.Abs(a[i] - c.f(pts[i]))
				rel = math.Max(rel, d/scale(c.f(pts[i])))
				u := d / se[i]
				if c.o == dynamics.M {
					u = d / (ad.withDefaults().Tol * scale(c.f(pts[i])))
				}
				if u > worst {
					worst, wt = u, sol.Times[i]
				}
			}
			unit := "SE"
			if c.o == dynamics.M {
				unit = "Tol·scale"
			}
			t.Logf("  %-10v max |Δ| = %.2f %s (at t = %.4g); max |Δ|/scale %.2e; at T: %.6f vs %.6f", c.o, worst, unit, wt, rel, a[k], c.f(pts[k]))
		}
	case "erm":
		e, err := theory.ERM{Model: p.Model, Alpha: p.Alpha, Lambda: p.Lambda, Loss: p.Loss.Margin}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			o    dynamics.Observable
			want float64
		}{{dynamics.M, e.M}, {dynamics.Ctt, e.Ctt}, {dynamics.TrainLoss, e.TrainLoss}, {dynamics.TestErr, e.TestErr}} {
			a, se := sol.MeanSE(c.o)
			t.Logf("  %-10v at T: %.6f ± %.1e vs ERM %.6f: relative %+.2e, %.2f SE", c.o, a[k], se[k], c.want, (a[k]-c.want)/c.want, (a[k]-c.want)/se[k])
		}
	}
}

// TestFlowSquarePruned: the square-loss flow at the small ridge λ = 0.01
// (relaxation time ≈ 1/(λ + Δ(√α − 1)²) ≈ 30), sampled, with the history
// pruned (θ = 0.1) against the exact curves at every
// grid point to t = 40, with the allowances of TestFlowSquareVsTheory; and
// Γ × 1.05 fails the same check.
func TestFlowSquarePruned(t *testing.T) {
	q := squareTheory
	q.Lambda, q.T = 0.01, 40
	set := Settings{Samples: 4000, Batches: 4, ResponseSamples: 40, ForceSampling: true, Seed: 7, Grid: Adaptive{Tol: 3e-3, Theta: 0.1}}
	run := func(set Settings) (verdict, *Solution) {
		sol, err := Solve(context.Background(), q, set)
		if err != nil {
			t.Fatal(err)
		}
		return judge(familyRate, squareComparisonsOf(t, q, sol, 0, flowDisc*3e-3)...), sol
	}
	v, sol := run(set)
	require(t, "pruned square flow vs theory", v)
	t.Logf("%d grid points, %d history nodes at t = 40, wall %v", len(sol.Times), len(sol.TwoTimes), sol.Stats.Wall)
	if !(len(sol.TwoTimes) < len(sol.Times)/3) {
		t.Errorf("%d history nodes of %d grid points: the history was not pruned", len(sol.TwoTimes), len(sol.Times))
	}
	set.Perturb = Perturb{Gamma: 1.05}
	w, _ := run(set)
	t.Logf("Γ × 1.05: score %s (%s)", fmtScore(w.score), w.worst)
	if w.pass() {
		t.Errorf("a pruned flow solved with Γ × 1.05 passes the check against the exact curves (score %.2f)", w.score)
	}
}
