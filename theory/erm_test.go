package theory

import (
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"gonum.org/v1/gonum/floats/scalar"
)

// iterTol bounds the distance of an ERM solution from the exact fixed point:
// the iteration stops at a relative change below Tol = 1e-11 per damped
// step; with a contraction factor r ≤ 0.9 (≤ 150 iterations are needed in
// these tests) the remaining distance is ≤ Tol·r/(1−r)/Damping ≈ 2e-10,
// and the quadrature adds ~1e-14.
const iterTol = 1e-9

// TestERMSquareIsFlowLimit: ridge ERM with square loss and no bias equals
// the t → ∞ limit of the square-loss flow (theory.md §3 vs §2, two
// independent computations).
func TestERMSquareIsFlowLimit(t *testing.T) {
	for _, c := range []struct{ alpha, delta, lambda, rho float64 }{
		{2, 0.5, 0.1, 0.3}, {0.5, 1, 0.2, 0.5}, {3, 2, 1, 0.7}, {4, 0.5, 0, 0.5},
	} {
		r, err := ERM{Model: mixture.TwoCluster(c.rho, c.delta), Alpha: c.alpha, Lambda: c.lambda, Loss: loss.Square{}}.Solve()
		if err != nil {
			t.Fatal(err)
		}
		lim, err := SquareGD{Alpha: c.alpha, Delta: c.delta, Lambda: c.lambda, C0: 1}.Limit()
		if err != nil {
			t.Fatal(err)
		}
		checkPoint(t, "ERM square", SquarePoint{T: lim.T, M: r.M, Ctt: r.Ctt, TrainLoss: r.TrainLoss, TestErr: r.TestErr}, lim, iterTol)
	}
}

// TestERMSquareBias: with a bias the square loss closes, b = (2ρ − 1)(1 − m)
// and V̂ = α/(1 + V) (theory.md §3), so λV² + (λ + αΔ − Δ)V − Δ = 0.
func TestERMSquareBias(t *testing.T) {
	const alpha, delta, lambda, rho = 1.5, 0.7, 0.3, 0.2
	r, err := ERM{Model: mixture.TwoCluster(rho, delta), Alpha: alpha, Lambda: lambda, Loss: loss.Square{}, Bias: true}.Solve()
	if err != nil {
		t.Fatal(err)
	}
	bq := lambda + alpha*delta - delta
	v := (-bq + math.Sqrt(bq*bq+4*lambda*delta)) / (2 * lambda)
	if !scalar.EqualWithinAbsOrRel(r.Bias, (2*rho-1)*(1-r.M), iterTol, iterTol) || !scalar.EqualWithinAbsOrRel(r.V, v, iterTol, iterTol) {
		t.Errorf("b = %v, V = %v; want (2ρ−1)(1−m) = %v, V = %v", r.Bias, r.V, (2*rho-1)*(1-r.M), v)
	}
}

// TestProx checks each proximal step P(a) = argmin_v (v−a)²/(2V) + ℓ(v)
// against a direct minimisation (golden section to 1e-12 on [a−5, a+5]
// after bracketing; the objective is convex) and P'(a) against a central
// difference (step 1e-6, away from the hinge kinks; error O(1e-8)).
func TestProx(t *testing.T) {
	for _, m := range []loss.Margin{loss.Logistic{}, loss.Square{}, loss.Hinge{}, loss.SquaredHinge{}} {
		px := newProx(m)
		for _, v := range []float64{0.05, 0.7, 3} {
			for _, a := range []float64{-6, -1.3, -0.2, 0.4, 0.95, 1.6, 8} {
				p, dp := px.eval(a, v)
				obj := func(x float64) float64 { l, _, _ := m.Eval(x); return (x-a)*(x-a)/(2*v) + l }
				want := golden(obj, a-v-5, a+v+5)
				if math.Abs(p-want) > 1e-6 {
					t.Errorf("%T a=%v V=%v: P = %v, direct minimum at %v", m, a, v, p, want)
				}
				near := false
				for _, k := range px.kinks(v) {
					near = near || math.Abs(a-k) < 1e-3
				}
				if near {
					continue
				}
				const h = 1e-6
				p1, _ := px.eval(a+h, v)
				p0, _ := px.eval(a-h, v)
				if fd := (p1 - p0) / (2 * h); math.Abs(fd-dp) > 1e-6 {
					t.Errorf("%T a=%v V=%v: P' = %v, finite difference %v", m, a, v, dp, fd)
				}
			}
		}
	}
}

// golden minimises a unimodal f on [lo, hi] by golden-section search; the
// location error is ~√ε relative for smooth minima (hence the 1e-6 above).
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

// TestERMQuadrature: the fixed point with ermPans panels equals the one
// with 4× as many panels to 1e-12 (the quadrature error of the averages is
// far below the iteration tolerance).
func TestERMQuadrature(t *testing.T) {
	for _, m := range []loss.Margin{loss.Logistic{}, loss.Hinge{}} {
		e := ERM{Model: mixture.TwoCluster(0.3, 0.5), Alpha: 2, Lambda: 0.1, Loss: m, Bias: true}
		px := newProx(m)
		a := e.averages(px, 1.2, 2.5, 1.3, -0.4)
		b := e.averagesPans(px, 1.2, 2.5, 1.3, -0.4, 4*ermPans)
		for _, c := range [][2]float64{{a.f, b.f}, {a.f2, b.f2}, {a.yf, b.yf}, {a.dfdw, b.dfdw}, {a.loss, b.loss}} {
			if !scalar.EqualWithinAbsOrRel(c[0], c[1], 1e-12, 1e-12) {
				t.Errorf("%T: %+v with %d panels, %+v with %d", m, a, ermPans, b, 4*ermPans)
				break
			}
		}
	}
}

// TestERMFailures: a logistic fit without ridge on linearly separable data
// (α = 0.5 < the separability threshold at Δ = 0.1) has no finite minimiser
// and must return an error and NaN observables; so must an iteration limit.
func TestERMFailures(t *testing.T) {
	r, err := ERM{Model: mixture.TwoCluster(0.5, 0.1), Alpha: 0.5, Loss: loss.Logistic{}, MaxIter: 100000}.Solve()
	if err == nil || r.Status != Diverged || !math.IsNaN(r.M) || !math.IsNaN(r.TestErr) {
		t.Errorf("separable, λ = 0: %+v, %v; want status diverged, NaN and an error", r, err)
	}
	r, err = ERM{Model: mixture.TwoCluster(0.5, 0.5), Alpha: 2, Lambda: 0.1, Loss: loss.Logistic{}, MaxIter: 3}.Solve()
	if err == nil || r.Status != IterationLimit || r.Iterations != 3 || !math.IsNaN(r.Ctt) {
		t.Errorf("MaxIter = 3: %+v, %v; want status iteration limit, NaN and an error", r, err)
	}
	ok := ERM{Model: mixture.TwoCluster(0.5, 0.5), Alpha: 2, Lambda: 0.1, Loss: loss.Logistic{}}
	for _, c := range []struct {
		mod  func(*ERM)
		want string
	}{
		{func(e *ERM) { e.Alpha = -1 }, "Alpha"},
		{func(e *ERM) { e.Lambda = math.Inf(1) }, "Lambda"},
		{func(e *ERM) { e.Loss = nil }, "Loss"},
		{func(e *ERM) { e.Damping = 1.5 }, "Damping"},
		{func(e *ERM) { e.MaxIter = -2 }, "MaxIter"},
		{func(e *ERM) { e.Model = mixture.ThreeCluster(0.5, 0.5) }, "two-cluster"},
		{func(e *ERM) { e.Model = mixture.TwoCluster(0.5, 0) }, "Delta"},
	} {
		e := ok
		c.mod(&e)
		if _, err := e.Solve(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one naming %s", err, c.want)
		}
	}
}
