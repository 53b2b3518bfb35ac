package teacher

import (
	"fmt"
	"math"
	"strings"
)

// Link is the teacher's output function φ.
type Link interface {
	// Name is the command-line name, e.g. "sign".
	Name() string
	// Label returns the label of a sample with teacher field h0, label noise
	// eps ~ N(0, 1) and noise level sigma.
	Label(h0, eps, sigma float64) float64
	// Binary reports whether the labels are ±1 (a classification task,
	// whose test metric is the error rather than the mean squared error).
	Binary() bool
	// Moments returns the first two moments E[y], E[y²] of the label of a
	// sample whose teacher field is h0 ~ N(a, v) (v ≥ 0), over h0 and the
	// label noise of level sigma. The closed forms (theory.TeacherTestError
	// and TeacherTestLoss integrate them over the student's field) are
	// checked against Label by Monte Carlo for every registered link
	// (TestMoments).
	Moments(a, v, sigma float64) (m1, m2 float64)
}

// Linear is φ(h) = h: linear regression.
type Linear struct{}

// Sign is φ(h) = sign(h), with the noise inside: y = sign(h0 + σε) = ±1.
type Sign struct{}

// ReLU is φ(h) = max(h, 0).
type ReLU struct{}

func (Linear) Name() string { return "linear" }
func (Sign) Name() string   { return "sign" }
func (ReLU) Name() string   { return "relu" }

func (Linear) Label(h0, eps, sigma float64) float64 { return h0 + sigma*eps }
func (ReLU) Label(h0, eps, sigma float64) float64   { return math.Max(h0, 0) + sigma*eps }
func (Sign) Label(h0, eps, sigma float64) float64 {
	if h0+sigma*eps >= 0 {
		return 1
	}
	return -1
}

// Moments implements Link: y = h0 + σε, E[y] = a, E[y²] = a² + v + σ².
func (Linear) Moments(a, v, sigma float64) (m1, m2 float64) { return a, a*a + v + sigma*sigma }

// Moments implements Link: y = sign(g), g = h0 + σε ~ N(a, v + σ²), so
// E[y] = 2P(g ≥ 0) − 1 = erf(a/√(2(v + σ²))) and E[y²] = 1.
func (Sign) Moments(a, v, sigma float64) (m1, m2 float64) {
	s := math.Sqrt(v + sigma*sigma)
	if s == 0 {
		if a >= 0 { // Label's convention: g = 0 is labelled +1
			return 1, 1
		}
		return -1, 1
	}
	return math.Erf(a / (s * math.Sqrt2)), 1
}

// Moments implements Link: with s = √v, u = a/s, Φ and φ the standard
// normal distribution and density,
//
//	E[max(h0, 0)]  = a Φ(u) + s φ(u),
//	E[max(h0, 0)²] = (a² + v) Φ(u) + a s φ(u),
//
// and the noise adds σ² to E[y²].
func (ReLU) Moments(a, v, sigma float64) (m1, m2 float64) {
	s := math.Sqrt(v)
	if s == 0 {
		r := math.Max(a, 0)
		return r, r*r + sigma*sigma
	}
	u := a / s
	cdf := 0.5 * math.Erfc(-u/math.Sqrt2)
	pdf := math.Exp(-u*u/2) / math.Sqrt(2*math.Pi)
	return a*cdf + s*pdf, (a*a+v)*cdf + a*s*pdf + sigma*sigma
}

func (Linear) Binary() bool { return false }
func (ReLU) Binary() bool   { return false }
func (Sign) Binary() bool   { return true }

// links is the registry of the named links: adding one is its type and one
// line here.
var links = []Link{Linear{}, Sign{}, ReLU{}}

// LinkNames returns the names of the registered links.
func LinkNames() []string {
	names := make([]string, len(links))
	for i, l := range links {
		names[i] = l.Name()
	}
	return names
}

// ParseLink returns the registered link with the given name.
func ParseLink(name string) (Link, error) {
	for _, l := range links {
		if l.Name() == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("teacher: unknown link %q (allowed: %s)", name, strings.Join(LinkNames(), ", "))
}

// Model is the teacher: its link and the label-noise level σ.
type Model struct {
	Link  Link
	Noise float64 // label-noise standard deviation σ ≥ 0
}

// Validate checks that the link is set and σ is finite and ≥ 0.
func (m Model) Validate() error {
	if m.Link == nil {
		return fmt.Errorf("teacher: no link (allowed: %s)", strings.Join(LinkNames(), ", "))
	}
	if !(m.Noise >= 0) || math.IsInf(m.Noise, 0) {
		return fmt.Errorf("teacher: label noise sigma = %v, want a finite sigma >= 0", m.Noise)
	}
	return nil
}

// String returns e.g. "sign teacher, σ = 0.1".
func (m Model) String() string {
	if m.Link == nil {
		return "teacher (no link)"
	}
	return fmt.Sprintf("%s teacher, σ = %g", m.Link.Name(), m.Noise)
}
