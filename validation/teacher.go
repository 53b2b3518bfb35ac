package validation

import (
	"fmt"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/theory"
)

// The exact references of a teacher–student problem (dynamics.Problem.Teacher).

// teacherSquareCurves returns the exact curves of full-batch GD on the
// square loss with the linear output for a teacher, from
// theory.TeacherSquare (any link, reduced there to the linear teacher).
// The training error is the training MSE, twice the loss, for real labels
// and is not given for ±1 labels (the sign teacher with the square loss,
// whose test error is the closed form theory.TeacherTestError at the exact
// m and Ctt).
func teacherSquareCurves(p dynamics.Problem, times []float64) (map[dynamics.Observable]Curve, error) {
	_, sq := p.Loss.Margin.(loss.Square)
	_, lin := p.Loss.Output.(loss.Linear)
	if p.Algo != dynamics.GD || !sq || !lin {
		return nil, fmt.Errorf("validation: the exact teacher curves (theory.TeacherSquare) need full-batch gd with the square loss and the linear output, not %v with %s loss and %s output",
			p.Algo, p.Loss.Margin.Name(), p.Loss.Output.Name())
	}
	tm := *p.Teacher
	ts := theory.TeacherSquare{Alpha: p.Alpha, Lambda: p.Lambda, Noise: tm.Noise, M0: p.M0, C0: p.C0, Eta: p.Eta, Link: tm.Link}
	pts, err := ts.Curve(nil, times)
	if err != nil {
		return nil, fmt.Errorf("theory: %w", err)
	}
	n := len(times)
	obs := []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TestErr, dynamics.TestLoss}
	binary := tm.Link.Binary()
	if !binary {
		obs = append(obs, dynamics.TrainErr)
	}
	out := map[dynamics.Observable]Curve{}
	for _, o := range obs {
		out[o] = Curve{Mean: make([]float64, n), SE: make([]float64, n)}
	}
	for i, pt := range pts {
		m, q, tl := pt.M, pt.Ctt, pt.TrainLoss
		out[dynamics.M].Mean[i] = m
		out[dynamics.Ctt].Mean[i] = q
		out[dynamics.TrainLoss].Mean[i] = tl
		if binary {
			out[dynamics.TestErr].Mean[i] = theory.TeacherTestError(tm, p.Loss.Output, m, q)
			out[dynamics.TestLoss].Mean[i] = theory.TeacherTestLoss(tm, p.Loss, m, q)
			continue
		}
		out[dynamics.TestErr].Mean[i] = pt.TestMSE
		out[dynamics.TestLoss].Mean[i] = pt.TestLoss
		out[dynamics.TrainErr].Mean[i] = 2 * tl
	}
	return out, nil
}

// teacherERMLimit returns the ridge ERM fixed point of a teacher problem
// (theory.TeacherERM: the sign teacher with any margin loss, the linear
// teacher with the square loss; the linear output only). For real labels
// the training error is the training MSE, twice the training loss, and the
// test error the test MSE.
func teacherERMLimit(p dynamics.Problem) (map[dynamics.Observable]float64, error) {
	if _, ok := p.Loss.Output.(loss.Linear); !ok {
		return nil, fmt.Errorf("validation: the teacher ERM fixed point (theory.TeacherERM) needs the linear output, not %s", p.Loss.Output.Name())
	}
	tm := *p.Teacher
	r, err := theory.TeacherERM{Teacher: tm, Alpha: p.Alpha, Lambda: p.Lambda, Loss: p.Loss.Margin}.Solve()
	if err != nil {
		return nil, fmt.Errorf("theory: %w", err)
	}
	out := map[dynamics.Observable]float64{dynamics.M: r.M, dynamics.Ctt: r.Ctt, dynamics.TrainLoss: r.TrainLoss}
	if tm.Link.Binary() {
		out[dynamics.TrainErr], out[dynamics.TestErr] = r.TrainErr, r.TestErr
		out[dynamics.TestLoss] = theory.TeacherTestLoss(tm, p.Loss, r.M, r.Ctt)
	} else {
		out[dynamics.TrainErr], out[dynamics.TestErr], out[dynamics.TestLoss] = 2*r.TrainLoss, r.TestMSE, r.TestMSE/2
	}
	return out, nil
}
