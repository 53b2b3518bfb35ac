// Package vec holds the dense vector loops (BLAS level 1) of the simulator: dot products
// and axpy updates over rows of the data matrix. On amd64 with AVX2 and FMA
// they run in assembly (four 256-bit accumulators); elsewhere they fall back
// to gonum's BLAS. Results are deterministic for a given machine: the
// summation order is fixed.
package vec

import "gonum.org/v1/gonum/blas/blas64"

var impl = blas64.Implementation()

func dotGeneric(x, y []float64) float64 { return impl.Ddot(len(x), x, 1, y, 1) }

func axpyGeneric(a float64, x, y []float64) { impl.Daxpy(len(x), a, x, 1, y, 1) }

// Dot returns Σ x_i y_i. It panics if the lengths differ.
func Dot(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("vec: length mismatch")
	}
	return dot(x, y)
}

// Axpy sets y += a x. It panics if the lengths differ.
func Axpy(a float64, x, y []float64) {
	if len(x) != len(y) {
		panic("vec: length mismatch")
	}
	axpy(a, x, y)
}
