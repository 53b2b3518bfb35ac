package main

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/sweep"
)

// BenchmarkSweepOverhead measures the sweep machinery per point: a sweep
// of 4 DMFT points (persistent SGD, default solver size, one point at a
// time with one worker) against the same 4 points run alone by the dmft
// command, alternately in each iteration so that both see the same load.
// The sweep adds the plan, each point's checks and state files, and the
// gathering; overhead-% is (sweep − alone)/alone, which on a shared
// machine has the noise of the two timings. machinery-% is less noisy: the
// sweep's wall time less its points' own (their meta.json wall_time_s),
// over the points' — it counts each point's flag parsing, which running
// alone does too, so it is an upper bound.
//
//	go test ./cmd/sgdmft -run '^$' -bench SweepOverhead -benchtime 3x
func BenchmarkSweepOverhead(b *testing.B) {
	for _, T := range []string{"2", "5"} {
		b.Run("T="+T, func(b *testing.B) {
			common := []string{"--T", T, "--algo", "psgd", "--tau", "2", "--workers", "1", "--quiet"}
			bs := []string{"0.2", "0.4", "0.6", "0.8"}
			var alone, swept time.Duration
			var inside float64 // the points' own wall times in the sweep
			n := 0
			for b.Loop() {
				base := b.TempDir()
				dir := filepath.Join(base, "sweep")
				args := append([]string{"sweep", "dmft", "--grid", "b=0.2:0.8:4", "--jobs", "1", "--out", dir}, common...)
				start := time.Now()
				if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
				swept += time.Since(start)
				// The same points alone, with the seeds the sweep gave them.
				plan, err := sweep.LoadPlan(dir)
				if err != nil {
					b.Fatal(err)
				}
				rec, err := sweep.Gather(dir, "bench")
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range rec.Points {
					inside += p.WallTime
				}
				start = time.Now()
				for i, v := range bs {
					args := append([]string{"dmft", "--b", v, "--seed", strconv.FormatUint(*plan.Points[i].Seed, 10),
						"--out", filepath.Join(base, "alone", v)}, common...)
					if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
				alone += time.Since(start)
				n += len(bs)
			}
			perAlone := alone.Seconds() / float64(n)
			perSweep := swept.Seconds() / float64(n)
			b.ReportMetric(1e3*perAlone, "alone-ms/point")
			b.ReportMetric(1e3*perSweep, "sweep-ms/point")
			b.ReportMetric(100*(perSweep-perAlone)/perAlone, "overhead-%")
			b.ReportMetric(100*(swept.Seconds()-inside)/inside, "machinery-%")
		})
	}
}
