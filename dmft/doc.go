// Package dmft solves the dynamical mean-field theory (DMFT) of SGD and
// stochastic gradient flow on high-dimensional Gaussian mixtures: the
// d → ∞ limit, at fixed learning rate η, of the recursion the finite-d
// simulator of package sde runs (spec model-and-dmft.md §4).
//
// References:
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098.
//	C. Gerbelot, E. Troiani, F. Mignacco, F. Krzakala, L. Zdeborová, "Rigorous
//	dynamical mean field theory for stochastic gradient descent methods",
//	arXiv:2210.06591 (the discrete-time form solved here).
//
// With g = s L'(y, r), D = s L”(y, r) and ⟨·⟩ the average over the effective
// sample process (its cluster c, its selection path s, its Gaussian field ω),
// the equations are, for steps k = 0..K:
//
//	sample process   r_k = c m_k + ω_k − ηΔ Σ_{j<k} R[k,j] g_j,   ⟨ω_k ω_l⟩ = Δ C[k,l]
//	its response     J[k,j] = δ_kj − ηΔ Σ_{l=j}^{k−1} R[k,l] D_l J[l,j]
//	kernels          μ_k = α⟨c g_k⟩,  M_C[k,l] = αΔ⟨g_k g_l⟩,  Γ[k,j] = αΔ⟨D_k J[k,j]⟩
//	propagator       G[k+1,s] = (1 − ηλ) G[k,s] − η Σ_{l=s}^{k} Γ[k,l] G[l,s],  G[s,s] = 1
//	response         R[k,j] = G[k,j+1]
//	overlap          m_k = G[k,0] m_0 − η Σ_{j<k} R[k,j] μ_j
//	correlation      C[k,l] = m_k m_l + (C_0 − m_0²) G[k,0] G[l,0]
//	                          + η² Σ_{j<k} Σ_{i<l} R[k,j] M_C[j,i] R[l,i]
//
// The single-index teacher–student model (Problem.Teacher; package teacher)
// has inputs x ~ N(0, I_d) and a label that depends on the teacher field
// h0 = v*·x/√d. Its projection on v* is exactly h0, so each trajectory
// carries h0 exactly (stratified by quantiles) and only the weights'
// part orthogonal to v* sees a Gaussian field, with Δ = 1:
//
//	sample process   r_k = m_k h0 + ω⊥_k − η Σ_{j<k} R[k,j] g_j,   ⟨ω⊥_k ω⊥_l⟩ = C[k,l] − m_k m_l
//	kernels          μ_k = α⟨h0 g_k⟩,  M_C[k,l] = α⟨g_k g_l⟩,  Γ[k,j] = α⟨D_k J[k,j]⟩  (J as above, Δ = 1)
//	overlap          m_{k+1} = (1 − ηλ) m_k − η μ_k   (no memory term)
//	correlation      C[k,l] = m_k m_l + (C_0 − m_0²) G[k,0] G[l,0]
//	                          + η² Σ_{j<k} Σ_{i<l} R[k,j] M_C[j,i] R[l,i]
//
// with G and R as above. Its derivation, the stratification and the loss of
// real-valued labels are in teacher.go; the exact square-loss solve in
// teacher_square.go, the fresh-sample formulas in teacher_fresh.go.
//
// Each line is implemented in the file named after it:
//
//	sample.go     the sample process r_k, and the kernels μ and M_C averaged from it
//	noise.go      the Gaussian field ω_k, ⟨ω_k ω_l⟩ = ΔC[k,l] (Cholesky factor of ΔC)
//	response.go   its response J (of the sample process), and the kernel Γ averaged from it
//	weights.go    the weight side: propagator G, response R of the weights, overlap m, correlation C
//	batch.go      the trajectories of one independent solve (clusters, antithetic pairs, selection)
//	square.go     the closed form of the square loss (below)
//	solve.go      Solve: batches, their mean and standard errors; march (below)
//	iterate.go    the damped global iteration
//	checkpoint.go checkpoints of the march, and resuming from them
//	flow.go       gradient flow (η → 0) on an adaptive grid (below)
//	flow_solve.go its grid control, Settings.Grid
//	teacher*.go   the teacher–student model (above)
//
// Row k of every quantity depends only on rows < k. The default method, March,
// uses this causality to solve the equations in one pass over time with a
// fixed set of trajectories: at step k it computes G[k,·], m_k and C[k,·],
// extends the Cholesky factor of ΔC by one row, draws each trajectory's ω_k
// from its law conditional on the trajectory's own past, and averages the new
// kernel rows. Iterate is the classic damped global iteration, a cross-check.
//
// With Settings.Grid = Adaptive{}, Solve solves instead the continuous-time
// limit η → 0 of full-batch gradient descent, gradient flow (spec §8), on a
// non-uniform grid: trapezoid quadratures for the memory integrals with the
// own-time terms implicit, the exponential trapezoid rule for the
// propagator, and predict–evaluate–correct steps whose predictor–corrector
// difference is the local error estimate that sets the next step
// (flow.go). Solution.Times is then the grid, R[k,j] = R(t_k, t_j) and
// Gamma holds the regular memory kernel Γ_reg(t_k, t_j); Stats.StepErr and
// Stats.Rejected report the error control, and Stats.QuadErr the estimated
// quadrature error of the memory integrals on the pruned history, which the
// step control does not see (Richardson on pairs of history segments,
// flow_quad.go).
//
// A long march can be checkpointed (Settings.CheckpointDir): each batch is
// saved periodically and when the solve is cancelled, and a solve given the
// same directory resumes, bit-identically to an uninterrupted one.
//
// Variance reduction (spec §6): the clusters are stratified exactly to their
// probabilities and the noise comes in antithetic pairs (ω, −ω) sharing a
// selection path. The Monte-Carlo error is estimated from independent
// batches, each a complete solve on its own trajectories.
//
// The response is solved backwards for each trajectory, y_l = D_k J[k,l]:
//
//	y_k = D_k,   y_l = −ηΔ D_l Σ_{k'=l+1}^{k} y_{k'} R[k',l],
//
// over the steps where the trajectory was selected only (D = 0 elsewhere):
// its cost per step is (b k)²/2 per selected trajectory at batch fraction b.
//
// The square loss with linear output and full batch has D ≡ 1: J and Γ are
// deterministic, r is Gaussian given the cluster, and the DMFT closes on the
// first two moments; Solve then uses no sampling.
package dmft // import "github.com/sgdmft/sgdmft/dmft"
