package integrators

import "fmt"

// Gradient evaluates dst = ∇H(w). It must not retain w or dst.
type Gradient func(dst, w []float64)

// Integrator advances w in place by one step h of dw/dt = −∇H(w).
// An Integrator holds scratch space and is not safe for concurrent use.
type Integrator interface {
	Step(w []float64, h float64, grad Gradient)
}

// Method names a scheme; New builds an Integrator of it.
type Method int

const (
	EulerMethod Method = iota // explicit Euler, the default
	HeunMethod                // Heun's second-order scheme
)

// String returns the command-line name of the method.
func (m Method) String() string {
	switch m {
	case EulerMethod:
		return "euler"
	case HeunMethod:
		return "heun"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod returns the method with command-line name euler or heun.
func ParseMethod(name string) (Method, error) {
	switch name {
	case "euler", "":
		return EulerMethod, nil
	case "heun":
		return HeunMethod, nil
	}
	return 0, fmt.Errorf("integrators: unknown integrator %q (allowed: euler, heun)", name)
}

// New returns a fresh Integrator of the method.
func (m Method) New() Integrator {
	if m == HeunMethod {
		return &Heun{}
	}
	return &Euler{}
}

// Euler is the explicit Euler scheme.
type Euler struct{ g []float64 }

// Heun is Heun's (explicit trapezoidal) second-order scheme.
type Heun struct{ g1, g2, tmp []float64 }

var (
	_ Integrator = (*Euler)(nil)
	_ Integrator = (*Heun)(nil)
)

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Step implements Integrator.
func (e *Euler) Step(w []float64, h float64, grad Gradient) {
	e.g = grow(e.g, len(w))
	grad(e.g, w)
	for i, g := range e.g {
		w[i] -= h * g
	}
}

// Step implements Integrator.
func (s *Heun) Step(w []float64, h float64, grad Gradient) {
	n := len(w)
	s.g1, s.g2, s.tmp = grow(s.g1, n), grow(s.g2, n), grow(s.tmp, n)
	grad(s.g1, w)
	for i, g := range s.g1 {
		s.tmp[i] = w[i] - h*g
	}
	grad(s.g2, s.tmp)
	for i := range w {
		w[i] -= h / 2 * (s.g1[i] + s.g2[i])
	}
}
