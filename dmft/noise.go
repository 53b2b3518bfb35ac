package dmft

// The Gaussian field of the sample process of spec model-and-dmft.md §4,
//
//	ω ~ centred Gaussian process,   ⟨ω_k ω_l⟩ = Δ C[k,l],
//
// drawn causally from white noise ε through the Cholesky factor L of ΔC,
//
//	ω_k = Σ_{j≤k} L[k,j] ε_j,   L Lᵀ = ΔC,
//
// whose row k needs C[k,0..k] and the rows < k of L only: ω_k then has its
// law conditional on the trajectory's own past ω_0..ω_{k−1}. The antithetic
// partner of each trajectory uses −ε (spec §6).

import (
	"fmt"
	"math"
)

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
const jitter = 1e-9

// cholesky extends the Cholesky factor of ΔC (plus the jitter) by row k. A
// pivot in [−δ_k, 0] is round-off and clamped to zero; a more negative one
// is an error.
func (b *batch) cholesky(k int) error {
	k1 := b.k1
	delta := b.p.Model.Delta
	crow := b.c[k*k1 : k*k1+k+1]
	if b.tm != nil {
		delta, crow = 1, b.cperp[:k+1] // the teacher's field: C⊥ (teacher.go)
	}
	lk := b.l[k*k1 : k*k1+k+1]
	for j := 0; j < k; j++ {
		ljj := b.l[j*k1+j]
		if ljj == 0 {
			lk[j] = 0
			continue
		}
		lk[j] = (delta*crow[j] - dot(lk[:j], b.l[j*k1:j*k1+j])) / ljj
	}
	diag := delta * crow[k]
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
