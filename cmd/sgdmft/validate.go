package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/validation"
	"github.com/sgdmft/sgdmft/validation/report"
)

func init() {
	register(command{"validate", "DMFT and theory against finite-d simulations: verdicts, report, plots, notebook data", runValidate})
}

// validateMeta is the validate command's meta.json: what ran, how, and
// the verdicts.
type validateMeta struct {
	Command         string
	Version         string
	NumericsVersion int
	Level           string
	Seed            uint64
	Workers         int
	Scenarios       []string
	Pass            map[string]bool
	WallTime        float64 `json:"wall_time_s"`
}

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		scenario  = fs.String("scenario", "all", "scenario names, comma-separated, or all (--list describes them)")
		level     = fs.String("level", "quick", "test (seconds, the go test level), quick (minutes per scenario) or full (about an hour for all, the notebooks-data reference)")
		out       = fs.String("out", "out/validate", "output directory: meta.json, report.md, report.json and one directory of curves and plot per scenario (written atomically)")
		notebooks = fs.String("write-notebooks-data", "", "also write each scenario's directory into this one (normally notebooks-data)")
		workers   = fs.Int("workers", runtime.NumCPU(), "parallel workers (results do not depend on it)")
		seed      = fs.Uint64("seed", 1, "master seed")
		quiet     = fs.Bool("quiet", false, "no progress display")
		list      = fs.Bool("list", false, "list the scenarios and exit")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: sgdmft validate [--level test|quick|full] [--scenario NAME,...|all] [--out DIR]

Compares the DMFT (and exact theory where it applies) with simulator ensembles
at several d, extrapolated to d = ∞, by the verdict rule of package validation
(false-failure rate 1% per variant); prints a table, writes the report and
curves, and exits with status 1 if a scenario fails. The level and the
scenarios are independent.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	all := validation.Scenarios()
	if *list {
		var other []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "list" {
				other = append(other, "--"+f.Name)
			}
		})
		if len(other) > 0 {
			return usagef("--list takes no other flag (got %s)", strings.Join(other, ", "))
		}
		for _, s := range all {
			fmt.Fprintf(stdout, "%-36s %s\n", s.Name, s.Description)
		}
		return nil
	}
	lv, err := validation.ParseLevel(*level)
	if err != nil {
		return usagef("--level = %q: want test, quick or full", *level)
	}
	var chosen []validation.Scenario
	if *scenario == "all" {
		chosen = all
	} else {
		seen := map[string]bool{}
		for _, name := range strings.Split(*scenario, ",") {
			s, ok := validation.Lookup(name)
			if !ok {
				names := make([]string, len(all))
				for i, s := range all {
					names[i] = s.Name
				}
				return usagef("--scenario = %q: want all or one of %s", name, strings.Join(names, ", "))
			}
			if !seen[name] {
				chosen = append(chosen, s)
			}
			seen[name] = true
		}
	}
	if *workers < 1 {
		return usagef("--workers = %d: want workers >= 1", *workers)
	}
	if *out == "" {
		return usagef("--out: want a directory name")
	}
	if *notebooks != "" && filepath.Clean(*notebooks) == filepath.Clean(*out) {
		return usagef("--write-notebooks-data = --out = %q: want different directories", *out)
	}
	prov := report.Provenance{Version: buildVersion(), Command: commandLine("validate", args)}

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

	meta := validateMeta{Command: prov.Command, Version: prov.Version, NumericsVersion: validation.NumericsVersion,
		Level: lv.String(), Seed: *seed, Workers: *workers, Pass: map[string]bool{}, WallTime: wall.Seconds()}
	var metas []report.Meta
	for i, r := range results {
		meta.Scenarios = append(meta.Scenarios, r.Scenario)
		meta.Pass[r.Scenario] = r.Pass
		metas = append(metas, report.NewMeta(chosen[i], r, prov))
	}
	dir, err := output.Create(*out)
	if err != nil {
		return err
	}
	defer dir.Abort()
	var md bytes.Buffer
	report.Markdown(&md, results, prov, func(s string) string { return s + "/" + report.Image })
	fmt.Fprintf(&md, "\nTotal wall time %.1fs on %d workers.\n", wall.Seconds(), *workers)
	if err := os.WriteFile(dir.Path("report.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	if err := dir.JSON("report.json", metas); err != nil {
		return err
	}
	if err := dir.JSON("meta.json", meta); err != nil {
		return err
	}
	for i, r := range results {
		if err := report.WriteScenario(dir, r.Scenario, chosen[i], r, prov); err != nil {
			return err
		}
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	for i, r := range results {
		if *notebooks == "" {
			break
		}
		nb, err := output.Create(filepath.Join(*notebooks, r.Scenario))
		if err != nil {
			return err
		}
		if err := report.WriteScenario(nb, ".", chosen[i], r, prov); err != nil {
			nb.Abort()
			return err
		}
		if err := nb.Commit(); err != nil {
			return err
		}
	}
	report.Table(stdout, results)
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

// buildVersion is versionString with the commit the binary was built from
// and "-dirty" if the work tree had uncommitted changes (git diff against
// HEAD, tracked files), so that an output names the code that wrote it. A
// binary of go build carries both in its build information; under go run,
// which records none, they are asked of git in the working directory, and
// left out if that fails.
func buildVersion() string {
	v := versionString()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.modified" && s.Value == "true" {
				return v + "-dirty"
			}
		}
	}
	if strings.Contains(v, "+") {
		return v
	}
	rev, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil || len(bytes.TrimSpace(rev)) != 12 {
		return v
	}
	v += "+" + string(bytes.TrimSpace(rev))
	if exec.Command("git", "diff", "--quiet", "HEAD").Run() != nil {
		v += "-dirty"
	}
	return v
}

// commandLine returns the command line "sgdmft name args…", each argument
// quoted for a POSIX shell where it needs it, so that it can be pasted back.
func commandLine(name string, args []string) string {
	parts := []string{"sgdmft", name}
	for _, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+@%") == "" {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}
