package dmft

import (
	"context"
	"flag"
	"fmt"
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/sde"
)

var measure = flag.Bool("measure", false, "run TestMeasureBias, the measurement behind the allowances batchBias and the finite-size tables (minutes)")

// biasCoef measures the coefficient c of a bias c·scale(v)/x between two
// estimates whose means differ by the bias difference c·scale(v)·dx, v the
// value of other (the simulator, as in the allowance of simVerdict): at each
// step after the first it returns the largest |c| with its z-score, and the
// largest 3σ upper bound |c| + 3σ_c.
func biasCoef(ref, other estimate, dx float64) (c, z, up float64) {
	for k := 1; k < len(ref.mean); k++ {
		sc := scale(other.mean[k]) * dx
		ck := (other.mean[k] - ref.mean[k]) / sc
		sk := math.Hypot(ref.se[k], other.se[k]) / sc
		if math.Abs(ck) > math.Abs(c) {
			c, z = ck, ck/sk
		}
		up = math.Max(up, math.Abs(ck)+3*sk)
	}
	return c, z, up
}

// TestMeasureBias measures the two systematic errors the simulator
// comparisons allow for, on the problems of this file (minutes; run with
// go test ./dmft -run MeasureBias -measure -v):
//
//   - the batch bias of the DMFT, from N = 80000 trajectories in batches of
//     100 against batches of 2000: c = Δ/(1/100 − 1/2000);
//   - the finite-size bias of the simulator, c = d·(simulation − DMFT) at
//     d = 100 (4096 seeds) and d = 200 (2048 seeds), the DMFT at N = 80000
//     in batches of 2000 (exact for the square loss).
//
// Coefficients are relative to scale(v). It fails if a 3σ upper bound
// exceeds the coefficient the tests use (batchBias, and the case's
// finite-size table at d = 100, the more precise measurement).
func TestMeasureBias(t *testing.T) {
	if !*measure {
		t.Skip("a measurement of minutes: run with -measure")
	}
	type mcase struct {
		simCase
		sim bool // also measure the finite-size bias
	}
	var cases []mcase
	for _, c := range simCases() {
		cases = append(cases, mcase{c, true})
	}
	cases = append(cases, mcase{simCase{name: "square theory", p: squareTheory}, false})
	for _, c := range cases {
		ref, err := Solve(context.Background(), c.p, Settings{Samples: 80000, Batches: 40, Seed: 99, ForceSampling: true})
		if err != nil {
			t.Fatal(err)
		}
		small, err := Solve(context.Background(), c.p, Settings{Samples: 80000, Batches: 800, Seed: 98, ForceSampling: true})
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%-24s batch bias:", c.name)
		for _, o := range compared {
			a, _ := dmftEstimate(ref, o)
			b, _ := dmftEstimate(small, o)
			cf, z, up := biasCoef(a, b, 1.0/100-1.0/2000)
			line += fmt.Sprintf("  %s %+.2f (z %+.1f, ≤ %.2f)", o, cf, z, up)
			if up > batchBias[o] {
				t.Errorf("%s: batch-bias coefficient of %v up to %.2f, above batchBias = %v", c.name, o, up, batchBias[o])
			}
		}
		t.Log(line)
		if !c.sim {
			continue
		}
		dm := ref
		if _, sq := c.p.Loss.Margin.(loss.Square); sq {
			// The reference is the exact solve.
			if dm, err = Solve(context.Background(), c.p, Settings{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, ds := range [][2]int{{100, 4096}, {200, 2048}} {
			ens, err := sde.Simulate(context.Background(), c.p, sde.Settings{D: ds[0], Seeds: ds[1], TestSamples: -1, Seed: 77})
			if err != nil {
				t.Fatal(err)
			}
			line := fmt.Sprintf("%-24s d = %d:", c.name, ds[0])
			for _, o := range compared {
				a, _ := dmftEstimate(dm, o)
				s, sse := ens.MeanSE(o)
				if a.nu == 0 {
					a.se = make([]float64, len(a.mean))
				}
				cf, z, up := biasCoef(a, replicas(s, sse, ds[1]), 1/float64(ds[0]))
				line += fmt.Sprintf("  %s %+.2f (z %+.1f, ≤ %.2f)", o, cf, z, up)
				if ds[0] == 100 && up > c.fs[o] {
					t.Errorf("%s: finite-size coefficient of %v up to %.2f at d = %d, above %v", c.name, o, up, ds[0], c.fs[o])
				}
			}
			t.Log(line)
		}
	}
}
