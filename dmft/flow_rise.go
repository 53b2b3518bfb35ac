package dmft

// A gradient flow descends its objective: with H(w) = Σ_μ L(y_μ, r_μ) +
// (λ/2)|w|², dw/dt = −∇H gives dH/dt = −|∇H|² ≤ 0, and H/d = α⟨L⟩ +
// λC(t,t)/2 in the order parameters. Each batch of the adaptive solve is a
// finite population of N_b trajectories standing in for the data, and a
// batch can lose the fixed point that the d = ∞ flow approaches: near a
// marginal fixed point (λ = 0 close to the separability threshold) one
// batch in several then leaves it, its norm growing and its training loss
// rising, and the mean over batches follows it (measured in
// TestFlowMeasurePerBatch). The rise of a batch's objective above its
// running minimum is the symptom; Stats.Rise reports the largest, and a
// rise above maxRise is an error, raised at the step where it happens: the
// mean over batches would not be the d = ∞ flow but a mixture with a batch
// that left it.
//
// A finite batch is not exactly a gradient flow, so sound solves rise a
// little too; measured (Tol 1e-2, seed 11, TestFlowMeasureRise):
// two-cluster logistic α = 2, Δ = 0.5, λ = 0.05 to t = 100: 1.2e-3 in
// batches of 2000, 8.2e-3 in batches of 200; α = 8, Δ = 1, λ = 0 to
// t = 100 in batches of 1000: 0.035. Batches that left the fixed point
// (those solves now stop at maxRise): α = 8, λ = 0 in batches of 100 pass
// 0.1 at t ≈ 3 (4.2–12 by t = 100 without the check); α = 4 (near the
// threshold α_c = 3.70) in batches of 1000 at t = 150 (0.33 by t = 400).
// maxRise = 0.1 lies between the two groups.

import (
	"fmt"
	"math"

	"github.com/sgdmft/sgdmft/dynamics"
)

// maxRise is the largest rise of a batch's objective that the adaptive
// gradient-flow solve accepts (see above).
const maxRise = 0.1

// riseTracker follows each batch's objective over the accepted grid
// points: its running minimum, and the largest rise above it, relative to
// max(1, |minimum|), with the batch and the time.
type riseTracker struct {
	alpha, lambda float64
	lo            []float64
	seen          []int // the grid points of each batch already looked at
	rise, at      float64
	batch         int
}

func newRiseTracker(p dynamics.Problem, nb int) *riseTracker {
	r := &riseTracker{alpha: p.Alpha, lambda: p.Lambda, lo: make([]float64, nb), seen: make([]int, nb)}
	for i := range r.lo {
		r.lo[i] = math.Inf(1)
	}
	return r
}

// update looks at the batches' grid points not seen yet (after a resume,
// all the restored ones) and returns an error when a rise exceeds maxRise.
func (r *riseTracker) update(bs []*flowBatch) error {
	for i, b := range bs {
		for k := r.seen[i]; k < len(b.rt); k++ {
			e := r.alpha*b.rtl[k] + r.lambda*b.rctt[k]/2
			r.lo[i] = math.Min(r.lo[i], e)
			if x := (e - r.lo[i]) / math.Max(1, math.Abs(r.lo[i])); x > r.rise {
				r.rise, r.batch, r.at = x, i, b.rt[k]
			}
		}
		r.seen[i] = len(b.rt)
	}
	if r.rise > maxRise {
		return fmt.Errorf("dmft: batch %d left the gradient flow's fixed point: its objective α⟨L⟩ + λC(t,t)/2 rose %.3g (relative) above its minimum by t = %.4g, which a gradient flow cannot do (at most %g is accepted); batches of %d trajectories are too small for this problem (a marginal fixed point: small λ, α near separability): use fewer batches or more samples",
			r.batch, r.rise, r.at, maxRise, 2*bs[r.batch].npairs)
	}
	return nil
}
