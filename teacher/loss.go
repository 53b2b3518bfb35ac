package teacher

import (
	"fmt"

	"github.com/sgdmft/sgdmft/loss"
)

// Loss is the per-sample loss of a student with loss function Fn on the
// teacher's data. With ±1 labels (a Binary link) it is Fn itself, the margin
// loss L(y, r) = ℓ(y f(r)) as for the mixture. With real labels it is the
// square loss against the target,
//
//	L(y, r) = (y − f(r))²/2,
//
// which is the square margin loss (1 − y f(r))²/2 rewritten for a real y
// (the two agree at y = ±1); the other margin losses have no meaning for a
// real label, and NewLoss rejects them.
//
// Its Error is the test metric of one sample: 1{y f(r) ≤ 0} for ±1 labels
// (loss.Func.Error), the squared error (y − f(r))² for real labels.
type Loss struct {
	Fn     loss.Func
	target bool // real labels: the square loss against the target
}

// NewLoss returns the loss of a student with loss function fn on the data
// of teacher m, or an error if fn's margin loss is not defined for m's
// labels (real labels need the square loss).
func NewLoss(m Model, fn loss.Func) (Loss, error) {
	if m.Link == nil {
		return Loss{}, fmt.Errorf("teacher: no link")
	}
	if m.Link.Binary() {
		return Loss{Fn: fn}, nil
	}
	if _, ok := fn.Margin.(loss.Square); !ok {
		name := "<nil>"
		if fn.Margin != nil {
			name = fn.Margin.Name()
		}
		return Loss{}, fmt.Errorf("teacher: the %s link has real-valued labels: the loss must be square (the loss (y − f(r))²/2 against the target), not %s", m.Link.Name(), name)
	}
	return Loss{Fn: fn, target: true}, nil
}

// Target reports whether the labels are real and L is the square loss
// against the target.
func (l Loss) Target() bool { return l.target }

// Eval returns L(y, r), ∂_r L and ∂²_r L.
func (l Loss) Eval(y, r float64) (v, dv, d2v float64) {
	if !l.target {
		return l.Fn.Eval(y, r)
	}
	f, df, d2f := l.Fn.Output.Eval(r)
	e := f - y
	return e * e / 2, e * df, df*df + e*d2f
}

// Deriv returns ∂_r L(y, r) only; it is the simulator's hot path.
func (l Loss) Deriv(y, r float64) float64 {
	if !l.target {
		return l.Fn.Deriv(y, r)
	}
	f, df, _ := l.Fn.Output.Eval(r)
	return (f - y) * df
}

// Error returns the test metric of one sample: 1 if y f(r) ≤ 0 else 0 for
// ±1 labels, (y − f(r))² for real labels.
func (l Loss) Error(y, r float64) float64 {
	if !l.target {
		return l.Fn.Error(y, r)
	}
	f, _, _ := l.Fn.Output.Eval(r)
	return (y - f) * (y - f)
}
