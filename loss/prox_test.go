package loss

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestProx checks the proximal operator of every registered margin loss,
// P(a) = argmin_z (z−a)²/(2v) + ℓ(z), against a direct minimisation (golden
// section to 1e-12 on a bracket; the objective is convex, and the location
// error of golden section is ~√ε relative at a smooth minimum, hence 1e-6),
// P'(a) against a central difference (step 1e-6, away from the prox
// kinks; error O(1e-8)), and the slope s of Solve against ℓ'(P) where ℓ is
// differentiable at P (1e-12: round-off of (a − P)/v), and in the
// subdifferential [ℓ'(z⁻), ℓ'(z⁺)] at a kink z = P.
func TestProx(t *testing.T) {
	for _, m := range margins {
		px, err := NewProx(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
		for _, v := range []float64{0.05, 0.7, 3} {
			for _, a := range []float64{-6, -1.3, -0.2, 0.4, 0.95, 1.6, 8} {
				p, dp := px.Eval(a, v)
				_, _, s, err := px.Solve(a, v)
				if err != nil {
					t.Fatal(err)
				}
				onKink := slices.Contains(Kinks(m), p)
				if _, d1, _ := m.Eval(p); !onKink && math.Abs(s-d1) > 1e-12 {
					t.Errorf("%s a=%v v=%v: slope %v, ℓ'(P) = %v", m.Name(), a, v, s, d1)
				}
				if onKink {
					_, dlo, _ := m.Eval(math.Nextafter(p, math.Inf(-1)))
					_, dhi, _ := m.Eval(math.Nextafter(p, math.Inf(1)))
					if s < dlo-1e-12 || s > dhi+1e-12 {
						t.Errorf("%s a=%v v=%v: slope %v at the kink P = %v, outside [%v, %v]", m.Name(), a, v, s, p, dlo, dhi)
					}
				}
				obj := func(x float64) float64 { l, _, _ := m.Eval(x); return (x-a)*(x-a)/(2*v) + l }
				want := golden(obj, a-v-5, a+v+5)
				if math.Abs(p-want) > 1e-6 {
					t.Errorf("%s a=%v v=%v: P = %v, direct minimum at %v", m.Name(), a, v, p, want)
				}
				near := false
				for _, k := range px.Kinks(v) {
					near = near || math.Abs(a-k) < 1e-3
				}
				if near {
					continue
				}
				const h = 1e-6
				p1, _ := px.Eval(a+h, v)
				p0, _ := px.Eval(a-h, v)
				if fd := (p1 - p0) / (2 * h); math.Abs(fd-dp) > 1e-6 {
					t.Errorf("%s a=%v v=%v: P' = %v, finite difference %v", m.Name(), a, v, dp, fd)
				}
			}
		}
	}
}

// golden minimises a unimodal f on [lo, hi] by golden-section search.
func golden(f func(float64) float64, lo, hi float64) float64 {
	g := (math.Sqrt(5) - 1) / 2
	for hi-lo > 1e-12 {
		x1, x2 := hi-g*(hi-lo), lo+g*(hi-lo)
		if f(x1) < f(x2) {
			hi = x2
		} else {
			lo = x1
		}
	}
	return (lo + hi) / 2
}

// plain hides every optional method of a margin loss (Prox, Kinks, Smooth).
type plain struct{ m Margin }

func (p plain) Eval(z float64) (l, dl, d2l float64) { return p.m.Eval(z) }
func (p plain) Name() string                        { return p.m.Name() }

// nonSmooth is the hinge declared non-smooth but without its closed form.
type nonSmooth struct{ plain }

func (nonSmooth) Smooth() bool { return false }

// TestProxFallback: the generic Newton prox of a smooth loss equals its
// closed form to 1e-13 (the Newton iteration stops at a relative step
// 1e-15; round-off of the closed forms is ~1e-16), and a non-smooth loss
// without a closed form is refused, naming it.
func TestProxFallback(t *testing.T) {
	for _, m := range margins {
		if _, ok := m.(Proxer); !ok || !IsSmooth(m) {
			continue
		}
		closed, _ := NewProx(m)
		generic, err := NewProx(plain{m})
		if err != nil {
			t.Fatalf("%s without Prox: %v", m.Name(), err)
		}
		for _, v := range []float64{0.05, 0.7, 3} {
			for _, a := range []float64{-6, -1.3, -0.2, 0.4, 0.95, 1.6, 8} {
				p, dp := closed.Eval(a, v)
				q, dq := generic.Eval(a, v)
				if !scalar.EqualWithinAbsOrRel(p, q, 1e-13, 1e-13) || !scalar.EqualWithinAbsOrRel(dp, dq, 1e-13, 1e-13) {
					t.Errorf("%s a=%v v=%v: closed form (%v, %v), Newton (%v, %v)", m.Name(), a, v, p, dp, q, dq)
				}
			}
		}
	}
	if _, err := NewProx(nonSmooth{plain{Hinge{}}}); err == nil || !strings.Contains(err.Error(), "hinge") {
		t.Errorf("non-smooth loss without Prox: error %v, want one naming hinge", err)
	}
	if _, err := NewProx(nil); err == nil {
		t.Error("nil loss: no error")
	}
}

// TestProxKinks: P_v has kinks where it reaches and leaves a kink of ℓ:
// the hinge's P sticks to z = 1 for a ∈ [1 − v, 1], the squared hinge's
// bends at a = 1.
func TestProxKinks(t *testing.T) {
	v := 0.7 // a variable: 1 − v is then the float64 difference, as in Kinks
	for _, c := range []struct {
		m    Margin
		want []float64
	}{
		{Logistic{}, nil}, {Square{}, nil}, {SquaredHinge{}, []float64{1}}, {Hinge{}, []float64{1 - v, 1}},
	} {
		px, _ := NewProx(c.m)
		if got := px.Kinks(v); !slices.Equal(got, c.want) {
			t.Errorf("%s: prox kinks %v, want %v", c.m.Name(), got, c.want)
		}
	}
}

// TestProxBracket: the iterative prox of the logistic loss is within its
// stated accuracy δ = 2·ProxTol·(1 + |a| + |P|) of the exact root at every
// point of a fine grid of a ∈ [−V − 60, 60], for V from 0.5 to 1e5 (the
// old iteration, capped at 100 Newton steps, returned unconverged points
// for V ≳ 11: issue 10). The check is a certificate: the prox equation
// g(x) = (x − a)/V + ℓ'(x) increases, so g(P − δ) ≤ 0 ≤ g(P + δ) puts the
// root within δ of P. It can fail: P moved by 3δ fails it at every point.
// P' = 1/(1 + Vℓ”(P)) is checked against a central difference away from
// the steep parts (step 1e-5·(1 + |a|), error O(1e-9)).
func TestProxBracket(t *testing.T) {
	m := Logistic{}
	px, err := NewProx(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{0.5, 12.6, 45, 1e3, 1e5} {
		g := func(a, x float64) float64 { _, d1, _ := m.Eval(x); return (x-a)/v + d1 }
		lo, hi := -v-60, 60.0
		const n = 4001
		moved := 0
		for i := range n {
			a := lo + (hi-lo)*float64(i)/(n-1)
			p, dp, s, err := px.Solve(a, v)
			if err != nil {
				t.Fatalf("V=%v a=%v: %v", v, a, err)
			}
			d := 2 * ProxTol * (1 + math.Abs(a) + math.Abs(p))
			if !(g(a, p-d) <= 0 && g(a, p+d) >= 0) {
				t.Errorf("V=%v a=%v: P = %v is not within %.2g of the root (g(P∓δ) = %v, %v)", v, a, p, d, g(a, p-d), g(a, p+d))
			}
			if q := p + 3*d; g(a, q-d) <= 0 && g(a, q+d) >= 0 {
				moved++
			}
			if _, d1, _ := m.Eval(p); s != d1 {
				t.Errorf("V=%v a=%v: slope %v, ℓ'(P) = %v", v, a, s, d1)
			}
			h := 1e-5 * (1 + math.Abs(a))
			p1, _ := px.Eval(a+h, v)
			p0, _ := px.Eval(a-h, v)
			if fd := (p1 - p0) / (2 * h); math.Abs(fd-dp) > 1e-6 && v*h < 1e-2 {
				t.Errorf("V=%v a=%v: P' = %v, central difference %v", v, a, dp, fd)
			}
		}
		if moved > 0 {
			t.Errorf("V=%v: P moved by 3δ passes the check at %d of %d points", v, moved, n)
		}
	}
}

// nanLoss is the logistic loss with a NaN slope beyond z = 3.
type nanLoss struct{ plain }

func (nanLoss) Eval(z float64) (l, dl, d2l float64) {
	if z > 3 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	return Logistic{}.Eval(z)
}

// TestProxFailure: a prox that cannot be computed is an error from Solve
// and NaN from Eval, never a number.
func TestProxFailure(t *testing.T) {
	px, err := NewProx(nanLoss{plain{Logistic{}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ a, v float64 }{{5, 1}, {1, 0}, {1, math.Inf(1)}, {math.NaN(), 1}} {
		p, dp, s, err := px.Solve(c.a, c.v)
		q, dq := px.Eval(c.a, c.v)
		if err == nil || !math.IsNaN(p) || !math.IsNaN(dp) || !math.IsNaN(s) || !math.IsNaN(q) || !math.IsNaN(dq) {
			t.Errorf("a=%v v=%v: Solve (%v, %v, %v, %v), Eval (%v, %v); want an error and NaN", c.a, c.v, p, dp, s, err, q, dq)
		}
	}
	if _, _, _, err := px.Solve(1, 1); err != nil {
		t.Errorf("a=1 v=1 (root below z = 3): %v", err)
	}
}

// TestLogisticSlopes: the Newton prox's shortcut gives Eval's ℓ' and ℓ”
// exactly.
func TestLogisticSlopes(t *testing.T) {
	for z := -800.0; z <= 800; z += 0.37 {
		_, d1, d2 := Logistic{}.Eval(z)
		s1, s2 := Logistic{}.slopes(z)
		if s1 != d1 || s2 != d2 {
			t.Errorf("z=%v: slopes (%v, %v), Eval (%v, %v)", z, s1, s2, d1, d2)
		}
	}
}
