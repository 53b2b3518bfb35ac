package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/validation"
)

func init() {
	register(command{"validate", "DMFT and theory against finite-d simulations: report, plots, notebook data", runValidate})
}

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		scenario  = fs.String("scenario", "", "scenario name or all; without it, the quick versions of all scenarios (the default job)")
		quick     = fs.Bool("quick", false, "quick versions (d ≤ 1000, fewer seeds): minutes instead of an hour")
		level     = fs.String("level", "", "full, quick or test (overrides --quick)")
		out       = fs.String("out", "out/validate", "output directory: report.md, report.json, one PNG per scenario, curves (written atomically)")
		notebooks = fs.String("write-notebooks-data", "", "also write the scenarios' curves into this directory (normally notebooks-data)")
		workers   = fs.Int("workers", runtime.NumCPU(), "parallel workers (results do not depend on it)")
		seed      = fs.Uint64("seed", 1, "master seed")
		quiet     = fs.Bool("quiet", false, "no progress display")
		list      = fs.Bool("list", false, "list the scenarios and exit")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: sgdmft validate [--scenario NAME|all] [--quick] [--out DIR]\n\nCompares the DMFT (and exact theory where it applies) with simulator ensembles at\nseveral d; prints a table, writes report.md, report.json and a PNG per scenario,\nand exits with status 1 if a scenario fails.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	all := validation.Scenarios()
	if *list {
		for _, s := range all {
			fmt.Fprintf(stdout, "%-36s %s\n", s.Name, s.Description)
		}
		return nil
	}
	lv := validation.Full
	if *scenario == "" || *quick {
		lv = validation.Quick
	}
	switch *level {
	case "":
	case "full":
		lv = validation.Full
	case "quick":
		lv = validation.Quick
	case "test":
		lv = validation.Test
	default:
		return usagef("--level = %q: want full, quick or test", *level)
	}
	var chosen []validation.Scenario
	switch *scenario {
	case "", "all":
		chosen = all
	default:
		for _, name := range strings.Split(*scenario, ",") {
			s, ok := validation.Lookup(name)
			if !ok {
				names := make([]string, len(all))
				for i, s := range all {
					names[i] = s.Name
				}
				return usagef("--scenario = %q: want all or one of %s", name, strings.Join(names, ", "))
			}
			chosen = append(chosen, s)
		}
	}
	if *workers < 1 {
		return usagef("--workers = %d: want workers >= 1", *workers)
	}
	if *out == "" {
		return usagef("--out: want a directory name")
	}

	start := time.Now()
	bar := newProgress(stderr, "validate", *quiet)
	var results []*validation.Result
	for i, sc := range chosen {
		bar.label = fmt.Sprintf("[%d/%d] %s", i+1, len(chosen), sc.Name)
		r, err := validation.Run(ctx, sc, validation.Options{
			Level: lv, Workers: *workers, Seed: *seed,
			Progress: func(stage string, done, total int64) { bar.update(done, total) },
		})
		if err != nil {
			bar.done()
			return err
		}
		results = append(results, r)
	}
	bar.done()
	wall := time.Since(start)

	dir, err := output.Create(*out)
	if err != nil {
		return err
	}
	defer dir.Abort()
	var md bytes.Buffer
	validation.Markdown(&md, results)
	fmt.Fprintf(&md, "\nTotal wall time %.1fs on %d workers (%s).\n", wall.Seconds(), *workers, versionString())
	if err := os.WriteFile(dir.Path("report.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	if err := dir.JSON("report.json", struct {
		Version  string
		Level    string
		Seed     uint64
		WallTime float64 `json:"wall_time_s"`
		Results  []*validation.Result
	}{versionString(), lv.String(), *seed, wall.Seconds(), results}); err != nil {
		return err
	}
	for i, r := range results {
		if err := validation.Plot(r, dir.Path(r.Scenario+".png")); err != nil {
			return err
		}
		if err := validation.WriteCurves(dir.Path("curves"), chosen[i], r); err != nil {
			return err
		}
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	if *notebooks != "" {
		for i, r := range results {
			if err := validation.WriteCurves(*notebooks, chosen[i], r); err != nil {
				return err
			}
		}
	}
	validation.Table(stdout, results)
	var failed []string
	for _, r := range results {
		if !r.Pass {
			failed = append(failed, r.Scenario)
		}
	}
	fmt.Fprintf(stdout, "\n%d scenarios (%s level) in %.1fs; report in %s\n", len(results), lv, wall.Seconds(), filepath.Join(*out, "report.md"))
	if len(failed) > 0 {
		return fmt.Errorf("validation failed: %s", strings.Join(failed, ", "))
	}
	return nil
}
