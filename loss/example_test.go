package loss_test

import (
	"fmt"

	"github.com/sgdmft/sgdmft/loss"
)

func ExampleFunc_Eval() {
	fn := loss.Func{Margin: loss.Logistic{}, Output: loss.Quadratic{Kappa: 1}}
	l, dl, d2l := fn.Eval(-1, 0.5) // label −1, r = 0.5: f = r² − 1 = −0.75, margin 0.75
	fmt.Printf("L = %.4f, dL/dr = %.4f, d²L/dr² = %.4f\n", l, dl, d2l)
	// Output:
	// L = 0.3869, dL/dr = 0.3208, d²L/dr² = 0.8595
}
