package dmft

// Gradient flow (full batch, η → 0) and SGF on an adaptive, non-uniform
// time grid (spec model-and-dmft.md §8). With g = s L'(y, r), D = s L”(y, r)
// (s ≡ 1 for gradient flow; for SGF each pair's telegraph selection,
// sampled exactly over each step from its transition probabilities):
//
//	sample process  r(t) = c m(t) + ω(t) − Δ ∫₀ᵗ R(t,s) g(s) ds,   ⟨ω(t)ω(s)⟩ = Δ C(t,s)
//	its response    y(s) = D(t) J_reg(t,s) = −Δ D(s) [D(t) R(t,s) + ∫ₛᵗ y(u) R(u,s) du]
//	kernels         μ = α⟨c g⟩, M_C(t,s) = αΔ⟨g(t)g(s)⟩, ν = αΔ⟨D⟩, Γ_reg(t,s) = αΔ⟨D(t)J_reg(t,s)⟩
//	propagator      ∂ₜG(t,s) = −(λ + ν(t)) G(t,s) − ∫ₛᵗ Γ_reg(t,u) G(u,s) du,  G(s,s) = 1,  R = G
//	overlap         m(t) = G(t,0) m₀ − ∫₀ᵗ G(t,s) μ(s) ds
//	correlation     C(t,t′) = m m′ + (C₀ − m₀²) G(t,0) G(t′,0) + ∫₀ᵗ∫₀^{t′} G(t,s) M_C(s,s′) G(t′,s′)
//
// The noise is not sampled from C directly but through its construction:
// ω(t) = √Δ [m(t) u + √(C₀ − m₀²) G(t,0) ζ + ∫₀ᵗ G(t,s) ξ(s) ds] with
// u, ζ ~ N(0,1) and ξ the Gaussian process of covariance M_C, sampled
// causally on the history nodes from the Cholesky factor of M_C (each
// ξ(t_n) from its law conditional on the past ξ). Its covariance is ΔC by
// the formula for C; and M_C on the nodes is the Gram matrix of the
// trajectories' g, positive semi-definite and never recomputed, so the
// factor stays consistent when history nodes are pruned (flow_prune.go) —
// the Cholesky factor of the quadrature C does not (its old rows were
// computed on the finer history; measured: negative conditional variances
// of O(1)).
//
// Every integral is the trapezoid rule on the history nodes: the grid
// t_0 = 0 < t_1 < … pruned to O((2/θ) log t) nodes (flow_prune.go); the
// own-time term of each integral (R(t,t) = 1) is implicit: a scalar equation
// r + Δ(h/2) L'(y, r) = a for the sample process (monotone for L” ≥ 0),
// a division for the response, a linear equation for G. The propagator is
// stepped by the exponential trapezoid rule (integrating factor for the
// friction λ + ν, trapezoid for the memory).
//
// Step n−1 → n (h = t_n − t_{n−1}) is predict–evaluate–correct: G, m and C
// at t_n from the kernel row n−1 held constant; then ξ(t_n) (from that
// predicted M_C row: t_n as a copy of t_{n−1}), the trajectories and the
// kernel row n; then G, m and C again with the true row, and the Cholesky
// row of ξ(t_n) from the true M_C row. The local error estimate is the largest predictor–corrector
// difference of m, C(t_n,t_n) and G(t_n,·) (relative to max(1, |value|)),
// largest over the batches, which share one grid: the step is accepted if
// it is at most Adaptive.Tol, and the next one is h·clamp(0.9√(Tol/err),
// 0.5, 2), at most Adaptive.MaxStep. A rejected step leaves every batch as
// it was, except for the white noise and the SGF uniforms drawn for t_n,
// which are kept for the retry (they belong to the step, not to the time).
// The estimate does not see the quadrature error of the memory integrals
// (MaxStep bounds it near the diagonal, Theta on the pruned history): both
// predictor and corrector use the same nodes. That error is estimated
// separately at each step, by Richardson on pairs of history segments
// with the error of G carried over from the earlier rows (flow_quad.go),
// and reported (Stats.QuadErr) but not controlled: against the exact
// square-loss flow it is of the size of the actual error of C(t,t) (ratio
// 0.6–1.3) and 3.5–5 times that of m, and at the defaults (Theta 0.1) it is
// ≈ 5e-3, above Tol = 1e-3 (TestFlowMeasureQuad). The global error is
// measured against the exact square-loss flow (TestFlowMeasureLong,
// TestFlowSquarePruned): m within 0.4·Tol·scale(m) over t ≤ 60 at
// λ = 0.01 for Tol = 1e-2 and 3e-3.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/loss"
)

// flowBatch is one independent gradient-flow solve: lower-triangular rows
// of the two-time quantities on the grid, and the trajectories.
type flowBatch struct {
	p      dynamics.Problem
	fn     loss.Func
	index  int
	npairs int
	dm     float64 // Δ in the memory term and the response, times Perturb.Memory
	adMC   float64 // αΔ·Perturb.MC
	adG    float64 // αΔ·Perturb.Gamma
	c0v    float64

	t       []float64   // the grid
	g       [][]float64 // G(t_n, t_j), j ≤ n
	gcol    [][]float64 // G(t_u, t_j) at [u−j], u ≥ j: the columns of g
	c       [][]float64 // C(t_n, t_j), j ≤ n
	l       [][]float64 // Cholesky factor of ΔC (plus jitter)
	gam     [][]float64 // Γ_reg(t_n, t_j), j ≤ n
	mc      [][]float64 // M_C(t_n, t_j), all j on the grid (symmetric)
	m, mu   []float64
	nu      []float64
	maxDiag float64
	clamped int

	cl, y, w, wr []float64
	eps          [][]float64 // per pair, white noise z per history node
	u, zeta      []float64   // per pair, the noise along v* and along w₀'s random part
	oz           []float64   // per pair, ω at the last evaluated node over its standard deviation: N(0,1), for control variates (TestFlowMeasureLong)
	rnd          *rand.Rand
	src          *rand.PCG   // rnd's source, for checkpoints
	gv, dv       [][]float64 // per trajectory, g and D per grid index

	// The tentative row of the step being tried.
	tg, tc, tl1, tgam, tmc []float64
	tm, tmu, tnu, tloss    float64
	terr                   float64
	tq                     quadEst   // the quadrature error estimate of the row (flow_quad.go)
	tdl                    float64   // the estimated quadrature error of the training loss at the row (flow_quad.go)
	cwbuf                  []float64 // its pair coefficients times G(t_n, ·)
	qbufN, qbufH, qbufV    []float64 // its scratch
	qbufA, qbufB           []float64
	eg                     [][]float64 // the estimated quadrature error of G(t_n, t_j), j ≤ n, fine − exact
	teg                    []float64   // its tentative row
	tgv, tdv               []float64   // per trajectory
	ybuf, wyb, abuf, vbuf  []float64
	ybuf4, wy4             []float64 // response scratch, four trajectories
	qbuf                   []float64 // the coefficients of the white noise in ω(t_n)
	act                    []int     // response: trajectories with D_n ≠ 0
	xbuf, csbuf, snbuf     []float64 // drop: the folded column and the rotations
	timing                 timing

	// SGF: the selection of each pair at the last accepted node, the
	// tentative one at the node tried, and the uniforms that decide the
	// transitions of the next step (kept for its retries).
	sgf          bool
	selB, selTau float64
	sel, tsel    []bool
	pendU        []float64
	pendFor      int // the accepted steps when pendU was drawn
	nacc         int
	rsel         *rand.Rand
	srcSel       *rand.PCG

	// The one-time curves at every accepted grid point (the history above
	// keeps the pruned nodes only).
	rt, rm, rctt, rmu, rtl, rte []float64
}

func newFlowBatch(p dynamics.Problem, index, npairs int, fresp float64, q Perturb, seed uint64) *flowBatch {
	q = q.withDefaults()
	b := &flowBatch{
		p: p, fn: p.Loss, index: index, npairs: npairs,
		dm:   q.Memory * p.Model.Delta,
		adMC: q.MC * p.Alpha * p.Model.Delta, adG: q.Gamma * p.Alpha * p.Model.Delta,
		c0v: p.C0 - p.M0*p.M0,
	}
	nt := 2 * npairs
	b.cl, b.y, b.w, b.wr = make([]float64, nt), make([]float64, nt), make([]float64, nt), make([]float64, nt)
	b.gv, b.dv = make([][]float64, nt), make([][]float64, nt)
	b.tgv, b.tdv = make([]float64, nt), make([]float64, nt)
	b.eps = make([][]float64, npairs)
	b.u, b.zeta, b.oz = make([]float64, npairs), make([]float64, npairs), make([]float64, npairs)
	layout(p.Model, npairs, fresp, b.cl, b.y, b.w, b.wr)
	b.src = rng.NewPCG(seed, uint64(index), 0, streamEps)
	b.rnd = rand.New(b.src)
	for p := range b.u {
		b.u[p], b.zeta[p] = b.rnd.NormFloat64(), b.rnd.NormFloat64()
	}
	b.sel, b.tsel = make([]bool, npairs), make([]bool, npairs)
	if p.Algo == dynamics.SGF {
		b.sgf, b.selB, b.selTau = true, p.B, p.Tau
		b.pendU, b.pendFor = make([]float64, npairs), -1
		b.srcSel = rng.NewPCG(seed, uint64(index), 0, streamSelect)
		b.rsel = rand.New(b.srcSel)
		for i := range b.tsel {
			b.tsel[i] = b.rsel.Float64() < p.B // s(0) ~ Bernoulli(b), stationary
		}
	} else {
		for i := range b.tsel {
			b.tsel[i] = true
		}
	}
	return b
}

// trap returns the trapezoid weight of node u on [t_a, t_b] of grid t.
func trap(t []float64, u, a, b int) float64 {
	switch {
	case a == b:
		return 0
	case u == a:
		return (t[a+1] - t[a]) / 2
	case u == b:
		return (t[b] - t[b-1]) / 2
	}
	return (t[u+1] - t[u-1]) / 2
}

// gRow computes G(t_n, t_j), j ≤ n, into dst from rows < n and the kernel
// row n (gamN, nuN): the exponential trapezoid step from t_{n−1}.
func (b *flowBatch) gRow(t []float64, n int, gamN []float64, nuN float64, dst []float64) {
	i := n - 1
	h := t[n] - t[i]
	e := math.Exp(-b.p.Lambda*h - (b.nu[i]+nuN)*h/2)
	// F_i(j) = Σ_{u=j}^{i} trap(u; j, i) Γ(i,u) G(u,j) and
	// F'_n(j) = Σ_{u=j}^{i} trap(u; j, n) Γ(n,u) G(u,j), into fi and fn.
	fi := b.abuf[:n]
	fn := b.vbuf[:n]
	clear(fi)
	clear(fn)
	gi := b.gam[i]
	for u := 0; u <= i; u++ {
		gu := b.g[u]
		// j < u: u is interior or the end.
		if u > 0 {
			axpy(trap(t, u, 0, i)*gi[u], gu[:u], fi[:u])
			axpy(trap(t, u, 0, n)*gamN[u], gu[:u], fn[:u])
		}
		// j = u: the first node.
		if u < i {
			fi[u] += (t[u+1] - t[u]) / 2 * gi[u]
		}
		fn[u] += (t[u+1] - t[u]) / 2 * gamN[u]
	}
	den := 1 + h*h/4*gamN[n]
	gi0 := b.g[i]
	for j := 0; j < n; j++ {
		dst[j] = (e*gi0[j] - h/2*(e*fi[j]+fn[j])) / den
	}
	dst[n] = 1
}

// mcRow computes m(t_n) and C(t_n, t_l), l ≤ n, from G row n and the
// kernel row n (muN, mcN).
func (b *flowBatch) mcRow(t []float64, n int, gn []float64, muN float64, mcN []float64, cdst []float64) float64 {
	mn := gn[0] * b.p.M0
	for s := 0; s <= n; s++ {
		mu := muN
		if s < n {
			mu = b.mu[s]
		}
		mn -= trap(t, s, 0, n) * gn[s] * mu
	}
	// v(s′) = Σ_s trap(s; 0, n) G(n,s) M_C(s,s′), s′ ≤ n; the rows
	// b.mc[s], s < n, hold M_C(s, s′) for all s′ < n.
	v := b.vbuf[:n+1]
	clear(v)
	for s := 0; s <= n; s++ {
		a := trap(t, s, 0, n) * gn[s]
		if a == 0 {
			continue
		}
		if s < n {
			axpy(a, b.mc[s][:n], v[:n])
			v[n] += a * mcN[s]
		} else {
			axpy(a, mcN[:n+1], v)
		}
	}
	// u(s) = trap(s; 0, l) v(s) for s < l, the same for every l > s.
	u := b.ybuf[:n+1]
	for s := range u {
		u[s] = trap(t, s, 0, n) * v[s]
	}
	for l := 0; l <= n; l++ {
		gl, ml := gn, mn
		if l < n {
			gl, ml = b.g[l], b.m[l]
		}
		x := mn*ml + b.c0v*gn[0]*gl[0]
		if l > 0 {
			x += dot(gl[:l], u[:l]) + (t[l]-t[l-1])/2*gl[l]*v[l]
		}
		cdst[l] = x
	}
	return mn
}

// cholRow computes row n of the Cholesky factor of M_C on the history
// (plus jitter, as in noise.go) from M_C row n.
func (b *flowBatch) cholRow(n int, mn, dst []float64, commit bool) error {
	for j := 0; j < n; j++ {
		lj := b.l[j]
		if lj[j] == 0 {
			dst[j] = 0
			continue
		}
		dst[j] = (mn[j] - dot(dst[:j], lj[:j])) / lj[j]
	}
	diag := mn[n]
	md := max(b.maxDiag, diag)
	jit := jitter * md
	piv := diag + jit - dot(dst[:n], dst[:n])
	switch {
	case piv < -jit || math.IsNaN(piv):
		return fmt.Errorf("dmft: conditional variance %v < 0 at history node %d (t = %g) in batch %d: M_C is not positive semi-definite (M_C[n,n] = %v)", piv, n, b.t[len(b.t)-1], b.index, diag)
	case piv <= 0:
		dst[n] = 0
		if commit {
			b.clamped++
		}
	default:
		dst[n] = math.Sqrt(piv)
	}
	if commit {
		b.maxDiag = md
	}
	return nil
}

// solveR solves r + a L'(y, r) = rhs by Newton's method safeguarded by
// bisection; L' is non-decreasing in r when L” ≥ 0, which the solve checks.
// A Newton step that leaves the bracket, or follows one that did not halve
// |f|, is replaced by bisection: for a large a (an S-shaped f, as the
// logistic loss gives at a ≈ 19) Newton alone can bounce between the
// bracket's ends without converging.
func (b *flowBatch) solveR(y, a, rhs float64) (r, dl, d2l float64, err error) {
	if a == 0 {
		_, dl, d2l = b.fn.Eval(y, rhs)
		return rhs, dl, d2l, nil
	}
	_, d0, _ := b.fn.Eval(y, rhs)
	lo, hi := rhs-a*d0, rhs
	if lo > hi {
		lo, hi = hi, lo
	}
	r = rhs
	fPrev := math.Inf(1)
	for it := 0; it < 200; it++ {
		_, dl, d2l = b.fn.Eval(y, r)
		f := r + a*dl - rhs
		if math.Abs(f) <= 1e-13*(1+math.Abs(rhs)) {
			return r, dl, d2l, nil
		}
		if d2l < 0 {
			return 0, 0, 0, fmt.Errorf("dmft: L'' = %v < 0 at r = %v: gradient flow needs a convex loss in r", d2l, r)
		}
		if f > 0 {
			hi = r
		} else {
			lo = r
		}
		nr := r - f/(1+a*d2l)
		if !(nr > lo && nr < hi) || math.Abs(f) > fPrev/2 {
			nr = (lo + hi) / 2
		}
		fPrev = math.Abs(f)
		r = nr
	}
	return 0, 0, 0, fmt.Errorf("dmft: the implicit sample-process equation r + %g L'(r) = %g did not converge in batch %d", a, rhs, b.index)
}

// evaluate advances the trajectories to grid point n with G row gn, L row
// ln, m_n, and writes the kernel row n into the tentative fields.
func (b *flowBatch) evaluate(t []float64, n int, gn, ln []float64, mn float64) error {
	t0 := time.Now()
	for len(b.eps[0]) <= n {
		for p := range b.eps {
			b.eps[p] = append(b.eps[p], b.rnd.NormFloat64())
		}
	}
	// a_j = trap(j; 0, n) R(n,j), j < n; the own-time term is implicit.
	a := b.abuf[:n]
	for j := range a {
		a[j] = trap(t, j, 0, n) * gn[j]
	}
	var own float64
	if n > 0 {
		own = b.dm * (t[n] - t[n-1]) / 2
	}
	// ω(t_n) = √Δ [m_n u + √(C₀ − m₀²) G(t_n,0) ζ + Σ_s a_s ξ(s)] with
	// a_s = trap(s; 0, n) G(t_n, s) and ξ(s) = Σ_j L[s,j] z_j: the
	// coefficients of z are q = Lᵀa.
	q := b.qbuf[:n+1]
	clear(q)
	for s := 0; s <= n; s++ {
		ls := ln
		if s < n {
			ls = b.l[s]
		}
		axpy(trap(t, s, 0, n)*gn[s], ls[:s+1], q[:s+1])
	}
	sd := math.Sqrt(b.p.Model.Delta)
	for j := range q {
		q[j] *= sd
	}
	cu, cz := sd*mn, sd*math.Sqrt(b.c0v)*gn[0]
	osd := math.Sqrt(cu*cu + cz*cz + dot(q, q))
	if b.sgf && n > 0 {
		// The telegraph process's exact transitions over t_n − t_{n−1}.
		if b.pendFor != b.nacc {
			for p := range b.pendU {
				b.pendU[p] = b.rsel.Float64()
			}
			b.pendFor = b.nacc
		}
		e := math.Exp(-(t[n] - t[n-1]) / (b.selB * b.selTau))
		p01, p11 := b.selB*(1-e), b.selB+(1-b.selB)*e
		for p, on := range b.sel {
			pr := p01
			if on {
				pr = p11
			}
			b.tsel[p] = b.pendU[p] < pr
		}
	}
	// The trapezoid error of each trajectory's memory term Σ_j a_j g(t_j):
	// the pairs of [0, t_n] anchored at n (flow_quad.go), their weights
	// times G(t_n, ·) in cw.
	b.cwbuf = grow(b.cwbuf, n+1)
	cw := b.cwbuf[:n+1]
	clear(cw)
	for p2 := n; p2 >= 2; p2 -= 2 {
		c0, c1, c2 := pairCoef(t[p2-2], t[p2-1], t[p2])
		cw[p2-2] += c0 * gn[p2-2]
		cw[p2-1] += c1 * gn[p2-1]
		cw[p2] += c2 * gn[p2]
	}
	mc := b.tmc[:n+1]
	clear(mc)
	var mu, nu, tl, te, dtl float64
	for p := 0; p < b.npairs; p++ {
		o := cu*b.u[p] + cz*b.zeta[p] + dot(q, b.eps[p][:n+1])
		b.oz[p] = o / osd
		sp := 0.0
		if b.tsel[p] {
			sp = 1
		}
		for hh := 0; hh < 2; hh++ {
			k := 2*p + hh
			rhs := b.cl[k]*mn + o - b.dm*dot(a, b.gv[k][:n])
			o = -o
			r, dl, d2l, err := b.solveR(b.y[k], own*sp, rhs)
			if err != nil {
				return err
			}
			// The memory term's error shifts r by −Δ·(its error), through
			// the implicit own-time term; the training loss by L'(r) times
			// that, to first order.
			dtl += b.w[k] * dl * (-b.dm * (dot(cw[:n], b.gv[k][:n]) + cw[n]*sp*dl)) / (1 + own*sp*d2l)
			dl, d2l = sp*dl, sp*d2l // g = s L', D = s L''
			w := b.w[k]
			l, _, _ := b.fn.Eval(b.y[k], r)
			tl += w * l
			te += w * b.fn.Error(b.y[k], r)
			mu += w * b.cl[k] * dl
			nu += w * d2l
			b.tgv[k], b.tdv[k] = dl, d2l
			axpy(w*dl, b.gv[k][:n], mc[:n])
			mc[n] += w * dl * dl
		}
	}
	if math.IsNaN(mu+tl) || math.IsInf(mu+tl, 0) {
		return fmt.Errorf("dmft: diverged at t = %g in batch %d: non-finite sample process (μ = %v, loss = %v)", t[n], b.index, mu, tl)
	}
	for j := range mc {
		mc[j] *= b.adMC
	}
	b.tmu, b.tnu, b.tloss, b.terr = b.p.Alpha*mu, b.adG*nu, tl, te
	b.tdl = dtl
	t1 := time.Now()
	b.response(t, n, gn)
	b.timing.Sampling += t1.Sub(t0)
	b.timing.Response += time.Since(t1)
	return nil
}

// response writes Γ_reg(t_n, t_j), j ≤ n, into b.tgam: per trajectory,
// backwards from y_n = −Δ D_n²,
//
//	y_j (1 + Δ D_j h_j/2) = −Δ D_j [D_n R(n,j) + Σ_{u=j+1}^{n} trap(u; j, n) y_u R(u,j)],
//
// y_j = D_n J_reg(t_n, t_j). Four trajectories at a time share each load of
// the column G(·, t_j), and their four sums hide the add latency.
func (b *flowBatch) response(t []float64, n int, gn []float64) {
	row := b.tgam[:n+1]
	clear(row)
	n1 := n + 1
	b.ybuf4 = grow(b.ybuf4, 4*n1)
	b.wy4 = grow(b.wy4, 4*n1)
	act := b.act[:0]
	for k, wr := range b.wr {
		if wr != 0 && b.tdv[k] != 0 {
			act = append(act, k)
		}
	}
	b.act = act
	wEnd := trap(t, n, 0, n)
	for g := 0; g < len(act); g += 4 {
		nt := min(4, len(act)-g)
		var y, wy, d [4][]float64
		var dn [4]float64
		for i := 0; i < 4; i++ {
			k := act[g+min(i, nt-1)] // pad with the last trajectory
			d[i], dn[i] = b.dv[k], b.tdv[k]
			y[i], wy[i] = b.ybuf4[i*n1:(i+1)*n1], b.wy4[i*n1:(i+1)*n1]
			y[i][n] = -b.dm * dn[i] * dn[i]
			wy[i][n] = wEnd * y[i][n]
		}
		for j := n - 1; j >= 0; j-- {
			col := b.gcol[j][1 : n-j] // G(t_u, t_j), u = j+1 … n−1
			a0, a1, a2, a3 := wy[0][j+1:n], wy[1][j+1:n], wy[2][j+1:n], wy[3][j+1:n]
			a0, a1, a2, a3 = a0[:len(col)], a1[:len(col)], a2[:len(col)], a3[:len(col)]
			var s [4]float64
			for u, r := range col {
				s[0] += a0[u] * r
				s[1] += a1[u] * r
				s[2] += a2[u] * r
				s[3] += a3[u] * r
			}
			hj := (t[j+1] - t[j]) / 2
			var wj float64
			if j > 0 {
				wj = (t[j+1] - t[j-1]) / 2
			}
			for i := 0; i < 4; i++ {
				dj := d[i][j]
				yj := -b.dm * dj * ((dn[i]+wy[i][n])*gn[j] + s[i]) / (1 + b.dm*dj*hj)
				y[i][j], wy[i][j] = yj, wj*yj
			}
		}
		for i := 0; i < nt; i++ {
			axpy(b.wr[act[g+i]], y[i], row)
		}
	}
	for j := range row {
		row[j] *= b.adG
	}
}
