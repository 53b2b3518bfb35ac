package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
//
// square-flow writes t.npy, m.npy, Ctt.npy, train_loss.npy, test_err.npy and
// meta.json; erm writes erm.json and meta.json. In Python:
//
//	t, m = np.load("out/theory/t.npy"), np.load("out/theory/m.npy")
//	erm = json.load(open("out/theory/erm.json"))
type theoryParams struct {
	modelParams // the two-cluster model: Alpha, Delta, Rho, Lambda, Loss; Eta, T, Every, C0
	Kind        string
	Dt          float64
	Bias        bool
	Out         string
}

// theoryKinds are the closed forms of --kind, with the flags only they use.
var theoryKinds = []struct {
	name  string
	flags []string
	run   func(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error
}{
	{"square-flow", []string{"C0", "eta", "dt", "T", "every"}, squareFlow},
	{"erm", []string{"bias"}, erm},
}

func init() {
	register(command{"theory", "closed forms at d = ∞: square-loss GD curves, ridge ERM fixed point", runTheory})
	flagSets["theory"] = func() *cmdFlags { f, _ := theoryFlags(io.Discard); return f }
}

func theoryFlags(stderr io.Writer) (*cmdFlags, *theoryParams) {
	f := newCmdFlags("theory", `usage: sgdmft theory [--kind square-flow|erm] [flags]

Closed forms at d = ∞ (spec theory.md) for the two-cluster model (c = y = ±1).
  square-flow: full-batch GD on the square loss without bias, from isotropic
    weights (m0 = 0): discrete GD at t = kη (the d = ∞ limit of
    sgdmft simulate --loss square), or with --eta 0 gradient flow on the grid
    t = k·dt. Writes t.npy, m.npy, Ctt.npy, train_loss.npy, test_err.npy and
    meta.json.
  erm: the ridge ERM fixed point, the long-time limit of full-batch GD.
    Writes erm.json (m, Ctt, bias, V, train_loss, train_err, test_err) and
    meta.json, and prints them.
`, stderr)
	p := new(theoryParams)
	f.section("closed form")
	f.StringVar(&p.Kind, "kind", "square-flow", "square-flow or erm")
	f.section("model (two-cluster)")
	p.attach(f, "rho", "delta", "alpha", "loss", "lambda")
	f.setDefault("loss", "square")
	f.Lookup("loss").Usage = "loss: " + strings.Join(loss.MarginNames(), ", ") + " (square-flow: square only)"
	f.Lookup("rho").Usage = "P(y = +1), in (0, 1)"
	f.Lookup("delta").Usage = "noise variance Δ, > 0"
	f.section("square-flow")
	p.attach(f, "C0")
	f.Lookup("C0").Usage = "initial norm C(0) = |w0|²/d of isotropic weights, >= 0"
	f.Float64Var(&p.Eta, "eta", 0.1, "learning rate η of discrete GD, > 0 and below the stability limit 2/ζ_max; 0: gradient flow")
	f.Float64Var(&p.Dt, "dt", 0.1, "gradient flow (--eta 0): time step of the output grid, > 0")
	p.attach(f, "T", "every")
	f.Lookup("T").Usage = "final time; the run has round(T/η) >= 1 steps (round(T/dt) for gradient flow)"
	f.section("erm")
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
	i := -1
	for j, k := range theoryKinds {
		if k.name == p.Kind {
			i = j
		}
	}
	if i < 0 {
		return f.flagError("kind", fmt.Errorf("unknown closed form (allowed: %s)", strings.Join(names, ", ")))
	}
	for j, k := range theoryKinds {
		for _, name := range k.flags {
			if err := f.only(name, j == i, fmt.Sprintf("to --kind %s (it is for %s)", p.Kind, k.name)); err != nil {
				return err
			}
		}
	}
	if p.Out == "" {
		return usagef("--out: want a directory name")
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
	var times []float64
	for _, i := range dynamics.RecordSteps(k, p.Every) {
		times = append(times, float64(i)*step)
	}
	curve, err := s.Curve(nil, times)
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

// ermOutput is the content of erm.json.
type ermOutput struct {
	M         float64 `json:"m"`
	Ctt       float64 `json:"Ctt"`
	Bias      float64 `json:"bias"`
	V         float64 `json:"V"`
	TrainLoss float64 `json:"train_loss"`
	TrainErr  float64 `json:"train_err"`
	TestErr   float64 `json:"test_err"`
}

// erm is --kind erm.
func erm(_ context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error {
	model, margin, err := p.model(f)
	if err != nil {
		return err
	}
	e := theory.ERM{Model: model, Alpha: p.Alpha, Lambda: p.Lambda, Loss: margin, Bias: p.Bias}
	if err := e.Validate(); err != nil {
		return f.fieldError(err, rhoFlag)
	}
	meta := f.record(args)
	r, err := e.Solve()
	if err != nil {
		return err // not converged: no numbers are written
	}
	res := ermOutput{r.M, r.Ctt, r.Bias, r.V, r.TrainLoss, r.TrainErr, r.TestErr}
	meta.Result = map[string]any{"iterations": r.Iterations, "last_change": r.Change}
	err = output.Write(p.Out, meta, func(dir *output.Dir) error { return dir.JSON("erm.json", res) })
	if err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "theory erm (%s, bias %v): converged in %d iterations -> %s\n%s\n", p.Loss, p.Bias, r.Iterations, p.Out, b)
	return nil
}
