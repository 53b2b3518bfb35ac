package dmft

// Checkpoints of the causal march (Settings.CheckpointDir). The batches are
// independent solves, so each is checkpointed on its own, at a step
// boundary k (steps 0..k−1 done): everything step k reads. A directory
// holds
//
//	checkpoint.json   the solve it belongs to: its problem and settings, one
//	                  "Field = value" a line, and their SHA-256 fingerprint
//	batch-0003.ckpt   batch 3: its state at a step boundary, or its result
//
// (The adaptive grid's solve keeps one file of the whole solve instead,
// flow.ckpt: checkpoint_flow.go.)
//
// A batch file is little-endian binary, written to a temporary file in the
// directory, synced and renamed into place, so that a reader (and a solve
// killed mid-write) sees the old file or the new one, whole:
//
//	header    "SGDMFTCK", format, fingerprint (32 bytes), batch index,
//	          pairs, K+1, k (the steps done; K+1 for a completed batch)
//	results   phase times, clamped pivots, max ΔC[l,l]; m, training loss and
//	          error, μ at steps < k; rows < k of C, M_C, Γ (lower triangle with
//	          the diagonal) and R (strictly lower)
//	state     only while k ≤ K: rows < k of G and of the Cholesky factor L;
//	          the selection of each pair and the selection stream's PCG
//	          state; per trajectory its selected-step count, the selected
//	          steps (not for full batch, where they are 0..k−1), g and D there
//	trailer   CRC-32C of all of the above
//
// The upper triangles of C and M_C and Rᵀ are copies, restored as such. The
// white noise ε (N/2 × (K+1) values per batch) is not stored: it is drawn up
// front from its own stream, so a resumed batch draws it again, identically,
// at the cost of one pass of the generator. A batch's state at step k thus
// takes about 8·(3k² + 2.5·b·k·N_b) bytes for N_b trajectories at batch
// fraction b (8·(3k² + 2k·N_b) for full batch, whose selected steps are not
// stored): at k = 400, N_b = 2000, 8.7 MB for b = 0.3 and 16.7 MB for full
// batch; a completed batch's results take 8·2k², 2.6 MB
// (BenchmarkCheckpointWrite).

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/sgdmft/sgdmft/dynamics"
)

const (
	ckMagic    = "SGDMFTCK"
	ckFormat   = 1
	ckManifest = "checkpoint.json"
	// defaultCheckpointEvery is the checkpoint interval when
	// Settings.CheckpointEvery is zero.
	defaultCheckpointEvery = 5 * time.Minute
)

// ErrCheckpointMismatch is wrapped by the error of Solve when
// Settings.CheckpointDir holds a checkpoint of another solve (another
// problem, seed, sample count, …).
var ErrCheckpointMismatch = errors.New("dmft: the checkpoint belongs to another solve")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func batchFile(i int) string { return fmt.Sprintf("batch-%04d.ckpt", i) }

// describe lists the problem and the settings that determine the result, one
// "Field = value" a line, with every value in full precision (%#v): two
// solves with the same description give bit-identical results. Fields are
// listed by reflection, so that a field added later is covered; Workers and
// the checkpoint settings do not change the result and are left out, as are
// the callbacks.
func describe(p dynamics.Problem, s Settings, batches int) []string {
	lines := []string{fmt.Sprintf("format = %d", ckFormat)}
	s.Perturb = s.Perturb.withDefaults()
	add := func(prefix string, v reflect.Value, skip ...string) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Type.Kind() == reflect.Func || strings.Contains(strings.Join(skip, " "), f.Name) {
				continue
			}
			lines = append(lines, fmt.Sprintf("%s%s = %#v", prefix, f.Name, v.Field(i).Interface()))
		}
	}
	add("Problem.", reflect.ValueOf(p))
	add("Settings.", reflect.ValueOf(s), "Workers", "CheckpointDir", "CheckpointEvery")
	return append(lines, fmt.Sprintf("steps = %d", p.Steps()), fmt.Sprintf("batches = %d", batches))
}

// manifest is checkpoint.json.
type manifest struct {
	Format      int      `json:"format"`
	Fingerprint string   `json:"fingerprint"` // SHA-256 of Description joined by newlines
	Steps       int      `json:"steps"`       // K
	Batches     int      `json:"batches"`
	Description []string `json:"description"`
	Grid        string   `json:"grid,omitempty"` // "adaptive" (flow.ckpt); empty: the march's batch files
}

func fingerprint(desc []string) [32]byte { return sha256.Sum256([]byte(strings.Join(desc, "\n"))) }

// checkpointer writes and reads the batch files of one solve.
type checkpointer struct {
	dir   string
	every time.Duration
	fp    [32]byte
	k1    int
}

// openCheckpoint prepares dir for the solve described by desc: it creates
// the directory and its manifest, or checks an existing manifest against
// desc (ErrCheckpointMismatch naming the first field that differs), and
// removes temporary files of interrupted writes.
func openCheckpoint(dir string, every time.Duration, desc []string, steps, batches int) (*checkpointer, error) {
	return openCheckpointGrid(dir, every, desc, steps, batches, "")
}

// openCheckpointGrid is openCheckpoint for a solve on the given grid:
// "adaptive" for the flow (checkpoint_flow.go), "" for the march.
func openCheckpointGrid(dir string, every time.Duration, desc []string, steps, batches int, grid string) (*checkpointer, error) {
	if every == 0 {
		every = defaultCheckpointEvery
	}
	c := &checkpointer{dir: dir, every: every, fp: fingerprint(desc), k1: steps + 1}
	path := filepath.Join(dir, ckManifest)
	switch b, err := os.ReadFile(path); {
	case err == nil:
		var m manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("dmft: checkpoint %s: %v", path, err)
		}
		if m.Fingerprint != hex.EncodeToString(c.fp[:]) {
			return nil, mismatch(dir, m.Description, desc)
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, fmt.Errorf("dmft: checkpoint: %v", err)
		}
		b, err := json.MarshalIndent(manifest{ckFormat, hex.EncodeToString(c.fp[:]), steps, batches, desc, grid}, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(dir, ckManifest, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("dmft: checkpoint: %v", err)
	}
	for _, t := range tempFiles(dir) {
		os.Remove(t)
	}
	return c, nil
}

// tempFiles lists the temporary files of interrupted writes (writeAtomic).
func tempFiles(dir string) []string {
	a, _ := filepath.Glob(filepath.Join(dir, "batch-*.ckpt.*.tmp"))
	b, _ := filepath.Glob(filepath.Join(dir, ckManifest+".*.tmp"))
	c, _ := filepath.Glob(filepath.Join(dir, flowFile+".*.tmp"))
	return append(append(a, b...), c...)
}

// mismatch reports the first line of the description that differs.
func mismatch(dir string, there, here []string) error {
	field := func(line string) string { f, _, _ := strings.Cut(line, " = "); return f }
	value := func(lines []string, f string) string {
		for _, l := range lines {
			if field(l) == f {
				_, v, _ := strings.Cut(l, " = ")
				return v
			}
		}
		return "(none)"
	}
	for _, lines := range [][]string{here, there} {
		for _, l := range lines {
			f := field(l)
			if a, b := value(there, f), value(here, f); a != b {
				return fmt.Errorf("%w: %s holds a solve with %s = %s, this one has %s", ErrCheckpointMismatch, dir, f, a, b)
			}
		}
	}
	return fmt.Errorf("%w: %s (its fingerprint differs)", ErrCheckpointMismatch, dir)
}

// writeAtomic writes dir/name through a synced temporary file renamed into
// place.
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return fmt.Errorf("dmft: checkpoint: %v", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("dmft: checkpoint %s: %w", filepath.Join(dir, name), err)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	// Make the rename durable; some file systems cannot sync a directory.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ckio encodes or decodes a batch file: each method writes its argument
// (w set) or reads into it (r set), and runs the bytes through the CRC.
// The first error sticks.
type ckio struct {
	w   *bufio.Writer
	r   *bufio.Reader
	crc hash.Hash32
	buf []byte
	err error
}

func newWriter(w io.Writer) *ckio {
	return &ckio{w: bufio.NewWriterSize(w, 1<<16), crc: crc32.New(crcTable), buf: make([]byte, 1<<13)}
}

func newReader(r io.Reader) *ckio {
	return &ckio{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.New(crcTable), buf: make([]byte, 1<<13)}
}

func (c *ckio) raw(p []byte) {
	if c.err != nil {
		return
	}
	if c.w != nil {
		c.crc.Write(p)
		_, c.err = c.w.Write(p)
		return
	}
	if _, err := io.ReadFull(c.r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		c.err = err
		return
	}
	c.crc.Write(p)
}

func (c *ckio) u64(v *uint64) {
	b := c.buf[:8]
	binary.LittleEndian.PutUint64(b, *v)
	c.raw(b)
	*v = binary.LittleEndian.Uint64(b)
}

func (c *ckio) int(v *int) {
	u := uint64(*v)
	c.u64(&u)
	*v = int(u)
}

func (c *ckio) f64(v *float64) {
	u := math.Float64bits(*v)
	c.u64(&u)
	*v = math.Float64frombits(u)
}

func (c *ckio) f64s(v []float64) {
	for len(v) > 0 && c.err == nil {
		n := min(len(v), len(c.buf)/8)
		b := c.buf[:8*n]
		if c.w != nil {
			for i, x := range v[:n] {
				binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
			}
		}
		c.raw(b)
		if c.r != nil {
			for i := range v[:n] {
				v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
		}
		v = v[n:]
	}
}

func (c *ckio) i32s(v []int32) {
	for len(v) > 0 && c.err == nil {
		n := min(len(v), len(c.buf)/4)
		b := c.buf[:4*n]
		if c.w != nil {
			for i, x := range v[:n] {
				binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
			}
		}
		c.raw(b)
		if c.r != nil {
			for i := range v[:n] {
				v[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
			}
		}
		v = v[n:]
	}
}

func (c *ckio) bools(v []bool) {
	for len(v) > 0 && c.err == nil {
		n := min(len(v), len(c.buf))
		b := c.buf[:n]
		if c.w != nil {
			for i, x := range v[:n] {
				b[i] = 0
				if x {
					b[i] = 1
				}
			}
		}
		c.raw(b)
		if c.r != nil {
			for i := range v[:n] {
				if b[i] > 1 {
					c.err = errors.New("a selection is neither 0 nor 1")
				}
				v[i] = b[i] == 1
			}
		}
		v = v[n:]
	}
}

// lower codes rows < k of the (K+1)×(K+1) row-major matrix x, columns
// 0..i−off of row i (off = 0: with the diagonal, 1: strictly lower).
func (c *ckio) lower(x []float64, k1, k, off int) {
	for i := 0; i < k; i++ {
		c.f64s(x[i*k1 : i*k1+i+1-off])
	}
}

// ckHeader is the header of a batch file.
type ckHeader struct {
	fp                   [32]byte
	index, npairs, k1, k int
}

func (c *ckio) header(h *ckHeader) {
	magic := []byte(ckMagic)
	c.raw(magic)
	format := uint64(ckFormat)
	c.u64(&format)
	c.raw(h.fp[:])
	c.int(&h.index)
	c.int(&h.npairs)
	c.int(&h.k1)
	c.int(&h.k)
	if c.err == nil && c.r != nil {
		switch {
		case string(magic) != ckMagic:
			c.err = errors.New("not a checkpoint file")
		case format != ckFormat:
			c.err = fmt.Errorf("format %d, this version reads %d", format, ckFormat)
		case !(h.k1 > 0 && h.k > 0 && h.k <= h.k1 && h.npairs >= 0):
			c.err = fmt.Errorf("bad header (K+1 = %d, step %d, %d pairs)", h.k1, h.k, h.npairs)
		}
	}
}

// curves are the results a batch file holds at any k: the destination of a
// read, for a batch or for a completed batch's result.
type curves struct {
	m, trainLoss, trainErr, mu []float64 // K+1
	c, r, mc, gamma            []float64 // (K+1)×(K+1)
	clamped                    *int
	maxDiag                    *float64
	timing                     *timing
}

func (c *ckio) curves(v curves, k1, k int) {
	for _, d := range []*time.Duration{&v.timing.Weights, &v.timing.Sampling, &v.timing.Response} {
		n := int(*d)
		c.int(&n)
		*d = time.Duration(n)
	}
	c.int(v.clamped)
	c.f64(v.maxDiag)
	for _, x := range [][]float64{v.m, v.trainLoss, v.trainErr, v.mu} {
		c.f64s(x[:k])
	}
	c.lower(v.c, k1, k, 0)
	c.lower(v.mc, k1, k, 0)
	c.lower(v.gamma, k1, k, 0)
	c.lower(v.r, k1, k, 1)
	if c.r != nil {
		// The upper triangles of the symmetric C and M_C.
		for i := 0; i < k; i++ {
			for j := 0; j < i; j++ {
				v.c[j*k1+i] = v.c[i*k1+j]
				v.mc[j*k1+i] = v.mc[i*k1+j]
			}
		}
	}
}

func (b *batch) curves() curves {
	return curves{b.m, b.trainLoss, b.trainErr, b.in.mu, b.c, b.r, b.in.mc, b.in.gamma, &b.clamped, &b.maxDiag, &b.timing}
}

// state codes the rest of a batch's state at step boundary k ≤ K.
func (c *ckio) state(b *batch, k int) {
	k1 := b.k1
	c.lower(b.g, k1, k, 0)
	c.lower(b.l, k1, k, 0)
	c.bools(b.sel)
	src, err := b.src.MarshalBinary()
	if err != nil {
		c.err = err
		return
	}
	n := len(src)
	c.int(&n)
	if c.r != nil {
		if c.err != nil || n != len(src) {
			c.err = errors.Join(c.err, fmt.Errorf("selection stream state of %d bytes, want %d", n, len(src)))
			return
		}
	}
	c.raw(src)
	if c.r != nil && c.err == nil {
		c.err = b.src.UnmarshalBinary(src)
	}
	cnt := make([]int32, len(b.cnt))
	for i, v := range b.cnt {
		cnt[i] = int32(v)
	}
	c.i32s(cnt)
	for n, v := range cnt {
		if v < 0 || int(v) > k {
			c.err = errors.Join(c.err, fmt.Errorf("trajectory %d selected %d times in %d steps", n, v, k))
			return
		}
		b.cnt[n] = int(v)
	}
	for n, cn := range b.cnt {
		base := n * k1
		if b.full {
			for i := range cn {
				b.times[base+i] = int32(i)
			}
		} else {
			c.i32s(b.times[base : base+cn])
		}
		c.f64s(b.gv[base : base+cn])
		c.f64s(b.dv[base : base+cn])
	}
	if c.r != nil {
		k1 := b.k1
		for i := 0; i < k; i++ {
			for j := 0; j < i; j++ {
				b.rt[j*k1+i] = b.r[i*k1+j]
			}
		}
	}
}

// finish writes the CRC and flushes (writer), or checks the CRC and the end
// of the file (reader).
func (c *ckio) finish() error {
	if c.err != nil {
		return c.err
	}
	sum := c.crc.Sum32()
	b := c.buf[:4]
	if c.w != nil {
		binary.LittleEndian.PutUint32(b, sum)
		if _, err := c.w.Write(b); err != nil {
			return err
		}
		return c.w.Flush()
	}
	if _, err := io.ReadFull(c.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if binary.LittleEndian.Uint32(b) != sum {
		return errors.New("checksum mismatch")
	}
	if _, err := c.r.ReadByte(); err != io.EOF {
		return errors.New("data after the checksum")
	}
	return nil
}

// save writes batch b at step boundary k (steps < k done; k = K+1: the
// batch is complete and only its results are written).
func (c *checkpointer) save(b *batch, k int) error {
	return writeAtomic(c.dir, batchFile(b.index), func(f io.Writer) error {
		w := newWriter(f)
		w.header(&ckHeader{c.fp, b.index, b.npairs, b.k1, k})
		w.curves(b.curves(), b.k1, k)
		if k < b.k1 {
			w.state(b, k)
		}
		return w.finish()
	})
}

// open opens the file of batch i and reads its header; it returns a nil
// reader if the batch has no file (it had not reached its first checkpoint).
func (c *checkpointer) open(i, npairs int) (*ckio, *os.File, int, error) {
	path := filepath.Join(c.dir, batchFile(i))
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, 0, nil
	}
	if err != nil {
		return nil, nil, 0, fmt.Errorf("dmft: checkpoint: %v", err)
	}
	r := newReader(f)
	var h ckHeader
	r.header(&h)
	switch {
	case r.err != nil:
		err = c.corrupt(i, r.err)
	case h.fp != c.fp:
		err = fmt.Errorf("%w: %s is of another solve than %s", ErrCheckpointMismatch, path, filepath.Join(c.dir, ckManifest))
	case h.index != i || h.npairs != npairs || h.k1 != c.k1:
		err = c.corrupt(i, fmt.Errorf("header of batch %d, %d pairs, K+1 = %d; want batch %d, %d pairs, K+1 = %d", h.index, h.npairs, h.k1, i, npairs, c.k1))
	}
	if err != nil {
		f.Close()
		return nil, nil, 0, err
	}
	return r, f, h.k, nil
}

func (c *checkpointer) corrupt(i int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("truncated (%v)", err)
	}
	return fmt.Errorf("dmft: checkpoint %s is unusable: %v (remove it to solve batch %d again)", filepath.Join(c.dir, batchFile(i)), err, i)
}

// restore reads the rest of batch b's file, positioned after a header at
// step k ≤ K, into b, which has drawn its streams.
func (c *checkpointer) restore(r *ckio, b *batch, k int) error {
	r.curves(b.curves(), b.k1, k)
	r.state(b, k)
	if err := r.finish(); err != nil {
		return c.corrupt(b.index, err)
	}
	return nil
}

// completed reads the results of a completed batch, positioned after its
// header.
func (c *checkpointer) completed(r *ckio, i int) (*result, error) {
	k1 := c.k1
	res := &result{
		m: make([]float64, k1), mu: make([]float64, k1), trainLoss: make([]float64, k1), trainErr: make([]float64, k1),
		c: make([]float64, k1*k1), r: make([]float64, k1*k1), mc: make([]float64, k1*k1), gamma: make([]float64, k1*k1),
		ctt: make([]float64, k1),
	}
	var maxDiag float64
	r.curves(curves{res.m, res.trainLoss, res.trainErr, res.mu, res.c, res.r, res.mc, res.gamma, &res.clamped, &maxDiag, &res.timing}, k1, k1)
	if err := r.finish(); err != nil {
		return nil, c.corrupt(i, err)
	}
	for k := range res.ctt {
		res.ctt[k] = res.c[k*k1+k]
	}
	return res, nil
}

// CheckpointInfo describes a checkpoint directory (ReadCheckpoint).
type CheckpointInfo struct {
	Steps   int // K: the solve has steps 0..K
	Batches int
	// Done is, per batch, the number of steps done in its file: 0 if it has
	// none, K+1 if it is complete.
	Done []int
	// Description is the problem and settings of the solve, one
	// "Field = value" a line.
	Description []string
	// Grid is "adaptive" for a solve on the adaptive grid, whose
	// checkpoint is of the whole solve (Steps and Done are then zero):
	// Time is the simulated time it reached and Accepted its accepted
	// steps (zero if it has not written one yet). Empty for the march.
	Grid     string
	Time     float64
	Accepted int
}

// ReadCheckpoint describes the checkpoint in dir from its manifest and the
// headers of its batch files (their checksums are verified when a solve
// resumes from them). The error wraps fs.ErrNotExist if dir holds no
// checkpoint.
func ReadCheckpoint(dir string) (*CheckpointInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, ckManifest))
	if err != nil {
		return nil, fmt.Errorf("dmft: checkpoint: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("dmft: checkpoint %s: %v", filepath.Join(dir, ckManifest), err)
	}
	info := &CheckpointInfo{Steps: m.Steps, Batches: m.Batches, Done: make([]int, m.Batches), Description: m.Description, Grid: m.Grid}
	if m.Grid != "" {
		info.Time, info.Accepted, err = readFlowHeader(dir)
		if err != nil {
			return nil, err
		}
		return info, nil
	}
	c := &checkpointer{dir: dir, k1: m.Steps + 1}
	if _, err := hex.Decode(c.fp[:], []byte(m.Fingerprint)); err != nil {
		return nil, fmt.Errorf("dmft: checkpoint %s: fingerprint: %v", filepath.Join(dir, ckManifest), err)
	}
	for i := range info.Done {
		f, err := os.Open(filepath.Join(dir, batchFile(i)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dmft: checkpoint: %v", err)
		}
		r := newReader(f)
		var h ckHeader
		r.header(&h)
		f.Close()
		if r.err != nil {
			return nil, c.corrupt(i, r.err)
		}
		info.Done[i] = h.k
	}
	return info, nil
}

// RemoveCheckpoint removes the files of a checkpoint from dir, and dir if
// it is then empty.
func RemoveCheckpoint(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "batch-*.ckpt"))
	files = append(append(files, tempFiles(dir)...), filepath.Join(dir, flowFile), filepath.Join(dir, ckManifest))
	var errs []error
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) == 0 {
		errs = append(errs, os.Remove(dir))
	}
	return errors.Join(errs...)
}
