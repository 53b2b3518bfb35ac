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
// the data matrix (pass.go). Full-batch GD that stands for gradient flow
// can take longer steps once it has slowed (Settings.Coarsen), to reach
// long times.
//
// The data model is the problem's Gaussian mixture, or, when
// Problem.Teacher is set, the single-index teacher–student model of package
// teacher: rows x_μ ~ N(0, I_d), teacher field h0_μ = v*·x_μ/√d computed
// from the row (Run.Teacher.H0), labels from the link. The loss is then
// teacher.Loss (the square loss against the target for real labels), the
// closed-form test quantities are theory.TeacherTestError and
// TeacherTestLoss, and the fresh test set stores the inputs x themselves
// (in float32), labelled from h0 computed from the stored values. For real
// labels the error observables are mean squared errors (dynamics.Observable).
package sde // import "github.com/sgdmft/sgdmft/sde"
