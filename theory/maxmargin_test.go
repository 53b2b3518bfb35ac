package theory

import (
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/integrate/quad"
)

// TestMMH: H(t) = E[(t − G)₊²] and H'(t) against direct quadrature of the
// defining integrals (∫_{−∞}^t (t − g)^k φ(g) dg, k = 1, 2, substituted
// g = t − x, x ∈ [0, 40], 2000-point Gauss–Legendre: relative error
// ≤ 1e-14 for these smooth integrands), on both sides of the switch to the
// continued fraction at t = −2, to 1e-13 relative (the closed form alone
// is off by 3e-13 at t = −4, 2e-11 at t = −8).
func TestMMH(t *testing.T) {
	for _, x := range []float64{3, 0.5, 0, -1, -1.99, -2.01, -4, -6, -12, -25} {
		h, dh := mmH(x)
		moment := func(k int) float64 {
			return quad.Fixed(func(u float64) float64 {
				g := x - u
				return math.Pow(u, float64(k)) * math.Exp(-g*g/2) / math.Sqrt(2*math.Pi)
			}, 0, 40, 2000, quad.Legendre{}, 1)
		}
		if h2, h1 := moment(2), moment(1); !scalar.EqualWithinRel(h, h2, 1e-13) || !scalar.EqualWithinRel(dh, 2*h1, 1e-13) {
			t.Errorf("t=%v: H = %.17g, H' = %.17g; quadrature %.17g, %.17g", x, h, dh, h2, 2*h1)
		}
	}
}

// TestSeparabilityThreshold: Cover's α_c = 2 for unstructured data (Δ → ∞:
// the threshold's series in 1/√Δ, checked at Δ = 1e8, to 1e-3); without a
// bias α_c does not depend on ρ (y x has the same law for every ρ); a bias
// can only help (α_c larger or equal, equal at ρ = 1/2 by symmetry); α_c
// decreases with Δ. And the maximiser is a true maximum: moving m by ±1e-3
// (and b, with a bias) lowers (1 − m²)/Σρ H.
func TestSeparabilityThreshold(t *testing.T) {
	cover, err := SeparabilityThreshold(mixture.TwoCluster(0.5, 1e8), false)
	if err != nil || math.Abs(cover-2) > 1e-3 {
		t.Errorf("Δ = 1e8: α_c = %v, %v; want Cover's 2", cover, err)
	}
	prev := math.Inf(1)
	for _, dl := range []float64{0.1, 0.5, 1, 2} {
		a5, _ := SeparabilityThreshold(mixture.TwoCluster(0.5, dl), false)
		a2, _ := SeparabilityThreshold(mixture.TwoCluster(0.2, dl), false)
		b5, _ := SeparabilityThreshold(mixture.TwoCluster(0.5, dl), true)
		b2, err := SeparabilityThreshold(mixture.TwoCluster(0.2, dl), true)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Δ=%v: α_c = %.6f (no bias), %.6f (bias, ρ = 0.5), %.6f (bias, ρ = 0.2)", dl, a5, b5, b2)
		if !scalar.EqualWithinRel(a5, a2, 1e-12) || !scalar.EqualWithinRel(a5, b5, 1e-9) || !(b2 > a2) || !(a5 < prev) {
			t.Errorf("Δ=%v: α_c %v (ρ=0.5), %v (ρ=0.2); with bias %v, %v; previous Δ %v", dl, a5, a2, b5, b2, prev)
		}
		prev = a5
	}
	// The maximiser: recompute it and perturb.
	mod := mixture.TwoCluster(0.2, 0.5)
	ac, _ := SeparabilityThreshold(mod, true)
	sd := math.Sqrt(mod.Delta)
	alphaAt := func(m, b float64) float64 {
		sh := 0.0
		for _, c := range mod.Clusters {
			h, _ := mmH((-m - c.Label*b) / sd)
			sh += c.Prob * h
		}
		return (1 - m*m) / sh
	}
	best := 0.0
	for m := 0.01; m < 1; m += 0.01 {
		for b := -2.0; b <= 2; b += 0.01 {
			best = math.Max(best, alphaAt(m, b))
		}
	}
	if !(ac >= best) || ac > best*(1+1e-3) {
		t.Errorf("α_c = %v; the largest value on a 0.01 grid of (m, b) is %v", ac, best)
	}
}

// TestMaxMarginHingeLimit: the max-margin classifier (Gardner's volume
// condition maximised over (m, b)) equals the λ → 0⁺ limit of the ridge
// hinge ERM (the fixed point of theory.md §3 with the hinge's prox, an
// independent computation), normalised to |w|²/d = 1: overlap m/√q,
// margin 1/√q, bias b/√q, test error and the fraction of samples on the
// margin, P(a ≤ 1) − P(a ≤ 1 − V) — to 1e-7 at λ = 1e-4 (on separable data
// the hinge ERM is the hard-margin SVM once λ is small enough; measured
// agreement ~1e-9). It fails if α is off by 1%.
func TestMaxMarginHingeLimit(t *testing.T) {
	for _, c := range []struct {
		rho, delta, alpha float64
		bias              bool
	}{{0.5, 0.5, 0.5, false}, {0.2, 0.5, 2, true}, {0.3, 2, 1.5, true}, {0.5, 1, 3, false}} {
		mod := mixture.TwoCluster(c.rho, c.delta)
		mm, err := MaxMargin{Model: mod, Alpha: c.alpha, Bias: c.bias}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		off, err := MaxMargin{Model: mod, Alpha: 1.01 * c.alpha, Bias: c.bias}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		e := ERM{Model: mod, Alpha: c.alpha, Lambda: 1e-4, Loss: loss.Hinge{}, Bias: c.bias}
		r := solved(t, e)
		sq := math.Sqrt(r.Ctt)
		s := math.Sqrt(mod.Delta * r.Ctt)
		sup := 0.0
		for _, cl := range mod.Clusters {
			mu := r.M + cl.Label*r.Bias
			sup += cl.Prob * (tail(mu-1, s) - tail(mu-1+r.V, s)) // a ∈ (1 − V, 1]: P = 1
		}
		erm := [5]float64{r.M / sq, 1 / sq, r.Bias / sq, r.TestErr, sup}
		for k, pair := range [][3]float64{
			{mm.Overlap, erm[0], off.Overlap}, {mm.Margin, erm[1], off.Margin}, {mm.Bias, erm[2], off.Bias},
			{mm.TestErr, erm[3], off.TestErr}, {mm.Support, erm[4], off.Support},
		} {
			name := [...]string{"overlap", "margin", "bias", "test_err", "support"}[k]
			if math.Abs(pair[0]-pair[1]) > 1e-7 {
				t.Errorf("ρ=%v Δ=%v α=%v bias=%v: %s: max margin %.10f, hinge ERM at λ = 1e-4 %.10f", c.rho, c.delta, c.alpha, c.bias, name, pair[0], pair[1])
			}
			if k < 2 && math.Abs(pair[2]-pair[1]) <= 1e-7 {
				t.Errorf("ρ=%v Δ=%v α=%v: %s at α×1.01 (%v) passes", c.rho, c.delta, c.alpha, name, pair[2])
			}
		}
		t.Logf("ρ=%v Δ=%v α=%v bias=%v: overlap %.8f margin %.8f bias %.8f test_err %.8f support %.6f (α_c %.6f)", c.rho, c.delta, c.alpha, c.bias, mm.Overlap, mm.Margin, mm.Bias, mm.TestErr, mm.Support, mm.AlphaC)
	}
}

// TestMaxMarginLogisticLimit: the direction of ridge logistic regression
// tends to the max-margin one as λ → 0⁺ on separable data (Rosset, Zhu,
// Hastie 2004), slowly: |w| grows like log(1/λ), and the overlap's distance
// to max margin falls like 1/log(1/λ) (measured 0.082 at λ = 1e-2, 0.024 at
// 1e-6): monotone over λ = 1e-2 … 1e-6, and by more than 3× in all.
func TestMaxMarginLogisticLimit(t *testing.T) {
	mod := mixture.TwoCluster(0.5, 0.5)
	mm, err := MaxMargin{Model: mod, Alpha: 1}.Solve()
	if err != nil {
		t.Fatal(err)
	}
	prev, first := math.Inf(1), 0.0
	var last float64
	for _, lam := range []float64{1e-2, 1e-3, 1e-4, 1e-5, 1e-6} {
		r := solved(t, ERM{Model: mod, Alpha: 1, Lambda: lam, Loss: loss.Logistic{}})
		d := math.Abs(r.M/math.Sqrt(r.Ctt) - mm.Overlap)
		t.Logf("λ=%g: overlap %.6f (max margin %.6f), |w|²/d = %.4g", lam, r.M/math.Sqrt(r.Ctt), mm.Overlap, r.Ctt)
		if !(d < prev) {
			t.Errorf("λ=%g: distance to the max-margin overlap %v, not below %v at 10λ", lam, d, prev)
		}
		if first == 0 {
			first = d
		}
		prev, last = d, d
	}
	if !(last < first/3) {
		t.Errorf("distance to the max-margin overlap %v at λ = 1e-6, %v at 1e-2", last, first)
	}
}

// TestMaxMarginFailures: α ≥ α_c (not separable) and bad fields are errors.
func TestMaxMarginFailures(t *testing.T) {
	mod := mixture.TwoCluster(0.5, 0.5)
	ac, err := SeparabilityThreshold(mod, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (MaxMargin{Model: mod, Alpha: ac * 1.001}).Solve(); err == nil || !strings.Contains(err.Error(), "not linearly separable") {
		t.Errorf("α = 1.001 α_c: error %v", err)
	}
	for _, c := range []struct {
		mm   MaxMargin
		want string
	}{
		{MaxMargin{Model: mod, Alpha: -1}, "Alpha"},
		{MaxMargin{Model: mixture.TwoCluster(0.5, 0), Alpha: 1}, "Delta"},
		{MaxMargin{Model: mixture.ThreeCluster(0.5, 0.5), Alpha: 1}, "two-cluster"},
	} {
		if _, err := c.mm.Solve(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.mm, err, c.want)
		}
	}
}
