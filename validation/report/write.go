package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/validation"
	"gonum.org/v1/gonum/mat"
)

func variantDir(i int) string { return fmt.Sprintf("v%d", i) }

// Image is the file name of a scenario's plot inside its directory.
const Image = "plot.png"

// WriteScenario writes a scenario's validation into the subdirectory sub
// of out (see notebooks-data/README.md):
//
//	meta.json                                 Meta: provenance, sizes, seeds, problems, checks, verdicts
//	report.md, plot.png                       the scenario's Markdown report and its plot
//	v<i>/t.npy                                recorded times, shape (T,)
//	v<i>/dims.npy                             the simulated d, (D,)
//	v<i>/dmft_<obs>.npy, dmft_<obs>_se.npy    DMFT curve and its Monte-Carlo se, (T,)
//	v<i>/theory_<obs>.npy                     exact square-loss curve, where it applies, (T,)
//	v<i>/sim_<obs>.npy, sim_<obs>_se.npy      simulation means and se, (D, T)
//
// Variants are the directories v0, v1, … in the scenario's order; their
// labels are in meta.json. res must be sc's result.
func WriteScenario(out *output.Dir, sub string, sc validation.Scenario, res *validation.Result, prov Provenance) error {
	if res.Scenario != sc.Name {
		return fmt.Errorf("report: result of %s written as %s", res.Scenario, sc.Name)
	}
	if err := out.Mkdir(sub); err != nil {
		return err
	}
	for vi, v := range res.Variants {
		if err := writeVariant(out, filepath.Join(sub, variantDir(vi)), v); err != nil {
			return err
		}
	}
	var png bytes.Buffer
	if err := Plot(&png, res); err != nil {
		return fmt.Errorf("report: plot of %s: %w", sc.Name, err)
	}
	if err := os.WriteFile(out.Path(filepath.Join(sub, Image)), png.Bytes(), 0o644); err != nil {
		return err
	}
	var md bytes.Buffer
	Markdown(&md, []*validation.Result{res}, prov, func(string) string { return Image })
	if err := os.WriteFile(out.Path(filepath.Join(sub, "report.md")), md.Bytes(), 0o644); err != nil {
		return err
	}
	return out.JSON(filepath.Join(sub, "meta.json"), NewMeta(sc, res, prov))
}

func writeVariant(out *output.Dir, vd string, v validation.VariantResult) error {
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
	for _, o := range validation.Observables() {
		name := o.String()
		c := v.DMFT[o]
		if err := out.Vector(p("dmft_"+name), c.Mean); err != nil {
			return err
		}
		if err := out.Vector(p("dmft_"+name+"_se"), c.SE); err != nil {
			return err
		}
		if th, ok := v.Theory[o]; ok {
			if err := out.Vector(p("theory_"+name), th.Mean); err != nil {
				return err
			}
		}
		mean := mat.NewDense(len(v.Sims), len(v.Times), nil)
		se := mat.NewDense(len(v.Sims), len(v.Times), nil)
		for i, s := range v.Sims {
			mean.SetRow(i, s.Curves[o].Mean)
			se.SetRow(i, s.Curves[o].SE)
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
