package validation

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/sgdmft/sgdmft/dmft"
	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// TestTeacherSquareCurves: the exact curves of the square-loss oracle for
// the ReLU and sign teachers (theory.TeacherSquare of the equivalent linear
// teacher) equal the DMFT's exact square-loss solve, which sees the labels
// through κ and E y² in its own march (dmft/teacher_square.go), at every
// step. Tolerance 1e-8 relative to max(1, |value|): TeacherSquare's
// quadrature bound of 1e-9 relative to max(1, Ctt, test MSE), and the
// march's round-off. The equivalence can fail: the linear teacher at the
// same σ (no κ rescaling) differs in m by 1e-2 or more.
func TestTeacherSquareCurves(t *testing.T) {
	for _, tm := range []teacher.Model{{Link: teacher.ReLU{}, Noise: 0.1}, {Link: teacher.Sign{}, Noise: 0.2}} {
		p := teacherProblem(tm.Link, tm.Noise, loss.Square{}, 2, 0.1, dynamics.GD, 1, 0)
		p.T, p.M0, p.C0 = 3, 0.1, 0.5
		sol, err := dmft.Solve(context.Background(), p, dmft.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Stats.Method != "exact" {
			t.Fatalf("%v: DMFT method %q, want exact", tm, sol.Stats.Method)
		}
		th, err := squareCurves(p, sol.Times)
		if err != nil {
			t.Fatal(err)
		}
		naive := p
		naive.Teacher = &teacher.Model{Link: teacher.Linear{}, Noise: tm.Noise}
		thNaive, err := squareCurves(naive, sol.Times)
		if err != nil {
			t.Fatal(err)
		}
		obs := []dynamics.Observable{dynamics.M, dynamics.Ctt, dynamics.TrainLoss, dynamics.TestErr, dynamics.TestLoss}
		if !tm.Link.Binary() {
			obs = append(obs, dynamics.TrainErr)
		} else if _, ok := th[dynamics.TrainErr]; ok {
			t.Errorf("%v: a training error from the square-loss curves, which have no misclassification rate", tm)
		}
		for _, o := range obs {
			dm, _ := sol.MeanSE(o)
			worst, naiveWorst := 0.0, 0.0
			for k := range sol.Times {
				scale := math.Max(1, math.Abs(dm[k]))
				worst = math.Max(worst, math.Abs(th[o].Mean[k]-dm[k])/scale)
				naiveWorst = math.Max(naiveWorst, math.Abs(thNaive[o].Mean[k]-dm[k])/scale)
			}
			t.Logf("%v %v: largest relative difference %.2g (the linear teacher at the same σ: %.2g)", tm, o, worst, naiveWorst)
			if !(worst <= 1e-8) {
				t.Errorf("%v %v: exact curve vs exact DMFT differ by %.2g (relative)", tm, o, worst)
			}
			if o == dynamics.M && !(naiveWorst > 1e-2) {
				t.Errorf("%v: the linear teacher at the same σ agrees with the DMFT to %.2g: the check cannot tell the links apart", tm, naiveWorst)
			}
		}
	}
}

// TestTeacherOraclesRefuse: the teacher oracles name what they need.
func TestTeacherOraclesRefuse(t *testing.T) {
	p := teacherProblem(teacher.Sign{}, 0.1, loss.Logistic{}, 2, 0.1, dynamics.GD, 1, 0)
	if _, err := squareCurves(p, []float64{0, 1}); err == nil || !strings.Contains(err.Error(), "square loss") {
		t.Errorf("square-loss curves of a logistic problem: %v", err)
	}
	relu := teacherProblem(teacher.ReLU{}, 0.1, loss.Square{}, 2, 0.1, dynamics.GD, 1, 0)
	if _, err := ermLimit(relu); err == nil || !strings.Contains(err.Error(), "Link") {
		t.Errorf("ERM limit of the ReLU teacher: %v", err)
	}
}

// TestTeacherERMLimit: the ERM oracle of the linear teacher with the square
// loss equals theory.TeacherSquare's t → ∞ limit (the ridge estimator, two
// independent solutions), and that of the sign teacher with the logistic
// loss gives ±1-label observables. Tolerance 1e-8: the quadrature bound of
// TeacherSquare (1e-9) and TeacherERM's residual (1e-11).
func TestTeacherERMLimit(t *testing.T) {
	p := peerProblem()
	e, err := ermLimit(p)
	if err != nil {
		t.Fatal(err)
	}
	lim, err := theory.TeacherSquare{Alpha: p.Alpha, Lambda: p.Lambda, M0: p.M0, C0: p.C0, Eta: p.Eta}.Limit()
	if err != nil {
		t.Fatal(err)
	}
	for o, want := range map[dynamics.Observable]float64{dynamics.M: lim.M, dynamics.Ctt: lim.Ctt, dynamics.TrainLoss: lim.TrainLoss,
		dynamics.TrainErr: 2 * lim.TrainLoss, dynamics.TestErr: lim.TestMSE, dynamics.TestLoss: lim.TestLoss} {
		if math.Abs(e[o]-want) > 1e-8 {
			t.Errorf("linear teacher ERM %v = %v, want the GD limit %v", o, e[o], want)
		}
	}
	s := teacherProblem(teacher.Sign{}, 0.1, loss.Logistic{}, 2, 0.1, dynamics.GD, 1, 0)
	e, err = ermLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	if te := e[dynamics.TestErr]; !(te > 0 && te < 0.5) || e[dynamics.TrainErr] > te || !(e[dynamics.TestLoss] > e[dynamics.TrainLoss]) {
		t.Errorf("sign teacher ERM: %v: want 0 < train error ≤ test error < 1/2 and test loss > train loss", e)
	}
}
