package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/teacher"
)

// modelParams are the model and algorithm flags. Each is defined once, in
// modelFlags; simulate and dmft attach them all, theory the ones it uses.
type modelParams struct {
	Data, Mixture, Clusters   string // Mixture: the alias --mixture of --data
	Link                      string
	LabelNoise                float64
	Alpha, Delta, Rho, Lambda float64
	Loss, Output              string
	Kappa                     float64
	Algo                      string
	B, Tau, Eta, T            float64
	Every                     int
	M0, C0                    float64
	Seed                      uint64
}

type modelFlag struct {
	name   string
	define func(f *cmdFlags, p *modelParams)
}

// modelFlags defines each shared flag; "#title" starts a section of the
// help text.
var modelFlags = []modelFlag{
	{"#model", nil},
	{"data", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Data, "data", "two-cluster", "data model: "+dataModelNames())
	}},
	{"mixture", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Mixture, "mixture", "two-cluster", "alias of --data (kept for earlier command lines and records)")
	}},
	{"rho", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.Rho, "rho", 0.5, "two-cluster: P(y = +1); three-cluster: P(c = ±1); in (0, 1)")
	}},
	{"clusters", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Clusters, "clusters", "", "--data custom: comma-separated c:probability:label triples, e.g. \"1:0.3:1,0:0.4:-1,-1:0.3:1\"")
	}},
	{"delta", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.Delta, "delta", 0.5, "the mixtures' noise variance Δ, >= 0")
	}},
	{"link", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Link, "link", "sign", "--data teacher-student: the teacher's link φ: "+strings.Join(teacher.LinkNames(), ", ")+" (linear and relu have real labels: --loss square)")
	}},
	{"label-noise", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.LabelNoise, "label-noise", 0, "--data teacher-student: label noise σ >= 0 (y = φ(h0) + σε; sign: y = sign(h0 + σε))")
	}},
	{"alpha", func(f *cmdFlags, p *modelParams) { f.Float64Var(&p.Alpha, "alpha", 2, "sample ratio α = n/d, > 0") }},
	{"loss", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Loss, "loss", "logistic", "loss: "+strings.Join(loss.MarginNames(), ", "))
	}},
	{"output", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Output, "output", "", "output function: "+strings.Join(loss.OutputNames(), ", ")+"; default that of the --data: "+dataModelOutputs())
	}},
	{"kappa", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.Kappa, "kappa", 1, "threshold κ > 0 of the quadratic output r² − κ (--output quadratic)")
	}},
	{"lambda", func(f *cmdFlags, p *modelParams) { f.Float64Var(&p.Lambda, "lambda", 0, "ridge penalty λ, >= 0") }},
	{"#algorithm", nil},
	{"algo", func(f *cmdFlags, p *modelParams) {
		f.StringVar(&p.Algo, "algo", "gd", "algorithm: "+strings.Join(dynamics.AlgorithmNames(), ", ")+" (gd: full batch; sgd: vanilla; psgd: persistent; sgf: stochastic gradient flow)")
	}},
	{"b", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.B, "b", 0, "batch fraction: 1 for gd (0 means 1); required, in (0, 1), for sgd, psgd and sgf")
	}},
	{"tau", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.Tau, "tau", 0, "persistence time τ > 0 of psgd and sgf, required (psgd: τ >= η and bτ >= η(1−b))")
	}},
	{"eta", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.Eta, "eta", 0.1, "learning rate η (the time step for sgf), > 0")
	}},
	{"T", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.T, "T", 10, "final time; the run has round(T/η) >= 1 steps")
	}},
	{"m0", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.M0, "m0", 0, "initial overlap m(0) = w0·v*/d (three-cluster needs m0 != 0 to learn)")
	}},
	{"C0", func(f *cmdFlags, p *modelParams) {
		f.Float64Var(&p.C0, "C0", 1, "initial norm C(0) = |w0|²/d, >= m0²")
	}},
	{"every", func(f *cmdFlags, p *modelParams) {
		f.IntVar(&p.Every, "every", 1, "record every this many steps (and the last), >= 1")
	}},
	{"seed", func(f *cmdFlags, p *modelParams) { f.Uint64Var(&p.Seed, "seed", 1, "random seed") }},
}

// attach defines the named shared flags in the given order, or all of them,
// with their section titles, if none is named.
func (p *modelParams) attach(f *cmdFlags, names ...string) {
	if len(names) == 0 {
		for _, d := range modelFlags {
			if title, ok := strings.CutPrefix(d.name, "#"); ok {
				f.section(title)
			} else {
				d.define(f, p)
			}
		}
		return
	}
	for _, n := range names {
		i := slices.IndexFunc(modelFlags, func(d modelFlag) bool { return d.name == n })
		modelFlags[i].define(f, p)
	}
}

// dataModel is a choice of --data: adding a mixture is its constructor
// (package mixture) and one line in dataModels.
type dataModel struct {
	name   string
	flag   string                                      // the flag that sets the clusters: rho or clusters; none for the teacher
	want   string                                      // the allowed range of flag, when the mixture's message is not in its terms
	output string                                      // the default --output
	build  func(p *modelParams) (mixture.Model, error) // nil: the teacher–student model (--link, --label-noise)
}

var dataModels = []dataModel{
	{"two-cluster", "rho", "0 < rho < 1", "linear", func(p *modelParams) (mixture.Model, error) {
		return mixture.TwoCluster(p.Rho, p.Delta), nil
	}},
	{"three-cluster", "rho", "0 < rho < 1", "quadratic", func(p *modelParams) (mixture.Model, error) {
		return mixture.ThreeCluster(p.Rho, p.Delta), nil
	}},
	{"custom", "clusters", "", "linear", func(p *modelParams) (mixture.Model, error) {
		cl, err := parseClusters(p.Clusters)
		return mixture.Model{Clusters: cl, Delta: p.Delta}, err
	}},
	{"teacher-student", "", "", "linear", nil},
}

// mixtureFlags and teacherFlags are the flags of the mixtures (besides
// their clusters' flags) and of the teacher.
var (
	mixtureFlags = []string{"delta"}
	teacherFlags = []string{"link", "label-noise"}
)

func dataModelNames() string {
	var s []string
	for _, m := range dataModels {
		s = append(s, m.name)
	}
	return strings.Join(s, ", ")
}

func dataModelOutputs() string {
	var s []string
	for _, m := range dataModels {
		s = append(s, m.name+" "+m.output)
	}
	return strings.Join(s, ", ")
}

// dataFlag resolves the alias --mixture of --data: it returns the flag the
// run's data model was given by ("data" when neither was), with p.Data set.
// The alias is never recorded: the record holds --data.
func (p *modelParams) dataFlag(f *cmdFlags) (string, error) {
	if f.Lookup("mixture") == nil {
		return "data", nil
	}
	f.omit["mixture"] = true
	_, alias := f.given["mixture"]
	_, data := f.given["data"]
	switch {
	case alias && data && p.Mixture != p.Data:
		return "", usagef("%s and %s: --mixture is an alias of --data; give one", f.show("data"), f.show("mixture"))
	case alias && !data:
		p.Data = p.Mixture
		f.resolve("data", p.Data)
		return "mixture", nil
	}
	return "data", nil
}

// dataModel returns the data model of --data (or its alias --mixture); the
// flags of the other data models do not apply.
func (p *modelParams) dataModel(f *cmdFlags) (dataModel, error) {
	var dm dataModel
	name, err := p.dataFlag(f)
	if err != nil {
		return dm, err
	}
	for _, m := range dataModels {
		if m.name == p.Data {
			dm = m
		}
	}
	if dm.name == "" {
		return dm, f.flagError(name, fmt.Errorf("unknown data model (allowed: %s)", dataModelNames()))
	}
	for _, m := range dataModels {
		if m.flag == "" {
			continue
		}
		if err := f.only(m.flag, m.flag == dm.flag, fmt.Sprintf("to --%s %s (it is for %s)", name, dm.name, m.name)); err != nil {
			return dm, err
		}
	}
	teach := dm.build == nil
	for _, fl := range mixtureFlags {
		if err := f.only(fl, !teach, fmt.Sprintf("to --%s %s (it is for the mixtures)", name, dm.name)); err != nil {
			return dm, err
		}
	}
	for _, fl := range teacherFlags {
		if err := f.only(fl, teach, fmt.Sprintf("to --%s %s (it is for teacher-student)", name, dm.name)); err != nil {
			return dm, err
		}
	}
	return dm, nil
}

// problem builds the problem of the flags. Every range check is the
// library's (dynamics.Problem.Validate and what it calls); its errors are
// mapped to flags. The defaults that depend on other flags (--output by
// data model, --b = 1 for gd) are resolved into the flag set, so that the
// record holds them.
func (p *modelParams) problem(f *cmdFlags) (dynamics.Problem, error) {
	var pr dynamics.Problem
	dm, err := p.dataModel(f)
	if err != nil {
		return pr, err
	}
	var (
		model mixture.Model
		tm    *teacher.Model
	)
	if dm.build != nil {
		if model, err = dm.build(p); err != nil {
			return pr, err
		}
	} else {
		link, err := teacher.ParseLink(p.Link)
		if err != nil {
			return pr, f.flagError("link", err)
		}
		tm = &teacher.Model{Link: link, Noise: p.LabelNoise}
	}
	margin, err := loss.ParseMargin(p.Loss)
	if err != nil {
		return pr, f.flagError("loss", err)
	}
	if p.Output == "" {
		p.Output = dm.output
		f.resolve("output", p.Output)
	}
	out, err := loss.ParseOutput(p.Output, 1)
	if err != nil {
		return pr, f.flagError("output", err)
	}
	_, quadratic := out.(loss.Quadratic)
	if err := f.only("kappa", quadratic, "to --output "+p.Output+" (only quadratic has a threshold)"); err != nil {
		return pr, err
	}
	if quadratic {
		if out, err = loss.ParseOutput(p.Output, p.Kappa); err != nil {
			return pr, f.flagError("kappa", err)
		}
	}
	algo, err := dynamics.ParseAlgorithm(p.Algo)
	if err != nil {
		return pr, f.flagError("algo", err)
	}
	if err := f.only("tau", algo == dynamics.PSGD || algo == dynamics.SGF, "to --algo "+p.Algo+" (only psgd and sgf use it)"); err != nil {
		return pr, err
	}
	if algo == dynamics.GD && p.B == 0 {
		p.B = 1
		f.resolve("b", "1")
	}
	pr = dynamics.Problem{
		Model: model, Teacher: tm, Loss: loss.Func{Margin: margin, Output: out},
		Alpha: p.Alpha, Lambda: p.Lambda, Algo: algo, B: p.B, Tau: p.Tau,
		Eta: p.Eta, T: p.T, M0: p.M0, C0: p.C0,
	}
	if err := pr.Validate(); err != nil {
		return pr, f.fieldError(err, map[string]fieldFlag{"Model.Clusters": {dm.flag, dm.want}})
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
