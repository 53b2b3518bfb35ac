package loss

import (
	"fmt"
	"math"
	"strings"
)

// Output is the output function f of the network: ŷ = sign(f(r)).
type Output interface {
	// Eval returns f(r), f'(r) and f''(r).
	Eval(r float64) (f, df, d2f float64)
	// Roots returns, in increasing order, every r with f(r) = v (finitely
	// many). The fresh-sample test error integrates the Gaussian law of r
	// in closed form between the roots of f(r) = 0 (theory.TestError), and
	// the test loss splits its quadrature at the roots of f(r) = y z for
	// the kinks z of the margin loss (theory.TestLoss).
	Roots(v float64) []float64
	// Name returns the output's command-line name, e.g. "linear".
	Name() string
}

// outputs is the registry of output functions: adding one is its type (an
// Eval, a Roots and a Name) and one line here. The constructor receives the
// shape parameter κ of the command line (--kappa); outputs without a shape
// parameter ignore it, outputs with one validate it.
var outputs = []struct {
	name string
	new  func(kappa float64) (Output, error)
}{
	{"linear", func(float64) (Output, error) { return Linear{}, nil }},
	{"quadratic", newQuadratic},
}

// OutputNames returns the names of the registered output functions.
func OutputNames() []string {
	names := make([]string, len(outputs))
	for i, o := range outputs {
		names[i] = o.name
	}
	return names
}

// ParseOutput returns the registered output function with the given name
// (see OutputNames); kappa is its shape parameter, used by the quadratic
// output r² − κ only.
func ParseOutput(name string, kappa float64) (Output, error) {
	for _, o := range outputs {
		if o.name == name {
			return o.new(kappa)
		}
	}
	return nil, fmt.Errorf("loss: unknown output %q (allowed: %s)", name, strings.Join(OutputNames(), ", "))
}

// Linear is f(r) = r, for linearly separable mixtures (two clusters).
type Linear struct{}

// Quadratic is f(r) = r² − Kappa, an even output for the three-cluster model.
type Quadratic struct {
	Kappa float64 // threshold κ > 0
}

var (
	_ Output = Linear{}
	_ Output = Quadratic{}
)

func newQuadratic(kappa float64) (Output, error) {
	if !(kappa > 0) || math.IsInf(kappa, 0) {
		return nil, fmt.Errorf("loss: kappa = %v, want a finite kappa > 0 for the quadratic output", kappa)
	}
	return Quadratic{Kappa: kappa}, nil
}

// Eval implements Output.
func (Linear) Eval(r float64) (f, df, d2f float64) { return r, 1, 0 }

// Roots implements Output: r = v.
func (Linear) Roots(v float64) []float64 { return []float64{v} }

// Name implements Output.
func (Linear) Name() string { return "linear" }

// Eval implements Output.
func (q Quadratic) Eval(r float64) (f, df, d2f float64) { return r*r - q.Kappa, 2 * r, 2 }

// Roots implements Output: r = ±√(κ + v) when κ + v ≥ 0.
func (q Quadratic) Roots(v float64) []float64 {
	a := q.Kappa + v
	switch {
	case a > 0:
		s := math.Sqrt(a)
		return []float64{-s, s}
	case a == 0:
		return []float64{0}
	}
	return nil
}

// Name implements Output.
func (Quadratic) Name() string { return "quadratic" }

// Func is the per-sample loss L(y, r) = ℓ(y f(r)) as a function of the
// label and the pre-activation.
type Func struct {
	Margin Margin
	Output Output
}

// Eval returns L(y, r), ∂_r L and ∂²_r L for a label y = ±1.
func (fn Func) Eval(y, r float64) (l, dl, d2l float64) {
	f, df, d2f := fn.Output.Eval(r)
	lz, dlz, d2lz := fn.Margin.Eval(y * f)
	return lz, dlz * y * df, d2lz*df*df + dlz*y*d2f
}

// Deriv returns ∂_r L(y, r) only; it is the simulator's hot path.
func (fn Func) Deriv(y, r float64) float64 {
	f, df, _ := fn.Output.Eval(r)
	_, dlz, _ := fn.Margin.Eval(y * f)
	return dlz * y * df
}

// Error reports whether the prediction sign(f(r)) misses the label y:
// 1 if y f(r) ≤ 0, else 0.
func (fn Func) Error(y, r float64) float64 {
	f, _, _ := fn.Output.Eval(r)
	if y*f <= 0 {
		return 1
	}
	return 0
}
