package dmft

// The weight side of spec model-and-dmft.md §4: the effective weight process
//
//	w_{k+1} = (1 − ηλ) w_k − η [ v* μ_k + Σ_{j≤k} Γ[k,j] w_j − ξ_k ],   ⟨ξ_k ξ_l⟩ = M_C[k,l],
//
// is linear, and is solved through its propagator G (k ≥ s):
//
//	propagator    G[k+1,s] = (1 − ηλ) G[k,s] − η Σ_{l=s}^{k} Γ[k,l] G[l,s],   G[s,s] = 1
//	response      R[k,j] = G[k,j+1]
//	overlap       m_k = G[k,0] m_0 − η Σ_{j<k} R[k,j] μ_j
//	correlation   C[k,l] = m_k m_l + (C_0 − m_0²) G[k,0] G[l,0]
//	                       + η² Σ_{j<k} Σ_{i<l} R[k,j] M_C[j,i] R[l,i]
//
// Row k needs the kernels μ, M_C, Γ at rows < k only (causality).

import (
	"fmt"
	"math"
)

// blowUp bounds C[k,k]: beyond it the solve is declared divergent (the
// simulator uses the same kind of bound on |w|²/d).
const blowUp = 1e100

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
		if b.tm != nil {
			b.cperp[0] = b.c0v
		}
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
	if b.tm != nil {
		mk = b.teacherOverlap(k)
	}
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
		var x float64
		if b.tm == nil {
			x = mk*b.m[l] + b.c0v*g0*b.g[l*k1] + e2*dot(v[:l], b.r[l*k1:l*k1+l])
		} else {
			// The teacher: the field's covariance C⊥ = C − m mᵀ (teacher.go).
			b.cperp[l] = b.c0v*g0*b.g[l*k1] + e2*dot(v[:l], b.r[l*k1:l*k1+l])
			x = b.cperp[l] + mk*b.m[l]
		}
		b.c[k*k1+l] = x
		b.c[l*k1+k] = x
	}
	ckk := b.c[k*k1+k]
	if math.IsNaN(mk) || math.IsInf(mk, 0) || math.IsNaN(ckk) || math.IsInf(ckk, 0) || ckk > blowUp {
		return fmt.Errorf("dmft: diverged at step %d (t = %g) in batch %d: m = %v, C[k,k] = %v", k, float64(k)*b.eta, b.index, mk, ckk)
	}
	return nil
}
