package sde

import (
	"fmt"
	"testing"
)

// BenchmarkStep times one full-batch logistic GD step at α = 2 (n = 2d).
// SetBytes is the size of X, read once per step by the fused pass, so the
// reported MB/s is the effective bandwidth of the step.
func BenchmarkStep(b *testing.B) {
	for _, d := range []int{1000, 2000, 4000} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("d=%d/threads=%d", d, th), func(b *testing.B) {
				p := logisticProblem()
				r, err := NewRun(p, Settings{D: d, Seed: 1, Threads: th}, 0)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(8 * r.Data.N * d))
				b.ReportAllocs()
				for b.Loop() {
					r.Step(false)
				}
			})
		}
	}
}

// BenchmarkStepSGD is the same step for persistent SGD at b = 0.3: the
// unselected rows are skipped, so the step reads about 30% of X.
func BenchmarkStepSGD(b *testing.B) {
	d := 2000
	p := logisticProblem()
	p.Algo, p.B, p.Tau = PSGD, 0.3, 1
	r, err := NewRun(p, Settings{D: d, Seed: 1}, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(8 * r.Data.N * d))
	b.ReportAllocs()
	for b.Loop() {
		r.Step(false)
	}
}
