package dmft

// The quadrature error of the adaptive solve's memory integrals (flow.go),
// which the predictor–corrector difference does not see: both use the same
// trapezoid rule on the same history nodes. It is estimated per step, for
// the row being accepted, by Richardson on pairs of adjacent history
// segments: on a pair t₀ < t₁ < t₂ (a = t₁ − t₀, b = t₂ − t₁) the
// trapezoid rule errs by (a³ + b³) f”/12 and the one-segment rule on
// [t₀, t₂] by (a + b)³ f”/12, so the error of the fine rule is
// κ·(coarse − fine) with κ = (a³ + b³)/(3ab(a + b)): 1/3 for a = b (the
// textbook |coarse − fine|/3), 1/2 for a = 2b, as pruning leaves next to
// its gaps. Written out, κ(coarse − fine) = (a³ + b³)/12 times the second
// divided difference of f on the pair: the trapezoid error formula with f”
// from the stored kernel values, no new sampling. The pairs are anchored at
// the upper end of each integral, (t_{k−2}, t_{k−1}, t_k), (t_{k−4}, …);
// a lowest segment left over has no estimate.
//
// The integrals estimated are those of the row: F_i and F'_n of the
// propagator step (gRow; their error enters G(t_n, ·) times h/2), the
// integral of m(t_n) and the double integral of C(t_n, t_n) (mcRow; by the
// symmetry of M_C its error is twice that along one axis). The error of G
// also accumulates from step to step, and it is what dominates C's: so the
// estimated error of each G row is kept on the history (b.eg, pruned and
// checkpointed with G) and carried into row n by the linearisation of the
// propagator step (errRow), and into m(t_n) and C(t_n, t_n) to first
// order. The kernels' feedback (μ, Γ_reg and M_C respond to the errors of
// m, C and G through the trajectories) is neglected. Its cost per step is
// about that of gRow and mcRow again,
// O(|H|²): measured +15–55% of the weights phase; the whole solve +4% with
// every node kept at N = 2000 (fastest of 4 runs each), within its
// run-to-run noise at the defaults (TestFlowMeasureCost).
//
// Each trajectory's own memory term Δ∫R(t,s)g(s)ds (flow.go, evaluate) is
// a trapezoid sum too, and its error shifts the trajectory's r by
// −Δ·(error)/(1 + Δ(h/2)D): a fixed point seen with a susceptibility off
// by the quadrature error of ∫R. Its effect on the training loss,
// Σ w L'(r) δr to first order, is reported relative to the loss and signed
// (Stats.QuadErrLoss; its effect on the kernels is neglected, as above):
// one more dot product per trajectory, with the pairs' weights times
// G(t_n, ·). Calibrated against pruning, which leaves the grid and the
// noise as they are (TestFlowQuadLoss, TestFlowMeasureQuadLoss:
// actual/estimated 1.12–1.20). Its
// part near the diagonal is conservative at a fixed point: on the
// logistic flow at t = 1000 it falls from −1.67e-3 to −0.86e-3 when
// MaxStep goes from 1 to 0.5, where the training loss moved by +1e-4 only
// (two seeds at N = 2·10⁵, TestFlowMeasureLong; the same quadrature in the
// response and the propagator compensates part of it at stationarity).
// The response's memory term is not estimated.
//
// Calibration (TestFlowMeasureQuad, TestFlowQuadCalibration): against the
// exact square-loss flow with a coarse history (Theta 0.5 and 0.8, where
// the quadrature error is 5–15% of C(t,t)), the largest actual error of m
// and C(t,t) over the largest estimate is 0.63–1.26 over 9 solves; m's own
// estimate is conservative, 3.5–5 times its actual error (the feedback
// damps it). At the default Theta 0.1 the estimate is 4–8e-3 of C(t,t)
// (λ = 0.01 and 0.05, t ≤ 100), where the pruned solve differs from the
// one keeping every node, with the same noise, by 2.5e-3 of C at t = 40.
//
// The estimate is reported, not controlled: a control by Tol would abort
// or change solves at the defaults with Tol = 1e-3 or 3e-3, whose pruning
// error (above) is within the allowances the tests measured; Theta is the
// knob (the error falls like Theta²), and the command line prints the
// estimate and says when it exceeds Tol. Its split by where the pairs lie, within the unpruned tail of
// the history (near the diagonal: consecutive grid steps, their length set
// by the step control and Adaptive.MaxStep) or before it (the pruned
// history: its spacing set by Adaptive.Theta), is a diagnostic. Which
// part dominates depends on the problem: for the square loss with Theta 0.8
// and MaxStep 4 (Tol 1e-2) the near-diagonal part is ≤ 5e-4 against 0.04
// before it; for the logistic flow of issue 9 (flowLogistic, N = 4000,
// T = 100) at the defaults it is 1.4e-3 against 5e-4 at Tol 1e-2 (1.5e-3
// with MaxStep 4), and the reported estimate 4.4e-3 (below Tol) at Tol
// 1e-2, 1.8e-3 (above Tol) at Tol 1e-3.
// For SGF (b = 0.3, τ = 1, same problem) it is 2.1e-2 at Tol 1e-2 and
// 1.7e-2 at Tol 1e-3, not calibrated (no exact reference): the telegraph
// selection makes the kernels rough (M_C has a kink at equal times, and
// the finite-N selection noise), which second differences read as
// curvature, so it is likely an overestimate there.

import "math"

// quadEst is the estimated quadrature error of a row: all, the reported
// one, is the largest of |δm|/max(1, |m|), |δC(t_n,t_n)|/max(1, |C|) and
// |δG(t_n, t_j)| over j, with the error of G carried over from the earlier
// rows; local is the same without it (the row's own integrals only), and
// near and hist split local by where the pairs lie.
type quadEst struct {
	all, local, near, hist float64
	dm, dc                 float64 // the estimates of the errors of m and C(t_n,t_n), fine − exact
	loss                   float64 // of the training loss, relative to it, signed (fine − exact): the trajectories' memory terms
}

// max returns the larger of q and r, field by field (of dm and dc, in
// absolute value).
func (q quadEst) max(r quadEst) quadEst {
	return quadEst{
		all: math.Max(q.all, r.all), local: math.Max(q.local, r.local),
		near: math.Max(q.near, r.near), hist: math.Max(q.hist, r.hist),
		dm: math.Max(math.Abs(q.dm), math.Abs(r.dm)), dc: math.Max(math.Abs(q.dc), math.Abs(r.dc)),
		loss: absMax(q.loss, r.loss),
	}
}

// absMax returns whichever of x and y is larger in absolute value.
func absMax(x, y float64) float64 {
	if math.Abs(y) > math.Abs(x) {
		return y
	}
	return x
}

// pairCoef returns the weights of f(t₀), f(t₁), f(t₂) in the estimate of
// the trapezoid error on the pair t₀ < t₁ < t₂: κ·(coarse − fine), which
// approximates fine − exact.
func pairCoef(t0, t1, t2 float64) (c0, c1, c2 float64) {
	a, b := t1-t0, t2-t1
	k := (a*a*a + b*b*b) / (3 * a * b * (a + b))
	return k * b / 2, -k * (a + b) / 2, k * a / 2
}

// tailStart returns the first history node from which every segment up to
// the last history node is a grid step (no node was pruned there).
func (b *flowBatch) tailStart() int {
	k0 := len(b.t) - 1
	for q := len(b.rt) - 2; k0 > 0 && q >= 0 && b.t[k0-1] == b.rt[q]; q-- {
		k0--
	}
	return k0
}

// quadErr estimates the quadrature error of the tried row n (the corrected
// row in the tentative fields; t holds the history and t_n) and writes the
// propagated error of G(t_n, ·) into b.teg.
func (b *flowBatch) quadErr(t []float64, n int) quadEst {
	b.teg = grow(b.teg, n+1)
	eg := b.teg[:n+1]
	clear(eg)
	if n < 2 {
		return quadEst{}
	}
	k0 := b.tailStart()
	var est quadEst
	put := func(x, xn, xh float64) {
		est.all = math.Max(est.all, x)
		est.local = math.Max(est.local, math.Abs(xn+xh))
		est.near = math.Max(est.near, math.Abs(xn))
		est.hist = math.Max(est.hist, math.Abs(xh))
	}
	// G(t_n, t_j) = (e G(t_i, t_j) − h/2 (e F_i(j) + F'_n(j)))/den: the
	// pairs of [t_j, t_i] anchored at i, for each j ≤ p₀.
	i := n - 1
	h := t[n] - t[i]
	e := math.Exp(-b.p.Lambda*h - (b.nu[i]+b.tnu)*h/2)
	den := 1 + h*h/4*b.tgam[n]
	s := h / 2 / den
	b.qbufN = grow(b.qbufN, n)
	b.qbufH = grow(b.qbufH, n)
	dn, dh := b.qbufN[:n], b.qbufH[:n]
	clear(dn)
	clear(dh)
	gi := b.gam[i]
	for p2 := i; p2 >= 2; p2 -= 2 {
		p0, p1 := p2-2, p2-1
		c0, c1, c2 := pairCoef(t[p0], t[p1], t[p2])
		w0 := s * c0 * (e*gi[p0] + b.tgam[p0])
		w1 := s * c1 * (e*gi[p1] + b.tgam[p1])
		w2 := s * c2 * (e*gi[p2] + b.tgam[p2])
		dst := dh
		if p0 >= k0 {
			dst = dn
		}
		g0, g1, g2 := b.g[p0][:p0+1], b.g[p1][:p0+1], b.g[p2][:p0+1]
		for j := range dst[:p0+1] {
			dst[j] += w0*g0[j] + w1*g1[j] + w2*g2[j]
		}
	}
	// The error of G(t_i, ·) and older rows, propagated by the step.
	b.errRow(t, n, e, den, eg)
	for j := range dn {
		// δG of the row, fine − exact: minus h/2 the error of the F's.
		eg[j] -= dn[j] + dh[j]
		put(math.Abs(eg[j]), dn[j], dh[j])
	}
	// m(t_n) and C(t_n, t_n): the pairs of [0, t_n] anchored at n, with
	// v(s) = Σ_{s′} trap(s′; 0, n) G(t_n, s′) M_C(s, s′).
	gn := b.tg[:n+1]
	b.qbufV = grow(b.qbufV, n+1)
	v := b.qbufV[:n+1]
	clear(v)
	for s2 := 0; s2 <= n; s2++ {
		a := trap(t, s2, 0, n) * gn[s2]
		if s2 < n {
			axpy(a, b.mc[s2][:n], v[:n])
			v[n] += a * b.tmc[s2]
		} else {
			axpy(a, b.tmc[:n+1], v)
		}
	}
	var mN, mH, cN, cH float64
	for p2 := n; p2 >= 2; p2 -= 2 {
		p0, p1 := p2-2, p2-1
		c0, c1, c2 := pairCoef(t[p0], t[p1], t[p2])
		mu2 := b.tmu
		if p2 < n {
			mu2 = b.mu[p2]
		}
		dm := -(c0*gn[p0]*b.mu[p0] + c1*gn[p1]*b.mu[p1] + c2*gn[p2]*mu2)
		dc := 2 * (c0*gn[p0]*v[p0] + c1*gn[p1]*v[p1] + c2*gn[p2]*v[p2])
		if p0 >= k0 {
			mN, cN = mN+dm, cN+dc
		} else {
			mH, cH = mH+dm, cH+dc
		}
	}
	// What the error of G(t_n, ·) adds, to first order: m through G(t_n, 0)
	// and the integral of μ; C through m², G(t_n, 0)² and the double
	// integral (twice one side, by symmetry).
	dmG := eg[0] * b.p.M0
	var dcG float64
	for s2 := 0; s2 < n; s2++ {
		w := trap(t, s2, 0, n) * eg[s2]
		dmG -= w * b.mu[s2]
		dcG += 2 * w * v[s2]
	}
	dm := mN + mH + dmG
	dc := cN + cH + dcG + 2*b.tm*dm + 2*b.c0v*gn[0]*eg[0]
	sm, sc := math.Max(1, math.Abs(b.tm)), math.Max(1, math.Abs(b.tc[n]))
	put(math.Abs(dm)/sm, mN/sm, mH/sm)
	put(math.Abs(dc)/sc, cN/sc, cH/sc)
	est.dm, est.dc = dm, dc
	if b.tloss != 0 {
		est.loss = b.tdl / math.Abs(b.tloss)
	}
	return est
}

// errRow writes into dst[:n] the error of G(t_n, ·) that the step carries
// over from the rows before: the linearisation of gRow in G (whose diagonal
// G(u, u) = 1 is exact), applied to the stored errors b.eg, with the
// kernels held fixed.
func (b *flowBatch) errRow(t []float64, n int, e, den float64, dst []float64) {
	i := n - 1
	h := t[n] - t[i]
	b.qbufA = grow(b.qbufA, n)
	b.qbufB = grow(b.qbufB, n)
	fi, fn := b.qbufA[:n], b.qbufB[:n]
	clear(fi)
	clear(fn)
	gi := b.gam[i]
	for u := 1; u <= i; u++ {
		eu := b.eg[u][:u]
		axpy(trap(t, u, 0, i)*gi[u], eu, fi[:u])
		axpy(trap(t, u, 0, n)*b.tgam[u], eu, fn[:u])
	}
	ei := b.eg[i]
	for j := 0; j < n; j++ {
		dst[j] = (e*ei[j] - h/2*(e*fi[j]+fn[j])) / den
	}
}
