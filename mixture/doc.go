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
// A Model is this list of clusters (position c, probability, label) and Δ.
// The registered models (ModelNames, ParseModel) are
//
//	two-cluster     c ∈ {+1, −1}, P(c = +1) = ρ, y = c;
//	three-cluster   c ∈ {−1, 0, +1}, P(c = ±1) = ρ/2, P(c = 0) = 1 − ρ,
//	                y = +1 if |c| = 1 and y = −1 if c = 0;
//
// any other list of clusters is a Model literal (the command line's
// --mixture custom --clusters).
//
// By default the sampled centroid is rescaled so that |v*|² = d exactly: the
// per-seed fluctuation of |v*|²/d would otherwise bias m = w·v*/d by O(1/√d).
//
// # Adding a data model
//
// A data model of this form is a constructor returning a Model. Write it in
// a new file of this directory, like TwoCluster in model.go: build the
// clusters from the parameters and set the unexported err field to the
// result of checking each parameter, with an error that names it and its
// allowed range (checkParams for a class fraction ρ and Δ). Model.Validate,
// which every consumer calls before any work (Sample, dynamics.Problem,
// theory.ERM), reports that error first. If the model is parametrised by
// (ρ, Δ), add the one line {name, constructor} to the table
//
//	var models = []struct{ name string; new func(rho, delta float64) Model }{…}
//
// in model.go, and ParseModel and ModelNames know it by its name. Nothing
// else changes: the sampler, the simulator, the DMFT and the fresh-sample
// test error and loss (theory.TestError, theory.TestLoss) take any list of
// clusters; only the closed forms written for the two-cluster model do not
// apply (theory.ERM, which checks Model.IsTwoCluster, and theory.SquareGD).
package mixture // import "github.com/sgdmft/sgdmft/mixture"
