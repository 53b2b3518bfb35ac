package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Slurm runs a sweep as a Slurm job array: task i of N runs shard i/N of
// the points (sgdmft sweep run DIR --shard i/N), so that the points are
// the same whatever the array's size, and a task that dies loses only its
// points in flight.
type Slurm struct {
	Binary      string   // the sgdmft the tasks run (an absolute path)
	Tasks       int      // array tasks; 0: one per point, at most MaxTasks
	MaxRunning  int      // tasks running at once (--array=…%max); 0: no limit
	CPUsPerTask int      // --cpus-per-task; 0: 1
	Mem         string   // --mem, e.g. "4G"; "": the cluster's default
	Time        string   // --time, e.g. "2:00:00"; "": the partition's
	Partition   string   // --partition; "": the default
	JobName     string   // --job-name; "": sgdmft-sweep
	Options     []string // further sbatch options, one per #SBATCH line, e.g. "--account=phys"
	RunArgs     []string // further flags of sgdmft sweep run, e.g. --jobs 2
}

// MaxTasks bounds the default array: Slurm's default MaxArraySize is 1001.
const MaxTasks = 1000

// ScriptFile is the sbatch script's path in a sweep directory.
const ScriptFile = "slurm/sweep.sbatch"

// tasks returns the number of array tasks for n points.
func (s Slurm) tasks(n int) int {
	if s.Tasks > 0 {
		return min(s.Tasks, n)
	}
	return min(n, MaxTasks)
}

// Script returns the sbatch script of the sweep in dir with plan p; each
// task's output goes to dir/slurm/%A_%a.out.
func (s Slurm) Script(dir string, p *Plan) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(s.Binary) {
		return "", fmt.Errorf("slurm: the sgdmft binary %q is not an absolute path", s.Binary)
	}
	n := s.tasks(len(p.Points))
	cpus := max(1, s.CPUsPerTask)
	array := fmt.Sprintf("0-%d", n-1)
	if s.MaxRunning > 0 {
		array += fmt.Sprintf("%%%d", s.MaxRunning)
	}
	name := s.JobName
	if name == "" {
		name = "sgdmft-sweep"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", name)
	fmt.Fprintf(&b, "#SBATCH --array=%s\n", array)
	fmt.Fprintf(&b, "#SBATCH --ntasks=1\n")
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", cpus)
	for _, o := range []struct{ flag, v string }{{"mem", s.Mem}, {"time", s.Time}, {"partition", s.Partition}} {
		if o.v != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", o.flag, o.v)
		}
	}
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(abs, "slurm", "%A_%a.out"))
	for _, o := range s.Options {
		if strings.ContainsAny(o, "\n") {
			return "", fmt.Errorf("slurm: the sbatch option %q spans lines", o)
		}
		fmt.Fprintf(&b, "#SBATCH %s\n", o)
	}
	fmt.Fprintf(&b, "#\n# The sweep of sgdmft %s in %s (%d points): task i of %d runs the\n", p.Command, abs, len(p.Points), n)
	fmt.Fprintf(&b, "# points j with j mod %d = i; completed points are skipped, so the script\n", n)
	fmt.Fprintf(&b, "# can be resubmitted. Afterwards: sgdmft sweep gather %s\n", quote(abs))
	args := []string{quote(s.Binary), "sweep", "run", quote(abs), "--shard", "\"${SLURM_ARRAY_TASK_ID}/" + strconv.Itoa(n) + "\"",
		"--cpus", "\"${SLURM_CPUS_PER_TASK:-" + strconv.Itoa(cpus) + "}\""}
	for _, a := range s.RunArgs {
		args = append(args, quote(a))
	}
	fmt.Fprintf(&b, "exec %s\n", strings.Join(args, " "))
	return b.String(), nil
}

// WriteScript writes the script into dir/slurm/sweep.sbatch and returns
// its path.
func (s Slurm) WriteScript(dir string, p *Plan) (string, error) {
	text, err := s.Script(dir, p)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, ScriptFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := writeFile(path, []byte(text)); err != nil {
		return "", err
	}
	return path, os.Chmod(path, 0o755)
}

// quote quotes s for bash, if it needs it.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Submit submits the script with sbatch and returns the job's id.
func Submit(ctx context.Context, script string) (string, error) {
	out, err := command(ctx, "sbatch", "--parsable", script)
	if err != nil {
		return "", err
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("sbatch: job id %q", out)
	}
	return id, nil
}

// Wait polls squeue every poll until no task of the job is pending or
// running, and calls progress (if not nil) with the number left whenever
// it changes. squeue lists a job while it is pending, running or
// completing; an id it no longer knows is a finished job.
func Wait(ctx context.Context, job string, poll time.Duration, progress func(left int)) error {
	last, fails := -1, 0
	for {
		out, err := command(ctx, "squeue", "--noheader", "--array", "--jobs", job, "--format", "%i %T")
		switch {
		case err != nil && strings.Contains(err.Error(), "Invalid job id"):
			return nil
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			// The controller may be briefly unreachable: retry a few times.
			if fails++; fails >= 5 {
				return err
			}
		default:
			fails = 0
			left := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.TrimSpace(line) != "" {
					left++
				}
			}
			if left != last && progress != nil {
				progress(left)
			}
			last = left
			if left == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// command runs name with args and returns its standard output; an error
// carries its standard error.
func command(ctx context.Context, name string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, name, args...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if errors.Is(err, exec.ErrNotFound) {
			msg = "not found: is this a Slurm login node?"
		}
		return stdout.String(), fmt.Errorf("%s: %v: %s", name, err, msg)
	}
	return stdout.String(), nil
}
