package dmft

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
)

// BenchmarkReference is the reference solve of the issue: two-cluster
// logistic psgd, α = 2, Δ = 0.5, ρ = 0.5, λ = 0.1, b = 0.3, τ = 1, η = 0.1,
// T = 20 (K = 200 steps), N = 20000 trajectories.
func BenchmarkReference(b *testing.B) { benchSolve(b, twoCluster(dynamics.PSGD, 20), 20000) }

// benchSolve times Solve on n trajectories and reports the CPU time per phase.
func benchSolve(b *testing.B, p dynamics.Problem, n int) {
	b.ReportAllocs()
	var st Stats
	for b.Loop() {
		sol, err := Solve(context.Background(), p, Settings{Samples: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		st = sol.Stats
	}
	b.ReportMetric(st.Sampling.Seconds(), "sampling-cpu-s")
	b.ReportMetric(st.Response.Seconds(), "response-cpu-s")
	b.ReportMetric(st.Weights.Seconds(), "weights-cpu-s")
}

// BenchmarkScaling measures the cost against K and N for psgd (b = 0.3)
// and gd.
func BenchmarkScaling(b *testing.B) {
	for _, algo := range []dynamics.Algorithm{dynamics.PSGD, dynamics.GD} {
		for _, kn := range []struct{ k, n int }{{100, 20000}, {200, 20000}, {400, 20000}, {200, 5000}, {200, 40000}} {
			if algo == dynamics.GD && kn.k*kn.n > 200*20000 {
				continue // the dense O(N K³) response: minutes
			}
			b.Run(fmt.Sprintf("%v/K=%d/N=%d", algo, kn.k, kn.n), func(b *testing.B) {
				benchSolve(b, twoCluster(algo, float64(kn.k)/10), kn.n)
			})
		}
	}
}

// BenchmarkCheckpointWrite times the write (save) and the read (open and
// restore) of one batch's checkpoint at its largest, at step K = 400 with
// N_b = 2000 trajectories (a batch of N = 20000 in 10), and reports its
// size. The batch is marched to step K first, untimed (gd: ~3 s).
func BenchmarkCheckpointWrite(b *testing.B) {
	for _, algo := range []dynamics.Algorithm{dynamics.PSGD, dynamics.GD} {
		p := twoCluster(algo, 40)
		chain, err := p.Selection()
		if err != nil {
			b.Fatal(err)
		}
		k := p.Steps()
		bt := newBatch(p, chain, 0, 1000, 1, Perturb{})
		bt.draw(1, 0)
		for i := 0; i < k; i++ {
			if err := bt.step(i); err != nil {
				b.Fatal(err)
			}
		}
		set := Settings{Samples: 20000, Seed: 1}.withDefaults()
		dir := b.TempDir()
		ck, err := openCheckpoint(dir, time.Hour, describe(p, set, 10), k, 10)
		if err != nil {
			b.Fatal(err)
		}
		size := func() float64 {
			fi, err := os.Stat(filepath.Join(dir, batchFile(0)))
			if err != nil {
				b.Fatal(err)
			}
			return float64(fi.Size()) / 1e6
		}
		b.Run(fmt.Sprintf("%v/save/K=%d/Nb=2000", algo, k), func(b *testing.B) {
			for b.Loop() {
				if err := ck.save(bt, k); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(size(), "MB")
		})
		b.Run(fmt.Sprintf("%v/restore/K=%d/Nb=2000", algo, k), func(b *testing.B) {
			fresh := newBatch(p, chain, 0, 1000, 1, Perturb{})
			for b.Loop() {
				fresh.draw(1, 0)
				r, f, kk, err := ck.open(0, 1000)
				if err != nil || kk != k {
					b.Fatal(err, kk)
				}
				err = ck.restore(r, fresh, kk)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%v/complete/K=%d/Nb=2000", algo, k), func(b *testing.B) {
			for b.Loop() {
				if err := ck.save(bt, k+1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(size(), "MB")
		})
	}
}

// BenchmarkCheckpointSolve measures the overhead of checkpointing on the
// reference solve (psgd, K = 200, N = 20000): off, every second, and at
// every step boundary (the worst case: 10 × 200 writes).
func BenchmarkCheckpointSolve(b *testing.B) {
	p := twoCluster(dynamics.PSGD, 20)
	for _, c := range []struct {
		name  string
		every time.Duration
	}{{"off", 0}, {"every=1s", time.Second}, {"every-step", 1}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				set := Settings{Samples: 20000, Seed: 1}
				if c.every > 0 {
					set.CheckpointDir = filepath.Join(b.TempDir(), "ck")
					set.CheckpointEvery = c.every
				}
				if _, err := Solve(context.Background(), p, set); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
