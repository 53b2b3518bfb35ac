package sde

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/integrators"
	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/internal/stats"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
	"golang.org/x/sync/errgroup"
)

// Settings controls a finite-d simulation. Zero values mean the defaults.
type Settings struct {
	D           int // dimension d; default 1000
	Seeds       int // ensemble size; default 8
	Workers     int // parallel workers; default runtime.GOMAXPROCS(0)
	Every       int // record every Every steps (and the last); default 1
	TestSamples int // fresh test samples per seed; default 10000, negative for none
	// RawCentroid keeps the raw draw of v* instead of |v*|² = d (for a
	// teacher, h0 then has variance |v*|²/d, which the closed forms take as 1).
	RawCentroid bool
	Integrator  integrators.Method // default Euler (the SGD recursion itself)
	// Float32 stores the data matrix in float32: a step is bound by memory
	// bandwidth, so this halves its cost. Each entry of X is rounded by at
	// most 2⁻²⁴ relative, an O(1e-7) perturbation of the data; products and
	// sums stay in float64. Run.Data.X (Run.Teacher.X) is then nil.
	Float32 bool
	// Threads is the number of goroutines sharing one run's step; default
	// max(1, Workers/Seeds). Results do not depend on it.
	Threads int
	// Coarsen raises the step of full-batch GD once the dynamics has
	// slowed, for runs that approximate gradient flow (Coarsening).
	Coarsen Coarsening
	Seed    uint64 // master seed; seed s of the ensemble uses streams (Seed, s, ·)
	// Progress, if not nil, is called with the number of steps done over the
	// whole ensemble and the total; it may be called from several goroutines.
	Progress func(done, total int64)
}

func (s Settings) withDefaults() Settings {
	if s.D == 0 {
		s.D = 1000
	}
	if s.Seeds == 0 {
		s.Seeds = 8
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	if s.Every == 0 {
		s.Every = 1
	}
	if s.TestSamples == 0 {
		s.TestSamples = 10000
	}
	if s.Threads == 0 {
		s.Threads = max(1, s.Workers/s.Seeds)
	}
	return s
}

// Coarsening makes full-batch GD's step η up to time From and Factor·η
// after it. GD at step h follows gradient flow up to O(h), an error that
// dies out as the run converges (GD's fixed points are the flow's), so
// once the flow has slowed, a larger step reaches long times at a fraction
// of the cost. Its error stays linear in η (the global error of steps
// η·g(t) is η·e(t) + O(η²)), so runs at η and η/2 with the same Coarsening
// extrapolate to η → 0 as uniform ones do. Only full-batch GD can be
// coarsened: the selection processes of SGD are defined per step of η.
// The zero value (or Factor 1) coarsens nothing.
type Coarsening struct {
	From   float64 // the time of the switch, a multiple of η, at most T
	Factor int     // the late step in units of η, at least 1
}

// active reports whether c changes the step.
func (c Coarsening) active() bool { return c.Factor > 1 }

// Steps returns the number of steps of p under c.
func (c Coarsening) Steps(p dynamics.Problem) int {
	k, _ := c.steps(p)
	return k
}

// steps returns the number of steps of p under c and the step k1 at which
// the step becomes Factor·η.
func (c Coarsening) steps(p dynamics.Problem) (k, k1 int) {
	k = p.Steps()
	if !c.active() {
		return k, k
	}
	k1 = int(math.Round(c.From / p.Eta))
	return k1 + (k-k1)/c.Factor, k1
}

// time returns the time after k steps, of which the first k1 are of η.
func (c Coarsening) time(p dynamics.Problem, k, k1 int) float64 {
	if k <= k1 {
		return float64(k) * p.Eta
	}
	return float64(k1)*p.Eta + float64((k-k1)*c.Factor)*p.Eta
}

// validate checks c against the problem it coarsens.
func (c Coarsening) validate(p dynamics.Problem) error {
	field := func(f string, v any, want string) error {
		return &dynamics.FieldError{Pkg: "sde", Field: "Coarsen." + f, Value: v, Want: want}
	}
	if c.Factor < 0 {
		return field("Factor", c.Factor, "at least 1 (0: no coarsening)")
	}
	if !c.active() {
		return nil
	}
	sel, err := p.Selection()
	if err != nil {
		return err
	}
	if !sel.Full() || p.Algo != dynamics.GD {
		return field("Factor", c.Factor, fmt.Sprintf("1 for %v: only full-batch gd can be coarsened", p.Algo))
	}
	k1 := c.From / p.Eta
	switch {
	case math.IsNaN(c.From) || c.From < 0 || c.From > p.T:
		return field("From", c.From, fmt.Sprintf("within [0, T = %v]", p.T))
	case math.Abs(k1-math.Round(k1)) > 1e-9*math.Max(1, k1):
		return field("From", c.From, fmt.Sprintf("a multiple of η = %v", p.Eta))
	case (p.Steps()-int(math.Round(k1)))%c.Factor != 0:
		return field("Factor", c.Factor, fmt.Sprintf("a divisor of the %d steps of η from From = %v to T = %v", p.Steps()-int(math.Round(k1)), c.From, p.T))
	}
	return nil
}

// Validate checks the settings after defaults, reporting the first bad
// field as a *dynamics.FieldError.
func (s Settings) Validate() error {
	s = s.withDefaults()
	atLeast1 := func(field string, v int) error {
		return &dynamics.FieldError{Pkg: "sde", Field: field, Value: v, Want: "at least 1"}
	}
	switch {
	case s.D < 1:
		return atLeast1("D", s.D)
	case s.Seeds < 1:
		return atLeast1("Seeds", s.Seeds)
	case s.Workers < 1:
		return atLeast1("Workers", s.Workers)
	case s.Threads < 1:
		return atLeast1("Threads", s.Threads)
	case s.Integrator != integrators.EulerMethod && s.Integrator != integrators.HeunMethod:
		return &dynamics.FieldError{Pkg: "sde", Field: "Integrator", Value: s.Integrator, Want: "integrators.EulerMethod or HeunMethod"}
	}
	return dynamics.ValidateEvery(s.Every)
}

// Trajectory is one seed's record.
type Trajectory struct {
	Obs [dynamics.NumObservables][]float64 // each indexed by record time
}

// Ensemble is the record of a simulation over seeds.
type Ensemble struct {
	Times []float64    // t_k at the recorded steps (kη unless coarsened)
	Steps []int        // the recorded k
	Seeds []Trajectory // one per seed, in seed order
}

// Mean returns the mean over seeds of an observable at each recorded time.
func (e *Ensemble) Mean(o dynamics.Observable) []float64 {
	m, _ := e.MeanSE(o)
	return m
}

// MeanSE returns the mean over seeds and its standard error (sample standard
// deviation/√seeds; NaN for a single seed).
func (e *Ensemble) MeanSE(o dynamics.Observable) (mean, se []float64) {
	rows := make([][]float64, len(e.Seeds))
	for i, tr := range e.Seeds {
		rows[i] = tr.Obs[o]
	}
	return stats.MeanSE(rows)
}

// Simulate runs the ensemble of finite-d simulations of p. Seed s of the
// ensemble draws its data, initial weights, selections and test set from
// streams derived from (set.Seed, s), so results do not depend on
// set.Workers. A run whose weights blow up returns an error naming the seed
// and step. ctx cancels the run.
func Simulate(ctx context.Context, p dynamics.Problem, set Settings) (*Ensemble, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	if err := set.Coarsen.validate(p); err != nil {
		return nil, err
	}
	set = set.withDefaults()
	k, k1 := set.Coarsen.steps(p)
	ens := &Ensemble{Steps: dynamics.RecordSteps(k, set.Every), Seeds: make([]Trajectory, set.Seeds)}
	for _, s := range ens.Steps {
		ens.Times = append(ens.Times, set.Coarsen.time(p, s, k1))
	}
	var done atomic.Int64
	total := int64(k) * int64(set.Seeds)
	tick := func(n int) {
		if set.Progress != nil {
			set.Progress(done.Add(int64(n)), total)
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(set.Workers)
	for s := range set.Seeds {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			tr, err := runSeed(ctx, p, set, uint64(s), ens.Steps, tick)
			if err != nil {
				return err
			}
			ens.Seeds[s] = *tr
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ens, nil
}

// Stream indices of a seed's random streams.
const (
	streamData = iota
	streamInit
	streamSelect
	streamTest
)

// NewRun draws seed s of the ensemble: data, initial weights and selection
// state, from streams (set.Seed, s, ·). It is exported for tests and
// benchmarks that drive the recursion step by step.
func NewRun(p dynamics.Problem, set Settings, s uint64) (*Run, error) {
	if err := set.Coarsen.validate(p); err != nil {
		return nil, err
	}
	set = set.withDefaults()
	d := set.D
	// The data matrix, labels and direction v* of either data model.
	var (
		x, y, vstar []float64
		lossFn      = teacher.Loss{Fn: p.Loss} // the margin loss: ±1 labels
		ds          *mixture.Dataset
		tds         *teacher.Dataset
		err         error
	)
	if p.Teacher != nil {
		if lossFn, err = teacher.NewLoss(*p.Teacher, p.Loss); err != nil {
			return nil, err
		}
		tds, err = p.Teacher.Sample(d, p.Samples(d), set.RawCentroid, rng.New(set.Seed, s, streamData))
		if err != nil {
			return nil, err
		}
		x, y, vstar = tds.X, tds.Y, tds.Vstar
	} else {
		ds, err = p.Model.Sample(d, p.Samples(d), set.RawCentroid, rng.New(set.Seed, s, streamData))
		if err != nil {
			return nil, err
		}
		x, y, vstar = ds.X, ds.Y, ds.Vstar
	}
	n := len(y)
	sel, err := p.Selection()
	if err != nil {
		return nil, err
	}
	r := &Run{
		P: p, Data: ds, Teacher: tds, Sel: sel,
		W:     make([]float64, d),
		S:     make([]bool, n),
		R:     make([]float64, n),
		y:     y,
		vstar: vstar,
		loss:  lossFn,
		rnd:   rng.New(set.Seed, s, streamSelect),
		integ: set.Integrator.New(),
		isd:   1 / math.Sqrt(float64(d)),
		h:     p.Eta,
		co:    set.Coarsen,
	}
	_, r.k1 = set.Coarsen.steps(p)
	if set.Float32 {
		x32 := make([]float32, len(x))
		for i, v := range x {
			x32[i] = float32(v)
		}
		if ds != nil {
			ds.X = nil
		} else {
			tds.X = nil
		}
		r.pass = newChunkedPass(x32, d, set.Threads)
	} else {
		r.pass = newChunkedPass(x, d, set.Threads)
	}
	// w_0 = m_0 v* + √(C_0 − m_0²) ξ, ξ ~ N(0, I_d).
	ri := rng.New(set.Seed, s, streamInit)
	sd := math.Sqrt(p.C0 - p.M0*p.M0)
	for i := range r.W {
		r.W[i] = p.M0*vstar[i] + sd*ri.NormFloat64()
	}
	sel.Start(r.S, r.rnd)
	if !sel.Full() {
		r.sel = r.S
	}
	if p.Teacher == nil {
		r.deriv = func(mu int, rm float64) float64 { return p.Loss.Deriv(y[mu], rm) }
	} else {
		r.deriv = func(mu int, rm float64) float64 { return lossFn.Deriv(y[mu], rm) }
	}
	r.grad = func(dst, w []float64) {
		var rr []float64
		if r.wantR {
			rr, r.wantR = r.R, false
		}
		r.pass.run(dst, rr, w, r.sel, r.isd, r.deriv)
		if p.Lambda != 0 {
			axpy(p.Lambda, w, dst)
		}
	}
	return r, nil
}

// Run is the state of one finite-d simulation.
type Run struct {
	P dynamics.Problem
	// Data is the mixture's sample (nil when P.Teacher is set), Teacher the
	// teacher–student sample (nil for a mixture). Their X is nil with
	// Settings.Float32.
	Data    *mixture.Dataset
	Teacher *teacher.Dataset
	Sel     dynamics.Chain
	W       []float64 // current weights w_k
	S       []bool    // current selection s_k
	R       []float64 // pre-activations r_k of all samples, valid after Step(true) or Fields

	y, vstar []float64    // the labels and v* of Data or Teacher
	loss     teacher.Loss // the per-sample loss and error (the margin loss for ±1 labels)
	rnd      *rand.Rand
	sel      []bool // nil for full batch
	integ    integrators.Integrator
	pass     stepPass
	isd      float64
	wantR    bool
	k        int        // steps done
	h        float64    // the current step
	co       Coarsening // the step schedule
	k1       int        // the step from which h = co.Factor·η
	deriv    func(mu int, r float64) float64
	grad     integrators.Gradient
}

// Step advances w_k to w_{k+1} with the current selection, then draws the
// next selection. If fields is true, R holds r_k of every sample afterwards.
func (r *Run) Step(fields bool) {
	if r.k == r.k1 && r.co.active() {
		r.h = float64(r.co.Factor) * r.P.Eta
	}
	r.wantR = fields
	r.integ.Step(r.W, r.h, r.grad)
	r.wantR = false
	r.k++
	if r.sel != nil {
		r.Sel.Advance(r.S, r.rnd)
	}
}

// Fields sets R to r_k = x_μ·w_k/√d for every sample, without stepping.
func (r *Run) Fields() {
	r.pass.fields(r.R, r.W, r.isd)
}

// testSet is a seed's fresh test sample. For a mixture, projections are
// computed as r = c m + √Δ (w·z)/√d, exactly the field of
// x = c v*/√d + √Δ z given that m = w·v*/d, so only the noise part is
// stored. For a teacher (c == nil), z holds the inputs x themselves and
// r = w·x/√d; the labels come from h0 = v*·x/√d computed from the stored
// (rounded) x, so that identity is exact for the test set used. It is stored in float32:
// evaluating it at every record is a pass over n_test·d numbers, bound by
// memory bandwidth, and rounding a standard Gaussian draw to 24 bits leaves
// an i.i.d. Gaussian test set to 1e-7, far below the Monte-Carlo error of
// the empirical test error it serves.
type testSet struct {
	c, y []float64
	z    []float32 // n×d noise, row-major
	proj []float64 // scratch: (w·z_μ)/√d
}

func newTestSet(p dynamics.Problem, vstar []float64, d, n int, rnd *rand.Rand) *testSet {
	if p.Teacher != nil {
		return newTeacherTestSet(*p.Teacher, vstar, n, rnd)
	}
	ts := &testSet{c: make([]float64, n), y: make([]float64, n), z: make([]float32, n*d), proj: make([]float64, n)}
	for mu := range ts.c {
		cl := p.Model.Clusters[p.Model.Draw(rnd)]
		ts.c[mu], ts.y[mu] = cl.C, cl.Label
	}
	for i := range ts.z {
		ts.z[i] = float32(rnd.NormFloat64())
	}
	return ts
}

// newTeacherTestSet draws n fresh samples of teacher tm: for each, its row
// x (d standard normals, rounded to float32), then its label noise; the
// label is that of h0 = v*·x/√d computed from the rounded row.
func newTeacherTestSet(tm teacher.Model, vstar []float64, n int, rnd *rand.Rand) *testSet {
	d := len(vstar)
	ts := &testSet{y: make([]float64, n), z: make([]float32, n*d), proj: make([]float64, n)}
	isd := 1 / math.Sqrt(float64(d))
	for mu := range n {
		row := ts.z[mu*d : (mu+1)*d]
		h := 0.0
		for i := range row {
			row[i] = float32(rnd.NormFloat64())
			h += vstar[i] * float64(row[i])
		}
		ts.y[mu] = tm.Link.Label(h*isd, rnd.NormFloat64(), tm.Noise)
	}
	return ts
}

// observeWeights fills record j of tr with the quantities of w_k alone:
// m, Ctt and the test quantities.
func (r *Run) observeWeights(tr *Trajectory, j int, ts *testSet) {
	d := float64(len(r.W))
	m := dot(r.W, r.vstar) / d
	q := dot(r.W, r.W) / d
	fn := r.P.Loss
	tr.Obs[dynamics.M][j], tr.Obs[dynamics.Ctt][j] = m, q
	if tm := r.P.Teacher; tm != nil {
		tr.Obs[dynamics.TestErr][j] = theory.TeacherTestError(*tm, fn.Output, m, q)
		tr.Obs[dynamics.TestLoss][j] = theory.TeacherTestLoss(*tm, fn, m, q)
	} else {
		tr.Obs[dynamics.TestErr][j] = theory.TestError(r.P.Model, fn.Output, m, q, 0)
		tr.Obs[dynamics.TestLoss][j] = theory.TestLoss(r.P.Model, fn, m, q, 0)
	}
	if ts == nil {
		tr.Obs[dynamics.TestErrEmp][j], tr.Obs[dynamics.TestLossEmp][j] = math.NaN(), math.NaN()
		return
	}
	if ts.c == nil { // teacher: r = w·x/√d
		project(ts.proj, ts.z, r.W, r.isd)
		var tl, te float64
		for mu, rm := range ts.proj {
			lm, _, _ := r.loss.Eval(ts.y[mu], rm)
			tl += lm
			te += r.loss.Error(ts.y[mu], rm)
		}
		nt := float64(len(ts.y))
		tr.Obs[dynamics.TestErrEmp][j], tr.Obs[dynamics.TestLossEmp][j] = te/nt, tl/nt
		return
	}
	project(ts.proj, ts.z, r.W, math.Sqrt(r.P.Model.Delta)*r.isd)
	var tl, te float64
	for mu, c := range ts.c {
		rm := c*m + ts.proj[mu]
		lm, _, _ := fn.Eval(ts.y[mu], rm)
		tl += lm
		te += fn.Error(ts.y[mu], rm)
	}
	nt := float64(len(ts.c))
	tr.Obs[dynamics.TestErrEmp][j], tr.Obs[dynamics.TestLossEmp][j] = te/nt, tl/nt
}

// observeDisp records the displacement |w_k − prev|²/d since the previous
// record (zero at the first) and sets prev to w_k.
func (r *Run) observeDisp(tr *Trajectory, j int, prev []float64) {
	var s float64
	if j > 0 {
		for i, w := range r.W {
			s += (w - prev[i]) * (w - prev[i])
		}
	}
	tr.Obs[dynamics.Disp][j] = s / float64(len(r.W))
	copy(prev, r.W)
}

// observeFields fills record j of tr with the training loss and error from R
// (for real labels the error is the squared error, teacher.Loss.Error).
func (r *Run) observeFields(tr *Trajectory, j int) {
	var l, e float64
	for mu, rm := range r.R {
		lm, _, _ := r.loss.Eval(r.y[mu], rm)
		l += lm
		e += r.loss.Error(r.y[mu], rm)
	}
	n := float64(len(r.R))
	tr.Obs[dynamics.TrainLoss][j], tr.Obs[dynamics.TrainErr][j] = l/n, e/n
}

// check returns an error if w_k is not finite or has blown up.
func (r *Run) check(seed uint64, k int) error {
	q := dot(r.W, r.W) / float64(len(r.W))
	if math.IsNaN(q) || q > blowUp {
		return fmt.Errorf("sde: seed %d diverged at step %d (t = %g): |w|²/d = %v", seed, k, r.co.time(r.P, k, r.k1), q)
	}
	return nil
}

// blowUp bounds |w|²/d: beyond it the run is declared divergent (no
// convergent run of this model comes near it).
const blowUp = 1e150

func runSeed(ctx context.Context, p dynamics.Problem, set Settings, s uint64, steps []int, tick func(int)) (*Trajectory, error) {
	r, err := NewRun(p, set, s)
	if err != nil {
		return nil, err
	}
	var ts *testSet
	if set.TestSamples > 0 {
		ts = newTestSet(p, r.vstar, set.D, set.TestSamples, rng.New(set.Seed, s, streamTest))
	}
	tr := &Trajectory{}
	for o := range tr.Obs {
		tr.Obs[o] = make([]float64, len(steps))
	}
	prev := make([]float64, len(r.W)) // w at the previous record
	k, last := 0, steps[len(steps)-1]
	const tickEvery = 16
	step := func(fields bool) error {
		r.Step(fields)
		k++
		if err := r.check(s, k); err != nil {
			return err
		}
		if k%tickEvery == 0 {
			tick(tickEvery)
			return ctx.Err()
		}
		return nil
	}
	for j, rec := range steps {
		for k < rec {
			if err := step(false); err != nil {
				return nil, err
			}
		}
		r.observeWeights(tr, j, ts)
		r.observeDisp(tr, j, prev)
		if k == last {
			r.Fields()
			r.observeFields(tr, j)
			break
		}
		// The next step's gradient pass computes r_k of every sample, so
		// recording costs no extra pass over X.
		if err := step(true); err != nil {
			return nil, err
		}
		r.observeFields(tr, j)
	}
	tick(k % tickEvery)
	return tr, nil
}
