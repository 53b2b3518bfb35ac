package dynamics

import (
	"errors"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/mixture"
	"github.com/sgdmft/sgdmft/teacher"
)

// TestValidateTeacher: a teacher problem names the bad field — a non-zero
// Model beside the teacher, a bad teacher, a non-square loss on real labels
// — and accepts the sign teacher with any margin loss.
func TestValidateTeacher(t *testing.T) {
	base := func(link teacher.Link, margin loss.Margin) Problem {
		return Problem{
			Teacher: &teacher.Model{Link: link},
			Loss:    loss.Func{Margin: margin, Output: loss.Linear{}},
			Alpha:   2, Eta: 0.1, T: 1, C0: 1,
		}
	}
	withModel := base(teacher.Sign{}, loss.Logistic{})
	withModel.Model = mixture.TwoCluster(0.5, 0.5)
	negAlpha := base(teacher.Linear{}, loss.Square{}) // a valid real-label loss must not end the checks
	negAlpha.Alpha = -1
	noisy := base(teacher.Sign{}, loss.Logistic{})
	noisy.Teacher.Noise = -0.1
	for _, c := range []struct {
		p     Problem
		field string
	}{
		{withModel, "Model"},
		{base(nil, loss.Square{}), "Teacher.Link"},
		{noisy, "Teacher.Noise"},
		{base(teacher.Linear{}, loss.Logistic{}), "Loss"},
		{base(teacher.ReLU{}, loss.Hinge{}), "Loss"},
		{negAlpha, "Alpha"},
	} {
		var fe *FieldError
		if err := c.p.Validate(); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%v: error %v, want a FieldError on %s", c.p.Teacher, err, c.field)
		}
	}
	for _, p := range []Problem{base(teacher.Sign{}, loss.Logistic{}), base(teacher.Sign{}, loss.Hinge{}), base(teacher.Linear{}, loss.Square{}), base(teacher.ReLU{}, loss.Square{})} {
		if err := p.Validate(); err != nil {
			t.Errorf("%v with %s: %v", p.Teacher, p.Loss.Margin.Name(), err)
		}
	}
}
