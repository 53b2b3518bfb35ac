package kernel

import "golang.org/x/sys/cpu"

var useAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dotAVX(x, y []float64) float64

//go:noescape
func axpyAVX(a float64, x, y []float64)

func dot(x, y []float64) float64 {
	if useAVX {
		return dotAVX(x, y)
	}
	return dotGeneric(x, y)
}

func axpy(a float64, x, y []float64) {
	if useAVX {
		axpyAVX(a, x, y)
		return
	}
	axpyGeneric(a, x, y)
}

//go:noescape
func dot4AVX(x0, x1, x2, x3, w []float64) (s0, s1, s2, s3 float64)

func dot4(x0, x1, x2, x3, w []float64) (s0, s1, s2, s3 float64) {
	if useAVX {
		return dot4AVX(x0, x1, x2, x3, w)
	}
	return dotGeneric(x0, w), dotGeneric(x1, w), dotGeneric(x2, w), dotGeneric(x3, w)
}
