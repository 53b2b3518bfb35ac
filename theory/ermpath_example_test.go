package theory_test

import (
	"fmt"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
)

// A learning curve of ridge logistic regression at small λ, solved by
// continuation in α.
func ExampleERMPath() {
	e := theory.ERM{Model: mixture.TwoCluster(0.5, 0.5), Lambda: 0.01, Loss: loss.Logistic{}}
	alphas := []float64{0.5, 1, 2, 4}
	curve, err := theory.ERMPath(e, alphas, func(e *theory.ERM, a float64) { e.Alpha = a })
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, r := range curve {
		fmt.Printf("α=%g: m=%.4f Ctt=%.4f test_err=%.4f residual<1e-11: %v\n", alphas[i], r.M, r.Ctt, r.TestErr, r.Residual < 1e-11)
	}
	// Output:
	// α=0.5: m=1.6454 Ctt=6.4413 test_err=0.1796 residual<1e-11: true
	// α=1: m=2.4608 Ctt=11.5862 test_err=0.1533 residual<1e-11: true
	// α=2: m=3.4972 Ctt=20.5460 test_err=0.1376 residual<1e-11: true
	// α=4: m=4.6650 Ctt=33.1956 test_err=0.1261 residual<1e-11: true
}

// The max-margin classifier, where the direction of ridge ERM heads as
// λ → 0⁺ on separable data, and the separability threshold.
func ExampleMaxMargin_Solve() {
	mm, err := theory.MaxMargin{Model: mixture.TwoCluster(0.2, 0.5), Alpha: 1, Bias: true}.Solve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("overlap=%.4f margin=%.4f bias=%.4f test_err=%.4f α_c=%.4f\n", mm.Overlap, mm.Margin, mm.Bias, mm.TestErr, mm.AlphaC)
	// Output:
	// overlap=0.6103 margin=0.8586 bias=-0.4550 test_err=0.1354 α_c=8.6510
}
