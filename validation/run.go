package validation

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"time"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/sde"
	"github.com/sgdmft/sgdmft/theory"
)

// Options controls a validation run. The zero value runs the quick level
// on all cores with master seed 1.
type Options struct {
	Level   Level
	Workers int    // parallel workers for simulation and DMFT; default GOMAXPROCS
	Seed    uint64 // master seed; default 1
	// Progress, if not nil, is told what is being computed.
	Progress func(stage string, done, total int64)

	// Perturb and ReferenceProblem deliberately falsify the references, for
	// the mutation tests that show the verdict rejects a wrong theory; their
	// zero values are the true references. The simulations are unaffected.
	//
	// Perturb is passed to every DMFT solve (dmft.Settings.Perturb).
	Perturb dmft.Perturb
	// ReferenceProblem, if not nil, maps each variant's problem to the one
	// the DMFT and the exact theories solve (say Δ off by 5%).
	ReferenceProblem func(dynamics.Problem) dynamics.Problem
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Validate checks the options, naming the first bad field.
func (o Options) Validate() error {
	switch {
	case o.Level < 0 || o.Level >= numLevels:
		return fmt.Errorf("validation: unknown level %v", o.Level)
	case o.Workers < 0:
		return fmt.Errorf("validation: Workers = %d, want Workers >= 0 (0 for all cores)", o.Workers)
	}
	return nil
}

// Run validates a scenario: it simulates every variant at every dimension
// of the level (Simulate), solves the references and judges the
// simulations against them (Judge).
func Run(ctx context.Context, sc Scenario, opt Options) (*Result, error) {
	sims, err := Simulate(ctx, sc, opt)
	if err != nil {
		return nil, err
	}
	return Judge(ctx, sc, sims, opt)
}

func progress(opt Options, stage string) func(done, total int64) {
	if opt.Progress == nil {
		return nil
	}
	return func(done, total int64) { opt.Progress(stage, done, total) }
}

func checkScenario(sc Scenario, opt Options) error {
	if err := opt.Validate(); err != nil {
		return err
	}
	if err := sc.Size(opt.Level).Validate(); err != nil {
		return fmt.Errorf("%s at level %v: %w", sc.Name, opt.Level, err)
	}
	if sc.Every < 1 {
		return fmt.Errorf("validation: %s: Every = %d, want Every >= 1", sc.Name, sc.Every)
	}
	for _, v := range sc.Variants {
		p := sc.Problem(v, opt.Level)
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%s/%s: %w", sc.Name, v.Label, err)
		}
		if sc.Flow && (p.Algo != dynamics.GD || p.Teacher != nil) {
			return fmt.Errorf("validation: %s/%s: a flow scenario simulates full-batch gd on a mixture, not %v", sc.Name, v.Label, p.Algo)
		}
		co := sc.Size(opt.Level).Coarsen
		if co.Factor > 1 && !sc.Flow {
			return fmt.Errorf("validation: %s at level %v: a coarsened step (Size.Coarsen) is for flow scenarios only", sc.Name, opt.Level)
		}
		if k := co.Steps(p); sc.Flow && k%sc.Every != 0 {
			return fmt.Errorf("validation: %s/%s: %d steps at level %v not a multiple of Every = %d (the records of η and η/2 must coincide)",
				sc.Name, v.Label, k, opt.Level, sc.Every)
		}
	}
	return nil
}

// Simulate runs the simulator ensembles of every variant of the scenario
// at every dimension of opt.Level. Ensembles are independent: each draws
// from its own seed, derived from opt.Seed, the scenario's name, the
// variant and the dimension.
func Simulate(ctx context.Context, sc Scenario, opt Options) (*Simulations, error) {
	if err := checkScenario(sc, opt); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	size := sc.Size(opt.Level)
	start := time.Now()
	out := &Simulations{Scenario: sc.Name, Level: opt.Level, Seed: opt.Seed}
	for vi, v := range sc.Variants {
		p := sc.Problem(v, opt.Level)
		var vs VariantSims
		for _, dim := range size.Dims {
			t0 := time.Now()
			seed := mixSeed(opt.Seed, sc.Name, uint64(vi), uint64(dim.D))
			stage := fmt.Sprintf("%s %s: simulate d=%d", sc.Name, v.Label, dim.D)
			ens, err := simulateEnsemble(ctx, p, dim, sc.Every, size.Coarsen, seed, opt, stage)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: simulate d=%d: %w", sc.Name, v.Label, dim.D, err)
			}
			vs.Steps, vs.Times = ens.Steps, ens.Times
			if sc.Flow {
				// The same records at η/2, every 2·Every of its steps, with
				// the same seed: each seed's data and initial weights are
				// those it has at η (sde.Simulate draws them from streams
				// of (seed, s) alone; full-batch GD draws nothing else).
				half := p
				half.Eta /= 2
				ensh, err := simulateEnsemble(ctx, half, dim, 2*sc.Every, size.Coarsen, seed, opt, stage+" η/2")
				if err != nil {
					return nil, fmt.Errorf("%s/%s: simulate d=%d at η/2: %w", sc.Name, v.Label, dim.D, err)
				}
				if ens, err = richardson(ens, ensh); err != nil {
					return nil, fmt.Errorf("%s/%s: d=%d: %w", sc.Name, v.Label, dim.D, err)
				}
			}
			n := p.Samples(dim.D)
			e := Ensemble{D: dim.D, N: n, Seeds: dim.Seeds, Seed: seed, Curves: map[dynamics.Observable]Curve{}}
			for _, o := range Observables() {
				m, se := ens.MeanSE(o)
				if o == dynamics.TrainErr && binaryLabels(p) {
					se = floorSE(se, n*dim.Seeds) // a count; a real label's training MSE is not
				}
				e.Curves[o] = Curve{m, se}
			}
			e.Wall = time.Since(t0)
			vs.Ensembles = append(vs.Ensembles, e)
		}
		out.Variants = append(out.Variants, vs)
	}
	out.Wall = time.Since(start)
	return out, nil
}

// simulateEnsemble simulates the problem at one dimension.
func simulateEnsemble(ctx context.Context, p dynamics.Problem, dim Dimension, every int, co sde.Coarsening, seed uint64, opt Options, stage string) (*sde.Ensemble, error) {
	return sde.Simulate(ctx, p, sde.Settings{
		D: dim.D, Seeds: dim.Seeds, Workers: opt.Workers, Every: every, Coarsen: co,
		TestSamples: -1, // the compared test quantities are closed forms given (m, Ctt)
		Seed:        seed,
		Progress:    progress(opt, stage),
	})
}

// richardson returns the η → 0 extrapolation 2·y(η/2) − y(η) of each
// seed's record, from ensembles at η and η/2 with the same seeds, exact for
// an error linear in η (GD's, against gradient flow). The seeds stay
// independent, so the ensemble's standard errors are those of the
// extrapolated records; as each seed runs the same data from the same
// start at both steps, its two records nearly coincide, and the
// extrapolation's variance is about a single run's (independent ensembles
// would give 4s²(η/2) + s²(η), five times that).
func richardson(eta, half *sde.Ensemble) (*sde.Ensemble, error) {
	if len(half.Times) != len(eta.Times) || len(half.Seeds) != len(eta.Seeds) {
		return nil, fmt.Errorf("%d records of %d seeds at η/2, %d of %d at η", len(half.Times), len(half.Seeds), len(eta.Times), len(eta.Seeds))
	}
	for j, t := range eta.Times {
		if math.Abs(half.Times[j]-t) > 1e-9*math.Max(1, t) {
			return nil, fmt.Errorf("record %d at t = %v at η/2, %v at η", j, half.Times[j], t)
		}
	}
	out := &sde.Ensemble{Times: eta.Times, Steps: eta.Steps, Seeds: make([]sde.Trajectory, len(eta.Seeds))}
	for s, tr := range eta.Seeds {
		for o := range tr.Obs {
			y, yh := tr.Obs[o], half.Seeds[s].Obs[o]
			if y == nil {
				continue
			}
			x := make([]float64, len(y))
			for j := range x {
				x[j] = 2*yh[j] - y[j]
			}
			out.Seeds[s].Obs[o] = x
		}
	}
	return out, nil
}

// Judge solves the references of every variant of the scenario (the DMFT,
// and the exact theory where the scenario has one), perturbed as
// opt.Perturb and opt.ReferenceProblem ask, and judges the simulations
// against them by the verdict rule of the package documentation. The
// simulations must come from Simulate with the same scenario and level.
func Judge(ctx context.Context, sc Scenario, sims *Simulations, opt Options) (*Result, error) {
	if err := checkScenario(sc, opt); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	if sims.Scenario != sc.Name || sims.Level != opt.Level || len(sims.Variants) != len(sc.Variants) {
		return nil, fmt.Errorf("validation: simulations of %s at level %v, want %s at level %v", sims.Scenario, sims.Level, sc.Name, opt.Level)
	}
	start := time.Now()
	res := &Result{Scenario: sc.Name, Description: sc.Description, Level: opt.Level, Seed: opt.Seed,
		Perturb: opt.Perturb, Transformed: opt.ReferenceProblem != nil, Pass: true}
	for vi, v := range sc.Variants {
		vr, err := judgeVariant(ctx, sc, v, sims.Variants[vi], opt, uint64(vi))
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", sc.Name, v.Label, err)
		}
		res.Variants = append(res.Variants, *vr)
		res.Pass = res.Pass && vr.Pass
	}
	res.Wall = sims.Wall + time.Since(start)
	return res, nil
}

func judgeVariant(ctx context.Context, sc Scenario, v Variant, vs VariantSims, opt Options, vi uint64) (*VariantResult, error) {
	size := sc.Size(opt.Level)
	prob := sc.Problem(v, opt.Level)
	ref := prob
	if opt.ReferenceProblem != nil {
		ref = opt.ReferenceProblem(ref)
		if err := ref.Validate(); err != nil {
			return nil, fmt.Errorf("reference problem: %w", err)
		}
		if ref.Steps() != prob.Steps() || ref.Eta != prob.Eta {
			return nil, fmt.Errorf("reference problem: η = %v with %d steps, want the simulated η = %v with %d steps", ref.Eta, ref.Steps(), prob.Eta, prob.Steps())
		}
	}
	vr := &VariantResult{Label: v.Label, Problem: prob, Reference: ref, Times: vs.Times, Sims: vs.Ensembles,
		DMFT: map[dynamics.Observable]Curve{}, DMFTSeed: mixSeed(opt.Seed, sc.Name, vi, 0)}

	t0 := time.Now()
	set := dmft.Settings{
		Samples: size.Samples, Batches: size.Batches, Workers: opt.Workers, Seed: vr.DMFTSeed, Perturb: opt.Perturb,
		Progress: progress(opt, sc.Name+" "+v.Label+": dmft"),
	}
	if sc.Flow {
		set.Grid = dmft.Adaptive{Tol: size.Tol, Times: vs.Times[1:]} // the grid passes through every record
	}
	sol, err := dmft.Solve(ctx, ref, set)
	if err != nil {
		return nil, fmt.Errorf("dmft: %w", err)
	}
	vr.DMFTWall = time.Since(t0)
	vr.DMFTSamples, vr.DMFTBatches = sol.Stats.Samples, sol.Stats.Batches
	dispTimes := allTimes(len(vs.Times))[1:] // the displacement is zero at the first record, exactly
	if sc.Flow {
		if dispTimes, err = flowCurves(vr, sol, vs.Times); err != nil {
			return nil, err
		}
	} else {
		for _, o := range Observables() {
			if o == dynamics.Disp {
				vr.DMFT[o] = displacements(sol, vs.Steps)
				continue
			}
			m, se := sol.MeanSE(o)
			vr.DMFT[o] = Curve{pick(m, vs.Steps), pick(se, vs.Steps)}
		}
	}
	dmftDF := float64(sol.Stats.Batches - 1)
	if sol.Stats.Method == "exact" {
		dmftDF = math.Inf(1) // no Monte-Carlo error
	}

	nt := len(vs.Times)
	var refs []refCurve
	for _, o := range Observables() {
		times := allTimes(nt)
		if o == dynamics.Disp {
			if times = dispTimes; len(times) == 0 {
				continue
			}
		}
		refs = append(refs, refCurve{o, DMFT, vr.DMFT[o], dmftDF, times})
	}
	switch sc.Oracle {
	case SquareFlow:
		th, err := squareCurves(ref, vs.Times)
		if err != nil {
			return nil, err
		}
		vr.Theory = th
		for _, o := range Observables() {
			if c, ok := th[o]; ok {
				refs = append(refs, refCurve{o, Theory, c, math.Inf(1), allTimes(nt)})
			}
		}
	case ERMLimit:
		e, err := ermLimit(ref)
		if err != nil {
			return nil, err
		}
		vr.ERM = e
		for _, o := range Observables() {
			if x, ok := e[o]; ok {
				c := Curve{Mean: make([]float64, nt), SE: make([]float64, nt)}
				c.Mean[nt-1] = x
				refs = append(refs, refCurve{o, ERM, c, math.Inf(1), []int{nt - 1}})
			}
		}
	}
	vr.Checks, vr.Comparisons, vr.Pass = judge(vs, refs)
	return vr, nil
}

// refCurve is a reference for one observable: its curve at the recorded
// times, the degrees of freedom of its standard errors and the time
// indices at which it is compared.
type refCurve struct {
	o     dynamics.Observable
	r     Reference
	curve Curve
	df    float64
	times []int
}

// judge applies the verdict rule to the simulations of a variant against
// its references: one check per reference curve, each comparison at the
// Bonferroni level FamilyAlpha/n with n the number of comparisons.
func judge(vs VariantSims, refs []refCurve) (checks []Check, n int, pass bool) {
	for _, r := range refs {
		n += len(r.times)
	}
	pass = true
	for _, r := range refs {
		c := check(r.o, r.r, vs, r.curve, r.df, r.times, n)
		pass = pass && c.Pass
		checks = append(checks, c)
	}
	return checks, n, pass
}

// check compares the simulations of observable o with the reference curve
// ref (standard errors with refDF degrees of freedom) at the given time
// indices; n is the variant's number of comparisons.
func check(o dynamics.Observable, r Reference, vs VariantSims, ref Curve, refDF float64, times []int, n int) Check {
	c := Check{Observable: o, Reference: r, WorstZ: make([]float64, len(vs.Ensembles))}
	worstP := math.Inf(1)
	pts := make([]Point, len(vs.Ensembles))
	for _, j := range times {
		for i, e := range vs.Ensembles {
			cu := e.Curves[o]
			pts[i] = Point{D: e.D, Seeds: e.Seeds, Mean: cu.Mean[j], SE: cu.SE[j]}
			df := float64(e.Seeds - 1)
			z := math.Abs(Compare(Extrapolation{A: cu.Mean[j], SEA: cu.SE[j], DF: df, WelchDF: df}, ref.Mean[j], ref.SE[j], refDF).Z)
			if z > c.WorstZ[i] || math.IsNaN(z) {
				c.WorstZ[i] = z
			}
		}
		cmp := Compare(Extrapolate(pts), ref.Mean[j], ref.SE[j], refDF)
		if p := cmp.P(); p < worstP {
			worstP, c.Worst, c.Time = p, cmp, vs.Times[j]
		}
	}
	c.Alpha = FamilyAlpha / float64(n)
	c.Pass = worstP >= c.Alpha
	return c
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

// flowCurves sets the DMFT curves of vr from the adaptive-grid solution
// sol at the recorded times, which its grid contains (dmft.Adaptive.Times),
// and returns the record indices at which the displacement is compared:
// none (its DMFT curve is NaN).
func flowCurves(vr *VariantResult, sol *dmft.Solution, times []float64) ([]int, error) {
	// The grid lands on each record time as tₙ + (t − tₙ), exact or within
	// an ulp of t.
	find := func(grid []float64, t float64) int {
		i := sort.SearchFloat64s(grid, t*(1-1e-12))
		if i < len(grid) && math.Abs(grid[i]-t) <= 1e-12*math.Max(1, t) {
			return i
		}
		return -1
	}
	idx := make([]int, len(times))
	for j, t := range times {
		if idx[j] = find(sol.Times, t); idx[j] < 0 {
			return nil, fmt.Errorf("dmft: the adaptive grid misses the record time %v", t)
		}
	}
	for _, o := range Observables() {
		if o == dynamics.Disp {
			continue
		}
		m, se := sol.MeanSE(o)
		vr.DMFT[o] = Curve{pick(m, idx), pick(se, idx)}
	}
	// No displacement: the grid's local error control bounds the error of
	// C(t,t′) by Tol·max(1, |C|), far above the displacement it would be
	// the difference of late in the run (4e-4 over a unit of time at t = 20
	// on two-cluster-logistic-longtime, with C(t,t) ≈ 6): the true DMFT at
	// Tol = 1e-3 failed it with |z| = 12.
	n := len(times)
	disp := Curve{Mean: make([]float64, n), SE: make([]float64, n)}
	for j := range n {
		disp.Mean[j], disp.SE[j] = math.NaN(), math.NaN()
	}
	var dispTimes []int
	vr.DMFT[dynamics.Disp] = disp
	return dispTimes, nil
}

// displacements returns the DMFT's displacement between consecutive
// recorded steps, the simulator's dynamics.Disp (zero at the first).
func displacements(sol *dmft.Solution, steps []int) Curve {
	c := Curve{Mean: make([]float64, len(steps)), SE: make([]float64, len(steps))}
	for j := 1; j < len(steps); j++ {
		c.Mean[j], c.SE[j] = sol.Displacement(steps[j], steps[j-1])
	}
	return c
}

func pick(x []float64, steps []int) []float64 {
	out := make([]float64, len(steps))
	for i, k := range steps {
		out[i] = x[k]
	}
	return out
}

// mixSeed derives independent seeds for each scenario, variant, DMFT
// (d = 0) and dimension, so that no two ensembles share random numbers.
func mixSeed(seed uint64, scenario string, variant, d uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(scenario))
	a, _ := rng.Seeds(seed, h.Sum64(), variant, d)
	return a
}

// binaryLabels reports whether the problem's labels are ±1 (a mixture, or
// a teacher with a Binary link), so that its training error is a count.
func binaryLabels(p dynamics.Problem) bool { return p.Teacher == nil || p.Teacher.Link.Binary() }

// squareCurves returns the exact square-loss GD curves at the given times:
// theory.SquareGD for a mixture, theory.TeacherSquare for a teacher
// (teacherSquareCurves).
func squareCurves(p dynamics.Problem, times []float64) (map[dynamics.Observable]Curve, error) {
	if p.Teacher != nil {
		return teacherSquareCurves(p, times)
	}
	sq := theory.SquareGD{Alpha: p.Alpha, Delta: p.Model.Delta, Lambda: p.Lambda, C0: p.C0, Eta: p.Eta}
	pts, err := sq.Curve(nil, times)
	if err != nil {
		return nil, fmt.Errorf("theory: %w", err)
	}
	n := len(times)
	out := map[dynamics.Observable]Curve{}
	for _, o := range []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TestErr} {
		c := Curve{Mean: make([]float64, n), SE: make([]float64, n)}
		for i, pt := range pts {
			switch o {
			case dynamics.M:
				c.Mean[i] = pt.M
			case dynamics.Ctt:
				c.Mean[i] = pt.Ctt
			case dynamics.TrainLoss:
				c.Mean[i] = pt.TrainLoss
			case dynamics.TestErr:
				c.Mean[i] = pt.TestErr
			}
		}
		out[o] = c
	}
	return out, nil
}

// ermLimit returns the ridge ERM fixed point of a full-batch problem:
// theory.ERM for a mixture, theory.TeacherERM for a teacher
// (teacherERMLimit).
func ermLimit(p dynamics.Problem) (map[dynamics.Observable]float64, error) {
	if p.Teacher != nil {
		return teacherERMLimit(p)
	}
	r, err := theory.ERM{Model: p.Model, Alpha: p.Alpha, Lambda: p.Lambda, Loss: p.Loss.Margin}.Solve()
	if err != nil {
		return nil, fmt.Errorf("theory: %w", err)
	}
	return map[dynamics.Observable]float64{
		dynamics.M: r.M, dynamics.Ctt: r.Ctt, dynamics.TrainLoss: r.TrainLoss,
		dynamics.TrainErr: r.TrainErr, dynamics.TestErr: r.TestErr,
	}, nil
}
