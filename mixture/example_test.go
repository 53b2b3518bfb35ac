package mixture_test

import (
	"fmt"
	"log"

	"github.com/sgdmft/sgdmft/internal/rng"
	"github.com/sgdmft/sgdmft/mixture"
)

func ExampleModel_Sample() {
	m := mixture.ThreeCluster(0.5, 0.3)
	ds, err := m.Sample(100, 200, false, rng.New(1))
	if err != nil {
		log.Fatal(err)
	}
	v2 := 0.0
	for _, v := range ds.Vstar {
		v2 += v * v
	}
	fmt.Printf("X is %d×%d, |v*|²/d = %.3f, sample 0: c = %v, y = %v\n", ds.N, ds.D, v2/float64(ds.D), ds.C[0], ds.Y[0])
	// Output:
	// X is 200×100, |v*|²/d = 1.000, sample 0: c = 1, y = 1
}
