package dmft

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// teacherPSGD is a small sampled teacher problem: sign teacher with label
// noise, logistic loss, psgd b = 0.3, τ = 1.
func teacherPSGD() dynamics.Problem {
	p := teacherProblem(teacher.Model{Link: teacher.Sign{}, Noise: 0.3}, loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}, 2, 0.1, 0.1, 3, 0.1, 1)
	p.Algo, p.B, p.Tau = dynamics.PSGD, 0.3, 1
	return p
}

// TestTeacherWorkersIndependent: the teacher's draws (h0, labels, response
// subset) are per batch and per stream, so the result is bit-identical for
// any number of workers.
func TestTeacherWorkersIndependent(t *testing.T) {
	var ref *Solution
	for _, w := range []int{1, 3} {
		sol, err := Solve(context.Background(), teacherPSGD(), Settings{Samples: 600, Batches: 5, ResponseSamples: 200, Workers: w, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = sol
			continue
		}
		sameBits(t, fmt.Sprintf("workers = %d", w), sol, ref)
	}
}

// TestTeacherIterateAgreesWithMarch: for the teacher too, the damped global
// iteration and the causal march agree within their combined errors (gd and
// psgd, as TestIterateAgreesWithMarch). compareSolutions allows the
// mixture's batchBias, which bounds the batch bias measured for these sign
// teacher problems (TestMeasureTeacherBias: m ≤ 1.40, Ctt ≤ 1.18, training
// loss ≤ 0.61, training error ≤ 2.91, test error ≤ 0.51, test loss ≤ 0.30).
func TestTeacherIterateAgreesWithMarch(t *testing.T) {
	for _, algo := range []dynamics.Algorithm{dynamics.GD, dynamics.PSGD} {
		p := teacherPSGD()
		if algo == dynamics.GD {
			p.Algo, p.B, p.Tau = dynamics.GD, 0, 0
		}
		march, err := Solve(context.Background(), p, Settings{Samples: 8000, Batches: 20, Seed: 30})
		if err != nil {
			t.Fatal(err)
		}
		it, err := Solve(context.Background(), p, Settings{Samples: 8000, Batches: 20, Seed: 31, Method: Iterate{Iters: 30, Tol: 1e-9}})
		if err != nil && !errors.Is(err, ErrNotConverged) {
			t.Fatal(err)
		}
		compareSolutions(t, "teacher "+algo.String(), march, it)
	}
}

// TestTeacherResponseSubset: Γ from a quarter of the trajectories (one pair
// drawn per coarse h0 stratum) changes nothing beyond the Monte-Carlo error,
// for gd and psgd.
func TestTeacherResponseSubset(t *testing.T) {
	for _, algo := range []dynamics.Algorithm{dynamics.GD, dynamics.PSGD} {
		p := teacherPSGD()
		if algo == dynamics.GD {
			p.Algo, p.B, p.Tau = dynamics.GD, 0, 0
		}
		all, err := Solve(context.Background(), p, Settings{Samples: 4000, Batches: 20, Seed: 32})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := Solve(context.Background(), p, Settings{Samples: 4000, ResponseSamples: 1000, Batches: 20, Seed: 33})
		if err != nil {
			t.Fatal(err)
		}
		compareSolutions(t, "teacher response subset "+algo.String(), all, sub)
	}
}

// TestTeacherFresh checks the fresh-sample formulas (teacherFresh) against
// direct two-dimensional quadrature over (h0, z) and (h0, label noise),
// to the quadrature's accuracy (1e-9: nested Gauss–Legendre panels split at
// the kinks; the skew-normal form and the closed forms are exact).
func TestTeacherFresh(t *testing.T) {
	logi := loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}
	sq := squareLoss()
	for _, c := range []struct {
		tm   teacher.Model
		fn   loss.Func
		m, q float64
	}{
		{teacher.Model{Link: teacher.Sign{}}, logi, 0.7, 1.3},
		{teacher.Model{Link: teacher.Sign{}, Noise: 0.5}, logi, 0.4, 0.5},
		{teacher.Model{Link: teacher.Sign{}, Noise: 0.5}, loss.Func{Margin: loss.SquaredHinge{}, Output: loss.Linear{}}, -0.3, 2},
		{teacher.Model{Link: teacher.ReLU{}, Noise: 0.3}, sq, 0.4, 0.5},
		{teacher.Model{Link: teacher.Linear{}, Noise: 0.3}, sq, 0.9, 1.1},
	} {
		te, tl := teacherFresh(c.tm, c.fn, c.m, c.q)
		// The closed forms the solver records (package theory), written
		// independently of teacherFresh.
		if pe, pl := theory.TeacherTestError(c.tm, c.fn.Output, c.m, c.q), theory.TeacherTestLoss(c.tm, c.fn, c.m, c.q); math.Abs(pe-te) > 1e-9 || math.Abs(pl-tl) > 1e-9 {
			t.Errorf("%v m=%v q=%v: theory gives %v, %v; teacherFresh %v, %v", c.tm, c.m, c.q, pe, pl, te, tl)
		}
		s := math.Sqrt(c.q - c.m*c.m)
		sig := c.tm.Noise
		var wantE, wantL float64
		if c.tm.Link.Binary() {
			// y = sign(h0 + σε): average over h0 of the label's law given
			// h0, P(y = 1 | h0) = Φ(h0/σ), and of r = m h0 + s z.
			p1 := func(h0 float64) float64 {
				if sig == 0 {
					if h0 >= 0 {
						return 1
					}
					return 0
				}
				return 1 - theory.Q(h0/sig)
			}
			wantE = theory.GaussExpect(func(h0 float64) float64 {
				up := theory.Q(-c.m * h0 / s) // P(r > 0 | h0)
				return p1(h0)*(1-up) + (1-p1(h0))*up
			}, 0)
			var kinks []float64
			for _, z := range loss.Kinks(c.fn.Margin) {
				kinks = append(kinks, z)
			}
			wantL = theory.GaussExpect(func(h0 float64) float64 {
				lp := theory.GaussExpect(func(z float64) float64 { l, _, _ := c.fn.Eval(1, c.m*h0+s*z); return l }, shift(kinks, c.m*h0, s)...)
				lm := theory.GaussExpect(func(z float64) float64 { l, _, _ := c.fn.Eval(-1, c.m*h0+s*z); return l }, shift(neg(kinks), c.m*h0, s)...)
				return p1(h0)*lp + (1-p1(h0))*lm
			}, 0)
		} else {
			phi := func(h0 float64) float64 { return c.tm.Link.Label(h0, 0, 0) }
			wantE = sig*sig + theory.GaussExpect(func(h0 float64) float64 {
				return theory.GaussExpect(func(z float64) float64 { u := phi(h0) - c.m*h0 - s*z; return u * u })
			}, 0)
			wantL = wantE / 2
		}
		if math.Abs(te-wantE) > 1e-9 || math.Abs(tl-wantL) > 1e-9 {
			t.Errorf("%v, %v, m = %g, q = %g: test error %.12f, loss %.12f; want %.12f, %.12f", c.tm, c.fn.Margin.Name(), c.m, c.q, te, tl, wantE, wantL)
		}
	}
}

// shift maps margins z = y r at the kinks, r = mu + s·x, to x (for y = 1).
func shift(kinks []float64, mu, s float64) []float64 {
	out := make([]float64, len(kinks))
	for i, k := range kinks {
		out[i] = (k - mu) / s
	}
	return out
}

// neg returns the r of the kinks for y = −1 (y r = z: r = −z).
func neg(kinks []float64) []float64 {
	out := make([]float64, len(kinks))
	for i, k := range kinks {
		out[i] = -k
	}
	return out
}

// TestTeacherSolveErrors: teacher problems Solve does not support are errors
// naming the field.
func TestTeacherSolveErrors(t *testing.T) {
	lin := peerProblem()
	logi := lin
	logi.Loss = loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}
	quad := teacherPSGD()
	quad.Loss = loss.Func{Margin: loss.Logistic{}, Output: loss.Quadratic{Kappa: 1}}
	for _, c := range []struct {
		name string
		p    dynamics.Problem
		set  Settings
		want string
	}{
		{"adaptive grid", lin, Settings{Grid: Adaptive{}}, "Grid"},
		{"logistic regression", logi, Settings{}, "square loss"},
		{"quadratic output", quad, Settings{}, "linear output"},
	} {
		_, err := Solve(context.Background(), c.p, c.set)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.name, err, c.want)
		}
	}
}

// ExampleSolve_teacher solves the peer's setting (linear teacher, square
// loss, full-batch GD: solved exactly) and prints the overlap and test MSE.
func ExampleSolve_teacher() {
	p := dynamics.Problem{
		Teacher: &teacher.Model{Link: teacher.Linear{}},
		Loss:    loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
		Alpha:   3, Lambda: 0.5, Eta: 0.1, T: 5, M0: 0.2, C0: 1.04,
	}
	sol, err := Solve(context.Background(), p, Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	k := len(sol.Times) - 1
	fmt.Printf("%s: t = %g: m = %.4f, test MSE = %.4f\n", sol.Stats.Method, sol.Times[k], sol.M[k], sol.TestErr[k])
	// Output:
	// exact: t = 5: m = 0.8138, test MSE = 0.0445
}

// TestTeacherSquareExactVsSampled: the exact square-loss solve against the
// sampled march (ForceSampling) for the sign teacher with label noise (its
// label moments E[h0 y] = √(2/π)/√(1 + σ²), E[y²] = 1 and its training
// error by quadrature) and the ReLU teacher, on all observables at every
// step, with the package's criterion and the batch-bias allowance
// (teacherBatchBias); a deliberately wrong exact solve — the sign teacher's
// E[h0 y] off by 5%, emulated by a teacher whose noise gives that moment
// (which also shifts its test-error formula) — must fail.
func TestTeacherSquareExactVsSampled(t *testing.T) {
	verdictOf := func(ex, sa *Solution) verdict {
		var cs []comparison
		for _, o := range compared {
			a, nb := dmftEstimate(sa, o)
			b, _ := dmftEstimate(ex, o)
			coef := teacherBatchBias[o] / float64(nb)
			at := make([]int, len(ex.Times)-1)
			for i := range at {
				at[i] = i + 1
			}
			cs = append(cs, comparison{name: o.String(), a: a, b: b, at: at,
				allow: func(_ int, v float64) float64 { return coef*scale(v) + 1e-9*math.Max(1, math.Abs(v)) }})
		}
		return judge(familyRate, cs...)
	}
	for _, c := range []struct {
		name string
		tm   teacher.Model
	}{
		{"sign σ = 0.3", teacher.Model{Link: teacher.Sign{}, Noise: 0.3}},
		{"relu σ = 0.3", teacher.Model{Link: teacher.ReLU{}, Noise: 0.3}},
	} {
		p := teacherProblem(c.tm, squareLoss(), 1.5, 0.05, 0.1, 4, 0.1, 1)
		ex, err := Solve(context.Background(), p, Settings{})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Stats.Method != "exact" {
			t.Fatalf("%s: method %s, want exact", c.name, ex.Stats.Method)
		}
		sa, err := Solve(context.Background(), p, teacherSampled)
		if err != nil {
			t.Fatal(err)
		}
		require(t, c.name, verdictOf(ex, sa))
		if _, ok := c.tm.Link.(teacher.Sign); !ok {
			continue
		}
		// E[h0 y] × 0.95: σ' with √(1 + σ²)/√(1 + σ'²) = 0.95.
		w := c.tm
		w.Noise = math.Sqrt((1+w.Noise*w.Noise)/(0.95*0.95) - 1)
		q := p
		q.Teacher = &w
		wex, err := Solve(context.Background(), q, Settings{})
		if err != nil {
			t.Fatal(err)
		}
		v := verdictOf(wex, sa)
		t.Logf("%s: wrong E[h0 y] × 0.95: score %s; worst: %s", c.name, fmtScore(v.score), v.worst)
		if v.pass() {
			t.Errorf("%s: wrong E[h0 y] × 0.95 passes (score %s)", c.name, fmtScore(v.score))
		}
	}
}
