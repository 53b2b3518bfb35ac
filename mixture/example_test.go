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

func ExampleParseModel() {
	for _, name := range mixture.ModelNames() {
		m, err := mixture.ParseModel(name, 0.4, 0.5)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d clusters, P(y = +1) = %.1f\n", name, len(m.Clusters), m.Rho())
	}
	_, err := mixture.ParseModel("two-cluster", 1.2, 0.5)
	fmt.Println(err)
	// Output:
	// two-cluster: 2 clusters, P(y = +1) = 0.4
	// three-cluster: 3 clusters, P(y = +1) = 0.4
	// mixture: two-cluster rho = 1.2, want 0 < rho < 1
}
