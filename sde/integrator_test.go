package sde

import (
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/integrators"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// exactSquareFlow returns the square-loss gradient flow at time t,
// w(t) = e^{−Ht} w_0 + g_t(H) c with g_t(ζ) = (1 − e^{−ζt})/ζ, H = XᵀX/d + λ,
// c = Xᵀy/√d, by eigendecomposition of H.
func exactSquareFlow(ds *mixture.Dataset, lambda float64, w0 []float64, t float64) []float64 {
	d, n := ds.D, ds.N
	x := mat.NewDense(n, d, ds.X)
	var h mat.SymDense
	h.SymOuterK(1/float64(d), x.T())
	for i := 0; i < d; i++ {
		h.SetSym(i, i, h.At(i, i)+lambda)
	}
	var eig mat.EigenSym
	if !eig.Factorize(&h, true) {
		panic("eigendecomposition failed")
	}
	var u mat.Dense
	eig.VectorsTo(&u)
	zeta := eig.Values(nil)
	c := mat.NewVecDense(d, nil)
	c.MulVec(x.T(), mat.NewVecDense(n, ds.Y))
	c.ScaleVec(1/math.Sqrt(float64(d)), c)
	var cu, wu mat.VecDense // coordinates in the eigenbasis
	cu.MulVec(u.T(), c)
	wu.MulVec(u.T(), mat.NewVecDense(d, w0))
	for i, z := range zeta {
		e := math.Exp(-z * t)
		g := t // ζ → 0 limit of (1 − e^{−ζt})/ζ
		if math.Abs(z*t) > 1e-12 {
			g = -math.Expm1(-z*t) / z
		}
		wu.SetVec(i, e*wu.AtVec(i)+g*cu.AtVec(i))
	}
	var w mat.VecDense
	w.MulVec(&u, &wu)
	return w.RawVector().Data
}

// TestIntegratorOrder fits the slope of log(error) against log(step) for
// the square-loss flow at finite d: Euler is first order, Heun second. The
// steps are small enough (h·ζ_max ≤ 0.25) for the leading error term to
// dominate; the next term changes a fitted slope by O(h·ζ_max) ≈ 0.1 at
// most, hence the ±0.15 window.
func TestIntegratorOrder(t *testing.T) {
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5),
		Loss:  loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
		Alpha: 2, Lambda: 0.1, T: 2, M0: 0.1, C0: 1,
	}
	steps := []float64{0.05, 0.025, 0.0125, 0.00625}
	for _, c := range []struct {
		m     integrators.Method
		order float64
	}{{integrators.EulerMethod, 1}, {integrators.HeunMethod, 2}} {
		var lh, le []float64
		for _, h := range steps {
			p.Eta = h
			r, err := NewRun(p, Settings{D: 40, Seed: 2, Integrator: c.m}, 0)
			if err != nil {
				t.Fatal(err)
			}
			w0 := append([]float64(nil), r.W...)
			for k := 0; k < p.Steps(); k++ {
				r.Step(false)
			}
			want := exactSquareFlow(r.Data, p.Lambda, w0, p.T)
			e := 0.0
			for i := range want {
				e = math.Max(e, math.Abs(r.W[i]-want[i]))
			}
			lh, le = append(lh, math.Log(h)), append(le, math.Log(e))
		}
		_, slope := stat.LinearRegression(lh, le, nil, false)
		if math.Abs(slope-c.order) > 0.15 {
			t.Errorf("%v: fitted order %.3f, want %v", c.m, slope, c.order)
		} else {
			t.Logf("%v: fitted order %.3f", c.m, slope)
		}
	}
}
