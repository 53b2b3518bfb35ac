package theory

import (
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
)

// TestTeacherClosedForms compares the quadrature with closed forms for the
// linear output, written independently of it:
//
//	sign:   ε = arccos(m/√(q(1+σ²)))/π   (g = h0 + σε and r bivariate Gaussian),
//	linear: ε = E[(h0 + σε − r)²] = 1 − 2m + q + σ²,
//	relu:   ε = E[h0₊²] − 2m E[h0 h0₊] + q + σ² = 1/2 − m + q + σ²,
//
// and the square loss E[L] = ε/2 on real labels, E[(1 − y r)²]/2 =
// (1 − 2m√(2/π)/√(1+σ²) + q)/2 on the sign teacher's labels. Tolerance
// 1e-10 absolute: the composite Gauss–Legendre rule with the refinement of
// teacherKinks integrates these (piecewise smooth) integrands to ~1e-13,
// including the nearly aligned m/√q = 0.9999. A mutation (m × 1.05) must
// move every value by more than 1e-3.
func TestTeacherClosedForms(t *testing.T) {
	lin := loss.Linear{}
	sq := loss.Func{Margin: loss.Square{}, Output: lin}
	for _, c := range []struct{ m, q, sigma float64 }{
		{0.3, 1, 0}, {0.6, 0.5, 0}, {-0.2, 2, 0.4}, {0.9999, 1, 0}, {0.99, 1, 0.05}, {0, 0.7, 0.3}, {1.4, 2.5, 1},
	} {
		for _, link := range []teacher.Link{teacher.Sign{}, teacher.Linear{}, teacher.ReLU{}} {
			tm := teacher.Model{Link: link, Noise: c.sigma}
			want := func(m float64) float64 {
				switch link.(type) {
				case teacher.Sign:
					return math.Acos(m/math.Sqrt(c.q*(1+c.sigma*c.sigma))) / math.Pi
				case teacher.Linear:
					return 1 - 2*m + c.q + c.sigma*c.sigma
				}
				return 0.5 - m + c.q + c.sigma*c.sigma
			}
			name := fmt.Sprintf("%s %+v", link.Name(), c)
			got := TeacherTestError(tm, lin, c.m, c.q)
			if math.Abs(got-want(c.m)) > 1e-10 {
				t.Errorf("%s: test error %.15g, closed form %.15g", name, got, want(c.m))
			}
			if c.m != 0 {
				if mut := TeacherTestError(tm, lin, 1.05*c.m, c.q); math.Abs(mut-want(c.m)) < 1e-3 {
					t.Errorf("%s: m × 1.05 gives %v, closed form %v: the check cannot fail", name, mut, want(c.m))
				}
			}
			wantLoss := want(c.m) / 2
			if link.Binary() {
				// (1 − y r)²/2 with E[y r] = m E[y h0] = m √(2/π)/√(1+σ²).
				wantLoss = (1 - 2*c.m*math.Sqrt(2/math.Pi)/math.Sqrt(1+c.sigma*c.sigma) + c.q) / 2
			}
			if l := TeacherTestLoss(tm, sq, c.m, c.q); math.Abs(l-wantLoss) > 1e-10 {
				t.Errorf("%s: square test loss %v, want %v", name, l, wantLoss)
			}
		}
	}
	// Real labels with a loss other than the square loss have no test loss.
	if l := TeacherTestLoss(teacher.Model{Link: teacher.Linear{}}, loss.Func{Margin: loss.Logistic{}, Output: lin}, 0.5, 1); !math.IsNaN(l) {
		t.Errorf("linear teacher, logistic loss: test loss %v, want NaN", l)
	}
}

// TestTeacherFreshMonteCarlo compares TeacherTestError and TeacherTestLoss,
// for every registered link (σ = 0 and 0.5) and output (κ = 0.7), with
// every margin loss for the binary links and the square loss for the real
// ones, against a Monte-Carlo average over n fresh samples drawn as a
// simulator draws them: h0 ~ N(0, 1), r = m h0 + √(q − m²) ξ, y from
// Label. Tolerance 5 standard errors of the average (false-failure rate
// 6e-7 per check). A mutation, the quadrature at m × 1.05 or at q × 1.05,
// must leave the tolerance of the test error or of the test loss in every
// case (shown, not assumed; for the sign teacher with the even quadratic
// output both are independent of m, and the test error is exactly 1/2).
func TestTeacherFreshMonteCarlo(t *testing.T) {
	const n = 100000
	const m, q = 1.0, 2.0
	i := 0
	for _, lname := range teacher.LinkNames() {
		link, _ := teacher.ParseLink(lname)
		for _, sigma := range []float64{0, 0.5} {
			tm := teacher.Model{Link: link, Noise: sigma}
			for _, oname := range loss.OutputNames() {
				out, _ := loss.ParseOutput(oname, 0.7)
				for _, mname := range loss.MarginNames() {
					margin, _ := loss.ParseMargin(mname)
					fn := loss.Func{Margin: margin, Output: out}
					tl, err := teacher.NewLoss(tm, fn)
					if err != nil {
						continue // a non-square loss on real labels
					}
					i++
					rnd := rng.New(11, uint64(i))
					var sl, sl2, se, se2 float64
					for range n {
						h0 := rnd.NormFloat64()
						r := m*h0 + math.Sqrt(q-m*m)*rnd.NormFloat64()
						y := link.Label(h0, rnd.NormFloat64(), sigma)
						l, _, _ := tl.Eval(y, r)
						e := tl.Error(y, r)
						sl += l
						sl2 += l * l
						se += e
						se2 += e * e
					}
					ml, me := sl/n, se/n
					sdl := math.Sqrt((sl2/n - ml*ml) / n)
					sde := math.Sqrt((se2/n - me*me) / n)
					name := fmt.Sprintf("%s σ=%v/%v/%s", lname, sigma, out, mname)
					if got := TeacherTestLoss(tm, fn, m, q); math.Abs(got-ml) > 5*sdl {
						t.Errorf("%s: test loss %v, Monte Carlo %v ± %v", name, got, ml, sdl)
					}
					if got := TeacherTestError(tm, out, m, q); math.Abs(got-me) > 5*sde {
						t.Errorf("%s: test error %v, Monte Carlo %v ± %v", name, got, me, sde)
					}
					detected := false
					for _, mq := range [][2]float64{{1.05 * m, q}, {m, 1.05 * q}} {
						de := math.Abs(TeacherTestError(tm, out, mq[0], mq[1]) - me)
						dl := math.Abs(TeacherTestLoss(tm, fn, mq[0], mq[1]) - ml)
						detected = detected || de > 5*sde || dl > 5*sdl
					}
					if !detected {
						t.Errorf("%s: neither m × 1.05 nor q × 1.05 leaves the tolerance: the check cannot fail", name)
					}
				}
			}
		}
	}
	if i == 0 {
		t.Fatal("no case ran")
	}
}

// TestTeacherDegenerate: w = 0 (q = 0) predicts f(0) everywhere: the linear
// output's f = 0 counts as an error for both labels (the mixture's
// convention, y f ≤ 0), and the MSE is E[y²] + f(0)² − 2f(0)E[y].
func TestTeacherDegenerate(t *testing.T) {
	// Tolerance 1e-14: the quadrature of the constant 1 (weights sum to 1 to round-off).
	if e := TeacherTestError(teacher.Model{Link: teacher.Sign{}}, loss.Linear{}, 0, 0); math.Abs(e-1) > 1e-14 {
		t.Errorf("sign, w = 0: test error %v, want 1", e)
	}
	quad := loss.Quadratic{Kappa: 0.7}
	// ReLU, σ = 0.5: E[y] = 1/√(2π), E[y²] = 1/2 + 1/4, f(0) = −0.7.
	want := 0.75 + 0.49 + 2*0.7/math.Sqrt(2*math.Pi)
	if e := TeacherTestError(teacher.Model{Link: teacher.ReLU{}, Noise: 0.5}, quad, 0, 0); math.Abs(e-want) > 1e-12 {
		t.Errorf("relu, w = 0: test MSE %v, want %v", e, want)
	}
}

func ExampleTeacherTestError() {
	const m, q = 0.6, 1.0 // overlap w·v*/d and norm |w|²/d
	sign := teacher.Model{Link: teacher.Sign{}}
	lin := teacher.Model{Link: teacher.Linear{}, Noise: 0.5}
	fmt.Printf("sign teacher: test error %.4f (arccos(m/√q)/π = %.4f)\n", TeacherTestError(sign, loss.Linear{}, m, q), math.Acos(m/math.Sqrt(q))/math.Pi)
	fmt.Printf("linear teacher, σ = 0.5: test MSE %.4f (1 − 2m + q + σ² = %.4f)\n", TeacherTestError(lin, loss.Linear{}, m, q), 1-2*m+q+0.25)
	fmt.Printf("its square loss %.4f\n", TeacherTestLoss(lin, loss.Func{Margin: loss.Square{}, Output: loss.Linear{}}, m, q))
	// Output:
	// sign teacher: test error 0.2952 (arccos(m/√q)/π = 0.2952)
	// linear teacher, σ = 0.5: test MSE 1.0500 (1 − 2m + q + σ² = 1.0500)
	// its square loss 0.5250
}
