package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/integrators"
	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/sde"
	"gonum.org/v1/gonum/mat"
)

type simulateParams struct {
	modelParams
	D           int    `json:"d"`
	Seeds       int    `json:"seeds"`
	Workers     int    `json:"workers"`
	TestSamples int    `json:"test_samples"`
	Integrator  string `json:"integrator"`
	RawCentroid bool   `json:"raw_centroid"`
	Float32     bool   `json:"float32"`
	Out         string `json:"out"`
	Quiet       bool   `json:"quiet"`
}

func init() {
	register(command{"simulate", "finite-d SGD / SGF ensembles on a Gaussian mixture", runSimulate})
}

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p simulateParams
	p.register(fs)
	fs.IntVar(&p.D, "d", 1000, "dimension d (n = round(alpha·d) samples), >= 1")
	fs.IntVar(&p.Seeds, "seeds", 8, "ensemble size (independent data, init and selections), >= 1")
	fs.IntVar(&p.Workers, "workers", runtime.NumCPU(), "parallel workers (results do not depend on it)")
	fs.IntVar(&p.TestSamples, "test-samples", 10000, "fresh test samples per seed for the empirical test error (0: none)")
	fs.StringVar(&p.Integrator, "integrator", "euler", "time stepping: euler (the SGD recursion) or heun (2nd order, for flows)")
	fs.BoolVar(&p.RawCentroid, "raw-centroid", false, "keep the raw draw of v* instead of rescaling to |v*|² = d")
	fs.BoolVar(&p.Float32, "float32", false, "store the data in float32 (about half the memory traffic; products stay float64)")
	fs.StringVar(&p.Out, "out", "out/simulate", "output directory (written atomically)")
	fs.BoolVar(&p.Quiet, "quiet", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: sgdmft simulate [flags]\n\nFinite-d SGD / SGF ensembles. Writes t.npy and, for each observable X in\nm, Ctt, train_loss, train_err, test_err, test_loss, test_err_emp, test_loss_emp:\nX.npy (mean over seeds), X_se.npy (standard error), X_seeds.npy (seeds × times),\nand meta.json.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseWithConfig(fs, args, &p); err != nil {
		return err
	}
	prob, err := p.problem()
	if err != nil {
		return err
	}
	method, err := integrators.ParseMethod(p.Integrator)
	if err != nil {
		return usagef("--integrator = %q: want euler or heun", p.Integrator)
	}
	switch {
	case p.D < 1:
		return usagef("--d = %d: want d >= 1", p.D)
	case p.Seeds < 1:
		return usagef("--seeds = %d: want seeds >= 1", p.Seeds)
	case p.Workers < 1:
		return usagef("--workers = %d: want workers >= 1", p.Workers)
	case p.TestSamples < 0:
		return usagef("--test-samples = %d: want >= 0", p.TestSamples)
	case p.Out == "":
		return usagef("--out: want a directory name")
	}
	set := sde.Settings{
		D: p.D, Seeds: p.Seeds, Workers: p.Workers, Every: p.Every, TestSamples: p.TestSamples,
		RawCentroid: p.RawCentroid, Float32: p.Float32, Integrator: method, Seed: p.Seed,
	}
	if p.TestSamples == 0 {
		set.TestSamples = -1
	}
	bar := newProgress(stderr, "simulate", p.Quiet)
	set.Progress = bar.update
	start := time.Now()
	ens, err := sde.Simulate(ctx, prob, set)
	bar.done()
	if err != nil {
		return err
	}
	wall := time.Since(start)

	dir, err := output.Create(p.Out)
	if err != nil {
		return err
	}
	defer dir.Abort()
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
	meta := struct {
		simulateParams
		Command  string  `json:"command"`
		N        int     `json:"n"`
		Steps    int     `json:"steps"`
		Version  string  `json:"version"`
		WallTime float64 `json:"wall_time_s"`
		Started  string  `json:"started"`
	}{p, "simulate", prob.Samples(p.D), prob.Steps(), versionString(), wall.Seconds(), start.UTC().Format(time.RFC3339)}
	meta.Out = "" // a repeated run chooses its own --out
	if err := dir.JSON("meta.json", meta); err != nil {
		return err
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	last := len(ens.Times) - 1
	m, mse := ens.MeanSE(dynamics.M)
	te, tse := ens.MeanSE(dynamics.TestErr)
	tl, _ := ens.MeanSE(dynamics.TrainLoss)
	fmt.Fprintf(stdout, "simulate: d=%d n=%d seeds=%d steps=%d %s/%s in %.2fs -> %s\n",
		p.D, prob.Samples(p.D), p.Seeds, prob.Steps(), p.Algo, p.Loss, wall.Seconds(), dir.Final())
	fmt.Fprintf(stdout, "t=%g: m=%.4f±%.4f train_loss=%.4f test_err=%.4f±%.4f\n", ens.Times[last], m[last], mse[last], tl[last], te[last], tse[last])
	return nil
}
