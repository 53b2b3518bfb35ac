package theory

import (
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestGaussExpect checks the quadrature on integrands with closed forms:
// E[z²] = 1, E[(a − z)₊] = aΦ(a) + φ(a) (a kink), E[log(1+e^{−sz})] via
// symmetry is not closed, so the hinge case carries the kink test. The
// composite rule is exact to round-off for these (1e-12).
func TestGaussExpect(t *testing.T) {
	if got := GaussExpect(func(z float64) float64 { return z * z }); !scalar.EqualWithinAbsOrRel(got, 1, 1e-12, 1e-12) {
		t.Errorf("E[z²] = %v", got)
	}
	for _, a := range []float64{-1.3, 0.37, 2.5} {
		phi := math.Exp(-a*a/2) / math.Sqrt(2*math.Pi)
		want := a*(1-Q(a)) + phi
		got := GaussExpect(func(z float64) float64 { return math.Max(0, a-z) }, a)
		if !scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-12) {
			t.Errorf("E[(%v−z)₊] = %v, want %v", a, got, want)
		}
	}
}

// TestTestErrorSpec compares TestError with the closed forms written in the
// spec (model-and-dmft.md §5), an independent transcription.
func TestTestErrorSpec(t *testing.T) {
	const m, q, delta, rho, kappa = 0.7, 1.9, 0.5, 0.3, 1.2
	s := math.Sqrt(delta * q)
	got := TestError(mixture.TwoCluster(rho, delta), loss.Linear{}, m, q, 0)
	if want := Q(m / s); !scalar.EqualWithinAbsOrRel(got, want, 1e-15, 1e-13) {
		t.Errorf("two-cluster: %v, want %v", got, want)
	}
	b0 := 0.2
	got = TestError(mixture.TwoCluster(rho, delta), loss.Linear{}, m, q, b0)
	if want := rho*Q((m+b0)/s) + (1-rho)*Q((m-b0)/s); !scalar.EqualWithinAbsOrRel(got, want, 1e-15, 1e-13) {
		t.Errorf("two-cluster with bias: %v, want %v", got, want)
	}
	sk := math.Sqrt(kappa)
	got = TestError(mixture.ThreeCluster(rho, delta), loss.Quadratic{Kappa: kappa}, m, q, 0)
	want := (1-rho)*2*Q(sk/s) + rho*(1-Q((sk-m)/s)-Q((sk+m)/s))
	if !scalar.EqualWithinAbsOrRel(got, want, 1e-15, 1e-13) {
		t.Errorf("three-cluster: %v, want %v", got, want)
	}
}

// TestFreshMonteCarlo compares test error and test loss, for every
// registered margin loss and output function (κ = 1, 0.5) on both mixtures,
// with a Monte-Carlo average over n fresh samples; tolerance 5 standard
// errors of that average (false-failure rate 6e-7 per check).
func TestFreshMonteCarlo(t *testing.T) {
	const n = 100000
	const m, q = 0.6, 1.4
	models := []mixture.Model{mixture.TwoCluster(0.3, 0.5), mixture.ThreeCluster(0.6, 0.5)}
	i := 0
	for _, mname := range loss.MarginNames() {
		margin, _ := loss.ParseMargin(mname)
		for _, oname := range loss.OutputNames() {
			var prev loss.Output
			for _, kappa := range []float64{1, 0.5} {
				out, _ := loss.ParseOutput(oname, kappa)
				if out == prev {
					continue // an output without a shape parameter
				}
				prev = out
				fn := loss.Func{Margin: margin, Output: out}
				for _, mod := range models {
					i++
					rnd := rng.New(3, uint64(i))
					s := math.Sqrt(mod.Delta * q)
					var sl, sl2, se float64
					for range n {
						cl := mod.Clusters[mod.Draw(rnd)]
						r := cl.C*m + s*rnd.NormFloat64()
						l, _, _ := fn.Eval(cl.Label, r)
						sl += l
						sl2 += l * l
						se += fn.Error(cl.Label, r)
					}
					ml, me := sl/n, se/n
					sdl := math.Sqrt((sl2/n - ml*ml) / n)
					sde := math.Sqrt(me * (1 - me) / n)
					name := fmt.Sprintf("%s/%v/%d clusters", mname, out, len(mod.Clusters))
					if got := TestLoss(mod, fn, m, q, 0); math.Abs(got-ml) > 5*sdl {
						t.Errorf("%s: test loss %v, Monte Carlo %v ± %v", name, got, ml, sdl)
					}
					if got := TestError(mod, fn.Output, m, q, 0); math.Abs(got-me) > 5*sde {
						t.Errorf("%s: test error %v, Monte Carlo %v ± %v", name, got, me, sde)
					}
				}
			}
		}
	}
}
