package sde

import (
	"sync"

	"golang.org/x/exp/constraints"

	"github.com/sgdmft/sgdmft/internal/vec"
)

// The step's hot loop. A step is naively two passes over X (r = Xw/√d, then
// ∇ = Xᵀg/√d). Fusing them reads each row once from memory: the row is still
// in L1 cache when its contribution s_μ L'(y_μ, r_μ) x_μ/√d is added, so a
// step costs one stream of X instead of two. Rows that are not selected are
// skipped unless their r is wanted for the observables.

func dot(x, y []float64) float64 { return vec.Dot(x, y) }

func axpy(a float64, x, y []float64) { vec.Axpy(a, x, y) }

// passRows computes grad = Σ_μ sel_μ deriv(μ, r_μ) x_μ/√d with r_μ = x_μ·w/√d,
// over rows lo..hi−1 of the row-major n×d matrix x. If r is not nil, r_μ is stored
// for every row (selected or not); otherwise unselected rows are skipped.
// sel == nil selects every row. grad is overwritten.
//
// Rows are taken four at a time (vec.Dot4X, vec.Axpy4X): four streams
// from memory in flight at once keep the memory system busy, the four rows
// are still in cache for their update, and the gradient is loaded and stored
// once per four rows.
func passRows[F constraints.Float](grad, r []float64, x []F, w []float64, sel []bool, isd float64, deriv func(mu int, r float64) float64, lo, hi int) {
	d := len(w)
	clear(grad)
	row := func(mu int) []F { return x[mu*d : (mu+1)*d : (mu+1)*d] }
	var blk [4]int
	nb := 0
	flush := func() {
		var rs [4]float64
		if nb == 4 {
			rs[0], rs[1], rs[2], rs[3] = vec.Dot4X(row(blk[0]), row(blk[1]), row(blk[2]), row(blk[3]), w)
		} else {
			for i := 0; i < nb; i++ {
				rs[i] = vec.DotX(row(blk[i]), w)
			}
		}
		var a [4]float64
		for i := 0; i < nb; i++ {
			mu, rm := blk[i], rs[i]*isd
			if r != nil {
				r[mu] = rm
			}
			if sel == nil || sel[mu] {
				a[i] = deriv(mu, rm) * isd
			}
		}
		if nb == 4 {
			vec.Axpy4X(&a, row(blk[0]), row(blk[1]), row(blk[2]), row(blk[3]), grad)
		} else {
			for i := 0; i < nb; i++ {
				if a[i] != 0 {
					vec.AxpyX(a[i], row(blk[i]), grad)
				}
			}
		}
		nb = 0
	}
	for mu := lo; mu < hi; mu++ {
		if r == nil && sel != nil && !sel[mu] {
			continue
		}
		blk[nb] = mu
		nb++
		if nb == 4 {
			flush()
		}
	}
	flush()
}

// passChunks is the fixed number of row chunks of a parallel pass. The
// gradient is the sum of the chunks' partial gradients in chunk order, so it
// is bit-identical for any number of threads.
const passChunks = 8

// chunkedPass runs passRows over fixed row chunks on up to threads goroutines.
type chunkedPass[F constraints.Float] struct {
	x       []F
	bounds  [passChunks + 1]int
	part    [passChunks][]float64
	threads int
}

func newChunkedPass[F constraints.Float](x []F, d, threads int) *chunkedPass[F] {
	c := &chunkedPass[F]{x: x, threads: max(1, min(threads, passChunks))}
	n := len(x) / d
	for i := range c.bounds {
		c.bounds[i] = i * n / passChunks
	}
	for i := range c.part {
		c.part[i] = make([]float64, d)
	}
	return c
}

func (c *chunkedPass[F]) run(grad, r, w []float64, sel []bool, isd float64, deriv func(mu int, r float64) float64) {
	if c.threads == 1 {
		for i := range passChunks {
			passRows(c.part[i], r, c.x, w, sel, isd, deriv, c.bounds[i], c.bounds[i+1])
		}
	} else {
		var wg sync.WaitGroup
		for t := range c.threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := t; i < passChunks; i += c.threads {
					passRows(c.part[i], r, c.x, w, sel, isd, deriv, c.bounds[i], c.bounds[i+1])
				}
			}()
		}
		wg.Wait()
	}
	copy(grad, c.part[0])
	for _, p := range c.part[1:] {
		for j, v := range p {
			grad[j] += v
		}
	}
}

// fields sets r_μ = x_μ·w/√d for every row.
func (c *chunkedPass[F]) fields(r, w []float64, isd float64) { project(r, c.x, w, isd) }

// project sets dst[μ] = scale·x_μ·w for every row of the row-major matrix x,
// four rows at a time (vec.Dot4X).
func project[F constraints.Float](dst []float64, x []F, w []float64, scale float64) {
	d := len(w)
	row := func(mu int) []F { return x[mu*d : (mu+1)*d : (mu+1)*d] }
	mu := 0
	for ; mu+4 <= len(dst); mu += 4 {
		a, b, c, e := vec.Dot4X(row(mu), row(mu+1), row(mu+2), row(mu+3), w)
		dst[mu], dst[mu+1], dst[mu+2], dst[mu+3] = a*scale, b*scale, c*scale, e*scale
	}
	for ; mu < len(dst); mu++ {
		dst[mu] = vec.DotX(row(mu), w) * scale
	}
}

// stepPass is a chunkedPass of either storage type.
type stepPass interface {
	run(grad, r, w []float64, sel []bool, isd float64, deriv func(mu int, r float64) float64)
	fields(r, w []float64, isd float64)
}

var (
	_ stepPass = (*chunkedPass[float64])(nil)
	_ stepPass = (*chunkedPass[float32])(nil)
)
