package integrators

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestOrder integrates the linear system dw/dt = −A w, A = diag(1, 3), to
// t = 1 and fits log(error) against log(h): Euler has slope 1, Heun 2. With
// h·a_max ≤ 0.3 the next term changes the fitted slope by less than 0.1
// (hence ±0.15). The square-loss flow at finite d, through the simulator,
// is tested the same way in package sde.
func TestOrder(t *testing.T) {
	a := []float64{1, 3}
	grad := func(dst, w []float64) {
		for i := range w {
			dst[i] = a[i] * w[i]
		}
	}
	for _, m := range []struct {
		method Method
		order  float64
	}{{EulerMethod, 1}, {HeunMethod, 2}} {
		var lh, le []float64
		for _, n := range []int{10, 20, 40, 80} {
			h := 1 / float64(n)
			w := []float64{1, 1}
			in := m.method.New()
			for k := 0; k < n; k++ {
				in.Step(w, h, grad)
			}
			e := 0.0
			for i := range w {
				e = math.Max(e, math.Abs(w[i]-math.Exp(-a[i])))
			}
			lh, le = append(lh, math.Log(h)), append(le, math.Log(e))
		}
		_, slope := stat.LinearRegression(lh, le, nil, false)
		if math.Abs(slope-m.order) > 0.15 {
			t.Errorf("%v: fitted order %.3f, want %v", m.method, slope, m.order)
		}
	}
}

func TestParseMethod(t *testing.T) {
	for _, c := range []struct {
		name string
		want Method
	}{{"euler", EulerMethod}, {"heun", HeunMethod}, {"", EulerMethod}} {
		if got, err := ParseMethod(c.name); err != nil || got != c.want || (c.name != "" && got.String() != c.name) {
			t.Errorf("ParseMethod(%q) = %v, %v", c.name, got, err)
		}
	}
	if _, err := ParseMethod("rk4"); err == nil {
		t.Error("ParseMethod(rk4): no error")
	}
}
