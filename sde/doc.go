// Package sde implements the finite-d simulator of SGD and stochastic
// gradient flow on Gaussian mixtures,
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098 (spec model-and-dmft.md §2),
//
// for a dynamics.Problem: an ensemble of independent runs (data, initial
// weights, selection paths, fresh test set per seed) of the recursion
//
//	w_{k+1} = w_k − η [ λ w_k + Σ_μ s_μ,k ∂_r L(y_μ, r_μ,k) x_μ/√d ],
//	r_μ,k = w_k·x_μ/√d,   t_k = kη,
//
// with the selection processes of package dynamics and the integrators of
// package integrators (Euler is the recursion itself; Heun its second-order
// counterpart for the gradient-flow limit). One step is one fused pass over
// the data matrix (pass.go).
package sde // import "github.com/sgdmft/sgdmft/sde"
