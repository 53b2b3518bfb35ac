package dmft

// Pruning of the history grid of the gradient-flow solve (flow.go). The
// memory integrals at time t weigh the past s through two-time functions
// that are smooth in s away from the diagonal, varying on the scale of the
// lag t − s, and, where the dynamics itself was fast (the early times), on
// the scale of the age s; so the history need not keep every grid point: a
// node t_j may go when the gap it leaves, t_{j+1} − t_{j−1}, is at most
// θ·min(t − t_{j+1}, t_{j−1}) (Adaptive.Theta), as in the θ = t′/t grids of
// DYNAMITE and the time-doubling grids of mode-coupling solvers. The
// history then holds O((2/θ) log t) nodes instead of O(t/h), and every
// per-step cost that was O(n) or O(n²) in the grid points becomes O(|H|) or
// O(|H|²) in the history nodes. (The age bound matters: with the lag bound
// alone, m of the square-loss flow at λ = 0.01 was off by 1.7% at t ≈ 20
// for θ = 0.1, 0.5% for θ = 0.05, against 0.36% from the step error alone
// at Tol = 1e-2; with both bounds the step error alone remains.)
//
// Dropping a node is exact for the noise: the retained ω are a Gaussian
// vector with covariance ΔC on the retained nodes, and the new ω is sampled
// from its law conditional on them. The Cholesky factor of ΔC on the
// retained nodes is the old factor without the node's row, its column
// folded into the trailing rows by Givens rotations (a rank-one update); the
// same rotations act on each pair's white noise, so that ω on the retained
// nodes is unchanged. What pruning does change is the quadrature: the
// trapezoid rule on the coarser history. Its error is measured
// (TestFlowMeasurePrune); at a fixed point it is felt through the
// integrated response of the far history: at the ERM point of the
// two-cluster logistic flow (λ = 0.05, t = 300 … 1000) θ = 0.1 lowers the
// training loss by about 4.6e-4 relative against θ → 0 (TestFlowMeasureLong).

import (
	"math"
	"slices"
)

// prunable returns the interior history nodes of hist (its last element the
// current time) that the rule above drops, left to right, no two adjacent.
func prunable(hist []float64, theta float64) []int {
	var out []int
	tn := hist[len(hist)-1]
	for j := 1; j+1 < len(hist)-1; j++ {
		if len(out) > 0 && out[len(out)-1] == j-1 {
			continue
		}
		if hist[j+1]-hist[j-1] <= theta*math.Min(tn-hist[j+1], hist[j-1]) {
			out = append(out, j)
		}
	}
	return out
}

func del(x []float64, k int) []float64 { return slices.Delete(x, k, k+1) }

// drop removes history node k (0 < k < the last) from every two-time row,
// the one-time history, the trajectories' g and D, and the Cholesky factor
// and white noise (by Givens rotations, see above).
func (b *flowBatch) drop(k int) {
	nh := len(b.t)
	m := nh - 1 - k
	x := grow(b.xbuf, m)[:m]
	b.xbuf = x
	for i := k + 1; i < nh; i++ {
		x[i-k-1] = b.l[i][k]
		b.l[i] = del(b.l[i], k)
	}
	b.l = slices.Delete(b.l, k, k+1)
	cs, sn := grow(b.csbuf, m)[:m], grow(b.snbuf, m)[:m]
	b.csbuf, b.snbuf = cs, sn
	// Row q ≥ k of the new factor is old row q+1; fold x into its columns.
	for q := k; q < nh-1; q++ {
		d, xv := b.l[q][q], x[q-k]
		r := math.Hypot(d, xv)
		if r == 0 {
			cs[q-k], sn[q-k] = 1, 0
			continue
		}
		c, s := d/r, xv/r
		cs[q-k], sn[q-k] = c, s
		for i := q; i < nh-1; i++ {
			a, xi := b.l[i][q], x[i-k]
			b.l[i][q] = c*a + s*xi
			x[i-k] = c*xi - s*a
		}
		b.l[q][q] = r
	}
	for p, e := range b.eps {
		zx := e[k]
		for q := k; q < nh-1; q++ {
			c, s := cs[q-k], sn[q-k]
			zq := e[q+1]
			e[q+1] = s*zx + c*zq
			zx = c*zx - s*zq
		}
		b.eps[p] = del(e, k)
	}
	// Two-time rows.
	for _, rows := range [][][]float64{b.g, b.eg, b.c, b.gam} {
		for i := k + 1; i < nh; i++ {
			rows[i] = del(rows[i], k)
		}
	}
	b.g = slices.Delete(b.g, k, k+1)
	b.eg = slices.Delete(b.eg, k, k+1)
	b.c = slices.Delete(b.c, k, k+1)
	b.gam = slices.Delete(b.gam, k, k+1)
	for j := 0; j < k; j++ {
		b.gcol[j] = del(b.gcol[j], k-j)
	}
	b.gcol = slices.Delete(b.gcol, k, k+1)
	for s := range b.mc {
		b.mc[s] = del(b.mc[s], k)
	}
	b.mc = slices.Delete(b.mc, k, k+1)
	b.t = del(b.t, k)
	b.m, b.mu, b.nu = del(b.m, k), del(b.mu, k), del(b.nu, k)
	for i := range b.gv {
		b.gv[i] = del(b.gv[i], k)
		b.dv[i] = del(b.dv[i], k)
	}
}
