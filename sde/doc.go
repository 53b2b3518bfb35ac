// Package sde implements the stochastic processes of SGD on Gaussian
// mixtures and the finite-d simulator of
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098 (spec model-and-dmft.md §2).
//
// The recursion simulated is (plain sum over the selected samples, no 1/b):
//
//	w_{k+1} = w_k − η [ λ w_k + Σ_μ s_μ,k ∂_r L(y_μ, r_μ,k) x_μ/√d ],
//	r_μ,k = w_k·x_μ/√d,   t_k = kη,
//
// with selection variables s_μ,k from a Selection: full batch (s ≡ 1),
// vanilla SGD (i.i.d. Bernoulli(b)), persistent SGD (a two-state Markov chain
// with P(0→1) = η/τ and P(1→0) = η(1−b)/(bτ)) or the telegraph process of
// stochastic gradient flow (rates 1/τ and (1−b)/(bτ), transition probabilities
// over a step Δt: P(0→1) = b(1 − e^{−Δt/(bτ)}), P(1→1) = b + (1−b)e^{−Δt/(bτ)}).
// The initial weights are w_0 = m_0 v* + N(0, (C_0 − m_0²) I_d).
package sde // import "github.com/sgdmft/sgdmft/sde"
