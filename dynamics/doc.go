// Package dynamics defines the training problem shared by the finite-d
// simulator (package sde), the DMFT (package dmft), the closed forms
// (package theory) and the validation: the data model, the loss and output
// function, the algorithm and its selection process, the ridge λ, the step
// η, the initialisation and the names of the observables. It depends on no
// solver, so that the DMFT is an independent check of the simulator.
//
// References:
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098 (spec model-and-dmft.md §2, §3, §5).
//
// The recursion (plain sum over the selected samples, no 1/b):
//
//	w_{k+1} = w_k − η [ λ w_k + Σ_μ s_μ,k ∂_r L(y_μ, r_μ,k) x_μ/√d ],
//	r_μ,k = w_k·x_μ/√d,   t_k = kη,   w_0 = m_0 v* + N(0, (C_0 − m_0²) I_d).
//
// The selection variables s_μ,k are independent two-state Markov chains
// (Chain): full batch (s ≡ 1), vanilla SGD (i.i.d. Bernoulli(b)),
// persistent SGD (P(0→1) = η/τ, P(1→0) = η(1−b)/(bτ)) and the telegraph
// process of stochastic gradient flow (rates 1/τ and (1−b)/(bτ), sampled
// exactly over a step Δt: P(0→1) = b(1 − e^{−Δt/(bτ)}),
// P(1→1) = b + (1−b)e^{−Δt/(bτ)}).
//
// # Adding an algorithm
//
// An algorithm is a selection process. If it is a per-sample two-state
// Markov chain, it is a Chain, and all of it is in problem.go and
// selection.go: (1) a constant in the Algorithm const block of problem.go;
// (2) its command-line name at that index of algoNames (problem.go), which
// String, AlgorithmNames, ParseAlgorithm and Problem.Validate read; (3) a constructor of its Chain in
// selection.go that validates its parameters by name (like Persistent), and
// a case for it in Problem.Selection (problem.go); (4) in Problem.Validate,
// the rule on b must say whether the algorithm is full-batch. The simulator (sde) and the DMFT (dmft) see only the Chain
// (B, P01, P11) and need no change; the command line's --algo help text and
// any rule it adds on --b or --tau live in cmd/sgdmft. A selection process
// that is not such a chain needs a new Selection for the simulator and its
// own DMFT kernels (spec model-and-dmft.md §4), not just a constant.
package dynamics // import "github.com/sgdmft/sgdmft/dynamics"
