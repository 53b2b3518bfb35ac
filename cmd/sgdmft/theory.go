package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
)

// theoryParams are the flags of sgdmft theory.
//
//	sgdmft theory                                  # square-loss GD, the d = ∞ limit of simulate --loss square
//	sgdmft theory --eta 0 --T 20                   # gradient flow
//	sgdmft theory --kind erm --loss logistic --lambda 0.1 --bias
//	sgdmft theory --kind erm --loss logistic --lambda 0.01 --alpha 0.01:5:50:log   # a learning curve
//	sgdmft theory --kind max-margin --alpha 0.1,0.5,1,2 --bias
//	sgdmft theory --data teacher-student --link linear --m0 0.2 --C0 1.04   # theory_teacher.go
//
// square-flow writes t.npy, m.npy, Ctt.npy, train_loss.npy, test_err.npy and
// meta.json. erm and max-margin solve at each value of the one parameter
// given as a list or range (--alpha, --lambda, --delta or --rho), in order,
// each point started from the previous one, and write a .npy array per
// parameter and per observable (one entry per point) and erm.json or
// max-margin.json. In Python:
//
//	t, m = np.load("out/theory/t.npy"), np.load("out/theory/m.npy")
//	alpha, err = np.load("out/theory/alpha.npy"), np.load("out/theory/test_err.npy")
//	erm = json.load(open("out/theory/erm.json"))  # one point: {"m": …}; a curve: {"param": "alpha", "points": [{…}, …]}
type theoryParams struct {
	modelParams // Loss, and the square-flow flags Eta, T, Every, C0; Alpha, Delta, Rho, Lambda are set from the lists below
	Kind        string
	Dt          float64
	Bias        bool
	Out         string

	alpha, delta, rho, lambda paramValues
}

// theoryKind is a closed form of --kind, with the flags among kindFlags
// that it uses, and its runs for the two-cluster model and for the
// teacher–student model (nil: not available for it).
type theoryKind struct {
	name         string
	flags        []string
	run, teacher func(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error
}

var theoryKinds = []theoryKind{
	{"square-flow", []string{"loss", "lambda", "m0", "C0", "eta", "dt", "T", "every"}, squareFlow, teacherSquareFlow},
	{"erm", []string{"loss", "lambda", "bias"}, erm, teacherERM},
	{"max-margin", []string{"bias"}, maxMargin, nil},
}

// kindFlags are the flags that only some kinds use.
var kindFlags = []string{"loss", "lambda", "m0", "C0", "eta", "dt", "T", "every", "bias"}

// dataOnly are the flags that only one data model uses in theory, with the
// reason given when the other is chosen.
var dataOnly = []struct {
	flag, data, why string
}{
	{"rho", "two-cluster", "it is for two-cluster"},
	{"delta", "two-cluster", "it is for two-cluster"},
	{"bias", "two-cluster", "the teacher's ERM has no bias"},
	{"link", "teacher-student", "it is for teacher-student"},
	{"label-noise", "teacher-student", "it is for teacher-student"},
	{"m0", "teacher-student", "the two-cluster square-flow starts from isotropic weights, m0 = 0"},
}

// curveParams are the flags that take a list or range of values, for erm
// and max-margin.
var curveParams = []string{"alpha", "lambda", "delta", "rho"}

func init() {
	register(command{"theory", "closed forms at d = ∞: square-loss GD curves, ridge ERM, max margin", runTheory})
	flagSets["theory"] = func() *cmdFlags { f, _ := theoryFlags(io.Discard); return f }
}

func theoryFlags(stderr io.Writer) (*cmdFlags, *theoryParams) {
	f := newCmdFlags("theory", `usage: sgdmft theory [--kind square-flow|erm|max-margin] [flags]

Closed forms at d = ∞ (spec theory.md) for the two-cluster model (c = y = ±1)
and the teacher–student model (--data teacher-student).
  square-flow: full-batch GD on the square loss without bias, from isotropic
    weights (m0 = 0): discrete GD at t = kη (the d = ∞ limit of
    sgdmft simulate --loss square), or with --eta 0 gradient flow on the grid
    t = k·dt. Writes t.npy, m.npy, Ctt.npy, train_loss.npy, test_err.npy and
    meta.json. For teacher-student, any --link (reduced exactly to a linear
    teacher) from w0 with overlap --m0 and norm --C0, plus test_mse.npy and
    test_loss.npy: for real labels (linear, relu) test_err.npy and
    train_err.npy are the test and training mean squared errors (as in
    simulate); for the sign teacher test_err.npy is the classification
    error and train_err.npy is NaN (no closed form). meta.json holds the
    t → ∞ limit.
  erm: the ridge ERM fixed point, the long-time limit of full-batch GD,
    solved to a residual |F(x) − x| < 1e-11 (reported). Writes erm.json (m,
    Ctt, bias, V, train_loss, train_err, test_err) and meta.json, and prints
    them. λ = 0 on separable data is an error pointing to max-margin.
  max-margin: the hard-margin SVM, the λ → 0⁺ limit of the ERM direction on
    separable data (α < α_c): overlap m/√q, margin κ, bias, test error,
    fraction of support vectors, and α_c. Writes max-margin.json.
  erm and max-margin accept a list a,b,c or a range lo:hi:n (n values,
  equally spaced; lo:hi:n:log equally spaced in log) for one parameter
  among alpha, lambda (erm), delta and rho, and solve along it by
  continuation, each point started from the previous one. Both write
  alpha.npy, lambda.npy (erm), delta.npy, rho.npy and a .npy per observable,
  one entry per point, and print a table for a list.
  erm for teacher-student: the ridge ERM fixed point without bias for the
    linear teacher (--loss square) and the sign teacher (any margin loss),
    along a list or range of alpha or lambda (each point solved on its
    own). Writes alpha.npy, lambda.npy, m, Ctt, V, train_loss, train_err,
    test_err, test_mse, residual, iterations (.npy) and erm.json; for the
    linear teacher train_err and test_err are mean squared errors.
    max-margin is for two-cluster only.
`, stderr)
	p := new(theoryParams)
	f.section("closed form")
	f.StringVar(&p.Kind, "kind", "square-flow", "square-flow, erm or max-margin")
	f.section("model")
	p.attach(f, "data")
	f.Lookup("data").Usage = "data model: two-cluster or teacher-student"
	f.valuesVar(&p.rho, "rho", "0.5", "`ρ`: two-cluster: P(y = +1), in (0, 1)")
	f.valuesVar(&p.delta, "delta", "0.5", "`Δ`: two-cluster: noise variance, > 0")
	f.valuesVar(&p.alpha, "alpha", "2", "`α`: sample ratio n/d, > 0")
	p.attach(f, "link", "label-noise")
	p.attach(f, "loss")
	f.setDefault("loss", "square")
	f.Lookup("loss").Usage = "loss: " + strings.Join(loss.MarginNames(), ", ") + " (square-flow: square only)"
	f.valuesVar(&p.lambda, "lambda", "0", "`λ`: ridge penalty, >= 0")
	f.section("square-flow")
	p.attach(f, "m0", "C0")
	f.Lookup("m0").Usage = "teacher-student: initial overlap m(0) = w0·v*/d (two-cluster starts at m0 = 0)"
	f.Lookup("C0").Usage = "initial norm C(0) = |w0|²/d, >= m0² (two-cluster: of isotropic weights, >= 0)"
	f.Float64Var(&p.Eta, "eta", 0.1, "learning rate η of discrete GD, > 0 and below the stability limit 2/ζ_max; 0: gradient flow")
	f.Float64Var(&p.Dt, "dt", 0.1, "gradient flow (--eta 0): time step of the output grid, > 0")
	p.attach(f, "T", "every")
	f.Lookup("T").Usage = "final time; the run has round(T/η) >= 1 steps (round(T/dt) for gradient flow)"
	f.section("erm and max-margin")
	f.BoolVar(&p.Bias, "bias", false, "fit a bias b")
	f.section("output")
	f.StringVar(&p.Out, "out", "out/theory", "output directory (written atomically)")
	f.configFlag()
	return f, p
}

func runTheory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, p := theoryFlags(stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	var names []string
	for _, k := range theoryKinds {
		names = append(names, k.name)
	}
	if p.Data != "two-cluster" && p.Data != "teacher-student" {
		return f.flagError("data", fmt.Errorf("theory's closed forms are for two-cluster and teacher-student"))
	}
	for _, d := range dataOnly {
		if err := f.only(d.flag, p.Data == d.data, fmt.Sprintf("to --data %s (%s)", p.Data, d.why)); err != nil {
			return err
		}
	}
	i := slices.IndexFunc(theoryKinds, func(k theoryKind) bool { return k.name == p.Kind })
	if i < 0 {
		return f.flagError("kind", fmt.Errorf("unknown closed form (allowed: %s)", strings.Join(names, ", ")))
	}
	teach := p.Data == "teacher-student"
	if teach && theoryKinds[i].teacher == nil {
		return f.flagError("kind", fmt.Errorf("not available for --data teacher-student (it has square-flow and erm)"))
	}
	for _, name := range kindFlags {
		var users []string
		for _, k := range theoryKinds {
			if slices.Contains(k.flags, name) {
				users = append(users, k.name)
			}
		}
		if err := f.only(name, slices.Contains(theoryKinds[i].flags, name), fmt.Sprintf("to --kind %s (it is for %s)", p.Kind, strings.Join(users, " and "))); err != nil {
			return err
		}
	}
	// One value each for square-flow; at most one list or range otherwise.
	var swept []string
	for _, name := range curveParams {
		if v := f.values(name); len(v.vals) > 1 {
			if p.Kind == "square-flow" {
				return usagef("%s: a list or range of values applies to --kind erm and max-margin", f.show(name))
			}
			swept = append(swept, name)
		}
	}
	if len(swept) > 1 {
		return usagef("%s and %s both list several values: solve along one parameter at a time", f.show(swept[0]), f.show(swept[1]))
	}
	p.Alpha, p.Delta, p.Rho, p.Lambda = p.alpha.vals[0], p.delta.vals[0], p.rho.vals[0], p.lambda.vals[0]
	if p.Out == "" {
		return usagef("--out: want a directory name")
	}
	if teach {
		return theoryKinds[i].teacher(ctx, f, p, args, stdout)
	}
	return theoryKinds[i].run(ctx, f, p, args, stdout)
}

// model returns the two-cluster model of the flags and the loss.
func (p *theoryParams) model(f *cmdFlags) (mixture.Model, loss.Margin, error) {
	margin, err := loss.ParseMargin(p.Loss)
	if err != nil {
		return mixture.Model{}, nil, f.flagError("loss", err)
	}
	return mixture.TwoCluster(p.Rho, p.Delta), margin, nil
}

// rhoFlag maps the two-cluster model's clusters to --rho.
var rhoFlag = map[string]fieldFlag{"Model.Clusters": {"rho", "0 < rho < 1"}}

// squareFlow is --kind square-flow. Its problem is the dynamics.Problem of
// full-batch GD with step η (discrete) or dt (the flow's output grid), so
// that the time window is checked by the one rule of the simulator and the
// DMFT, and recorded at the same steps.
func squareFlow(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error {
	model, margin, err := p.model(f)
	if err != nil {
		return err
	}
	if _, ok := margin.(loss.Square); !ok {
		return f.flagError("loss", fmt.Errorf("--kind square-flow is the square loss (use --kind erm for %s)", p.Loss))
	}
	flow := p.Eta == 0
	if err := f.only("dt", flow, fmt.Sprintf("to discrete GD, --eta %v (it is the output grid of gradient flow, --eta 0)", p.Eta)); err != nil {
		return err
	}
	s := theory.SquareGD{Alpha: p.Alpha, Delta: p.Delta, Lambda: p.Lambda, C0: p.C0, Eta: p.Eta}
	if err := s.Validate(); err != nil {
		return f.fieldError(err, nil)
	}
	step, method, eta := p.Eta, "gd", fieldFlag{flag: "eta"}
	if flow {
		step, method, eta = p.Dt, "flow", fieldFlag{flag: "dt"}
	}
	prob := dynamics.Problem{
		Model: model, Loss: loss.Func{Margin: margin, Output: loss.Linear{}},
		Alpha: p.Alpha, Lambda: p.Lambda, Algo: dynamics.GD, B: 1, Eta: step, T: p.T, C0: p.C0,
	}
	if err := prob.Validate(); err != nil {
		return f.fieldError(err, map[string]fieldFlag{"Model.Clusters": rhoFlag["Model.Clusters"], "Eta": eta})
	}
	if err := dynamics.ValidateEvery(p.Every); err != nil {
		return f.fieldError(err, nil)
	}
	meta := f.record(args)
	k := prob.Steps()
	curve, err := s.Curve(nil, recordTimes(k, p.Every, step))
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cols := map[string][]float64{}
	for _, pt := range curve {
		cols["t"] = append(cols["t"], pt.T)
		cols["m"] = append(cols["m"], pt.M)
		cols["Ctt"] = append(cols["Ctt"], pt.Ctt)
		cols["train_loss"] = append(cols["train_loss"], pt.TrainLoss)
		cols["test_err"] = append(cols["test_err"], pt.TestErr)
	}
	meta.Result = map[string]any{"method": method, "steps": k, "dt": step}
	err = output.Write(p.Out, meta, func(dir *output.Dir) error {
		for _, name := range []string{"t", "m", "Ctt", "train_loss", "test_err"} {
			if err := dir.Vector(name, cols[name]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	last := curve[len(curve)-1]
	fmt.Fprintf(stdout, "theory square-flow (%s): %d times in %.3fs -> %s\n", method, len(curve), meta.WallTime, p.Out)
	fmt.Fprintf(stdout, "t=%g: m=%.6f Ctt=%.6f train_loss=%.6f test_err=%.6f\n", last.T, last.M, last.Ctt, last.TrainLoss, last.TestErr)
	return nil
}

// ermOutput is the content of erm.json for one point.
type ermOutput struct {
	M         float64 `json:"m"`
	Ctt       float64 `json:"Ctt"`
	Bias      float64 `json:"bias"`
	V         float64 `json:"V"`
	TrainLoss float64 `json:"train_loss"`
	TrainErr  float64 `json:"train_err"`
	TestErr   float64 `json:"test_err"`
}

// sweep is the parameter the run solves along ("" for one point) and its
// values; the other parameters have one value each.
func (p *theoryParams) sweep() (string, []float64) {
	for _, c := range []struct {
		name string
		v    *paramValues
	}{{"alpha", &p.alpha}, {"lambda", &p.lambda}, {"delta", &p.delta}, {"rho", &p.rho}} {
		if len(c.v.vals) > 1 {
			return c.name, c.v.vals
		}
	}
	return "", []float64{p.Alpha}
}

// point sets the swept parameter of a copy of p to v.
func (p *theoryParams) point(name string, v float64) theoryParams {
	q := *p
	switch name {
	case "alpha":
		q.Alpha = v
	case "lambda":
		q.Lambda = v
	case "delta":
		q.Delta = v
	case "rho":
		q.Rho = v
	}
	return q
}

// ermFields are the observables of erm, in the order of the table and of
// the .npy files.
var ermFields = []struct {
	name string
	get  func(theory.ERMResult) float64
}{
	{"m", func(r theory.ERMResult) float64 { return r.M }},
	{"Ctt", func(r theory.ERMResult) float64 { return r.Ctt }},
	{"bias", func(r theory.ERMResult) float64 { return r.Bias }},
	{"V", func(r theory.ERMResult) float64 { return r.V }},
	{"train_loss", func(r theory.ERMResult) float64 { return r.TrainLoss }},
	{"train_err", func(r theory.ERMResult) float64 { return r.TrainErr }},
	{"test_err", func(r theory.ERMResult) float64 { return r.TestErr }},
	{"residual", func(r theory.ERMResult) float64 { return r.Residual }},
	{"change", func(r theory.ERMResult) float64 { return r.Change }},
	{"iterations", func(r theory.ERMResult) float64 { return float64(r.Iterations) }},
}

// erm is --kind erm.
func erm(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error {
	margin, err := loss.ParseMargin(p.Loss)
	if err != nil {
		return f.flagError("loss", err)
	}
	name, values := p.sweep()
	es := make([]theory.ERM, len(values))
	for i, v := range values {
		q := p.point(name, v)
		es[i] = theory.ERM{Model: mixture.TwoCluster(q.Rho, q.Delta), Alpha: q.Alpha, Lambda: q.Lambda, Loss: margin, Bias: p.Bias}
		if err := es[i].Validate(); err != nil {
			return f.fieldError(err, rhoFlag)
		}
	}
	meta := f.record(args)
	var rs []theory.ERMResult
	if name == "" {
		r, err := es[0].Solve()
		if err != nil {
			return err // not converged: no numbers are written
		}
		rs = []theory.ERMResult{r}
	} else {
		// By continuation: each point starts from the previous one.
		if rs, err = theory.ERMPath(es[0], values, func(e *theory.ERM, v float64) { *e = ermAt(*e, name, v) }); err != nil {
			return fmt.Errorf("along --%s: %w", name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	iters, evals, maxRes, maxChange, maxQuad := 0, 0, 0.0, 0.0, 0.0
	for _, r := range rs {
		iters, evals = iters+r.Iterations, evals+r.Evaluations
		maxRes, maxChange, maxQuad = math.Max(maxRes, r.Residual), math.Max(maxChange, r.Change), math.Max(maxQuad, r.QuadErr)
	}
	if name == "" {
		r := rs[0]
		meta.Result = map[string]any{"iterations": r.Iterations, "evaluations": r.Evaluations, "residual": r.Residual, "change": r.Change, "quad_err": r.QuadErr}
	} else {
		meta.Result = map[string]any{"param": name, "points": len(rs), "iterations": iters, "evaluations": evals, "max_residual": maxRes, "max_change": maxChange, "max_quad_err": maxQuad}
	}
	params := func(i int) map[string]float64 {
		q := p.point(name, values[i])
		return map[string]float64{"alpha": q.Alpha, "lambda": q.Lambda, "delta": q.Delta, "rho": q.Rho}
	}
	err = output.Write(p.Out, meta, func(dir *output.Dir) error {
		for _, pn := range curveParams {
			col := make([]float64, len(rs))
			for i := range rs {
				col[i] = params(i)[pn]
			}
			if err := dir.Vector(pn, col); err != nil {
				return err
			}
		}
		for _, fl := range ermFields {
			col := make([]float64, len(rs))
			for i, r := range rs {
				col[i] = fl.get(r)
			}
			if err := dir.Vector(fl.name, col); err != nil {
				return err
			}
		}
		if name == "" {
			r := rs[0]
			return dir.JSON("erm.json", ermOutput{r.M, r.Ctt, r.Bias, r.V, r.TrainLoss, r.TrainErr, r.TestErr})
		}
		pts := make([]map[string]float64, len(rs))
		for i, r := range rs {
			pts[i] = params(i)
			for _, fl := range ermFields {
				pts[i][fl.name] = fl.get(r)
			}
		}
		return dir.JSON("erm.json", map[string]any{"param": name, "points": pts})
	})
	if err != nil {
		return err
	}
	if name == "" {
		r := rs[0]
		b, err := json.Marshal(ermOutput{r.M, r.Ctt, r.Bias, r.V, r.TrainLoss, r.TrainErr, r.TestErr})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "theory erm (%s, bias %v): converged in %d iterations, residual %.2g -> %s\n%s\n", p.Loss, p.Bias, r.Iterations, r.Residual, p.Out, b)
		return nil
	}
	fmt.Fprintf(stdout, "theory erm (%s, bias %v): %d points along %s in %.3fs, %d iterations, largest residual %.2g -> %s\n", p.Loss, p.Bias, len(rs), name, meta.WallTime, iters, maxRes, p.Out)
	cols := []string{name}
	for _, fl := range ermFields[:7] {
		cols = append(cols, fl.name)
	}
	rows := make([][]float64, len(rs))
	for i, r := range rs {
		rows[i] = []float64{values[i]}
		for _, fl := range ermFields[:7] {
			rows[i] = append(rows[i], fl.get(r))
		}
	}
	printTable(stdout, cols, rows)
	return nil
}

// ermAt returns e with the parameter name set to v ("": e).
func ermAt(e theory.ERM, name string, v float64) theory.ERM {
	switch name {
	case "alpha":
		e.Alpha = v
	case "lambda":
		e.Lambda = v
	case "delta":
		e.Model = mixture.TwoCluster(e.Model.Rho(), v)
	case "rho":
		e.Model = mixture.TwoCluster(v, e.Model.Delta)
	}
	return e
}

// mmFields are the observables of max-margin.
var mmFields = []struct {
	name string
	get  func(theory.MaxMarginResult) float64
}{
	{"overlap", func(r theory.MaxMarginResult) float64 { return r.Overlap }},
	{"margin", func(r theory.MaxMarginResult) float64 { return r.Margin }},
	{"bias", func(r theory.MaxMarginResult) float64 { return r.Bias }},
	{"test_err", func(r theory.MaxMarginResult) float64 { return r.TestErr }},
	{"support", func(r theory.MaxMarginResult) float64 { return r.Support }},
	{"alpha_c", func(r theory.MaxMarginResult) float64 { return r.AlphaC }},
}

// maxMargin is --kind max-margin.
func maxMargin(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error {
	name, values := p.sweep()
	ms := make([]theory.MaxMargin, len(values))
	for i, v := range values {
		q := p.point(name, v)
		ms[i] = theory.MaxMargin{Model: mixture.TwoCluster(q.Rho, q.Delta), Alpha: q.Alpha, Bias: p.Bias}
		if err := ms[i].Validate(); err != nil {
			return f.fieldError(err, rhoFlag)
		}
	}
	meta := f.record(args)
	rs := make([]theory.MaxMarginResult, len(ms))
	for i, m := range ms {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := m.Solve()
		if err != nil {
			if name == "" {
				return err
			}
			return fmt.Errorf("--%s = %v (point %d of %d): %w", name, values[i], i+1, len(values), err)
		}
		rs[i] = r
	}
	meta.Result = map[string]any{"points": len(rs)}
	if name != "" {
		meta.Result = map[string]any{"param": name, "points": len(rs)}
	}
	row := func(i int) map[string]float64 {
		q := p.point(name, values[i])
		out := map[string]float64{"alpha": q.Alpha, "delta": q.Delta, "rho": q.Rho}
		for _, fl := range mmFields {
			out[fl.name] = fl.get(rs[i])
		}
		return out
	}
	err := output.Write(p.Out, meta, func(dir *output.Dir) error {
		for _, pn := range []string{"alpha", "delta", "rho"} {
			col := make([]float64, len(rs))
			for i := range rs {
				col[i] = row(i)[pn]
			}
			if err := dir.Vector(pn, col); err != nil {
				return err
			}
		}
		for _, fl := range mmFields {
			col := make([]float64, len(rs))
			for i, r := range rs {
				col[i] = fl.get(r)
			}
			if err := dir.Vector(fl.name, col); err != nil {
				return err
			}
		}
		if name == "" {
			out := map[string]float64{}
			for _, fl := range mmFields {
				out[fl.name] = fl.get(rs[0])
			}
			return dir.JSON("max-margin.json", out)
		}
		pts := make([]map[string]float64, len(rs))
		for i := range rs {
			pts[i] = row(i)
		}
		return dir.JSON("max-margin.json", map[string]any{"param": name, "points": pts})
	})
	if err != nil {
		return err
	}
	label := "one point"
	if name != "" {
		label = fmt.Sprintf("%d points along %s", len(rs), name)
	}
	fmt.Fprintf(stdout, "theory max-margin (bias %v): %s -> %s\n", p.Bias, label, p.Out)
	cols := []string{"alpha", "delta", "rho"}
	for _, fl := range mmFields {
		cols = append(cols, fl.name)
	}
	rows := make([][]float64, len(rs))
	for i := range rs {
		r := row(i)
		for _, c := range cols {
			rows[i] = append(rows[i], r[c])
		}
	}
	printTable(stdout, cols, rows)
	return nil
}

// printTable writes rows under the column names, aligned.
func printTable(w io.Writer, cols []string, rows [][]float64) {
	for _, c := range cols {
		fmt.Fprintf(w, "%13s", c)
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		for _, v := range r {
			fmt.Fprintf(w, "%13.6g", v)
		}
		fmt.Fprintln(w)
	}
}

// paramValues is a flag value: one number, a comma-separated list, or a
// range lo:hi:n (n values equally spaced from lo to hi) or lo:hi:n:log
// (equally spaced in log, lo, hi > 0).
type paramValues struct {
	text string
	vals []float64
}

// String implements flag.Value.
func (v *paramValues) String() string {
	if v == nil {
		return ""
	}
	return v.text
}

// Get implements flag.Getter: the number for one value (so that a run's
// record holds a number, as before lists existed), else the text.
func (v *paramValues) Get() any {
	if len(v.vals) == 1 {
		return v.vals[0]
	}
	return v.text
}

// Set implements flag.Value.
func (v *paramValues) Set(s string) error {
	vals, err := parseValues(s)
	if err != nil {
		return err
	}
	v.text, v.vals = s, vals
	return nil
}

// maxValues bounds a list or range.
const maxValues = 100000

// parseValues reads a number, a list a,b,c or a range lo:hi:n[:log].
func parseValues(s string) ([]float64, error) {
	bad := errors.New("want a number, a list a,b,c, or a range lo:hi:n or lo:hi:n:log")
	if parts := strings.Split(s, ":"); len(parts) > 1 {
		if len(parts) != 3 && !(len(parts) == 4 && parts[3] == "log") {
			return nil, bad
		}
		lo, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
		hi, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
		n, err3 := strconv.Atoi(strings.TrimSpace(parts[2]))
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, bad
		}
		if n < 2 || n > maxValues {
			return nil, fmt.Errorf("want 2 to %d values in a range", maxValues)
		}
		logs := len(parts) == 4
		if logs && !(lo > 0 && hi > 0) {
			return nil, errors.New("a log range needs lo, hi > 0")
		}
		if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) {
			return nil, bad
		}
		vals := make([]float64, n)
		for i := range vals {
			t := float64(i) / float64(n-1)
			if logs {
				vals[i] = lo * math.Pow(hi/lo, t)
			} else {
				vals[i] = lo + t*(hi-lo)
			}
		}
		vals[n-1] = hi
		return vals, nil
	}
	var vals []float64
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, bad
		}
		vals = append(vals, x)
	}
	if len(vals) > maxValues {
		return nil, fmt.Errorf("want at most %d values", maxValues)
	}
	return vals, nil
}

// valuesVar defines a flag that takes a paramValues, with its default
// text.
func (f *cmdFlags) valuesVar(v *paramValues, name, def, usage string) {
	if err := v.Set(def); err != nil {
		panic(err)
	}
	f.FlagSet.Var(v, name, usage)
	f.items = append(f.items, name)
}

// values returns the paramValues of the flag name.
func (f *cmdFlags) values(name string) *paramValues {
	return f.Lookup(name).Value.(*paramValues)
}

// recordTimes returns the times of the recorded steps (dynamics.RecordSteps)
// of a curve with the given step.
func recordTimes(steps, every int, step float64) []float64 {
	var times []float64
	for _, i := range dynamics.RecordSteps(steps, every) {
		times = append(times, float64(i)*step)
	}
	return times
}
