// Package output writes a command's results atomically: every file goes into
// a temporary directory beside the destination, which is renamed into place
// only when all writes succeeded, so an interrupted or failed run leaves no
// half-written results. Write does this for a run of a command, with its
// record Meta as meta.json: every parameter, the command line, the version
// and commit, the start and wall time.
package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// Dir is an output directory being written.
type Dir struct {
	final, tmp string
}

// Create starts writing the directory final.
func Create(final string) (*Dir, error) {
	final = filepath.Clean(final)
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(final)+".tmp-")
	if err != nil {
		return nil, err
	}
	return &Dir{final: final, tmp: tmp}, nil
}

// Path returns the temporary path of file name (for writers of other formats).
func (d *Dir) Path(name string) string { return filepath.Join(d.tmp, name) }

// Final returns the destination directory.
func (d *Dir) Final() string { return d.final }

func (d *Dir) write(name string, fn func(w *bufio.Writer) error) error {
	f, err := os.Create(d.Path(name))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := fn(w); err != nil {
		f.Close()
		return fmt.Errorf("output: writing %s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Vector writes v as a 1-D float64 array name.npy.
func (d *Dir) Vector(name string, v []float64) error {
	if len(v) == 0 {
		return fmt.Errorf("output: %s.npy would be empty", name) // NumPy refuses npyio's empty arrays
	}
	return d.write(name+".npy", func(w *bufio.Writer) error { return npyio.Write(w, v) })
}

// Matrix writes m as a 2-D float64 array name.npy (C order).
func (d *Dir) Matrix(name string, m *mat.Dense) error {
	if r, c := m.Dims(); r == 0 || c == 0 {
		return fmt.Errorf("output: %s.npy would be empty", name)
	}
	return d.write(name+".npy", func(w *bufio.Writer) error { return npyio.Write(w, m) })
}

// JSON writes v, indented, to name.
func (d *Dir) JSON(name string, v any) error {
	return d.write(name, func(w *bufio.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// Commit moves the directory into place, replacing an earlier one.
func (d *Dir) Commit() error {
	old := ""
	if _, err := os.Stat(d.final); err == nil {
		old = d.tmp + ".old"
		if err := os.Rename(d.final, old); err != nil {
			return err
		}
	}
	if err := os.Rename(d.tmp, d.final); err != nil {
		if old != "" {
			os.Rename(old, d.final)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// Abort removes the temporary directory; it is a no-op after Commit.
func (d *Dir) Abort() { os.RemoveAll(d.tmp) }

// Mkdir creates the subdirectory name (and its parents) in the directory.
func (d *Dir) Mkdir(name string) error { return os.MkdirAll(d.Path(name), 0o755) }
