// Package loss provides the per-sample losses ℓ and output functions f of the
// classifier studied in
//
//	F. Mignacco, F. Krzakala, P. Urbani, L. Zdeborová, "Dynamical mean-field
//	theory for stochastic gradient descent in Gaussian mixture classification",
//	NeurIPS 2020, arXiv:2006.06098.
//
// A sample with label y = ±1 and pre-activation r = w·x/√d has loss
//
//	L(y, r) = ℓ(y f(r)),
//	∂_r L   = ℓ'(z) y f'(r),                 z = y f(r),
//	∂²_r L  = ℓ''(z) f'(r)² + ℓ'(z) y f''(r)  (y² = 1),
//
// with ℓ one of
//
//	logistic        ℓ(z) = log(1 + e^{−z})
//	square          ℓ(z) = (1 − z)²/2
//	squared hinge   ℓ(z) = max(0, 1 − z)²
//	hinge           ℓ(z) = max(0, 1 − z)     (ℓ'' is a δ: simulation only)
//
// and f the linear output f(r) = r or the quadratic output f(r) = r² − κ.
// The prediction is ŷ = sign(f(r)); a sample is misclassified when y f(r) ≤ 0.
package loss // import "github.com/sgdmft/sgdmft/loss"
