package validation

import (
	"fmt"
	"time"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
)

// Observables returns the observables compared between the simulations and
// the DMFT, in report order (a new slice on each call).
func Observables() []dynamics.Observable {
	return []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr, dynamics.TestErr, dynamics.TestLoss, dynamics.Disp}
}

// Reference is what the simulations are compared with.
type Reference int

const (
	DMFT   Reference = iota // the DMFT at every recorded time
	Theory                  // the exact square-loss GD curves (theory.SquareGD; TeacherSquare for a teacher) at every recorded time
	ERM                     // the ridge ERM fixed point (theory.ERM; TeacherERM for a teacher) at the final time
)

var referenceNames = [...]string{DMFT: "dmft", Theory: "theory", ERM: "erm"}

// String returns the reference's name as in reports and file names.
func (r Reference) String() string {
	if r >= 0 && int(r) < len(referenceNames) {
		return referenceNames[r]
	}
	return fmt.Sprintf("Reference(%d)", int(r))
}

// Curve is an observable's mean and standard error at the recorded times.
type Curve struct {
	Mean, SE []float64
}

// Ensemble is the simulator ensemble of a variant at one dimension.
type Ensemble struct {
	D, N, Seeds int
	Seed        uint64 // sde.Settings.Seed of the ensemble
	Curves      map[dynamics.Observable]Curve
	Wall        time.Duration
}

// VariantSims are the simulations of one variant at every dimension of a
// level.
type VariantSims struct {
	Times     []float64 // recorded times t = kη
	Steps     []int     // recorded steps k
	Ensembles []Ensemble
}

// Simulations are a scenario's simulations at one level, the input of
// Judge.
type Simulations struct {
	Scenario string
	Level    Level
	Seed     uint64 // Options.Seed they were drawn with
	Variants []VariantSims
	Wall     time.Duration
}

// Check is the comparison of one observable with one reference over the
// recorded times (the final time only for ERM).
type Check struct {
	Observable dynamics.Observable
	Reference  Reference
	// WorstZ is, for each dimension, the largest |mean − reference| over the
	// times in units of the combined standard error: a diagnostic of the
	// finite-size effect, not part of the verdict.
	WorstZ []float64
	// Worst is the comparison of the d → ∞ extrapolation with the smallest
	// p-value over the times, at time Time.
	Worst Comparison
	Time  float64
	// Alpha is the per-comparison false-failure rate: FamilyAlpha over the
	// variant's number of comparisons (Bonferroni).
	Alpha float64
	Pass  bool // Worst.P() ≥ Alpha, that is |Worst.Z| ≤ Threshold() (NaN fails)
}

// Threshold returns the |t| at which the check's worst comparison would
// fail: the 1 − Alpha/2 quantile of Student's t with Worst.DF degrees of
// freedom.
func (c Check) Threshold() float64 { return quantile(1-c.Alpha/2, c.Worst.DF) }

// VariantResult is the validation of one variant.
type VariantResult struct {
	Label string
	// Problem is the simulated problem; Reference the one the DMFT and the
	// exact theories solved (different only under Options.ReferenceProblem).
	Problem, Reference dynamics.Problem
	Times              []float64
	Sims               []Ensemble
	DMFT               map[dynamics.Observable]Curve
	DMFTSeed           uint64 // dmft.Settings.Seed
	DMFTSamples        int    // trajectories solved
	DMFTBatches        int    // independent batches: the DMFT's standard errors have DMFTBatches − 1 degrees of freedom
	DMFTWall           time.Duration
	Theory             map[dynamics.Observable]Curve   // exact square-loss curves, or nil
	ERM                map[dynamics.Observable]float64 // the ERM fixed point, or nil
	// Comparisons is the number of comparisons of the variant (observables ×
	// times per reference), the Bonferroni count of the thresholds.
	Comparisons int
	Checks      []Check
	Pass        bool
}

// Result is a scenario's validation.
type Result struct {
	Scenario    string
	Description string
	Level       Level
	Seed        uint64       // Options.Seed
	Perturb     dmft.Perturb // Options.Perturb: zero for the true DMFT
	Transformed bool         // Options.ReferenceProblem was set
	Variants    []VariantResult
	Pass        bool
	Wall        time.Duration // simulations and references
}
