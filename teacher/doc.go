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
//	C. Gerbelot, E. Troiani, F. Mignacco, F. Krzakala,
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
// A link is a type with the Link methods (Name, Label, Binary and the
// closed-form Moments of its label given a Gaussian teacher field), in a new
// file of this directory, and one line in the links registry of model.go.
// TestMoments checks Moments against Label for every registered link; the
// fresh-sample metrics (theory.TeacherTestError, TeacherTestLoss) see a link
// only through Moments and Binary.
//
// # Loss and metrics
//
// With ±1 labels the student's loss is its margin loss ℓ(y f(r)) as for the
// mixture, and the error the misclassification rate. With real labels (the
// linear and ReLU links) the loss is the square loss against the target,
// (y − f(r))²/2 (Loss), and the error observables are mean squared errors
// (y − f(r))².
//
// # Dataset
//
// Sample draws v* (|v*|² = d), the rows x_μ ~ N(0, I_d) and the label noise;
// it stores the teacher field h0_μ = v*·x_μ/√d computed from the row
// (Dataset.H0), so that identity holds to round-off.
package teacher // import "github.com/sgdmft/sgdmft/teacher"
