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

func ExampleParseOutput() {
	for _, name := range loss.OutputNames() {
		out, err := loss.ParseOutput(name, 0.25) // κ = 0.25, used by the quadratic output
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: f(r) = 0 at r = %v\n", out.Name(), out.Roots(0))
	}
	// Output:
	// linear: f(r) = 0 at r = [0]
	// quadratic: f(r) = 0 at r = [-0.5 0.5]
}

func ExampleNewProx() {
	px, err := loss.NewProx(loss.Logistic{}) // no closed form: safeguarded Newton
	if err != nil {
		fmt.Println(err)
		return
	}
	p, dp := px.Eval(0.5, 2) // argmin_z (z − 0.5)²/4 + log(1 + e^{−z})
	fmt.Printf("P = %.6f, P' = %.6f\n", p, dp)
	// Output:
	// P = 1.027239, P' = 0.720332
}
