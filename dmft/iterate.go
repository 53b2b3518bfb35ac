package dmft

import (
	"context"
	"math"
	"time"
)

// iterate solves the batch by the damped global iteration: given m, C and R
// of the current iterate, a fresh set of trajectories (streams of the
// iteration) gives new kernels for all steps; they are mixed with the
// current ones, kernels ← Mix·new + (1 − Mix)·old, and m, C, R recomputed.
// The change of an iteration is the sup-norm change of m, C, Γ and M_C.
// The first iterate has zero kernels (no data term).
func (b *batch) iterate(ctx context.Context, seed uint64, it Iterate, tick func(k int)) (*result, error) {
	k1 := b.k1
	b.out = newKernels(k1)
	if err := b.weightSide(); err != nil {
		return nil, err
	}
	var changes []float64
	oldM := make([]float64, k1)
	oldC := make([]float64, k1*k1)
	for iter := 0; iter < it.Iters; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b.draw(seed, iter)
		for k := 0; k < k1; k++ {
			t0 := time.Now()
			if err := b.sample(k); err != nil {
				return nil, err
			}
			t1 := time.Now()
			b.response(k)
			b.advance()
			b.timing.Sampling += t1.Sub(t0)
			b.timing.Response += time.Since(t1)
			tick(k)
		}
		mix := it.Mix
		if iter == 0 {
			mix = 1
		}
		change := 0.0
		damp := func(old, new []float64) {
			for i, v := range new {
				x := mix*v + (1-mix)*old[i]
				change = math.Max(change, math.Abs(x-old[i]))
				old[i] = x
			}
		}
		damp(b.in.mu, b.out.mu)
		damp(b.in.mc, b.out.mc)
		damp(b.in.gamma, b.out.gamma)
		copy(oldM, b.m)
		copy(oldC, b.c)
		if err := b.weightSide(); err != nil {
			return nil, err
		}
		for i := range oldM {
			change = math.Max(change, math.Abs(b.m[i]-oldM[i]))
		}
		for i := range oldC {
			change = math.Max(change, math.Abs(b.c[i]-oldC[i]))
		}
		changes = append(changes, change)
		if change < it.Tol {
			res := b.result()
			res.changes = changes
			return res, nil
		}
	}
	res := b.result()
	res.changes = changes
	return res, ErrNotConverged
}

// weightSide recomputes m, C, R and the Cholesky factor for all steps from
// the input kernels.
func (b *batch) weightSide() error {
	t0 := time.Now()
	defer func() { b.timing.Weights += time.Since(t0) }()
	b.maxDiag, b.clamped = 0, 0
	for k := 0; k < b.k1; k++ {
		if err := b.weights(k); err != nil {
			return err
		}
		if err := b.cholesky(k); err != nil {
			return err
		}
	}
	return nil
}
