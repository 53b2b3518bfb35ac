package dmft

import (
	"context"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/sde"
	"gonum.org/v1/gonum/integrate/quad"
)

func logistic() loss.Func { return loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}} }

// twoCluster is the reference problem of the spec's checks (α = 2, Δ = 0.5,
// ρ = 0.5, λ = 0.1, η = 0.1).
func twoCluster(algo dynamics.Algorithm, T float64) dynamics.Problem {
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: logistic(),
		Alpha: 2, Lambda: 0.1, Algo: algo, Eta: 0.1, T: T, C0: 1,
	}
	switch algo {
	case dynamics.SGD:
		p.B = 0.3
	case dynamics.PSGD, dynamics.SGF:
		p.B, p.Tau = 0.3, 1
	}
	return p
}

// nSigma is the agreement threshold in units of the combined standard
// error. Both errors are estimated (15 dof for 16 seeds, 9 for 10 batches),
// so the deviation is roughly t-distributed with ≳ 10 dof: P(|t| > 4.5)
// ≈ 1e-3 per comparison, a few % over the ~150 comparisons of this file for
// an arbitrary seed (the seeds are fixed, so the outcome is reproducible).
const nSigma = 4.5

// finiteSize is the allowance for the O(1/d) finite-size corrections to the
// simulator's means, relative to the observable's scale (|value| + 0.1, so
// observables that start at 0 still get an allowance): 3/d. It was measured
// for the two-cluster logistic gd reference problem, where the means of m
// and Ctt at d = 250, 500, 1000, 2000 and 4000 agree with the DMFT within
// 0.2% (the simulation error), i.e. a coefficient of 1/d below 0.5; 3/d
// leaves a margin of six for the other problems.
func finiteSize(d int, v float64) float64 { return 3 / float64(d) * (math.Abs(v) + 0.1) }

var compared = []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr, dynamics.TestErr, dynamics.TestLoss}

// compareSim checks the DMFT against a simulator ensemble at the given steps
// and logs the largest deviation per observable in units of the combined
// error sqrt(se_sim² + se_dmft²) + finite-size allowance.
func compareSim(t *testing.T, p dynamics.Problem, set Settings, sim sde.Settings, steps []int) {
	t.Helper()
	sol, err := Solve(context.Background(), p, set)
	if err != nil {
		t.Fatal(err)
	}
	ens, err := sde.Simulate(context.Background(), p, sim)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range compared {
		a, ase := sol.MeanSE(o)
		s, sse := ens.MeanSE(o)
		worst := 0.0
		for _, k := range steps {
			tol := math.Hypot(ase[k], sse[k]) + finiteSize(sim.D, s[k])
			dev := math.Abs(a[k]-s[k]) / tol
			worst = max(worst, dev)
			if dev > nSigma {
				t.Errorf("%v at t = %g: dmft %.5f ± %.5f, simulation %.5f ± %.5f: %.1f combined errors apart",
					o, sol.Times[k], a[k], ase[k], s[k], sse[k], dev)
			}
		}
		t.Logf("%-10v max deviation %.2f combined errors", o, worst)
	}
}

func TestTwoClusterGD(t *testing.T) {
	compareSim(t, twoCluster(dynamics.GD, 4), Settings{Samples: 8000, Seed: 1},
		sde.Settings{D: 1000, Seeds: 16, TestSamples: -1, Seed: 1}, []int{5, 10, 20, 40})
}

func TestTwoClusterPSGD(t *testing.T) {
	compareSim(t, twoCluster(dynamics.PSGD, 4), Settings{Samples: 8000, Seed: 2},
		sde.Settings{D: 1000, Seeds: 16, TestSamples: -1, Seed: 2}, []int{5, 10, 20, 40})
}

func TestTwoClusterSGD(t *testing.T) {
	p := twoCluster(dynamics.SGD, 4)
	p.Eta = 0.2 // finite η: vanilla SGD is not a flow
	compareSim(t, p, Settings{Samples: 8000, Seed: 3},
		sde.Settings{D: 1000, Seeds: 16, TestSamples: -1, Seed: 3}, []int{2, 5, 10, 20})
}

func TestTwoClusterSGF(t *testing.T) {
	p := twoCluster(dynamics.SGF, 3)
	p.Eta = 0.02
	compareSim(t, p, Settings{Samples: 8000, Seed: 4},
		sde.Settings{D: 1000, Seeds: 16, TestSamples: -1, Seed: 4}, []int{25, 50, 100, 150})
}

func TestThreeClusterQuadratic(t *testing.T) {
	p := dynamics.Problem{
		Model: mixture.ThreeCluster(0.6, 0.1),
		Loss:  loss.Func{Margin: loss.Logistic{}, Output: loss.Quadratic{Kappa: 1}},
		Alpha: 3, Lambda: 0.05, Algo: dynamics.GD, Eta: 0.05, T: 3, M0: 0.3, C0: 1,
	}
	compareSim(t, p, Settings{Samples: 8000, Seed: 5},
		sde.Settings{D: 1000, Seeds: 16, TestSamples: -1, Seed: 5}, []int{10, 20, 40, 60})
}

// mpMoment returns ∫(1 − ηλ − ηζ)^n dπ(ζ) for the Marchenko–Pastur law π of
// the eigenvalues of XᵀX/d, X an αd×d matrix of N(0, Δ) entries: an atom
// (1 − α)⁺ at 0 and the density √((ζ₊−ζ)(ζ−ζ₋))/(2πΔζ) on [ζ₋, ζ₊],
// ζ± = Δ(√α ± 1)². With ζ = c − h cos θ the density's square roots cancel
// and the integrand is smooth in θ, so Gauss–Legendre converges
// exponentially; it also returns the total mass as a check of the quadrature.
func mpMoment(alpha, delta, eta, lambda float64, n int) (moment, mass float64) {
	lo, hi := delta*math.Pow(math.Sqrt(alpha)-1, 2), delta*math.Pow(math.Sqrt(alpha)+1, 2)
	c, h := (hi+lo)/2, (hi-lo)/2
	f := func(pow int) float64 {
		return quad.Fixed(func(th float64) float64 {
			z := c - h*math.Cos(th)
			s := math.Sin(th)
			return math.Pow(1-eta*lambda-eta*z, float64(pow)) * h * h * s * s / (2 * math.Pi * delta * z)
		}, 0, math.Pi, 200, quad.Legendre{}, 0)
	}
	atom := math.Max(0, 1-alpha)
	return f(n) + atom*math.Pow(1-eta*lambda, float64(n)), f(0) + atom
}

// TestSquareResponseMP: for the square loss with full batch, R[k,j] is the
// (k−j−1)-th moment of I − ηH − ηλ over the Marchenko–Pastur law (the
// rank-one centroid part of H does not change the spectral law). The solve
// is exact, so the tolerance is round-off: 1e-8 absolute over ≤ 40 steps of
// O(1) recursions (the quadrature itself is checked to 1e-13 by the mass).
func TestSquareResponseMP(t *testing.T) {
	for _, c := range []struct{ alpha, delta, lambda float64 }{{2, 0.5, 0}, {0.6, 1, 0}, {1.5, 0.5, 0.2}} {
		p := dynamics.Problem{
			Model: mixture.TwoCluster(0.4, c.delta), Loss: loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
			Alpha: c.alpha, Lambda: c.lambda, Eta: 0.1, T: 4, M0: 0.2, C0: 1,
		}
		sol, err := Solve(context.Background(), p, Settings{})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Stats.Method != "exact" {
			t.Fatalf("square gd solved by %q, want the exact solve", sol.Stats.Method)
		}
		k1 := p.Steps() + 1
		for n := 0; n < k1-1; n++ {
			want, mass := mpMoment(c.alpha, c.delta, p.Eta, c.lambda, n)
			if math.Abs(mass-1) > 1e-13 {
				t.Fatalf("MP mass %v, want 1", mass)
			}
			for j := 0; j+n+1 < k1; j++ {
				if got := sol.R.At(j+n+1, j); math.Abs(got-want) > 1e-8 {
					t.Errorf("α=%g λ=%g: R[%d,%d] = %.12f, want MP moment %.12f", c.alpha, c.lambda, j+n+1, j, got, want)
				}
			}
		}
	}
}

// TestSquareExactSimulation: the exact square-loss DMFT against the exact
// finite-d recursion (the simulator) averaged over instances at d = 2000.
// The DMFT has no Monte-Carlo error, so the tolerance is nSigma simulation
// standard errors plus the finite-size allowance.
func TestSquareExactSimulation(t *testing.T) {
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.4, 0.5), Loss: loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
		Alpha: 1.5, Lambda: 0.05, Eta: 0.1, T: 3, M0: 0.2, C0: 1,
	}
	compareSim(t, p, Settings{}, sde.Settings{D: 2000, Seeds: 8, TestSamples: -1, Seed: 6}, []int{5, 10, 20, 30})
}

// TestSquareSampledVsExact: the sampler (forced) against the exact solve of
// the square-loss DMFT. Only the sampler has Monte-Carlo error; tolerance
// nSigma of it.
func TestSquareSampledVsExact(t *testing.T) {
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.4, 0.5), Loss: loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
		Alpha: 1.5, Lambda: 0.05, Eta: 0.1, T: 4, M0: 0.2, C0: 1,
	}
	exact, err := Solve(context.Background(), p, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	sampled, err := Solve(context.Background(), p, Settings{Samples: 4000, ForceSampling: true, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range compared {
		want, _ := exact.MeanSE(o)
		got, se := sampled.MeanSE(o)
		worst := 0.0
		for k := 1; k < len(got); k++ {
			// μ = α⟨c(r − y)⟩ is linear in ω, and the antithetic pairs
			// make ⟨c ω⟩ vanish exactly: m is exact up to round-off
			// (1e-12 relative), which the standard error cannot see.
			dev := math.Abs(got[k]-want[k]) / (se[k] + 1e-12*math.Abs(want[k]))
			worst = max(worst, dev)
			if dev > nSigma {
				t.Errorf("%v at step %d: sampled %.6f ± %.6f, exact %.6f", o, k, got[k], se[k], want[k])
			}
		}
		t.Logf("%-10v max deviation %.2f standard errors", o, worst)
	}
	// Γ = αΔ⟨D J⟩ with D ≡ 1 is deterministic: the sampler must reproduce
	// it up to the round-off of the backward solve.
	k1 := p.Steps() + 1
	for k := 0; k < k1; k++ {
		for j := 0; j <= k; j++ {
			if d := math.Abs(sampled.Gamma.At(k, j) - exact.Gamma.At(k, j)); d > 1e-9 {
				t.Fatalf("Γ[%d,%d]: sampled %v, exact %v", k, j, sampled.Gamma.At(k, j), exact.Gamma.At(k, j))
			}
		}
	}
}
