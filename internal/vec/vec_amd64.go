package vec

import (
	"golang.org/x/exp/constraints"
	"golang.org/x/sys/cpu"
)

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

//go:noescape
func dot4F32AVX(x0, x1, x2, x3 []float32, w []float64) (s0, s1, s2, s3 float64)

//go:noescape
func axpyF32AVX(a float64, x []float32, y []float64)

// dot4F32 computes the products over the first len(w) &^ 7 elements; ok is
// false when there is no vector unit for it.
func dot4F32(x0, x1, x2, x3 []float32, w []float64) (s [4]float64, ok bool) {
	if !useAVX {
		return s, false
	}
	s[0], s[1], s[2], s[3] = dot4F32AVX(x0, x1, x2, x3, w)
	return s, true
}

func axpyF32(a float64, x []float32, y []float64) bool {
	if !useAVX {
		return false
	}
	axpyF32AVX(a, x, y)
	return true
}

//go:noescape
func axpy4AVX(a *[4]float64, x0, x1, x2, x3, y []float64)

//go:noescape
func axpy4F32AVX(a *[4]float64, x0, x1, x2, x3 []float32, y []float64)

// axpy4Vec updates the first len(y) &^ 3 elements; false without AVX2.
func axpy4Vec[F constraints.Float](a *[4]float64, x0, x1, x2, x3 []F, y []float64) bool {
	if !useAVX {
		return false
	}
	switch any(x0).(type) {
	case []float64:
		axpy4AVX(a, any(x0).([]float64), any(x1).([]float64), any(x2).([]float64), any(x3).([]float64), y)
	case []float32:
		axpy4F32AVX(a, any(x0).([]float32), any(x1).([]float32), any(x2).([]float32), any(x3).([]float32), y)
	default:
		return false
	}
	return true
}
