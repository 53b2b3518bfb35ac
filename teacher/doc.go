// Package teacher implements the single-index (teacher–student) data model:
// Gaussian inputs whose label depends on one hidden direction v*,
//
//	x_μ ~ N(0, I_d),   h0_μ = v*·x_μ/√d ~ N(0, 1),   |v*|² = d,
//	y_μ = φ(h0_μ) + σ ε_μ   (linear, ReLU),   y_μ = sign(h0_μ + σ ε_μ)   (sign),
//
// with ε_μ ~ N(0, 1) the label noise. The sign teacher keeps its labels ±1 by
// putting the noise inside the sign (the noisy perceptron teacher); the
// others add it to the output. This is the data model of
//
//	C. Gerbelot, F. Pellegrini (Troiani), F. Mignacco, F. Krzakala,
//	L. Zdeborová, "Rigorous dynamical mean field theory for stochastic
//	gradient descent methods", arXiv:2210.06591 (2022),
//
// and of its code, SPOC-group/DMFT-integration.
//
// Unlike the Gaussian mixture (package mixture), the projection of x on v*
// is exactly h0, with no isotropic noise along v*: only the part of the
// weights orthogonal to v* sees a Gaussian field.
//
// # Adding a link
//
// A link is a type with the Link methods, in a new file of this directory,
// and one line in the links registry of model.go.
package teacher // import "github.com/sgdmft/sgdmft/teacher"
