// Command sgdmft simulates SGD on high-dimensional Gaussian mixtures at
// finite d, solves its dynamical mean-field theory at d = ∞, and compares them.
// The data model is --data two-cluster, three-cluster or custom (a mixture;
// --mixture is an alias of --data) or teacher-student (the single-index
// model: --link linear|sign|relu, --label-noise σ).
//
// Usage:
//
//	sgdmft simulate [flags]   finite-d SGD / SGF ensembles               (out/simulate)
//	sgdmft dmft [flags]       the DMFT (d = ∞) of the same dynamics        (out/dmft)
//	sgdmft theory [flags]     exact square-loss curves, ridge ERM          (out/theory)
//	sgdmft validate [flags]   DMFT and theory against simulations          (out/validate)
//	sgdmft sweep CMD [flags]  CMD over a grid of parameters, locally or on Slurm (out/sweep)
//	sgdmft help COMMAND       the flags of a command, with their defaults
//
// Each command has its own flags and runs on its defaults; a flag that does
// not apply to a command, or to the run (--tau with --algo gd, --T with
// theory --kind erm), is an error. Each command writes float64 .npy files
// and a meta.json into --out, atomically:
//
//	{"command": "simulate", "args": ["sgdmft", "simulate", "--d", "500"],
//	 "version": "0.1.0+3f2a9c1b7d0e", "vcs": {"revision": …, "modified": false},
//	 "started": "…", "wall_time_s": 1.9,
//	 "params": {"alpha": 2, "d": 500, "seed": 1, …},  // every flag after defaults
//	 "result": {"n": 1000, "steps": 100}}
//
// A run is repeated from its record with --config DIR/meta.json: its params
// set the flags (explicit flags override them); its other fields describe
// the run and are not read. A params key that is not a flag of the command,
// or does not apply to the run, is an error. In Python:
//
//	import numpy as np
//	t, m, se = (np.load(f"out/simulate/{k}.npy") for k in ("t", "m", "m_se"))
//
// Bad input exits with status 2, naming the flag and its allowed range, and
// writes nothing. The ranges are the library's (the Validate methods of
// dynamics, sde, dmft and theory); fieldFlags maps their fields to flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sort"

	"github.com/sgdmft/sgdmft/internal/output"
)

const version = "0.1.0"

func main() {
	log.SetPrefix("sgdmft: ")
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)):
		log.Print(err)
		os.Exit(2)
	default:
		log.Fatal(err)
	}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// registry holds the subcommands; each command's file registers itself in
// an init function, in the order simulate, dmft, theory, validate.
var registry []command

func register(c command) { registry = append(registry, c) }

func commands() []command {
	order := map[string]int{"simulate": 0, "dmft": 1, "theory": 2, "validate": 3, "sweep": 4}
	cs := append([]command(nil), registry...)
	sort.SliceStable(cs, func(i, j int) bool { return order[cs[i].name] < order[cs[j].name] })
	return cs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(stderr)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	name := args[0]
	if name == "help" {
		name, args = args[1], []string{args[1], "-h"}
	}
	if name == "version" {
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return usagef("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sgdmft COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n'sgdmft COMMAND -h' lists the flags of a command, with defaults.")
}

// versionString returns the version with the first 12 digits of the
// commit the binary was built from, e.g. 0.1.0+3f2a9c1b7d0e.
func versionString() string {
	v := version
	if vcs := output.BuildVCS(); vcs != nil && len(vcs.Revision) >= 12 {
		v += "+" + vcs.Revision[:12]
	}
	return v
}
