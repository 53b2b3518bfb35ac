package theory_test

import (
	"fmt"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// Ridge logistic regression on labels of a noisy perceptron teacher.
func ExampleTeacherERM_Solve() {
	e := theory.TeacherERM{
		Teacher: teacher.Model{Link: teacher.Sign{}, Noise: 0.2},
		Alpha:   2, Lambda: 0.5, Loss: loss.Logistic{},
	}
	r, err := e.Solve()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v: m=%.4f Ctt=%.4f V=%.4f\n", r.Status, r.M, r.Ctt, r.V)
	fmt.Printf("train_loss=%.4f train_err=%.4f test_err=%.4f\n", r.TrainLoss, r.TrainErr, r.TestErr)
	// Output:
	// converged: m=0.7475 Ctt=0.8572 V=1.2316
	// train_loss=0.3607 train_err=0.0395 test_err=0.2092
}
