package theory

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/teacher"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/sgdmft/sgdmft/dynamics"
)

// checkTSQ compares a point with the wanted m, Ctt, training loss and test
// MSE (NaN: not checked) within tol (absolute or relative).
func checkTSQ(t *testing.T, name string, got TeacherSquarePoint, want [4]float64, tol float64) {
	t.Helper()
	for i, g := range [4]float64{got.M, got.Ctt, got.TrainLoss, got.TestMSE} {
		if math.IsNaN(want[i]) {
			continue
		}
		if !scalar.EqualWithinAbsOrRel(g, want[i], tol, tol) {
			t.Errorf("%s t=%v: %s = %.15g, want %.15g", name, got.T, [4]string{"m", "Ctt", "train_loss", "test_mse"}[i], g, want[i])
		}
	}
}

// TestTeacherSquareEarly checks t = 0 and the first GD step in closed form:
// w_1 = (1 − ηH)w_0 + ηc with c = Sv* + σXᵀε/√d, and the moments of μ
// (ζ = s + λ, s Marchenko–Pastur): ∫z = α, ∫z² = α(1 + α), z = ζ − λ, so
//
//	m_1 = M0(1 − ηλ − ηα) + ηα,
//	Ctt_1 = C0[(1 − ηλ)² − 2η(1 − ηλ)α + η²α(1 + α)]
//	        + 2M0η[(1 − ηλ)α − ηα(1 + α)] + η²[α(1 + α) + σ²α].
//
// At t = 0 the training loss is ½(1 + σ² − 2M0 + C0), equal to half the test
// MSE (w_0 does not depend on the data). Tolerance: the quadrature
// (teacherQuadTol) on O(1) values.
func TestTeacherSquareEarly(t *testing.T) {
	s := TeacherSquare{Alpha: 1.7, Lambda: 0.2, Noise: 0.4, M0: 0.3, C0: 1.3, Eta: 0.15}
	c, err := s.Curve(nil, []float64{0, s.Eta})
	if err != nil {
		t.Fatal(err)
	}
	a, l, e, m0, c0, s2 := s.Alpha, s.Lambda, s.Eta, s.M0, s.C0, s.Noise*s.Noise
	mse0 := 1 + s2 - 2*m0 + c0
	checkTSQ(t, "t=0", c[0], [4]float64{m0, c0, mse0 / 2, mse0}, teacherQuadTol)
	m1 := m0*(1-e*l-e*a) + e*a
	q1 := c0*((1-e*l)*(1-e*l)-2*e*(1-e*l)*a+e*e*a*(1+a)) + 2*m0*e*((1-e*l)*a-e*a*(1+a)) + e*e*(a*(1+a)+s2*a)
	checkTSQ(t, "step 1", c[1], [4]float64{m1, q1, math.NaN(), 1 + s2 - 2*m1 + q1}, teacherQuadTol)
}

// TestTeacherSquareLimits checks the t → ∞ limit in closed form at λ = 0,
// from Limit and from the curve at a time where e^{−ζ_min t} < 1e-30:
//
//	α > 1 (least squares, w = v* + σ S⁻¹Xᵀε/√d): m = 1, Ctt = 1 + σ²/(α − 1),
//	  training loss σ²(1 − 1/α)/2;
//	α < 1 (min-norm interpolator plus the kernel part of w_0):
//	  m = α + M0(1 − α), Ctt = α + σ²α/(1 − α) + C0(1 − α), training loss 0
//
// (∫ dμ/ζ over the bulk is 1/(α − 1) for α > 1 and α/(1 − α) for α < 1).
// Tolerance: the quadrature error, teacherQuadTol.
func TestTeacherSquareLimits(t *testing.T) {
	for _, s := range []TeacherSquare{
		{Alpha: 3, Noise: 0.5, M0: 0.2, C0: 1},
		{Alpha: 1.6, Noise: 1.2, M0: -0.1, C0: 0.3, Eta: 0.05},
		{Alpha: 0.4, Noise: 0.5, M0: 0.3, C0: 1.5},
		{Alpha: 0.7, Noise: 0.2, C0: 0.5, Eta: 0.1},
	} {
		a, s2 := s.Alpha, s.Noise*s.Noise
		var want [4]float64
		if a > 1 {
			want = [4]float64{1, 1 + s2/(a-1), s2 * (1 - 1/a) / 2, s2 + s2/(a-1)}
		} else {
			m := a + s.M0*(1-a)
			q := a + s2*a/(1-a) + s.C0*(1-a)
			want = [4]float64{m, q, 0, 1 + s2 - 2*m + q}
		}
		lim, err := s.Limit()
		if err != nil {
			t.Fatal(err)
		}
		checkTSQ(t, "Limit", lim, want, teacherQuadTol)
		zmin := math.Pow(math.Sqrt(a)-1, 2)
		late, err := s.Curve(nil, []float64{70 / zmin})
		if err != nil {
			t.Fatal(err)
		}
		checkTSQ(t, "late", late[0], want, teacherQuadTol)
	}
	if _, err := (TeacherSquare{Alpha: 1, Noise: 0.1, C0: 1}).Limit(); !errors.Is(err, errTeacherNoLimit) {
		t.Errorf("Limit at λ = 0, α = 1, σ > 0: error %v, want the interpolation peak", err)
	}
}

// TestTeacherSquareQuadrature bounds the quadrature error: the reported
// QuadErr (default rule against a 2× refined one) is below 1e-12, and the
// returned values agree with a 4× refined rule to teacherQuadTol, at early
// and late times, including λ = 0, α = 1 where the bulk touches ζ = 0.
func TestTeacherSquareQuadrature(t *testing.T) {
	for _, s := range []TeacherSquare{
		{Alpha: 1, Noise: 0, M0: 0.1, C0: 1},
		{Alpha: 0.5, Noise: 0.3, C0: 1, Eta: 0.3},
		{Alpha: 3, Lambda: 0.5, Noise: 0.5, M0: 0.2, C0: 1.04, Eta: 0.1},
	} {
		sp := s.spectrum()
		fine := sp.nodes(4)
		for _, tt := range []float64{0.3, 3, 30, 300, 3000} {
			k := 0
			if s.Eta > 0 {
				k = int(math.Round(tt / s.Eta))
				tt = float64(k) * s.Eta
			}
			got, err := s.Curve(nil, []float64{tt})
			if err != nil {
				t.Fatal(err)
			}
			if got[0].QuadErr > 1e-12 {
				t.Errorf("%+v t=%v: QuadErr %v", s, tt, got[0].QuadErr)
			}
			ref := s.point(tt, s.moments(sp, fine, tt, k, false))
			checkTSQ(t, "refined", got[0], [4]float64{ref.M, ref.Ctt, ref.TrainLoss, ref.TestMSE}, teacherQuadTol)
		}
	}
}

// TestTeacherSquareFlowLimitOfGD: discrete GD with step η approaches the
// gradient flow (Eta = 0) with an O(η) error; halving η must halve the
// deviation (ratio within [0.4, 0.6] of the first-order prediction 0.5; the
// O(η²) remainder is small at these η), and at η = 0.0025 the curves agree
// to 1e-2.
func TestTeacherSquareFlowLimitOfGD(t *testing.T) {
	flow := TeacherSquare{Alpha: 0.7, Lambda: 0.05, Noise: 0.5, M0: 0.2, C0: 1}
	times := []float64{0.5, 2, 6, 15}
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
			for _, p := range [][2]float64{{got[i].M, want[i].M}, {got[i].Ctt, want[i].Ctt}, {got[i].TrainLoss, want[i].TrainLoss}} {
				d = math.Max(d, math.Abs(p[0]-p[1]))
			}
		}
		return d
	}
	d1, d2, d3 := dev(0.01), dev(0.005), dev(0.0025)
	for _, r := range []float64{d2 / d1, d3 / d2} {
		if r < 0.4 || r > 0.6 {
			t.Errorf("deviation from flow: %v, %v, %v at η = 0.01, 0.005, 0.0025: ratio %v, want ≈ 0.5", d1, d2, d3, r)
		}
	}
	if d3 > 1e-2 {
		t.Errorf("deviation from flow at η = 0.0025: %v", d3)
	}
}

// TestTeacherSquareValidate checks that each bad field is named and that
// the error is a dynamics.FieldError.
func TestTeacherSquareValidate(t *testing.T) {
	ok := TeacherSquare{Alpha: 2, Lambda: 0.1, Noise: 0.2, M0: 0.3, C0: 1}
	for _, c := range []struct {
		mod  func(*TeacherSquare)
		want string
	}{
		{func(s *TeacherSquare) { s.Alpha = 0 }, "Alpha"},
		{func(s *TeacherSquare) { s.Lambda = -1 }, "Lambda"},
		{func(s *TeacherSquare) { s.Noise = math.Inf(1) }, "Noise"},
		{func(s *TeacherSquare) { s.M0 = math.NaN() }, "M0"},
		{func(s *TeacherSquare) { s.C0 = 0.05 }, "C0"}, // < M0²
		{func(s *TeacherSquare) { s.Eta = -0.1 }, "Eta"},
		{func(s *TeacherSquare) { s.Eta = 2.01 / (0.1 + math.Pow(math.Sqrt(2)+1, 2)) }, "unstable"},
	} {
		s := ok
		c.mod(&s)
		err := s.Validate()
		var fe *dynamics.FieldError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &fe) {
			t.Errorf("%+v: error %v, want a FieldError naming %s", s, err, c.want)
		}
		if _, err := s.Curve(nil, []float64{1}); err == nil {
			t.Errorf("%+v: Curve ran", s)
		}
	}
	s := ok
	s.Eta = 1.99 / (0.1 + math.Pow(math.Sqrt(2)+1, 2))
	if err := s.Validate(); err != nil {
		t.Errorf("η ζ_max = 1.99: %v", err)
	}
	if _, err := ok.Curve(nil, []float64{-1}); err == nil {
		t.Error("negative time: no error")
	}
}

// TestLabelMoments checks κ = E[h0 y] and E y² of LabelMoments against the
// closed forms: ReLU κ = 1/2, E y² = 1/2 + σ²; sign κ = √(2/π)/√(1 + σ²),
// E y² = 1. Tolerance 1e-12: the quadrature's 1e-13 (GaussExpect).
func TestLabelMoments(t *testing.T) {
	for _, c := range []struct {
		tm        teacher.Model
		kappa, y2 float64
	}{
		{teacher.Model{Link: teacher.Linear{}, Noise: 0.3}, 1, 1.09},
		{teacher.Model{Link: teacher.ReLU{}, Noise: 0.1}, 0.5, 0.51},
		{teacher.Model{Link: teacher.Sign{}}, math.Sqrt(2 / math.Pi), 1},
		{teacher.Model{Link: teacher.Sign{}, Noise: 0.5}, math.Sqrt(2/math.Pi) / math.Sqrt(1.25), 1},
	} {
		k, y2 := LabelMoments(c.tm)
		if math.Abs(k-c.kappa) > 1e-12 || math.Abs(y2-c.y2) > 1e-12 {
			t.Errorf("%v: κ = %v, E y² = %v; want %v, %v", c.tm, k, y2, c.kappa, c.y2)
		}
	}
}
