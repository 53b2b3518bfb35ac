package sde

import "gonum.org/v1/gonum/blas/blas64"

// The step's hot loop. A step is naively two passes over X (r = Xw/√d, then
// ∇ = Xᵀg/√d). Fusing them reads each row once from memory: the row is still
// in L1 cache when its contribution s_μ L'(y_μ, r_μ) x_μ/√d is added, so a
// step costs one stream of X instead of two. Rows that are not selected are
// skipped unless their r is wanted for the observables.

var impl = blas64.Implementation()

func dot(x, y []float64) float64 { return impl.Ddot(len(x), x, 1, y, 1) }

func axpy(a float64, x, y []float64) { impl.Daxpy(len(x), a, x, 1, y, 1) }

// pass computes grad = Σ_μ sel_μ deriv(μ, r_μ) x_μ/√d with r_μ = x_μ·w/√d,
// over the rows of the row-major n×d matrix x. If r is not nil, r_μ is stored
// for every row (selected or not); otherwise unselected rows are skipped.
// sel == nil selects every row. grad is overwritten.
func pass(grad, r []float64, x, w []float64, sel []bool, isd float64, deriv func(mu int, r float64) float64) {
	d := len(w)
	clear(grad)
	n := len(x) / d
	for mu := 0; mu < n; mu++ {
		on := sel == nil || sel[mu]
		if !on && r == nil {
			continue
		}
		row := x[mu*d : (mu+1)*d : (mu+1)*d]
		rm := dot(row, w) * isd
		if r != nil {
			r[mu] = rm
		}
		if on {
			if g := deriv(mu, rm); g != 0 {
				axpy(g*isd, row, grad)
			}
		}
	}
}
