//go:build !amd64

package kernel

func dot(x, y []float64) float64 { return dotGeneric(x, y) }

func axpy(a float64, x, y []float64) { axpyGeneric(a, x, y) }

func dot4(x0, x1, x2, x3, w []float64) (s0, s1, s2, s3 float64) {
	return dotGeneric(x0, w), dotGeneric(x1, w), dotGeneric(x2, w), dotGeneric(x3, w)
}
