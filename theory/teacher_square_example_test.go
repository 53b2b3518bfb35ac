package theory_test

import (
	"fmt"

	"github.com/sgdmft/sgdmft/theory"
)

// Full-batch GD on ridge regression with a linear teacher, in the setting of
// SPOC-group/DMFT-integration (α = 3, λ = 0.5, η = 0.1, m(0) = 0.2, an
// orthogonal part of unit norm): the curve and its t → ∞ limit, the ridge
// estimator.
func ExampleTeacherSquare_Curve() {
	s := theory.TeacherSquare{Alpha: 3, Lambda: 0.5, M0: 0.2, C0: 1.04, Eta: 0.1}
	curve, err := s.Curve(nil, []float64{0, 0.1, 1, 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range curve {
		fmt.Printf("t=%g m=%.4f Ctt=%.4f train_loss=%.4f test_mse=%.4f\n", p.T, p.M, p.Ctt, p.TrainLoss, p.TestMSE)
	}
	lim, err := s.Limit()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("t=∞ m=%.4f Ctt=%.4f train_loss=%.4f test_mse=%.4f\n", lim.M, lim.Ctt, lim.TrainLoss, lim.TestMSE)
	// Output:
	// t=0 m=0.2000 Ctt=1.0400 train_loss=0.8200 test_mse=1.6400
	// t=0.1 m=0.4300 Ctt=0.6566 train_loss=0.2959 test_mse=0.7966
	// t=1 m=0.7824 Ctt=0.6414 train_loss=0.0177 test_mse=0.0766
	// t=5 m=0.8138 Ctt=0.6721 train_loss=0.0118 test_mse=0.0445
	// t=∞ m=0.8139 Ctt=0.6722 train_loss=0.0118 test_mse=0.0445
}
