package sde_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/sde"
)

// Persistent SGD with logistic loss on the two-cluster mixture: an ensemble
// of 4 seeds at d = 200, recorded every 10 steps.
func ExampleSimulate() {
	p := dynamics.Problem{
		Model: mixture.TwoCluster(0.5, 0.5),
		Loss:  loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Algo: dynamics.PSGD, B: 0.3, Tau: 1, Eta: 0.1, T: 3, C0: 1,
	}
	ens, err := sde.Simulate(context.Background(), p, sde.Settings{D: 200, Seeds: 4, Every: 10, TestSamples: 1000, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	m, se := ens.MeanSE(dynamics.M)
	for j, t := range ens.Times {
		fmt.Printf("t=%.0f m=%.2f±%.2f\n", t, m[j], se[j])
	}
	// Output:
	// t=0 m=-0.09±0.02
	// t=1 m=0.20±0.02
	// t=2 m=0.44±0.01
	// t=3 m=0.62±0.01
}
