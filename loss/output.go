package loss

import "fmt"

// Output is the output function f of the network: ŷ = sign(f(r)).
type Output interface {
	// Eval returns f(r), f'(r) and f''(r).
	Eval(r float64) (f, df, d2f float64)
	// Name returns the output's command-line name, e.g. "linear".
	Name() string
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

// Eval implements Output.
func (Linear) Eval(r float64) (f, df, d2f float64) { return r, 1, 0 }

// Eval implements Output.
func (q Quadratic) Eval(r float64) (f, df, d2f float64) { return r*r - q.Kappa, 2 * r, 2 }

// Name implements Output.
func (Linear) Name() string { return "linear" }

// Name implements Output.
func (Quadratic) Name() string { return "quadratic" }

// ParseOutput returns the output function with the given command-line name,
// linear or quadratic; kappa is used by the quadratic output only.
func ParseOutput(name string, kappa float64) (Output, error) {
	switch name {
	case "linear":
		return Linear{}, nil
	case "quadratic":
		if !(kappa > 0) {
			return nil, fmt.Errorf("loss: kappa = %v, want kappa > 0 for the quadratic output", kappa)
		}
		return Quadratic{Kappa: kappa}, nil
	}
	return nil, fmt.Errorf("loss: unknown output %q (allowed: linear, quadratic)", name)
}

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
