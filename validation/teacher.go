package validation

import (
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// The exact references of a teacher–student problem (dynamics.Problem.Teacher).

// labelMoments returns κ = E[h0 y] and E[y²] of the teacher's label for
// h0 ~ N(0, 1): in closed form for the linear link, otherwise by Gaussian
// quadrature of h0 E[y | h0] (the link's Moments at variance 0) with a
// panel boundary at h0 = 0, where the registered links have their kink or
// jump (error below 1e-13, theory.GaussExpect).
func labelMoments(tm teacher.Model) (kappa, y2 float64) {
	s2 := tm.Noise * tm.Noise
	if _, ok := tm.Link.(teacher.Linear); ok {
		return 1, 1 + s2
	}
	kappa = theory.GaussExpect(func(h float64) float64 {
		m1, _ := tm.Link.Moments(h, 0, tm.Noise)
		return h * m1
	}, 0)
	_, y2 = tm.Link.Moments(0, 1, tm.Noise)
	return kappa, y2
}

// teacherSquareCurves returns the exact curves of full-batch GD on the
// square loss with the linear output for a teacher, from
// theory.TeacherSquare, the linear teacher y = h0 + σε.
//
// Any other link is reduced to it. The GD iterate is linear in the labels;
// write y = κh0 + ξ with κ = E[h0 y], so that ξ is uncorrelated with h0 and
// E ξ² = E y² − κ². The iterate is a function of the sample-space vectors
// h0, ξ and of x⊥ (the inputs' part orthogonal to v*), which is independent
// of both with a law invariant under rotations of sample space, so the
// order parameters depend on h0 and ξ only through their Gram matrix. That
// concentrates on n·(1, 0, E ξ²) for every link, so at d = ∞ the curves are
// those of the linear teacher y = κh0 + sε with s² = E y² − κ², and, the
// recursion being homogeneous in (w, y), w = κw′ with w′ the linear
// teacher's at noise s/κ started from m0/κ, C0/κ². (The DMFT's exact
// square-loss solve likewise sees the label only through κ and E y²,
// dmft/teacher_square.go.) The training error is the training MSE, twice the
// loss, for real labels and is not given for ±1 labels (the sign teacher with
// the square loss, whose test error is the closed form
// theory.TeacherTestError at the exact m and Ctt).
func teacherSquareCurves(p dynamics.Problem, times []float64) (map[dynamics.Observable]Curve, error) {
	_, sq := p.Loss.Margin.(loss.Square)
	_, lin := p.Loss.Output.(loss.Linear)
	if p.Algo != dynamics.GD || !sq || !lin {
		return nil, fmt.Errorf("validation: the exact teacher curves (theory.TeacherSquare) need full-batch gd with the square loss and the linear output, not %v with %s loss and %s output",
			p.Algo, p.Loss.Margin.Name(), p.Loss.Output.Name())
	}
	tm := *p.Teacher
	kappa, y2 := labelMoments(tm)
	if !(kappa > 0) {
		return nil, fmt.Errorf("validation: the %s teacher has E[h0 y] = %v: no equivalent linear teacher for theory.TeacherSquare", tm.Link.Name(), kappa)
	}
	s := math.Sqrt(math.Max(y2-kappa*kappa, 0))
	ts := theory.TeacherSquare{Alpha: p.Alpha, Lambda: p.Lambda, Noise: s / kappa, M0: p.M0 / kappa, C0: p.C0 / (kappa * kappa), Eta: p.Eta}
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
	k2 := kappa * kappa
	for i, pt := range pts {
		m, q, tl := kappa*pt.M, k2*pt.Ctt, k2*pt.TrainLoss
		out[dynamics.M].Mean[i] = m
		out[dynamics.Ctt].Mean[i] = q
		out[dynamics.TrainLoss].Mean[i] = tl
		if binary {
			out[dynamics.TestErr].Mean[i] = theory.TeacherTestError(tm, p.Loss.Output, m, q)
			out[dynamics.TestLoss].Mean[i] = theory.TeacherTestLoss(tm, p.Loss, m, q)
			continue
		}
		mse := k2 * pt.TestMSE // E[(y − r)²] = E y² − 2κm + Ctt
		out[dynamics.TestErr].Mean[i] = mse
		out[dynamics.TestLoss].Mean[i] = mse / 2
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
