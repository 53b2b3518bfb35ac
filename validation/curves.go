package validation

import (
	"fmt"
	"path/filepath"

	"github.com/sgdmft/sgdmft/internal/output"
	"gonum.org/v1/gonum/mat"
)

// WriteCurves writes a scenario's curves as float64 .npy files under
// dir/<scenario>/ (see notebooks-data/README.md for the layout):
//
//	<variant>/t.npy                          recorded times, shape (T,)
//	<variant>/dmft_<obs>.npy, _se.npy        DMFT curve and its Monte-Carlo se, (T,)
//	<variant>/theory_<obs>.npy               exact square-loss curve, where it applies, (T,)
//	<variant>/sim_<obs>.npy, sim_<obs>_se.npy simulation means and se, (len(dims), T)
//	<variant>/dims.npy                       the simulated d, (len(dims),)
//	meta.json                                scenario, variants, problems, sizes, verdicts
//
// Variants are directories named v0, v1, … in the scenario's order; their
// labels are in meta.json.
func WriteCurves(dir string, sc Scenario, res *Result) error {
	out, err := output.Create(filepath.Join(dir, sc.Name))
	if err != nil {
		return err
	}
	defer out.Abort()
	type variantMeta struct {
		Dir, Label string
		Problem    problemMeta
		Pass       bool
		Checks     []Check
		ERM        map[string]float64 `json:",omitempty"`
	}
	meta := struct {
		Scenario, Description, Level string
		Dims                         []int
		Seeds, DMFTSamples, Every    int
		Observables                  []string
		Variants                     []variantMeta
		Pass                         bool
	}{Scenario: sc.Name, Description: sc.Description, Level: res.Level, Dims: res.Dims,
		Seeds: sc.Size(levelOf(res.Level)).Seeds, DMFTSamples: sc.Size(levelOf(res.Level)).Samples, Every: sc.Every, Pass: res.Pass}
	for _, o := range Compared {
		meta.Observables = append(meta.Observables, o.String())
	}
	for vi, v := range res.Variants {
		vd := fmt.Sprintf("v%d", vi)
		if err := writeVariant(out, vd, v); err != nil {
			return err
		}
		meta.Variants = append(meta.Variants, variantMeta{Dir: vd, Label: v.Label, Problem: describe(sc.Variants[vi].Problem), Pass: v.Pass, Checks: v.Checks, ERM: v.ERM})
	}
	if err := out.JSON("meta.json", meta); err != nil {
		return err
	}
	return out.Commit()
}

func levelOf(name string) Level {
	for l, n := range levelNames {
		if n == name {
			return Level(l)
		}
	}
	return Full
}

func writeVariant(out *output.Dir, vd string, v VariantResult) error {
	if err := out.Mkdir(vd); err != nil {
		return err
	}
	p := func(name string) string { return filepath.Join(vd, name) }
	dims := make([]float64, len(v.Sims))
	for i, s := range v.Sims {
		dims[i] = float64(s.D)
	}
	if err := out.Vector(p("t"), v.Times); err != nil {
		return err
	}
	if err := out.Vector(p("dims"), dims); err != nil {
		return err
	}
	for _, o := range Compared {
		name := o.String()
		c := v.DMFT[name]
		if err := out.Vector(p("dmft_"+name), c.Mean); err != nil {
			return err
		}
		if err := out.Vector(p("dmft_"+name+"_se"), c.SE); err != nil {
			return err
		}
		if th, ok := v.Theory[name]; ok {
			if err := out.Vector(p("theory_"+name), th.Mean); err != nil {
				return err
			}
		}
		mean := mat.NewDense(len(v.Sims), len(v.Times), nil)
		se := mat.NewDense(len(v.Sims), len(v.Times), nil)
		for i, s := range v.Sims {
			mean.SetRow(i, s.Obs[name].Mean)
			se.SetRow(i, s.Obs[name].SE)
		}
		if err := out.Matrix(p("sim_"+name), mean); err != nil {
			return err
		}
		if err := out.Matrix(p("sim_"+name+"_se"), se); err != nil {
			return err
		}
	}
	return nil
}
