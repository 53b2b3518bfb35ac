package dynamics

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Selection is a per-sample selection process s_μ,k ∈ {0, 1}, independent
// across samples.
type Selection interface {
	// Start draws s_μ,0 for every sample into s.
	Start(s []bool, rnd *rand.Rand)
	// Advance replaces s_μ,k by s_μ,k+1 in place.
	Advance(s []bool, rnd *rand.Rand)
}

// Chain is a stationary two-state Markov chain per sample: s_0 ~ Bernoulli(B)
// and, per step, P(0→1) = P01 and P(1→1) = P11. Every selection process of
// the spec is of this form:
//
//	full batch        P01 = P11 = 1
//	vanilla SGD       P01 = P11 = b
//	persistent SGD    P01 = η/τ, P11 = 1 − η(1−b)/(bτ)
//	telegraph (SGF)   P01 = b(1 − e^{−Δt/(bτ)}), P11 = b + (1−b)e^{−Δt/(bτ)}
//
// Its stationary law is Bernoulli(B) with B = P01/(1 − P11 + P01), and its
// autocorrelation ⟨s_k s_{k+l}⟩ = B² + B(1−B)(P11 − P01)^l.
type Chain struct {
	B, P01, P11 float64
}

var _ Selection = Chain{}

// FullBatch is gradient descent: every sample selected at every step.
func FullBatch() Chain { return Chain{B: 1, P01: 1, P11: 1} }

// Vanilla is vanilla SGD: fresh Bernoulli(b) selections at every step.
func Vanilla(b float64) (Chain, error) {
	if err := checkB(b); err != nil {
		return Chain{}, err
	}
	return Chain{B: b, P01: b, P11: b}, nil
}

// Persistent is persistent SGD with persistence time tau at learning rate
// eta. Both transition probabilities must be ≤ 1: η ≤ τ and η(1−b) ≤ bτ.
func Persistent(b, tau, eta float64) (Chain, error) {
	if err := checkB(b); err != nil {
		return Chain{}, err
	}
	if err := checkTau(tau); err != nil {
		return Chain{}, err
	}
	if err := checkStep(eta); err != nil {
		return Chain{}, err
	}
	p01 := eta / tau
	p10 := eta * (1 - b) / (b * tau)
	if p01 > 1 || p10 > 1 {
		return Chain{}, &FieldError{Pkg: "dynamics", Field: "Tau", Value: tau, With: []string{"Eta", "B"},
			Want: fmt.Sprintf("τ >= max(η, η(1−b)/b) = %.6g for η = %g, b = %g (transition probabilities <= 1)", math.Max(eta, eta*(1-b)/b), eta, b)}
	}
	return Chain{B: b, P01: p01, P11: 1 - p10}, nil
}

// Telegraph is the stochastic-gradient-flow selection (rates 1/τ for 0→1 and
// (1−b)/(bτ) for 1→0) sampled exactly on a grid of step dt.
func Telegraph(b, tau, dt float64) (Chain, error) {
	if err := checkB(b); err != nil {
		return Chain{}, err
	}
	if err := checkTau(tau); err != nil {
		return Chain{}, err
	}
	if err := checkStep(dt); err != nil {
		return Chain{}, err
	}
	e := math.Exp(-dt / (b * tau))
	return Chain{B: b, P01: b * (1 - e), P11: b + (1-b)*e}, nil
}

// The constructors report their arguments as the Problem fields they come
// from: B, Tau and Eta (the step of the telegraph process).

func checkB(b float64) error {
	if !(b > 0 && b <= 1) {
		return &FieldError{Pkg: "dynamics", Field: "B", Value: b, Want: "0 < b <= 1"}
	}
	return nil
}

func checkTau(tau float64) error {
	if !(tau > 0) || math.IsInf(tau, 0) {
		return &FieldError{Pkg: "dynamics", Field: "Tau", Value: tau, Want: "a finite value > 0"}
	}
	return nil
}

func checkStep(eta float64) error {
	if !(eta > 0) || math.IsInf(eta, 0) {
		return &FieldError{Pkg: "dynamics", Field: "Eta", Value: eta, Want: "a finite value > 0"}
	}
	return nil
}

// Decay returns P11 − P01, the per-step decay of the connected autocorrelation.
func (c Chain) Decay() float64 { return c.P11 - c.P01 }

// Full reports whether every sample is always selected.
func (c Chain) Full() bool { return c.P01 >= 1 && c.P11 >= 1 && c.B >= 1 }

// Start implements Selection.
func (c Chain) Start(s []bool, rnd *rand.Rand) {
	if c.B >= 1 {
		for i := range s {
			s[i] = true
		}
		return
	}
	for i := range s {
		s[i] = rnd.Float64() < c.B
	}
}

// Advance implements Selection.
func (c Chain) Advance(s []bool, rnd *rand.Rand) {
	if c.Full() {
		return
	}
	for i, on := range s {
		p := c.P01
		if on {
			p = c.P11
		}
		s[i] = rnd.Float64() < p
	}
}
