package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/output"
)

// usageError is bad input: reported with exit status 2, before any work.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// cmdFlags is the flag set of one command: its flags in documented order
// under section headings, which of them were given (on the command line or
// by --config), and which do not apply to this run (a given one is an
// error; none is recorded).
type cmdFlags struct {
	*flag.FlagSet
	synopsis string            // usage text above the flags
	items    []string          // flag names in order; "#title" starts a section
	given    map[string]string // flag → "" (command line) or the --config file
	omit     map[string]bool   // flags that do not apply to this run
}

// flagSets builds each command's flags without running it, so that an
// unknown flag can be reported with the commands that have it.
var flagSets = map[string]func() *cmdFlags{}

func newCmdFlags(name, synopsis string, stderr io.Writer) *cmdFlags {
	f := &cmdFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis, omit: map[string]bool{}}
	f.SetOutput(stderr)
	f.Usage = f.usage
	return f
}

// section starts a section of the help text.
func (f *cmdFlags) section(title string) { f.items = append(f.items, "#"+title) }

// Float64Var, IntVar, Uint64Var, StringVar and BoolVar define a flag and
// keep it in the documented order.

func (f *cmdFlags) Float64Var(p *float64, name string, value float64, usage string) {
	f.FlagSet.Float64Var(p, name, value, usage)
	f.items = append(f.items, name)
}

func (f *cmdFlags) IntVar(p *int, name string, value int, usage string) {
	f.FlagSet.IntVar(p, name, value, usage)
	f.items = append(f.items, name)
}

func (f *cmdFlags) Uint64Var(p *uint64, name string, value uint64, usage string) {
	f.FlagSet.Uint64Var(p, name, value, usage)
	f.items = append(f.items, name)
}

func (f *cmdFlags) StringVar(p *string, name string, value string, usage string) {
	f.FlagSet.StringVar(p, name, value, usage)
	f.items = append(f.items, name)
}

func (f *cmdFlags) BoolVar(p *bool, name string, value bool, usage string) {
	f.FlagSet.BoolVar(p, name, value, usage)
	f.items = append(f.items, name)
}

// setDefault changes the default of an attached flag for this command.
func (f *cmdFlags) setDefault(name, value string) {
	fl := f.Lookup(name)
	if err := fl.Value.Set(value); err != nil {
		panic(err)
	}
	fl.DefValue = value
}

// configFlag defines --config, the run's record to start from.
func (f *cmdFlags) configFlag() {
	f.StringVar(new(string), "config", "", "start from this JSON file of flag values: a run's meta.json (its params) or {\"flag\": value, ...}; explicit flags override it")
}

func (f *cmdFlags) usage() {
	w := f.Output()
	fmt.Fprint(w, f.synopsis)
	for _, it := range f.items {
		if title, ok := strings.CutPrefix(it, "#"); ok {
			fmt.Fprintf(w, "\n%s:\n", title)
			continue
		}
		fl := f.Lookup(it)
		typ, usage := flag.UnquoteUsage(fl)
		line := "  --" + fl.Name
		if typ != "" {
			line += " " + typ
		}
		def := ""
		switch {
		case typ == "string" && fl.DefValue != "":
			def = fmt.Sprintf(" (default %q)", fl.DefValue)
		case typ != "string" && typ != "":
			def = " (default " + fl.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"), def)
	}
}

// parse parses args and the --config file, if any.
func (f *cmdFlags) parse(args []string) error {
	given, err := parseFlags(f.FlagSet, args)
	f.given = given
	return err
}

// parseWithConfig parses args; if --config FILE is given, the file's values
// replace the defaults and flags given explicitly override it. The values
// reach the variables through the flags, so cfg is not used: it is kept for
// callers of the earlier form, which decoded the file into cfg.
func parseWithConfig(fs *flag.FlagSet, args []string, cfg any) error {
	_, err := parseFlags(fs, args)
	return err
}

// parseFlags parses args into fs, defining --config if fs lacks it, then
// sets every flag the --config file names and the command line does not.
// It returns the flags given, each with "" (command line) or the file it
// came from. Every error is a usage error; -h prints the usage and returns
// flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) (map[string]string, error) {
	if fs.Lookup("config") == nil {
		fs.String("config", "", "JSON file of flag values (e.g. a run's meta.json); explicit flags override it")
	}
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print the whole usage after any error
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return nil, err
	case err != nil:
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			return nil, unknownFlag(fs.Name(), name)
		}
		return nil, usagef("%v (see sgdmft help %s)", err, fs.Name())
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q (flags are --name value)", fs.Arg(0))
	}
	given := map[string]string{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = "" })
	file := fs.Lookup("config").Value.String()
	if file == "" {
		return given, nil
	}
	values, err := readConfig(file, fs.Name())
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		switch {
		case name == "config":
			return nil, usagef("--config %s: a config file cannot name another", file)
		case fs.Lookup(name) == nil:
			return nil, usagef("--config %s: %q is not a flag of sgdmft %s", file, name, fs.Name())
		}
		if _, ok := given[name]; ok {
			continue // the command line wins
		}
		if err := fs.Set(name, values[name]); err != nil {
			return nil, usagef("--config %s: %s: %v", file, name, err)
		}
		given[name] = file
	}
	return given, nil
}

// readConfig reads a --config file: a run's meta.json, whose params are
// flag values and whose other fields (command, args, version, vcs, started,
// wall_time_s, result) describe the run and are not read, or a plain JSON
// object of flag values. A meta.json of another command is an error.
func readConfig(file, cmd string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, usagef("--config: %v", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, usagef("--config %s: %v", file, err)
	}
	raw := top
	if params, ok := top["params"]; ok {
		var rec output.Meta
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, usagef("--config %s: %v", file, err)
		}
		if rec.Command != "" && rec.Command != cmd {
			return nil, usagef("--config %s: the record of sgdmft %s, not %s", file, rec.Command, cmd)
		}
		raw = nil
		if err := json.Unmarshal(params, &raw); err != nil {
			return nil, usagef("--config %s: params: %v", file, err)
		}
	}
	values := make(map[string]string, len(raw))
	for name, v := range raw {
		var s string
		switch t := strings.TrimSpace(string(v)); {
		case strings.HasPrefix(t, `"`):
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, usagef("--config %s: %s: %v", file, name, err)
			}
		case t == "null" || strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
			return nil, usagef("--config %s: %s = %s: want a number, string or boolean", file, name, t)
		default:
			s = t // a number, true or false: the flag parses its text
		}
		values[name] = s
	}
	return values, nil
}

// unknownFlag reports a flag the command does not have, with the commands
// that do.
func unknownFlag(cmd, name string) error {
	var others []string
	for _, c := range commands() {
		if build, ok := flagSets[c.name]; ok && c.name != cmd && build().Lookup(name) != nil {
			others = append(others, c.name)
		}
	}
	if len(others) > 0 {
		return usagef("--%s does not apply to sgdmft %s (it is a flag of %s; see sgdmft help %s)", name, cmd, strings.Join(others, ", "), cmd)
	}
	return usagef("--%s is not a flag of sgdmft %s (see sgdmft help %s)", name, cmd, cmd)
}

// only declares whether a flag applies to this run; one that does not is
// left out of the record, and giving it is a usage error saying why: the
// flag does not apply ctx, e.g. "to --algo gd (only psgd and sgf use it)".
func (f *cmdFlags) only(name string, applies bool, ctx string) error {
	if applies {
		return nil
	}
	f.omit[name] = true
	src, ok := f.given[name]
	if !ok {
		return nil
	}
	if src != "" {
		ctx += " (it comes from --config " + src + ")"
	}
	return usagef("--%s does not apply %s", name, ctx)
}

// resolve sets a flag whose default depends on other flags to the value
// used, so that the record holds it; it does not count as given.
func (f *cmdFlags) resolve(name, value string) {
	if err := f.Lookup(name).Value.Set(value); err != nil {
		panic(err)
	}
}

// show returns --name = value as the user sees it.
func (f *cmdFlags) show(name string) string {
	fl := f.Lookup(name)
	if _, ok := fl.Value.(flag.Getter).Get().(string); ok {
		return fmt.Sprintf("--%s = %q", name, fl.Value.String())
	}
	return fmt.Sprintf("--%s = %s", name, fl.Value.String())
}

// flagError reports err, about the value of one flag, as a usage error.
func (f *cmdFlags) flagError(name string, err error) error {
	return usagef("%s: %v", f.show(name), err)
}

// notRecorded are the flags that say where and how to write, not what to
// compute: a record repeated with --config chooses its own.
var notRecorded = map[string]bool{"config": true, "out": true, "quiet": true}

// params returns every recorded flag that applies to the run, with its
// value after defaults.
func (f *cmdFlags) params() map[string]any {
	m := map[string]any{}
	f.VisitAll(func(fl *flag.Flag) {
		if !f.omit[fl.Name] && !notRecorded[fl.Name] {
			m[fl.Name] = fl.Value.(flag.Getter).Get()
		}
	})
	return m
}

// record starts the record of this run of the command with arguments args.
func (f *cmdFlags) record(args []string) *output.Meta {
	line := append([]string{"sgdmft", f.Name()}, args...)
	return output.Start(f.Name(), line, versionString(), f.params())
}

// fieldFlag is the flag of a library field, and the flag's allowed range
// when the library's, stated for the field, would not read right for it.
type fieldFlag struct{ flag, want string }

// fieldFlags names the flag of each field that the library's Validate
// methods report in a *dynamics.FieldError: the one table between the
// library's fields and the command line. A command adds the fields whose
// flag depends on the run (Model.Clusters: --rho or --clusters).
var fieldFlags = map[string]fieldFlag{
	// dynamics.Problem and its selection chains; theory.SquareGD, theory.ERM
	"Alpha": {flag: "alpha"}, "Lambda": {flag: "lambda"}, "Delta": {flag: "delta"}, "Model.Delta": {flag: "delta"},
	"Eta": {flag: "eta"}, "T": {flag: "T"}, "M0": {flag: "m0"}, "C0": {flag: "C0"},
	"Algo": {flag: "algo"}, "B": {flag: "b"}, "Tau": {flag: "tau"}, "Every": {flag: "every"},
	"Loss": {flag: "loss"}, "Teacher.Link": {flag: "link"}, "Teacher.Noise": {flag: "label-noise"},
	// sde.Settings
	"D": {flag: "d"}, "Seeds": {flag: "seeds"}, "Workers": {flag: "workers"}, "Integrator": {flag: "integrator"},
	// dmft.Settings; the flag --damping is 1 − Iterate.Mix
	"Samples": {flag: "samples"}, "ResponseSamples": {flag: "response-samples"}, "Batches": {flag: "batches"},
	"Iterate.Mix": {"damping", "0 <= damping < 1"}, "Iterate.Iters": {flag: "iters"}, "Iterate.Tol": {flag: "tol"},
}

// fieldError turns an error of a library Validate method into a usage error
// naming the flags of the fields it reports, with their values as given:
//
//	--T = 10 with --eta = 50: want at least one step: …
//
// over overrides fieldFlags for this run. An error about a field without a
// flag keeps the library's message.
func (f *cmdFlags) fieldError(err error, over map[string]fieldFlag) error {
	var fe *dynamics.FieldError
	if !errors.As(err, &fe) {
		return usageError{err}
	}
	lookup := func(field string) (fieldFlag, bool) {
		ff, ok := over[field]
		if !ok {
			ff, ok = fieldFlags[field]
		}
		return ff, ok && f.Lookup(ff.flag) != nil
	}
	ff, ok := lookup(fe.Field)
	if !ok {
		return usageError{err}
	}
	msg := f.show(ff.flag)
	var with []string
	for _, w := range fe.With {
		if o, ok := lookup(w); ok && !f.omit[o.flag] {
			with = append(with, f.show(o.flag))
		}
	}
	if len(with) > 0 {
		msg += " with " + strings.Join(with, ", ")
	}
	switch {
	case ff.want != "" && fe.Err != nil:
		msg += fmt.Sprintf(": want %s (%v)", ff.want, fe.Err)
	case ff.want != "":
		msg += ": want " + ff.want
	case fe.Want != "":
		msg += ": want " + fe.Want
	}
	if ff.want == "" && fe.Err != nil {
		msg += ": " + fe.Err.Error()
	}
	return usageError{errors.New(msg)}
}

// runError reports an error of a solver: one about its input (a
// *dynamics.FieldError, found before any work) as a usage error naming the
// flag, others as they are.
func (f *cmdFlags) runError(err error) error {
	if errors.As(err, new(*dynamics.FieldError)) {
		return f.fieldError(err, nil)
	}
	return err
}

// explicit passes a flag's value to a library field whose zero means "the
// default": a zero given on the command line is a value, not a request for
// the default, so it becomes −1, which the library rejects with its range
// (the message shows the flag's value, 0).
func explicit[T int | float64](v T) T {
	if v == 0 {
		return -1
	}
	return v
}
