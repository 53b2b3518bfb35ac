package dmft

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sync/atomic"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/stats"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/theory"
	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/mat"
)

// timing is the time spent in each phase, summed over batches (CPU time of
// the workers, not wall time).
type timing struct {
	Weights  time.Duration // weight side and Cholesky factor: O(K³) per batch
	Sampling time.Duration // sample process, μ and M_C: O(N K²)
	Response time.Duration // response J and Γ: O(N K³)
}

// result is one batch's solution.
type result struct {
	m, ctt, mu, trainLoss, trainErr []float64
	c, r, mc, gamma                 []float64 // (K+1)×(K+1), or on times2
	times2                          []float64 // times of the two-time rows; nil: all
	changes                         []float64 // iterate: sup-norm change per iteration
	clamped                         int
	timing                          timing
}

// Solve solves the DMFT of p (spec model-and-dmft.md §4) at the problem's
// learning rate η for steps k = 0..K, K = p.Steps(). The trajectories are
// split into set.Batches independent solves run on set.Workers goroutines;
// the solution is their mean and the standard errors their spread, and do
// not depend on set.Workers. The square loss with linear output and full
// batch is solved exactly without sampling (its standard errors are zero).
// For the teacher–student model (p.Teacher, teacher.go) the output must be
// linear, real-valued labels take the square loss, and the grid uniform.
//
// Solve returns an error for an invalid problem or settings, for the plain
// hinge loss (its L” is a δ), and for a divergent solve (non-finite values,
// C[k,k] > 1e100, or a negative conditional variance of ω beyond round-off),
// naming the step. For Iterate, a solution that did not reach the tolerance
// is returned together with ErrNotConverged.
//
// When ctx is cancelled, Solve returns ctx's error; with
// set.CheckpointDir, each running batch first saves its state at its next
// step boundary, and a later Solve with the same directory, problem and
// settings resumes from there (Settings.CheckpointDir).
func Solve(ctx context.Context, p dynamics.Problem, set Settings) (*Solution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !loss.IsSmooth(p.Loss.Margin) {
		return nil, fmt.Errorf("dmft: loss %T is not supported: its L'' has a δ part (use the squared hinge, or simulate)", p.Loss.Margin)
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	set = set.withDefaults()
	if p.Teacher != nil {
		if err := checkTeacher(p, set); err != nil {
			return nil, err
		}
	}
	chain, err := p.Selection()
	if err != nil {
		return nil, err
	}
	if ad, ok := set.Grid.(Adaptive); ok {
		return solveFlow(ctx, p, set, ad)
	}
	start := time.Now()
	if exactSquare(p, chain) && !set.ForceSampling && set.Perturb == (Perturb{}) {
		res, err := solveSquare(p)
		if err != nil {
			return nil, err
		}
		sol := combine(p, []*result{res}, true)
		sol.Stats = Stats{Method: "exact", Batches: 1, Wall: time.Since(start)}
		sol.addTiming(res.timing)
		return sol, nil
	}

	npairs := set.Samples / 2
	ncl := max(1, len(p.Model.Clusters)) // the teacher: one stratum
	nb := min(set.Batches, npairs/ncl)
	if nb < 1 {
		return nil, fmt.Errorf("dmft: Samples = %d too few for %d clusters: want at least %d (one antithetic pair per cluster)", set.Samples, ncl, 2*ncl)
	}
	fresp := float64(set.ResponseSamples) / float64(set.Samples)
	k1 := p.Steps() + 1

	var ck *checkpointer
	start0 := make([]int, nb) // steps each batch's checkpoint holds
	if _, ok := set.Method.(March); ok && set.CheckpointDir != "" {
		ck, err = openCheckpoint(set.CheckpointDir, set.CheckpointEvery, describe(p, set, nb), p.Steps(), nb)
		if err != nil {
			return nil, err
		}
		info, err := ReadCheckpoint(set.CheckpointDir)
		if err != nil {
			return nil, err
		}
		copy(start0, info.Done)
	}

	var done atomic.Int64
	total := int64(nb) * int64(k1)
	if it, ok := set.Method.(Iterate); ok {
		total *= int64(it.withDefaults().Iters)
	}
	var resumed int64
	for _, k := range start0 {
		resumed += int64(k)
	}
	done.Store(resumed)
	results := make([]*result, nb)
	notConv := make([]error, nb)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(set.Workers)
	for i := range nb {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			tick := func(k int) {
				if set.Reached != nil {
					set.Reached(i, float64(k)*p.Eta)
				}
				if set.Progress != nil {
					set.Progress(done.Add(1), total)
				}
			}
			// Batch i holds pairs [i·P/nb, (i+1)·P/nb).
			np := (i+1)*npairs/nb - i*npairs/nb
			var res *result
			var err error
			switch m := set.Method.(type) {
			case March:
				res, err = marchBatch(gctx, p, chain, i, np, fresp, set, ck, tick)
			case Iterate:
				b := newBatch(p, chain, i, np, fresp, set.Perturb)
				res, err = b.iterate(gctx, set.Seed, m.withDefaults(), tick)
			default:
				err = fmt.Errorf("dmft: unknown method %v", m)
			}
			if errors.Is(err, ErrNotConverged) {
				notConv[i], err = err, nil
			}
			results[i] = res
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sol := combine(p, results, false)
	sol.Stats.Method = set.Method.String()
	sol.Stats.Batches = nb
	sol.Stats.Samples = 2 * npairs
	sol.Stats.ResponseSamples = set.ResponseSamples
	sol.Stats.Wall = time.Since(start)
	sol.Stats.Resumed = resumed
	for _, r := range results {
		sol.addTiming(r.timing)
		sol.Stats.Clamped += r.clamped
		if len(r.changes) > 0 {
			sol.Stats.Iterations = max(sol.Stats.Iterations, len(r.changes))
		}
	}
	if _, ok := set.Method.(Iterate); ok {
		sol.Stats.Change = make([]float64, sol.Stats.Iterations)
		for i := range sol.Stats.Change {
			for _, r := range results {
				if i < len(r.changes) {
					sol.Stats.Change[i] = max(sol.Stats.Change[i], r.changes[i])
				}
			}
		}
	}
	for _, err := range notConv {
		if err != nil {
			return sol, err
		}
	}
	return sol, nil
}

// ErrNotConverged is returned with the solution when Iterate stopped at its
// iteration limit before reaching its tolerance.
var ErrNotConverged = errors.New("dmft: iteration limit reached before the tolerance")

// marchBatch solves batch i by causal time-marching, resuming from its
// checkpoint if ck holds one.
func marchBatch(ctx context.Context, p dynamics.Problem, chain dynamics.Chain, i, np int, fresp float64, set Settings, ck *checkpointer, tick func(k int)) (*result, error) {
	b, k0, res, err := resumeBatch(p, chain, i, np, fresp, set, ck)
	if res != nil || err != nil {
		return res, err
	}
	return b.march(ctx, k0, ck, tick)
}

// resumeBatch returns batch i at the step boundary k0 its checkpoint holds
// (k0 = 0 without one), or its result if the checkpoint holds it complete.
func resumeBatch(p dynamics.Problem, chain dynamics.Chain, i, np int, fresp float64, set Settings, ck *checkpointer) (b *batch, k0 int, res *result, err error) {
	var r *ckio
	if ck != nil {
		var f *os.File
		if r, f, k0, err = ck.open(i, np); err != nil {
			return nil, 0, nil, err
		}
		if f != nil {
			defer f.Close()
		}
		if r != nil && k0 == p.Steps()+1 {
			res, err := ck.completed(r, i)
			return nil, 0, res, err
		}
	}
	b = newBatch(p, chain, i, np, fresp, set.Perturb)
	b.draw(set.Seed, 0)
	if r != nil {
		if err := ck.restore(r, b, k0); err != nil {
			return nil, 0, nil, err
		}
	}
	return b, k0, nil, nil
}

// march solves the batch by causal time-marching from step k0 (its state at
// that step boundary drawn or restored): one pass over k. With a
// checkpointer, it saves the batch every ck.every, when complete, and at
// the step boundary where ctx is cancelled.
func (b *batch) march(ctx context.Context, k0 int, ck *checkpointer, tick func(k int)) (*result, error) {
	saved, last := k0, time.Now()
	for k := k0; k < b.k1; k++ {
		if err := ctx.Err(); err != nil {
			if ck != nil && k > saved {
				err = errors.Join(err, ck.save(b, k))
			}
			return nil, err
		}
		if ck != nil && k > saved && time.Since(last) >= ck.every {
			if err := ck.save(b, k); err != nil {
				return nil, err
			}
			saved, last = k, time.Now()
		}
		if err := b.step(k); err != nil {
			return nil, err
		}
		tick(k)
	}
	if ck != nil {
		if err := ck.save(b, b.k1); err != nil {
			return nil, err
		}
	}
	return b.result(), nil
}

// step computes row k of the weight side and of the kernels.
func (b *batch) step(k int) error {
	t0 := time.Now()
	if err := b.weights(k); err != nil {
		return err
	}
	if err := b.cholesky(k); err != nil {
		return err
	}
	t1 := time.Now()
	if err := b.sample(k); err != nil {
		return err
	}
	t2 := time.Now()
	b.response(k)
	b.advance()
	t3 := time.Now()
	b.timing.Weights += t1.Sub(t0)
	b.timing.Sampling += t2.Sub(t1)
	b.timing.Response += t3.Sub(t2)
	return nil
}

func (b *batch) result() *result {
	k1 := b.k1
	res := &result{
		m: b.m, mu: b.in.mu, trainLoss: b.trainLoss, trainErr: b.trainErr,
		c: b.c, r: b.r, mc: b.in.mc, gamma: b.in.gamma,
		ctt: make([]float64, k1), clamped: b.clamped, timing: b.timing,
	}
	for k := range res.ctt {
		res.ctt[k] = b.c[k*k1+k]
	}
	return res
}

// Solution is the DMFT solution: means over the batches and their standard
// errors (NaN with a single batch, zero for the exact square-loss solve).
// For a teacher with real-valued labels (linear, ReLU), TrainErr and TestErr
// are the training and test mean squared errors (teacher.go).
type Solution struct {
	Times []float64 // t_k = kη, k = 0..K
	// Curves indexed by step k; the SE companions are standard errors.
	M, Ctt, Mu, TrainLoss, TrainErr, TestErr, TestLoss               []float64
	MSE, CttSE, MuSE, TrainLossSE, TrainErrSE, TestErrSE, TestLossSE []float64
	// Two-time quantities, (K+1)×(K+1): C[k,l], R[k,j] (response of step k
	// to a kick at j+1), M_C[k,l] and Γ[k,j]. On the adaptive grid they are
	// on the times TwoTimes (the pruned history, flow_prune.go), R[k,j] =
	// G(t_k, t_j) and Γ the regular part Γ_reg.
	C, R, MC, Gamma *mat.Dense
	// TwoTimes are the times of the rows and columns of the two-time
	// quantities; nil means Times.
	TwoTimes []float64
	Stats    Stats

	dispSE []float64 // like C: standard error of Displacement(k, l)
}

// Displacement returns the mean-squared displacement between steps k and l
// (indices of the two-time quantities, on TwoTimes where it is set),
// |w_k − w_l|²/d = C[k,k] + C[l,l] − 2C[k,l], and its standard error over
// the batches (each batch's own displacement: far smaller than the errors
// of the three entries added, which are strongly correlated).
//
// The standard error is at least the round-off of the subtraction,
// dispRoundoff·(C[k,k] + C[l,l]): once the weights have converged the
// displacement is far below the precision of C (measured: 5e-12 relative
// after 300 steps of two-cluster-logistic-ridge-longtime, from the kernels'
// accumulated sums), which the batches, sharing it, do not reveal.
func (s *Solution) Displacement(k, l int) (mean, se float64) {
	n, _ := s.C.Dims()
	ckk, cll := s.C.At(k, k), s.C.At(l, l)
	mean = ckk + cll - 2*s.C.At(k, l)
	if k == l {
		return 0, 0
	}
	if s.dispSE != nil {
		se = s.dispSE[k*n+l]
	}
	return mean, math.Max(se, dispRoundoff*(math.Abs(ckk)+math.Abs(cll)))
}

// dispRoundoff is the relative precision vouched for in a displacement: 200
// times the largest round-off measured (see Displacement).
const dispRoundoff = 1e-9

// displacementSE returns the standard errors over the batches of the
// displacements between every two steps.
func displacementSE(res []*result, k1 int) []float64 {
	d := make([][]float64, len(res))
	for i, r := range res {
		v := make([]float64, k1*k1)
		for k := 0; k < k1; k++ {
			for l := 0; l < k1; l++ {
				v[k*k1+l] = r.c[k*k1+k] + r.c[l*k1+l] - 2*r.c[k*k1+l]
			}
		}
		d[i] = v
	}
	_, se := stats.MeanSE(d)
	return se
}

// Stats are the diagnostics of a solve.
type Stats struct {
	Method          string
	Samples         int // trajectories in all batches (0 for the exact solve)
	ResponseSamples int
	Batches         int
	Clamped         int       // Cholesky pivots clamped to zero (semi-definite ΔC)
	Resumed         int64     // batch-steps restored from a checkpoint
	Iterations      int       // iterate: iterations done (the most over batches)
	Change          []float64 // iterate: sup-norm change per iteration (the largest over batches)
	StepErr         []float64 // adaptive grid: the local error estimate of each accepted step
	QuadErr         []float64 // adaptive grid: the quadrature error estimate of each accepted step's row
	// QuadErrLoss is, on the adaptive grid, the estimated error of the
	// training loss at each accepted step from the quadrature of the
	// trajectories' own memory terms (which QuadErr does not see), relative
	// to the training loss and signed: computed − exact, to first order,
	// the largest in absolute value over the batches.
	QuadErrLoss []float64
	Rejected    int // adaptive grid: rejected steps
	// Rise is, for gradient flow on the adaptive grid, the largest rise of
	// a batch's objective α⟨L⟩ + λC(t,t)/2 above its running minimum,
	// relative to max(1, |minimum|), in batch RiseBatch at time RiseAt; a
	// gradient flow cannot raise it (flow_rise.go). Zero for SGF.
	Rise      float64
	RiseBatch int
	RiseAt    float64
	Wall      time.Duration
	// Time per phase summed over batches (worker CPU time).
	Weights, Sampling, Response time.Duration
}

func (s *Solution) addTiming(t timing) {
	s.Stats.Weights += t.Weights
	s.Stats.Sampling += t.Sampling
	s.Stats.Response += t.Response
}

// MeanSE returns the curve of an observable and its standard error, in the
// simulator's indexing (dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr,
// dynamics.TestErr, dynamics.TestLoss, dynamics.Disp over one step). It panics for the simulator's empirical test
// quantities, which the DMFT does not define.
func (s *Solution) MeanSE(o dynamics.Observable) (mean, se []float64) {
	switch o {
	case dynamics.M:
		return s.M, s.MSE
	case dynamics.Ctt:
		return s.Ctt, s.CttSE
	case dynamics.TrainLoss:
		return s.TrainLoss, s.TrainLossSE
	case dynamics.TrainErr:
		return s.TrainErr, s.TrainErrSE
	case dynamics.TestErr:
		return s.TestErr, s.TestErrSE
	case dynamics.TestLoss:
		return s.TestLoss, s.TestLossSE
	case dynamics.Disp:
		// Since the previous step: the solution records every step. On a
		// pruned history (TwoTimes) the previous step may be gone: NaN.
		mean, se = make([]float64, len(s.Times)), make([]float64, len(s.Times))
		for k := 1; k < len(s.Times); k++ {
			if s.TwoTimes != nil {
				mean[k], se[k] = math.NaN(), math.NaN()
				continue
			}
			mean[k], se[k] = s.Displacement(k, k-1)
		}
		return mean, se
	}
	panic(fmt.Sprintf("dmft: no observable %v", o))
}

// combine averages batch results in batch order.
func combine(p dynamics.Problem, res []*result, exact bool) *Solution {
	k1 := len(res[0].m)
	col := func(f func(*result) []float64) [][]float64 {
		out := make([][]float64, len(res))
		for i, r := range res {
			out[i] = f(r)
		}
		return out
	}
	s := &Solution{Times: make([]float64, k1)}
	for k := range s.Times {
		s.Times[k] = float64(k) * p.Eta
	}
	s.M, s.MSE = stats.MeanSE(col(func(r *result) []float64 { return r.m }))
	s.Ctt, s.CttSE = stats.MeanSE(col(func(r *result) []float64 { return r.ctt }))
	s.Mu, s.MuSE = stats.MeanSE(col(func(r *result) []float64 { return r.mu }))
	s.TrainLoss, s.TrainLossSE = stats.MeanSE(col(func(r *result) []float64 { return r.trainLoss }))
	s.TrainErr, s.TrainErrSE = stats.MeanSE(col(func(r *result) []float64 { return r.trainErr }))
	k2 := k1
	if t2 := res[0].times2; t2 != nil {
		k2 = len(t2)
		s.TwoTimes = append([]float64(nil), t2...)
	}
	mat2 := func(f func(*result) []float64) *mat.Dense {
		m, _ := stats.MeanSE(col(f))
		return mat.NewDense(k2, k2, m)
	}
	s.C = mat2(func(r *result) []float64 { return r.c })
	s.dispSE = displacementSE(res, k2)
	s.R = mat2(func(r *result) []float64 { return r.r })
	s.MC = mat2(func(r *result) []float64 { return r.mc })
	s.Gamma = mat2(func(r *result) []float64 { return r.gamma })
	// Test quantities: the closed forms at the mean (m, C[k,k]); their
	// errors from the spread of the batches' own test quantities.
	te := make([][]float64, len(res))
	tl := make([][]float64, len(res))
	for i, r := range res {
		te[i], tl[i] = testCurves(p, r.m, r.ctt)
	}
	_, s.TestErrSE = stats.MeanSE(te)
	_, s.TestLossSE = stats.MeanSE(tl)
	s.TestErr, s.TestLoss = testCurves(p, s.M, s.Ctt)
	if exact {
		// The exact solve: no Monte-Carlo error.
		for _, v := range [][]float64{s.MSE, s.CttSE, s.MuSE, s.TrainLossSE, s.TrainErrSE, s.TestErrSE, s.TestLossSE, s.dispSE} {
			clear(v)
		}
	}
	return s
}

func testCurves(p dynamics.Problem, m, ctt []float64) (te, tl []float64) {
	if p.Teacher != nil {
		return teacherCurves(p, m, ctt)
	}
	te, tl = make([]float64, len(m)), make([]float64, len(m))
	for k := range m {
		te[k] = theory.TestError(p.Model, p.Loss.Output, m[k], ctt[k], 0)
		tl[k] = theory.TestLoss(p.Model, p.Loss, m[k], ctt[k], 0)
	}
	return te, tl
}
