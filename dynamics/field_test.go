package dynamics

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
)

// TestValidateFields: each rule of Problem.Validate reports its field, the
// fields it couples, and a message naming the allowed range.
func TestValidateFields(t *testing.T) {
	ok := Problem{
		Model: mixture.TwoCluster(0.5, 0.5), Loss: loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}},
		Alpha: 2, Algo: PSGD, B: 0.3, Tau: 1, Eta: 0.1, T: 1, C0: 1,
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mod   func(*Problem)
		field string
		with  []string
		want  string // in the message
	}{
		{func(p *Problem) { p.Model.Delta = -1 }, "Model.Delta", nil, "delta"},
		{func(p *Problem) { p.Model.Delta = math.NaN() }, "Model.Delta", nil, "delta"},
		{func(p *Problem) { p.Model = mixture.TwoCluster(1, 0.5) }, "Model.Clusters", nil, "rho = 1,"},
		{func(p *Problem) { p.Model = mixture.TwoCluster(1, -1) }, "Model.Clusters", nil, "rho = 1,"}, // clusters first
		{func(p *Problem) { p.Loss.Output = nil }, "Loss", nil, "output"},
		{func(p *Problem) { p.Alpha = 0 }, "Alpha", nil, "> 0"},
		{func(p *Problem) { p.Lambda = math.Inf(1) }, "Lambda", nil, ">= 0"},
		{func(p *Problem) { p.Eta = -0.1 }, "Eta", nil, "> 0"},
		{func(p *Problem) { p.T = math.NaN() }, "T", nil, "> 0"},
		{func(p *Problem) { p.T = 0.04 }, "T", []string{"Eta"}, "T >= η/2 = 0.05"},
		{func(p *Problem) { p.T = 1e7 }, "T", []string{"Eta"}, "at most 50000000 steps"},
		{func(p *Problem) { p.M0 = math.Inf(-1) }, "M0", nil, "finite"},
		{func(p *Problem) { p.M0, p.C0 = 1, 0.9 }, "C0", []string{"M0"}, ">= m0² = 1"},
		{func(p *Problem) { p.Algo = 9 }, "Algo", nil, "gd, sgd, psgd, sgf"},
		{func(p *Problem) { p.Algo, p.B = GD, 0.5 }, "B", []string{"Algo"}, "b = 1 for gd"},
		{func(p *Problem) { p.B = 1 }, "B", []string{"Algo"}, "0 < b < 1 for psgd"},
		{func(p *Problem) { p.Tau = 0 }, "Tau", nil, "> 0"},
		{func(p *Problem) { p.Tau = 0.2 }, "Tau", []string{"Eta", "B"}, "τ >= max(η, η(1−b)/b) = 0.233333"},
		{func(p *Problem) { p.Algo, p.Tau = SGF, math.Inf(1) }, "Tau", nil, "finite"},
	} {
		p := ok
		c.mod(&p)
		err := p.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a *FieldError", c.field, err)
			continue
		}
		if fe.Field != c.field || !slices.Equal(fe.With, c.with) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "dynamics: "+c.field) {
			t.Errorf("error %q (field %s, with %v), want field %s with %v naming %q", err, fe.Field, fe.With, c.field, c.with, c.want)
		}
	}
	// Half a step rounds to one step: allowed.
	p := ok
	p.T = 0.05
	if err := p.Validate(); err != nil || p.Steps() != 1 {
		t.Errorf("T = η/2: %v, %d steps", err, p.Steps())
	}
}

// TestChainFields: the selection constructors report the Problem field of
// a bad argument.
func TestChainFields(t *testing.T) {
	for _, c := range []struct {
		err   error
		field string
	}{
		{errOf(Vanilla(0)), "B"},
		{errOf(Persistent(1.5, 1, 0.1)), "B"},
		{errOf(Persistent(0.3, -1, 0.1)), "Tau"},
		{errOf(Persistent(0.3, 1, 0)), "Eta"},
		{errOf(Persistent(0.3, 0.1, 0.1)), "Tau"},
		{errOf(Telegraph(0.3, math.NaN(), 0.1)), "Tau"},
		{errOf(Telegraph(0.3, 1, math.Inf(1))), "Eta"},
	} {
		var fe *FieldError
		if !errors.As(c.err, &fe) || fe.Field != c.field {
			t.Errorf("error %v, want a FieldError on %s", c.err, c.field)
		}
	}
}

func TestFieldErrorMessage(t *testing.T) {
	inner := errors.New("mixture: no clusters")
	for _, c := range []struct {
		e    *FieldError
		want string
	}{
		{&FieldError{Pkg: "sde", Field: "D", Value: 0, Want: "at least 1"}, "sde: D = 0, want at least 1"},
		{&FieldError{Pkg: "dynamics", Field: "Model.Clusters", Err: inner}, "dynamics: Model.Clusters: mixture: no clusters"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	var fe *FieldError
	if err := ValidateModel("x", mixture.Model{}); !errors.As(err, &fe) || fe.Field != "Model.Clusters" || errors.Unwrap(err) == nil {
		t.Errorf("ValidateModel of no clusters: %v, want a FieldError on Model.Clusters wrapping the mixture's error", err)
	}
	if err := ValidateEvery(0); err == nil {
		t.Error("every = 0 accepted")
	}
}
