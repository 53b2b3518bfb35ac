package vec

import "golang.org/x/exp/constraints"

// The data matrix may be stored in float32 to halve the memory traffic of a
// step, which is bound by memory bandwidth; products and sums are always
// formed in float64. These entry points are generic over the storage type.

// DotX returns Σ x_i w_i with x in F and the sum in float64.
func DotX[F constraints.Float](x []F, w []float64) float64 {
	if len(x) != len(w) {
		panic("vec: length mismatch")
	}
	switch x := any(x).(type) {
	case []float64:
		return dot(x, w)
	}
	return dotLoop(x, w, 0)
}

// Dot4X returns the four products x_i·w, reading the four rows together.
func Dot4X[F constraints.Float](x0, x1, x2, x3 []F, w []float64) (s0, s1, s2, s3 float64) {
	n := len(w)
	if len(x0) != n || len(x1) != n || len(x2) != n || len(x3) != n {
		panic("vec: length mismatch")
	}
	switch any(x0).(type) {
	case []float64:
		return dot4(any(x0).([]float64), any(x1).([]float64), any(x2).([]float64), any(x3).([]float64), w)
	case []float32:
		if k, ok := dot4F32(any(x0).([]float32), any(x1).([]float32), any(x2).([]float32), any(x3).([]float32), w); ok {
			return k[0] + dotLoop(x0, w, n&^7), k[1] + dotLoop(x1, w, n&^7), k[2] + dotLoop(x2, w, n&^7), k[3] + dotLoop(x3, w, n&^7)
		}
	}
	return dotLoop(x0, w, 0), dotLoop(x1, w, 0), dotLoop(x2, w, 0), dotLoop(x3, w, 0)
}

// AxpyX sets y += a x with x in F.
func AxpyX[F constraints.Float](a float64, x []F, y []float64) {
	if len(x) != len(y) {
		panic("vec: length mismatch")
	}
	switch xx := any(x).(type) {
	case []float64:
		axpy(a, xx, y)
		return
	case []float32:
		if axpyF32(a, xx, y) {
			axpyLoop(a, x, y, len(y)&^7)
			return
		}
	}
	axpyLoop(a, x, y, 0)
}

func dotLoop[F constraints.Float](x []F, w []float64, from int) float64 {
	s := 0.0
	for i := from; i < len(w); i++ {
		s += float64(x[i]) * w[i]
	}
	return s
}

func axpyLoop[F constraints.Float](a float64, x []F, y []float64, from int) {
	for i := from; i < len(y); i++ {
		y[i] += a * float64(x[i])
	}
}

// Axpy4X sets y += a[0] x0 + a[1] x1 + a[2] x2 + a[3] x3, loading and
// storing y once for the four rows.
func Axpy4X[F constraints.Float](a *[4]float64, x0, x1, x2, x3 []F, y []float64) {
	n := len(y)
	if len(x0) != n || len(x1) != n || len(x2) != n || len(x3) != n {
		panic("vec: length mismatch")
	}
	from := 0
	if axpy4Vec(a, x0, x1, x2, x3, y) {
		from = n &^ 3
	}
	for i := from; i < n; i++ {
		y[i] += a[0]*float64(x0[i]) + a[1]*float64(x1[i]) + a[2]*float64(x2[i]) + a[3]*float64(x3[i])
	}
}
