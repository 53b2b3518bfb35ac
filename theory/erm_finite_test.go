package theory

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/internal/stats"
	"github.com/sgdmft/sgdmft/internal/vec"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat/distuv"
)

// gradTol is the convergence criterion of the finite-d minimisation,
// |∇R|₂ ≤ gradTol·λ·√d. The ridge makes R λ-strongly convex in w, so the
// minimiser is within |δw| ≤ |∇R|/λ, and m = w·v*/d and q = |w|²/d are
// within |δm| ≤ |δw|/√d = gradTol and |δq| ≲ 2√q·gradTol (b likewise, its
// rescaled coordinate having a curvature Σℓ”/d of the same order): far
// below the standard errors of the seed means (≥ 5e-4). The floor is set by
// the line search, which compares values of R ≈ 500 (round-off ~1e-13): at
// |∇R| ≈ 1e-6 its decrease ~|∇R|²/‖∇²R‖ is lost in it (measured: L-BFGS
// stopped there with a line-search failure, at d = 1000, λ = 0.1, about 25×
// below this tolerance).
//
// Below λ = 0.01 (the extrapolated table of TestERMFiniteDExtrapolated) the
// criterion is |∇R|₂ ≤ gradTol·0.01·√d: |δm| ≤ gradTol·0.01/λ ≤ 1e-4 at
// λ = 1e-3, still far below those standard errors (≥ 3e-3), where
// gradTol·λ·√d would sit at the line search's floor (measured: L-BFGS
// stopped at |∇R| = 1.65e-7 for a tolerance of 1.58e-7, d = 250, λ = 1e-3).
const gradTol = 1e-5

// gradConverged stops the minimisation when |∇R|₂ ≤ tol.
type gradConverged struct{ tol float64 }

func (gradConverged) Init(int) {}

func (c gradConverged) Converged(loc *optimize.Location) optimize.Status {
	if loc.Gradient != nil && math.Sqrt(vec.Dot(loc.Gradient, loc.Gradient)) <= c.tol {
		return optimize.GradientThreshold
	}
	return optimize.NotTerminated
}

// finiteERM minimises R(w, b) = Σ_μ ℓ(y_μ(w·x_μ/√d + b)) + (λ/2)|w|² on one
// sampled data set (b fixed at 0 unless e.Bias) with gonum's L-BFGS and the
// analytic gradient, and returns the quantities of ERM.Solve measured on the
// minimiser. A minimisation that does not reach |∇R|₂ ≤ gradTol·max(λ, 0.01)·√d (checked
// here, not only by the optimiser's status) is an error. If withV, V = Δ
// Tr[(∇²_w R)^{-1}]/d from the dense Hessian (the bias row is left out: its
// effect on the trace is O(1/d)).
func finiteERM(e ERM, d int, seed uint64, withV bool) (ERMResult, error) {
	ds, err := e.Model.Sample(d, int(math.Round(e.Alpha*float64(d))), false, rng.New(seed))
	if err != nil {
		return ERMResult{}, err
	}
	n := ds.N
	isd := 1 / math.Sqrt(float64(d))
	dim := d
	if e.Bias {
		// x = (w, β) with b = β/√d: the curvature of R in b, Σ_μ ℓ” = O(n),
		// would be O(d) times that in w and slow L-BFGS down several times.
		dim++
	}
	r := make([]float64, n) // fields w·x_μ/√d + b at x = at
	at := make([]float64, dim)
	fields := func(x []float64) {
		if slices.Equal(x, at) { // Func and Grad come in pairs at one x
			return
		}
		copy(at, x)
		b := 0.0
		if e.Bias {
			b = x[d] * isd
		}
		for mu := range n {
			r[mu] = vec.Dot(ds.Row(mu), x[:d])*isd + b
		}
	}
	at[0] = math.NaN() // no fields computed yet: NaN equals nothing
	risk := func(x []float64) float64 {
		fields(x)
		s := 0.0
		for mu, rm := range r {
			l, _, _ := e.Loss.Eval(ds.Y[mu] * rm)
			s += l
		}
		return s + e.Lambda/2*vec.Dot(x[:d], x[:d])
	}
	grad := func(g, x []float64) {
		fields(x)
		for i := range g {
			g[i] = 0
		}
		for mu, rm := range r {
			_, dl, _ := e.Loss.Eval(ds.Y[mu] * rm)
			c := dl * ds.Y[mu]
			vec.Axpy(c*isd, ds.Row(mu), g[:d])
			if e.Bias {
				g[d] += c * isd
			}
		}
		vec.Axpy(e.Lambda, x[:d], g[:d])
	}
	tol := gradTol * math.Max(e.Lambda, 0.01) * math.Sqrt(float64(d))
	res, err := optimize.Minimize(optimize.Problem{Func: risk, Grad: grad}, make([]float64, dim),
		&optimize.Settings{Converger: gradConverged{tol}, MajorIterations: 5000}, &optimize.LBFGS{})
	if err != nil {
		g := make([]float64, dim)
		grad(g, res.X)
		return ERMResult{}, fmt.Errorf("seed %d: L-BFGS: %v (status %v, %d iterations, |∇R| = %.3g, want ≤ %.3g, f = %.17g)", seed, err, res.Status, res.MajorIterations, math.Sqrt(vec.Dot(g, g)), tol, res.F)
	}
	g := make([]float64, dim)
	grad(g, res.X)
	if gn := math.Sqrt(vec.Dot(g, g)); res.Status != optimize.GradientThreshold || !(gn <= tol) {
		return ERMResult{}, fmt.Errorf("seed %d: L-BFGS stopped with status %v after %d iterations at |∇R| = %.3g, want ≤ %.3g", seed, res.Status, res.MajorIterations, gn, tol)
	}
	w := res.X[:d]
	out := ERMResult{M: vec.Dot(w, ds.Vstar) / float64(d), Ctt: vec.Dot(w, w) / float64(d)}
	if e.Bias {
		out.Bias = res.X[d] * isd
	}
	fields(res.X)
	for mu, rm := range r {
		l, _, _ := e.Loss.Eval(ds.Y[mu] * rm)
		out.TrainLoss += l / float64(n)
		if ds.Y[mu]*rm < 0 {
			out.TrainErr += 1 / float64(n)
		}
	}
	out.TestErr = TestError(e.Model, loss.Linear{}, out.M, out.Ctt, out.Bias)
	if withV {
		h := mat.NewSymDense(d, nil)
		for i := range d {
			h.SetSym(i, i, e.Lambda)
		}
		for mu, rm := range r {
			_, _, d2 := e.Loss.Eval(ds.Y[mu] * rm)
			h.SymRankOne(h, d2/float64(d), mat.NewVecDense(d, ds.Row(mu)))
		}
		var ch mat.Cholesky
		if !ch.Factorize(h) {
			return ERMResult{}, errors.New("Hessian not positive definite")
		}
		var inv mat.SymDense
		if err := ch.InverseTo(&inv); err != nil {
			return ERMResult{}, err
		}
		out.V = e.Model.Delta * mat.Trace(&inv) / float64(d)
	}
	return out, nil
}

// finiteRuns runs finiteERM on seeds 100, 101, … in parallel.
func finiteRuns(e ERM, d, seeds int, withV bool) ([]ERMResult, error) {
	runs := make([]ERMResult, seeds)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for s := range runs {
		g.Go(func() (err error) {
			runs[s], err = finiteERM(e, d, uint64(100+s), withV)
			return err
		})
	}
	return runs, g.Wait()
}

// ermObservable is one compared quantity of an ERM result.
type ermObservable struct {
	name string
	get  func(ERMResult) float64
}

var (
	ermObs = []ermObservable{
		{"m", func(r ERMResult) float64 { return r.M }},
		{"Ctt", func(r ERMResult) float64 { return r.Ctt }},
		{"bias", func(r ERMResult) float64 { return r.Bias }},
		{"train_loss", func(r ERMResult) float64 { return r.TrainLoss }},
		{"train_err", func(r ERMResult) float64 { return r.TrainErr }},
		{"test_err", func(r ERMResult) float64 { return r.TestErr }},
	}
	ermObsV = []ermObservable{{"V", func(r ERMResult) float64 { return r.V }}}
)

// ermDeviation is one comparison of a theory value with a seed mean.
type ermDeviation struct {
	name        string
	d           int
	theory      float64
	mean, se    float64
	sigmas, tol float64 // |theory − mean| and the tolerance, in standard errors
}

func (v ermDeviation) String() string {
	return fmt.Sprintf("d=%d %s: theory %.5f, finite d %.5f ± %.5f: %.2f SE (tolerance %.2f SE)", v.d, v.name, v.theory, v.mean, v.se, v.sigmas, v.tol)
}

// sizeBias is the allowance for the O(1/d) finite-size bias of the seed
// mean, in per-seed standard deviations. Measured at d = 1000 with 64 seeds
// per set (biased case: seeds 100–163 and, independent, 5000–5063; the
// other: 100–163): |mean − theory| ≤ 0.32 per-seed standard deviations for
// every observable (each estimate ± 0.13; the largest are b, −0.015 ±
// 0.004, and the test error, +0.0007 ± 0.0002, of the biased case); V at
// d = 300 (96 seeds, 7000–7095): ≤ 0.16. At d = 2000 (48 seeds, biased case)
// every deviation is within one standard error.
const sizeBias = 0.5

// ermCompare compares want with the seed means of runs (dimension d) for
// each observable. The tolerance, in standard errors of the mean, is the
// two-sided 1e-3 quantile of Student's t with seeds − 1 degrees of freedom
// (the standard error is itself estimated from the seeds) plus the
// finite-size allowance sizeBias·√seeds (sizeBias per-seed standard
// deviations).
func ermCompare(want ERMResult, runs []ERMResult, d int, obs []ermObservable, bias bool) []ermDeviation {
	ns := float64(len(runs))
	tol := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: ns - 1}.Quantile(1-1e-3/2) + sizeBias*math.Sqrt(ns)
	var devs []ermDeviation
	for _, o := range obs {
		if o.name == "bias" && !bias {
			continue
		}
		rows := make([][]float64, len(runs))
		for i, r := range runs {
			rows[i] = []float64{o.get(r)}
		}
		mean, se := stats.MeanSE(rows)
		w := o.get(want)
		devs = append(devs, ermDeviation{name: o.name, d: d, theory: w, mean: mean[0], se: se[0], sigmas: math.Abs(w-mean[0]) / se[0], tol: tol})
	}
	return devs
}

// TestERMLogisticFiniteD compares the logistic ERM fixed point (d = ∞) with
// direct minimisation of the same risk on sampled data: m, q, b, training
// loss and error and test error at d = 1000, V from the Hessian at d = 300,
// each over 16 seeds, with the tolerance of ermCompare (4.07 + 2 = 6.07
// standard errors): a false-failure rate below 1e-3 per comparison (13
// comparisons: ≤ 1.3% for the whole test over a random choice of seeds).
// It proves it can fail: the same finite-d runs compared with the ERM
// solved at λ×1.05 or at Δ×1.05 must fail at least one comparison.
func TestERMLogisticFiniteD(t *testing.T) {
	if testing.Short() {
		t.Skip("finite-d minimisation")
	}
	for _, c := range []struct {
		name string
		e    ERM
	}{
		{"bias,rho=0.3", ERM{Model: mixture.TwoCluster(0.3, 0.5), Alpha: 2, Lambda: 0.1, Loss: loss.Logistic{}, Bias: true}},
		{"nobias,rho=0.5", ERM{Model: mixture.TwoCluster(0.5, 1), Alpha: 3, Lambda: 0.3, Loss: loss.Logistic{}}},
	} {
		runs, err := finiteRuns(c.e, 1000, 16, false)
		if err != nil {
			t.Fatal(err)
		}
		runsV, err := finiteRuns(c.e, 300, 16, true)
		if err != nil {
			t.Fatal(err)
		}
		rho, delta := c.e.Model.Rho(), c.e.Model.Delta
		for _, v := range []struct {
			name  string
			wrong bool
			mod   func(*ERM)
		}{
			{"true", false, func(*ERM) {}},
			{"lambda*1.05", true, func(e *ERM) { e.Lambda *= 1.05 }},
			{"delta*1.05", true, func(e *ERM) { e.Model = mixture.TwoCluster(rho, 1.05*delta) }},
		} {
			e := c.e
			v.mod(&e)
			want, err := e.Solve()
			if err != nil {
				t.Fatal(err)
			}
			devs := append(ermCompare(want, runs, 1000, ermObs, e.Bias), ermCompare(want, runsV, 300, ermObsV, e.Bias)...)
			failed, worst := 0, 0.0
			for _, dv := range devs {
				if dv.sigmas > dv.tol {
					failed++
				}
				worst = math.Max(worst, dv.sigmas-dv.tol)
				if !v.wrong {
					t.Logf("%s %s", c.name, dv)
				}
				if !v.wrong && dv.sigmas > dv.tol {
					t.Errorf("%s %s", c.name, dv)
				}
			}
			if v.wrong {
				t.Logf("%s, theory at %s: %d of %d comparisons fail; largest excess over tolerance %.2f SE", c.name, v.name, failed, len(devs), worst)
				for _, dv := range devs {
					t.Logf("    %s", dv)
				}
				if failed == 0 {
					t.Errorf("%s: the ERM solved at %s passes the finite-d check", c.name, v.name)
				}
			}
		}
	}
}

// finiteHinge minimises R(w) = Σ_μ max(0, 1 − y_μ w·x_μ/√d) + (λ/2)|w|² (no
// bias) on one sampled data set by dual coordinate descent (Hsieh et al.,
// ICML 2008): with u_μ = x_μ/√d, w = Σ_μ a_μ y_μ u_μ/λ, a ∈ [0, 1]^n, each
// coordinate is set to its exact constrained optimum in turn until the
// largest projected gradient |∂D/∂a_μ| of the dual is ≤ 1e-8; the duality
// gap, checked, is then ≤ 1e-6·n. L-BFGS does not apply: R is not
// differentiable at the margin.
func finiteHinge(e ERM, d int, seed uint64) (ERMResult, error) {
	ds, err := e.Model.Sample(d, int(math.Round(e.Alpha*float64(d))), false, rng.New(seed))
	if err != nil {
		return ERMResult{}, err
	}
	n := ds.N
	isd := 1 / math.Sqrt(float64(d))
	w := make([]float64, d)
	a := make([]float64, n)
	qii := make([]float64, n)
	for mu := range n {
		qii[mu] = vec.Dot(ds.Row(mu), ds.Row(mu)) / float64(d) / e.Lambda
	}
	for epoch := 0; ; epoch++ {
		if epoch == 100000 {
			return ERMResult{}, fmt.Errorf("seed %d: dual coordinate descent did not converge", seed)
		}
		worst := 0.0
		for mu := range n {
			y := ds.Y[mu]
			g := y*vec.Dot(w, ds.Row(mu))*isd - 1 // ∂(−D)/∂a_μ
			pg := g
			if a[mu] == 0 {
				pg = math.Min(g, 0)
			} else if a[mu] == 1 {
				pg = math.Max(g, 0)
			}
			worst = math.Max(worst, math.Abs(pg))
			if pg != 0 {
				na := math.Min(math.Max(a[mu]-g/qii[mu], 0), 1)
				vec.Axpy((na-a[mu])*y*isd/e.Lambda, ds.Row(mu), w)
				a[mu] = na
			}
		}
		if worst <= 1e-8 {
			break
		}
	}
	out := ERMResult{M: vec.Dot(w, ds.Vstar) / float64(d), Ctt: vec.Dot(w, w) / float64(d)}
	primal, dual := e.Lambda/2*vec.Dot(w, w), -e.Lambda/2*vec.Dot(w, w)
	for mu := range n {
		z := ds.Y[mu] * vec.Dot(w, ds.Row(mu)) * isd
		l, _, _ := loss.Hinge{}.Eval(z)
		primal += l
		dual += a[mu]
		out.TrainLoss += l / float64(n)
		if z < 0 {
			out.TrainErr += 1 / float64(n)
		}
	}
	if gap := primal - dual; !(gap <= 1e-6*float64(n)) {
		return ERMResult{}, fmt.Errorf("seed %d: duality gap %.3g", seed, gap)
	}
	out.TestErr = TestError(e.Model, loss.Linear{}, out.M, out.Ctt, 0)
	return out, nil
}

// extrapolate fits mean(d) = a + c/d to seed means at the sizes ds by
// weighted least squares (weights 1/SE²) and returns the intercept a, the
// d = ∞ value, and its standard error.
func extrapolate(ds []int, means, ses []float64) (a, se float64) {
	var s0, s1, s2, t0, t1 float64
	for i, d := range ds {
		w := 1 / (ses[i] * ses[i])
		x := 1 / float64(d)
		s0 += w
		s1 += w * x
		s2 += w * x * x
		t0 += w * means[i]
		t1 += w * x * means[i]
	}
	det := s0*s2 - s1*s1
	return (s2*t0 - s1*t1) / det, math.Sqrt(s2 / det)
}

// finiteRunsWith runs solve on seeds base, base+1, … in parallel.
func finiteRunsWith(solve func(seed uint64) (ERMResult, error), seeds int, base uint64) ([]ERMResult, error) {
	runs := make([]ERMResult, seeds)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for s := range runs {
		g.Go(func() (err error) {
			runs[s], err = solve(base + uint64(s))
			return err
		})
	}
	return runs, g.Wait()
}

// extrapTol is the tolerance of the extrapolated comparison in standard
// errors of the intercept: 4 SE is a two-sided false-failure rate of 6e-5
// per comparison for a normal intercept; the SEs come from 16 or more seeds
// per size, whose Student-t tail at 4 (15 degrees of freedom) is 1.2e-3.
const extrapTol = 4.0

// finiteTable compares each point's theory with finite-d minimisation at the
// sizes ds (seeds per size), extrapolated in 1/d, and returns one line per
// observable and the number of comparisons beyond extrapTol.
func finiteTable(t *testing.T, pts []finitePoint, ds []int, seeds int) (lines []string, failed int) {
	t.Helper()
	for _, p := range pts {
		l, f := compareColumns(t, p.name, p.e, finiteColumns(t, p.name, p.e, ds, seeds))
		lines, failed = append(lines, l...), failed+f
	}
	return lines, failed
}

// finiteCols are the seed means and standard errors of each of ermObs at
// each size ds.
type finiteCols struct {
	ds         []int
	means, ses [][]float64 // [observable][size]
}

// finiteColumns minimises e at each size of ds on seeds data sets (finiteERM,
// or finiteHinge for the hinge).
func finiteColumns(t *testing.T, name string, e ERM, ds []int, seeds int) finiteCols {
	t.Helper()
	c := finiteCols{ds: ds, means: make([][]float64, len(ermObs)), ses: make([][]float64, len(ermObs))}
	for _, d := range ds {
		solve := func(seed uint64) (ERMResult, error) { return finiteERM(e, d, seed, false) }
		if _, ok := e.Loss.(loss.Hinge); ok {
			solve = func(seed uint64) (ERMResult, error) { return finiteHinge(e, d, seed) }
		}
		runs, err := finiteRunsWith(solve, seeds, 9000)
		if err != nil {
			t.Fatalf("%s d=%d: %v", name, d, err)
		}
		for k, o := range ermObs {
			rows := make([][]float64, len(runs))
			for i, r := range runs {
				rows[i] = []float64{o.get(r)}
			}
			mean, se := stats.MeanSE(rows)
			c.means[k] = append(c.means[k], mean[0])
			c.ses[k] = append(c.ses[k], se[0])
		}
	}
	return c
}

// compareColumns compares the theory of th with the extrapolated finite-d
// columns.
func compareColumns(t *testing.T, name string, th ERM, c finiteCols) (lines []string, failed int) {
	t.Helper()
	want, err := th.Solve()
	if err != nil {
		t.Fatal(err)
	}
	for k, o := range ermObs {
		if o.name == "bias" && !th.Bias || slices.Contains(c.ses[k], 0) {
			continue // no bias, or a training error that is 0 on every seed
		}
		a, se := extrapolate(c.ds, c.means[k], c.ses[k])
		w := o.get(want)
		// The finite-d solver's own accuracy: the hinge's dual coordinate
		// descent stops with margins within 1e-8 of their optimum, so its
		// training loss (1e-20 at d = ∞ where every sample clears the
		// margin) is known to 1e-8 only, below its standard error of ~1e-10.
		floor := 0.0
		if _, ok := th.Loss.(loss.Hinge); ok && o.name == "train_loss" {
			floor = 1e-8
		}
		z := math.Abs(a-w) / math.Hypot(se, floor)
		mark := ""
		if z > extrapTol {
			failed++
			mark = "  FAIL"
		}
		lines = append(lines, fmt.Sprintf("%-40s %-10s theory %9.5f | %s | 1/d→0 %9.5f ± %.5f (%.1f SE)%s",
			name, o.name, w, fmtMeans(c.ds, c.means[k], c.ses[k]), a, se, z, mark))
	}
	return lines, failed
}

func fmtMeans(ds []int, means, ses []float64) string {
	var s []string
	for i := range means {
		s = append(s, fmt.Sprintf("d=%d %9.5f±%.5f", ds[i], means[i], ses[i]))
	}
	return strings.Join(s, " ")
}

// finitePoint is one ERM point for the finite-d table.
type finitePoint struct {
	name string
	e    ERM
}

// TestERMFiniteDExtrapolated compares the ERM at d = ∞ with direct
// minimisation at finite d extrapolated in 1/d (extrapolate), at the
// issue's failing case with a bias (logistic, α = 3, Δ = 0.25, ρ = 0.2,
// λ = 0.01; d = 100, 200, 400, 24 seeds each): each observable within
// extrapTol standard errors of the intercept. With -erm.full it runs a
// table over every loss (d = 250, 500, 1000, 32 seeds), including the
// issue's non-converged and silently wrong points at λ = 0.01, and the
// hinge (by dual coordinate descent). It proves it can fail: the theory at
// Δ×1.05 fails at least one comparison against the same finite-d runs.
func TestERMFiniteDExtrapolated(t *testing.T) {
	if testing.Short() {
		t.Skip("finite-d minimisation")
	}
	pts := []finitePoint{{"logistic α=3 Δ=0.25 ρ=0.2 λ=0.01 bias", ERM{Model: mixture.TwoCluster(0.2, 0.25), Alpha: 3, Lambda: 0.01, Loss: loss.Logistic{}, Bias: true}}}
	ds, seeds := []int{100, 200, 400}, 24
	if *ermFull {
		ds, seeds = []int{250, 500, 1000}, 32
		pts = append(pts,
			finitePoint{"logistic α=0.9542 Δ=0.5 λ=0.01", ERM{Model: mixture.TwoCluster(0.5, 0.5), Alpha: 0.01 + 6*2.99/19, Lambda: 0.01, Loss: loss.Logistic{}}},
			finitePoint{"logistic α=2.0558 Δ=0.5 λ=0.01", ERM{Model: mixture.TwoCluster(0.5, 0.5), Alpha: 0.01 + 13*2.99/19, Lambda: 0.01, Loss: loss.Logistic{}}},
			finitePoint{"logistic α=4 Δ=1 ρ=0.2 λ=1e-3 bias", ERM{Model: mixture.TwoCluster(0.2, 1), Alpha: 4, Lambda: 1e-3, Loss: loss.Logistic{}, Bias: true}},
			finitePoint{"square α=0.8 Δ=0.5 ρ=0.2 λ=1e-3 bias", ERM{Model: mixture.TwoCluster(0.2, 0.5), Alpha: 0.8, Lambda: 1e-3, Loss: loss.Square{}, Bias: true}},
			finitePoint{"sqhinge α=1 Δ=0.5 ρ=0.2 λ=1e-3 bias", ERM{Model: mixture.TwoCluster(0.2, 0.5), Alpha: 1, Lambda: 1e-3, Loss: loss.SquaredHinge{}, Bias: true}},
			finitePoint{"hinge α=2 Δ=0.5 λ=0.01", ERM{Model: mixture.TwoCluster(0.5, 0.5), Alpha: 2, Lambda: 0.01, Loss: loss.Hinge{}}},
			finitePoint{"hinge α=0.5 Δ=1 λ=0.1", ERM{Model: mixture.TwoCluster(0.5, 1), Alpha: 0.5, Lambda: 0.1, Loss: loss.Hinge{}}},
		)
	}
	cols := finiteColumns(t, pts[0].name, pts[0].e, ds, seeds)
	lines, failed := compareColumns(t, pts[0].name, pts[0].e, cols)
	l, f := finiteTable(t, pts[1:], ds, seeds)
	lines, failed = append(lines, l...), failed+f
	for _, l := range lines {
		t.Log(l)
	}
	if failed > 0 {
		t.Errorf("%d comparisons beyond %.0f SE", failed, extrapTol)
	}
	// The same finite-d runs against the theory at a parameter off by 5%.
	// Δ×1.05 must fail; λ×1.05 (a 1.2% change of m at λ = 0.01, about 3
	// SE here) is shown with -erm.full.
	variants := []struct {
		name string
		must bool
		mod  func(*ERM)
	}{{"Δ×1.05", true, func(e *ERM) { e.Model = mixture.TwoCluster(e.Model.Rho(), 1.05*e.Model.Delta) }}}
	if *ermFull {
		variants = append(variants, struct {
			name string
			must bool
			mod  func(*ERM)
		}{"λ×1.05", false, func(e *ERM) { e.Lambda *= 1.05 }})
	}
	for _, v := range variants {
		wrong := pts[0].e
		v.mod(&wrong)
		wl, failed := compareColumns(t, pts[0].name+", theory at "+v.name, wrong, cols)
		for _, l := range wl {
			t.Log(l)
		}
		if failed == 0 && v.must {
			t.Errorf("the theory at %s passes the extrapolated finite-d check", v.name)
		}
	}
}
