package sweep

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// The gathered arrays have any number of dimensions, which npyio writes
// only from nested slices (slowly) or up to two (mat.Dense), and a sweep
// reads thousands of small files; so this file reads and writes the .npy
// format (version 1.0 out; 1.0 to 3.0 in) for the one case used: float64,
// little endian, C order.

// encodeNPY returns the .npy file of data with the given shape.
func encodeNPY(shape []int, data []float64) []byte {
	n := 1
	dims := make([]string, len(shape))
	for i, s := range shape {
		n *= s
		dims[i] = strconv.Itoa(s)
	}
	if n != len(data) {
		panic(fmt.Sprintf("sweep: %d values for shape %v", len(data), shape))
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	header := "{'descr': '<f8', 'fortran_order': False, 'shape': " + tuple + ", }"
	// magic (6) + version (2) + header length (2) + header + '\n', padded
	// with spaces to a multiple of 64 bytes, as NumPy writes it.
	pad := 63 - (10+len(header))%64
	header += strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.Grow(10 + len(header) + 8*n)
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	var w [8]byte
	for _, x := range data {
		binary.LittleEndian.PutUint64(w[:], math.Float64bits(x))
		b.Write(w[:])
	}
	return b.Bytes()
}

// writeNPY writes the array atomically into path.
func writeNPY(path string, shape []int, data []float64) error {
	return writeFile(path, encodeNPY(shape, data))
}

var errNotFloat64 = errors.New("not a float64 C-order array")

// readNPY reads a float64, little-endian, C-order .npy file; other arrays
// are errNotFloat64.
func readNPY(path string) (shape []int, data []float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	shape, body, err := decodeHeader(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	if len(body) != 8*n {
		return nil, nil, fmt.Errorf("%s: %d bytes of data for shape %v", path, len(body), shape)
	}
	data = make([]float64, n)
	for i := range data {
		data[i] = math.Float64frombits(binary.LittleEndian.Uint64(body[8*i:]))
	}
	return shape, data, nil
}

// decodeHeader parses the header of a .npy file and returns the shape and
// the data that follows.
func decodeHeader(b []byte) ([]int, []byte, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, nil, errors.New("not a .npy file")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, nil, errors.New("truncated .npy header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, nil, fmt.Errorf(".npy version %d.%d", b[6], b[7])
	}
	if len(b) < start+hlen {
		return nil, nil, errors.New("truncated .npy header")
	}
	h := string(b[start : start+hlen])
	descr, ok1 := dictValue(h, "descr")
	order, ok2 := dictValue(h, "fortran_order")
	shp, ok3 := dictValue(h, "shape")
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, fmt.Errorf("bad .npy header %q", h)
	}
	if (descr != "'<f8'" && descr != "'float64'") || order != "False" {
		return nil, nil, errNotFloat64
	}
	shp = strings.Trim(shp, "()")
	var shape []int
	for _, f := range strings.Split(shp, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		s, err := strconv.Atoi(f)
		if err != nil || s < 0 {
			return nil, nil, fmt.Errorf("bad .npy shape %q", shp)
		}
		shape = append(shape, s)
	}
	return shape, b[start+hlen:], nil
}

// dictValue returns the text of key's value in the header's Python dict:
// up to the comma ending it, or the closing parenthesis of a tuple.
func dictValue(h, key string) (string, bool) {
	_, rest, ok := strings.Cut(h, "'"+key+"':")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(") {
		i := strings.Index(rest, ")")
		if i < 0 {
			return "", false
		}
		return rest[:i+1], true
	}
	i := strings.IndexAny(rest, ",}")
	if i < 0 {
		return "", false
	}
	return strings.TrimSpace(rest[:i]), true
}
