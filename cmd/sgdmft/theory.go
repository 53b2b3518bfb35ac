package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/theory"
)

// theoryParams are the flags of sgdmft theory.
//
//	sgdmft theory --kind square-flow --loss square [--eta 0.2] --T 20 --out out/theory
//	sgdmft theory --kind erm --loss logistic --lambda 0.1 --bias
//
// square-flow writes t.npy, m.npy, Ctt.npy, train_loss.npy, test_err.npy and
// meta.json; erm writes erm.json and meta.json. In Python:
//
//	t, m = np.load("out/theory/t.npy"), np.load("out/theory/m.npy")
//	erm = json.load(open("out/theory/erm.json"))
type theoryParams struct {
	modelParams
	Kind string `json:"kind"`
	Bias bool   `json:"bias"`
	Out  string `json:"out"`
	// Discrete records that --eta was given (discrete GD), so that a run
	// repeated with --config keeps its method.
	Discrete bool `json:"discrete"`
}

func init() {
	register(command{"theory", "closed forms at d = ∞: square-loss GD curves, ridge ERM fixed point", runTheory})
}

func runTheory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("theory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p theoryParams
	p.register(fs)
	fs.StringVar(&p.Kind, "kind", "square-flow", "square-flow (exact square-loss GD / gradient flow curves) or erm (ridge ERM fixed point)")
	fs.BoolVar(&p.Bias, "bias", false, "erm: fit a bias b")
	fs.StringVar(&p.Out, "out", "out/theory", "output directory (written atomically)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: sgdmft theory --kind square-flow|erm [flags]

Closed forms at d = ∞ (spec theory.md).
  square-flow: full-batch square loss, two-cluster, no bias, m0 = 0. With --eta
    given, discrete GD with that step at t = kη; without, gradient flow on the
    grid t = k·every·0.1. Writes t.npy, m.npy, Ctt.npy, train_loss.npy,
    test_err.npy and meta.json.
  erm: the ridge ERM fixed point (logistic, square, hinge or sqhinge loss,
    two-cluster, --bias optional). Writes erm.json (m, Ctt, bias, V,
    train_loss, train_err, test_err) and meta.json, and prints them.

flags:`)
		fs.PrintDefaults()
	}
	if err := parseWithConfig(fs, args, &p); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "eta" {
			p.Discrete = true
		}
	})
	prob, err := p.problem()
	if err != nil {
		return err
	}
	if p.Out == "" {
		return usagef("--out: want a directory name")
	}
	if !prob.Model.IsTwoCluster() {
		return usagef("--mixture = %q: --kind %s needs the two-cluster model", p.Mixture, p.Kind)
	}
	if _, ok := prob.Loss.Output.(loss.Linear); !ok {
		return usagef("--output = %q: --kind %s needs the linear output", p.Output, p.Kind)
	}
	if !(p.Delta > 0) {
		return usagef("--delta = %v: --kind %s needs delta > 0", p.Delta, p.Kind)
	}
	switch p.Kind {
	case "square-flow":
		return squareFlow(ctx, &p, prob, stdout)
	case "erm":
		return erm(&p, prob, stdout)
	}
	return usagef("--kind = %q: want square-flow or erm", p.Kind)
}

func squareFlow(ctx context.Context, p *theoryParams, prob dynamics.Problem, stdout io.Writer) error {
	switch {
	case p.Loss != "square":
		return usagef("--loss = %q: --kind square-flow needs --loss square", p.Loss)
	case prob.Algo != dynamics.GD:
		return usagef("--algo = %q: --kind square-flow needs --algo gd (full batch)", p.Algo)
	case p.M0 != 0:
		return usagef("--m0 = %v: --kind square-flow needs m0 = 0 (isotropic initial weights)", p.M0)
	case p.Bias:
		return usagef("--bias: --kind square-flow has no bias")
	}
	s := theory.SquareGD{Alpha: p.Alpha, Delta: p.Delta, Lambda: p.Lambda, C0: p.C0}
	dt := p.Eta
	method := "flow"
	if p.Discrete {
		s.Eta, method = p.Eta, "gd"
	} else {
		dt = 0.1
	}
	if err := s.Validate(); err != nil {
		return usagef("--eta = %v: %v", p.Eta, err)
	}
	k := int(math.Round(p.T / dt))
	if k < 1 {
		return usagef("--T = %v: want at least one step of %v", p.T, dt)
	}
	var times []float64
	for i := 0; i <= k; i += p.Every {
		times = append(times, float64(i)*dt)
	}
	if times[len(times)-1] != float64(k)*dt {
		times = append(times, float64(k)*dt)
	}
	start := time.Now()
	curve, err := s.Curve(nil, times)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cols := map[string][]float64{"t": {}, "m": {}, "Ctt": {}, "train_loss": {}, "test_err": {}}
	for _, pt := range curve {
		cols["t"] = append(cols["t"], pt.T)
		cols["m"] = append(cols["m"], pt.M)
		cols["Ctt"] = append(cols["Ctt"], pt.Ctt)
		cols["train_loss"] = append(cols["train_loss"], pt.TrainLoss)
		cols["test_err"] = append(cols["test_err"], pt.TestErr)
	}
	dir, err := output.Create(p.Out)
	if err != nil {
		return err
	}
	defer dir.Abort()
	for _, name := range []string{"t", "m", "Ctt", "train_loss", "test_err"} {
		if err := dir.Vector(name, cols[name]); err != nil {
			return err
		}
	}
	if err := writeTheoryMeta(dir, p, map[string]any{"method": method, "steps": k, "dt": dt}, start); err != nil {
		return err
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	last := curve[len(curve)-1]
	fmt.Fprintf(stdout, "theory square-flow (%s): %d times in %.3fs -> %s\n", method, len(curve), time.Since(start).Seconds(), dir.Final())
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

func erm(p *theoryParams, prob dynamics.Problem, stdout io.Writer) error {
	e := theory.ERM{Model: prob.Model, Alpha: p.Alpha, Lambda: p.Lambda, Loss: prob.Loss.Margin, Bias: p.Bias}
	if err := e.Validate(); err != nil {
		return usageError{err}
	}
	start := time.Now()
	r, err := e.Solve()
	if err != nil {
		return err // not converged: no numbers are written
	}
	res := ermOutput{r.M, r.Ctt, r.Bias, r.V, r.TrainLoss, r.TrainErr, r.TestErr}
	dir, err := output.Create(p.Out)
	if err != nil {
		return err
	}
	defer dir.Abort()
	if err := dir.JSON("erm.json", res); err != nil {
		return err
	}
	if err := writeTheoryMeta(dir, p, map[string]any{"iterations": r.Iterations, "last_change": r.Change}, start); err != nil {
		return err
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "theory erm (%s, bias %v): converged in %d iterations -> %s\n%s\n", p.Loss, p.Bias, r.Iterations, dir.Final(), b)
	return nil
}

// writeTheoryMeta writes meta.json: the flags (so --config repeats the run)
// and extra facts about the solution.
func writeTheoryMeta(dir *output.Dir, p *theoryParams, extra map[string]any, start time.Time) error {
	meta := struct {
		theoryParams
		Command string         `json:"command"`
		Version string         `json:"version"`
		Started string         `json:"started"`
		Info    map[string]any `json:"info"`
	}{*p, "theory", versionString(), start.UTC().Format(time.RFC3339), extra}
	meta.Out = "" // a repeated run chooses its own --out
	return dir.JSON("meta.json", meta)
}
