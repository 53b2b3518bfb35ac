package vec

import (
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
)

// TestLoops compares the loops with plain loops for every length 0..70
// (all tails of the 16-wide loop). Both sum the same terms in a different
// order, so they agree to a few ulps of Σ|x_i y_i|: 1e-14 relative to it.
func TestLoops(t *testing.T) {
	rnd := rng.New(1)
	for n := 0; n <= 70; n++ {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = rnd.NormFloat64(), rnd.NormFloat64()
		}
		want, abs := 0.0, 0.0
		for i := range x {
			want += x[i] * y[i]
			abs += math.Abs(x[i] * y[i])
		}
		if got := Dot(x, y); math.Abs(got-want) > 1e-14*abs {
			t.Errorf("n=%d: Dot = %v, want %v", n, got, want)
		}
		if n > 0 {
			x1, x2, x3 := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range x1 {
				x1[i], x2[i], x3[i] = rnd.NormFloat64(), rnd.NormFloat64(), rnd.NormFloat64()
			}
			s0, s1, s2, s3 := Dot4X(x, x1, x2, x3, y)
			for k, c := range []struct {
				got float64
				x   []float64
			}{{s0, x}, {s1, x1}, {s2, x2}, {s3, x3}} {
				w, a := 0.0, 0.0
				for i := range y {
					w += c.x[i] * y[i]
					a += math.Abs(c.x[i] * y[i])
				}
				if math.Abs(c.got-w) > 1e-14*a {
					t.Errorf("n=%d: Dot4X[%d] = %v, want %v", n, k, c.got, w)
				}
			}
		}
		a := 0.37
		z := append([]float64(nil), y...)
		Axpy(a, x, z)
		for i := range z {
			if w := y[i] + a*x[i]; math.Abs(z[i]-w) > 1e-15*(math.Abs(y[i])+math.Abs(a*x[i])) {
				t.Fatalf("n=%d: Axpy[%d] = %v, want %v", n, i, z[i], w)
			}
		}
	}
}

func BenchmarkDot(b *testing.B) {
	for _, n := range []int{1000, 4000} {
		x, y := make([]float64, n), make([]float64, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(16 * n))
			for b.Loop() {
				Dot(x, y)
			}
		})
	}
}

// TestLoopsF32 checks the float32-storage loops against plain float64
// loops over the widened data, for all tail lengths; same 1e-14 bound.
func TestLoopsF32(t *testing.T) {
	rnd := rng.New(2)
	for n := 0; n <= 40; n++ {
		var xs [4][]float32
		w := make([]float64, n)
		for i := range w {
			w[i] = rnd.NormFloat64()
		}
		for k := range xs {
			xs[k] = make([]float32, n)
			for i := range xs[k] {
				xs[k][i] = float32(rnd.NormFloat64())
			}
		}
		ref := func(x []float32) (s, abs float64) {
			for i := range x {
				s += float64(x[i]) * w[i]
				abs += math.Abs(float64(x[i]) * w[i])
			}
			return
		}
		got := [4]float64{}
		got[0], got[1], got[2], got[3] = Dot4X(xs[0], xs[1], xs[2], xs[3], w)
		for k := range xs {
			want, abs := ref(xs[k])
			if math.Abs(got[k]-want) > 1e-14*abs {
				t.Errorf("n=%d: Dot4X[%d] = %v, want %v", n, k, got[k], want)
			}
			if g := DotX(xs[k], w); math.Abs(g-want) > 1e-14*abs {
				t.Errorf("n=%d: DotX = %v, want %v", n, g, want)
			}
		}
		a := [4]float64{0.3, -1.1, 0.7, 2}
		y4 := append([]float64(nil), w...)
		Axpy4X(&a, xs[0], xs[1], xs[2], xs[3], y4)
		x64 := make([][]float64, 4)
		for k := range x64 {
			for _, v := range xs[k] {
				x64[k] = append(x64[k], float64(v))
			}
		}
		z4 := append([]float64(nil), w...)
		if n > 0 {
			Axpy4X(&a, x64[0], x64[1], x64[2], x64[3], z4)
		}
		for i := range y4 {
			want := w[i] + a[0]*x64[0][i] + a[1]*x64[1][i] + a[2]*x64[2][i] + a[3]*x64[3][i]
			scale := math.Abs(w[i]) + math.Abs(a[0]*x64[0][i]) + math.Abs(a[1]*x64[1][i]) + math.Abs(a[2]*x64[2][i]) + math.Abs(a[3]*x64[3][i])
			if math.Abs(y4[i]-want) > 1e-15*scale || math.Abs(z4[i]-want) > 1e-15*scale {
				t.Fatalf("n=%d: Axpy4X[%d] = %v (f32), %v (f64), want %v", n, i, y4[i], z4[i], want)
			}
		}
		y := append([]float64(nil), w...)
		AxpyX(0.7, xs[0], y)
		for i := range y {
			if want := w[i] + 0.7*float64(xs[0][i]); math.Abs(y[i]-want) > 1e-15*(math.Abs(w[i])+math.Abs(want)) {
				t.Fatalf("n=%d: AxpyX[%d] = %v, want %v", n, i, y[i], want)
			}
		}
	}
}
