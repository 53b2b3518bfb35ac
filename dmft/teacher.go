package dmft

// The DMFT of the single-index teacher–student model (package teacher;
// issue 12). Inputs x ~ N(0, I_d), teacher direction v* with |v*|² = d,
// teacher field h0 = v*·x/√d ~ N(0, 1), label y = φ(h0) + σε (linear, ReLU)
// or y = sign(h0 + σε) (sign). Write w = m v* + w⊥ with m = w·v*/d. Then
//
//	r = w·x/√d = m h0 + r⊥,   r⊥ = w⊥·x⊥/√d,
//
// where x⊥, the part of x orthogonal to v*, is independent of h0 (and of
// the label). Unlike the mixture (spec model-and-dmft.md §4), whose input
// has isotropic noise along v* as well, the projection of x on v* is
// exactly h0: it is a variable of each sample, carried exactly by each
// trajectory, and only w⊥ sees a Gaussian field, with Δ = 1. The
// equations, with g = s L'(y, r), D = s L”(y, r) and ⟨·⟩ the average over
// the sample process (its h0, label noise ε, selection path s and ω⊥):
//
//	sample process   r_k = m_k h0 + r⊥_k,   r⊥_k = ω⊥_k − η Σ_{j<k} R[k,j] g_j,
//	                 ⟨ω⊥_k ω⊥_l⟩ = C⊥[k,l] = C[k,l] − m_k m_l
//	its response     J[k,j] = δ_kj − η Σ_{l=j}^{k−1} R[k,l] D_l J[l,j]
//	kernels          μ_k = α⟨h0 g_k⟩,  M_C[k,l] = α⟨g_k g_l⟩,  Γ[k,j] = α⟨D_k J[k,j]⟩
//	overlap          m_{k+1} = (1 − ηλ) m_k − η μ_k
//	propagator       G[k+1,s] = (1 − ηλ) G[k,s] − η Σ_{l=s}^{k} Γ[k,l] G[l,s],  G[s,s] = 1
//	response         R[k,j] = G[k,j+1]
//	correlation      C⊥[k,l] = (C_0 − m_0²) G[k,0] G[l,0] + η² Σ_{j<k} Σ_{i<l} R[k,j] M_C[j,i] R[l,i],
//	                 C[k,l] = C⊥[k,l] + m_k m_l.
//
// Derivation. Projected on v*/d, the update w_{k+1} = (1 − ηλ) w_k −
// η Σ_μ g_μ,k x_μ/√d gives m_{k+1} = (1 − ηλ) m_k − η (1/d) Σ_μ g_μ,k h0_μ,
// and (1/d) Σ_μ = α⟨·⟩ over the sample process: no memory term, since h0_μ
// is the sample's own variable and a single sample's kick moves m by
// O(1/d) only. On the d − 1 directions orthogonal to v* the update is that
// of the mixture with c = 0 and Δ = 1 (x⊥ is pure isotropic noise), whose
// per-sample gradient g_μ depends on the sample's h0_μ and label, which
// are independent of x⊥_μ: the cavity argument of the mixture (spec §4)
// goes through unchanged for w⊥, giving its effective process
//
//	w⊥_{k+1} = (1 − ηλ) w⊥_k − η [ Σ_{j≤k} Γ[k,j] w⊥_j − ξ_k ],   ⟨ξ_k ξ_l⟩ = M_C[k,l],
//
// with w⊥_0 ~ N(0, C_0 − m_0²): its propagator G, response R and
// correlation C⊥ above, the field of r⊥ with covariance C⊥, and the Onsager
// term of r⊥ with the response R of w⊥ (the response along v* only enters
// at O(1/d)). This is the spec's "equivalent single-process form" (§4) of
// the mixture with c → 0, Δ = 1 and the label a function of u = h0, where
// m obeys its memory-less equation and the field carries only w⊥.
//
// Implementation: the mixture's code with the cluster position c replaced by
// h0 (so μ_k = α⟨c g_k⟩ is α⟨h0 g_k⟩), Δ = 1, the overlap by the equation
// above (teacherOverlap) and the field's covariance by C⊥ (weights.go keeps
// row k of C⊥ in cperp, noise.go factors it). The trajectories come in
// antithetic pairs (ω⊥, −ω⊥) sharing h0, the label noise and the selection
// path; h0 is stratified: pair i of a batch of P pairs has h0 =
// Φ⁻¹((i + U_i)/P) with U_i uniform, one pair per quantile stratum
// (unbiased, with the variance of a stratified sample); the label noise is
// stratified likewise, its strata assigned to the pairs by a random
// permutation (Latin hypercube). The response subset (ResponseSamples) is
// stratified over h0 as well: one pair drawn in each of its coarser strata,
// weighted by the stratum's probability.
//
// Labels: the sign teacher's labels are ±1 and take any loss L(y, r) =
// ℓ(y f(r)); real-valued labels (linear, ReLU teachers: regression) take
// the square loss as (y − r)²/2, their "error" is the squared error
// (y − r)², so that the training error is the training mean squared error
// and the test error the test MSE E[(y − r)²] (teacher_fresh.go).

import (
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/loss"
	"gonum.org/v1/gonum/stat/distuv"
)

// streamTeacher is the stream of a batch's teacher draws (h0, label noise,
// response subset), after streamEps and streamSelect.
const streamTeacher = streamSelect + 1

// pointLoss is the loss of one sample with label y at pre-activation r: its
// value and derivatives in r, and its error.
type pointLoss interface {
	Eval(y, r float64) (l, dl, d2l float64)
	Error(y, r float64) float64
}

var (
	_ pointLoss = loss.Func{}
	_ pointLoss = regression{}
)

// regression is the square loss of a real-valued label with the linear
// output, L(y, r) = (y − r)²/2; its error is the squared error (y − r)².
type regression struct{}

func (regression) Eval(y, r float64) (l, dl, d2l float64) {
	u := r - y
	return u * u / 2, u, 1
}

func (regression) Error(y, r float64) float64 {
	u := r - y
	return u * u
}

// lossOf returns the per-sample loss of p: p.Loss, or the regression loss
// for a teacher with real-valued labels (checkTeacher has checked that
// p.Loss is then the square loss with the linear output).
func lossOf(p dynamics.Problem) pointLoss {
	if p.Teacher != nil && !p.Teacher.Link.Binary() {
		return regression{}
	}
	return p.Loss
}

// checkTeacher reports the teacher problems and settings Solve does not
// support.
func checkTeacher(p dynamics.Problem, set Settings) error {
	if _, ok := set.Grid.(Adaptive); ok {
		return &dynamics.FieldError{Pkg: "dmft", Field: "Grid", Value: "adaptive", Want: "the uniform grid for the teacher–student model (the adaptive grid does not support it yet)", With: []string{"Teacher"}}
	}
	if _, ok := p.Loss.Output.(loss.Linear); !ok {
		return &dynamics.FieldError{Pkg: "dmft", Field: "Loss", Value: p.Loss.Output.Name(), Want: "the linear output for the teacher–student model", With: []string{"Teacher"}}
	}
	if _, ok := p.Loss.Margin.(loss.Square); !ok && !p.Teacher.Link.Binary() {
		return &dynamics.FieldError{Pkg: "dmft", Field: "Loss", Value: p.Loss.Margin.Name(), Want: fmt.Sprintf("the square loss for the %s teacher's real-valued labels (regression)", p.Teacher.Link.Name()), With: []string{"Teacher"}}
	}
	if _, ok := labelMoments(*p.Teacher); !ok {
		return &dynamics.FieldError{Pkg: "dmft", Field: "Teacher", Value: p.Teacher.Link.Name(), Want: "a link with known label moments (linear, sign, relu)"}
	}
	return nil
}

// teacherOverlap returns m_k = (1 − ηλ) m_{k−1} − η μ_{k−1}, k ≥ 1.
func (b *batch) teacherOverlap(k int) float64 {
	return (1-b.eta*b.p.Lambda)*b.m[k-1] - b.eta*b.in.mu[k-1]
}

// drawTeacher lays out the batch's trajectories for the teacher: pair i of
// the P pairs gets h0 = Φ⁻¹((i + U)/P), a label with the label noise of
// stratum π(i) (π a random permutation), the weight 1/(2P) in ⟨·⟩, and
// its weight in Γ if it is the pair drawn for Γ in its coarse stratum.
func (b *batch) drawTeacher(seed uint64, iter int) {
	np := b.npairs
	if np == 0 {
		return
	}
	rnd := rng.New(seed, uint64(b.index), uint64(iter), streamTeacher)
	perm := rnd.Perm(np)
	clear(b.wr)
	for i := range np {
		h0 := quantile((float64(i) + rnd.Float64()) / float64(np))
		eps := quantile((float64(perm[i]) + rnd.Float64()) / float64(np))
		y := b.tm.Link.Label(h0, eps, b.tm.Noise)
		for h := range 2 {
			n := 2*i + h
			b.cl[n], b.y[n], b.w[n] = h0, y, 1/float64(2*np)
		}
	}
	// Γ: nr coarse strata of consecutive pairs, one pair drawn in each.
	nr := min(np, max(1, int(math.Round(b.fresp*float64(np)))))
	for j := range nr {
		lo, hi := j*np/nr, (j+1)*np/nr
		i := lo + rnd.IntN(hi-lo)
		w := float64(hi-lo) / float64(np) / 2
		b.wr[2*i], b.wr[2*i+1] = w, w
	}
}

// quantile is the standard normal quantile Φ⁻¹(u); u = 0 (a uniform draw
// of exactly 0) is moved to the smallest positive float.
func quantile(u float64) float64 {
	if u <= 0 {
		u = math.SmallestNonzeroFloat64
	}
	return distuv.UnitNormal.Quantile(u)
}
