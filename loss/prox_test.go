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
// and P'(a) against a central difference (step 1e-6, away from the prox
// kinks; error O(1e-8)).
func TestProx(t *testing.T) {
	for _, m := range margins {
		px, err := NewProx(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
		for _, v := range []float64{0.05, 0.7, 3} {
			for _, a := range []float64{-6, -1.3, -0.2, 0.4, 0.95, 1.6, 8} {
				p, dp := px.Eval(a, v)
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
