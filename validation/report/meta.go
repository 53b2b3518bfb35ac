package report

import (
	"encoding/json"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/validation"
)

// Provenance says what wrote an output: the program's version (with its
// commit) and the exact command line. The numerics version and the seeds
// are taken from the results.
type Provenance struct {
	Version string // e.g. "0.1.0+0123456789ab"
	Command string // the command line, e.g. "sgdmft validate --level full --scenario all"
}

// Meta is the record of one scenario's validation, written as meta.json
// beside its curves (and, gathered, as report.json).
type Meta struct {
	Scenario        string
	Description     string
	Level           string
	NumericsVersion int    // validation.NumericsVersion of the run
	Version         string // Provenance.Version
	Command         string // Provenance.Command
	Seed            uint64 // master seed (validation.Options.Seed)
	Dims            []int  // simulated dimensions
	Seeds           []int  // seeds at each dimension
	DMFTSamples     int    // DMFT trajectories asked for
	DMFTBatches     int    // DMFT batches asked for
	Every           int    // record interval in steps
	// Coarsen is a flow scenario's step schedule at this level
	// (sde.Coarsening): from time From on the simulated steps are Factor
	// times longer, and the records every Every of them. Absent when the
	// steps are uniform.
	Coarsen     *CoarsenMeta `json:",omitempty"`
	FamilyAlpha float64
	Observables []string
	Variants    []VariantMeta
	Pass        bool
	WallTime    float64 `json:"wall_time_s"`
}

// CoarsenMeta is sde.Coarsening.
type CoarsenMeta struct {
	From   float64
	Factor int
}

// VariantMeta is one variant's record.
type VariantMeta struct {
	Dir     string // the variant's directory, v0, v1, …
	Label   string
	Problem ProblemMeta
	// ReferenceProblem is the problem the DMFT and theory solved when it
	// differs from Problem (a deliberately wrong reference).
	ReferenceProblem *ProblemMeta `json:",omitempty"`
	SimSeeds         []uint64     // sde.Settings.Seed of the ensemble at each dimension
	DMFTSeed         uint64       // dmft.Settings.Seed
	DMFTSamples      int          // trajectories solved
	DMFTBatches      int          // batches solved: the DMFT's errors have DMFTBatches − 1 degrees of freedom
	Comparisons      int          // the Bonferroni count
	Checks           []CheckMeta
	ERM              map[string]float64 `json:",omitempty"`
	Pass             bool
}

// CheckMeta is one check: the worst comparison over the times of one
// observable against one reference.
type CheckMeta struct {
	Observable string
	Reference  string  // dmft, theory or erm
	WorstZ     []Float // per dimension: largest |mean − reference|/se over the times (diagnostic)
	Time       float64 // time of the worst comparison
	Dev        Float   // extrapolated simulations − reference there
	SE         Float   // its standard error
	DF         Float   // Welch–Satterthwaite degrees of freedom ("+Inf" when nothing is estimated)
	Z          Float   // Dev/SE
	P          float64 // two-sided p-value
	Alpha      float64 // per-comparison level FamilyAlpha/Comparisons: pass iff P ≥ Alpha
	Threshold  Float   // the |Z| at which it fails
	Pass       bool
}

// ProblemMeta is a problem in the command-line names of its parameters.
// Data is the data model, "mixture" (Clusters and Delta) or
// "teacher-student" (Link and LabelNoise, the teacher.Model).
type ProblemMeta struct {
	Data       string            `json:"data"`
	Clusters   []mixture.Cluster `json:"clusters,omitempty"`
	Delta      *float64          `json:"delta,omitempty"`
	Link       string            `json:"link,omitempty"`
	LabelNoise *float64          `json:"label-noise,omitempty"`
	Loss       string            `json:"loss"`
	Output     string            `json:"output"`
	Kappa      float64           `json:"kappa,omitempty"`
	Alpha      float64           `json:"alpha"`
	Lambda     float64           `json:"lambda"`
	Algo       string            `json:"algo"`
	B          float64           `json:"b"`
	Tau        float64           `json:"tau,omitempty"`
	Eta        float64           `json:"eta"`
	T          float64           `json:"T"`
	M0         float64           `json:"m0"`
	C0         float64           `json:"C0"`
}

// Describe returns a problem in the command-line names of its parameters.
func Describe(p dynamics.Problem) ProblemMeta {
	pm := ProblemMeta{
		Alpha: p.Alpha, Lambda: p.Lambda,
		Algo: p.Algo.String(), B: p.B, Tau: p.Tau, Eta: p.Eta, T: p.T, M0: p.M0, C0: p.C0,
	}
	if p.Teacher != nil {
		sigma := p.Teacher.Noise
		pm.Data, pm.Link, pm.LabelNoise = "teacher-student", p.Teacher.Link.Name(), &sigma
	} else {
		delta := p.Model.Delta
		pm.Data, pm.Clusters, pm.Delta = "mixture", p.Model.Clusters, &delta
	}
	if pm.B == 0 {
		pm.B = 1
	}
	pm.Loss, pm.Output = p.Loss.Margin.Name(), p.Loss.Output.Name()
	if q, ok := p.Loss.Output.(loss.Quadratic); ok {
		pm.Kappa = q.Kappa
	}
	return pm
}

// Float is a float64 that JSON can hold when it is not finite: ±Inf and
// NaN are written as the strings "+Inf", "-Inf" and "NaN" (Python's
// float() reads them back).
type Float float64

// MarshalJSON implements json.Marshaler.
func (x Float) MarshalJSON() ([]byte, error) {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(f)
}

func floats(x []float64) []Float {
	out := make([]Float, len(x))
	for i, v := range x {
		out[i] = Float(v)
	}
	return out
}

// NewMeta returns the record of a scenario's validation.
func NewMeta(sc validation.Scenario, res *validation.Result, prov Provenance) Meta {
	size := sc.Size(res.Level)
	m := Meta{
		Scenario: sc.Name, Description: sc.Description, Level: res.Level.String(),
		NumericsVersion: validation.NumericsVersion, Version: prov.Version, Command: prov.Command, Seed: res.Seed,
		DMFTSamples: size.Samples, DMFTBatches: size.Batches, Every: sc.Every, FamilyAlpha: validation.FamilyAlpha,
		Pass: res.Pass, WallTime: res.Wall.Seconds(),
	}
	if c := size.Coarsen; c.Factor > 1 {
		m.Coarsen = &CoarsenMeta{From: c.From, Factor: c.Factor}
	}
	for _, d := range size.Dims {
		m.Dims = append(m.Dims, d.D)
		m.Seeds = append(m.Seeds, d.Seeds)
	}
	for _, o := range validation.Observables() {
		m.Observables = append(m.Observables, o.String())
	}
	for vi, v := range res.Variants {
		vm := VariantMeta{
			Dir: variantDir(vi), Label: v.Label, Problem: Describe(v.Problem),
			DMFTSeed: v.DMFTSeed, DMFTSamples: v.DMFTSamples, DMFTBatches: v.DMFTBatches,
			Comparisons: v.Comparisons, Pass: v.Pass,
		}
		if res.Transformed {
			rp := Describe(v.Reference)
			vm.ReferenceProblem = &rp
		}
		for _, e := range v.Sims {
			vm.SimSeeds = append(vm.SimSeeds, e.Seed)
		}
		for _, c := range v.Checks {
			vm.Checks = append(vm.Checks, CheckMeta{
				Observable: c.Observable.String(), Reference: c.Reference.String(), WorstZ: floats(c.WorstZ),
				Time: c.Time, Dev: Float(c.Worst.Dev), SE: Float(c.Worst.SE), DF: Float(c.Worst.DF), Z: Float(c.Worst.Z),
				P: c.Worst.P(), Alpha: c.Alpha, Threshold: Float(c.Threshold()), Pass: c.Pass,
			})
		}
		if v.ERM != nil {
			vm.ERM = map[string]float64{}
			for o, x := range v.ERM {
				vm.ERM[o.String()] = x
			}
		}
		m.Variants = append(m.Variants, vm)
	}
	return m
}
