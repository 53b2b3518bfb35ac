package theory

import (
	"fmt"
	"math"
)

// ERMPath solves e at each of values of one parameter, set by set (for
// example func(e *ERM, a float64) { e.Alpha = a }), by continuation: each
// point starts from the solution at the previous one (the first from
// e.SolveFrom's default start). Where a point cannot be reached from its
// neighbour, SolveFrom falls back to a fresh start and a path in λ; if that
// fails too, the step from the neighbour is halved, up to maxPathSplits
// times. The results are in the order of values; the first point that
// fails ends the path with an error naming it, and the results so far.
func ERMPath(e ERM, values []float64, set func(e *ERM, v float64)) ([]ERMResult, error) {
	out := make([]ERMResult, 0, len(values))
	prev, prevV := ERMResult{}, math.NaN()
	for i, v := range values {
		ei := e
		set(&ei, v)
		r, err := ei.SolveFrom(prev)
		if err != nil && i > 0 && prev.Status == Converged {
			r, err = pathSplit(e, set, prev, prevV, v, maxPathSplits)
		}
		if err != nil {
			return out, fmt.Errorf("point %d of %d (value %v): %w", i+1, len(values), v, err)
		}
		out = append(out, r)
		prev, prevV = r, v
	}
	return out, nil
}

// maxPathSplits bounds the halvings of a continuation step.
const maxPathSplits = 6

// pathSplit reaches the value to from the solution from at the value at by
// way of the midpoint, each half reached directly or, failing that, split
// again, down to depth levels.
func pathSplit(e ERM, set func(*ERM, float64), from ERMResult, at, to float64, depth int) (ERMResult, error) {
	mid := at + (to-at)/2
	rm, err := pathReach(e, set, from, at, mid, depth-1)
	if err != nil {
		return rm, err
	}
	return pathReach(e, set, rm, mid, to, depth-1)
}

// pathReach solves at to from the solution from (at the value at), and
// splits the step if that fails and depth > 0.
func pathReach(e ERM, set func(*ERM, float64), from ERMResult, at, to float64, depth int) (ERMResult, error) {
	ei := e
	set(&ei, to)
	r, err := ei.SolveFrom(from)
	if err == nil || depth <= 0 {
		return r, err
	}
	return pathSplit(e, set, from, at, to, depth)
}
