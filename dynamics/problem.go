package dynamics

import (
	"fmt"
	"math"
	"strings"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/teacher"
)

// Algorithm is the selection rule of the training dynamics.
type Algorithm int

const (
	GD   Algorithm = iota // full-batch gradient descent, s ≡ 1
	SGD                   // vanilla SGD, s i.i.d. Bernoulli(b) each step
	PSGD                  // persistent SGD, a Markov chain with persistence time τ
	SGF                   // stochastic gradient flow: telegraph process, small step
)

var algoNames = [...]string{GD: "gd", SGD: "sgd", PSGD: "psgd", SGF: "sgf"}

// AlgorithmNames returns the command-line names of the algorithms.
func AlgorithmNames() []string { return algoNames[:] }

// String returns the command-line name of the algorithm.
func (a Algorithm) String() string {
	if a >= 0 && int(a) < len(algoNames) {
		return algoNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// ParseAlgorithm returns the algorithm with command-line name gd, sgd, psgd or sgf.
func ParseAlgorithm(name string) (Algorithm, error) {
	for a, n := range algoNames {
		if n == name {
			return Algorithm(a), nil
		}
	}
	return 0, fmt.Errorf("dynamics: unknown algo %q (allowed: %s)", name, strings.Join(algoNames[:], ", "))
}

// Problem is one training problem: data model, loss, algorithm and time
// window. It is shared by the finite-d simulator and the DMFT, which solve
// the same recursion (spec model-and-dmft.md §2).
type Problem struct {
	Model mixture.Model
	// Teacher, if not nil, is the data model instead of Model, which must
	// then be the zero Model: the single-index teacher–student model of
	// package teacher.
	Teacher *teacher.Model
	Loss    loss.Func
	Alpha   float64   // sample ratio n/d, > 0
	Lambda  float64   // ridge λ ≥ 0
	Algo    Algorithm // selection rule
	B       float64   // batch fraction in (0, 1]; zero means 1 (only allowed for gd)
	Tau     float64   // persistence time for psgd and sgf, > 0
	Eta     float64   // learning rate (time step for sgf), > 0
	T       float64   // final time; the run has round(T/Eta) ≥ 1 steps
	M0, C0  float64   // initial overlap m(0) and norm C(0) = |w_0|²/d, C0 ≥ m0²
}

// maxSteps bounds the number of steps, to catch a T/η typo before any work.
const maxSteps = 50_000_000

// Validate checks every field, reporting the first bad one as a
// *FieldError that states its allowed range.
func (p Problem) Validate() error {
	if p.Teacher != nil {
		if len(p.Model.Clusters) != 0 || p.Model.Delta != 0 {
			return &FieldError{Pkg: "dynamics", Field: "Model", Want: "the zero Model when Teacher is set (one data model)", With: []string{"Teacher"}}
		}
		if p.Teacher.Link == nil {
			return &FieldError{Pkg: "dynamics", Field: "Teacher.Link", Want: "a link: " + strings.Join(teacher.LinkNames(), ", ")}
		}
		if err := p.Teacher.Validate(); err != nil { // the link is set: the noise
			return &FieldError{Pkg: "dynamics", Field: "Teacher.Noise", Value: p.Teacher.Noise, Err: err}
		}
	} else if err := ValidateModel("dynamics", p.Model); err != nil {
		return err
	}
	bad := func(field string, v any, want string, with ...string) error {
		return &FieldError{Pkg: "dynamics", Field: field, Value: v, Want: want, With: with}
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if p.Loss.Margin == nil || p.Loss.Output == nil {
		return &FieldError{Pkg: "dynamics", Field: "Loss", Want: "a margin loss and an output function"}
	}
	if p.Teacher != nil && !p.Teacher.Link.Binary() {
		// Real labels: the loss is the square loss against the target
		// (teacher.Loss), the only margin loss with a meaning there.
		if _, err := teacher.NewLoss(*p.Teacher, p.Loss); err != nil {
			return &FieldError{Pkg: "dynamics", Field: "Loss", Want: "the square loss for a teacher with real-valued labels", With: []string{"Teacher.Link"}, Err: err}
		}
	}
	switch {
	case !(p.Alpha > 0) || !finite(p.Alpha):
		return bad("Alpha", p.Alpha, "a finite value > 0")
	case !(p.Lambda >= 0) || !finite(p.Lambda):
		return bad("Lambda", p.Lambda, "a finite value >= 0")
	case !(p.Eta > 0) || !finite(p.Eta):
		return bad("Eta", p.Eta, "a finite value > 0")
	case !(p.T > 0) || !finite(p.T):
		return bad("T", p.T, "a finite value > 0")
	case p.T/p.Eta > maxSteps:
		return bad("T", p.T, fmt.Sprintf("T <= %g, at most %d steps (T/η = %g)", maxSteps*p.Eta, maxSteps, p.T/p.Eta), "Eta")
	case p.Steps() < 1:
		// round(T/η) = 0 would run no step at all.
		return bad("T", p.T, fmt.Sprintf("T >= η/2 = %g, at least one step (round(T/η) = 0)", p.Eta/2), "Eta")
	case !finite(p.M0):
		return bad("M0", p.M0, "a finite value")
	case !(p.C0 >= p.M0*p.M0) || !finite(p.C0):
		return bad("C0", p.C0, fmt.Sprintf("a finite value >= m0² = %g", p.M0*p.M0), "M0")
	case p.Algo < 0 || int(p.Algo) >= len(algoNames):
		return bad("Algo", p.Algo, "one of "+strings.Join(algoNames[:], ", "))
	}
	if p.Algo == GD {
		if p.B != 0 && p.B != 1 {
			return bad("B", p.B, "b = 1 for gd (use sgd, psgd or sgf for b < 1)", "Algo")
		}
	} else if !(p.B > 0 && p.B < 1) {
		return bad("B", p.B, fmt.Sprintf("0 < b < 1 for %v", p.Algo), "Algo")
	}
	_, err := p.Selection()
	return err
}

// Selection returns the selection chain of the problem's algorithm.
func (p Problem) Selection() (Chain, error) {
	switch p.Algo {
	case SGD:
		return Vanilla(p.B)
	case PSGD:
		return Persistent(p.B, p.Tau, p.Eta)
	case SGF:
		return Telegraph(p.B, p.Tau, p.Eta)
	}
	return FullBatch(), nil
}

// Steps returns the number of steps K = round(T/η); times are t_k = kη, k = 0..K.
func (p Problem) Steps() int { return int(math.Round(p.T / p.Eta)) }

// Samples returns n = round(αd), at least 1.
func (p Problem) Samples(d int) int { return max(1, int(math.Round(p.Alpha*float64(d)))) }

// RecordSteps returns the recorded steps 0, every, 2·every, …, and k.
func RecordSteps(k, every int) []int {
	var s []int
	for i := 0; i <= k; i += every {
		s = append(s, i)
	}
	if s[len(s)-1] != k {
		s = append(s, k)
	}
	return s
}
