package validation_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sgdmft/sgdmft/validation"
)

// The d → ∞ intercept of means at d = 100 and 400 is (4ȳ₄₀₀ − ȳ₁₀₀)/3.
func ExampleCoefficients() {
	fmt.Printf("%.4f\n", validation.Coefficients([]int{100, 400}, []int{800, 800}))
	// Output: [-0.3333 1.3333]
}

// Validate the square-loss scenario, whose DMFT is solved exactly and which
// has exact random-matrix curves, at a size smaller than its levels'.
func ExampleRun() {
	sc, _ := validation.Lookup("two-cluster-square-gd")
	sc.Sizes[validation.Test] = validation.Size{
		Dims:    []validation.Dimension{{D: 50, Seeds: 16}, {D: 200, Seeds: 16}},
		Samples: 1000, Batches: 10, // unused: the square-loss DMFT is exact
	}
	res, err := validation.Run(context.Background(), sc, validation.Options{Level: validation.Test})
	if err != nil {
		log.Fatal(err)
	}
	v := res.Variants[0]
	fmt.Printf("%d comparisons at %d times\n", v.Comparisons, len(v.Times))
	for _, c := range v.Checks[:2] {
		fmt.Printf("%v vs %v: pass %v\n", c.Observable, c.Reference, c.Pass)
	}
	fmt.Println("scenario passes:", res.Pass)
	// Output:
	// 230 comparisons at 21 times
	// m vs dmft: pass true
	// Ctt vs dmft: pass true
	// scenario passes: true
}
