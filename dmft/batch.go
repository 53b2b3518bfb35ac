package dmft

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/internal/vec"
	"github.com/sgdmft/sgdmft/loss"
)

func dot(x, y []float64) float64 { return vec.Dot(x, y) }

func axpy(a float64, x, y []float64) { vec.Axpy(a, x, y) }

// gatherDot returns Σ_i x[idx[i]] y[i]. Four accumulators break the
// floating-point add latency chain (the loop is latency-bound otherwise).
func gatherDot(x []float64, idx []int32, y []float64) float64 {
	y = y[:len(idx)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(idx); i += 4 {
		s0 += x[idx[i]] * y[i]
		s1 += x[idx[i+1]] * y[i+1]
		s2 += x[idx[i+2]] * y[i+2]
		s3 += x[idx[i+3]] * y[i+3]
	}
	for ; i < len(idx); i++ {
		s0 += x[idx[i]] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Stream indices of a batch's random streams (seed, batch, iteration, stream).
const (
	streamEps = iota
	streamSelect
)

// Divergence thresholds.
const (
	// blowUp bounds C[k,k]: beyond it the solve is declared divergent (the
	// simulator uses the same kind of bound on |w|²/d).
	blowUp = 1e100
	// jitter: the Cholesky factor is that of ΔC + δ_k on the diagonal,
	// δ_k = jitter·max_{l≤k} ΔC[l,l]. C is a Gram matrix of a smooth curve
	// and numerically singular after a few steps (its smallest eigenvalue
	// reaches 1e-16·|C| by k ≈ 7 for gd at η = 0.1); as computed it is
	// indefinite at the round-off level ~k·ε·|C|, and a pivot of such a
	// matrix can be negative far beyond ε (−1e-6·ΔC[k,k] was seen). The
	// jitter, larger than that round-off for K ≲ 10⁴ steps, makes the matrix
	// definite, so the (backward stable) factorisation has positive pivots
	// and does not amplify round-off; it adds independent noise of relative
	// variance 1e-9 to ω, far below any Monte-Carlo error.
	jitter = 1e-9
)

// kernels are the DMFT kernels of spec §4, (K+1)×(K+1) row-major.
type kernels struct {
	mu    []float64 // μ_k = α⟨c g_k⟩
	mc    []float64 // M_C[k,l] = αΔ⟨g_k g_l⟩, symmetric
	gamma []float64 // Γ[k,j] = αΔ⟨D_k J[k,j]⟩, j ≤ k
}

func newKernels(k1 int) *kernels {
	return &kernels{mu: make([]float64, k1), mc: make([]float64, k1*k1), gamma: make([]float64, k1*k1)}
}

// batch is one independent DMFT solve on a set of trajectories: the weight
// side (G, R, m, C), the Cholesky factor of ΔC and the sample process.
type batch struct {
	p      dynamics.Problem
	fn     loss.Func
	chain  dynamics.Chain
	full   bool // every sample selected at every step
	k1     int  // K+1 time points
	eta    float64
	ed     float64 // ηΔ, times Perturb.Memory
	adMC   float64 // αΔ, times Perturb.MC
	adG    float64 // αΔ, times Perturb.Gamma
	c0v    float64 // C0 − m0²
	index  int     // batch number, for errors and streams
	npairs int

	// Weight side, (K+1)×(K+1) row-major.
	g, r, rt, c, l []float64 // G[k,s]; R[k,j] = G[k,j+1]; Rᵀ; C; Cholesky factor of ΔC
	m              []float64
	in, out        *kernels // kernels read by the weight side; kernels written by the sample process
	clamped        int      // pivots clamped to zero
	maxDiag        float64  // max ΔC[l,l] so far
	trainLoss      []float64
	trainErr       []float64

	// Trajectories: 2·npairs, pair p is trajectories 2p (ε) and 2p+1 (−ε).
	cl    []float64 // cluster position c
	y     []float64 // label
	w     []float64 // weight in ⟨·⟩: p_cluster / trajectories of the cluster
	wr    []float64 // weight in Γ: p_cluster / response trajectories of the cluster, 0 outside
	eps   []float64 // npairs × (K+1) white noise
	sel   []bool    // current selection of each pair
	rnd   *rand.Rand
	cnt   []int     // selected steps so far per trajectory
	times []int32   // per trajectory, the selected steps (ntraj × (K+1))
	gv    []float64 // g at those steps
	dv    []float64 // D at those steps
	ybuf  []float64 // response scratch
	ybuf4 []float64 // response scratch, four trajectories
	act   []int     // response: trajectories with D_k ≠ 0

	timing timing
}

// stratify splits n pairs among clusters of probabilities p by largest
// remainders, at least one pair each.
func stratify(p []float64, n int) []int {
	out := make([]int, len(p))
	left := n
	type rem struct {
		i int
		f float64
	}
	rs := make([]rem, len(p))
	for i, pi := range p {
		x := pi * float64(n)
		out[i] = int(x)
		left -= out[i]
		rs[i] = rem{i, x - float64(out[i])}
	}
	for ; left > 0; left-- {
		best := 0
		for j := range rs {
			if rs[j].f > rs[best].f {
				best = j
			}
		}
		out[rs[best].i]++
		rs[best].f = -1
	}
	for i := range out {
		for out[i] == 0 {
			big := 0
			for j := range out {
				if out[j] > out[big] {
					big = j
				}
			}
			out[big]--
			out[i]++
		}
	}
	return out
}

// newBatch lays out npairs antithetic pairs stratified over the clusters, of
// which a fraction fresp (at least one pair per cluster) enters Γ.
func newBatch(p dynamics.Problem, chain dynamics.Chain, index, npairs int, fresp float64, q Perturb) *batch {
	q = q.withDefaults()
	k1 := p.Steps() + 1
	b := &batch{
		p: p, fn: p.Loss, chain: chain, full: chain.Full(), k1: k1,
		eta: p.Eta, ed: q.Memory * p.Eta * p.Model.Delta,
		adMC: q.MC * p.Alpha * p.Model.Delta, adG: q.Gamma * p.Alpha * p.Model.Delta,
		c0v: p.C0 - p.M0*p.M0, index: index, npairs: npairs,
	}
	nn := k1 * k1
	b.g, b.r, b.rt, b.c, b.l = make([]float64, nn), make([]float64, nn), make([]float64, nn), make([]float64, nn), make([]float64, nn)
	b.m, b.trainLoss, b.trainErr = make([]float64, k1), make([]float64, k1), make([]float64, k1)
	b.in = newKernels(k1)
	b.out = b.in
	nt := 2 * npairs
	b.cl, b.y, b.w, b.wr = make([]float64, nt), make([]float64, nt), make([]float64, nt), make([]float64, nt)
	b.eps = make([]float64, npairs*k1)
	b.sel = make([]bool, npairs)
	b.cnt = make([]int, nt)
	b.times = make([]int32, nt*k1)
	b.gv, b.dv = make([]float64, nt*k1), make([]float64, nt*k1)
	b.ybuf = make([]float64, k1)
	if b.full {
		b.ybuf4 = make([]float64, 4*k1)
		b.act = make([]int, 0, nt)
	}
	probs := make([]float64, len(p.Model.Clusters))
	for i, c := range p.Model.Clusters {
		probs[i] = c.Prob
	}
	if npairs == 0 {
		return b
	}
	n := 0
	for i, np := range stratify(probs, npairs) {
		cl := p.Model.Clusters[i]
		nr := min(np, max(1, int(math.Round(fresp*float64(np)))))
		for j := 0; j < 2*np; j++ {
			b.cl[n], b.y[n] = cl.C, cl.Label
			b.w[n] = cl.Prob / float64(2*np)
			if j < 2*nr {
				b.wr[n] = cl.Prob / float64(2*nr)
			}
			n++
		}
	}
	return b
}

// draw starts a fresh set of trajectories: white noise, initial selection.
func (b *batch) draw(seed uint64, iter int) {
	re := rng.New(seed, uint64(b.index), uint64(iter), streamEps)
	for i := range b.eps {
		b.eps[i] = re.NormFloat64()
	}
	b.rnd = rng.New(seed, uint64(b.index), uint64(iter), streamSelect)
	b.chain.Start(b.sel, b.rnd)
	clear(b.cnt)
}

// weights computes row k of the weight side from the input kernels at rows
// < k (spec §4):
//
//	G[k,s] = (1 − ηλ) G[k−1,s] − η Σ_{l=s}^{k−1} Γ[k−1,l] G[l,s],  G[k,k] = 1,
//	R[k,j] = G[k,j+1],
//	m_k    = G[k,0] m_0 − η Σ_{j<k} R[k,j] μ_j,
//	C[k,l] = m_k m_l + (C_0 − m_0²) G[k,0] G[l,0] + η² Σ_{j<k,i<l} R[k,j] M_C[j,i] R[l,i].
func (b *batch) weights(k int) error {
	k1 := b.k1
	if k == 0 {
		b.g[0], b.m[0], b.c[0] = 1, b.p.M0, b.p.C0
		return nil
	}
	row := b.g[k*k1 : k*k1+k+1]
	prev := b.g[(k-1)*k1 : (k-1)*k1+k]
	decay := 1 - b.eta*b.p.Lambda
	for s := range prev {
		row[s] = decay * prev[s]
	}
	row[k] = 0
	gam := b.in.gamma[(k-1)*k1:]
	for l := 0; l < k; l++ {
		if a := gam[l]; a != 0 {
			axpy(-b.eta*a, b.g[l*k1:l*k1+l+1], row[:l+1])
		}
	}
	row[k] = 1
	rrow := b.r[k*k1 : k*k1+k]
	copy(rrow, row[1:k+1])
	for j, v := range rrow {
		b.rt[j*k1+k] = v
	}
	mk := row[0]*b.p.M0 - b.eta*dot(rrow, b.in.mu[:k])
	b.m[k] = mk
	// v_i = Σ_{j<k} R[k,j] M_C[j,i], i < k.
	v := b.ybuf[:k]
	clear(v)
	for j, a := range rrow {
		if a != 0 {
			axpy(a, b.in.mc[j*k1:j*k1+k], v)
		}
	}
	e2 := b.eta * b.eta
	g0 := row[0]
	for l := 0; l <= k; l++ {
		x := mk*b.m[l] + b.c0v*g0*b.g[l*k1] + e2*dot(v[:l], b.r[l*k1:l*k1+l])
		b.c[k*k1+l] = x
		b.c[l*k1+k] = x
	}
	ckk := b.c[k*k1+k]
	if math.IsNaN(mk) || math.IsInf(mk, 0) || math.IsNaN(ckk) || math.IsInf(ckk, 0) || ckk > blowUp {
		return fmt.Errorf("dmft: diverged at step %d (t = %g) in batch %d: m = %v, C[k,k] = %v", k, float64(k)*b.eta, b.index, mk, ckk)
	}
	return nil
}

// cholesky extends the Cholesky factor of ΔC (plus the jitter) by row k. A
// pivot in [−δ_k, 0] is round-off and clamped to zero; a more negative one
// is an error.
func (b *batch) cholesky(k int) error {
	k1 := b.k1
	delta := b.p.Model.Delta
	lk := b.l[k*k1 : k*k1+k+1]
	for j := 0; j < k; j++ {
		ljj := b.l[j*k1+j]
		if ljj == 0 {
			lk[j] = 0
			continue
		}
		lk[j] = (delta*b.c[k*k1+j] - dot(lk[:j], b.l[j*k1:j*k1+j])) / ljj
	}
	diag := delta * b.c[k*k1+k]
	b.maxDiag = max(b.maxDiag, diag)
	jit := jitter * b.maxDiag
	piv := diag + jit - dot(lk[:k], lk[:k])
	switch {
	case piv < -jit || math.IsNaN(piv):
		// With the jitter, a negative pivot means ΔC is indefinite beyond
		// round-off.
		return fmt.Errorf("dmft: conditional variance %v < 0 at step %d (t = %g) in batch %d: ΔC is not positive semi-definite (ΔC[k,k] = %v)", piv, k, float64(k)*b.eta, b.index, diag)
	case piv <= 0:
		lk[k] = 0
		b.clamped++
	default:
		lk[k] = math.Sqrt(piv)
	}
	return nil
}

// sample advances every trajectory to step k given m_k, row k of the
// Cholesky factor and R[k,·], and writes μ_k, M_C[k,·] and the training
// loss and error (spec §4):
//
//	r_k = c m_k + ω_k − ηΔ Σ_{j<k} R[k,j] g_j,   ω_k = ±Σ_{j≤k} L[k,j] ε_j,
//	g_k = s_k L'(y, r_k),   D_k = s_k L''(y, r_k).
func (b *batch) sample(k int) error {
	k1 := b.k1
	lrow := b.l[k*k1 : k*k1+k+1]
	rrow := b.r[k*k1 : k*k1+k]
	mk := b.m[k]
	mc := b.out.mc[k*k1 : k*k1+k+1]
	clear(mc)
	var mu, tl, te float64
	for p := 0; p < b.npairs; p++ {
		o := dot(lrow, b.eps[p*k1:p*k1+k+1])
		on := b.sel[p]
		for h := 0; h < 2; h++ {
			n := 2*p + h
			base := n * k1
			cnt := b.cnt[n]
			var mem float64
			if b.full {
				mem = dot(rrow, b.gv[base:base+k])
			} else {
				mem = gatherDot(rrow, b.times[base:base+cnt], b.gv[base:base+cnt])
			}
			r := b.cl[n]*mk + o - b.ed*mem
			o = -o
			l, dl, d2l := b.fn.Eval(b.y[n], r)
			w := b.w[n]
			tl += w * l
			te += w * b.fn.Error(b.y[n], r)
			if !on {
				continue
			}
			mu += w * b.cl[n] * dl
			b.times[base+cnt], b.gv[base+cnt], b.dv[base+cnt] = int32(k), dl, d2l
			cnt++
			b.cnt[n] = cnt
			a := w * dl
			if a == 0 {
				continue
			}
			if b.full {
				axpy(a, b.gv[base:base+k+1], mc)
			} else {
				ts, gs := b.times[base:base+cnt], b.gv[base:base+cnt]
				for i, t := range ts {
					mc[t] += a * gs[i]
				}
			}
		}
	}
	if math.IsNaN(mu+tl) || math.IsInf(mu+tl, 0) {
		return fmt.Errorf("dmft: diverged at step %d (t = %g) in batch %d: non-finite sample process (μ = %v, loss = %v)", k, float64(k)*b.eta, b.index, mu, tl)
	}
	b.out.mu[k] = b.p.Alpha * mu
	for l := range mc {
		mc[l] *= b.adMC
		b.out.mc[l*k1+k] = mc[l]
	}
	b.trainLoss[k], b.trainErr[k] = tl, te
	return nil
}

// response writes Γ[k,·] = αΔ⟨D_k J[k,·]⟩. Row k of each trajectory's
// response J = (I + ηΔ R̃ diag(D))⁻¹ (R̃ strictly lower) is solved backwards,
//
//	y_k = D_k,   y_l = −ηΔ D_l Σ_{k'=l+1}^{k} y_{k'} R[k',l]  (l < k),
//
// so that y_l = D_k J[k,l]; only the steps where the trajectory was selected
// enter (D = 0 elsewhere), which makes the cost (b k)²/2 per selected
// trajectory at batch fraction b.
func (b *batch) response(k int) {
	k1 := b.k1
	row := b.out.gamma[k*k1 : k*k1+k+1]
	clear(row)
	if b.full {
		b.responseFull(k, row)
	} else {
		for n, wr := range b.wr {
			cnt := b.cnt[n]
			base := n * k1
			if wr == 0 || cnt == 0 || int(b.times[base+cnt-1]) != k {
				continue
			}
			ds := b.dv[base : base+cnt]
			if ds[cnt-1] == 0 {
				continue
			}
			y := b.ybuf[:cnt]
			y[cnt-1] = ds[cnt-1]
			ts := b.times[base : base+cnt]
			for i := cnt - 2; i >= 0; i-- {
				if ds[i] == 0 {
					y[i] = 0
					continue
				}
				rt := b.rt[int(ts[i])*k1 : int(ts[i])*k1+k1]
				y[i] = -b.ed * ds[i] * gatherDot(rt, ts[i+1:cnt], y[i+1:cnt])
			}
			for i, t := range ts {
				row[t] += wr * y[i]
			}
		}
	}
	for j := range row {
		row[j] *= b.adG
	}
}

// responseFull is response for full batch, where every trajectory has D at
// every step (indexed by time): four trajectories at a time share each load
// of Rᵀ, and their four sums hide the add latency.
func (b *batch) responseFull(k int, row []float64) {
	k1 := b.k1
	act := b.act[:0]
	for n, wr := range b.wr {
		if wr != 0 && b.dv[n*k1+k] != 0 {
			act = append(act, n)
		}
	}
	b.act = act
	y := b.ybuf4
	for g := 0; g < len(act); g += 4 {
		nt := min(4, len(act)-g)
		var d [4][]float64
		var yr [4][]float64
		for i := 0; i < 4; i++ {
			n := act[g+min(i, nt-1)] // pad with the last trajectory
			d[i] = b.dv[n*k1 : n*k1+k+1]
			yr[i] = y[i*k1 : i*k1+k+1]
			yr[i][k] = d[i][k]
		}
		y0, y1, y2, y3 := yr[0], yr[1], yr[2], yr[3]
		for l := k - 1; l >= 0; l-- {
			rt := b.rt[l*k1+l+1 : l*k1+k+1]
			a0, a1, a2, a3 := y0[l+1:k+1], y1[l+1:k+1], y2[l+1:k+1], y3[l+1:k+1]
			a0, a1, a2, a3 = a0[:len(rt)], a1[:len(rt)], a2[:len(rt)], a3[:len(rt)]
			var s0, s1, s2, s3 float64
			for j, r := range rt {
				s0 += a0[j] * r
				s1 += a1[j] * r
				s2 += a2[j] * r
				s3 += a3[j] * r
			}
			y0[l] = -b.ed * d[0][l] * s0
			y1[l] = -b.ed * d[1][l] * s1
			y2[l] = -b.ed * d[2][l] * s2
			y3[l] = -b.ed * d[3][l] * s3
		}
		for i := 0; i < nt; i++ {
			axpy(b.wr[act[g+i]], yr[i], row)
		}
	}
}

// advance draws the selections of step k+1.
func (b *batch) advance() {
	if !b.full {
		b.chain.Advance(b.sel, b.rnd)
	}
}
