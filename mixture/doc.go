// Package mixture implements the Gaussian-mixture data models of
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098 (spec model-and-dmft.md §1).
//
// In dimension d, each of n = αd samples has a cluster variable c drawn from a
// finite law and a label y(c) = ±1:
//
//	x_μ = c_μ v*/√d + √Δ z_μ,   z_μ ~ N(0, I_d),   v* ~ N(0, I_d).
//
// Two-cluster model: c ∈ {+1, −1}, P(c = +1) = ρ, y = c.
// Three-cluster model: c ∈ {−1, 0, +1}, P(c = ±1) = ρ/2, P(c = 0) = 1 − ρ,
// y = +1 if |c| = 1 and y = −1 if c = 0.
//
// By default the sampled centroid is rescaled so that |v*|² = d exactly: the
// per-seed fluctuation of |v*|²/d would otherwise bias m = w·v*/d by O(1/√d).
package mixture // import "github.com/sgdmft/sgdmft/mixture"
