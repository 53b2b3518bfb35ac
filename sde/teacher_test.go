package sde

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/internal/vec"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

func teacherProblem(link teacher.Link, sigma float64, margin loss.Margin) dynamics.Problem {
	return dynamics.Problem{
		Teacher: &teacher.Model{Link: link, Noise: sigma},
		Loss:    loss.Func{Margin: margin, Output: loss.Linear{}},
		Alpha:   3, Eta: 0.1, T: 5, M0: 0.2, C0: 1.04,
	}
}

// TestTeacherSquareGDExact runs the linear teacher (σ = 0.3) with the
// square loss, full-batch GD, d = 400, α = 3, η = 0.1, 50 steps, m0 = 0.2,
// C0 = 1.04 (the peer's initialisation), λ = 0 and 0.5, and compares:
//
//   - the iterate with the exact matrix form w_k = A^k w_0 + η Σ A^j c
//     (exactSquareGD: dense algebra, an independent route from the fused
//     pass) to 1e-10 relative (round-off, ~1e-16 per operation over 50
//     steps, is far below);
//   - the recorded m, Ctt, training loss and training MSE of Simulate's
//     seed 0 (the same data) with their direct evaluation at the exact
//     iterate, to 1e-9 relative (the same round-off).
//
// The mutation, the exact form with λ × 1.05 (or λ = 0.025 for λ = 0),
// must differ from the iterate by more than the tolerance.
func TestTeacherSquareGDExact(t *testing.T) {
	const d = 400
	for _, lambda := range []float64{0, 0.5} {
		p := teacherProblem(teacher.Linear{}, 0.3, loss.Square{})
		p.Lambda = lambda
		set := Settings{D: d, Seeds: 1, TestSamples: -1, Seed: 21}
		r, err := NewRun(p, set, 0)
		if err != nil {
			t.Fatal(err)
		}
		w0 := append([]float64(nil), r.W...)
		k := p.Steps()
		for range k {
			r.Step(false)
		}
		want := exactSquareGD(r, w0, k)
		if diff, norm := maxDiff(r.W, want); diff > 1e-10*norm {
			t.Errorf("λ=%v: max |w − w_exact| = %v (|w|∞ = %v)", lambda, diff, norm)
		}
		mut := r.P
		mut.Lambda = math.Max(1.05*lambda, 0.025)
		rm := *r
		rm.P = mut
		if diff, norm := maxDiff(r.W, exactSquareGD(&rm, w0, k)); diff <= 1e-10*norm {
			t.Errorf("λ=%v: the exact form at λ = %v matches too (diff %v): the check cannot fail", lambda, mut.Lambda, diff)
		}

		e, err := Simulate(context.Background(), p, set)
		if err != nil {
			t.Fatal(err)
		}
		last := len(e.Times) - 1
		tds := r.Teacher
		var l, mse float64
		for mu := range tds.N {
			res := tds.Y[mu] - vec.Dot(tds.Row(mu), want)/math.Sqrt(d)
			mse += res * res
		}
		mse /= float64(tds.N)
		l = mse / 2
		for _, c := range []struct {
			o    dynamics.Observable
			want float64
		}{
			{dynamics.M, vec.Dot(want, tds.Vstar) / d},
			{dynamics.Ctt, vec.Dot(want, want) / d},
			{dynamics.TrainLoss, l},
			{dynamics.TrainErr, mse},
		} {
			if got := e.Seeds[0].Obs[c.o][last]; math.Abs(got-c.want) > 1e-9*math.Abs(c.want) {
				t.Errorf("λ=%v: recorded %v = %v, exact %v", lambda, c.o, got, c.want)
			}
		}
		t.Logf("λ=%v: m(T) = %.6f, Ctt(T) = %.6f, train MSE %.6f, test MSE (closed form) %.6f", lambda,
			e.Seeds[0].Obs[dynamics.M][last], e.Seeds[0].Obs[dynamics.Ctt][last], mse, e.Seeds[0].Obs[dynamics.TestErr][last])
	}
}

func maxDiff(a, b []float64) (diff, norm float64) {
	for i := range a {
		diff = math.Max(diff, math.Abs(a[i]-b[i]))
		norm = math.Max(norm, math.Abs(b[i]))
	}
	return diff, norm
}

// TestTeacherH0 checks the simulator's data for every link: |v*|² = d
// (1e-9: round-off of the rescaling), h0_μ = v*·x_μ/√d to 1e-12 relative
// (round-off of a 300-term sum), and y_μ = Label(h0_μ) without noise; and
// the initial overlap m(0) = m0 + O(√(C0 − m0²)/√d): within 5 standard
// deviations √((C0 − m0²)/d) (false-failure rate 6e-7).
func TestTeacherH0(t *testing.T) {
	const d = 300
	for _, link := range []teacher.Link{teacher.Linear{}, teacher.Sign{}, teacher.ReLU{}} {
		p := teacherProblem(link, 0, loss.Square{})
		r, err := NewRun(p, Settings{D: d, Seed: 4}, 2)
		if err != nil {
			t.Fatal(err)
		}
		tds := r.Teacher
		if r.Data != nil || tds == nil {
			t.Fatal("teacher run without Teacher dataset")
		}
		if vv := vec.Dot(tds.Vstar, tds.Vstar); math.Abs(vv-d) > 1e-9 {
			t.Errorf("%s: |v*|² = %v", link.Name(), vv)
		}
		for mu := range tds.N {
			h := vec.Dot(tds.Vstar, tds.Row(mu)) / math.Sqrt(d)
			if math.Abs(h-tds.H0[mu]) > 1e-12*(1+math.Abs(h)) {
				t.Fatalf("%s: h0[%d] = %v, v*·x/√d = %v", link.Name(), mu, tds.H0[mu], h)
			}
			if y := link.Label(tds.H0[mu], 0, 0); y != tds.Y[mu] {
				t.Fatalf("%s: y[%d] = %v, Label(h0) = %v", link.Name(), mu, tds.Y[mu], y)
			}
		}
		m0 := vec.Dot(r.W, tds.Vstar) / d
		if sd := math.Sqrt((p.C0 - p.M0*p.M0) / d); math.Abs(m0-p.M0) > 5*sd {
			t.Errorf("%s: m(0) = %v, want %v ± %v", link.Name(), m0, p.M0, sd)
		}
	}
}

// TestTeacherFreshConsistency runs every algorithm on the sign teacher
// (σ = 0.1) with the logistic loss and on the ReLU teacher (σ = 0.2) with
// the square loss, d = 200, 6 seeds, and compares at the final record the
// closed-form test error (theory.TeacherTestError at the run's m, Ctt: the
// misclassification rate, resp. the test MSE) with the empirical one on the
// seed's n_t = 8000 fresh samples. Given w, the empirical value is a mean
// of n_t i.i.d. terms, of variance ε(1 − ε)/n_t for ±1 labels and
// (E[e⁴] − ε²)/n_t for the squared residual e = y − r (E[e⁴] by a Monte
// Carlo of 10⁵ draws of (h0, r, ε) at the same m, Ctt, whose own error is
// negligible). The seeds are independent (own data, weights and test set),
// so the pooled z = Σ(emp − th)/√Σvar is standard normal; it must lie within
// ±5 (false-failure rate 6e-7). The mutation, the closed form at m × 1.05,
// must give |z| > 5. A sanity check on the sign teacher: its mean test
// error drops by more than 0.1 (learning happened).
func TestTeacherFreshConsistency(t *testing.T) {
	const nt = 8000
	for _, c := range []struct {
		link   teacher.Link
		sigma  float64
		margin loss.Margin
	}{{teacher.Sign{}, 0.1, loss.Logistic{}}, {teacher.ReLU{}, 0.2, loss.Square{}}} {
		for _, algo := range []dynamics.Algorithm{dynamics.GD, dynamics.SGD, dynamics.PSGD, dynamics.SGF} {
			p := teacherProblem(c.link, c.sigma, c.margin)
			p.Algo, p.Eta, p.T, p.M0, p.C0 = algo, 0.2, 8, 0, 0.5
			if algo != dynamics.GD {
				p.B, p.Tau = 0.5, 1
			}
			if algo == dynamics.SGF {
				p.Eta = 0.05
			}
			name := fmt.Sprintf("%s/%v", c.link.Name(), algo)
			e, err := Simulate(context.Background(), p, Settings{D: 200, Seeds: 6, TestSamples: nt, Seed: 8, Every: 20})
			if err != nil {
				t.Fatal(name, err)
			}
			last := len(e.Times) - 1
			var dz, dzMut, v float64
			for _, tr := range e.Seeds {
				m, q := tr.Obs[dynamics.M][last], tr.Obs[dynamics.Ctt][last]
				th, emp := tr.Obs[dynamics.TestErr][last], tr.Obs[dynamics.TestErrEmp][last]
				if got := theoryErr(p, m, q); got != th {
					t.Fatalf("%s: recorded test error %v, theory %v", name, th, got)
				}
				dz += emp - th
				dzMut += emp - theoryErr(p, 1.05*m, q)
				if c.link.Binary() {
					v += th * (1 - th) / nt
				} else {
					v += (residual4(*p.Teacher, m, q) - th*th) / nt
				}
			}
			z, zMut := dz/math.Sqrt(v), dzMut/math.Sqrt(v)
			t.Logf("%s: final test error %.4f (closed form, seed 0), z = %.2f, mutant z = %.2f", name, e.Seeds[0].Obs[dynamics.TestErr][last], z, zMut)
			if math.Abs(z) > 5 {
				t.Errorf("%s: empirical vs closed-form test error z = %v", name, z)
			}
			if math.Abs(zMut) <= 5 {
				t.Errorf("%s: the mutant (m × 1.05) gives z = %v: the check cannot fail", name, zMut)
			}
			if c.link.Binary() {
				if e0, e1 := e.Mean(dynamics.TestErr)[0], e.Mean(dynamics.TestErr)[last]; !(e1 < e0-0.1) {
					t.Errorf("%s: test error %v → %v: no learning", name, e0, e1)
				}
			}
		}
	}
}

// theoryErr is the closed-form test error of p's teacher at (m, q).
func theoryErr(p dynamics.Problem, m, q float64) float64 {
	return theory.TeacherTestError(*p.Teacher, p.Loss.Output, m, q)
}

// residual4 returns a Monte-Carlo estimate of E[(y − r)⁴] over 10⁵ fresh
// samples (h0, r) ~ N(0, [[1, m], [m, q]]), y = Label(h0, ε, σ).
func residual4(tm teacher.Model, m, q float64) float64 {
	const n = 100000
	rnd := rng.New(99, math.Float64bits(m))
	s := 0.0
	for range n {
		h0 := rnd.NormFloat64()
		r := m*h0 + math.Sqrt(math.Max(0, q-m*m))*rnd.NormFloat64()
		e := tm.Link.Label(h0, rnd.NormFloat64(), tm.Noise) - r
		s += e * e * e * e
	}
	return s / n
}

// TestTeacherDeterministic: a teacher ensemble is bit-identical for any
// number of workers and threads per run, and the float32 storage of X runs
// (its iterate differs from float64 storage by O(1e-7), see
// TestFloat32Storage; here only that it runs and differs).
func TestTeacherDeterministic(t *testing.T) {
	p := teacherProblem(teacher.Sign{}, 0.2, loss.Logistic{})
	p.Algo, p.B, p.Tau, p.T = dynamics.PSGD, 0.3, 1, 2
	var ref *Ensemble
	for _, c := range []struct{ w, th int }{{1, 1}, {2, 1}, {3, 1}, {1, 2}} {
		e, err := Simulate(context.Background(), p, Settings{D: 50, Seeds: 3, Workers: c.w, Threads: c.th, TestSamples: 100, Seed: 9, Every: 4})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = e
			continue
		}
		for s := range e.Seeds {
			for o := range dynamics.NumObservables {
				for j, v := range e.Seeds[s].Obs[o] {
					if v != ref.Seeds[s].Obs[o][j] {
						t.Fatalf("workers=%d threads=%d seed %d %v[%d] = %v, with 1 worker %v", c.w, c.th, s, o, j, v, ref.Seeds[s].Obs[o][j])
					}
				}
			}
		}
	}
	e, err := Simulate(context.Background(), p, Settings{D: 50, Seeds: 3, TestSamples: 100, Seed: 9, Every: 4, Float32: true})
	if err != nil {
		t.Fatal(err)
	}
	last := len(e.Times) - 1
	if a, b := e.Seeds[0].Obs[dynamics.M][last], ref.Seeds[0].Obs[dynamics.M][last]; a == b || math.Abs(a-b) > 1e-5 {
		t.Errorf("float32 storage: m(T) = %v, float64 %v: want a difference in (0, 1e-5]", a, b)
	}
}
