package validation

import (
	"fmt"
	"sort"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/sde"
	"github.com/sgdmft/sgdmft/teacher"
)

// Level selects the size of a validation run. The zero value is Quick,
// the default of sgdmft validate.
type Level int

const (
	Quick Level = iota // minutes per scenario on 2 cores: sgdmft validate's default
	Test               // the go test suite: seconds per scenario
	Full               // the reference run behind notebooks-data: d up to 4000
	numLevels
)

var levelNames = [numLevels]string{Quick: "quick", Test: "test", Full: "full"}

// String returns the command-line name of the level.
func (l Level) String() string {
	if l >= 0 && l < numLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel returns the level with command-line name test, quick or full.
func ParseLevel(name string) (Level, error) {
	for l, n := range levelNames {
		if n == name {
			return Level(l), nil
		}
	}
	return 0, fmt.Errorf("validation: unknown level %q (allowed: test, quick, full)", name)
}

// Dimension is a simulator ensemble of a level: Seeds independent runs at
// dimension D.
type Dimension struct {
	D, Seeds int
}

// Size is the work of one level: the simulated ensembles and the DMFT's
// trajectories, split into independent batches whose spread gives its
// standard error (with Batches − 1 degrees of freedom).
type Size struct {
	Dims    []Dimension
	Samples int // DMFT trajectories (dmft.Settings.Samples)
	Batches int // DMFT batches (dmft.Settings.Batches)
	// T, if not zero, is the final time of every variant at this level in
	// place of its problem's (a multiple of η·Every): a long-time scenario
	// runs longer where the level can afford it.
	T float64
	// Tol is a flow scenario's local error tolerance of the DMFT's adaptive
	// grid (dmft.Adaptive.Tol); 0 means its default.
	Tol float64
	// Coarsen is a flow scenario's step schedule of the simulations, the
	// same at η and η/2 (sde.Coarsening): a level that runs long steps
	// faster once the flow has slowed.
	Coarsen sde.Coarsening
}

// Validate checks that the size can be extrapolated and its errors
// estimated: at least two distinct dimensions with two seeds or more each,
// and a DMFT with at least two batches.
func (s Size) Validate() error {
	if len(s.Dims) < 2 {
		return fmt.Errorf("validation: %d dimensions, want at least 2 to extrapolate in 1/d", len(s.Dims))
	}
	seen := map[int]bool{}
	for _, d := range s.Dims {
		if d.D < 1 || d.Seeds < 2 || seen[d.D] {
			return fmt.Errorf("validation: dimension %+v: want distinct d >= 1 with seeds >= 2", d)
		}
		seen[d.D] = true
	}
	if s.Batches < 2 || s.Samples < 2*s.Batches {
		return fmt.Errorf("validation: DMFT samples %d in %d batches: want batches >= 2 and samples >= 2·batches", s.Samples, s.Batches)
	}
	return nil
}

// Variant is one problem of a scenario; most scenarios have one, a sweep
// has several.
type Variant struct {
	Label   string
	Problem dynamics.Problem
}

// Oracle is an exact theory a scenario is also compared with.
type Oracle int

const (
	NoOracle   Oracle = iota
	SquareFlow        // exact square-loss GD curves: theory.SquareGD, or theory.TeacherSquare for a teacher
	ERMLimit          // the ridge fixed point, reached at the final time: theory.ERM, or theory.TeacherERM for a teacher
)

// Scenario is a named reference problem: DMFT (and theory where it
// applies) against finite-d simulator ensembles.
type Scenario struct {
	Name        string
	Description string
	Variants    []Variant
	Every       int // record every Every steps
	Oracle      Oracle
	// Flow marks a gradient-flow scenario (full-batch gd only): the
	// reference is the DMFT's η → 0 limit on the adaptive grid
	// (dmft.Adaptive), and the simulations of each dimension, run at the
	// problem's η and at η/2, are extrapolated to η → 0 (see the package
	// documentation).
	Flow  bool
	Sizes [numLevels]Size // indexed by Level
}

// Size returns the size of a level.
func (s Scenario) Size(l Level) Size { return s.Sizes[l] }

// Problem returns the problem of variant v at level l: its final time is
// the level's Size.T where that is set.
func (s Scenario) Problem(v Variant, l Level) dynamics.Problem {
	p := v.Problem
	if t := s.Sizes[l].T; t != 0 {
		p.T = t
	}
	return p
}

func logistic2(rho, delta float64) (mixture.Model, loss.Func) {
	return mixture.TwoCluster(rho, delta), loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}
}

// dims returns the ensembles of the pairs d0, seeds0, d1, seeds1, ….
func dims(ds ...int) []Dimension {
	out := make([]Dimension, len(ds)/2)
	for i := range out {
		out[i] = Dimension{D: ds[2*i], Seeds: ds[2*i+1]}
	}
	return out
}

// The sizes of the levels. A seed's variance falls as 1/d while its cost
// grows as d² (plus a fixed cost that dominates below d ≈ 100), so the
// intercept of the 1/d fit is resolved most cheaply by many seeds at two
// dimensions a factor 4 apart. The DMFT's batches keep at least 800
// trajectories: a batch solve is biased by O(1/trajectories) (1.7% of Ctt at
// 100 trajectories on two-cluster-logistic-gd), which at 800 is below a
// fifth of the DMFT's standard error. Its number of batches B sets the
// degrees of freedom B − 1 of the verdict's t where the DMFT's error counts:
// t₉ makes the test level's thresholds about 7, t₃₉ the full level's 4.5.
//
// standardSizes are those of most scenarios. Full: d from 500 to 4000, the
// reference behind notebooks-data; quick: d = 250 and 1000, sized so that
// on two-cluster-logistic-gd a DMFT with a kernel off by 5% fails (at the
// previous 200 and 75 seeds and 40000 trajectories M_C ×1.05 and the
// memory term ×0.95 and ×1.05 passed with |z| ≈ 4 against 4.4); test:
// d = 100 and 400, a check of gross errors in seconds: its 8000 DMFT
// trajectories in 10 batches (all the DMFT's cost allows) set thresholds of
// about 7.
func standardSizes() [numLevels]Size {
	var s [numLevels]Size
	s[Full] = Size{Dims: dims(500, 40, 1000, 40, 2000, 40, 4000, 40), Samples: 80000, Batches: 40}
	s[Quick] = Size{Dims: dims(250, 400, 1000, 150), Samples: 100000, Batches: 50}
	s[Test] = Size{Dims: dims(100, 32, 400, 32), Samples: 8000, Batches: 10}
	return s
}

// discriminatingSizes are those of two-cluster-logistic-psgd, the scenario
// of the mutation tests: at the test and quick levels a DMFT with M_C, Γ or
// the memory term off by 5%, or solved for Δ off by 5%, fails the verdict
// (validation_test.go). The intercept's variance is v(c₁²/(S₁d₁) + c₂²/(S₂d₂))
// for per-seed variance v/d; 800 seeds at d = 100 and 400 (about 3.6 and
// 17 ms a seed on one core) bring the standard error of the training loss
// to 5e-4 against the 3.4e-3 a 5% memory term shifts it by, and the
// DMFT's 200000 trajectories its own to 3e-4, in 100 batches of 2000 so
// that the thresholds are those of t₉₉, about 4.1. The quick level's
// d = 250 and 1000 are weighed to the same variance.
func discriminatingSizes() [numLevels]Size {
	s := standardSizes()
	s[Test] = Size{Dims: dims(100, 800, 400, 800), Samples: 200000, Batches: 100}
	s[Quick] = Size{Dims: dims(250, 800, 1000, 300), Samples: 200000, Batches: 100}
	return s
}

// stationaryPSGD is the problem of two-cluster-logistic-psgd-stationary.
// Once the drift has died out (t ≳ 5, λ > 0) the weights diffuse around
// their stationary point, driven by the selection noise whose correlation
// time bτ/(1−b) sets the displacement over a lag of 2: a 5% change of τ
// moves it by 4–5% against 0.5–1% for every equal-time observable (measured
// with the DMFT), which the test level resolves.
func stationaryPSGD() dynamics.Problem {
	m, fn := logistic2(0.5, 1)
	return dynamics.Problem{Model: m, Loss: fn, Alpha: 4, Lambda: 0.1, Algo: dynamics.PSGD, B: 0.3, Tau: 1, Eta: 0.1, T: 10, C0: 1}
}

// stationarySizes are those of two-cluster-logistic-psgd-stationary. The
// per-seed variance of a self-averaging observable is v/d and a seed costs
// about αd² per step, so for a given cost the small dimensions give the
// smaller standard error, as long as the 1/d fit holds (it does at
// d = 50, 200: the true DMFT passes with |z| ≤ 1.5). At the test level the
// displacement's combined standard error is 0.6–0.8% of it, against the
// 4–5% that τ ± 5% moves it (validation_test.go's mutation table).
func stationarySizes() [numLevels]Size {
	var s [numLevels]Size
	s[Test] = Size{Dims: dims(50, 800, 200, 800), Samples: 400000, Batches: 100}
	s[Quick] = Size{Dims: dims(100, 1600, 400, 800), Samples: 800000, Batches: 100}
	s[Full] = Size{Dims: dims(250, 1600, 1000, 400, 4000, 25), Samples: 800000, Batches: 100}
	return s
}

func twoClusterLogistic(algo dynamics.Algorithm, b, tau, eta, T float64) dynamics.Problem {
	m, fn := logistic2(0.5, 0.5)
	return dynamics.Problem{Model: m, Loss: fn, Alpha: 2, Algo: algo, B: b, Tau: tau, Eta: eta, T: T, C0: 1}
}

// Scenarios returns the registry of reference problems, sorted by name.
func Scenarios() []Scenario {
	sc := []Scenario{
		{
			Name:        "two-cluster-logistic-gd",
			Description: "Two clusters (α = 2, Δ = 0.5, ρ = 0.5), logistic loss, full-batch GD at η = 0.1 from m0 = 0, C0 = 1.",
			Variants:    []Variant{{"gd", twoClusterLogistic(dynamics.GD, 1, 0, 0.1, 10)}},
			Every:       5,
		},
		{
			Name:        "two-cluster-logistic-psgd",
			Description: "As two-cluster-logistic-gd with persistent SGD: batch fraction b = 0.3, persistence τ = 1.",
			Variants:    []Variant{{"psgd b=0.3 τ=1", twoClusterLogistic(dynamics.PSGD, 0.3, 1, 0.1, 10)}},
			Every:       5,
			Sizes:       discriminatingSizes(),
		},
		{
			Name: "two-cluster-logistic-psgd-stationary",
			Description: "Persistent SGD near its stationary state: α = 4, Δ = 1, λ = 0.1, b = 0.3, τ = 1, η = 0.1, " +
				"recorded every 2 time units, so that the displacement |w(t) − w(t−2)|²/d resolves τ to ±5%.",
			Variants: []Variant{{"psgd b=0.3 τ=1 λ=0.1", stationaryPSGD()}},
			Every:    20,
			Sizes:    stationarySizes(),
		},
		{
			Name:        "two-cluster-logistic-sgd",
			Description: "As two-cluster-logistic-gd with vanilla SGD (fresh Bernoulli(0.3) batches each step) at the finite step η = 0.2.",
			Variants:    []Variant{{"sgd b=0.3 η=0.2", twoClusterLogistic(dynamics.SGD, 0.3, 0, 0.2, 10)}},
			Every:       5,
		},
		{
			Name:        "two-cluster-logistic-sgf",
			Description: "Stochastic gradient flow: telegraph selection (b = 0.3, τ = 1) with the small step η = 0.02.",
			Variants:    []Variant{{"sgf b=0.3 τ=1", twoClusterLogistic(dynamics.SGF, 0.3, 1, 0.02, 5)}},
			Every:       25,
		},
		{
			Name: "two-cluster-logistic-batch-sweep",
			Description: "How the batch fraction changes what SGD finds: persistent SGD at τ = 1 for b ∈ {1, 0.5, 0.3, 0.1} " +
				"(b = 1 is GD), η = 0.1; the test error against time.",
			Variants: []Variant{
				{"b=1", twoClusterLogistic(dynamics.GD, 1, 0, 0.1, 10)},
				{"b=0.5", twoClusterLogistic(dynamics.PSGD, 0.5, 1, 0.1, 10)},
				{"b=0.3", twoClusterLogistic(dynamics.PSGD, 0.3, 1, 0.1, 10)},
				{"b=0.1", twoClusterLogistic(dynamics.PSGD, 0.1, 1, 0.1, 10)},
			},
			Every: 10,
		},
		{
			Name: "two-cluster-logistic-ridge-longtime",
			Description: "Logistic loss with ridge λ = 0.5, full-batch GD at η = 0.2 run to T = 30, " +
				"where it has reached the ERM fixed point of theory.ERM.",
			Variants: []Variant{{"gd λ=0.5", func() dynamics.Problem {
				p := twoClusterLogistic(dynamics.GD, 1, 0, 0.2, 30)
				p.Lambda = 0.5
				return p
			}()}},
			Every:  15,
			Oracle: ERMLimit,
		},
		{
			Name:        "two-cluster-square-gd",
			Description: "Square loss, full-batch GD at η = 0.1 (α = 2, Δ = 0.5, ρ = 0.5, λ = 0, C0 = 1): exact random-matrix curves (theory.SquareGD).",
			Variants: []Variant{{"square gd", func() dynamics.Problem {
				p := twoClusterLogistic(dynamics.GD, 1, 0, 0.1, 10)
				p.Loss.Margin = loss.Square{}
				return p
			}()}},
			Every:  5,
			Oracle: SquareFlow,
		},
		{
			Name: "three-cluster-quadratic-gd",
			Description: "Three clusters (α = 2, Δ = 0.1, ρ = 0.5), quadratic output r² − 1, logistic loss, full-batch GD " +
				"at η = 0.1 from m0 = 0.3 to T = 20: after t ≈ 4 the training error keeps falling while the test error rises.",
			Variants: []Variant{{"gd", threeClusterQuadratic(dynamics.GD, 1, 0)}},
			Every:    10,
		},
		{
			Name:        "three-cluster-quadratic-psgd",
			Description: "As three-cluster-quadratic-gd with persistent SGD, b = 0.3, τ = 1.",
			Variants:    []Variant{{"psgd b=0.3 τ=1", threeClusterQuadratic(dynamics.PSGD, 0.3, 1)}},
			Every:       10,
		},
	}
	sc = append(sc, longTimeFlow())
	sc = append(sc, teacherScenarios()...)
	for i := range sc {
		if sc[i].Sizes[Full].Dims == nil {
			sc[i].Sizes = standardSizes()
		}
	}
	sort.Slice(sc, func(i, j int) bool { return sc[i].Name < sc[j].Name })
	return sc
}

// longTimeFlow is two-cluster-logistic-longtime: gradient flow with a
// small ridge, the DMFT on the adaptive grid (dmft.Adaptive) against GD at
// η = 0.1 and 0.05 extrapolated to η → 0.
func longTimeFlow() Scenario {
	p := twoClusterLogistic(dynamics.GD, 1, 0, 0.1, 20)
	p.Lambda = 0.05
	return Scenario{
		Name: "two-cluster-logistic-longtime",
		Description: "Gradient flow (α = 2, Δ = 0.5, ρ = 0.5, λ = 0.05, C0 = 1): the DMFT's η → 0 limit on the adaptive grid " +
			"against full-batch GD simulated at η = 0.1 and 0.05 and extrapolated linearly to η → 0, recorded every time unit " +
			"to T = 20 (test), 60 (quick) and 100 (full).",
		Variants: []Variant{{"gradient flow λ=0.05", p}},
		Every:    10,
		Flow:     true,
		Sizes:    longTimeSizes(),
	}
}

// longTimeSizes are those of two-cluster-logistic-longtime. A seed costs
// about 240·T·d² flops (GD at η and η/2, two products with the n = 2d × d
// data per step); the DMFT's grid tolerance 1e-3 at the test and quick
// levels is five times cheaper than the default 1e-4 and moved m(20) by
// 7e-4 and C(20,20) by 6e-3 (same seed, 8000 trajectories), a fifteenth
// of the test level's standard errors. The test level, about 10 s of CPU,
// takes the small dimensions 50 and 200 (the true DMFT passes with
// |z| = 1.8 against 5.0: the 1/d fit holds there): at the same intercept
// variance d = 100 and 400 cost twice as much. It resolves Γ ×1.05 and
// Δ ×1.05 (|z| = 7.3 and 9.5), not the other mutations (TestMutations).
// The quick level runs to T = 60, the full level to T = 100 with d from
// 500 to 4000 (about 8·10¹² flops of simulation). Extended to T = 1000, it
// would step ten times longer after t = 100 (sde.Coarsening{From: 100,
// Factor: 10}, TestRichardsonCoarsened's longCoarsening; the
// extrapolation's remainder there is below 1e-5 of the error bar,
// TestRichardsonCoarsened): 1.5·10¹³ flops where uniform steps take
// 8·10¹³; its DMFT, with every trajectory in the response, is the cost
// that kept it at T = 100.
func longTimeSizes() [numLevels]Size {
	var s [numLevels]Size
	s[Test] = Size{Dims: dims(50, 200, 200, 80), Samples: 16000, Batches: 20, T: 20, Tol: 1e-3}
	s[Quick] = Size{Dims: dims(250, 400, 1000, 40), Samples: 40000, Batches: 40, T: 60, Tol: 1e-3}
	s[Full] = Size{Dims: dims(500, 100, 1000, 50, 2000, 25, 4000, 10), Samples: 80000, Batches: 40, T: 100}
	return s
}

func threeClusterQuadratic(algo dynamics.Algorithm, b, tau float64) dynamics.Problem {
	return dynamics.Problem{
		Model: mixture.ThreeCluster(0.5, 0.1),
		Loss:  loss.Func{Margin: loss.Logistic{}, Output: loss.Quadratic{Kappa: 1}},
		Alpha: 2, Algo: algo, B: b, Tau: tau, Eta: 0.1, T: 20, M0: 0.3, C0: 1,
	}
}

// teacherDiscriminatingSizes are those of teacher-sign-logistic-psgd, the
// teacher scenario of the mutation tests. A seed at d ≤ 200 costs a few ms,
// mostly fixed, so the test level takes the small dimensions 50 and 200
// (the true DMFT passes with |z| ≤ 2.7: the 1/d fit holds there); the
// intercept's variance v(c₁²/(S₁d₁) + c₂²/(S₂d₂)), c = (−1/3, 4/3), is
// dominated by d₂ = 200 even with S₁ = 2S₂. (At the same cost with d = 100
// and 400, 400 and 100 seeds, the simulations' standard error of Ctt at
// t = 10 was 4.3e-3 against the DMFT's 2.4e-3 at 100000 trajectories, and
// Γ ×0.95 passed with |z| = 3.9.) So sized, M_C ×0.95 and ×1.05, Γ ×0.95 and the memory term ×0.95
// fail it with |z| ≥ 5.4 against 4.35 (TestMutations); Γ ×1.05, the memory
// term ×1.05 and τ ± 5% come out at |z| ≈ 3.3–4.6, not resolved. About 8 s
// of CPU for the simulations and the DMFT.
func teacherDiscriminatingSizes() [numLevels]Size {
	s := standardSizes()
	s[Test] = Size{Dims: dims(50, 800, 200, 400), Samples: 100000, Batches: 50}
	return s
}

// exactSizes are those of the scenarios whose DMFT is the exact square-loss
// solve (no Monte-Carlo error, so the DMFT's size is unused and the
// verdict's thresholds are those of the simulations' degrees of freedom):
// at the test level the cheap simulations get more seeds than
// standardSizes'.
func exactSizes() [numLevels]Size {
	s := standardSizes()
	s[Test] = Size{Dims: dims(100, 128, 400, 64), Samples: 8000, Batches: 10}
	return s
}

// teacherProblem returns a problem of the single-index teacher–student
// model (package teacher) from m0 = 0, C0 = 1.
func teacherProblem(link teacher.Link, sigma float64, margin loss.Margin, alpha, lambda float64, algo dynamics.Algorithm, b, tau float64) dynamics.Problem {
	return dynamics.Problem{
		Teacher: &teacher.Model{Link: link, Noise: sigma},
		Loss:    loss.Func{Margin: margin, Output: loss.Linear{}},
		Alpha:   alpha, Lambda: lambda, Algo: algo, B: b, Tau: tau, Eta: 0.1, T: 10, C0: 1,
	}
}

// peerProblem is the setting of Gerbelot et al. (arXiv:2210.06591) and of
// its code SPOC-group/DMFT-integration, whose stored simulation
// (internal/peerdata) the tests compare with: full-batch GD on the square loss
// with ridge λ = 0.5, linear teacher without label noise, α = 3, η = 0.1,
// 50 steps, w(0) = 0.2 v* + w⊥ with |w⊥|²/d = 1.
func peerProblem() dynamics.Problem {
	return dynamics.Problem{
		Teacher: &teacher.Model{Link: teacher.Linear{}},
		Loss:    loss.Func{Margin: loss.Square{}, Output: loss.Linear{}},
		Alpha:   3, Lambda: 0.5, Algo: dynamics.GD, Eta: 0.1, T: 5, M0: 0.2, C0: 1.04,
	}
}

// teacherScenarios are the scenarios of the teacher–student model.
func teacherScenarios() []Scenario {
	return []Scenario{
		{
			Name: "teacher-sign-logistic-gd",
			Description: "Sign teacher with label noise σ = 0.1 (y = sign(h0 + σε)), logistic loss, α = 2, ridge λ = 0.1, " +
				"full-batch GD at η = 0.1 to T = 10 from m0 = 0, C0 = 1: the noisy perceptron of arXiv:2210.06591. " +
				"The ridge keeps |w| bounded (on labels this clean at α = 2, GD on the bare logistic loss grows |w| without end) " +
				"and the noise exercises the DMFT's label-noise average; by T = 10 the test error has fallen from 0.5 to 0.19, " +
				"near its plateau, while m still grows slowly.",
			Variants: []Variant{{"gd σ=0.1", teacherProblem(teacher.Sign{}, 0.1, loss.Logistic{}, 2, 0.1, dynamics.GD, 1, 0)}},
			Every:    5,
		},
		{
			Name:        "teacher-sign-logistic-psgd",
			Description: "As teacher-sign-logistic-gd with persistent SGD: batch fraction b = 0.3, persistence τ = 1.",
			Variants:    []Variant{{"psgd b=0.3 τ=1 σ=0.1", teacherProblem(teacher.Sign{}, 0.1, loss.Logistic{}, 2, 0.1, dynamics.PSGD, 0.3, 1)}},
			Every:       5,
			Sizes:       teacherDiscriminatingSizes(),
		},
		{
			Name: "teacher-relu-square-gd",
			Description: "ReLU teacher y = max(h0, 0) + σε with σ = 0.1, square loss against the target (the error observables " +
				"are MSEs), α = 2, λ = 0.1, full-batch GD at η = 0.1 to T = 10 from m0 = 0, C0 = 1; the test MSE falls " +
				"from 1.51 to 0.43 by t ≈ 2 and then rises slightly (0.45 at T = 10) as GD fits what a linear student cannot " +
				"(the ReLU's nonlinear part and the noise). The DMFT solves it " +
				"exactly (square loss, linear output, full batch); the exact curves are theory.TeacherSquare's for the " +
				"equivalent linear teacher (κ = E[h0 y] = 1/2, noise² = E y² − κ²).",
			Variants: []Variant{{"gd σ=0.1", teacherProblem(teacher.ReLU{}, 0.1, loss.Square{}, 2, 0.1, dynamics.GD, 1, 0)}},
			Every:    5,
			Oracle:   SquareFlow,
			Sizes:    exactSizes(),
		},
		{
			Name: "teacher-linear-square-peer",
			Description: "The setting of Gerbelot et al. (arXiv:2210.06591, code SPOC-group/DMFT-integration): linear teacher " +
				"without label noise, square loss, α = 3, λ = 0.5, full-batch GD at η = 0.1 for 50 steps from m0 = 0.2, " +
				"C0 = 1.04; exact random-matrix curves (theory.TeacherSquare). Their stored simulation of m(t) is compared " +
				"in the tests (TestPeerScenario).",
			Variants: []Variant{{"gd", peerProblem()}},
			Every:    5,
			Oracle:   SquareFlow,
			Sizes:    exactSizes(),
		},
	}
}

// Lookup returns the scenario with the given name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}
