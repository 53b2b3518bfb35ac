package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sgdmft/sgdmft/sweep"
)

// executeSlurm writes the sweep's sbatch array script and, with --submit,
// submits it, waits for the job (unless --wait=false) and gathers.
func executeSlurm(ctx context.Context, dir string, plan *sweep.Plan, e *execParams, stdout, stderr io.Writer) error {
	bin := e.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("sweep: the path of sgdmft: %v (give --binary)", err)
		}
		bin = exe
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if resolved, err := filepath.EvalSymlinks(bin); err == nil {
		bin = resolved
	}
	todo := 0
	for _, pt := range plan.Points {
		if st, _, err := sweep.StateOf(dir, pt); err != nil {
			return err
		} else if st != sweep.Done {
			todo++
		}
	}
	if todo == 0 {
		fmt.Fprintf(stdout, "every point of %s is done: nothing to submit\n", dir)
		_, err := gatherReport(dir, stdout)
		return err
	}
	cpus := e.CPUsPerTask
	if cpus == 0 {
		cpus = 1
		for i := 0; i+1 < len(plan.Args); i++ {
			if plan.Args[i] == "--workers" {
				cpus, _ = strconv.Atoi(plan.Args[i+1])
			}
		}
	}
	var runArgs []string
	if e.Jobs > 0 {
		runArgs = append(runArgs, "--jobs", strconv.Itoa(e.Jobs))
	}
	if e.Quiet {
		runArgs = append(runArgs, "--quiet")
	}
	s := sweep.Slurm{
		Binary: bin, Tasks: e.Tasks, MaxRunning: e.MaxRunning, CPUsPerTask: cpus,
		Mem: e.Mem, Time: e.Time, Partition: e.Partition, Options: e.Sbatch, RunArgs: runArgs,
	}
	script, err := s.WriteScript(dir, plan)
	if err != nil {
		return err
	}
	if !e.Submit {
		fmt.Fprintf(stdout, "wrote %s (%d points); submit it with\n  sbatch %s\nand when the job is done:\n  sgdmft sweep gather %s\n", script, len(plan.Points), script, dir)
		return nil
	}
	job, err := sweep.Submit(ctx, script)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "submitted %s as Slurm job %s\n", script, job)
	if !e.Wait {
		fmt.Fprintf(stdout, "when it is done: sgdmft sweep gather %s\n", dir)
		return nil
	}
	err = sweep.Wait(ctx, job, e.Poll, func(left int) {
		if !e.Quiet {
			fmt.Fprintf(stderr, "sgdmft sweep: job %s: %d tasks pending or running\n", job, left)
		}
	})
	if err != nil {
		return fmt.Errorf("waiting for job %s: %w (the job goes on; gather later with sgdmft sweep gather %s)", job, err, dir)
	}
	fmt.Fprintf(stdout, "job %s finished\n", job)
	rec, err := gatherReport(dir, stdout)
	if err == nil && rec.Pending > 0 {
		// A task that ended early (time or memory limit, a node lost).
		err = fmt.Errorf("%d points did not run: see the task outputs in %s; resubmit them with sgdmft sweep run %s --executor slurm --submit",
			rec.Pending, filepath.Join(dir, "slurm"), dir)
	}
	return err
}
