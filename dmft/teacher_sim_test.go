package dmft

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/internal/stats"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
)

// simTeacher runs the finite-d recursion of p (spec model-and-dmft.md §2 with
// the teacher's data) at dimension d for each seed, independently of the
// DMFT and of package sde (which does not support the teacher on this
// branch): x_μ ~ N(0, I_d), v* = √d e_1 (any direction, by rotation
// invariance), so h0_μ = x_μ1; y_μ = Link.Label(h0_μ, ε_μ, σ);
// w_0 = m_0 v* + √(C_0 − m_0²) (0, z_2, …, z_d); and
//
//	w_{k+1} = (1 − ηλ) w_k − η Σ_μ s_μ,k L'(y_μ, r_μ,k) x_μ/√d,   r = X w/√d,
//
// with the selection chain of p. It returns, per observable (m, C[k,k],
// training loss, training error), the mean over seeds and its standard
// error at every step.
func simTeacher(t *testing.T, p dynamics.Problem, d, seeds int, seed uint64) map[dynamics.Observable][2][]float64 {
	t.Helper()
	chain, err := p.Selection()
	if err != nil {
		t.Fatal(err)
	}
	fn := lossOf(p)
	n, k1 := p.Samples(d), p.Steps()+1
	obs := []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr}
	runs := make(map[dynamics.Observable][][]float64)
	x := make([]float64, n*d)
	y := make([]float64, n)
	w := make([]float64, d)
	g := make([]float64, n)
	grad := make([]float64, d)
	sel := make([]bool, n)
	sd := math.Sqrt(float64(d))
	for s := range seeds {
		rnd := rng.New(seed, uint64(s))
		for i := range x {
			x[i] = rnd.NormFloat64()
		}
		for mu := range n {
			y[mu] = p.Teacher.Link.Label(x[mu*d], rnd.NormFloat64(), p.Teacher.Noise)
		}
		w[0] = p.M0 * sd
		for i := 1; i < d; i++ {
			w[i] = math.Sqrt(p.C0-p.M0*p.M0) * rnd.NormFloat64()
		}
		chain.Start(sel, rnd)
		cur := make(map[dynamics.Observable][]float64)
		for _, o := range obs {
			cur[o] = make([]float64, k1)
		}
		for k := range k1 {
			cur[dynamics.M][k] = w[0] / sd
			cur[dynamics.Ctt][k] = dot(w, w) / float64(d)
			var tl, te float64
			for mu := range n {
				r := dot(x[mu*d:(mu+1)*d], w) / sd
				l, dl, _ := fn.Eval(y[mu], r)
				tl += l
				te += fn.Error(y[mu], r)
				g[mu] = 0
				if sel[mu] {
					g[mu] = dl
				}
			}
			cur[dynamics.TrainLoss][k] = tl / float64(n)
			cur[dynamics.TrainErr][k] = te / float64(n)
			clear(grad)
			for mu := range n {
				if g[mu] != 0 {
					axpy(g[mu], x[mu*d:(mu+1)*d], grad)
				}
			}
			for i := range w {
				w[i] = (1-p.Eta*p.Lambda)*w[i] - p.Eta*grad[i]/sd
			}
			if !chain.Full() {
				chain.Advance(sel, rnd)
			}
		}
		for _, o := range obs {
			runs[o] = append(runs[o], cur[o])
		}
	}
	out := make(map[dynamics.Observable][2][]float64)
	for _, o := range obs {
		m, se := stats.MeanSE(runs[o])
		out[o] = [2][]float64{m, se}
	}
	return out
}

// The systematic allowances of the teacher's comparisons, as those of the
// mixture (batchBias, twoClusterFS): the DMFT's batch bias is at most
// teacherBatchBias[o]·scale(v)/N_b and the finite-size bias of simTeacher
// at most teacherFS[o]·scale(v)/d. The coefficients are the largest 3σ
// upper bounds measured by TestMeasureTeacherBias over the finite-d cases
// (and, for the batch bias, the linear-teacher cases), rounded up to 0.5.
// Batch bias (N_b = 100 against 2000, N = 80000): m 4.02, Ctt 2.76,
// training loss 2.87, training error 3.37, test error 1.78, test loss 1.60;
// the largest bounds come from the noisier ReLU psgd and sgf cases, where
// no coefficient is resolved beyond 2.2σ; the linear teacher's test MSE
// shows +0.32 at 3.1σ. Finite size (d = 100, 4096 seeds): m
// 2.71, Ctt 2.15, training loss 2.59, training error 3.04; resolved at
// 3–4.6σ: Ctt ≈ −0.6 (sign teacher), the training loss and MSE ≈ −0.7
// (ReLU gd).
var (
	teacherBatchBias = perObs{dynamics.M: 4.5, dynamics.Ctt: 3, dynamics.TrainLoss: 3, dynamics.TrainErr: 3.5, dynamics.TestErr: 2, dynamics.TestLoss: 2}
	teacherFS        = perObs{dynamics.M: 3, dynamics.Ctt: 2.5, dynamics.TrainLoss: 3, dynamics.TrainErr: 3.5}
)

// Finite-d comparisons of the teacher: dimension and seeds. At d = 400 the
// O(1/d) allowance (teacherFS) is a fraction of the statistical tolerance
// of 48 seeds.
const (
	teacherSimD     = 400
	teacherSimSeeds = 48
)

// teacherSimVerdict judges the DMFT against the finite-d ensemble sim at
// every step after the first: m, C[k,k], the training loss and the training
// error (the training MSE for real-valued labels), with the package's
// criterion and, as allowances, the DMFT's batch bias (teacherBatchBias)
// and the simulation's finite-size bias (teacherFS/d).
func teacherSimVerdict(sol *Solution, sim map[dynamics.Observable][2][]float64, steps int) verdict {
	var cs []comparison
	at := make([]int, steps)
	for k := range at {
		at[k] = k + 1
	}
	for _, o := range []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr} {
		a, nb := dmftEstimate(sol, o)
		coef := teacherFS[o] / teacherSimD
		if nb > 0 {
			coef += teacherBatchBias[o] / float64(nb)
		}
		cs = append(cs, comparison{
			name: o.String(), a: a, b: replicas(sim[o][0], sim[o][1], teacherSimSeeds), at: at,
			allow: func(_ int, v float64) float64 { return coef * scale(v) },
		})
	}
	return judge(familyRate, cs...)
}

// teacherSimCase is a finite-d comparison of the teacher, with deliberately
// wrong DMFTs that must fail it.
type teacherSimCase struct {
	name  string
	p     dynamics.Problem
	wrong []struct {
		name string
		q    Perturb
	}
}

func teacherSimCases() []teacherSimCase {
	logi := loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}
	sign := teacher.Model{Link: teacher.Sign{}, Noise: 0.3}
	relu := teacher.Model{Link: teacher.ReLU{}, Noise: 0.3}
	psgd := func(p dynamics.Problem) dynamics.Problem {
		p.Algo, p.B, p.Tau = dynamics.PSGD, 0.3, 1
		return p
	}
	sgd := func(p dynamics.Problem) dynamics.Problem {
		p.Algo, p.B = dynamics.SGD, 0.3
		return p
	}
	sgf := func(p dynamics.Problem) dynamics.Problem {
		p.Algo, p.B, p.Tau = dynamics.SGF, 0.3, 1
		return p
	}
	wrong := []struct {
		name string
		q    Perturb
	}{{"Γ × 1.2", Perturb{Gamma: 1.2}}, {"M_C × 1.2", Perturb{MC: 1.2}}}
	return []teacherSimCase{
		{"sign logistic gd", teacherProblem(sign, logi, 2, 0.1, 0.2, 3, 0.1, 1), wrong},
		{"sign logistic psgd", psgd(teacherProblem(sign, logi, 2, 0.1, 0.2, 3, 0.1, 1)), nil},
		{"sign logistic sgd", sgd(teacherProblem(sign, logi, 2, 0.1, 0.2, 3, 0.1, 1)), nil},
		{"relu square gd", teacherProblem(relu, squareLoss(), 2, 0.1, 0.1, 3, 0.1, 1), nil},
		{"relu square psgd", psgd(teacherProblem(relu, squareLoss(), 2, 0.1, 0.1, 3, 0.1, 1)), nil},
		{"relu square sgf", sgf(teacherProblem(relu, squareLoss(), 2, 0.1, 0.05, 2, 0.1, 1)), nil},
	}
}

// TestTeacherAgainstFiniteD: the DMFT of the teacher against the direct
// finite-d recursion (simTeacher) at every step (teacherSimVerdict) for the
// sign teacher with label noise and the logistic loss (gd, psgd b = 0.3
// τ = 1, sgd b = 0.3) and the ReLU teacher with label noise and the square
// loss (gd, solved exactly, psgd, and sgf at η = 0.05). For the first,
// deliberately wrong DMFTs with Γ or M_C scaled by 1.2 must fail (scaled by
// 1.1 they score 1.01 and 1.06: about the smallest error this ensemble,
// d = 400 and 48 seeds, resolves with its measured allowances); the exact
// checks (TestTeacherSquareSampled) reject 5%.
func TestTeacherAgainstFiniteD(t *testing.T) {
	for i, c := range teacherSimCases() {
		t.Run(c.name, func(t *testing.T) {
			seed := uint64(20 + i)
			set := Settings{Samples: simSamples, Batches: simBatches, Seed: seed}
			sol, err := Solve(context.Background(), c.p, set)
			if err != nil {
				t.Fatal(err)
			}
			sim := simTeacher(t, c.p, teacherSimD, teacherSimSeeds, seed)
			require(t, c.name, teacherSimVerdict(sol, sim, c.p.Steps()))
			last := c.p.Steps()
			t.Logf("%s (%s): t = %g: m DMFT %.4f ± %.1e, d = %d %.4f ± %.1e; C %.4f vs %.4f; train loss %.4f vs %.4f; test error %.4f",
				c.name, sol.Stats.Method, sol.Times[last], sol.M[last], sol.MSE[last], teacherSimD, sim[dynamics.M][0][last], sim[dynamics.M][1][last],
				sol.Ctt[last], sim[dynamics.Ctt][0][last], sol.TrainLoss[last], sim[dynamics.TrainLoss][0][last], sol.TestErr[last])
			for _, w := range c.wrong {
				set := set
				set.Perturb = w.q
				sol, err := Solve(context.Background(), c.p, set)
				if err != nil {
					t.Fatal(err)
				}
				v := teacherSimVerdict(sol, sim, c.p.Steps())
				t.Logf("wrong %s: score %s; worst: %s", w.name, fmtScore(v.score), v.worst)
				if v.pass() {
					t.Errorf("wrong %s passes (score %s)", w.name, fmtScore(v.score))
				}
			}
		})
	}
}

// TestMeasureTeacherBias measures, for the teacher, the two systematic
// errors its comparisons allow for, as TestMeasureBias does for the
// mixture (run with go test ./dmft -run MeasureTeacherBias -measure -v;
// 45 s):
//
//   - the batch bias of the DMFT, N = 80000 trajectories in batches of 100
//     against batches of 2000, c = Δ/(1/100 − 1/2000), for the finite-d
//     cases and the linear-teacher cases of TestTeacherSquareSampled;
//   - the finite-size bias of simTeacher, c = d·(simulation − DMFT) at
//     d = 100 (4096 seeds), the DMFT at N = 80000 in batches of 2000 (exact
//     for the square loss with full batch).
//
// It fails if a 3σ upper bound exceeds the coefficient the tests use
// (teacherBatchBias, teacherFS).
func TestMeasureTeacherBias(t *testing.T) {
	if !*measure {
		t.Skip("a measurement of minutes: run with -measure")
	}
	obs := []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr}
	type mcase struct {
		name string
		p    dynamics.Problem
		sim  bool
	}
	var cases []mcase
	for _, c := range teacherSimCases() {
		cases = append(cases, mcase{c.name, c.p, true})
	}
	for _, c := range linearTeacherCases() {
		cases = append(cases, mcase{"linear " + c.name, c.p, false})
	}
	for _, c := range cases {
		ref, err := Solve(context.Background(), c.p, Settings{Samples: 80000, Batches: 40, Seed: 99, ForceSampling: true})
		if err != nil {
			t.Fatal(err)
		}
		small, err := Solve(context.Background(), c.p, Settings{Samples: 80000, Batches: 800, Seed: 98, ForceSampling: true})
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%-20s batch bias:", c.name)
		for _, o := range compared {
			a, _ := dmftEstimate(ref, o)
			b, _ := dmftEstimate(small, o)
			cf, z, up := biasCoef(a, b, 1.0/100-1.0/2000)
			line += fmt.Sprintf("  %s %+.2f (z %+.1f, ≤ %.2f)", o, cf, z, up)
			if up > teacherBatchBias[o] {
				t.Errorf("%s: batch-bias coefficient of %v up to %.2f, above teacherBatchBias = %v", c.name, o, up, teacherBatchBias[o])
			}
		}
		t.Log(line)
		if !c.sim {
			continue
		}
		dm, err := Solve(context.Background(), c.p, Settings{Samples: 80000, Batches: 40, Seed: 99})
		if err != nil {
			t.Fatal(err)
		}
		const d, seeds = 100, 4096
		sim := simTeacher(t, c.p, d, seeds, 77)
		line = fmt.Sprintf("%-20s d = %d:", c.name, d)
		for _, o := range obs {
			a, _ := dmftEstimate(dm, o)
			if a.nu == 0 {
				a.se = make([]float64, len(a.mean))
			}
			cf, z, up := biasCoef(a, replicas(sim[o][0], sim[o][1], seeds), 1.0/d)
			line += fmt.Sprintf("  %s %+.2f (z %+.1f, ≤ %.2f)", o, cf, z, up)
			if up > teacherFS[o] {
				t.Errorf("%s: finite-size coefficient of %v up to %.2f at d = %d, above teacherFS = %v", c.name, o, up, d, teacherFS[o])
			}
		}
		t.Log(line)
	}
}
