package dmft

import (
	"context"
	"flag"
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/theory"
)

var (
	quadCase = flag.String("quadcase", "1e-3,0.5,4,40,0.01", "TestFlowMeasureQuad: Tol, Theta (0: keep all), MaxStep, T, λ")
	quadN    = flag.Int("quadn", 4000, "TestFlowMeasureQuad: samples (batches of 1000)")
	quadSeed = flag.Uint64("quadseed", 7, "TestFlowMeasureQuad: seed")
)

// TestFlowQuadPair: on a pair of segments a, b the estimate κ(coarse −
// fine) is the trapezoid error fine − exact of a quadratic, exactly (its
// f” is constant), whatever a/b; the textbook (coarse − fine)/3, right for
// a = b only, misses it by 33% at a = 2b (κ = 1/2), as pruning leaves.
func TestFlowQuadPair(t *testing.T) {
	f := func(x float64) float64 { return 3*x*x - x + 2 }
	F := func(x float64) float64 { return x*x*x - x*x/2 + 2*x }
	for _, c := range [][3]float64{{0, 1, 2}, {1, 3, 4}, {2, 2.1, 5}, {0.5, 4.5, 4.7}} {
		t0, t1, t2 := c[0], c[1], c[2]
		fine := (t1-t0)/2*(f(t0)+f(t1)) + (t2-t1)/2*(f(t1)+f(t2))
		coarse := (t2 - t0) / 2 * (f(t0) + f(t2))
		want := fine - (F(t2) - F(t0))
		c0, c1, c2 := pairCoef(t0, t1, t2)
		got := c0*f(t0) + c1*f(t1) + c2*f(t2)
		// Round-off: a few ulps of the terms, ≤ 1e-12 here.
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(fine)) {
			t.Errorf("pair %v: estimate %.15g, trapezoid error %.15g", c, got, want)
		}
		if a, b := t1-t0, t2-t1; math.Abs(a-b) > 0.5*math.Min(a, b) {
			if naive := (coarse - fine) / 3; !(math.Abs(naive-want) > 0.1*math.Abs(want)) {
				t.Errorf("pair %v: (coarse − fine)/3 = %g agrees with the error %g within 10%%: the check cannot tell κ", c, naive, want)
			}
		}
	}
}

// quadSolve solves the square-loss flow q with the settings set and
// returns the solution and the estimate of each accepted step, largest over
// the batches.
func quadSolve(t *testing.T, q dynamics.Problem, set Settings) (*Solution, []quadEst) {
	t.Helper()
	var qs []quadEst
	quadHook = func(_ float64, e quadEst) { qs = append(qs, e) }
	defer func() { quadHook = nil }()
	sol, err := Solve(context.Background(), q, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != len(sol.Times)-1 || len(sol.Stats.QuadErr) != len(qs) {
		t.Fatalf("%d estimates from the hook, %d in Stats.QuadErr, for %d steps", len(qs), len(sol.Stats.QuadErr), len(sol.Times)-1)
	}
	for i, e := range qs {
		if e.all != sol.Stats.QuadErr[i] {
			t.Fatalf("step %d: Stats.QuadErr %g, the hook's %g", i, sol.Stats.QuadErr[i], e.all)
		}
	}
	return sol, qs
}

// quadRatio returns the largest actual error over the grid of sol (of m and
// C(t,t), each relative to max(1, |value|), against the exact curves of
// the square-loss flow q) over the largest of the estimates est (one per
// step), and that of m alone (free of Monte-Carlo error) over the largest
// of estm.
func quadRatio(t *testing.T, q dynamics.Problem, sol *Solution, est, estm []float64) (all, m float64) {
	t.Helper()
	pts, err := theory.SquareGD{Alpha: q.Alpha, Delta: q.Model.Delta, Lambda: q.Lambda, C0: q.C0}.Curve(nil, sol.Times)
	if err != nil {
		t.Fatal(err)
	}
	var am, ac float64
	for k := 1; k < len(pts); k++ {
		am = math.Max(am, math.Abs(sol.M[k]-pts[k].M)/math.Max(1, math.Abs(pts[k].M)))
		ac = math.Max(ac, math.Abs(sol.Ctt[k]-pts[k].Ctt)/math.Max(1, math.Abs(pts[k].Ctt)))
	}
	return math.Max(am, ac) / maxOf(est), am / maxOf(estm)
}

// TestFlowQuadCalibration: on the square-loss flow at λ = 0.05 to t = 40
// with a deliberately coarse history (Theta 0.8, MaxStep 4; Tol 1e-2), whose
// quadrature error (≈ 10% of C(t,t)) is well above the Monte-Carlo error
// (≈ 2%) and the step error (≤ flowDisc·Tol), the reported estimate is of
// the size of the actual error; the estimate divided by 5, or its part near
// the diagonal alone (without the pruned history), is not.
//
// The bands: TestFlowMeasureQuad measured the largest actual error of m
// and C(t,t) over the largest Stats.QuadErr at 0.63–1.26 in 9 solves
// (Theta 0.5 and 0.8, Tol 1e-3 and 1e-2, λ 0.01 and 0.05, seeds 1–3 and 7,
// N = 20000 and 40000; C dominates), and that of m alone over its own
// estimate at 0.20–0.28 (the estimate neglects the kernels' feedback, which
// damps m's error): each band is that range widened by a factor 2 both
// ways, for the Monte-Carlo error of C (≤ 2% of C at N = 20000: ±0.5 on
// the ratio at 3σ) and for other problems.
//
//	go test ./dmft -run FlowMeasureQuad -flowmeasure -v -quadn 20000 -quadseed 1 -quadcase 1e-2,0.8,4,40,0.05
func TestFlowQuadCalibration(t *testing.T) {
	const lo, hi, loM, hiM = 0.3, 2.5, 0.1, 0.6
	q := squareTheory
	q.Lambda, q.T = 0.05, 40
	set := Settings{Samples: 20000, Batches: 20, ResponseSamples: 200, ForceSampling: true, Seed: 1, Grid: Adaptive{Tol: 1e-2, Theta: 0.8, MaxStep: 4}}
	sol, qs := quadSolve(t, q, set)
	n := len(qs)
	est, estm, near := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, e := range qs {
		est[i] = e.all
		estm[i] = e.dm / math.Max(1, math.Abs(sol.M[i+1]))
		near[i] = e.near
	}
	scaled := func(x []float64, f float64) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = f * v
		}
		return y
	}
	for _, c := range []struct {
		name      string
		est, estm []float64
		pass      bool
	}{
		{"as reported", est, estm, true},
		{"÷ 5", scaled(est, 0.2), scaled(estm, 0.2), false},
		{"near the diagonal only", near, near, false},
	} {
		all, m := quadRatio(t, q, sol, c.est, c.estm)
		ok := all >= lo && all <= hi && m >= loM && m <= hiM
		t.Logf("estimate %s: actual/estimate %.3g (band [%g, %g]), of m %.3g (band [%g, %g])", c.name, all, lo, hi, m, loM, hiM)
		if ok != c.pass {
			t.Errorf("estimate %s: actual/estimate %.3g, of m %.3g: in the bands %v, want %v", c.name, all, m, ok, c.pass)
		}
	}
	t.Logf("%d grid points, %d history nodes, max QuadErr %.3g, max StepErr %.3g, wall %v", len(sol.Times), len(sol.TwoTimes), maxOf(sol.Stats.QuadErr), maxOf(sol.Stats.StepErr), sol.Stats.Wall)
}

// TestFlowQuadKeepAll: with every grid point kept in the history and steps
// of at most 0.25, the quadrature error estimate of the square-loss flow
// (λ = 0.05, t ≤ 10, Tol 1e-3) is below the step tolerance at every step
// (measured: at most 3.8e-4, against 0.11 with Theta 0.8 and MaxStep 4 in
// TestFlowQuadCalibration), and not zero: the estimator runs.
func TestFlowQuadKeepAll(t *testing.T) {
	const tol = 1e-3
	q := squareTheory
	q.Lambda, q.T = 0.05, 10
	sol, _ := quadSolve(t, q, Settings{Samples: 4000, Batches: 4, ResponseSamples: 40, ForceSampling: true, Seed: 7, Grid: Adaptive{Tol: tol, MaxStep: 0.25, KeepAll: true}})
	if len(sol.TwoTimes) != len(sol.Times) {
		t.Fatalf("%d history nodes of %d grid points: the history was pruned", len(sol.TwoTimes), len(sol.Times))
	}
	mx := maxOf(sol.Stats.QuadErr)
	t.Logf("%d grid points, max QuadErr %.3g", len(sol.Times), mx)
	if !(mx > 0 && mx <= tol) {
		t.Errorf("max QuadErr %g, want in (0, Tol = %g]", mx, tol)
	}
}

// TestFlowMeasureQuad logs, along the square-loss flow (-quadcase Tol,
// Theta, MaxStep, T, λ; Theta 0 keeps every node), the actual errors of m
// and C(t,t) against the exact curves beside their quadrature error
// estimates, and the largest actual error over the largest Stats.QuadErr:
// the measurement behind TestFlowQuadCalibration's bands. C's actual error
// includes its Monte-Carlo error (its standard error is logged): use
// -quadn 20000 or more.
//
//	go test ./dmft -run FlowMeasureQuad -flowmeasure -v -quadn 40000 -quadcase 1e-3,0.5,4,40,0.01
func TestFlowMeasureQuad(t *testing.T) {
	if !*flowMeasure {
		t.Skip("a measurement: -flowmeasure")
	}
	var tol, theta, maxStep, T, lam float64
	if _, err := fmt.Sscanf(*quadCase, "%g,%g,%g,%g,%g", &tol, &theta, &maxStep, &T, &lam); err != nil {
		t.Fatal(err)
	}
	q := squareTheory
	q.Lambda, q.T = lam, T
	ad := Adaptive{Tol: tol, Theta: theta, MaxStep: maxStep}
	if theta == 0 {
		ad.KeepAll = true
	}
	at := map[float64]quadEst{}
	quadHook = func(t float64, q quadEst) { at[t] = q }
	defer func() { quadHook = nil }()
	sol, err := Solve(context.Background(), q, Settings{Samples: *quadN, Batches: *quadN / 1000, ResponseSamples: 40, ForceSampling: true, Seed: *quadSeed, Grid: ad})
	if err != nil {
		t.Fatal(err)
	}
	pts, err := theory.SquareGD{Alpha: q.Alpha, Delta: q.Model.Delta, Lambda: q.Lambda, C0: q.C0}.Curve(nil, sol.Times)
	if err != nil {
		t.Fatal(err)
	}
	every := max(1, len(sol.Times)/10)
	var am, ac, em, ec float64
	for k := 1; k < len(sol.Times); k++ {
		r := at[sol.Times[k]]
		am = math.Max(am, math.Abs(sol.M[k]-pts[k].M)/math.Max(1, math.Abs(pts[k].M)))
		ac = math.Max(ac, math.Abs(sol.Ctt[k]-pts[k].Ctt)/math.Max(1, math.Abs(pts[k].Ctt)))
		em = math.Max(em, math.Abs(r.dm)/math.Max(1, math.Abs(sol.M[k])))
		ec = math.Max(ec, math.Abs(r.dc)/math.Max(1, math.Abs(sol.Ctt[k])))
		if k%every != 0 && k != len(sol.Times)-1 {
			continue
		}
		t.Logf("t %7.3f h %.3f m %.4f err %+.1e est %.1e | C %.3f err %+.1e ± %.0e est %.1e | local %.1e (near %.1e hist %.1e) all %.1e step %.1e",
			sol.Times[k], sol.Times[k]-sol.Times[k-1], sol.M[k], sol.M[k]-pts[k].M, r.dm, sol.Ctt[k], sol.Ctt[k]-pts[k].Ctt, sol.CttSE[k], r.dc, r.local, r.near, r.hist, r.all, sol.Stats.StepErr[k-1])
	}
	t.Logf("%s: %d points, %d history nodes, max QuadErr %.2e, max StepErr %.2e; max rel err m %.2e (est %.2e), C %.2e (est %.2e); actual/QuadErr %.2f",
		*quadCase, len(sol.Times), len(sol.TwoTimes), maxOf(sol.Stats.QuadErr), maxOf(sol.Stats.StepErr), am, em, ac, ec, math.Max(am, ac)/maxOf(sol.Stats.QuadErr))
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}

// TestFlowQuadLoss calibrates Stats.QuadErrLoss, the estimated error of the
// training loss from the quadrature of each trajectory's own memory term,
// on the logistic flow of issue 9 to t = 60 (N = 20000, Tol 1e-2): the
// solves with θ = 0.5 and with every node kept share the grid (pruning does
// not move it) and the seed, so their difference is the pruning's
// quadrature error with little Monte-Carlo noise, and the difference of
// their estimates must match it. Measured actual/estimated: 1.12–1.20
// over θ = 0.1, 0.2, 0.5, 0.8 and seeds 5, 6 (TestFlowMeasureQuadLoss);
// the estimate neglects the kernels' feedback, which amplifies the error a
// little. The band [0.8, 1.6] is that range widened for the unmeasured
// seeds; the estimate ÷ 2 (ratio 2.25) and with its sign flipped (−1.12)
// fall outside it.
func TestFlowQuadLoss(t *testing.T) {
	solve := func(ad Adaptive) (tl, est float64) {
		t.Helper()
		sol, err := Solve(context.Background(), flowLogistic(60), Settings{Samples: 20000, ResponseSamples: 4000, Seed: 5, Grid: ad})
		if err != nil {
			t.Fatal(err)
		}
		k := len(sol.Times) - 1
		return sol.TrainLoss[k], sol.Stats.QuadErrLoss[k-1]
	}
	tlP, estP := solve(Adaptive{Tol: 1e-2, Theta: 0.5})
	tlK, estK := solve(Adaptive{Tol: 1e-2, KeepAll: true})
	actual := (tlP - tlK) / tlK
	for _, c := range []struct {
		name string
		est  float64
		pass bool
	}{
		{"the estimate", estP - estK, true},
		{"the estimate ÷ 2", (estP - estK) / 2, false},
		{"the estimate with its sign flipped", estK - estP, false},
	} {
		r := actual / c.est
		t.Logf("%s: training loss θ = 0.5 − kept all %+.3e relative, estimated %+.3e: ratio %.2f", c.name, actual, c.est, r)
		if in := r >= 0.8 && r <= 1.6; in != c.pass {
			t.Errorf("%s: ratio %.2f, in [0.8, 1.6]: %v, want %v", c.name, r, in, c.pass)
		}
	}
}
