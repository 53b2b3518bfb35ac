package validation

import (
	"context"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
)

// Cross-checks that tie the toolkit together (issue: theory item 5): the
// DMFT against the independent closed forms of package theory.

// TestDMFTSquareMatchesExact: with square loss and full batch the DMFT
// (solved exactly, without sampling) is the d → ∞ limit of discrete GD at
// step η, which theory.SquareGD with Eta = η gives by random-matrix theory.
// The two are independent numerical routes to the same numbers: they must
// agree to their numerical precision at every step (1e-8: the quadrature of
// SquareGD is accurate to ~1e-12, the DMFT's linear recursions to
// round-off). Against gradient flow (Eta = 0) the difference is the O(η)
// discretisation error: halving η must halve it (ratio in [0.4, 0.6]).
func TestDMFTSquareMatchesExact(t *testing.T) {
	for _, c := range []struct {
		alpha, delta, lambda, c0 float64
	}{{2, 0.5, 0, 1}, {0.5, 0.3, 0, 0.5}, {1.5, 1, 0.2, 1}} {
		p := dynamics.Problem{
			Model: mixture.TwoCluster(0.5, c.delta),
			Loss:  loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
			Alpha: c.alpha, Lambda: c.lambda, Eta: 0.1, T: 8, C0: c.c0,
		}
		sol, err := dmft.Solve(context.Background(), p, dmft.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		sq := theory.SquareGD{Alpha: c.alpha, Delta: c.delta, Lambda: c.lambda, C0: c.c0, Eta: p.Eta}
		pts, err := sq.Curve(nil, sol.Times)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for k, pt := range pts {
			for _, pair := range [][2]float64{{sol.M[k], pt.M}, {sol.Ctt[k], pt.Ctt}, {sol.TrainLoss[k], pt.TrainLoss}, {sol.TestErr[k], pt.TestErr}} {
				worst = math.Max(worst, math.Abs(pair[0]-pair[1])/math.Max(1, math.Abs(pair[1])))
			}
		}
		if worst > 1e-8 {
			t.Errorf("%+v: DMFT vs exact discrete GD: max relative deviation %.2e", c, worst)
		} else {
			t.Logf("%+v: DMFT vs exact discrete GD: max relative deviation %.2e", c, worst)
		}

		// O(η) convergence to the flow, at the final time.
		flow, err := theory.SquareGD{Alpha: c.alpha, Delta: c.delta, Lambda: c.lambda, C0: c.c0}.Curve(nil, []float64{p.T})
		if err != nil {
			t.Fatal(err)
		}
		var errs []float64
		for _, eta := range []float64{0.1, 0.05} {
			p.Eta = eta
			s, err := dmft.Solve(context.Background(), p, dmft.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			errs = append(errs, math.Abs(s.M[len(s.M)-1]-flow[0].M))
		}
		if r := errs[1] / errs[0]; r < 0.4 || r > 0.6 {
			t.Errorf("%+v: |m_DMFT − m_flow| = %.3e at η = 0.1, %.3e at η = 0.05: ratio %.3f, want ≈ 0.5", c, errs[0], errs[1], r)
		}
	}
}

// TestDMFTApproachesERM: logistic loss with ridge, full-batch GD run long
// enough: the DMFT at the final time equals the ERM fixed point, and its
// integrated response η Σ_{k>j} R[k, j] at a late j equals V/Δ (for GD the
// geometric sum η Σ_m (1 − ηζ)^m = 1/ζ makes this exact at stationarity).
// Tolerances: 4 Monte-Carlo standard errors of the DMFT (estimated from its
// independent batches) plus the distance to stationarity, bounded by the
// change of the curve over the last 10 time units (the approach is
// exponential with rate ≥ λ = 0.5, so over the remaining time the curve
// moves less than that change).
func TestDMFTApproachesERM(t *testing.T) {
	if testing.Short() {
		t.Skip("long DMFT solve")
	}
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5),
		Loss:  loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.5, Eta: 0.2, T: 40, C0: 1,
	}
	sol, err := dmft.Solve(context.Background(), p, dmft.Settings{Samples: 8000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	erm, err := theory.ERM{Model: p.Model, Alpha: p.Alpha, Lambda: p.Lambda, Loss: loss.Logistic{}}.Solve()
	if err != nil {
		t.Fatal(err)
	}
	last := len(sol.Times) - 1
	back := last - int(math.Round(10/p.Eta))
	for _, c := range []struct {
		name   string
		curve  []float64
		se     []float64
		target float64
	}{
		{"m", sol.M, sol.MSE, erm.M},
		{"Ctt", sol.Ctt, sol.CttSE, erm.Ctt},
		{"train_loss", sol.TrainLoss, sol.TrainLossSE, erm.TrainLoss},
		{"test_err", sol.TestErr, sol.TestErrSE, erm.TestErr},
	} {
		tol := 4*c.se[last] + math.Abs(c.curve[last]-c.curve[back])
		dev := c.curve[last] - c.target
		if math.Abs(dev) > tol {
			t.Errorf("%s: DMFT(T) = %.6f, ERM %.6f: deviation %.2e > %.2e", c.name, c.curve[last], c.target, dev, tol)
		} else {
			t.Logf("%s: DMFT(T) = %.6f ± %.1e, ERM %.6f: deviation %.2e (tolerance %.2e)", c.name, c.curve[last], c.se[last], c.target, dev, tol)
		}
	}
	// Integrated response from j at t = 20 over the remaining 20 time units:
	// the response decays at least as e^{−λs}, e^{−10} ≈ 5e-5 of the
	// integral is cut off.
	j := int(math.Round(20 / p.Eta))
	chi := 0.0
	for k := j + 1; k <= last; k++ {
		chi += p.Eta * sol.R.At(k, j)
	}
	want := erm.V / p.Model.Delta
	// The response is averaged over the trajectories: its Monte-Carlo error
	// is not reported per entry; 1% covers 8000 trajectories' noise on a
	// smooth average (the kernels' relative se is ~1/√N ≈ 1e-2 at most).
	if math.Abs(chi-want) > 0.01*want+5e-5*want {
		t.Errorf("∫R(t+s, t) ds = %.5f, V/Δ = %.5f", chi, want)
	} else {
		t.Logf("∫R(t+s, t) ds = %.5f, V/Δ = %.5f (relative deviation %.2e)", chi, want, (chi-want)/want)
	}
}
