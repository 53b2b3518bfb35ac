package dmft

// The effective sample process of spec model-and-dmft.md §4 and the two
// kernels averaged from it (g = s L'(y, r), D = s L''(y, r), s the
// selection, ⟨·⟩ over the cluster c, the selection path and ω):
//
//	sample process   r_k = c m_k + ω_k − ηΔ Σ_{j<k} R[k,j] g_j
//	kernels          μ_k = α⟨c g_k⟩,   M_C[k,l] = αΔ⟨g_k g_l⟩
//
// ω_k comes from noise.go; D_k is stored here for the response (response.go).
// The training loss ⟨L(y, r_k)⟩ and error ⟨1[ŷ(r_k) ≠ y]⟩ (spec §5) are
// averages over all trajectories, selected or not. Settings.Perturb scales
// M_C (adMC) and the memory term (ed = ηΔ·Perturb.Memory).

import (
	"fmt"
	"math"
)

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
