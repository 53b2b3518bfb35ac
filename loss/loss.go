package loss

import (
	"fmt"
	"math"
	"strings"
)

// Margin is a loss of the margin z = y f(r): its value and first two
// derivatives in z.
type Margin interface {
	// Eval returns ℓ(z), ℓ'(z) and ℓ''(z).
	Eval(z float64) (l, dl, d2l float64)
	// Name returns the loss's command-line name, e.g. "logistic".
	Name() string
}

// margins is the registry of margin losses: adding a loss is its type (an
// Eval and a Name, plus the optional Smoother, Kinked and Proxer methods)
// and one line here.
var margins = []Margin{Logistic{}, Square{}, SquaredHinge{}, Hinge{}}

// MarginNames returns the names of the registered margin losses.
func MarginNames() []string {
	names := make([]string, len(margins))
	for i, m := range margins {
		names[i] = m.Name()
	}
	return names
}

// Smoother is implemented by margin losses whose second derivative is a
// smooth function, as the DMFT requires.
type Smoother interface {
	// Smooth reports whether ℓ'' has no δ part.
	Smooth() bool
}

// Kinked is implemented by margin losses that are not twice differentiable
// everywhere. A loss without it is taken to be smooth: quadratures over it
// are not split, and the prox kinks (Prox.Kinks) are empty.
type Kinked interface {
	// Kinks returns, in increasing order, the margins z where ℓ' or ℓ''
	// jumps.
	Kinks() []float64
}

// Kinks returns the kinks of m (see Kinked), nil for a smooth loss.
func Kinks(m Margin) []float64 {
	if k, ok := m.(Kinked); ok {
		return k.Kinks()
	}
	return nil
}

// Logistic is ℓ(z) = log(1 + e^{−z}).
type Logistic struct{}

// Square is ℓ(z) = (1 − z)²/2.
type Square struct{}

// SquaredHinge is ℓ(z) = max(0, 1 − z)².
type SquaredHinge struct{}

// Hinge is ℓ(z) = max(0, 1 − z). Its ℓ” is a δ at z = 1, reported as 0.
type Hinge struct{}

var (
	_ Margin   = Logistic{}
	_ Margin   = Square{}
	_ Margin   = SquaredHinge{}
	_ Margin   = Hinge{}
	_ Smoother = Hinge{}
	_ Kinked   = Hinge{}
	_ Kinked   = SquaredHinge{}
)

// Eval implements Margin. It is stable for any finite z: the exponential is
// only ever taken of a non-positive number.
func (Logistic) Eval(z float64) (l, dl, d2l float64) {
	// σ(−z) = 1/(1+e^{z}); log(1+e^{−z}) = max(−z,0) + log1p(e^{−|z|}).
	e := math.Exp(-math.Abs(z))
	var sm float64 // σ(−z)
	if z >= 0 {
		sm = e / (1 + e)
	} else {
		sm = 1 / (1 + e)
	}
	l = math.Max(-z, 0) + math.Log1p(e)
	return l, -sm, sm * (1 - sm)
}

// Eval implements Margin.
func (Square) Eval(z float64) (l, dl, d2l float64) {
	u := 1 - z
	return u * u / 2, -u, 1
}

// Eval implements Margin.
func (SquaredHinge) Eval(z float64) (l, dl, d2l float64) {
	if z >= 1 {
		return 0, 0, 0
	}
	u := 1 - z
	return u * u, -2 * u, 2
}

// Eval implements Margin. ℓ” is reported as 0 away from the kink; the δ at
// z = 1 is not representable, see Smooth.
func (Hinge) Eval(z float64) (l, dl, d2l float64) {
	if z >= 1 {
		return 0, 0, 0
	}
	return 1 - z, -1, 0
}

// Kinks implements Kinked: ℓ” jumps from 2 to 0 at z = 1.
func (SquaredHinge) Kinks() []float64 { return []float64{1} }

// Kinks implements Kinked: ℓ' jumps from −1 to 0 at z = 1.
func (Hinge) Kinks() []float64 { return []float64{1} }

// Smooth implements Smoother: the hinge is not smooth.
func (Hinge) Smooth() bool { return false }

// IsSmooth reports whether ℓ” of m is an ordinary function (no δ part).
func IsSmooth(m Margin) bool {
	if s, ok := m.(Smoother); ok {
		return s.Smooth()
	}
	return true
}

// ParseMargin returns the registered margin loss with the given name (see
// MarginNames).
func ParseMargin(name string) (Margin, error) {
	for _, m := range margins {
		if m.Name() == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("loss: unknown loss %q (allowed: %s)", name, strings.Join(MarginNames(), ", "))
}

// Name implements Margin.
func (Logistic) Name() string { return "logistic" }

// Name implements Margin.
func (Square) Name() string { return "square" }

// Name implements Margin.
func (SquaredHinge) Name() string { return "sqhinge" }

// Name implements Margin.
func (Hinge) Name() string { return "hinge" }
