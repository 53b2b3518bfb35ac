package theory_test

import (
	"fmt"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/theory"
)

// The learning curve of square-loss gradient flow at α < 1: the test error
// falls, then rises as the flow approaches the interpolator.
func ExampleSquareGD_Curve() {
	s := theory.SquareGD{Alpha: 0.5, Delta: 0.5, C0: 1}
	curve, err := s.Curve(nil, []float64{1, 8, 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range curve {
		fmt.Printf("t=%g m=%.4f Ctt=%.4f train_loss=%.4f test_err=%.4f\n", p.T, p.M, p.Ctt, p.TrainLoss, p.TestErr)
	}
	// Output:
	// t=1 m=0.2902 Ctt=0.8993 train_loss=0.1846 test_err=0.3326
	// t=8 m=0.4757 Ctt=1.1867 train_loss=0.0113 test_err=0.2684
	// t=100 m=0.5000 Ctt=1.4990 train_loss=0.0000 test_err=0.2818
}

// The least-squares limit λ = 0, α > 1: m = 1/(1 + Δ).
func ExampleSquareGD_Limit() {
	p, err := theory.SquareGD{Alpha: 3, Delta: 0.5}.Limit()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("m=%.4f Ctt=%.4f train_loss=%.4f test_err=%.4f\n", p.M, p.Ctt, p.TrainLoss, p.TestErr)
	// Output:
	// m=0.6667 Ctt=0.7778 train_loss=0.1111 test_err=0.1425
}

// Logistic regression with ridge and a bias on an unbalanced mixture.
func ExampleERM_Solve() {
	e := theory.ERM{Model: mixture.TwoCluster(0.3, 0.5), Alpha: 2, Lambda: 0.1, Loss: loss.Logistic{}, Bias: true}
	r, err := e.Solve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v: m=%.4f Ctt=%.4f bias=%.4f V=%.4f\n", r.Status, r.M, r.Ctt, r.Bias, r.V)
	fmt.Printf("train_loss=%.4f train_err=%.4f test_err=%.4f\n", r.TrainLoss, r.TrainErr, r.TestErr)
	// Output:
	// converged: m=1.5779 Ctt=3.6132 bias=-0.7947 V=2.8920
	// train_loss=0.1590 train_err=0.0162 test_err=0.1111
}
