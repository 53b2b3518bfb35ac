package kernel

import (
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
)

// TestKernels compares the kernels with plain loops for every length 0..70
// (all tails of the 16-wide loop). Both sum the same terms in a different
// order, so they agree to a few ulps of Σ|x_i y_i|: 1e-14 relative to it.
func TestKernels(t *testing.T) {
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
			s0, s1, s2, s3 := Dot4(x, x1, x2, x3, y)
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
					t.Errorf("n=%d: Dot4[%d] = %v, want %v", n, k, c.got, w)
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
