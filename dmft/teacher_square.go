package dmft

import (
	"fmt"
	"math"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/theory"
)

// solveTeacherSquare marches the exact DMFT of the teacher–student model with
// the square loss, linear output and full batch (teacher.go). Then g = r − y
// and D ≡ 1 for every link (for the sign teacher's ±1 labels ℓ(y r) =
// (1 − y r)²/2 = (y − r)²/2), so J and Γ are deterministic and r is linear in
// (h0, y, ω⊥): r_k = a_k h0 + b_k y + h_k with
//
//	a_k    = m_k − η Σ_{j<k} R[k,j] a_j,
//	b_k    = −η Σ_{j<k} R[k,j] (b_j − 1),
//	h_k    = ω⊥_k − η Σ_{j<k} R[k,j] h_j,
//	A[k,l] = ⟨ω⊥_k h_l⟩ = C⊥[k,l] − η Σ_{j<l} R[l,j] A[k,j],
//	H[k,l] = ⟨h_k h_l⟩ = A[k,l] − η Σ_{j<k} R[k,j] H[j,l],
//
// h independent of (h0, y). With g_k = a_k h0 + (b_k − 1) y + h_k and the
// label's moments E[h0 y], E[y²] (labelMoments), the kernels are
//
//	μ_k      = α (a_k + (b_k − 1) E[h0 y]),
//	M_C[k,l] = α (a_k a_l + (a_k (b_l − 1) + a_l (b_k − 1)) E[h0 y] + (b_k − 1)(b_l − 1) E[y²] + H[k,l]),
//	Γ        = α J,   J[k,j] = δ_kj − η Σ_{l=j}^{k−1} R[k,l] J[l,j],
//
// the training loss ⟨g_k²⟩/2, and the training error: the training MSE ⟨g_k²⟩
// for real-valued labels; for the sign teacher, with u = (h0 + σε)/√(1 + σ²),
// y = sign(u), the margin y r_k = a_k|u|/√(1 + σ²) + b_k + N(0, S²),
// S² = a_k²σ²/(1 + σ²) + H[k,k], independent of |u|, so
//
//	P(y r_k ≤ 0) = E_u[Q((a_k|u|/√(1 + σ²) + b_k)/S)].
func solveTeacherSquare(p dynamics.Problem) (*result, error) {
	mo, ok := labelMoments(*p.Teacher)
	if !ok {
		return nil, fmt.Errorf("dmft: no label moments for the %s teacher", p.Teacher.Link.Name())
	}
	b := newBatch(p, dynamics.FullBatch(), 0, 0, 1, Perturb{})
	k1 := b.k1
	ca := make([]float64, k1) // a_k
	cb := make([]float64, k1) // b_k − 1
	h := make([]float64, k1*k1)
	j := make([]float64, k1*k1)
	a := make([]float64, k1)
	sig2 := p.Teacher.Noise * p.Teacher.Noise
	s1 := math.Sqrt(1 + sig2)
	binary := p.Teacher.Link.Binary()
	for k := 0; k < k1; k++ {
		t0 := time.Now()
		if err := b.weights(k); err != nil {
			return nil, err
		}
		rrow := b.r[k*k1 : k*k1+k]
		// A[k,·] and H[k,·], as in solveSquare with Δ = 1 and C⊥.
		for l := 0; l <= k; l++ {
			s := 0.0
			for i := 0; i < l; i++ {
				s += b.r[l*k1+i] * a[i]
			}
			a[l] = b.cperp[l] - b.ed*s
		}
		hk := h[k*k1 : k*k1+k+1]
		for l := 0; l <= k; l++ {
			s := 0.0
			for i, rv := range rrow {
				if l < k {
					s += rv * h[i*k1+l]
				} else {
					s += rv * hk[i]
				}
			}
			hk[l] = a[l] - b.ed*s
		}
		for l := 0; l < k; l++ {
			h[l*k1+k] = hk[l]
		}
		if hk[k] < -1e-9*b.c[k*k1+k] || math.IsNaN(hk[k]) {
			return nil, fmt.Errorf("dmft: variance of the field %v < 0 at step %d (t = %g)", hk[k], k, float64(k)*b.eta)
		}
		hkk := math.Max(hk[k], 0)
		// The coefficients of g_k on h0 and y.
		ca[k] = b.m[k] - b.ed*dot(rrow, ca[:k])
		cb[k] = -b.ed*dot(rrow, cb[:k]) - 1
		b.in.mu[k] = p.Alpha * (ca[k] + cb[k]*mo.h0y)
		mc := b.in.mc[k*k1 : k*k1+k+1]
		for l := range mc {
			mc[l] = ca[k]*ca[l] + (ca[k]*cb[l]+ca[l]*cb[k])*mo.h0y + cb[k]*cb[l]*mo.yy + hk[l]
		}
		gg := mc[k] // ⟨g_k²⟩
		b.trainLoss[k] = gg / 2
		if binary {
			ak, bk := ca[k], cb[k]+1
			sd := math.Sqrt(ak*ak*sig2/(1+sig2) + hkk)
			b.trainErr[k] = theory.GaussExpect(func(u float64) float64 {
				x := ak*math.Abs(u)/s1 + bk
				switch {
				case sd > 0:
					return theory.Q(x / sd)
				case x <= 0:
					return 1
				}
				return 0
			}, 0)
		} else {
			b.trainErr[k] = gg
		}
		b.exactRow(k, mc, rrow, j)
		b.timing.Weights += time.Since(t0)
	}
	return b.result(), nil
}
