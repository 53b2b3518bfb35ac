package dmft

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"golang.org/x/sync/errgroup"
)

// Grid is the time grid of a solve: Uniform (nil means Uniform) or Adaptive.
type Grid interface {
	// String returns the command-line name of the grid.
	String() string
	validate() error
}

// Uniform is the grid t_k = kη of the discrete-time DMFT (spec §4): the
// exact d → ∞ limit of the algorithm at its learning rate η.
type Uniform struct{}

// Adaptive solves the continuous-time limit η → 0 (spec §8) on a
// non-uniform grid with local error control (flow.go), for full-batch
// gradient descent (gradient flow) and SGF (the telegraph selection
// sampled exactly over each step); the problem's T is the final time and
// its η is not a step of the dynamics. The solve is always
// sampled (also for the square loss). Settings.Reached is called for each
// batch at each accepted step, and Settings.Progress with the simulated
// time in thousandths of T (done, 1000), both from the solving goroutine.
// With Settings.CheckpointDir the solve checkpoints and resumes as a whole
// (checkpoint_flow.go); Stats.Resumed is then the batches times the
// accepted steps restored. Stats.StepErr reports the local error estimate
// of each accepted step and Stats.QuadErr the estimated quadrature error of
// the memory integrals at its end, which the step control does not see
// (flow_quad.go): the largest over the batches of the errors of m(t) and
// C(t,t) relative to max(1, |value|) and of G(t,·), the error of G carried
// over from the earlier steps; Stats.QuadErrLoss the estimated error of
// the training loss from the trajectories' own memory terms. For gradient
// flow each batch's objective
// α⟨L⟩ + λC(t,t)/2 must not rise: Stats.Rise reports the largest rise,
// and a rise above 10% is an error naming the batch (flow_rise.go).
type Adaptive struct {
	// Tol is the local error tolerance per step: the largest
	// predictor–corrector difference of m, C(t,t) and G(t,·), relative to
	// max(1, |value|); default 1e-4.
	Tol float64
	// Initial is the first step; default 0.01.
	Initial float64
	// MaxStep bounds every step; default 1. It also bounds the trapezoid
	// error of the near-diagonal memory integrals, which the
	// predictor–corrector difference does not see (Stats.QuadErr
	// estimates it, with that of the pruned history).
	MaxStep float64
	// Times, in increasing order, are times the grid must contain (a step
	// that would pass one ends on it), for comparisons at given times.
	Times []float64
	// Theta is the relative spacing of the pruned history (flow_prune.go):
	// a past node goes when the gap it leaves is at most Theta times its
	// distance from the present and from t = 0; default 0.1. Its
	// quadrature error is not bounded by Tol: Stats.QuadErr estimates it
	// (flow_quad.go; for C(t,t) of the square-loss flow at λ = 0.01,
	// t ≤ 40, 5e-3 relative at the default Theta, 0.06 at 0.5, 0.12 at 0.8).
	Theta float64
	// KeepAll keeps every grid point in the history (no pruning): the
	// reference for the pruning's quadrature error, O(n³) in the grid
	// points n.
	KeepAll bool
}

func (Uniform) String() string  { return "uniform" }
func (Adaptive) String() string { return "adaptive" }
func (Uniform) validate() error { return nil }

func (a Adaptive) withDefaults() Adaptive {
	if a.Tol == 0 {
		a.Tol = 1e-4
	}
	if a.Initial == 0 {
		a.Initial = 0.01
	}
	if a.MaxStep == 0 {
		a.MaxStep = 1
	}
	if a.Theta == 0 {
		a.Theta = 0.1
	}
	return a
}

func (a Adaptive) validate() error {
	a = a.withDefaults()
	bad := func(field string, v any, want string) error {
		return &dynamics.FieldError{Pkg: "dmft", Field: "Adaptive." + field, Value: v, Want: want}
	}
	ok := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case !ok(a.Tol):
		return bad("Tol", a.Tol, "a finite value > 0 (0 means 1e-4)")
	case !ok(a.Initial):
		return bad("Initial", a.Initial, "a finite value > 0 (0 means 0.01)")
	case !ok(a.MaxStep):
		return bad("MaxStep", a.MaxStep, "a finite value > 0 (0 means 1)")
	case !ok(a.Theta) || a.Theta > 1:
		return bad("Theta", a.Theta, "a value in (0, 1] (0 means 0.1)")
	}
	for i, x := range a.Times {
		if !(x > 0) || math.IsInf(x, 0) || (i > 0 && !(x > a.Times[i-1])) {
			return bad("Times", x, "finite times > 0 in increasing order")
		}
	}
	return nil
}

// grow returns x with length at least n.
func grow(x []float64, n int) []float64 {
	if len(x) >= n {
		return x
	}
	return append(x, make([]float64, n-len(x))...)
}

func (b *flowBatch) buffers(n int) {
	for _, x := range []*[]float64{&b.abuf, &b.vbuf, &b.ybuf, &b.wyb, &b.tmc, &b.tgam, &b.tg, &b.tc, &b.tl1, &b.qbuf} {
		*x = grow(*x, n+1)
	}
}

// start sets up grid point 0.
func (b *flowBatch) start() error {
	b.buffers(0)
	b.t = []float64{0}
	b.g, b.gcol = [][]float64{{1}}, [][]float64{{1}}
	b.eg = [][]float64{{0}}
	b.c = [][]float64{{b.p.C0}}
	b.m = []float64{b.p.M0}
	// ω(0) does not involve ξ (the integral over [0, 0] vanishes).
	if err := b.evaluate(b.t, 0, b.g[0], []float64{0}, b.p.M0); err != nil {
		return err
	}
	l0 := make([]float64, 1)
	if err := b.cholRow(0, b.tmc[:1], l0, true); err != nil {
		return err
	}
	b.l = [][]float64{l0}
	b.mu, b.nu = []float64{b.tmu}, []float64{b.tnu}
	copy(b.sel, b.tsel)
	b.record(0, b.p.M0, b.p.C0)
	b.mc = [][]float64{{b.tmc[0]}}
	b.gam = [][]float64{{b.tgam[0]}}
	for k := range b.gv {
		b.gv[k] = append(b.gv[k], b.tgv[k])
		b.dv[k] = append(b.dv[k], b.tdv[k])
	}
	return nil
}

// try attempts the step to grid point n = len(b.t) at time t[n] (t holds
// the grid and the new time) and returns its local error estimate; the
// corrected row is kept in the tentative fields for accept.
func (b *flowBatch) try(t []float64, n int) (float64, error) {
	b.buffers(n)
	t0 := time.Now()
	// Predict with the kernel row n−1 held constant at fixed times. (At
	// fixed lag, exact for stationary dynamics, the estimate misses the
	// quadrature error: the global error then grew like Tol^0.6 and Ctt
	// was off by 6σ at Tol = 1e-2, t ≤ 100, in TestFlowMeasureSquare.)
	gamP := append(append([]float64(nil), b.gam[n-1]...), b.gam[n-1][n-1])
	mcP := append(append([]float64(nil), b.mc[n-1][:n]...), b.mc[n-1][n-1])
	gp := make([]float64, n+1)
	cp := make([]float64, n+1)
	b.gRow(t, n, gamP, b.nu[n-1], gp)
	mp := b.mcRow(t, n, gp, b.mu[n-1], mcP, cp)
	// ξ(t_n) from the predicted M_C row: t_n as a copy of t_{n−1}, a
	// consistent covariance (ξ(t_n) = ξ(t_{n−1}) up to the jitter).
	ln := b.tl1[:n+1]
	if err := b.cholRow(n, mcP, ln, false); err != nil {
		return 0, err
	}
	b.timing.Weights += time.Since(t0)
	// Evaluate the trajectories and the kernel row n.
	if err := b.evaluate(t, n, gp, ln, mp); err != nil {
		return 0, err
	}
	// Correct with the true row.
	t1 := time.Now()
	gc, cc := b.tg[:n+1], b.tc[:n+1]
	b.gRow(t, n, b.tgam, b.tnu, gc)
	b.tm = b.mcRow(t, n, gc, b.tmu, b.tmc, cc)
	b.timing.Weights += time.Since(t1)
	if math.IsNaN(b.tm) || math.IsInf(b.tm, 0) || math.IsNaN(cc[n]) || math.IsInf(cc[n], 0) || cc[n] > blowUp {
		return 0, fmt.Errorf("dmft: diverged at t = %g in batch %d: m = %v, C(t,t) = %v", t[n], b.index, b.tm, cc[n])
	}
	rel := func(x, y float64) float64 { return math.Abs(x-y) / math.Max(1, math.Abs(x)) }
	err := math.Max(rel(b.tm, mp), rel(cc[n], cp[n]))
	for j := 0; j < n; j++ {
		err = math.Max(err, math.Abs(gc[j]-gp[j]))
	}
	t2 := time.Now()
	b.tq = b.quadErr(t, n)
	b.timing.Weights += time.Since(t2)
	return err, nil
}

// accept appends the tried step's row n at time tn.
func (b *flowBatch) accept(tn float64, n int) error {
	cp := func(x []float64) []float64 { return append([]float64(nil), x[:n+1]...) }
	b.t = append(b.t, tn)
	gn := cp(b.tg)
	b.g = append(b.g, gn)
	b.eg = append(b.eg, cp(b.teg))
	for j := 0; j < n; j++ {
		b.gcol[j] = append(b.gcol[j], gn[j])
	}
	b.gcol = append(b.gcol, []float64{1})
	b.c = append(b.c, cp(b.tc))
	ln := make([]float64, n+1)
	if err := b.cholRow(n, b.tmc[:n+1], ln, true); err != nil {
		return err
	}
	b.l = append(b.l, ln)
	b.m = append(b.m, b.tm)
	copy(b.sel, b.tsel)
	b.nacc++
	b.mu, b.nu = append(b.mu, b.tmu), append(b.nu, b.tnu)
	b.record(tn, b.tm, b.c[n][n])
	for s := 0; s < n; s++ {
		b.mc[s] = append(b.mc[s], b.tmc[s])
	}
	b.mc = append(b.mc, cp(b.tmc))
	b.gam = append(b.gam, cp(b.tgam))
	for k := range b.gv {
		b.gv[k] = append(b.gv[k], b.tgv[k])
		b.dv[k] = append(b.dv[k], b.tdv[k])
	}
	return nil
}

// record appends the one-time curves at the accepted grid point t.
func (b *flowBatch) record(t, m, ctt float64) {
	b.rt = append(b.rt, t)
	b.rm, b.rctt = append(b.rm, m), append(b.rctt, ctt)
	b.rmu = append(b.rmu, b.tmu)
	b.rtl, b.rte = append(b.rtl, b.tloss), append(b.rte, b.terr)
}

// result returns the batch's solution: the one-time curves at every
// accepted grid point, and the two-time quantities on the history nodes
// (times2): R[k,j] = G(t_k, t_j) and Gamma[k,j] = Γ_reg(t_k, t_j) (j ≤ k).
func (b *flowBatch) result() *result {
	k1 := len(b.t)
	res := &result{
		m: b.rm, ctt: b.rctt, mu: b.rmu, trainLoss: b.rtl, trainErr: b.rte,
		c: make([]float64, k1*k1), r: make([]float64, k1*k1),
		mc: make([]float64, k1*k1), gamma: make([]float64, k1*k1),
		times2: b.t, clamped: b.clamped, timing: b.timing,
	}
	for k := 0; k < k1; k++ {
		for j := 0; j <= k; j++ {
			res.c[k*k1+j], res.c[j*k1+k] = b.c[k][j], b.c[k][j]
			res.mc[k*k1+j], res.mc[j*k1+k] = b.mc[k][j], b.mc[k][j]
			res.r[k*k1+j] = b.g[k][j]
			res.gamma[k*k1+j] = b.gam[k][j]
		}
	}
	return res
}

// newFlowBatches returns the batches of the adaptive solve, their streams
// drawn (set with defaults).
func newFlowBatches(p dynamics.Problem, set Settings) ([]*flowBatch, error) {
	npairs := set.Samples / 2
	ncl := len(p.Model.Clusters)
	nb := min(set.Batches, npairs/ncl)
	if nb < 1 {
		return nil, fmt.Errorf("dmft: Samples = %d too few for %d clusters: want at least %d (one antithetic pair per cluster)", set.Samples, ncl, 2*ncl)
	}
	fresp := float64(set.ResponseSamples) / float64(set.Samples)
	bs := make([]*flowBatch, nb)
	for i := range bs {
		np := (i+1)*npairs/nb - i*npairs/nb
		bs[i] = newFlowBatch(p, i, np, fresp, set.Perturb, set.Seed)
	}
	return bs, nil
}

// flowDescription is the description of the adaptive solve for its
// checkpoint, with the grid's defaults made explicit (Tol 0 and 1e-4 are
// one solve).
func flowDescription(p dynamics.Problem, set Settings, ad Adaptive, nb int) []string {
	set.Grid = ad.withDefaults()
	return describe(p, set, nb)
}

// quadHook, if set, is called at each accepted step with the quadrature
// error estimate, largest over the batches (for the tests).
var quadHook func(t float64, q quadEst)

// endHook, if set, is called with the batches at the end of the solve (for
// the tests).
var endHook func(bs []*flowBatch)

// solveFlow solves gradient flow on the adaptive grid (flow.go): the
// batches march in lockstep on one grid, each step accepted or rejected on
// the largest error estimate over the batches.
func solveFlow(ctx context.Context, p dynamics.Problem, set Settings, ad Adaptive) (*Solution, error) {
	if p.Algo != dynamics.GD && p.Algo != dynamics.SGF {
		return nil, &dynamics.FieldError{Pkg: "dmft", Field: "Grid", Value: set.Grid.String(), With: []string{"Algo"},
			Want: fmt.Sprintf("uniform for %v: the adaptive grid solves gradient flow (gd) and sgf only", p.Algo)}
	}
	ad = ad.withDefaults()
	start := time.Now()
	bs, err := newFlowBatches(p, set)
	if err != nil {
		return nil, err
	}
	nb, npairs := len(bs), set.Samples/2
	each := func(f func(i int, b *flowBatch) error) error {
		var g errgroup.Group
		g.SetLimit(set.Workers)
		for i, b := range bs {
			g.Go(func() error { return f(i, b) })
		}
		return g.Wait()
	}
	st := &flowState{grid: []float64{0}, h: ad.Initial}
	var ck *checkpointer
	resumed := false
	if set.CheckpointDir != "" {
		ck, err = openCheckpointGrid(set.CheckpointDir, set.CheckpointEvery, flowDescription(p, set, ad, nb), 0, nb, ad.String())
		if err != nil {
			return nil, err
		}
		if resumed, err = ck.restoreFlow(st, bs); err != nil {
			return nil, err
		}
		if resumed && !(st.passed >= 0 && st.passed <= len(ad.Times)) {
			return nil, fmt.Errorf("dmft: checkpoint %s is unusable: %d of %d Adaptive.Times passed", set.CheckpointDir, st.passed, len(ad.Times))
		}
	}
	restored := len(st.grid) - 1 // accepted steps restored
	if !resumed {
		if err := each(func(_ int, b *flowBatch) error { return b.start() }); err != nil {
			return nil, err
		}
	}
	grid, stepErr, quadErr, quadLoss, rejected, h := st.grid, st.stepErr, st.quadErr, st.quadLoss, st.rejected, st.h
	var rise *riseTracker // gradient flow descends its objective (flow_rise.go)
	if p.Algo == dynamics.GD {
		rise = newRiseTracker(p, nb)
		if err := rise.update(bs); err != nil {
			return nil, err
		}
	}
	hist := append([]float64(nil), bs[0].t...) // the history nodes, the same in every batch
	errs := make([]float64, nb)
	hits := ad.Times[st.passed:]
	if resumed && set.Progress != nil {
		set.Progress(int64(math.Round(1000*grid[len(grid)-1]/p.T)), 1000)
	}
	// The checkpoint is written at the top of the step loop, a step
	// boundary, where the state is st and the batches: every ck.every
	// after an accepted step, at a cancellation and at the end.
	saved, last, accepted := resumed, time.Now(), false
	save := func() error {
		*st = flowState{grid: grid, stepErr: stepErr, quadErr: quadErr, quadLoss: quadLoss, rejected: rejected, h: h, passed: len(ad.Times) - len(hits)}
		if err := ck.saveFlow(st, bs); err != nil {
			return err
		}
		saved, last = true, time.Now()
		return nil
	}
	for grid[len(grid)-1] < p.T {
		if err := ctx.Err(); err != nil {
			if ck != nil && !saved {
				err = errors.Join(err, save())
			}
			return nil, err
		}
		if ck != nil && accepted && !saved && time.Since(last) >= ck.every {
			if err := save(); err != nil {
				return nil, err
			}
		}
		saved, accepted = false, false
		tn := grid[len(grid)-1]
		hh := min(h, ad.MaxStep)
		for len(hits) > 0 && hits[0] <= tn*(1+1e-12) {
			hits = hits[1:]
		}
		end := p.T
		if len(hits) > 0 {
			end = min(end, hits[0])
		}
		if tn+hh >= end-1e-12*p.T {
			hh = end - tn
		}
		if hh < 1e-10*math.Max(1, p.T) {
			return nil, fmt.Errorf("dmft: adaptive step underflow (h = %g) at t = %g: the tolerance %g cannot be met", hh, tn, ad.Tol)
		}
		n := len(hist)
		tt := append(hist[:n:n], tn+hh)
		if err := each(func(i int, b *flowBatch) error {
			e, err := b.try(tt, n)
			errs[i] = e
			return err
		}); err != nil {
			return nil, err
		}
		e := 0.0
		for _, x := range errs {
			e = math.Max(e, x)
		}
		var q quadEst
		for _, b := range bs {
			q = q.max(b.tq)
		}
		fac := 2.0
		if e > 0 {
			fac = math.Min(2, math.Max(0.5, 0.9*math.Sqrt(ad.Tol/e)))
		}
		if e > ad.Tol {
			rejected++
			h = hh * fac
			continue
		}
		accepted = true
		if err := each(func(_ int, b *flowBatch) error { return b.accept(tt[n], n) }); err != nil {
			return nil, err
		}
		tNew := tt[n] // pruning below shifts tt's backing array
		grid = append(grid, tNew)
		hist = tt
		if !ad.KeepAll {
			drops := prunable(hist, ad.Theta)
			for i := len(drops) - 1; i >= 0; i-- {
				hist = del(hist, drops[i])
			}
			if len(drops) > 0 {
				if err := each(func(_ int, b *flowBatch) error {
					for i := len(drops) - 1; i >= 0; i-- {
						b.drop(drops[i])
					}
					return nil
				}); err != nil {
					return nil, err
				}
			}
		}
		stepErr = append(stepErr, e)
		quadErr = append(quadErr, q.all)
		quadLoss = append(quadLoss, q.loss)
		if rise != nil {
			if err := rise.update(bs); err != nil {
				return nil, err
			}
		}
		if quadHook != nil {
			quadHook(tNew, q)
		}
		h = hh * fac
		if set.Reached != nil {
			for i := range bs {
				set.Reached(i, tNew)
			}
		}
		if set.Progress != nil {
			set.Progress(int64(math.Round(1000*tNew/p.T)), 1000)
		}
	}
	if ck != nil && !saved {
		if err := save(); err != nil {
			return nil, err
		}
	}
	if endHook != nil {
		endHook(bs)
	}
	results := make([]*result, nb)
	for i, b := range bs {
		results[i] = b.result()
	}
	sol := combine(p, results, false)
	copy(sol.Times, grid)
	sol.Stats.Method = "flow"
	sol.Stats.Batches = nb
	sol.Stats.Samples = 2 * npairs
	sol.Stats.ResponseSamples = set.ResponseSamples
	sol.Stats.StepErr = stepErr
	sol.Stats.QuadErr = quadErr
	sol.Stats.QuadErrLoss = quadLoss
	sol.Stats.Rejected = rejected
	if rise != nil {
		sol.Stats.Rise, sol.Stats.RiseBatch, sol.Stats.RiseAt = rise.rise, rise.batch, rise.at
	}
	if resumed {
		sol.Stats.Resumed = int64(nb) * int64(restored)
	}
	for _, r := range results {
		sol.addTiming(r.timing)
		sol.Stats.Clamped += r.clamped
	}
	sol.Stats.Wall = time.Since(start)
	return sol, nil
}
