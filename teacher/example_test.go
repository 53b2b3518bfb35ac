package teacher_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sgdmft/sgdmft/teacher"
)

func ExampleModel_Sample() {
	m := teacher.Model{Link: teacher.Sign{}, Noise: 0.1}
	ds, err := m.Sample(100, 3, false, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for mu := range ds.N {
		h := 0.0 // the teacher field is the row's projection on v*
		for i, x := range ds.Row(mu) {
			h += ds.Vstar[i] * x
		}
		h /= math.Sqrt(float64(ds.D))
		fmt.Printf("h0 = v*·x/√d: %t, |y| = %v\n", math.Abs(h-ds.H0[mu]) < 1e-12, math.Abs(ds.Y[mu]))
	}
	// Output:
	// h0 = v*·x/√d: true, |y| = 1
	// h0 = v*·x/√d: true, |y| = 1
	// h0 = v*·x/√d: true, |y| = 1
}
