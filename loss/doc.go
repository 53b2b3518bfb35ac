// Package loss provides the per-sample losses ℓ and output functions f of the
// classifier studied in
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098 (spec model-and-dmft.md §2).
//
// A sample with label y = ±1 and pre-activation r = w·x/√d has loss
//
//	L(y, r) = ℓ(y f(r)),
//	∂_r L   = ℓ'(z) y f'(r),                 z = y f(r),
//	∂²_r L  = ℓ''(z) f'(r)² + ℓ'(z) y f''(r)  (y² = 1),
//
// with ℓ one of the registered margin losses (MarginNames)
//
//	logistic        ℓ(z) = log(1 + e^{−z})
//	square          ℓ(z) = (1 − z)²/2
//	sqhinge         ℓ(z) = max(0, 1 − z)²
//	hinge           ℓ(z) = max(0, 1 − z)     (ℓ'' is a δ: simulation and ERM only)
//
// and f one of the registered outputs (OutputNames): linear, f(r) = r, or
// quadratic, f(r) = r² − κ. The prediction is ŷ = sign(f(r)); a sample is
// misclassified when y f(r) ≤ 0. The ERM fixed point (package theory) is
// written with the proximal operator of ℓ (Prox).
//
// # Adding a loss
//
// Write its type, in a new file of this directory, with the two methods of
// Margin:
//
//	Eval(z float64) (l, dl, d2l float64)   ℓ(z), ℓ'(z), ℓ''(z)
//	Name() string                         its command-line name
//
// and those of the optional interfaces that apply:
//
//	Kinks() []float64                     Kinked: the z where ℓ' or ℓ'' jumps
//	Smooth() bool                         Smoother: false if ℓ' jumps (the DMFT refuses such a loss)
//	Prox(a, v float64) (p, dp float64)    Proxer: a closed-form prox; required if ℓ' jumps,
//	                                      otherwise the ERM uses a safeguarded Newton iteration
//
// Then add the one line: its value in the list
//
//	var margins = []Margin{Logistic{}, Square{}, SquaredHinge{}, Hinge{}}
//
// in loss.go. ParseMargin and MarginNames find it by its name; the
// simulator, the DMFT, the test loss and the ERM (package theory) need no
// change, as they see a loss only through these methods; and this package's
// tests check every
// registered loss (TestDerivatives: ℓ' and ℓ” against finite differences;
// TestKinks: the declared kinks and Smooth against a scan of ℓ' and ℓ”;
// TestProx: the prox against a direct minimisation; TestRegistryComplete: a
// type with a Name method that is not registered fails).
//
// # Adding an output
//
// Write its type, in a new file of this directory, with the three methods
// of Output:
//
//	Eval(r float64) (f, df, d2f float64)   f(r), f'(r), f''(r)
//	Roots(v float64) []float64            every r with f(r) = v, increasing
//	Name() string                         its command-line name
//
// Then add the one line: {name, constructor} in the table
//
//	var outputs = []struct{ name string; new func(kappa float64) (Output, error) }{…}
//
// in output.go; the constructor receives the command line's shape parameter
// κ and validates it if the output uses one (newQuadratic), or ignores it.
// The fresh-sample test error (theory.TestError) integrates the Gaussian in
// closed form between the roots of f(r) = 0 and the test loss splits its
// quadrature at the roots of y f(r) = z for the loss's kinks z, so neither
// needs to know the new output; TestRoots checks Roots against a scan of f
// for every registered output, and theory's TestNewOutputMonteCarlo shows an
// output written only in a test file getting the Monte-Carlo test error.
package loss // import "github.com/sgdmft/sgdmft/loss"
