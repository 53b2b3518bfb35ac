package theory

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// quadTol bounds the error of the bulk quadrature for the integrands of
// theory.md §2 (smooth in θ after the substitution): checked directly by
// TestSquareQuadrature against a 4× refined rule (measured: 5e-15).
const quadTol = 1e-10

// TestSquareMoments checks the measures against moments known in closed
// form: π_H is Marchenko–Pastur, ∫dπ_H = 1, ∫(ζ−λ)dπ_H = αΔ,
// ∫(ζ−λ)²dπ_H = α(1+α)Δ², and ν has total mass α = v*·c/d (c = Xᵀy/√d).
// The quadrature integrates these polynomials (times the smooth densities)
// to round-off.
func TestSquareMoments(t *testing.T) {
	for _, s := range []SquareGD{
		{Alpha: 2, Delta: 0.5, Lambda: 0.3},
		{Alpha: 0.4, Delta: 1.5},
		{Alpha: 3, Delta: 2, Lambda: 1}, // α < Δ²: no outlier
		{Alpha: 1, Delta: 1},            // lower edge at ζ = 0, outlier at the upper edge
		{Alpha: 0.25, Delta: 0.5},       // α = Δ²: outlier at the upper edge
	} {
		sp := s.spectrum()
		var h0, h1, h2, nu float64
		for _, n := range sp.nodes(1) {
			z := n.zeta - s.Lambda
			h0 += n.wH
			h1 += n.wH * z
			h2 += n.wH * z * z
			nu += n.wNu
		}
		h0 += sp.atomH
		nu += sp.atomNu
		a, dl := s.Alpha, s.Delta
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"∫dπ_H", h0, 1}, {"∫(ζ−λ)dπ_H", h1, a * dl}, {"∫(ζ−λ)²dπ_H", h2, a * (1 + a) * dl * dl}, {"∫dν", nu, a},
		} {
			if !scalar.EqualWithinAbsOrRel(c.got, c.want, 1e-12, 1e-12) {
				t.Errorf("%+v: %s = %v, want %v", s, c.name, c.got, c.want)
			}
		}
	}
}

// TestSquareQuadrature bounds the quadrature error: the default rule and a
// 4× refined one agree to quadTol at early, intermediate and late times,
// including λ = 0, α = 1 where the bulk touches ζ = 0 and g_t ≈ t there.
func TestSquareQuadrature(t *testing.T) {
	for _, s := range []SquareGD{
		{Alpha: 1, Delta: 0.5, C0: 1},
		{Alpha: 0.5, Delta: 0.5, C0: 1, Eta: 0.3},
		{Alpha: 2, Delta: 0.3, Lambda: 0.1, C0: 0.5},
	} {
		sp := s.spectrum()
		coarse, fine := sp.nodes(1), sp.nodes(4)
		for _, tt := range []float64{0.3, 3, 30, 300, 3000} {
			a, b := s.point(sp, coarse, tt), s.point(sp, fine, tt)
			if !scalar.EqualWithinAbsOrRel(a.M, b.M, quadTol, quadTol) ||
				!scalar.EqualWithinAbsOrRel(a.Ctt, b.Ctt, quadTol, quadTol) ||
				!scalar.EqualWithinAbsOrRel(a.TrainLoss, b.TrainLoss, quadTol, quadTol) {
				t.Errorf("%+v t=%v: default %+v, refined %+v", s, tt, a, b)
			}
		}
	}
}

// TestSquareLimits checks the closed forms of theory.md §2 at λ = 0, α > 1,
// t → ∞ (ordinary least squares): m = 1/(1+Δ), q = (α+Δ)/((α−1)(1+Δ)²),
// MSE = Δ(α−1)/(2α(1+Δ)), ε = Q(√((α−1)/(Δ(α+Δ)))), both from Limit and
// from the curve at a late time (e^{−ζ_min t} < 1e-30 there), for flow and
// discrete GD. Tolerance: quadTol.
func TestSquareLimits(t *testing.T) {
	for _, s := range []SquareGD{
		{Alpha: 3, Delta: 0.5, C0: 1},
		{Alpha: 1.5, Delta: 1.3, C0: 0.2},
		{Alpha: 5, Delta: 3, C0: 2, Eta: 0.05}, // α < Δ²: no outlier
	} {
		a, dl := s.Alpha, s.Delta
		want := SquarePoint{
			M: 1 / (1 + dl), Ctt: (a + dl) / ((a - 1) * (1 + dl) * (1 + dl)),
			TrainLoss: dl * (a - 1) / (2 * a * (1 + dl)), TestErr: Q(math.Sqrt((a - 1) / (dl * (a + dl)))),
		}
		lim, err := s.Limit()
		if err != nil {
			t.Fatal(err)
		}
		zmin := dl * (math.Sqrt(a) - 1) * (math.Sqrt(a) - 1)
		late, err := s.Curve(nil, []float64{70 / zmin})
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []SquarePoint{lim, late[0]} {
			checkPoint(t, "", got, want, quadTol)
		}
	}
}

func checkPoint(t *testing.T, name string, got, want SquarePoint, tol float64) {
	t.Helper()
	for _, c := range []struct {
		name string
		g, w float64
	}{{"m", got.M, want.M}, {"Ctt", got.Ctt, want.Ctt}, {"train_loss", got.TrainLoss, want.TrainLoss}, {"test_err", got.TestErr, want.TestErr}} {
		if !scalar.EqualWithinAbsOrRel(c.g, c.w, tol, tol) {
			t.Errorf("%s t=%v: %s = %v, want %v", name, got.T, c.name, c.g, c.w)
		}
	}
}

// TestSquareEarly checks the start of the curve: at t = 0, m = 0, q = C0,
// MSE = ½(1 + C0Δ) (r = w_0·x/√d has variance C0Δ); the first GD step gives
// w_1 = (1 − ηλ)w_0 + η c, so m_1 = ηα and q_1 = (1−ηλ)²C0 + η²α(α+Δ)
// (|c|²/d = α(α+Δ)) plus the cross term 2η(1−ηλ)w_0·(−H₀w_0)/d… written
// in full: w_1 = (I − ηH)w_0 + ηc, q_1 = C0∫(1−ηζ)²dπ_H + η²κα, and
// ∫(1−ηζ)²dπ_H = (1−ηλ)² − 2η(1−ηλ)αΔ + η²α(1+α)Δ².
func TestSquareEarly(t *testing.T) {
	s := SquareGD{Alpha: 1.7, Delta: 0.6, Lambda: 0.2, C0: 1.3, Eta: 0.15}
	c, err := s.Curve(nil, []float64{0, s.Eta})
	if err != nil {
		t.Fatal(err)
	}
	a, dl, l, e, c0 := s.Alpha, s.Delta, s.Lambda, s.Eta, s.C0
	checkPoint(t, "t=0", c[0], SquarePoint{M: 0, Ctt: c0, TrainLoss: 0.5 * (1 + c0*dl), TestErr: 0.5}, 1e-12)
	h2 := (1-e*l)*(1-e*l) - 2*e*(1-e*l)*a*dl + e*e*a*(1+a)*dl*dl
	q1 := c0*h2 + e*e*(a+dl)*a
	if !scalar.EqualWithinAbsOrRel(c[1].M, e*a, 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(c[1].Ctt, q1, 1e-12, 1e-12) {
		t.Errorf("step 1: m = %v, q = %v; want %v, %v", c[1].M, c[1].Ctt, e*a, q1)
	}
}

// TestSquareFlowLimitOfGD: discrete GD with step η approaches the flow with
// an O(η) error; halving η must roughly halve the deviation (ratio within
// [0.4, 0.6] of the first-order prediction 0.5, the O(η²) remainder being
// small at these η).
func TestSquareFlowLimitOfGD(t *testing.T) {
	flow := SquareGD{Alpha: 0.7, Delta: 0.4, Lambda: 0.05, C0: 1}
	times := []float64{1, 4, 12}
	want, err := flow.Curve(nil, times)
	if err != nil {
		t.Fatal(err)
	}
	dev := func(eta float64) float64 {
		s := flow
		s.Eta = eta
		got, err := s.Curve(nil, times)
		if err != nil {
			t.Fatal(err)
		}
		d := 0.0
		for i := range got {
			d = math.Max(d, math.Abs(got[i].M-want[i].M)+math.Abs(got[i].Ctt-want[i].Ctt))
		}
		return d
	}
	d1, d2 := dev(0.02), dev(0.01)
	if r := d2 / d1; r < 0.4 || r > 0.6 {
		t.Errorf("deviation from flow: %v at η = 0.02, %v at η = 0.01: ratio %v, want ≈ 0.5", d1, d2, r)
	}
}

// TestSquareNonMonotone: at α < 1 and λ = 0 the test error of the flow falls
// to a minimum at a finite time and then rises towards its t → ∞ value
// (overfitting of the interpolator). The rise is checked to exceed the
// quadrature error by many orders of magnitude.
func TestSquareNonMonotone(t *testing.T) {
	for _, s := range []SquareGD{{Alpha: 0.5, Delta: 0.5, C0: 1}, {Alpha: 0.5, Delta: 1, C0: 0.1}} {
		var times []float64
		for t := 0.25; t <= 200; t *= 1.1 {
			times = append(times, t)
		}
		c, err := s.Curve(nil, times)
		if err != nil {
			t.Fatal(err)
		}
		imin := 0
		for i, p := range c {
			if p.TestErr < c[imin].TestErr {
				imin = i
			}
		}
		lim, err := s.Limit()
		if err != nil {
			t.Fatal(err)
		}
		first, min, last := c[0].TestErr, c[imin].TestErr, c[len(c)-1].TestErr
		if imin == 0 || imin == len(c)-1 || first-min < 1e-3 || last-min < 1e-3 || lim.TestErr-min < 1e-3 {
			t.Errorf("%+v: test error %v at t=%v, minimum %v at t=%v, %v at t=%v, %v at ∞: want a minimum then a rise",
				s, first, c[0].T, min, c[imin].T, last, c[len(c)-1].T, lim.TestErr)
		}
	}
}

// TestSquareValidate checks that each bad field is named.
func TestSquareValidate(t *testing.T) {
	ok := SquareGD{Alpha: 2, Delta: 0.5, C0: 1}
	for _, c := range []struct {
		mod  func(*SquareGD)
		want string
	}{
		{func(s *SquareGD) { s.Alpha = 0 }, "Alpha"},
		{func(s *SquareGD) { s.Delta = 0 }, "Delta"},
		{func(s *SquareGD) { s.Lambda = -1 }, "Lambda"},
		{func(s *SquareGD) { s.C0 = math.NaN() }, "C0"},
		{func(s *SquareGD) { s.Eta = -0.1 }, "Eta"},
		{func(s *SquareGD) { s.Eta = 0.5 }, "unstable"}, // ζ* = (α+Δ)(1+Δ) = 3.75: η ζ* = 1.9 is fine but the bulk edge…
	} {
		s := ok
		c.mod(&s)
		if c.want == "unstable" {
			s.Eta = 2.01 / s.spectrum().max()
		}
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", s, err, c.want)
		}
	}
	if _, err := (SquareGD{Alpha: 1, Delta: 1}).Limit(); err == nil {
		t.Error("Limit at λ = 0, α = 1 returned no error")
	}
}
