package main

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/integrators"
	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/sde"
	"gonum.org/v1/gonum/mat"
)

// simulateParams are the flags of sgdmft simulate: the model flags and the
// simulator's.
type simulateParams struct {
	modelParams
	D, Seeds, Workers, TestSamples int
	Integrator                     string
	RawCentroid, Float32           bool
	Out                            string
	Quiet                          bool
}

func init() {
	register(command{"simulate", "finite-d SGD / SGF ensembles on a Gaussian mixture or a teacher–student model", runSimulate})
	flagSets["simulate"] = func() *cmdFlags { f, _ := simulateFlags(io.Discard); return f }
}

func simulateFlags(stderr io.Writer) (*cmdFlags, *simulateParams) {
	f := newCmdFlags("simulate", `usage: sgdmft simulate [flags]

Finite-d SGD / SGF ensembles on a Gaussian mixture (--data two-cluster,
three-cluster, custom) or the teacher–student model (--data teacher-student
--link linear|sign|relu --label-noise σ; linear and relu have real labels:
--loss square, and the errors are mean squared errors (y − f(r))²).
Writes t.npy and, for each observable X in
m, Ctt, train_loss, train_err, test_err, test_loss, test_err_emp, test_loss_emp:
X.npy (mean over seeds), X_se.npy (standard error), X_seeds.npy (seeds × times),
and meta.json.
`, stderr)
	p := new(simulateParams)
	p.attach(f)
	f.section("simulation")
	f.IntVar(&p.D, "d", 1000, "dimension d (n = round(αd) samples), >= 1")
	f.IntVar(&p.Seeds, "seeds", 8, "ensemble size (independent data, init and selections), >= 1")
	f.IntVar(&p.TestSamples, "test-samples", 10000, "fresh test samples per seed for the empirical test error, >= 0 (0: none)")
	f.StringVar(&p.Integrator, "integrator", "euler", "time stepping: euler (the SGD recursion) or heun (2nd order, for flows)")
	f.BoolVar(&p.RawCentroid, "raw-centroid", false, "keep the raw draw of v* instead of rescaling to |v*|² = d")
	f.BoolVar(&p.Float32, "float32", false, "store the data in float32 (about half the memory traffic; products stay float64)")
	f.IntVar(&p.Workers, "workers", runtime.NumCPU(), "parallel workers, >= 1 (results do not depend on it)")
	f.section("output")
	f.StringVar(&p.Out, "out", "out/simulate", "output directory (written atomically)")
	f.BoolVar(&p.Quiet, "quiet", false, "no progress bar")
	f.configFlag()
	return f, p
}

// simulation is a validated simulate command line.
type simulation struct {
	f    *cmdFlags
	p    *simulateParams
	prob dynamics.Problem
	set  sde.Settings
}

// parseSimulate parses and validates a simulate command line; it does no
// work.
func parseSimulate(args []string, stderr io.Writer) (*simulation, error) {
	f, p := simulateFlags(stderr)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	prob, err := p.problem(f)
	if err != nil {
		return nil, err
	}
	method, err := integrators.ParseMethod(p.Integrator)
	if err != nil {
		return nil, f.flagError("integrator", err)
	}
	if p.TestSamples < 0 {
		return nil, f.flagError("test-samples", fmt.Errorf("want >= 0 (0: none)"))
	}
	if p.Out == "" {
		return nil, usagef("--out: want a directory name")
	}
	set := sde.Settings{
		D: explicit(p.D), Seeds: explicit(p.Seeds), Workers: explicit(p.Workers), Every: explicit(p.Every),
		TestSamples: p.TestSamples, RawCentroid: p.RawCentroid, Float32: p.Float32, Integrator: method, Seed: p.Seed,
	}
	if p.TestSamples == 0 {
		set.TestSamples = -1 // the library's "none"
	}
	if err := set.Validate(); err != nil {
		return nil, f.fieldError(err, nil)
	}
	return &simulation{f, p, prob, set}, nil
}

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s, err := parseSimulate(args, stderr)
	if err != nil {
		return err
	}
	p, prob := s.p, s.prob
	meta := s.f.record(args)
	bar := newProgress(stderr, "simulate", p.Quiet)
	s.set.Progress = bar.update
	ens, err := sde.Simulate(ctx, prob, s.set)
	bar.done()
	if err != nil {
		return s.f.runError(err)
	}
	meta.Result = map[string]any{"n": prob.Samples(p.D), "steps": prob.Steps()}
	err = output.Write(p.Out, meta, func(dir *output.Dir) error {
		if err := dir.Vector("t", ens.Times); err != nil {
			return err
		}
		for o := dynamics.Observable(0); o < dynamics.NumObservables; o++ {
			if p.TestSamples == 0 && (o == dynamics.TestErrEmp || o == dynamics.TestLossEmp) {
				continue
			}
			mean, se := ens.MeanSE(o)
			seeds := mat.NewDense(len(ens.Seeds), len(ens.Times), nil)
			for s, tr := range ens.Seeds {
				seeds.SetRow(s, tr.Obs[o])
			}
			for _, err := range []error{dir.Vector(o.String(), mean), dir.Vector(o.String()+"_se", se), dir.Matrix(o.String()+"_seeds", seeds)} {
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	last := len(ens.Times) - 1
	m, mse := ens.MeanSE(dynamics.M)
	te, tse := ens.MeanSE(dynamics.TestErr)
	tl, _ := ens.MeanSE(dynamics.TrainLoss)
	data := p.Data
	if prob.Teacher != nil {
		data = prob.Teacher.String()
	}
	fmt.Fprintf(stdout, "simulate: d=%d n=%d seeds=%d steps=%d %s/%s on %s in %.2fs -> %s\n",
		p.D, prob.Samples(p.D), p.Seeds, prob.Steps(), p.Algo, p.Loss, data, meta.WallTime, p.Out)
	fmt.Fprintf(stdout, "t=%g: m=%.4f±%.4f train_loss=%.4f test_err=%.4f±%.4f\n", ens.Times[last], m[last], mse[last], tl[last], te[last], tse[last])
	return nil
}
