package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
	"github.com/sgdmft/sgdmft/internal/output"
	"github.com/sgdmft/sgdmft/loss"
	"github.com/sgdmft/sgdmft/teacher"
	"github.com/sgdmft/sgdmft/theory"
)

// The closed forms of the teacher–student model (--data teacher-student):
//
//	sgdmft theory --data teacher-student --link linear --kind square-flow --alpha 3 --lambda 0.5 --m0 0.2 --C0 1.04
//	sgdmft theory --data teacher-student --link sign --kind erm --loss logistic --lambda 0.01:1:5:log

// teacherModel returns the teacher of --link and --label-noise.
func (p *theoryParams) teacherModel(f *cmdFlags) (teacher.Model, error) {
	link, err := teacher.ParseLink(p.Link)
	if err != nil {
		return teacher.Model{}, f.flagError("link", err)
	}
	tm := teacher.Model{Link: link, Noise: p.LabelNoise}
	if err := tm.Validate(); err != nil {
		return tm, f.flagError("label-noise", err)
	}
	return tm, nil
}

// teacherSquareFlow is --kind square-flow for the teacher: the exact
// curves of theory.TeacherSquare (any link, through its equivalent linear
// teacher), from w0 with overlap --m0 and norm --C0. As for the mixture,
// the time window is checked by the dynamics.Problem of full-batch GD with
// step η (discrete) or dt (the flow's output grid). For real labels
// train_err and test_err are the MSEs (as simulate writes them); for the
// sign teacher's ±1 labels test_err is the classification error at the
// exact m and Ctt (theory.TeacherTestError), and train_err, which has no
// closed form, is NaN; test_mse is written for every link.
func teacherSquareFlow(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error {
	tm, err := p.teacherModel(f)
	if err != nil {
		return err
	}
	margin, err := loss.ParseMargin(p.Loss)
	if err != nil {
		return f.flagError("loss", err)
	}
	if _, ok := margin.(loss.Square); !ok {
		return f.flagError("loss", fmt.Errorf("--kind square-flow is the square loss"))
	}
	flow := p.Eta == 0
	if err := f.only("dt", flow, fmt.Sprintf("to discrete GD, --eta %v (it is the output grid of gradient flow, --eta 0)", p.Eta)); err != nil {
		return err
	}
	s := theory.TeacherSquare{Alpha: p.Alpha, Lambda: p.Lambda, Noise: p.LabelNoise, M0: p.M0, C0: p.C0, Eta: p.Eta, Link: tm.Link}
	if err := s.Validate(); err != nil {
		return f.fieldError(err, map[string]fieldFlag{"Noise": {flag: "label-noise"}, "Link": {flag: "link"}})
	}
	step, method, eta := p.Eta, "gd", fieldFlag{flag: "eta"}
	if flow {
		step, method, eta = p.Dt, "flow", fieldFlag{flag: "dt"}
	}
	prob := dynamics.Problem{
		Teacher: &tm, Loss: loss.Func{Margin: margin, Output: loss.Linear{}},
		Alpha: p.Alpha, Lambda: p.Lambda, Algo: dynamics.GD, B: 1, Eta: step, T: p.T, M0: p.M0, C0: p.C0,
	}
	if err := prob.Validate(); err != nil {
		return f.fieldError(err, map[string]fieldFlag{"Eta": eta})
	}
	if err := dynamics.ValidateEvery(p.Every); err != nil {
		return f.fieldError(err, nil)
	}
	meta := f.record(args)
	k := prob.Steps()
	curve, err := s.Curve(nil, recordTimes(k, p.Every, step))
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cols := map[string][]float64{}
	quadErr := 0.0
	binary := tm.Link.Binary()
	for _, pt := range curve {
		cols["t"] = append(cols["t"], pt.T)
		cols["m"] = append(cols["m"], pt.M)
		cols["Ctt"] = append(cols["Ctt"], pt.Ctt)
		cols["train_loss"] = append(cols["train_loss"], pt.TrainLoss)
		cols["test_mse"] = append(cols["test_mse"], pt.TestMSE)
		if binary {
			cols["train_err"] = append(cols["train_err"], math.NaN())
			cols["test_err"] = append(cols["test_err"], theory.TeacherTestError(tm, prob.Loss.Output, pt.M, pt.Ctt))
			cols["test_loss"] = append(cols["test_loss"], theory.TeacherTestLoss(tm, prob.Loss, pt.M, pt.Ctt))
		} else {
			// The loss is (y − r)²/2: the training MSE is twice it.
			cols["train_err"] = append(cols["train_err"], 2*pt.TrainLoss)
			cols["test_err"] = append(cols["test_err"], pt.TestMSE)
			cols["test_loss"] = append(cols["test_loss"], pt.TestLoss)
		}
		quadErr = math.Max(quadErr, pt.QuadErr)
	}
	result := map[string]any{"method": method, "steps": k, "dt": step, "max_quad_err": quadErr}
	lim, limErr := s.Limit()
	if limErr == nil {
		result["limit"] = map[string]float64{"m": lim.M, "Ctt": lim.Ctt, "train_loss": lim.TrainLoss, "test_mse": lim.TestMSE, "quad_err": lim.QuadErr}
	} else {
		result["limit_error"] = limErr.Error() // the curve stands; only its t → ∞ limit does not exist
	}
	meta.Result = result
	names := []string{"t", "m", "Ctt", "train_loss", "train_err", "test_err", "test_loss", "test_mse"}
	err = output.Write(p.Out, meta, func(dir *output.Dir) error {
		for _, name := range names {
			if err := dir.Vector(name, cols[name]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	last := curve[len(curve)-1]
	fmt.Fprintf(stdout, "theory square-flow (%s, teacher-student %s): %d times in %.3fs -> %s\n", method, tm.Link.Name(), len(curve), meta.WallTime, p.Out)
	fmt.Fprintf(stdout, "t=%g: m=%.6f Ctt=%.6f train_loss=%.6f test_mse=%.6f\n", last.T, last.M, last.Ctt, last.TrainLoss, last.TestMSE)
	if limErr == nil {
		fmt.Fprintf(stdout, "t=∞: m=%.6f Ctt=%.6f train_loss=%.6f test_mse=%.6f\n", lim.M, lim.Ctt, lim.TrainLoss, lim.TestMSE)
	}
	return nil
}

// teacherERMFields are the observables of the teacher's erm, in the order
// of the table and of the .npy files. For the linear teacher train_err and
// test_err are the mean squared errors (as simulate writes them); the
// library leaves its classification errors NaN there.
var teacherERMFields = []struct {
	name string
	get  func(r theory.TeacherERMResult, binary bool) float64
}{
	{"m", func(r theory.TeacherERMResult, _ bool) float64 { return r.M }},
	{"Ctt", func(r theory.TeacherERMResult, _ bool) float64 { return r.Ctt }},
	{"V", func(r theory.TeacherERMResult, _ bool) float64 { return r.V }},
	{"train_loss", func(r theory.TeacherERMResult, _ bool) float64 { return r.TrainLoss }},
	{"train_err", func(r theory.TeacherERMResult, binary bool) float64 {
		if binary {
			return r.TrainErr
		}
		return 2 * r.TrainLoss // the loss is (y − r)²/2
	}},
	{"test_err", func(r theory.TeacherERMResult, binary bool) float64 {
		if binary {
			return r.TestErr
		}
		return r.TestMSE
	}},
	{"test_mse", func(r theory.TeacherERMResult, _ bool) float64 { return r.TestMSE }},
	{"residual", func(r theory.TeacherERMResult, _ bool) float64 { return r.Residual }},
	{"iterations", func(r theory.TeacherERMResult, _ bool) float64 { return float64(r.Iterations) }},
}

// teacherObservables is the number of leading teacherERMFields that are
// observables (erm.json, the printed table); the others describe the solve.
const teacherObservables = 7

// teacherERM is --kind erm for the teacher: theory.TeacherERM at each value
// of the one parameter given as a list or range (--alpha or --lambda),
// each point solved on its own (the solver has its own continuation in λ).
func teacherERM(ctx context.Context, f *cmdFlags, p *theoryParams, args []string, stdout io.Writer) error {
	tm, err := p.teacherModel(f)
	if err != nil {
		return err
	}
	margin, err := loss.ParseMargin(p.Loss)
	if err != nil {
		return f.flagError("loss", err)
	}
	if _, ok := tm.Link.(teacher.ReLU); ok {
		return f.flagError("link", fmt.Errorf("the teacher's ERM fixed point is for the linear and sign teachers (relu: use sgdmft simulate)"))
	}
	name, values := p.sweep()
	es := make([]theory.TeacherERM, len(values))
	over := map[string]fieldFlag{"Teacher": {flag: "link"}}
	for i, v := range values {
		q := p.point(name, v)
		es[i] = theory.TeacherERM{Teacher: tm, Alpha: q.Alpha, Lambda: q.Lambda, Loss: margin}
		if err := es[i].Validate(); err != nil {
			return f.fieldError(err, over)
		}
	}
	meta := f.record(args)
	rs := make([]theory.TeacherERMResult, len(es))
	for i, e := range es {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := e.Solve()
		if err != nil {
			err = f.runErrorWith(err, over)
			if name == "" {
				return err // not converged, or no unique minimiser: no numbers are written
			}
			return wrapPoint(err, fmt.Sprintf("--%s = %v (point %d of %d)", name, values[i], i+1, len(values)))
		}
		rs[i] = r
	}
	binary := tm.Link.Binary()
	iters, evals, maxRes, maxQuad := 0, 0, 0.0, 0.0
	for _, r := range rs {
		iters, evals = iters+r.Iterations, evals+r.Evaluations
		maxRes, maxQuad = math.Max(maxRes, r.Residual), math.Max(maxQuad, r.QuadErr)
	}
	if name == "" {
		r := rs[0]
		meta.Result = map[string]any{"iterations": r.Iterations, "evaluations": r.Evaluations, "residual": r.Residual, "quad_err": r.QuadErr, "status": r.Status.String()}
	} else {
		meta.Result = map[string]any{"param": name, "points": len(rs), "iterations": iters, "evaluations": evals, "max_residual": maxRes, "max_quad_err": maxQuad}
	}
	obs := func(r theory.TeacherERMResult) map[string]float64 {
		out := map[string]float64{}
		for _, fl := range teacherERMFields[:teacherObservables] {
			out[fl.name] = fl.get(r, binary)
		}
		return out
	}
	params := func(i int) map[string]float64 {
		q := p.point(name, values[i])
		return map[string]float64{"alpha": q.Alpha, "lambda": q.Lambda}
	}
	err = output.Write(p.Out, meta, func(dir *output.Dir) error {
		for _, pn := range []string{"alpha", "lambda"} {
			col := make([]float64, len(rs))
			for i := range rs {
				col[i] = params(i)[pn]
			}
			if err := dir.Vector(pn, col); err != nil {
				return err
			}
		}
		for _, fl := range teacherERMFields {
			col := make([]float64, len(rs))
			for i, r := range rs {
				col[i] = fl.get(r, binary)
			}
			if err := dir.Vector(fl.name, col); err != nil {
				return err
			}
		}
		if name == "" {
			return dir.JSON("erm.json", obs(rs[0]))
		}
		pts := make([]map[string]float64, len(rs))
		for i, r := range rs {
			pts[i] = params(i)
			for k, v := range obs(r) {
				pts[i][k] = v
			}
			pts[i]["residual"], pts[i]["iterations"] = r.Residual, float64(r.Iterations)
		}
		return dir.JSON("erm.json", map[string]any{"param": name, "points": pts})
	})
	if err != nil {
		return err
	}
	label := fmt.Sprintf("teacher-student %s, σ = %g, %s", p.Link, p.LabelNoise, p.Loss)
	if name == "" {
		r := rs[0]
		b, err := json.Marshal(obs(r))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "theory erm (%s): converged in %d iterations, residual %.2g -> %s\n%s\n", label, r.Iterations, r.Residual, p.Out, b)
		return nil
	}
	fmt.Fprintf(stdout, "theory erm (%s): %d points along %s in %.3fs, %d iterations, largest residual %.2g -> %s\n", label, len(rs), name, meta.WallTime, iters, maxRes, p.Out)
	cols := []string{name}
	for _, fl := range teacherERMFields[:teacherObservables] {
		cols = append(cols, fl.name)
	}
	rows := make([][]float64, len(rs))
	for i, r := range rs {
		rows[i] = []float64{values[i]}
		for _, fl := range teacherERMFields[:teacherObservables] {
			rows[i] = append(rows[i], fl.get(r, binary))
		}
	}
	printTable(stdout, cols, rows)
	return nil
}

// runErrorWith is runError with flags for fields that fieldFlags lacks.
func (f *cmdFlags) runErrorWith(err error, over map[string]fieldFlag) error {
	var fe *dynamics.FieldError
	if errors.As(err, &fe) {
		return f.fieldError(err, over)
	}
	return err
}

// wrapPoint prefixes the error of one point of a list, keeping a usage
// error one.
func wrapPoint(err error, where string) error {
	if ue, ok := err.(usageError); ok {
		return usageError{fmt.Errorf("%s: %w", where, ue.error)}
	}
	return fmt.Errorf("%s: %w", where, err)
}
