package sweep

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"
)

// TestNPY: the arrays written here are read back by npyio (an independent
// reader of the format) with their shape and values, and files npyio
// writes are read here.
func TestNPY(t *testing.T) {
	dir := t.TempDir()
	data := []float64{0, 1.5, -2, math.NaN(), math.Inf(1), 1e-300, 7, 8, 9, 10, 11, 12}
	for _, shape := range [][]int{{12}, {3, 4}, {2, 3, 2}, {1, 2, 3, 2}} {
		b := encodeNPY(shape, data)
		hlen := int(binary.LittleEndian.Uint16(b[8:10]))
		if (10+hlen)%64 != 0 || b[10+hlen-1] != '\n' {
			t.Errorf("%v: header of %d bytes, not padded to 64 with a newline", shape, hlen)
		}
		r, err := npyio.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if !slices.Equal(r.Header.Descr.Shape, shape) || strings.Trim(r.Header.Descr.Type, "'") != "<f8" || r.Header.Descr.Fortran {
			t.Errorf("%v: npyio reads header %+v", shape, r.Header.Descr)
		}
		path := filepath.Join(dir, "a.npy")
		if err := writeNPY(path, shape, data); err != nil {
			t.Fatal(err)
		}
		gotShape, got, err := readNPY(path)
		if err != nil || !slices.Equal(gotShape, shape) || !sameFloats(got, data) {
			t.Errorf("%v: read back %v %v (%v)", shape, gotShape, got, err)
		}
	}
	// 2-D via npyio: the values in C order.
	var m mat.Dense
	if err := npyio.Read(bytes.NewReader(encodeNPY([]int{3, 4}, data)), &m); err != nil || m.At(1, 2) != data[6] {
		t.Errorf("npyio reads %v (%v), want m[1,2] = %v", m.At(1, 2), err, data[6])
	}
	// A file npyio writes (version 2 header) reads here.
	var buf bytes.Buffer
	if err := npyio.Write(&buf, []float64{3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "b.npy")
	os.WriteFile(path, buf.Bytes(), 0o644)
	if shape, v, err := readNPY(path); err != nil || !slices.Equal(shape, []int{3}) || !slices.Equal(v, []float64{3, 4, 5}) {
		t.Errorf("npyio's file: %v %v %v", shape, v, err)
	}
	// Another type is not read as float64.
	buf.Reset()
	npyio.Write(&buf, []int64{1, 2})
	os.WriteFile(path, buf.Bytes(), 0o644)
	if _, _, err := readNPY(path); err == nil {
		t.Error("an int64 array read as float64")
	}
}

func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}
