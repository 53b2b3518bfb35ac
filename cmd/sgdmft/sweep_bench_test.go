package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/sweep"
)

// BenchmarkSweepOverhead measures the sweep machinery per point: a sweep
// of 4 DMFT points (persistent SGD, default solver size, one point at a
// time with one worker) against the same 4 points run alone by the dmft
// command, in turn in each iteration (alternating which goes first).
//
//	overhead-%   (sweep − alone)/alone in wall time: the goal is <= 5%, but on
//	             a shared machine this carries the noise of two timings;
//	noise-%      that noise: the points' own run times (meta.json wall_time_s)
//	             in the sweep against alone, the same computation;
//	machinery-%  the sweep's wall time less its points' own, over the points':
//	             the plan, each point's checks and state files, and the
//	             gathering (fixed per sweep, so 4 points is a pessimistic
//	             case); it counts each point's flag parsing, which running
//	             alone does too, so it is an upper bound.
//
//	go test ./cmd/sgdmft -run '^$' -bench SweepOverhead -benchtime 4x -count 3
func BenchmarkSweepOverhead(b *testing.B) {
	for _, T := range []string{"2", "5"} {
		b.Run("T="+T, func(b *testing.B) {
			common := []string{"--T", T, "--algo", "psgd", "--tau", "2", "--workers", "1", "--quiet"}
			bs := []string{"0.2", "0.4", "0.6", "0.8"}
			var alone, swept time.Duration
			var inside, insideAlone float64 // the points' own wall times (meta.json) in the sweep and alone
			n := 0
			for b.Loop() {
				base := b.TempDir()
				dir := filepath.Join(base, "sweep")
				sweepRun := func() {
					args := append([]string{"sweep", "dmft", "--grid", "b=0.2:0.8:4", "--jobs", "1", "--out", dir}, common...)
					start := time.Now()
					if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
						b.Fatal(err)
					}
					swept += time.Since(start)
					rec, err := sweep.Gather(dir, "bench")
					if err != nil {
						b.Fatal(err)
					}
					for _, p := range rec.Points {
						inside += p.WallTime
					}
				}
				// The same points alone, with the seeds the sweep gives them.
				aloneRun := func() {
					start := time.Now()
					for i, v := range bs {
						seed := strconv.FormatUint(sweep.PointSeed(1, i), 10)
						args := append([]string{"dmft", "--b", v, "--seed", seed, "--out", filepath.Join(base, "alone", v)}, common...)
						if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
							b.Fatal(err)
						}
					}
					alone += time.Since(start)
					for _, v := range bs {
						b, err := os.ReadFile(filepath.Join(base, "alone", v, "meta.json"))
						if err != nil {
							panic(err)
						}
						var m output.Meta
						if err := json.Unmarshal(b, &m); err != nil {
							panic(err)
						}
						insideAlone += m.WallTime
					}
				}
				// Alternate which goes first, so that neither has the warmer
				// caches or the quieter machine systematically.
				if n%(2*len(bs)) == 0 {
					sweepRun()
					aloneRun()
				} else {
					aloneRun()
					sweepRun()
				}
				n += len(bs)
			}
			perAlone := alone.Seconds() / float64(n)
			perSweep := swept.Seconds() / float64(n)
			b.ReportMetric(1e3*perAlone, "alone-ms/point")
			b.ReportMetric(1e3*perSweep, "sweep-ms/point")
			b.ReportMetric(100*(perSweep-perAlone)/perAlone, "overhead-%")
			b.ReportMetric(100*(swept.Seconds()-inside)/inside, "machinery-%")
			// The points' own run times, in the sweep and alone: the same
			// computation, so their difference is the machine's noise.
			b.ReportMetric(100*(inside-insideAlone)/insideAlone, "noise-%")
		})
	}
}
