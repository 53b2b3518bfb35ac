package sweep

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Shard selects the points i with i mod N = I; the zero Shard selects all.
// Points are dealt round-robin, so that shards of a grid whose cost varies
// along an axis get similar shares.
type Shard struct{ I, N int }

// ParseShard parses "i/n", 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %s: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return Shard{I: i, N: n}, nil
}

// Has reports whether point i is in the shard.
func (s Shard) Has(i int) bool { return s.N == 0 || i%s.N == s.I }

func (s Shard) String() string {
	if s.N == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// RunFunc runs one point: the plan's command with the point's flags,
// writing its run into the directory out (atomically, as the command
// does). An error is the point's failure; an error after ctx is done is an
// interruption.
type RunFunc func(ctx context.Context, pt Point, out string) error

// Local runs the points of a sweep on this machine, Jobs at a time.
type Local struct {
	Jobs  int   // points run at once; 0 means 1
	Shard Shard // the points to run; the zero Shard: all

	// Log, if not nil, gets a line for each point finished.
	Log io.Writer
	// Finished, if not nil, is called after each point ran and its state
	// was written (err is nil for a done point), from the goroutine that
	// ran it.
	Finished func(pt Point, err error)
}

// Report is what a run of a sweep did.
type Report struct {
	Points      int       // in the shard
	Skipped     int       // done before the run
	Ran         int       // run to the end, done or failed
	Failed      []Failure // of those run
	Interrupted int       // stopped by the context: still pending
}

// Run runs the points of the sweep in dir (with plan p) that are in the
// shard and not done, failed points included, in index order. A point's
// failure is recorded (NNNN.failed.json) and the others go on; a point
// that completes clears its old failure. When ctx is done no point starts,
// the points running are left pending, and Run returns ctx's error: a
// rerun resumes the sweep, losing at most the points in flight.
func (l Local) Run(ctx context.Context, dir string, p *Plan, run RunFunc) (Report, error) {
	var rep Report
	var todo []Point
	for _, pt := range p.Points {
		if !l.Shard.Has(pt.Index) {
			continue
		}
		rep.Points++
		st, _, err := StateOf(dir, pt)
		if err != nil {
			return rep, err
		}
		if st == Done {
			rep.Skipped++
			continue
		}
		todo = append(todo, pt)
	}
	var (
		mu   sync.Mutex
		errs []error
		g    errgroup.Group
	)
	g.SetLimit(max(1, l.Jobs))
	for _, pt := range todo {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			start := time.Now()
			err := run(ctx, pt, filepath.Join(dir, pt.Dir))
			if err != nil && ctx.Err() != nil {
				return nil // interrupted: left pending
			}
			var werr error
			mu.Lock()
			rep.Ran++
			if err != nil {
				var f *Failure
				f, werr = recordFailure(dir, pt, err)
				rep.Failed = append(rep.Failed, *f)
				l.logf("point %d (%s) FAILED after %.2fs: %v\n", pt.Index, pt.Label(p.Grid), time.Since(start).Seconds(), err)
			} else {
				werr = clearFailure(dir, pt)
				l.logf("point %d (%s) done in %.2fs [%d/%d]\n", pt.Index, pt.Label(p.Grid), time.Since(start).Seconds(), rep.Ran+rep.Skipped, rep.Points)
			}
			if werr != nil {
				errs = append(errs, werr)
			}
			mu.Unlock()
			if l.Finished != nil {
				l.Finished(pt, err)
			}
			return nil
		})
	}
	g.Wait()
	rep.Interrupted = len(todo) - rep.Ran
	if len(errs) > 0 {
		return rep, errs[0]
	}
	return rep, ctx.Err()
}

func (l Local) logf(format string, a ...any) {
	if l.Log != nil {
		fmt.Fprintf(l.Log, format, a...)
	}
}
