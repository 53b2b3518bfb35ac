package dmft

// The layout of one batch, the unit of independent solves (spec
// model-and-dmft.md §6): the trajectories of the sample process, each with
// its cluster c, label y, selection path s and white noise ε, stratified
// exactly over the clusters in antithetic pairs (ε, −ε); the rows of the
// two-time quantities of §4 the equations write into; and the random
// streams (draw, advance). The equations themselves are in the files named
// after them: weights.go (G, R, m, C), noise.go (ω), sample.go (r, μ, M_C)
// and response.go (J, Γ).

import (
	"math"
	"math/rand/v2"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/internal/vec"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/teacher"
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
	fn     pointLoss // p.Loss; the regression loss for a real-valued teacher (teacher.go)
	tm     *teacher.Model
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
	fresp          float64   // teacher: fraction of the pairs in Γ
	cperp          []float64 // teacher: row k of C⊥ = C − m mᵀ, the field's covariance (teacher.go)

	// Trajectories: 2·npairs, pair p is trajectories 2p (ε) and 2p+1 (−ε).
	cl    []float64  // cluster position c (the teacher: h0)
	y     []float64  // label
	w     []float64  // weight in ⟨·⟩: p_cluster / trajectories of the cluster
	wr    []float64  // weight in Γ: p_cluster / response trajectories of the cluster, 0 outside
	eps   []float64  // npairs × (K+1) white noise
	sel   []bool     // current selection of each pair
	src   *rand.PCG  // the selection stream's state
	rnd   *rand.Rand // draws from src
	cnt   []int      // selected steps so far per trajectory
	times []int32    // per trajectory, the selected steps (ntraj × (K+1))
	gv    []float64  // g at those steps
	dv    []float64  // D at those steps
	ybuf  []float64  // response scratch
	ybuf4 []float64  // response scratch, four trajectories
	act   []int      // response: trajectories with D_k ≠ 0

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
	delta := p.Model.Delta
	if p.Teacher != nil {
		delta = 1 // the teacher's inputs are isotropic (teacher.go)
	}
	b := &batch{
		p: p, fn: lossOf(p), tm: p.Teacher, chain: chain, full: chain.Full(), k1: k1,
		eta: p.Eta, ed: q.Memory * p.Eta * delta,
		adMC: q.MC * p.Alpha * delta, adG: q.Gamma * p.Alpha * delta,
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
	if b.tm != nil {
		b.cperp = make([]float64, k1)
		b.fresp = fresp // the teacher's layout is drawn (drawTeacher)
	} else {
		layout(p.Model, npairs, fresp, b.cl, b.y, b.w, b.wr)
	}
	return b
}

// draw starts a fresh set of trajectories: white noise, initial selection.
func (b *batch) draw(seed uint64, iter int) {
	re := rng.New(seed, uint64(b.index), uint64(iter), streamEps)
	for i := range b.eps {
		b.eps[i] = re.NormFloat64()
	}
	b.src = rng.NewPCG(seed, uint64(b.index), uint64(iter), streamSelect)
	b.rnd = rand.New(b.src)
	b.chain.Start(b.sel, b.rnd)
	clear(b.cnt)
	if b.tm != nil {
		b.drawTeacher(seed, iter)
	}
}

// advance draws the selections of step k+1.
func (b *batch) advance() {
	if !b.full {
		b.chain.Advance(b.sel, b.rnd)
	}
}

// layout stratifies 2·npairs trajectories over the clusters of model in
// antithetic pairs, at least one pair each: trajectory n gets its cluster
// position cl[n], label y[n], its weight w[n] = p_cluster/(trajectories of
// the cluster) in the averages ⟨·⟩, and its weight wr[n] in Γ for the
// fraction fresp of each cluster's pairs that enter the response (at least
// one pair), zero for the others.
func layout(model mixture.Model, npairs int, fresp float64, cl, y, w, wr []float64) {
	if npairs == 0 {
		return
	}
	probs := make([]float64, len(model.Clusters))
	for i, c := range model.Clusters {
		probs[i] = c.Prob
	}
	n := 0
	for i, np := range stratify(probs, npairs) {
		c := model.Clusters[i]
		nr := min(np, max(1, int(math.Round(fresp*float64(np)))))
		for j := 0; j < 2*np; j++ {
			cl[n], y[n] = c.C, c.Label
			w[n] = c.Prob / float64(2*np)
			if j < 2*nr {
				wr[n] = c.Prob / float64(2*nr)
			}
			n++
		}
	}
}
