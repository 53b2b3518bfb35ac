package validation

import (
	"sort"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// Level selects the size of a validation run.
type Level int

const (
	Full  Level = iota // the reference run: several d up to 4000, many seeds
	Quick              // minutes on 2 cores: the default of sgdmft validate
	Test               // seconds: the go test suite
)

var levelNames = [...]string{Full: "full", Quick: "quick", Test: "test"}

func (l Level) String() string { return levelNames[l] }

// Size is the work of one level: the simulated dimensions, the seeds per
// dimension, the DMFT trajectories and the fresh test samples per seed.
type Size struct {
	Dims        []int
	Seeds       int
	Samples     int
	TestSamples int
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
	SquareFlow        // theory.SquareGD: exact square-loss GD curves
	ERMLimit          // theory.ERM: the ridge fixed point, reached at the final time
)

// Scenario is a named reference problem: DMFT (and theory where it
// applies) against finite-d simulator ensembles.
type Scenario struct {
	Name        string
	Description string
	Variants    []Variant
	Every       int // record every Every steps
	Oracle      Oracle
	Sizes       [3]Size // indexed by Level
}

// Size returns the size of a level.
func (s Scenario) Size(l Level) Size { return s.Sizes[l] }

func logistic2(rho, delta float64) (mixture.Model, loss.Func) {
	return mixture.TwoCluster(rho, delta), loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}
}

// Standard sizes. Full: d from 500 to 4000 so that O(1/d) finite-size
// effects can be extrapolated away; quick: a factor-4 range of d; test: two
// small d.
var (
	fullSize  = Size{Dims: []int{500, 1000, 2000, 4000}, Seeds: 40, Samples: 40000, TestSamples: 2000}
	quickSize = Size{Dims: []int{250, 500, 1000}, Seeds: 24, Samples: 10000, TestSamples: 1000}
	testSize  = Size{Dims: []int{100, 200}, Seeds: 16, Samples: 4000, TestSamples: 500}
)

func standardSizes() [3]Size { return [3]Size{fullSize, quickSize, testSize} }

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
	for i := range sc {
		sc[i].Sizes = standardSizes()
	}
	sort.Slice(sc, func(i, j int) bool { return sc[i].Name < sc[j].Name })
	return sc
}

func threeClusterQuadratic(algo dynamics.Algorithm, b, tau float64) dynamics.Problem {
	return dynamics.Problem{
		Model: mixture.ThreeCluster(0.5, 0.1),
		Loss:  loss.Func{Margin: loss.Logistic{}, Output: loss.Quadratic{Kappa: 1}},
		Alpha: 2, Algo: algo, B: b, Tau: tau, Eta: 0.1, T: 20, M0: 0.3, C0: 1,
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
