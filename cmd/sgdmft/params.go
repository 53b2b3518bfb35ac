package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// usageError is bad input: reported with exit status 2, before any work.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// modelParams are the model and algorithm flags shared by simulate, dmft and
// theory. The JSON names are the flag names, so a run's meta.json can be
// passed back with --config.
type modelParams struct {
	Mixture  string  `json:"mixture"`
	Clusters string  `json:"clusters,omitempty"`
	Alpha    float64 `json:"alpha"`
	Delta    float64 `json:"delta"`
	Rho      float64 `json:"rho"`
	Lambda   float64 `json:"lambda"`
	Loss     string  `json:"loss"`
	Output   string  `json:"output"`
	Kappa    float64 `json:"kappa"`
	Algo     string  `json:"algo"`
	B        float64 `json:"b"`
	Tau      float64 `json:"tau"`
	Eta      float64 `json:"eta"`
	T        float64 `json:"T"`
	Every    int     `json:"every"`
	M0       float64 `json:"m0"`
	C0       float64 `json:"C0"`
	Seed     uint64  `json:"seed"`
}

func (p *modelParams) register(fs *flag.FlagSet) {
	fs.StringVar(&p.Mixture, "mixture", "two-cluster", "data model: two-cluster, three-cluster or custom (with --clusters)")
	fs.StringVar(&p.Clusters, "clusters", "", "custom mixture: comma-separated c:probability:label triples, e.g. \"1:0.3:1,0:0.4:-1,-1:0.3:1\"")
	fs.Float64Var(&p.Alpha, "alpha", 2, "sample ratio n/d, > 0")
	fs.Float64Var(&p.Delta, "delta", 0.5, "noise variance Δ, >= 0")
	fs.Float64Var(&p.Rho, "rho", 0.5, "two-cluster: P(y=+1); three-cluster: P(c=±1); in (0,1)")
	fs.Float64Var(&p.Lambda, "lambda", 0, "ridge penalty λ, >= 0 (default 0)")
	fs.StringVar(&p.Loss, "loss", "logistic", "loss: logistic, square, sqhinge or hinge")
	fs.StringVar(&p.Output, "output", "", "output function: linear or quadratic (default linear for two-cluster, quadratic for three-cluster)")
	fs.Float64Var(&p.Kappa, "kappa", 1, "threshold κ > 0 of the quadratic output r²−κ")
	fs.StringVar(&p.Algo, "algo", "gd", "algorithm: gd, sgd (vanilla), psgd (persistent) or sgf (stochastic gradient flow)")
	fs.Float64Var(&p.B, "b", 0, "batch fraction in (0,1] (default 1 for gd; required, below 1, for sgd, psgd and sgf)")
	fs.Float64Var(&p.Tau, "tau", 0, "persistence time τ, required for psgd and sgf (psgd needs τ >= η and bτ >= η(1-b)); unused by gd and sgd")
	fs.Float64Var(&p.Eta, "eta", 0.1, "learning rate η (time step for sgf), > 0")
	fs.Float64Var(&p.T, "T", 10, "final time; the run has round(T/η) steps")
	fs.IntVar(&p.Every, "every", 1, "record every this many steps, >= 1")
	fs.Float64Var(&p.M0, "m0", 0, "initial overlap m(0) = w0·v*/d (default 0; three-cluster needs m0 != 0 to learn)")
	fs.Float64Var(&p.C0, "C0", 1, "initial norm C(0) = |w0|²/d, >= m0²")
	fs.Uint64Var(&p.Seed, "seed", 1, "random seed")
}

// parseWithConfig parses args; if --config FILE is given, the JSON file's
// values replace the defaults and flags given explicitly override it.
func parseWithConfig(fs *flag.FlagSet, args []string, cfg any) error {
	var config string
	fs.StringVar(&config, "config", "", "JSON file of flag values (e.g. a run's meta.json); explicit flags override it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if config == "" {
		return nil
	}
	b, err := os.ReadFile(config)
	if err != nil {
		return usagef("--config: %v", err)
	}
	if err := json.Unmarshal(b, cfg); err != nil {
		return usagef("--config %s: %v", config, err)
	}
	return fs.Parse(args) // explicit flags win over the file
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// problem validates the flags and builds the problem. Every error names the
// flag and its allowed range.
func (p *modelParams) problem() (dynamics.Problem, error) {
	var pr dynamics.Problem
	chk := []struct {
		bad  bool
		flag string
		want string
		val  any
	}{
		{!(p.Alpha > 0) || !finite(p.Alpha), "alpha", "alpha > 0", p.Alpha},
		{!(p.Delta >= 0) || !finite(p.Delta), "delta", "delta >= 0", p.Delta},
		{!(p.Rho > 0 && p.Rho < 1), "rho", "0 < rho < 1", p.Rho},
		{!(p.Lambda >= 0) || !finite(p.Lambda), "lambda", "lambda >= 0", p.Lambda},
		{!(p.Eta > 0) || !finite(p.Eta), "eta", "eta > 0", p.Eta},
		{!(p.T > 0) || !finite(p.T), "T", "T > 0", p.T},
		{p.Every < 1, "every", "every >= 1", p.Every},
		{!finite(p.M0), "m0", "a finite number", p.M0},
		{!(p.C0 >= p.M0*p.M0) || !finite(p.C0), "C0", fmt.Sprintf("C0 >= m0² = %g", p.M0*p.M0), p.C0},
		{math.IsNaN(p.B) || p.B < 0 || p.B > 1, "b", "0 < b <= 1", p.B},
	}
	for _, c := range chk {
		if c.bad {
			return pr, usagef("--%s = %v: want %s", c.flag, c.val, c.want)
		}
	}
	var model mixture.Model
	switch p.Mixture {
	case "two-cluster":
		model = mixture.TwoCluster(p.Rho, p.Delta)
	case "three-cluster":
		model = mixture.ThreeCluster(p.Rho, p.Delta)
	case "custom":
		cl, err := parseClusters(p.Clusters)
		if err != nil {
			return pr, err
		}
		model = mixture.Model{Clusters: cl, Delta: p.Delta}
		if err := model.Validate(); err != nil {
			return pr, usagef("--clusters: %v", err)
		}
	default:
		return pr, usagef("--mixture = %q: want two-cluster, three-cluster or custom", p.Mixture)
	}
	if p.Clusters != "" && p.Mixture != "custom" {
		return pr, usagef("--clusters is only for --mixture custom")
	}
	margin, err := loss.ParseMargin(p.Loss)
	if err != nil {
		return pr, usagef("--loss = %q: want logistic, square, sqhinge or hinge", p.Loss)
	}
	if p.Output == "" {
		p.Output = "linear"
		if p.Mixture == "three-cluster" {
			p.Output = "quadratic"
		}
	}
	if p.Output == "quadratic" && !(p.Kappa > 0 && finite(p.Kappa)) {
		return pr, usagef("--kappa = %v: want kappa > 0", p.Kappa)
	}
	out, err := loss.ParseOutput(p.Output, p.Kappa)
	if err != nil {
		return pr, usagef("--output = %q: want linear or quadratic", p.Output)
	}
	algo, err := dynamics.ParseAlgorithm(p.Algo)
	if err != nil {
		return pr, usagef("--algo = %q: want gd, sgd, psgd or sgf", p.Algo)
	}
	switch {
	case algo == dynamics.GD && p.B == 0:
		p.B = 1
	case algo == dynamics.GD && p.B != 1:
		return pr, usagef("--b = %v with --algo gd: want b = 1 (use sgd, psgd or sgf for b < 1)", p.B)
	case algo != dynamics.GD && !(p.B > 0 && p.B < 1):
		return pr, usagef("--b = %v with --algo %s: want 0 < b < 1 (required)", p.B, p.Algo)
	}
	if algo == dynamics.PSGD || algo == dynamics.SGF {
		if !(p.Tau > 0) || !finite(p.Tau) {
			return pr, usagef("--tau = %v with --algo %s: want tau > 0 (required)", p.Tau, p.Algo)
		}
		if algo == dynamics.PSGD {
			if need := math.Max(p.Eta, p.Eta*(1-p.B)/p.B); p.Tau < need {
				return pr, usagef("--tau = %v too small for --eta = %v and --b = %v: want tau >= %g (transition probabilities <= 1)", p.Tau, p.Eta, p.B, need)
			}
		}
	}
	pr = dynamics.Problem{
		Model: model, Loss: loss.Func{Margin: margin, Output: out},
		Alpha: p.Alpha, Lambda: p.Lambda, Algo: algo, B: p.B, Tau: p.Tau,
		Eta: p.Eta, T: p.T, M0: p.M0, C0: p.C0,
	}
	if err := pr.Validate(); err != nil {
		return pr, usageError{err}
	}
	return pr, nil
}

// parseClusters reads "c:p:y,c:p:y,…".
func parseClusters(s string) ([]mixture.Cluster, error) {
	if s == "" {
		return nil, usagef("--clusters: required with --mixture custom (c:probability:label, ...)")
	}
	var cl []mixture.Cluster
	for _, f := range strings.Split(s, ",") {
		var c mixture.Cluster
		parts := strings.Split(strings.TrimSpace(f), ":")
		if len(parts) != 3 {
			return nil, usagef("--clusters: %q is not c:probability:label", f)
		}
		for i, dst := range []*float64{&c.C, &c.Prob, &c.Label} {
			v, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return nil, usagef("--clusters: %q: %v", f, err)
			}
			*dst = v
		}
		cl = append(cl, c)
	}
	return cl, nil
}
