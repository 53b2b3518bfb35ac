// Package theory holds closed forms used as oracles for the simulator and
// the DMFT: fresh-sample (test) quantities, the exact learning curves of
// square-loss gradient descent, and the ridge ERM fixed point.
//
// References:
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture
//	classification", NeurIPS 2020, arXiv:2006.06098.
//	Z. Liao, R. Couillet, "The dynamics of learning: a random matrix
//	approach", ICML 2018, arXiv:1805.11917.
//	F. Mignacco, F. Krzakala, Y. M. Lu, P. Urbani, L. Zdeborová, "The role
//	of regularization in classification of high-dimensional noisy Gaussian
//	mixture", ICML 2020, arXiv:2002.11544.
//
// Fresh-sample quantities (spec theory.md §1): a fresh sample of cluster c
// has local field r = c m + b0 + √(Δq) z, z ~ N(0, 1), so with
// Q(x) = ½ erfc(x/√2)
//
//	two clusters, linear output:  ε = ρ Q((m + b0)/√(Δq)) + (1−ρ) Q((m − b0)/√(Δq))
//	three clusters, r² − κ:       ε = (1−ρ)·2Q(√κ/√(Δq)) + ρ[1 − Q((√κ−m)/√(Δq)) − Q((√κ+m)/√(Δq))]
//
// and the test loss is a Gaussian integral per cluster, computed by quadrature.
package theory // import "github.com/sgdmft/sgdmft/theory"
