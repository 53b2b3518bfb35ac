package dmft

// Fresh-sample (test) quantities of the teacher–student model, given the
// overlap m and the norm q = C[k,k], with the linear output. A fresh sample
// has r = m h0 + √(q − m²) z, z ~ N(0, 1) independent of h0 and of the
// label. The curves are theory.TeacherTestError and TeacherTestLoss;
// teacherFresh (teacher_fresh_test.go), written independently, checks them.

import (
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// moments are the label's moments that the square loss sees: E[h0 y] and E[y²].
type moments struct{ h0y, yy float64 }

// labelMoments returns E[h0 y] and E[y²] for the registered links:
//
//	linear   y = h0 + σε:          E[h0 y] = 1,                E[y²] = 1 + σ²
//	ReLU     y = max(h0, 0) + σε:  E[h0 y] = 1/2,              E[y²] = 1/2 + σ²
//	sign     y = sign(h0 + σε):    E[h0 y] = √(2/π)/√(1 + σ²), E[y²] = 1
//
// and false for another link.
func labelMoments(tm teacher.Model) (moments, bool) {
	s2 := tm.Noise * tm.Noise
	switch tm.Link.(type) {
	case teacher.Linear:
		return moments{1, 1 + s2}, true
	case teacher.ReLU:
		return moments{0.5, 0.5 + s2}, true
	case teacher.Sign:
		return moments{math.Sqrt(2/math.Pi) / math.Sqrt(1+s2), 1}, true
	}
	return moments{}, false
}

// teacherCurves returns the test error and loss curves of m and C[k,k].
func teacherCurves(p dynamics.Problem, m, ctt []float64) (te, tl []float64) {
	te, tl = make([]float64, len(m)), make([]float64, len(m))
	for k := range m {
		te[k] = theory.TeacherTestError(*p.Teacher, p.Loss.Output, m[k], ctt[k])
		tl[k] = theory.TeacherTestLoss(*p.Teacher, p.Loss, m[k], ctt[k])
	}
	return te, tl
}
