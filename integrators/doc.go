// Package integrators provides the time-stepping schemes shared by the
// finite-d simulator and the DMFT, for the gradient flow
//
//	dw/dt = −∇H(w)
//
// (with the selection variables held fixed over a step):
//
//	explicit Euler   w_{k+1} = w_k − h ∇H(w_k)                      (order 1; for SGD it is the algorithm)
//	Heun             w̃ = w_k − h ∇H(w_k),
//	                 w_{k+1} = w_k − (h/2) [∇H(w_k) + ∇H(w̃)]       (order 2)
//
// Reference: E. Hairer, S. P. Nørsett, G. Wanner, "Solving Ordinary
// Differential Equations I", Springer (1993), §II.1.
package integrators // import "github.com/sgdmft/sgdmft/integrators"
