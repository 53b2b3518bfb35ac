package theory

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
)

// TestTeacherERMLinearIsLimit: for the linear teacher with λ > 0 the ERM
// fixed point (closed form) is the t → ∞ limit of the exact GD curves
// (TeacherSquare.Limit, an independent random-matrix computation), for α
// on both sides of 1 and with label noise. Tolerance: the quadrature of
// Limit, teacherQuadTol.
func TestTeacherERMLinearIsLimit(t *testing.T) {
	for _, c := range []struct{ alpha, lambda, noise float64 }{
		{3, 0.5, 0}, {3, 0.5, 0.5}, {0.5, 0.1, 0.3}, {1, 0.02, 1}, {1.5, 2, 0.7},
	} {
		e := TeacherERM{Teacher: teacher.Model{Link: teacher.Linear{}, Noise: c.noise}, Alpha: c.alpha, Lambda: c.lambda, Loss: loss.Square{}}
		r, err := e.Solve()
		if err != nil {
			t.Fatal(err)
		}
		if r.Residual > 1e-14 {
			t.Errorf("%+v: residual %v", c, r.Residual)
		}
		lim, err := TeacherSquare{Alpha: c.alpha, Lambda: c.lambda, Noise: c.noise, M0: 0.1, C0: 1}.Limit()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			name      string
			got, want float64
		}{{"m", r.M, lim.M}, {"Ctt", r.Ctt, lim.Ctt}, {"train_loss", r.TrainLoss, lim.TrainLoss}, {"test_mse", r.TestMSE, lim.TestMSE}} {
			if !scalar.EqualWithinAbsOrRel(p.got, p.want, teacherQuadTol, teacherQuadTol) {
				t.Errorf("%+v: ERM %s = %.15g, GD limit %.15g", c, p.name, p.got, p.want)
			}
		}
	}
}

// TestTeacherERMSignSquare: for the sign teacher with the square loss, the
// general equations solved by Newton's method with adaptive quadrature
// (the path the logistic loss takes) equal the closed form with
// κ = √(2/π)/√(1 + σ²), E[y²] = 1. Tolerance 1e-9: the solver's Tol
// (1e-11) amplified by the conditioning of the map, far below any physics
// error.
func TestTeacherERMSignSquare(t *testing.T) {
	for _, c := range []struct{ alpha, lambda, noise float64 }{
		{2, 0.1, 0}, {0.5, 0.3, 0.5}, {4, 1, 1}, {1.2, 0.01, 0.2},
	} {
		e := TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}, Noise: c.noise}, Alpha: c.alpha, Lambda: c.lambda, Loss: loss.Square{}}
		r, err := e.Solve()
		if err != nil {
			t.Fatal(err)
		}
		if r.Residual > e.withDefaults().Tol || r.QuadErr > 1e-12 || r.Status != Converged {
			t.Errorf("%+v: status %v, residual %v, quadrature error %v", c, r.Status, r.Residual, r.QuadErr)
		}
		cf := e.withDefaults().squareClosedForm()
		for _, p := range []struct {
			name      string
			got, want float64
		}{{"m", r.M, cf.M}, {"Ctt", r.Ctt, cf.Ctt}, {"V", r.V, cf.V}, {"train_loss", r.TrainLoss, cf.TrainLoss}, {"test_mse", r.TestMSE, cf.TestMSE}} {
			if !scalar.EqualWithinAbsOrRel(p.got, p.want, 1e-9, 1e-9) {
				t.Errorf("%+v: Newton %s = %.15g, closed form %.15g", c, p.name, p.got, p.want)
			}
		}
		// The test error of noisy sign labels: arccos of the correlation of r with h0 + σε.
		if want := math.Acos(r.M/math.Sqrt(r.Ctt*(1+c.noise*c.noise))) / math.Pi; math.Abs(r.TestErr-want) > 1e-15 {
			t.Errorf("%+v: test error %v, want %v", c, r.TestErr, want)
		}
	}
}

// TestTeacherERMLogisticLimits checks the logistic fixed point against two
// limits it must reach. As λ → ∞ the weights are w ≈ (1/λ)Σ_μ y_μ x_μ/(2√d)
// (ℓ'(0) = −½): m ≈ ακ/(2λ), Ctt ≈ (α²κ² + α)/(4λ²), so λm → ακ/2 and
// λ²Ctt → (α²κ² + α)/4 with O(1/λ) corrections (checked at λ = 1e4 to
// 1e-3). And the solver reports a residual below Tol and a small
// quadrature error.
func TestTeacherERMLogisticLimits(t *testing.T) {
	for _, c := range []struct{ alpha, noise float64 }{{2, 0}, {0.7, 0.5}} {
		e := TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}, Noise: c.noise}, Alpha: c.alpha, Lambda: 1e4, Loss: loss.Logistic{}}
		r, err := e.Solve()
		if err != nil {
			t.Fatal(err)
		}
		kappa := math.Sqrt(2/math.Pi) / math.Sqrt(1+c.noise*c.noise)
		a, l := c.alpha, e.Lambda
		if got, want := l*r.M, a*kappa/2; math.Abs(got/want-1) > 1e-3 {
			t.Errorf("%+v: λm = %v, want %v", c, got, want)
		}
		if got, want := l*l*r.Ctt, (a*a*kappa*kappa+a)/4; math.Abs(got/want-1) > 1e-3 {
			t.Errorf("%+v: λ²Ctt = %v, want %v", c, got, want)
		}
		if r.Residual > 1e-11 || r.QuadErr > 1e-12 {
			t.Errorf("%+v: residual %v, quadrature error %v", c, r.Residual, r.QuadErr)
		}
	}
}

// TestTeacherERMValidate checks that each bad field is named, and the λ = 0
// statuses.
func TestTeacherERMValidate(t *testing.T) {
	ok := TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}, Noise: 0.1}, Alpha: 2, Lambda: 0.1, Loss: loss.Logistic{}}
	for _, c := range []struct {
		mod  func(*TeacherERM)
		want string
	}{
		{func(e *TeacherERM) { e.Teacher.Link = nil }, "Teacher"},
		{func(e *TeacherERM) { e.Teacher.Noise = -1 }, "Teacher"},
		{func(e *TeacherERM) { e.Teacher.Link = teacher.ReLU{} }, "Teacher.Link"},
		{func(e *TeacherERM) { e.Teacher.Link = teacher.Linear{} }, "Loss"}, // logistic on real labels
		{func(e *TeacherERM) { e.Alpha = math.NaN() }, "Alpha"},
		{func(e *TeacherERM) { e.Lambda = -0.1 }, "Lambda"},
		{func(e *TeacherERM) { e.Loss = nil }, "Loss"},
		{func(e *TeacherERM) { e.Tol = 0.1 }, "Tol"},
		{func(e *TeacherERM) { e.MaxIter = -1 }, "MaxIter"},
	} {
		e := ok
		c.mod(&e)
		err := e.Validate()
		var fe *dynamics.FieldError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &fe) {
			t.Errorf("%+v: error %v, want a FieldError naming %s", e, err, c.want)
		}
	}
	for _, c := range []struct {
		e    TeacherERM
		want Status
	}{
		{TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}}, Alpha: 5, Loss: loss.Logistic{}}, Separable},
		{TeacherERM{Teacher: teacher.Model{Link: teacher.Linear{}, Noise: 0.3}, Alpha: 0.8, Loss: loss.Square{}}, Interpolating},
		{TeacherERM{Teacher: teacher.Model{Link: teacher.Sign{}, Noise: 0.3}, Alpha: 0.8, Loss: loss.Square{}}, Interpolating},
	} {
		r, err := c.e.Solve()
		if err == nil || r.Status != c.want || !math.IsNaN(r.M) {
			t.Errorf("%+v: status %v, error %v, m %v; want %v, an error and NaN", c.e, r.Status, err, r.M, c.want)
		}
	}
	// λ = 0 with the square loss and α > 1 is least squares: m = 1 (linear teacher).
	r, err := TeacherERM{Teacher: teacher.Model{Link: teacher.Linear{}, Noise: 0.3}, Alpha: 3, Loss: loss.Square{}}.Solve()
	if err != nil || math.Abs(r.M-1) > 1e-14 || math.Abs(r.Ctt-(1+0.09/2)) > 1e-14 {
		t.Errorf("least squares: %+v, %v; want m = 1, Ctt = 1 + σ²/(α − 1)", r, err)
	}
}
