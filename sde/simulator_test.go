package sde

import (
	"context"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/integrators"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"gonum.org/v1/gonum/mat"
)

func logisticProblem() dynamics.Problem {
	return dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5),
		Loss:  loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Eta: 0.1, T: 1, C0: 1,
	}
}

// exactSquareGD returns the exact square-loss GD iterate at step k,
// w_k = (I − ηH)^k w_0 + η Σ_{j<k} (I − ηH)^j c, with H = XᵀX/d + λ and
// c = Xᵀy/√d, evaluated by dense matrix algebra (an independent route from
// the simulator's fused pass).
func exactSquareGD(r *Run, w0 []float64, k int) []float64 {
	var d, n int
	var xs, ys []float64
	if ds := r.Data; ds != nil {
		d, n, xs, ys = ds.D, ds.N, ds.X, ds.Y
	} else {
		d, n, xs, ys = r.Teacher.D, r.Teacher.N, r.Teacher.X, r.Teacher.Y
	}
	x := mat.NewDense(n, d, xs)
	h := mat.NewDense(d, d, nil)
	h.Mul(x.T(), x)
	h.Scale(1/float64(d), h)
	a := mat.NewDense(d, d, nil) // I − ηH
	for i := 0; i < d; i++ {
		h.Set(i, i, h.At(i, i)+r.P.Lambda)
	}
	a.Scale(-r.P.Eta, h)
	for i := 0; i < d; i++ {
		a.Set(i, i, 1+a.At(i, i))
	}
	c := mat.NewVecDense(d, nil)
	c.MulVec(x.T(), mat.NewVecDense(n, ys))
	c.ScaleVec(1/math.Sqrt(float64(d)), c)
	w := mat.NewVecDense(d, append([]float64(nil), w0...))
	// w_k = A^k w_0 + η Σ_{j<k} A^j c, accumulated as powers of A.
	pow := mat.NewVecDense(d, nil)
	pow.CloneFromVec(c)
	sum := mat.NewVecDense(d, nil)
	tmp := mat.NewVecDense(d, nil)
	for j := 0; j < k; j++ {
		sum.AddVec(sum, pow)
		tmp.MulVec(a, pow)
		pow.CloneFromVec(tmp)
		tmp.MulVec(a, w)
		w.CloneFromVec(tmp)
	}
	w.AddScaledVec(w, r.P.Eta, sum)
	return w.RawVector().Data
}

// TestSquareGDExact: the simulator's full-batch square-loss iterate equals
// the exact matrix form to 1e-10 relative (round-off accumulates over k
// steps at ~1e-16 per operation, far below that).
func TestSquareGDExact(t *testing.T) {
	for _, lambda := range []float64{0, 0.3} {
		p := dynamics.Problem{
			Model: mixture.TwoCluster(0.4, 0.5),
			Loss:  loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
			Alpha: 1.5, Lambda: lambda, Eta: 0.2, T: 8, M0: 0.2, C0: 1,
		}
		r, err := NewRun(p, Settings{D: 60, Seed: 5}, 0)
		if err != nil {
			t.Fatal(err)
		}
		w0 := append([]float64(nil), r.W...)
		k := p.Steps()
		for i := 0; i < k; i++ {
			r.Step(false)
		}
		want := exactSquareGD(r, w0, k)
		diff, norm := 0.0, 0.0
		for i := range want {
			diff = math.Max(diff, math.Abs(r.W[i]-want[i]))
			norm = math.Max(norm, math.Abs(want[i]))
		}
		if diff > 1e-10*norm {
			t.Errorf("lambda=%v: max |w - w_exact| = %v (|w|∞ = %v)", lambda, diff, norm)
		}
	}
}

// TestWorkersDeterministic: the same seed gives bit-identical ensembles for
// any number of workers and of threads per run.
func TestWorkersDeterministic(t *testing.T) {
	p := logisticProblem()
	p.Algo, p.B, p.Tau = dynamics.PSGD, 0.3, 1
	var ref *Ensemble
	for _, c := range []struct{ w, th int }{{1, 1}, {2, 1}, {5, 1}, {1, 2}, {2, 3}} {
		w := c.w
		e, err := Simulate(context.Background(), p, Settings{D: 50, Seeds: 5, Workers: w, Threads: c.th, TestSamples: 100, Seed: 9, Every: 3})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = e
			continue
		}
		for s := range e.Seeds {
			for o := dynamics.Observable(0); o < dynamics.NumObservables; o++ {
				for j, v := range e.Seeds[s].Obs[o] {
					if v != ref.Seeds[s].Obs[o][j] {
						t.Fatalf("workers=%d seed %d %v[%d] = %v, with 1 worker %v", w, s, o, j, v, ref.Seeds[s].Obs[o][j])
					}
				}
			}
		}
	}
	if got, want := len(ref.Times), 5; got != want { // steps 0,3,6,9,10
		t.Errorf("%d record times, want %d", got, want)
	}
}

// TestRecordConsistency: the training loss recorded from the fused pass
// equals a direct evaluation at the same w, and the closed-form test error
// agrees with the empirical one within 5 standard errors of the latter
// (binomial with n = TestSamples; false-failure rate 6e-7 per check).
func TestRecordConsistency(t *testing.T) {
	p := logisticProblem()
	p.Algo, p.B = dynamics.SGD, 0.5
	const nt = 4000
	e, err := Simulate(context.Background(), p, Settings{D: 100, Seeds: 2, TestSamples: nt, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range e.Seeds {
		for j := range e.Times {
			th, emp := tr.Obs[dynamics.TestErr][j], tr.Obs[dynamics.TestErrEmp][j]
			if se := math.Sqrt(th * (1 - th) / nt); math.Abs(th-emp) > 5*se {
				t.Errorf("t=%v: test error %v, empirical %v ± %v", e.Times[j], th, emp, se)
			}
		}
	}
	// Direct re-evaluation at the final time from a fresh run of seed 0.
	r, _ := NewRun(p, Settings{D: 100, Seed: 3}, 0)
	for i := 0; i < p.Steps(); i++ {
		r.Step(false)
	}
	r.Fields()
	l := 0.0
	for mu, rm := range r.R {
		v, _, _ := p.Loss.Eval(r.Data.Y[mu], rm)
		l += v
	}
	l /= float64(len(r.R))
	last := len(e.Times) - 1
	if got := e.Seeds[0].Obs[dynamics.TrainLoss][last]; math.Abs(got-l) > 1e-12 {
		t.Errorf("final training loss %v, direct %v", got, l)
	}
	_ = integrators.EulerMethod
}

func TestDivergence(t *testing.T) {
	p := logisticProblem()
	p.Loss.Margin = loss.Square{}
	p.Eta, p.T = 3, 300 // ηλ_max(H) ≫ 2: square-loss GD diverges geometrically
	_, err := Simulate(context.Background(), p, Settings{D: 50, Seeds: 2, TestSamples: -1})
	if err == nil {
		t.Fatal("no error for a diverging run")
	}
	t.Log(err)
}

// TestFloat32Storage: storing X in float32 perturbs each entry by at most
// 2⁻²⁴ ≈ 6e-8 relative. Over K = 20 logistic GD steps with η‖H‖ < 1 the
// iterate moves by at most about K·η·‖H‖·|w|·6e-8 ≈ 1e-6 relative; the
// test allows 1e-5. It also checks the float32 run actually differs (it is
// not silently float64).
func TestFloat32Storage(t *testing.T) {
	p := logisticProblem()
	p.T = 2
	var ws [2][]float64
	for i, f32 := range []bool{false, true} {
		r, err := NewRun(p, Settings{D: 120, Seed: 4, Float32: f32}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < p.Steps(); k++ {
			r.Step(false)
		}
		ws[i] = r.W
	}
	diff, norm := 0.0, 0.0
	for i := range ws[0] {
		diff = math.Max(diff, math.Abs(ws[0][i]-ws[1][i]))
		norm = math.Max(norm, math.Abs(ws[0][i]))
	}
	if diff > 1e-5*norm || diff == 0 {
		t.Errorf("max |w64 − w32| = %v (|w|∞ = %v), want in (0, 1e-5·|w|∞]", diff, norm)
	}
}

// TestDisplacement: the recorded displacement is |w_k − w_l|²/d between
// consecutive recorded steps, zero at the first, recomputed here from a
// fresh run of the same seed (round-off only).
func TestDisplacement(t *testing.T) {
	p := logisticProblem()
	p.Algo, p.B, p.Tau = dynamics.PSGD, 0.3, 1
	const every = 3
	e, err := Simulate(context.Background(), p, Settings{D: 80, Seeds: 1, Every: every, TestSamples: -1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRun(p, Settings{D: 80, Seed: 4}, 0)
	if err != nil {
		t.Fatal(err)
	}
	prev := append([]float64(nil), r.W...)
	got := e.Seeds[0].Obs[dynamics.Disp]
	if got[0] != 0 {
		t.Errorf("displacement at the first record = %v, want 0", got[0])
	}
	k := 0
	for j := 1; j < len(e.Steps); j++ {
		for ; k < e.Steps[j]; k++ {
			r.Step(false)
		}
		want := 0.0
		for i, w := range r.W {
			want += (w - prev[i]) * (w - prev[i])
		}
		want /= float64(len(r.W))
		if math.Abs(got[j]-want) > 1e-12*want {
			t.Errorf("record %d (step %d): displacement %v, direct %v", j, k, got[j], want)
		}
		copy(prev, r.W)
	}
}
