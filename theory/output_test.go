package theory_test

import (
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
)

// The outputs below exist only in this file: the fresh-sample test error and
// test loss must handle them through the loss.Output interface alone.

// cubic is f(r) = r³ − r: three sign changes, at −1, 0 and 1.
type cubic struct{}

func (cubic) Eval(r float64) (f, df, d2f float64) { return r*r*r - r, 3*r*r - 1, 6 * r }
func (cubic) Name() string                        { return "cubic" }

// Roots solves the depressed cubic r³ − r − v = 0: one real root by
// Cardano's formula when v²/4 > 1/27, else three by the trigonometric one.
func (cubic) Roots(v float64) []float64 {
	if disc := v*v/4 - 1.0/27; disc > 0 {
		sd := math.Sqrt(disc)
		return []float64{math.Cbrt(v/2+sd) + math.Cbrt(v/2-sd)}
	}
	th := math.Acos(math.Max(-1, math.Min(1, 1.5*math.Sqrt(3)*v)))
	a := 2 / math.Sqrt(3)
	return []float64{a * math.Cos((th+2*math.Pi)/3), a * math.Cos((th+4*math.Pi)/3), a * math.Cos(th/3)}
}

// shifted is the linear output with a threshold, f(r) = r − 0.3.
type shifted struct{}

func (shifted) Eval(r float64) (f, df, d2f float64) { return r - 0.3, 1, 0 }
func (shifted) Roots(v float64) []float64           { return []float64{v + 0.3} }
func (shifted) Name() string                        { return "shifted" }

// wrongCubic is the cubic reporting only its middle root: a deliberately
// wrong output, which the Monte-Carlo check below must catch.
type wrongCubic struct{ cubic }

func (w wrongCubic) Roots(v float64) []float64 {
	if r := w.cubic.Roots(v); len(r) == 3 {
		return r[1:2]
	}
	return w.cubic.Roots(v)
}

// TestNewOutputMonteCarlo compares TestError and TestLoss for outputs
// unknown to the theory package with a Monte-Carlo average over n = 2·10⁵
// fresh samples r = c m + b0 + √(Δq) z. Tolerance: 5 standard errors of the
// average (false-failure rate 6e-7 per check); the test-error standard
// error is the binomial one √(ε(1−ε)/n). The wrong cubic (a missing pair of
// roots) must miss by more than 20 standard errors.
func TestNewOutputMonteCarlo(t *testing.T) {
	const n = 200000
	const m, q, b0 = 0.8, 1.3, 0.15
	for i, c := range []struct {
		name  string
		mod   mixture.Model
		fn    loss.Func
		wrong bool
	}{
		{"cubic-two-logistic", mixture.TwoCluster(0.4, 0.5), loss.Func{Margin: loss.Logistic{}, Output: cubic{}}, false},
		{"cubic-three-hinge", mixture.ThreeCluster(0.6, 0.3), loss.Func{Margin: loss.Hinge{}, Output: cubic{}}, false},
		{"shifted-two-sqhinge", mixture.TwoCluster(0.3, 0.7), loss.Func{Margin: loss.SquaredHinge{}, Output: shifted{}}, false},
		{"shifted-three-hinge", mixture.ThreeCluster(0.5, 0.5), loss.Func{Margin: loss.Hinge{}, Output: shifted{}}, false},
		{"wrong-cubic", mixture.TwoCluster(0.4, 0.5), loss.Func{Margin: loss.Logistic{}, Output: wrongCubic{}}, true},
	} {
		rnd := rng.New(11, uint64(i))
		s := math.Sqrt(c.mod.Delta * q)
		var sl, sl2, se float64
		for range n {
			cl := c.mod.Clusters[c.mod.Draw(rnd)]
			r := cl.C*m + b0 + s*rnd.NormFloat64()
			l, _, _ := c.fn.Eval(cl.Label, r)
			sl += l
			sl2 += l * l
			se += c.fn.Error(cl.Label, r)
		}
		ml, me := sl/n, se/n
		sdl := math.Sqrt((sl2/n - ml*ml) / n)
		sde := math.Sqrt(me * (1 - me) / n)
		gotE := theory.TestError(c.mod, c.fn.Output, m, q, b0)
		devE := math.Abs(gotE-me) / sde
		t.Logf("%s: test error %.5f, Monte Carlo %.5f ± %.5f (%.2f SE)", c.name, gotE, me, sde, devE)
		if c.wrong {
			if devE < 20 {
				t.Errorf("%s: a wrong output passes: test error %v, Monte Carlo %v ± %v", c.name, gotE, me, sde)
			}
			continue
		}
		if devE > 5 {
			t.Errorf("%s: test error %v, Monte Carlo %v ± %v", c.name, gotE, me, sde)
		}
		gotL := theory.TestLoss(c.mod, c.fn, m, q, b0)
		t.Logf("%s: test loss %.5f, Monte Carlo %.5f ± %.5f (%.2f SE)", c.name, gotL, ml, sdl, math.Abs(gotL-ml)/sdl)
		if math.Abs(gotL-ml) > 5*sdl {
			t.Errorf("%s: test loss %v, Monte Carlo %v ± %v", c.name, gotL, ml, sdl)
		}
	}
}
