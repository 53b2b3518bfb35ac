package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/sgdmft/sgdmft/validation"
)

func verdict(pass bool) string {
	if pass {
		return "pass"
	}
	return "FAIL"
}

func fmtZ(z float64) string {
	switch {
	case math.IsInf(z, 0):
		return "inf"
	case math.IsNaN(z):
		return "NaN"
	}
	return fmt.Sprintf("%.2f", z)
}

func fmtDF(df float64) string {
	if math.IsInf(df, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.0f", df)
}

// Table writes the summary table: one row per scenario, variant,
// observable and reference, with the worst comparison of the d → ∞
// extrapolation over the times, its Welch degrees of freedom and the
// threshold it is judged against.
func Table(w io.Writer, results []*validation.Result) {
	fmt.Fprintf(w, "%-36s %-16s %-10s %-6s %6s %12s %7s %6s %6s %s\n",
		"scenario", "variant", "observable", "ref", "t", "extrap.dev", "|z∞|", "df", "thr", "verdict")
	for _, r := range results {
		for _, v := range r.Variants {
			for _, c := range v.Checks {
				fmt.Fprintf(w, "%-36s %-16s %-10v %-6v %6g %12.3e %7s %6s %6s %s\n",
					r.Scenario, v.Label, c.Observable, c.Reference, c.Time, c.Worst.Dev, fmtZ(math.Abs(c.Worst.Z)),
					fmtDF(c.Worst.DF), fmtZ(c.Threshold()), verdict(c.Pass))
			}
		}
	}
}

// Markdown writes the report of the results. image returns the path of a
// scenario's PNG relative to the report, or "" for none.
func Markdown(w io.Writer, results []*validation.Result, prov Provenance, image func(scenario string) string) {
	fmt.Fprintln(w, "# Validation: DMFT and theory against finite-d simulations")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "For each observable, reference (DMFT; exact theory or the ERM fixed point where it applies) and")
	fmt.Fprintln(w, "recorded time, the simulations' means over seeds at the dimensions d are fitted as A + B/d with")
	fmt.Fprintln(w, "fixed weights seeds·d, and the intercept A is compared with the reference by Welch's t: the")
	fmt.Fprintln(w, "difference over its standard error (both parts estimated, from the seeds and the DMFT's batches),")
	fmt.Fprintln(w, "with Welch–Satterthwaite degrees of freedom. A variant passes if no comparison has a two-sided")
	fmt.Fprintf(w, "p-value below %g/n, n its number of comparisons (Bonferroni): a correct theory fails with\n", validation.FamilyAlpha)
	fmt.Fprintf(w, "probability at most %g. The tables give, per observable and reference, the worst comparison over\n", validation.FamilyAlpha)
	fmt.Fprintln(w, "the times; the worst |z| at each d alone is a diagnostic of the finite-size effect.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Written by sgdmft %s (numerics version %d): `%s`\n\n", prov.Version, validation.NumericsVersion, prov.Command)
	for _, r := range results {
		var ds []string
		for _, v := range r.Variants[:1] {
			for _, s := range v.Sims {
				ds = append(ds, fmt.Sprintf("d=%d (%d seeds)", s.D, s.Seeds))
			}
		}
		fmt.Fprintf(w, "## %s — %s\n\n%s\n\nLevel %v, master seed %d, %s; wall time %.1fs.",
			r.Scenario, verdict(r.Pass), r.Description, r.Level, r.Seed, strings.Join(ds, ", "), r.Wall.Seconds())
		if img := image(r.Scenario); img != "" {
			fmt.Fprintf(w, " ![%s](%s)", r.Scenario, img)
		}
		if realLabels(r) {
			fmt.Fprint(w, " The labels are real (teacher–student regression): train_err and test_err are mean squared errors.")
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w)
		for _, v := range r.Variants {
			fmt.Fprintf(w, "### %s — %s\n\n", v.Label, verdict(v.Pass))
			if v.DMFTSamples == 0 {
				fmt.Fprintf(w, "DMFT: solved exactly (no sampling), %.1fs.", v.DMFTWall.Seconds())
			} else {
				fmt.Fprintf(w, "DMFT: %d trajectories in %d batches, %.1fs.", v.DMFTSamples, v.DMFTBatches, v.DMFTWall.Seconds())
			}
			fmt.Fprint(w, " Simulations:")
			for _, s := range v.Sims {
				fmt.Fprintf(w, " d=%d (n=%d, %d seeds, %.1fs);", s.D, s.N, s.Seeds, s.Wall.Seconds())
			}
			fmt.Fprintf(w, " %d comparisons.\n\n", v.Comparisons)
			hdr := make([]string, len(v.Sims))
			for i, s := range v.Sims {
				hdr[i] = fmt.Sprintf("worst \\|z\\| d=%d", s.D)
			}
			fmt.Fprintf(w, "| observable | ref | %s | extrapolated deviation (at t) | \\|z∞\\| | df | threshold | verdict |\n", strings.Join(hdr, " | "))
			fmt.Fprintf(w, "|---|---|%s---|---|---|---|---|\n", strings.Repeat("---|", len(v.Sims)))
			for _, c := range v.Checks {
				zs := make([]string, len(c.WorstZ))
				for i, z := range c.WorstZ {
					zs[i] = fmtZ(z)
				}
				fmt.Fprintf(w, "| %v | %v | %s | %.3e ± %.1e (t=%g) | %s | %s | %s | %s |\n",
					c.Observable, c.Reference, strings.Join(zs, " | "), c.Worst.Dev, c.Worst.SE, c.Time,
					fmtZ(math.Abs(c.Worst.Z)), fmtDF(c.Worst.DF), fmtZ(c.Threshold()), verdict(c.Pass))
			}
			fmt.Fprintln(w)
		}
	}
}

// realLabels reports whether a result's problems have real-valued labels
// (a teacher whose link is not Binary), whose error observables are mean
// squared errors.
func realLabels(r *validation.Result) bool {
	for _, v := range r.Variants {
		if t := v.Problem.Teacher; t != nil && !t.Link.Binary() {
			return true
		}
	}
	return false
}
