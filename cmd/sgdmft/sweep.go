package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/sweep"
)

// sweepSynopsis heads the help of sgdmft sweep, which runs simulate, dmft
// or theory over a grid of parameters:
//
//	sgdmft sweep dmft --grid b=0.1,0.3,0.5 --grid alpha=0.5:3:6 --algo psgd --tau 2 --out out/b-alpha
//	sgdmft sweep run DIR [--shard i/n] [execution flags]   run (resume) the points of a sweep
//	sgdmft sweep gather DIR                                merge the points done into arrays
//	sgdmft sweep plot [--obs test_err] [--out DIR] DIR...  PNGs of the gathered arrays
//
// Each point is the command's own run (its run function, in process),
// written into DIR/points/NNNN exactly as the command writes --out; the
// library package sweep holds the grid, plan, executors and gathering.
const sweepSynopsis = `usage: sgdmft sweep simulate|dmft|theory --grid name=values [--grid ...] [sweep flags] [command flags]
       sgdmft sweep run DIR [execution flags]      run (resume) the points of the sweep in DIR
       sgdmft sweep gather DIR                     merge the points done into arrays
       sgdmft sweep plot [--obs a,b] [--out DIR] [--t T] DIR [DIR...]

Runs a command over a grid of its parameters. --grid takes a range a:b:n,
a log range a:b:n:log or a list v1,v2,...; several form their Cartesian
product, the last varying fastest (--zip pairs them instead). The command's
flags apply to every point; point i runs with the seed hash(--seed, i), so
that results do not depend on where or in which order points run.

DIR (--out) holds sweep.json (the plan), points/NNNN (each point's run,
exactly what the command writes with --out) and, gathered: axes.json,
<param>.npy for each numeric axis, t.npy, and for each curve observable
<obs>.npy of shape (n1, n2, ..., T) and <obs>_final.npy of shape (n1, n2, ...),
_se companions included; meta.json records the grid, the command line,
the version and each point's status. A failed point (NNNN.failed.json) holds
NaN; the sweep goes on and exits non-zero with the list of failures.
Rerunning the same command resumes: completed points are skipped.
`

// gridList is the repeatable --grid flag.
type gridList []string

func (g *gridList) String() string { return strings.Join(*g, " ") }
func (g *gridList) Set(s string) error {
	*g = append(*g, s)
	return nil
}
func (g *gridList) Get() any { return []string(*g) }

// execParams are the flags of how a sweep runs, shared by sweep CMD and
// sweep run.
type execParams struct {
	Executor    string
	Jobs, CPUs  int
	Shard       string
	Quiet       bool
	Submit      bool
	Wait        bool
	Poll        time.Duration
	Tasks       int
	MaxRunning  int
	CPUsPerTask int
	Mem, Time   string
	Partition   string
	Sbatch      gridList
	Binary      string
}

// sweepParams are the flags of sweep CMD.
type sweepParams struct {
	Grid      gridList
	Zip       bool
	Out       string
	MaxPoints int
	execParams
}

func (e *execParams) define(f *cmdFlags) {
	f.section("execution")
	f.StringVar(&e.Executor, "executor", "local", "local (this machine) or slurm (an sbatch job array)")
	f.IntVar(&e.CPUs, "cpus", runtime.NumCPU(), "local: the cores to use, >= 1")
	f.IntVar(&e.Jobs, "jobs", 0, "local: points run at once, >= 0 (0: --cpus divided by the points' --workers, or --cpus with --workers cpus/jobs each)")
	f.StringVar(&e.Shard, "shard", "", "local: run only shard i/n of the points (those with index mod n = i), e.g. 0/4, from any batch system")
	f.BoolVar(&e.Quiet, "quiet", false, "no line per point")
	f.section("slurm (--executor slurm)")
	f.BoolVar(&e.Submit, "submit", false, "submit the script with sbatch (default: only write DIR/slurm/sweep.sbatch)")
	f.BoolVar(&e.Wait, "wait", true, "--submit: wait for the job, then gather (default true; --wait=false returns once submitted)")
	f.FlagSet.DurationVar(&e.Poll, "poll", 10*time.Second, "--wait: how often to ask squeue")
	f.items = append(f.items, "poll")
	f.IntVar(&e.Tasks, "tasks", 0, "array tasks, each a shard of the points, >= 0 (0: one per point, at most 1000)")
	f.IntVar(&e.MaxRunning, "max-running", 0, "tasks running at once (--array=0-(n-1)%max), >= 0 (0: no limit)")
	f.IntVar(&e.CPUsPerTask, "cpus-per-task", 0, "cores per task, >= 0 (0: the points' --workers if given, else 1)")
	f.StringVar(&e.Mem, "mem", "", "memory per task (sbatch --mem), e.g. 4G")
	f.StringVar(&e.Time, "time", "", "time limit per task (sbatch --time), e.g. 2:00:00")
	f.StringVar(&e.Partition, "partition", "", "partition (sbatch --partition)")
	f.FlagSet.Var(&e.Sbatch, "sbatch", "a further sbatch option, a `string` such as --account=phys (repeatable)")
	f.items = append(f.items, "sbatch")
	f.StringVar(&e.Binary, "binary", "", "the sgdmft the tasks run (default: this executable)")
}

func sweepFlags(stderr io.Writer) (*cmdFlags, *sweepParams) {
	f := newCmdFlags("sweep", sweepSynopsis, stderr)
	p := new(sweepParams)
	f.section("grid")
	f.FlagSet.Var(&p.Grid, "grid", "the `string` name=a:b:n, name=a:b:n:log or name=v1,v2,...: sweep the command's flag name (repeatable)")
	f.items = append(f.items, "grid")
	f.BoolVar(&p.Zip, "zip", false, "pair the grids (equal lengths) instead of their Cartesian product")
	f.IntVar(&p.MaxPoints, "max-points", 10000, "refuse a grid of more points, >= 1")
	f.StringVar(&p.Out, "out", "out/sweep", "the sweep directory (rerunning with the same flags resumes it)")
	p.execParams.define(f)
	return f, p
}

func runFlags(stderr io.Writer) (*cmdFlags, *execParams) {
	f := newCmdFlags("sweep run", "usage: sgdmft sweep run DIR [flags]\n\nRuns the points of the sweep in DIR that are not done (all, or a shard).\n", stderr)
	e := new(execParams)
	e.define(f)
	return f, e
}

func init() {
	register(command{"sweep", "run simulate, dmft or theory over a grid of parameters, locally or as a Slurm job array", runSweep})
	flagSets["sweep"] = func() *cmdFlags { f, _ := sweepFlags(io.Discard); return f }
}

// sweepable are the commands a sweep runs.
var sweepable = []string{"simulate", "dmft", "theory"}

// notSwept are the flags of a command that a grid may not set: where and
// how a point runs, not what it computes.
var notSwept = map[string]string{
	"out": "the sweep writes each point into DIR/points", "quiet": "points run quietly",
	"config": "give --config once, for every point", "workers": "it does not change the results (give it once)",
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, sweepSynopsis)
		return usagef("sweep: no command given (simulate, dmft, theory, run, gather or plot)")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		f, _ := sweepFlags(stderr)
		f.usage()
		return flag.ErrHelp
	case "run":
		return sweepRun(ctx, args[1:], stdout, stderr)
	case "gather":
		return sweepGather(args[1:], stdout)
	case "plot":
		return sweepPlot(args[1:], stdout, stderr)
	}
	if !slices.Contains(sweepable, args[0]) {
		return usagef("sweep: %q is not a command to sweep (want simulate, dmft or theory), nor run, gather or plot", args[0])
	}
	plan, dir, e, err := parseSweep(args[0], args[1:], stderr)
	if err != nil {
		return err
	}
	return execute(ctx, dir, plan, e, stdout, stderr)
}

// splitArgs separates the sweep's flags from the command's: a flag that
// the sweep has is the sweep's (--out and --quiet included), any other
// must be the command's. --grid is both the sweep's (name=values) and
// dmft's (uniform or adaptive): a value with "=" is the sweep's.
func splitArgs(cmd string, args []string, sw, cf *flag.FlagSet) (swArgs, cmdArgs []string, err error) {
	for i := 0; i < len(args); i++ {
		tok := args[i]
		name, val, inline := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		if !strings.HasPrefix(tok, "-") || tok == "-" || tok == "--" {
			return nil, nil, usagef("sweep %s: unexpected argument %q (flags are --name value)", cmd, tok)
		}
		if name == "h" || name == "help" {
			return nil, nil, flag.ErrHelp
		}
		fl, dst := sw.Lookup(name), &swArgs
		if !inline && i+1 < len(args) {
			val = args[i+1]
		}
		if fl == nil || sharedFlags[name] && cf.Lookup(name) != nil && !strings.Contains(val, "=") {
			fl, dst = cf.Lookup(name), &cmdArgs
		}
		if fl == nil {
			return nil, nil, usagef("sweep %s: %v", cmd, unknownFlag(cmd, name))
		}
		*dst = append(*dst, tok)
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); inline || ok && b.IsBoolFlag() {
			continue
		}
		if i+1 == len(args) {
			return nil, nil, usagef("sweep %s: flag needs an argument: %s", cmd, tok)
		}
		i++
		*dst = append(*dst, args[i])
	}
	return swArgs, cmdArgs, nil
}

// sharedFlags are the flags of the sweep that a command also has; the
// sweep's value has the form name=values, the command's not.
var sharedFlags = map[string]bool{"grid": true}

// flagKind is the kind of grid values a flag takes.
func flagKind(fl *flag.Flag) sweep.Kind {
	switch fl.Value.(flag.Getter).Get().(type) {
	case float64:
		return sweep.Float
	case int, int64, uint, uint64:
		return sweep.Integer
	}
	return sweep.Text
}

// parseSweep parses sweep CMD's command line into the plan, checks every
// point's flags with the command's own parser, and makes the sweep
// directory (or finds the same sweep there). It does no work.
func parseSweep(cmd string, args []string, stderr io.Writer) (*sweep.Plan, string, *execParams, error) {
	sf, sp := sweepFlags(stderr)
	cf := flagSets[cmd]()
	swArgs, cmdArgs, err := splitArgs(cmd, args, sf.FlagSet, cf.FlagSet)
	if errors.Is(err, flag.ErrHelp) {
		sf.usage()
		fmt.Fprintf(stderr, "\nThe flags of sgdmft %s apply to every point: sgdmft help %s\n", cmd, cmd)
		return nil, "", nil, err
	} else if err != nil {
		return nil, "", nil, err
	}
	if err := sf.parse(swArgs); err != nil {
		return nil, "", nil, err
	}
	if err := sp.execParams.check(sf); err != nil {
		return nil, "", nil, err
	}
	if err := cf.parse(cmdArgs); err != nil {
		return nil, "", nil, err
	}
	if sp.MaxPoints < 1 {
		return nil, "", nil, sf.flagError("max-points", errors.New("want >= 1"))
	}
	if sp.Out == "" {
		return nil, "", nil, usagef("--out: want a directory name")
	}
	if _, ok := cf.given["grid"]; ok && len(sp.Grid) == 0 {
		return nil, "", nil, usagef("--grid %s: taken as the --grid of sgdmft %s (its time grid, see sgdmft help %s); for the sweep's, want name=values, e.g. --grid alpha=0.5:3:11", cf.Lookup("grid").Value, cmd, cmd)
	}
	var g sweep.Grid
	g.Zip = sp.Zip
	for _, spec := range sp.Grid {
		name, values, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, "", nil, usagef("--grid %s: want name=values, e.g. alpha=0.5:3:11", spec)
		}
		fl := cf.Lookup(name)
		switch {
		case fl == nil:
			return nil, "", nil, usagef("--grid %s: %v", spec, unknownFlag(cmd, name))
		case notSwept[name] != "":
			return nil, "", nil, usagef("--grid %s: --%s cannot be swept (%s)", spec, name, notSwept[name])
		}
		if _, given := cf.given[name]; given && cf.given[name] == "" {
			return nil, "", nil, usagef("--grid %s: --%s is also given as a flag: sweep it or fix it, not both", spec, name)
		}
		a, err := sweep.ParseAxis(name, values, flagKind(fl))
		if err != nil {
			return nil, "", nil, usageError{err}
		}
		probe := flagSets[cmd]()
		for _, v := range a.Values {
			if err := probe.Set(name, v); err != nil {
				return nil, "", nil, usagef("--grid %s: --%s %s: %v", spec, name, v, err)
			}
		}
		g.Axes = append(g.Axes, a)
	}
	if err := g.Validate(sp.MaxPoints); err != nil {
		return nil, "", nil, usageError{err}
	}

	// The command's flags common to every point, in the order given, less
	// --seed (each point has its own); --config becomes an absolute path.
	var base []string
	for i := 0; i < len(cmdArgs); i++ {
		name, val, inline := strings.Cut(strings.TrimLeft(cmdArgs[i], "-"), "=")
		fl := cf.Lookup(name)
		isBool := false
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			isBool = true
		}
		if !inline && !isBool {
			i++
			val = cmdArgs[i]
		}
		if name == "config" {
			if val, err = filepath.Abs(val); err != nil {
				return nil, "", nil, err
			}
		}
		switch {
		case name == "seed":
		case isBool && !inline:
			base = append(base, "--"+name)
		case isBool:
			base = append(base, "--"+name+"="+val)
		default:
			base = append(base, "--"+name, val)
		}
	}
	seedFlag, seed := "", uint64(0)
	if fl := cf.Lookup("seed"); fl != nil && !slices.ContainsFunc(g.Axes, func(a sweep.Axis) bool { return a.Param == "seed" }) {
		seedFlag, seed = "seed", fl.Value.(flag.Getter).Get().(uint64)
	}
	plan := sweep.NewPlan(cmd, base, g, seedFlag, seed)
	plan.CommandLine = append([]string{"sgdmft", "sweep", cmd}, args...)
	plan.Version, plan.VCS = versionString(), output.BuildVCS()

	// Every point's flags through the command's own checks, before any
	// work: a grid that is invalid at every point is bad input; invalid
	// points among valid ones fail when they run, and are recorded.
	var bad []string
	var first error
	for _, pt := range plan.Points {
		if err := checkPoint(cmd, pt.Args); err != nil {
			if first == nil {
				first = err
			}
			bad = append(bad, fmt.Sprintf("point %d (%s): %v", pt.Index, pt.Label(g), err))
		}
	}
	if len(bad) == len(plan.Points) {
		return nil, "", nil, usagef("sweep %s: every point is invalid; point 0 (%s): %v", cmd, plan.Points[0].Label(g), first)
	}
	if len(bad) > 0 && !sp.Quiet {
		fmt.Fprintf(stderr, "sgdmft sweep: %d of %d points are invalid and will be recorded as failed:\n  %s\n", len(bad), len(plan.Points), strings.Join(bad, "\n  "))
	}
	plan, err = sweep.Init(sp.Out, plan)
	if err != nil {
		return nil, "", nil, usageError{err}
	}
	return plan, sp.Out, &sp.execParams, nil
}

// checkPoint runs the command's parser on a point's flags (with a
// placeholder --out): simulate and dmft check everything without work;
// theory checks its flags, and its ranges when the point runs.
func checkPoint(cmd string, args []string) error {
	args = append(slices.Clone(args), "--out", "unused")
	switch cmd {
	case "simulate":
		_, err := parseSimulate(args, io.Discard)
		return err
	case "dmft":
		_, err := parseDMFT(args, io.Discard)
		return err
	}
	return flagSets[cmd]().parse(args)
}

// check validates the execution flags.
func (e *execParams) check(f *cmdFlags) error {
	switch {
	case e.Executor != "local" && e.Executor != "slurm":
		return f.flagError("executor", errors.New("want local or slurm"))
	case e.CPUs < 1:
		return f.flagError("cpus", errors.New("want >= 1"))
	case e.Jobs < 0:
		return f.flagError("jobs", errors.New("want >= 0 (0: from --cpus)"))
	case e.Tasks < 0:
		return f.flagError("tasks", errors.New("want >= 0 (0: one per point)"))
	case e.MaxRunning < 0:
		return f.flagError("max-running", errors.New("want >= 0 (0: no limit)"))
	case e.CPUsPerTask < 0:
		return f.flagError("cpus-per-task", errors.New("want >= 0"))
	case e.Poll <= 0:
		return f.flagError("poll", errors.New("want > 0"))
	case e.Shard != "" && e.Executor == "slurm":
		return usagef("--shard does not apply to --executor slurm (each array task is a shard; see --tasks)")
	case e.Submit && e.Executor != "slurm":
		return usagef("--submit applies to --executor slurm")
	}
	if e.Shard != "" {
		if _, err := sweep.ParseShard(e.Shard); err != nil {
			return usageError{err}
		}
	}
	for _, name := range []string{"tasks", "max-running", "cpus-per-task", "mem", "time", "partition", "sbatch", "binary", "wait", "poll"} {
		if _, ok := f.given[name]; ok && e.Executor != "slurm" {
			return usagef("--%s applies to --executor slurm", name)
		}
	}
	for _, name := range []string{"wait", "poll"} {
		if _, ok := f.given[name]; ok && !e.Submit {
			return usagef("--%s applies with --submit", name)
		}
	}
	return nil
}

// sweepRun is sgdmft sweep run DIR: it runs the plan already in DIR.
func sweepRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, e := runFlags(stderr)
	dir, rest, err := positional(args, "sweep run DIR")
	if err != nil {
		return err
	}
	if err := f.parse(rest); err != nil {
		return err
	}
	if err := e.check(f); err != nil {
		return err
	}
	plan, err := sweep.LoadPlan(dir)
	if err != nil {
		return usageError{err}
	}
	return execute(ctx, dir, plan, e, stdout, stderr)
}

// positional takes the first argument that is not a flag as DIR.
func positional(args []string, what string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, usagef("%s: want the sweep directory first", what)
	}
	return args[0], args[1:], nil
}

// execute runs the plan's points with the chosen executor.
func execute(ctx context.Context, dir string, plan *sweep.Plan, e *execParams, stdout, stderr io.Writer) error {
	if e.Executor == "slurm" {
		return executeSlurm(ctx, dir, plan, e, stdout, stderr)
	}
	var shard sweep.Shard
	if e.Shard != "" {
		shard, _ = sweep.ParseShard(e.Shard)
	}
	pending := 0
	for _, pt := range plan.Points {
		if st, _, err := sweep.StateOf(dir, pt); err == nil && st != sweep.Done && shard.Has(pt.Index) {
			pending++
		}
	}
	jobs, workers := share(plan, e.CPUs, e.Jobs, pending)
	var log io.Writer = stderr
	if e.Quiet {
		log = nil
	}
	if log != nil {
		fmt.Fprintf(stderr, "sgdmft sweep: %s over %s: %d points, %d to run (shard %s), %d at a time%s -> %s\n",
			plan.Command, gridShape(plan.Grid), len(plan.Points), pending, shard, jobs, workersNote(workers), dir)
	}
	loc := sweep.Local{Jobs: jobs, Shard: shard, Log: prefixed(log)}
	if sweepFinished != nil {
		loc.Finished = sweepFinished
	}
	rep, err := loc.Run(ctx, dir, plan, pointRunner(plan, workers, stderr))
	if err != nil {
		if rep.Interrupted > 0 {
			return fmt.Errorf("sweep interrupted: %d points done, %d left pending (rerun the same command to resume): %w", rep.Ran+rep.Skipped-len(rep.Failed), rep.Interrupted, err)
		}
		return err
	}
	if shard.N > 0 {
		fmt.Fprintf(stdout, "sweep shard %s: %d points, %d done before, %d run, %d failed; merge with: sgdmft sweep gather %s\n",
			shard, rep.Points, rep.Skipped, rep.Ran, len(rep.Failed), dir)
		return failures(plan, rep.Failed)
	}
	_, err = gatherReport(dir, stdout)
	return err
}

// sweepFinished is a test hook: called after each point of a local run.
var sweepFinished func(pt sweep.Point, err error)

func workersNote(w int) string {
	if w == 0 {
		return ""
	}
	return fmt.Sprintf(" with --workers %d each", w)
}

// share divides cpus between points run at once and each point's own
// workers: the points' --workers if given (then jobs = cpus/workers),
// else one worker per point while there are more points than cpus, and
// the cpus shared among the points otherwise. workers is 0 when the
// command has no --workers or the plan gives it.
func share(plan *sweep.Plan, cpus, jobs, pending int) (int, int) {
	pending = max(1, pending)
	has := flagSets[plan.Command]().Lookup("workers") != nil
	given := 0
	for i := 0; i+1 < len(plan.Args); i++ {
		if plan.Args[i] == "--workers" {
			given, _ = strconv.Atoi(plan.Args[i+1])
		}
	}
	switch {
	case !has:
		if jobs == 0 {
			jobs = cpus
		}
		return min(jobs, pending), 0
	case given > 0:
		if jobs == 0 {
			jobs = max(1, cpus/given)
		}
		return min(jobs, pending), 0
	}
	if jobs == 0 {
		jobs = cpus
	}
	jobs = min(jobs, pending)
	return jobs, max(1, cpus/jobs)
}

// pointRunner runs a point in process through the command's run function:
// the point's flags, then --out, --quiet and --workers when the sweep
// chooses them. The command's report to stdout is in its meta.json; its
// stderr (warnings) goes to stderr with the point's index.
func pointRunner(plan *sweep.Plan, workers int, stderr io.Writer) sweep.RunFunc {
	var run func(context.Context, []string, io.Writer, io.Writer) error
	for _, c := range commands() {
		if c.name == plan.Command {
			run = c.run
		}
	}
	fs := flagSets[plan.Command]()
	return func(ctx context.Context, pt sweep.Point, out string) (err error) {
		args := append(slices.Clone(pt.Args), "--out", out)
		if fs.Lookup("quiet") != nil {
			args = append(args, "--quiet")
		}
		if workers > 0 {
			args = append(args, "--workers", strconv.Itoa(workers))
		}
		var errb bytes.Buffer
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
			if errb.Len() > 0 {
				for _, line := range strings.Split(strings.TrimRight(errb.String(), "\n"), "\n") {
					fmt.Fprintf(stderr, "sgdmft sweep: point %d: %s\n", pt.Index, line)
				}
			}
		}()
		return run(ctx, args, io.Discard, &errb)
	}
}

// prefixed returns w with "sgdmft sweep: " before each write (a line).
func prefixed(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return prefixWriter{w}
}

type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, "sgdmft sweep: "+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func gridShape(g sweep.Grid) string {
	var dims, names []string
	for _, s := range g.Shape() {
		dims = append(dims, strconv.Itoa(s))
	}
	for _, a := range g.Axes {
		names = append(names, a.Param)
	}
	sep := " × "
	if g.Zip {
		sep = " with "
	}
	return strings.Join(names, sep) + " (" + strings.Join(dims, " × ") + ")"
}

// failures is the error of a sweep with failed points: their list.
func failures(plan *sweep.Plan, failed []sweep.Failure) error {
	if len(failed) == 0 {
		return nil
	}
	slices.SortFunc(failed, func(a, b sweep.Failure) int { return a.Index - b.Index })
	lines := []string{fmt.Sprintf("%d of %d points failed (their arrays hold NaN; rerun to retry them):", len(failed), len(plan.Points))}
	for _, f := range failed {
		lines = append(lines, fmt.Sprintf("  point %d (%s): %s", f.Index, plan.Points[f.Index].Label(plan.Grid), f.Error))
	}
	return errors.New(strings.Join(lines, "\n"))
}

// gatherReport gathers the sweep in dir, prints what it holds, and
// returns the failures as an error.
func gatherReport(dir string, stdout io.Writer) (*sweep.Record, error) {
	rec, err := sweep.Gather(dir, versionString())
	if err != nil {
		return nil, err
	}
	shape := func(s ...int) string {
		var d []string
		for _, x := range s {
			d = append(d, strconv.Itoa(x))
		}
		if len(d) == 1 {
			return "(" + d[0] + ",)"
		}
		return "(" + strings.Join(d, ", ") + ")"
	}
	fmt.Fprintf(stdout, "sweep %s over %s: %d done, %d failed, %d pending -> %s\n",
		rec.Swept, gridShape(rec.Grid), rec.Done, rec.Failed, rec.Pending, dir)
	if len(rec.Observables) > 0 {
		full := append(slices.Clone(rec.Shape), rec.Times)
		t := full
		if rec.SharedTime {
			t = full[len(full)-1:]
		}
		fmt.Fprintf(stdout, "  t.npy %s; %s.npy %s and _final.npy %s\n", shape(t...), strings.Join(rec.Observables, ", "),
			shape(full...), shape(rec.Shape...))
	}
	if len(rec.Scalars) > 0 {
		fmt.Fprintf(stdout, "  %s_final.npy %s\n", strings.Join(rec.Scalars, "_final.npy, "), shape(rec.Shape...))
	}
	if rec.Pending > 0 {
		fmt.Fprintf(stdout, "  %d points are not done: sgdmft sweep run %s runs them\n", rec.Pending, dir)
	}
	plan, err := sweep.LoadPlan(dir)
	if err != nil {
		return rec, err
	}
	var failed []sweep.Failure
	for _, p := range rec.Points {
		if p.Status == sweep.Failed {
			failed = append(failed, sweep.Failure{Index: p.Index, Error: p.Error})
		}
	}
	return rec, failures(plan, failed)
}

// sweepGather is sgdmft sweep gather DIR.
func sweepGather(args []string, stdout io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return usagef("usage: sgdmft sweep gather DIR")
	}
	if _, err := sweep.LoadPlan(args[0]); err != nil {
		return usageError{err}
	}
	_, err := gatherReport(args[0], stdout)
	return err
}

// sweepPlot is sgdmft sweep plot [flags] DIR [DIR...].
func sweepPlot(args []string, stdout, stderr io.Writer) error {
	f := newCmdFlags("sweep plot", `usage: sgdmft sweep plot [--obs a,b] [--out DIR] [--t T] DIR [DIR...]

PNGs of gathered sweeps: each observable at the final time (or --t) against
the first axis, one curve per value of the second, the sweeps side by side
(e.g. dmft and simulate over the same grid); and for one sweep of two or
more axes a heat map over the first two. Default --out: DIR/plots.
`, stderr)
	var obs, out string
	var at float64
	f.StringVar(&obs, "obs", "", "observables to plot, comma-separated (default: all, without _se)")
	f.StringVar(&out, "out", "", "directory of the PNGs (default: the first DIR/plots)")
	f.Float64Var(&at, "t", math.NaN(), "plot at the recorded time nearest t (default: the final time)")
	var dirs []string
	rest := args
	for {
		// Flags and directories in any order.
		f.SetOutput(io.Discard)
		err := f.FlagSet.Parse(rest)
		f.SetOutput(stderr)
		if errors.Is(err, flag.ErrHelp) {
			f.usage()
			return err
		} else if err != nil {
			return usagef("sweep plot: %v", err)
		}
		if f.NArg() == 0 {
			break
		}
		dirs = append(dirs, f.Arg(0))
		rest = f.Args()[1:]
	}
	if len(dirs) == 0 {
		return usagef("usage: sgdmft sweep plot [flags] DIR [DIR...]")
	}
	if out == "" {
		out = filepath.Join(dirs[0], "plots")
	}
	var list []string
	if obs != "" {
		list = strings.Split(obs, ",")
	}
	files, err := sweep.Plot(dirs, list, out, at)
	for _, file := range files {
		fmt.Fprintln(stdout, file)
	}
	return err
}
