//go:build !amd64

package vec

import "golang.org/x/exp/constraints"

func dot(x, y []float64) float64 { return dotGeneric(x, y) }

func axpy(a float64, x, y []float64) { axpyGeneric(a, x, y) }

func dot4(x0, x1, x2, x3, w []float64) (s0, s1, s2, s3 float64) {
	return dotGeneric(x0, w), dotGeneric(x1, w), dotGeneric(x2, w), dotGeneric(x3, w)
}

func dot4F32(x0, x1, x2, x3 []float32, w []float64) (s [4]float64, ok bool) { return s, false }

func axpyF32(a float64, x []float32, y []float64) bool { return false }

func axpy4Vec[F constraints.Float](a *[4]float64, x0, x1, x2, x3 []F, y []float64) bool { return false }
