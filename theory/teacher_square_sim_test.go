package theory_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	stream "github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/theory"
)

// Finite-d checks of theory.TeacherSquare. Two independent computations of
// the same finite-d recursion
//
//	x_μ ~ N(0, I_d), |v*|² = d, y_μ = v*·x_μ/√d + σε_μ, n = round(αd),
//	w_0 = M0 v* + w⊥, w⊥ ⊥ v*, |w⊥|² = (C0 − M0²)d,
//	w_{k+1} = w_k − η[λw_k + Σ_μ (r_μ − y_μ) x_μ/√d]:
//
// tsqLoops runs it with plain loops; tsqEigen evaluates it in the
// eigenbasis of S = XᵀX/d (w_k = (1 − ηH)^k w_0 + Σ_j (1 − ηH)^j η c, the
// same recursion summed), which makes many teachers, initialisations and
// label noises per data matrix cheap. TestTeacherSquareEigenIsGD shows the
// two agree to round-off on the same draw; the loops are compared with the
// theory directly (TestTeacherSquareFiniteD), the eigenbasis evaluation
// with the precision that the mutation test needs
// (TestTeacherSquareFiniteDPrecise).

// tsqData is one data matrix X (n × d, row-major).
type tsqData struct {
	d, n int
	x    []float64
}

// tsqTeacher is one draw of teacher, initial weights and label noise.
type tsqTeacher struct{ vs, w0, eps []float64 }

func newTSQData(rng *rand.Rand, alpha float64, d int) tsqData {
	n := int(math.Round(alpha * float64(d)))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return tsqData{d, n, x}
}

func newTSQTeacher(rng *rand.Rand, s theory.TeacherSquare, d, n int) tsqTeacher {
	fd := float64(d)
	vs := make([]float64, d)
	norm := 0.0
	for i := range vs {
		vs[i] = rng.NormFloat64()
		norm += vs[i] * vs[i]
	}
	for i := range vs {
		vs[i] *= math.Sqrt(fd / norm)
	}
	w := make([]float64, d)
	dot := 0.0
	for i := range w {
		w[i] = rng.NormFloat64()
		dot += w[i] * vs[i]
	}
	perp := 0.0
	for i := range w {
		w[i] -= dot / fd * vs[i]
		perp += w[i] * w[i]
	}
	scale := math.Sqrt((s.C0 - s.M0*s.M0) * fd / perp)
	for i := range w {
		w[i] = w[i]*scale + s.M0*vs[i]
	}
	eps := make([]float64, n)
	for i := range eps {
		eps[i] = rng.NormFloat64()
	}
	return tsqTeacher{vs, w, eps}
}

// tsqObs are m, Ctt, the training loss (1/n)Σ(y − r)²/2 and the exact test
// MSE of w, 1 + σ² − 2m + Ctt.
type tsqObs [4]float64

var tsqObsNames = [4]string{"m", "Ctt", "train_loss", "test_mse"}

func tsqPointObs(p theory.TeacherSquarePoint) tsqObs {
	return tsqObs{p.M, p.Ctt, p.TrainLoss, p.TestMSE}
}

// tsqLoops runs the recursion with plain loops and returns the observables
// at the steps 0, every, 2·every, …, steps.
func tsqLoops(s theory.TeacherSquare, X tsqData, tc tsqTeacher, steps, every int) []tsqObs {
	d, n, x := X.d, X.n, X.x
	sd := math.Sqrt(float64(d))
	y := make([]float64, n)
	for mu := range y {
		h := 0.0
		for i, xi := range x[mu*d : (mu+1)*d] {
			h += xi * tc.vs[i]
		}
		y[mu] = h/sd + s.Noise*tc.eps[mu]
	}
	w := append([]float64(nil), tc.w0...)
	res := make([]float64, n)
	grad := make([]float64, d)
	var out []tsqObs
	for k := 0; ; k++ {
		train := 0.0
		for mu := range res {
			r := 0.0
			for i, xi := range x[mu*d : (mu+1)*d] {
				r += xi * w[i]
			}
			res[mu] = r/sd - y[mu]
			train += res[mu] * res[mu]
		}
		if k%every == 0 {
			var m, c float64
			for i := range w {
				m += w[i] * tc.vs[i]
				c += w[i] * w[i]
			}
			m, c = m/float64(d), c/float64(d)
			out = append(out, tsqObs{m, c, train / (2 * float64(n)), 1 + s.Noise*s.Noise - 2*m + c})
		}
		if k == steps {
			return out
		}
		for i := range grad {
			grad[i] = s.Lambda * w[i]
		}
		for mu, r := range res {
			r /= sd
			for i, xi := range x[mu*d : (mu+1)*d] {
				grad[i] += xi * r
			}
		}
		for i := range w {
			w[i] -= s.Eta * grad[i]
		}
	}
}

// tsqBasis is the eigendecomposition S = XᵀX/d = U diag(s) Uᵀ, with
// M = UᵀXᵀ/√d (d × n) for the projections of the label noise.
type tsqBasis struct {
	d, n int
	eig  []float64
	u, m *mat.Dense
}

func newTSQBasis(X tsqData) tsqBasis {
	xm := mat.NewDense(X.n, X.d, X.x)
	var s mat.SymDense
	s.SymOuterK(1/float64(X.d), xm.T())
	var es mat.EigenSym
	if !es.Factorize(&s, true) {
		panic("eigendecomposition failed")
	}
	var u, m mat.Dense
	es.VectorsTo(&u)
	m.Mul(u.T(), xm.T())
	m.Scale(1/math.Sqrt(float64(X.d)), &m)
	return tsqBasis{X.d, X.n, es.Values(nil), &u, &m}
}

// tsqEigen evaluates the same recursion as tsqLoops in the eigenbasis:
// with a = Uᵀv*, b = Uᵀw_0 and c = UᵀXᵀy/√d = s∘a + σMε, and ζ_i = s_i + λ,
// the coordinates of w_k are e_i b_i + g_i c_i, e_i = (1 − ηζ_i)^k,
// g_i = (1 − e_i)/ζ_i (kη at ζ_i = 0); the training loss is
// (|y|² − 2cᵀw + wᵀSw)/(2n) with |y|² = Σ s_i a_i² + 2σ(Mε)·a + σ²|ε|².
func tsqEigen(s theory.TeacherSquare, B tsqBasis, tc tsqTeacher, steps, every int) []tsqObs {
	d, n := B.d, B.n
	fd := float64(d)
	var a, b, me mat.VecDense
	a.MulVec(B.u.T(), mat.NewVecDense(d, tc.vs))
	b.MulVec(B.u.T(), mat.NewVecDense(d, tc.w0))
	eps := mat.NewVecDense(n, tc.eps)
	me.MulVec(B.m, eps)
	c := make([]float64, d)
	y2 := s.Noise * s.Noise * mat.Dot(eps, eps)
	for i, si := range B.eig {
		ai := a.AtVec(i)
		c[i] = si*ai + s.Noise*me.AtVec(i)
		y2 += si*ai*ai + 2*s.Noise*me.AtVec(i)*ai
	}
	var out []tsqObs
	for k := 0; k <= steps; k += every {
		var m, q, cw, wsw float64
		for i, si := range B.eig {
			z := si + s.Lambda
			e := math.Pow(1-s.Eta*z, float64(k))
			g := s.Eta * float64(k)
			if z != 0 {
				g = (1 - e) / z
			}
			wi := e*b.AtVec(i) + g*c[i]
			m += a.AtVec(i) * wi
			q += wi * wi
			cw += c[i] * wi
			wsw += si * wi * wi
		}
		m, q = m/fd, q/fd
		out = append(out, tsqObs{m, q, (y2 - 2*cw + wsw) / (2 * float64(n)), 1 + s.Noise*s.Noise - 2*m + q})
	}
	return out
}

// TestTeacherSquareEigenIsGD: on the same draw, the eigenbasis evaluation
// equals the loops to round-off (relative 1e-9: 60 steps of sums of 10⁵
// terms, against the eigensolver's 1e-13), so that the precise test below
// checks the recursion itself.
func TestTeacherSquareEigenIsGD(t *testing.T) {
	s := theory.TeacherSquare{Alpha: 0.6, Lambda: 0.3, Noise: 0.3, M0: 0.2, C0: 0.5, Eta: 0.2}
	rng := stream.New(7)
	X := newTSQData(rng, s.Alpha, 150)
	tc := newTSQTeacher(rng, s, X.d, X.n)
	loops := tsqLoops(s, X, tc, 60, 10)
	eig := tsqEigen(s, newTSQBasis(X), tc, 60, 10)
	for j := range loops {
		for o := range loops[j] {
			if g, w := eig[j][o], loops[j][o]; math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Errorf("step %d %s: eigenbasis %v, loops %v", 10*j, tsqObsNames[o], g, w)
			}
		}
	}
}

// tsqEnsemble holds the mean and standard error of each observable at each
// recorded step over independent samples.
type tsqEnsemble struct {
	times    []float64
	mean, se [][4]float64
}

func tsqStats(samples [][]tsqObs, times []float64) tsqEnsemble {
	ens := tsqEnsemble{times: times}
	nr := float64(len(samples))
	for j := range times {
		var mean, se [4]float64
		for o := range 4 {
			var sum, sum2 float64
			for _, r := range samples {
				sum += r[j][o]
				sum2 += r[j][o] * r[j][o]
			}
			mean[o] = sum / nr
			se[o] = math.Sqrt(math.Max(0, sum2-nr*mean[o]*mean[o]) / (nr - 1) / nr)
		}
		ens.mean = append(ens.mean, mean)
		ens.se = append(ens.se, se)
	}
	return ens
}

// tsqWorst returns the largest ratio of |simulation − theory| to the
// tolerance kSE·se + bias(1 + |theory|) over observables and times, and
// where it is.
func tsqWorst(t *testing.T, s theory.TeacherSquare, ens tsqEnsemble, kSE, bias float64) (float64, string) {
	t.Helper()
	th, err := s.Curve(nil, ens.times)
	if err != nil {
		t.Fatal(err)
	}
	worst, where := 0.0, ""
	for j := range ens.times {
		want := tsqPointObs(th[j])
		for o := range 4 {
			tol := kSE*ens.se[j][o] + bias*(1+math.Abs(want[o]))
			if r := math.Abs(ens.mean[j][o]-want[o]) / tol; r > worst {
				worst, where = r, fmt.Sprintf("%s at t=%g: simulation %.5f ± %.5f, theory %.5f", tsqObsNames[o], ens.times[j], ens.mean[j][o], ens.se[j][o], want[o])
			}
		}
	}
	return worst, where
}

func tsqTimes(eta float64, steps, every int) []float64 {
	var ts []float64
	for k := 0; k <= steps; k += every {
		ts = append(ts, float64(k)*eta)
	}
	return ts
}

// TestTeacherSquareFiniteD compares the d = ∞ curves with the loops at
// d = 400, 12 seeds (one data set, teacher and initialisation each).
// Tolerance: 5 standard errors of the seed mean (Student-t with 11 degrees
// of freedom: a false-failure rate of 4e-4 per comparison) plus an O(1/d)
// allowance 2(1 + |value|)/d for the finite-d bias of the quadratic forms.
// Measured: largest deviation 0.25 and 0.33 of the tolerance.
func TestTeacherSquareFiniteD(t *testing.T) {
	if testing.Short() {
		t.Skip("finite-d ensemble")
	}
	const d, seeds, steps, every = 400, 12, 60, 10
	for _, s := range []theory.TeacherSquare{
		{Alpha: 2, Lambda: 0.2, Noise: 0.5, M0: 0.3, C0: 1, Eta: 0.1},
		{Alpha: 0.6, Noise: 0.3, C0: 0.5, Eta: 0.2}, // λ = 0, α < 1: w_0 persists in the kernel
	} {
		var runs [][]tsqObs
		for sd := range seeds {
			rng := stream.New(21, uint64(sd))
			X := newTSQData(rng, s.Alpha, d)
			runs = append(runs, tsqLoops(s, X, newTSQTeacher(rng, s, d, X.n), steps, every))
		}
		ens := tsqStats(runs, tsqTimes(s.Eta, steps, every))
		worst, where := tsqWorst(t, s, ens, 5, 2.0/d)
		if worst > 1 {
			t.Errorf("%+v: %s (%.2f × tolerance)", s, where, worst)
		}
		t.Logf("%+v: largest deviation %.2f of the tolerance (%s)", s, worst, where)
	}
}

// TestTeacherSquareFiniteDPrecise compares the theory with the finite-d
// recursion at the precision a 5% error needs: d = 400, 6 data matrices,
// 256 teachers, initialisations and label noises per matrix (tsqEigen).
// The per-draw spread of m is O(1/√d) but the average over draws for one X
// fluctuates only with the linear spectral statistics of S, O(1/d); the
// standard error is taken over the 6 matrix averages. Tolerance: 5
// standard errors (Student-t with 5 degrees of freedom: a false-failure
// rate of 4e-3 per comparison) plus an O(1/d) allowance (1 + |value|)/(2d)
// for the finite-d bias: the same ensemble with 24 matrices at d = 100 and
// 200 deviates from the theory by at most 0.19(1 + |value|)/d (bias and
// noise together; resolved at d = 100, 4.5 standard errors). Measured:
// largest deviation 0.22 and 0.19 of the tolerance.
//
// The mutation half shows the check can fail: the theory with λ or α off
// by 5% (changing the curves by 0.005–0.03) must exceed the tolerance;
// measured: 1.5–4.0 times the tolerance.
func TestTeacherSquareFiniteDPrecise(t *testing.T) {
	if testing.Short() {
		t.Skip("finite-d ensemble")
	}
	const d, mats, draws, steps, every = 400, 6, 256, 60, 10
	for _, s := range []theory.TeacherSquare{
		{Alpha: 1.5, Lambda: 0.5, Noise: 0.5, C0: 1, Eta: 0.1},
		{Alpha: 0.6, Lambda: 0.3, Noise: 0.3, M0: 0.2, C0: 0.5, Eta: 0.2},
	} {
		ens := tsqPrecise(s, d, mats, draws, steps, every, 31)
		worst, where := tsqWorst(t, s, ens, 5, 0.5/d)
		if worst > 1 {
			t.Errorf("%+v: %s (%.2f × tolerance)", s, where, worst)
		}
		t.Logf("%+v: largest deviation %.2f of the tolerance (%s)", s, worst, where)
		for _, mut := range []struct {
			name string
			mod  func(*theory.TeacherSquare)
		}{
			{"λ × 1.05", func(m *theory.TeacherSquare) { m.Lambda *= 1.05 }},
			{"α × 1.05", func(m *theory.TeacherSquare) { m.Alpha *= 1.05 }},
		} {
			ms := s
			mut.mod(&ms)
			w, where := tsqWorst(t, ms, ens, 5, 0.5/d)
			if w <= 1 {
				t.Errorf("%+v, %s: the wrong theory passes (largest deviation %.2f of the tolerance)", s, mut.name, w)
			}
			t.Logf("  %s: fails with %.2f × tolerance (%s)", mut.name, w, where)
		}
	}
}

// tsqPrecise returns the statistics over mats data matrices of the
// averages over draws teachers each.
func tsqPrecise(s theory.TeacherSquare, d, mats, draws, steps, every int, seed uint64) tsqEnsemble {
	var samples [][]tsqObs
	for im := range mats {
		rng := stream.New(seed, uint64(im))
		B := newTSQBasis(newTSQData(rng, s.Alpha, d))
		var avg []tsqObs
		for range draws {
			obs := tsqEigen(s, B, newTSQTeacher(rng, s, d, B.n), steps, every)
			if avg == nil {
				avg = make([]tsqObs, len(obs))
			}
			for j := range obs {
				for o := range obs[j] {
					avg[j][o] += obs[j][o] / float64(draws)
				}
			}
		}
		samples = append(samples, avg)
	}
	return tsqStats(samples, tsqTimes(s.Eta, steps, every))
}
