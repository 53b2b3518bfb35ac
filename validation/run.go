package validation

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/sde"
	"github.com/sgdmft/sgdmft/theory"
)

// Compared are the observables compared between theory and simulation.
var Compared = []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TrainErr, dynamics.TestErr, dynamics.TestLoss}

// FamilyAlpha is the family-wise false-failure rate of a variant's verdict:
// the Bonferroni threshold over its comparisons (Threshold).
const FamilyAlpha = 0.01

// Curve is an observable's mean and standard error at the recorded times.
type Curve struct {
	Mean, SE []float64
}

// SimCurves is the simulator ensemble at one dimension.
type SimCurves struct {
	D, N, Seeds int
	Obs         map[string]Curve // keyed by observable name (dynamics.Observable.String)
	Wall        time.Duration
}

// Check is the comparison of one observable with a reference curve.
type Check struct {
	Observable string
	Reference  string // "dmft", "theory" (square-loss curves) or "erm" (final time)
	// WorstZ is the largest |simulation − reference| over times in units of
	// the combined standard error, for each dimension (in Dims order).
	WorstZ []float64
	// ExtrapZ is the largest |A − reference|/se over the times, A being the
	// d → ∞ intercept of the fit mean(d) = A + B/d; ExtrapDev is that A −
	// reference and ExtrapTime its time.
	ExtrapZ, ExtrapDev, ExtrapTime float64
	Threshold                      float64
	Pass                           bool
}

// VariantResult holds a variant's curves and checks.
type VariantResult struct {
	Label  string
	Times  []float64
	DMFT   map[string]Curve
	Theory map[string]Curve // square-loss oracle at the recorded times, or nil
	ERM    map[string]float64
	Sims   []SimCurves
	Checks []Check
	Pass   bool
	// DMFTStats are the solver's diagnostics.
	DMFTSamples int
	DMFTWall    time.Duration
}

// Result is a scenario's validation.
type Result struct {
	Scenario    string
	Description string
	Level       string
	Dims        []int
	Variants    []VariantResult
	Pass        bool
	Wall        time.Duration
}

// Options controls a validation run.
type Options struct {
	Level   Level
	Workers int    // parallel workers for simulation and DMFT; default GOMAXPROCS
	Seed    uint64 // master seed; default 1
	// Progress, if not nil, is told what is being computed.
	Progress func(stage string, done, total int64)
}

// Run validates a scenario: it solves the DMFT of each variant, simulates
// it at every dimension of the level, and compares them.
func Run(ctx context.Context, sc Scenario, opt Options) (*Result, error) {
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	size := sc.Size(opt.Level)
	start := time.Now()
	res := &Result{Scenario: sc.Name, Description: sc.Description, Level: opt.Level.String(), Dims: size.Dims, Pass: true}
	for vi, v := range sc.Variants {
		vr, err := runVariant(ctx, sc, v, size, opt, uint64(vi))
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", sc.Name, v.Label, err)
		}
		res.Variants = append(res.Variants, *vr)
		res.Pass = res.Pass && vr.Pass
	}
	res.Wall = time.Since(start)
	return res, nil
}

func progress(opt Options, stage string) func(done, total int64) {
	if opt.Progress == nil {
		return nil
	}
	return func(done, total int64) { opt.Progress(stage, done, total) }
}

func runVariant(ctx context.Context, sc Scenario, v Variant, size Size, opt Options, vi uint64) (*VariantResult, error) {
	p := v.Problem
	vr := &VariantResult{Label: v.Label, DMFT: map[string]Curve{}}

	t0 := time.Now()
	sol, err := dmft.Solve(ctx, p, dmft.Settings{
		Samples: size.Samples, Workers: opt.Workers, Seed: mixSeed(opt.Seed, sc.Name, vi, 0),
		Progress: progress(opt, sc.Name+" "+v.Label+": dmft"),
	})
	if err != nil {
		return nil, fmt.Errorf("dmft: %w", err)
	}
	vr.DMFTWall = time.Since(t0)
	vr.DMFTSamples = sol.Stats.Samples

	var steps []int
	for _, d := range size.Dims {
		t0 := time.Now()
		ens, err := sde.Simulate(ctx, p, sde.Settings{
			D: d, Seeds: size.Seeds, Workers: opt.Workers, Every: sc.Every,
			TestSamples: size.TestSamples, Seed: mixSeed(opt.Seed, sc.Name, vi, uint64(d)),
			Progress: progress(opt, fmt.Sprintf("%s %s: simulate d=%d", sc.Name, v.Label, d)),
		})
		if err != nil {
			return nil, fmt.Errorf("simulate d=%d: %w", d, err)
		}
		steps, vr.Times = ens.Steps, ens.Times
		sc := SimCurves{D: d, N: p.Samples(d), Seeds: size.Seeds, Obs: map[string]Curve{}, Wall: time.Since(t0)}
		for _, o := range Compared {
			m, se := ens.MeanSE(o)
			if o == dynamics.TrainErr || o == dynamics.TestErr {
				se = floorSE(se, p.Samples(d)*size.Seeds)
			}
			sc.Obs[o.String()] = Curve{m, se}
		}
		vr.Sims = append(vr.Sims, sc)
	}
	for _, o := range Compared {
		m, se := sol.MeanSE(o)
		vr.DMFT[o.String()] = Curve{pick(m, steps), pick(se, steps)}
	}
	nComp := len(Compared) * len(vr.Times)
	switch sc.Oracle {
	case SquareFlow:
		th, err := squareCurves(p, vr.Times)
		if err != nil {
			return nil, err
		}
		vr.Theory = th
		nComp += 4 * len(vr.Times)
	case ERMLimit:
		e, err := ermLimit(p)
		if err != nil {
			return nil, err
		}
		vr.ERM = e
		nComp += len(e)
	}
	thr := Threshold(FamilyAlpha, nComp)
	vr.Pass = true
	add := func(c Check) {
		c.Threshold = thr
		c.Pass = !(c.ExtrapZ > thr) // NaN fails
		vr.Pass = vr.Pass && c.Pass
		vr.Checks = append(vr.Checks, c)
	}
	for _, o := range Compared {
		add(compare(o.String(), "dmft", vr, vr.DMFT[o.String()], allTimes(len(vr.Times))))
	}
	for _, o := range Compared {
		if c, ok := vr.Theory[o.String()]; ok {
			add(compare(o.String(), "theory", vr, c, allTimes(len(vr.Times))))
		}
	}
	for _, o := range Compared {
		if e, ok := vr.ERM[o.String()]; ok {
			n := len(vr.Times)
			ref := Curve{Mean: make([]float64, n), SE: make([]float64, n)}
			ref.Mean[n-1] = e
			add(compare(o.String(), "erm", vr, ref, []int{n - 1}))
		}
	}
	return vr, nil
}

// floorSE bounds an error rate's standard error below by its resolution
// 1/(samples·seeds): a mean of counts that happen to agree across seeds
// (say all zero) has sample SE 0 but is only known to that resolution.
func floorSE(se []float64, counts int) []float64 {
	out := make([]float64, len(se))
	for i, s := range se {
		out[i] = math.Max(s, 1/float64(counts))
	}
	return out
}

func allTimes(n int) []int {
	t := make([]int, n)
	for i := range t {
		t[i] = i
	}
	return t
}

func pick(x []float64, steps []int) []float64 {
	out := make([]float64, len(steps))
	for i, k := range steps {
		out[i] = x[k]
	}
	return out
}

// compare fills a Check of the simulations against ref at the given time
// indices.
func compare(obs, refName string, vr *VariantResult, ref Curve, times []int) Check {
	c := Check{Observable: obs, Reference: refName, WorstZ: make([]float64, len(vr.Sims))}
	for _, j := range times {
		pts := make([]Point, len(vr.Sims))
		for i, s := range vr.Sims {
			cu := s.Obs[obs]
			pts[i] = Point{D: s.D, Mean: cu.Mean[j], SE: cu.SE[j]}
			if z := math.Abs(Z(cu.Mean[j], cu.SE[j], ref.Mean[j], ref.SE[j])); z > c.WorstZ[i] || math.IsNaN(z) {
				c.WorstZ[i] = z
			}
		}
		e := Extrapolate(pts)
		z := math.Abs(Z(e.A, e.SEA, ref.Mean[j], ref.SE[j]))
		if z > c.ExtrapZ || math.IsNaN(z) || j == times[0] {
			c.ExtrapZ, c.ExtrapDev, c.ExtrapTime = z, e.A-ref.Mean[j], vr.Times[j]
		}
	}
	return c
}

// mixSeed derives independent seeds for each scenario, variant, DMFT and
// dimension, so that no two ensembles share random numbers.
func mixSeed(seed uint64, scenario string, variant, d uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(scenario))
	a, _ := rng.Seeds(seed, h.Sum64(), variant, d)
	return a
}

// squareCurves returns the exact square-loss GD curves at the given times.
func squareCurves(p dynamics.Problem, times []float64) (map[string]Curve, error) {
	sq := theory.SquareGD{Alpha: p.Alpha, Delta: p.Model.Delta, Lambda: p.Lambda, C0: p.C0, Eta: p.Eta}
	pts, err := sq.Curve(nil, times)
	if err != nil {
		return nil, fmt.Errorf("theory: %w", err)
	}
	n := len(times)
	out := map[string]Curve{}
	for _, o := range []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TestErr} {
		c := Curve{Mean: make([]float64, n), SE: make([]float64, n)}
		for i, pt := range pts {
			c.Mean[i] = map[dynamics.Observable]float64{dynamics.M: pt.M, dynamics.Ctt: pt.Ctt, dynamics.TrainLoss: pt.TrainLoss, dynamics.TestErr: pt.TestErr}[o]
		}
		out[o.String()] = c
	}
	return out, nil
}

// ermLimit returns the ridge ERM fixed point of a full-batch problem.
func ermLimit(p dynamics.Problem) (map[string]float64, error) {
	r, err := theory.ERM{Model: p.Model, Alpha: p.Alpha, Lambda: p.Lambda, Loss: p.Loss.Margin}.Solve()
	if err != nil {
		return nil, fmt.Errorf("theory: %w", err)
	}
	return map[string]float64{
		dynamics.M.String(): r.M, dynamics.Ctt.String(): r.Ctt, dynamics.TrainLoss.String(): r.TrainLoss,
		dynamics.TrainErr.String(): r.TrainErr, dynamics.TestErr.String(): r.TestErr,
	}, nil
}
