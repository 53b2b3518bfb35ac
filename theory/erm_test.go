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

// newtonOnly hides a margin loss's closed-form prox (loss.Proxer), so that
// the ERM uses the generic Newton prox; it keeps the kinks.
type newtonOnly struct{ loss.Margin }

func (n newtonOnly) Kinks() []float64 { return loss.Kinks(n.Margin) }

// TestERMRegistry: the ERM solves for every registered margin loss, with
// and without bias, through the loss's prox alone; for the smooth losses
// with a closed-form prox, the generic Newton prox gives the same fixed
// point to iterTol (the two proxes agree to 1e-13, loss.TestProxFallback).
func TestERMRegistry(t *testing.T) {
	for _, name := range loss.MarginNames() {
		m, _ := loss.ParseMargin(name)
		for _, bias := range []bool{false, true} {
			e := ERM{Model: mixture.TwoCluster(0.3, 0.5), Alpha: 2, Lambda: 0.1, Loss: m, Bias: bias}
			r, err := e.Solve()
			if err != nil || r.Status != Converged || !(r.M > 0) || !(r.Ctt > r.M*r.M) {
				t.Errorf("%s bias=%v: %+v, %v; want a converged fixed point with 0 < m² < q", name, bias, r, err)
				continue
			}
			if _, ok := m.(loss.Proxer); !ok || !loss.IsSmooth(m) {
				continue
			}
			e.Loss = newtonOnly{m}
			g, err := e.Solve()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range [][2]float64{{r.M, g.M}, {r.Ctt, g.Ctt}, {r.V, g.V}, {r.Bias, g.Bias}, {r.TrainLoss, g.TrainLoss}} {
				if !scalar.EqualWithinAbsOrRel(c[0], c[1], iterTol, iterTol) {
					t.Errorf("%s bias=%v: closed-form prox %+v, Newton prox %+v", name, bias, r, g)
					break
				}
			}
		}
	}
}

// TestERMQuadrature: the fixed point with ermPans panels equals the one
// with 4× as many panels to 1e-12 (the quadrature error of the averages is
// far below the iteration tolerance).
func TestERMQuadrature(t *testing.T) {
	for _, m := range []loss.Margin{loss.Logistic{}, loss.Hinge{}} {
		e := ERM{Model: mixture.TwoCluster(0.3, 0.5), Alpha: 2, Lambda: 0.1, Loss: m, Bias: true}
		px, err := loss.NewProx(m)
		if err != nil {
			t.Fatal(err)
		}
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

// nonSmooth is a hinge-like loss with a jump in ℓ' and no closed-form prox:
// the ERM cannot be written for it.
type nonSmooth struct{}

func (nonSmooth) Eval(z float64) (l, dl, d2l float64) { return loss.Hinge{}.Eval(z) }
func (nonSmooth) Name() string                        { return "kinked" }
func (nonSmooth) Smooth() bool                        { return false }

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
		{func(e *ERM) { e.Loss = nonSmooth{} }, "Loss: loss: kinked"},
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
