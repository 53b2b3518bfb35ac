package output

import (
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

func TestCommitReplacesAndAbortCleans(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "run")
	for i, v := range [][]float64{{1, 2, 3}, {4, 5}} {
		d, err := Create(final)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Vector("x", v); err != nil {
			t.Fatal(err)
		}
		if err := d.Matrix("a", mat.NewDense(2, 2, []float64{1, 2, 3, float64(i)})); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(final); i == 0 && !os.IsNotExist(err) {
			t.Error("destination visible before Commit")
		}
		if err := d.Commit(); err != nil {
			t.Fatal(err)
		}
		d.Abort() // no-op after Commit
		f, err := os.Open(filepath.Join(final, "x.npy"))
		if err != nil {
			t.Fatal(err)
		}
		var got []float64
		err = npyio.Read(f, &got)
		f.Close()
		if err != nil || len(got) != len(v) || got[0] != v[0] {
			t.Errorf("run %d: read %v (%v), want %v", i, got, err, v)
		}
	}
	d, _ := Create(final)
	d.Vector("y", []float64{1})
	d.Abort()
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "run" {
		t.Errorf("after Abort the parent holds %v, want only run", entries)
	}
	if err := d.Vector("empty", nil); err == nil {
		t.Error("empty vector accepted")
	}
}
