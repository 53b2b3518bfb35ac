package loss

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestDerivatives checks ∂_r L and ∂²_r L against central finite differences
// of L and ∂_r L. The central difference with step h ≈ 1e-5 has truncation
// error O(h²·L”') ≈ 1e-10 and round-off O(ε·L/h) ≈ 1e-11·|L|, so 1e-6
// relative (or absolute near zero) is a loose but meaningful bound. Points
// are kept away from the kinks of the hinge losses (z = 1).
func TestDerivatives(t *testing.T) {
	margins := []Margin{Logistic{}, Square{}, SquaredHinge{}, Hinge{}}
	outputs := []Output{Linear{}, Quadratic{Kappa: 1}, Quadratic{Kappa: 0.3}}
	rs := []float64{-3.1, -1.3, -0.42, 0.17, 0.77, 2.2, 5.3}
	for _, m := range margins {
		for _, o := range outputs {
			fn := Func{Margin: m, Output: o}
			for _, y := range []float64{-1, 1} {
				for _, r := range rs {
					f, _, _ := o.Eval(r)
					if math.Abs(y*f-1) < 1e-3 {
						continue
					}
					name := fmt.Sprintf("%T/%v/y=%v/r=%v", m, o, y, r)
					_, dl, d2l := fn.Eval(y, r)
					val := func(x []float64) float64 { l, _, _ := fn.Eval(y, x[0]); return l }
					der := func(x []float64) float64 { _, d, _ := fn.Eval(y, x[0]); return d }
					set := &fd.Settings{Formula: fd.Central, Step: 1e-5}
					gotD := fd.Derivative(func(x float64) float64 { return val([]float64{x}) }, r, set)
					gotD2 := fd.Derivative(func(x float64) float64 { return der([]float64{x}) }, r, set)
					if !scalar.EqualWithinAbsOrRel(dl, gotD, 1e-6, 1e-6) {
						t.Errorf("%s: dL = %v, finite difference %v", name, dl, gotD)
					}
					if !scalar.EqualWithinAbsOrRel(d2l, gotD2, 1e-6, 1e-6) {
						t.Errorf("%s: d2L = %v, finite difference %v", name, d2l, gotD2)
					}
					if d := fn.Deriv(y, r); d != dl {
						t.Errorf("%s: Deriv = %v, Eval gives %v", name, d, dl)
					}
				}
			}
		}
	}
}

// TestLogisticStable checks that the logistic loss neither overflows nor
// loses its asymptotes at large |z|: ℓ(z) → −z, ℓ' → −1 for z → −∞ and
// ℓ → e^{−z}, ℓ' → −e^{−z} for z → +∞ (exact to double precision there).
func TestLogisticStable(t *testing.T) {
	for _, z := range []float64{-1e6, -800, -40} {
		l, dl, d2l := Logistic{}.Eval(z)
		if l != -z || dl != -1 || d2l < 0 || d2l > 1e-17 {
			t.Errorf("z=%v: got (%v, %v, %v), want (%v, -1, ~0)", z, l, dl, d2l, -z)
		}
	}
	for _, z := range []float64{40, 800, 1e6} {
		l, dl, d2l := Logistic{}.Eval(z)
		want := math.Exp(-z)
		if !scalar.EqualWithinAbsOrRel(l, want, 0, 1e-12) || !scalar.EqualWithinAbsOrRel(-dl, want, 0, 1e-12) || math.IsNaN(d2l) {
			t.Errorf("z=%v: got (%v, %v, %v), want (%v, %v, ~)", z, l, dl, d2l, want, -want)
		}
	}
	l, dl, d2l := Logistic{}.Eval(0)
	if l != math.Ln2 || dl != -0.5 || d2l != 0.25 {
		t.Errorf("z=0: got (%v, %v, %v), want (ln 2, -0.5, 0.25)", l, dl, d2l)
	}
}

func TestError(t *testing.T) {
	lin := Func{Margin: Logistic{}, Output: Linear{}}
	quad := Func{Margin: Logistic{}, Output: Quadratic{Kappa: 1}}
	for _, c := range []struct {
		fn      Func
		y, r, e float64
	}{
		{lin, 1, 0.5, 0}, {lin, 1, -0.5, 1}, {lin, -1, -0.5, 0}, {lin, -1, 0.5, 1},
		{quad, 1, 2, 0}, {quad, 1, 0.5, 1}, {quad, -1, 0.5, 0}, {quad, -1, -2, 1},
	} {
		if got := c.fn.Error(c.y, c.r); got != c.e {
			t.Errorf("%v.Error(%v, %v) = %v, want %v", c.fn.Output, c.y, c.r, got, c.e)
		}
	}
}

func TestParse(t *testing.T) {
	for _, name := range []string{"logistic", "square", "sqhinge", "hinge"} {
		if _, err := ParseMargin(name); err != nil {
			t.Errorf("ParseMargin(%q): %v", name, err)
		}
	}
	if _, err := ParseMargin("huber"); err == nil {
		t.Error("ParseMargin(huber): no error")
	}
	if _, err := ParseOutput("quadratic", 0); err == nil {
		t.Error("ParseOutput(quadratic, kappa=0): no error")
	}
	if IsSmooth(Hinge{}) || !IsSmooth(Logistic{}) {
		t.Error("IsSmooth: hinge must be non-smooth, logistic smooth")
	}
}
