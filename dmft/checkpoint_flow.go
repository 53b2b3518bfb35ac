package dmft

// Checkpoints of the adaptive-grid solve (flow.go, flow_solve.go). Its
// batches share one grid and step in lockstep, so its checkpoint is of the
// whole solve, at a step boundary: the top of the step loop, after an
// accepted step (the periodic checkpoints) or after a rejected one (a
// cancellation can fall there). The directory holds checkpoint.json, as
// for the march (checkpoint.go; its "grid" is "adaptive" and its steps 0),
// and
//
//	flow.ckpt   the solve's state, little-endian binary, written to a
//	            temporary file, synced and renamed into place
//
// made of
//
//	header    "SGDMFTFL", format, fingerprint (32 bytes), batches, grid
//	          points, history nodes |H|, the time reached
//	solver    the grid, the error estimate and the quadrature error
//	          estimates (QuadErr, QuadErrLoss) of each accepted step, the rejected steps, the next
//	          step h, the Adaptive.Times passed
//	per batch its index and pairs; phase times, clamped pivots, max M_C[n,n],
//	          accepted steps, the SGF uniforms' step; the PCG states of the
//	          noise stream (and of the selection stream, SGF); the
//	          selection of each pair (and the pending uniforms, SGF); the
//	          one-time curves at every grid point; on the history: t, m, μ,
//	          ν; the rows of G, of G's estimated quadrature error, C, the
//	          Cholesky factor L, Γ_reg (lower, with the diagonal) and M_C
//	          (full); per pair its white noise (|H|
//	          values, or |H|+1 after a rejected step: the retry's draw); per
//	          trajectory its g and D on the history
//	trailer   CRC-32C of all of the above
//
// Unlike the march's, the white noise is stored: pruning rotates it
// (flow_prune.go), so it is no longer the stream's draws. The columns of G
// are copies of its rows, restored as such. At |H| history nodes, N
// trajectories and n grid points the file takes about
// 8·(2.5·N·|H| + B·(3.5·|H|² + 6n)) bytes for B batches, dominated by the
// trajectories: measured 66.5 MB at N = 20000, B = 10, |H| = 151, n = 1016
// (the logistic flow to t = 1000 at Tol = 1e-2), written in 0.16 s and read
// in 0.11 s on the 2-core development machine, against 70 s for the solve
// (TestFlowMeasureCost with -flowckpt; format 1, without the 0.9 MB of
// G's error rows).

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

const (
	flowMagic  = "SGDMFTFL"
	flowFormat = 3 // 2: the quadrature error estimates (Stats.QuadErr, the rows of G's); 3: Stats.QuadErrLoss
	flowFile   = "flow.ckpt"
)

// flowState is the step loop's state beside the batches'.
type flowState struct {
	grid, stepErr []float64
	quadErr       []float64
	quadLoss      []float64
	rejected      int
	h             float64
	passed        int // the Adaptive.Times passed: len(Times) − len(hits)
}

// flowHeader is the header of flow.ckpt.
type flowHeader struct {
	fp              [32]byte
	batches, ng, nh int
	t               float64
}

func (c *ckio) flowHeader(h *flowHeader) {
	magic := []byte(flowMagic)
	c.raw(magic)
	format := uint64(flowFormat)
	c.u64(&format)
	c.raw(h.fp[:])
	c.int(&h.batches)
	c.int(&h.ng)
	c.int(&h.nh)
	c.f64(&h.t)
	if c.err == nil && c.r != nil {
		switch {
		case string(magic) != flowMagic:
			c.err = errors.New("not a flow checkpoint file")
		case format != flowFormat:
			c.err = fmt.Errorf("format %d, this version reads %d", format, flowFormat)
		case !(h.batches > 0 && h.ng > 0 && h.nh > 0 && h.nh <= h.ng && h.ng < 1<<30):
			c.err = fmt.Errorf("bad header (%d batches, %d grid points, %d history nodes)", h.batches, h.ng, h.nh)
		}
	}
}

// vec codes x of length n: on reading, into a new slice.
func (c *ckio) vec(x *[]float64, n int) {
	if c.r != nil {
		*x = make([]float64, n)
	} else if len(*x) != n && c.err == nil {
		c.err = fmt.Errorf("checkpoint: a vector of %d values, want %d", len(*x), n)
		return
	}
	c.f64s(*x)
}

// rows codes the rows x[i] of length size(i), i < n.
func (c *ckio) rows(x *[][]float64, n int, size func(i int) int) {
	if c.r != nil {
		*x = make([][]float64, n)
	} else if len(*x) != n && c.err == nil {
		c.err = fmt.Errorf("checkpoint: %d rows, want %d", len(*x), n)
		return
	}
	for i := range n {
		c.vec(&(*x)[i], size(i))
	}
}

// pcg codes the state of a PCG source.
func (c *ckio) pcg(src *rand.PCG) {
	b, err := src.MarshalBinary()
	if err != nil {
		c.err = errors.Join(c.err, err)
		return
	}
	n := len(b)
	c.int(&n)
	if c.r != nil && c.err == nil && n != len(b) {
		c.err = fmt.Errorf("a random stream's state of %d bytes, want %d", n, len(b))
		return
	}
	c.raw(b)
	if c.r != nil && c.err == nil {
		c.err = src.UnmarshalBinary(b)
	}
}

// flowBatch codes batch b with nh history nodes at ng grid points. On
// reading, b is new (newFlowBatch), its streams to be overwritten.
func (c *ckio) flowBatch(b *flowBatch, ng, nh int) {
	index, npairs := b.index, b.npairs
	c.int(&index)
	c.int(&npairs)
	if c.err == nil && (index != b.index || npairs != b.npairs) {
		c.err = fmt.Errorf("batch %d of %d pairs where batch %d of %d pairs belongs", index, npairs, b.index, b.npairs)
		return
	}
	for _, d := range []*time.Duration{&b.timing.Weights, &b.timing.Sampling, &b.timing.Response} {
		n := int(*d)
		c.int(&n)
		*d = time.Duration(n)
	}
	c.int(&b.clamped)
	c.f64(&b.maxDiag)
	c.int(&b.nacc)
	c.int(&b.pendFor)
	c.pcg(b.src)
	c.bools(b.sel)
	if b.sgf {
		c.pcg(b.srcSel)
		c.f64s(b.pendU)
	}
	for _, x := range []*[]float64{&b.rt, &b.rm, &b.rctt, &b.rmu, &b.rtl, &b.rte} {
		c.vec(x, ng)
	}
	for _, x := range []*[]float64{&b.t, &b.m, &b.mu, &b.nu} {
		c.vec(x, nh)
	}
	lower := func(i int) int { return i + 1 }
	for _, x := range []*[][]float64{&b.g, &b.eg, &b.c, &b.l, &b.gam} {
		c.rows(x, nh, lower)
	}
	c.rows(&b.mc, nh, func(int) int { return nh })
	// The white noise: |H| values per pair, or |H|+1 after a rejected step.
	ne := len(b.eps[0])
	c.int(&ne)
	if c.err == nil && ne != nh && ne != nh+1 {
		c.err = fmt.Errorf("white noise at %d nodes, %d history nodes", ne, nh)
		return
	}
	c.rows(&b.eps, b.npairs, func(int) int { return ne })
	c.rows(&b.gv, 2*b.npairs, func(int) int { return nh })
	c.rows(&b.dv, 2*b.npairs, func(int) int { return nh })
	if c.r == nil || c.err != nil {
		return
	}
	if b.nacc != ng-1 || b.pendFor > b.nacc || b.t[nh-1] != b.rt[ng-1] {
		c.err = fmt.Errorf("batch %d: %d accepted steps at %d grid points, history ends at %v, grid at %v", b.index, b.nacc, ng, b.t[nh-1], b.rt[ng-1])
		return
	}
	// What is derived: the columns of G, and the selection the next try
	// starts from.
	b.gcol = make([][]float64, nh)
	for j := range nh {
		col := make([]float64, nh-j)
		for u := j; u < nh; u++ {
			col[u-j] = b.g[u][j]
		}
		b.gcol[j] = col
	}
	copy(b.tsel, b.sel)
	b.buffers(nh)
}

// flow codes the whole solve; on reading, bs are new batches and size is
// the file's size, which bounds the header's counts before anything is
// allocated.
func (c *ckio) flow(fp [32]byte, st *flowState, bs []*flowBatch, size int64) {
	h := flowHeader{fp: fp, batches: len(bs), ng: len(st.grid)}
	if c.w != nil {
		h.nh, h.t = len(bs[0].t), st.grid[len(st.grid)-1]
	}
	c.flowHeader(&h)
	if c.err != nil {
		return
	}
	if c.r != nil {
		switch {
		case h.fp != fp:
			c.err = ErrCheckpointMismatch
			return
		case h.batches != len(bs):
			c.err = fmt.Errorf("%d batches, want %d", h.batches, len(bs))
			return
		}
		// The least the counts take: the curves, the rows, the trajectories.
		least := 8 * float64(h.ng) * float64(1+6*len(bs))
		for _, b := range bs {
			least += 8 * float64(h.nh) * (float64(h.nh)*3 + 5*float64(b.npairs))
		}
		if least > float64(size) {
			c.err = fmt.Errorf("a header of %d grid points and %d history nodes in a file of %d bytes", h.ng, h.nh, size)
			return
		}
	}
	c.vec(&st.grid, h.ng)
	c.vec(&st.stepErr, h.ng-1)
	c.vec(&st.quadErr, h.ng-1)
	c.vec(&st.quadLoss, h.ng-1)
	c.int(&st.rejected)
	c.f64(&st.h)
	c.int(&st.passed)
	for _, b := range bs {
		c.flowBatch(b, h.ng, h.nh)
	}
	if c.r != nil && c.err == nil && st.grid[h.ng-1] != h.t {
		c.err = fmt.Errorf("the grid ends at %v, the header says %v", st.grid[h.ng-1], h.t)
	}
}

// saveFlow writes the solve's state.
func (c *checkpointer) saveFlow(st *flowState, bs []*flowBatch) error {
	return writeAtomic(c.dir, flowFile, func(f io.Writer) error {
		w := newWriter(f)
		w.flow(c.fp, st, bs, 0)
		return w.finish()
	})
}

// restoreFlow reads the solve's state into st and the new batches bs; it
// returns false if the directory holds no flow.ckpt (the solve had not
// reached its first checkpoint).
func (c *checkpointer) restoreFlow(st *flowState, bs []*flowBatch) (bool, error) {
	path := filepath.Join(c.dir, flowFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dmft: checkpoint: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("dmft: checkpoint: %v", err)
	}
	r := newReader(f)
	r.flow(c.fp, st, bs, fi.Size())
	err = r.err
	if err == nil {
		err = r.finish()
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrCheckpointMismatch):
		return false, fmt.Errorf("%w: %s is of another solve than %s", ErrCheckpointMismatch, path, filepath.Join(c.dir, ckManifest))
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("truncated (%v)", err)
	}
	return false, fmt.Errorf("dmft: checkpoint %s is unusable: %v (remove it to solve again from t = 0)", path, err)
}

// readFlowHeader returns the time the flow checkpoint in dir reached and
// its accepted steps, or zeros if it has none.
func readFlowHeader(dir string) (t float64, steps int, err error) {
	path := filepath.Join(dir, flowFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("dmft: checkpoint: %v", err)
	}
	defer f.Close()
	r := newReader(f)
	var h flowHeader
	r.flowHeader(&h)
	if r.err != nil {
		return 0, 0, fmt.Errorf("dmft: checkpoint %s is unusable: %v", path, r.err)
	}
	if math.IsNaN(h.t) || h.t < 0 {
		return 0, 0, fmt.Errorf("dmft: checkpoint %s is unusable: time %v", path, h.t)
	}
	return h.t, h.ng - 1, nil
}
