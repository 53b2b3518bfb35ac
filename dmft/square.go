package dmft

import (
	"fmt"
	"math"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/theory"
)

// exactSquare reports whether the DMFT of p closes without sampling: square
// loss, linear output, full batch. Then g = r − y and D ≡ 1, so J and Γ are
// deterministic and r is Gaussian given the cluster (spec §6).
func exactSquare(p dynamics.Problem, chain dynamics.Chain) bool {
	_, sq := p.Loss.Margin.(loss.Square)
	_, lin := p.Loss.Output.(loss.Linear)
	return sq && lin && chain.Full()
}

// solveSquare marches the exact square-loss DMFT. With r_k = r̄_k(c) + h_k,
//
//	r̄_k(c) = c m_k − ηΔ Σ_{j<k} R[k,j] (r̄_j(c) − y_c),
//	h_k    = ω_k − ηΔ Σ_{j<k} R[k,j] h_j,
//	A[k,l] = ⟨ω_k h_l⟩ = ΔC[k,l] − ηΔ Σ_{j<l} R[l,j] A[k,j],
//	H[k,l] = ⟨h_k h_l⟩ = A[k,l] − ηΔ Σ_{j<k} R[k,j] H[j,l],
//	J[k,j] = δ_kj − ηΔ Σ_{l=j}^{k−1} R[k,l] J[l,j],
//
// the kernels are μ_k = α Σ_c p_c c ḡ_k(c), M_C[k,l] = αΔ(Σ_c p_c ḡ_k(c) ḡ_l(c) + H[k,l])
// with ḡ = r̄ − y, and Γ = αΔ J.
func solveSquare(p dynamics.Problem) (*result, error) {
	if p.Teacher != nil {
		return solveTeacherSquare(p) // teacher_square.go
	}
	b := newBatch(p, dynamics.FullBatch(), 0, 0, 1, Perturb{})
	k1 := b.k1
	ncl := len(p.Model.Clusters)
	rbar := make([]float64, ncl*k1)
	gbar := make([]float64, ncl*k1)
	h := make([]float64, k1*k1)
	j := make([]float64, k1*k1)
	a := make([]float64, k1)
	delta := p.Model.Delta
	for k := 0; k < k1; k++ {
		t0 := time.Now()
		if err := b.weights(k); err != nil {
			return nil, err
		}
		rrow := b.r[k*k1 : k*k1+k]
		// A[k,·] and H[k,·].
		for l := 0; l <= k; l++ {
			s := 0.0
			for i := 0; i < l; i++ {
				s += b.r[l*k1+i] * a[i]
			}
			a[l] = delta*b.c[k*k1+l] - b.ed*s
		}
		hk := h[k*k1 : k*k1+k+1]
		for l := 0; l <= k; l++ {
			s := 0.0
			for i, rv := range rrow {
				if l < k {
					s += rv * h[i*k1+l] // H[i,l], symmetric and known for i, l < k
				} else {
					s += rv * hk[i] // H[i,k] = H[k,i], computed above
				}
			}
			hk[l] = a[l] - b.ed*s
		}
		for l := 0; l < k; l++ {
			h[l*k1+k] = hk[l]
		}
		if hk[k] < -1e-9*delta*b.c[k*k1+k] || math.IsNaN(hk[k]) {
			return nil, fmt.Errorf("dmft: variance of the field %v < 0 at step %d (t = %g)", hk[k], k, float64(k)*b.eta)
		}
		hkk := math.Max(hk[k], 0)
		// Cluster means and the kernels.
		var mu, tl, te float64
		mc := b.in.mc[k*k1 : k*k1+k+1]
		for l := range mc {
			mc[l] = hk[l]
		}
		for ci, cl := range p.Model.Clusters {
			rb := rbar[ci*k1 : (ci+1)*k1]
			gb := gbar[ci*k1 : (ci+1)*k1]
			rb[k] = cl.C*b.m[k] - b.ed*dot(rrow, gb[:k])
			gb[k] = rb[k] - cl.Label
			mu += cl.Prob * cl.C * gb[k]
			axpy(cl.Prob*gb[k], gb[:k+1], mc)
			tl += cl.Prob * (gb[k]*gb[k] + hkk) / 2
			var wrong float64
			switch x := cl.Label * rb[k]; {
			case hkk > 0:
				wrong = theory.Q(x / math.Sqrt(hkk))
			case x <= 0:
				wrong = 1
			}
			te += cl.Prob * wrong
		}
		b.in.mu[k] = p.Alpha * mu
		b.trainLoss[k], b.trainErr[k] = tl, te
		b.exactRow(k, mc, rrow, j)
		b.timing.Weights += time.Since(t0)
	}
	return b.result(), nil
}

// exactRow stores row k of M_C (scaled by Perturb.MC) and, as D ≡ 1, the
// deterministic response row J[k,j] = δ_kj − ηΔ Σ_{l=j}^{k−1} R[k,l] J[l,j]
// with Γ[k,·] = αΔ J[k,·] (Δ = 1 for the teacher), shared by the exact
// mixture and teacher square-loss solves.
func (b *batch) exactRow(k int, mc, rrow, j []float64) {
	k1 := b.k1
	for l := range mc {
		mc[l] *= b.adMC
		b.in.mc[l*k1+k] = mc[l]
	}
	jk := j[k*k1 : k*k1+k+1]
	jk[k] = 1
	for l, rv := range rrow {
		axpy(-b.ed*rv, j[l*k1:l*k1+l+1], jk[:l+1])
	}
	gam := b.in.gamma[k*k1 : k*k1+k+1]
	for l, v := range jk {
		gam[l] = b.adG * v
	}
}
