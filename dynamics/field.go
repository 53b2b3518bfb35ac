package dynamics

import (
	"fmt"
	"strings"

	"github.com/sgdmft/sgdmft/mixture"
)

// FieldError reports a field of a problem, or of a solver's settings, that
// is outside its allowed range. The Validate methods of dynamics, sde, dmft
// and theory return it, so that a front end can name its own parameter for
// a field (a command line finds it with errors.As and maps Field to a flag)
// while the rule itself lives only in the library.
type FieldError struct {
	Pkg   string // the reporting package, e.g. "dynamics"
	Field string // the Go field, e.g. "Eta", "Model.Delta", "Iterate.Mix"
	Value any    // the bad value; nil when it is not one number (a cluster list)
	// With names the other fields of a rule that couples several, e.g. T
	// and Eta for the number of steps; Want states their values as needed.
	With []string
	Want string // the allowed range, e.g. "a finite value > 0"
	Err  error  // the underlying error, e.g. the mixture's; may be nil
}

// Error returns "pkg: Field = value, want range" (and the underlying error).
func (e *FieldError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Pkg, e.Field)
	if e.Value != nil {
		fmt.Fprintf(&b, " = %v", e.Value)
	}
	if e.Want != "" {
		fmt.Fprintf(&b, ", want %s", e.Want)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// ValidateModel checks a data model as a field Model of package pkg's
// struct: a FieldError on Model.Clusters (probabilities, labels, positions)
// or on Model.Delta, wrapping the mixture's own error.
func ValidateModel(pkg string, m mixture.Model) error {
	err := m.Validate()
	if err == nil {
		return nil
	}
	// The mixture checks Δ among other things; with Δ = 0 (always allowed)
	// it judges the clusters alone, which tells the two fields apart.
	c := m
	c.Delta = 0
	if cerr := c.Validate(); cerr != nil {
		return &FieldError{Pkg: pkg, Field: "Model.Clusters", Err: cerr}
	}
	return &FieldError{Pkg: pkg, Field: "Model.Delta", Err: err}
}

// ValidateEvery checks a recording interval: RecordSteps records the steps
// 0, every, 2·every, … and needs every ≥ 1.
func ValidateEvery(every int) error {
	if every < 1 {
		return &FieldError{Pkg: "dynamics", Field: "Every", Value: every, Want: "at least 1"}
	}
	return nil
}
