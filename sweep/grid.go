package sweep

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Kind is the type of the flag an axis sets: it decides which specs the
// axis accepts and how range values are written.
type Kind int

const (
	Float   Kind = iota // ranges and lists of numbers
	Integer             // ranges (rounded to integers) and lists of integers
	Text                // lists only: strings and booleans
)

// Axis is one swept parameter: the flag it sets and its values, each as
// the text the flag is given.
type Axis struct {
	Param  string   `json:"param"`  // the flag name, e.g. "alpha"
	Spec   string   `json:"spec"`   // as given after '=', e.g. "0.5:3:11"
	Values []string `json:"values"` // the flag's value at each grid index
}

// ParseAxis parses the spec of the parameter param, whose flag is of the
// given kind:
//
//	a:b:n       n values from a to b, evenly spaced (a linear range)
//	a:b:n:log   n values from a to b, evenly spaced in log (a, b > 0)
//	v1,v2,...   a list
//
// The end points of a range are a and b exactly; the values between are
// rounded to 15 significant digits, so that 0.1:1:10 gives 0.3 and not
// 0.30000000000000004. Integer ranges are rounded to integers. A range of
// one value needs a = b; a value may not appear twice.
func ParseAxis(param, spec string, kind Kind) (Axis, error) {
	a := Axis{Param: param, Spec: spec}
	bad := func(format string, v ...any) (Axis, error) {
		return Axis{}, fmt.Errorf("--grid %s=%s: %s", param, spec, fmt.Sprintf(format, v...))
	}
	if param == "" {
		return Axis{}, fmt.Errorf("--grid =%s: want name=values, e.g. alpha=0.5:3:11", spec)
	}
	if strings.TrimSpace(spec) == "" {
		return bad("no values (want a:b:n, a:b:n:log or a list v1,v2,...)")
	}
	switch {
	case strings.Contains(spec, ":"):
		if kind == Text {
			return bad("--%s takes text: give a list, e.g. %s=v1,v2", param, param)
		}
		vals, err := parseRange(spec, kind)
		if err != nil {
			return bad("%v", err)
		}
		a.Values = vals
	default:
		for _, v := range strings.Split(spec, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				return bad("an empty value in the list")
			}
			if kind != Text {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
					return bad("%q is not a finite number", v)
				}
			}
			a.Values = append(a.Values, v)
		}
	}
	seen := map[string]bool{}
	for _, v := range a.Values {
		key := v
		if kind != Text {
			x, _ := strconv.ParseFloat(v, 64)
			key = strconv.FormatFloat(x, 'g', -1, 64)
		}
		if seen[key] {
			if strings.Contains(spec, ":") {
				return bad("the value %s appears twice (too many points for an integer range?)", v)
			}
			return bad("the value %s appears twice", v)
		}
		seen[key] = true
	}
	return a, nil
}

// parseRange returns the values of a:b:n or a:b:n:log.
func parseRange(spec string, kind Kind) ([]string, error) {
	parts := strings.Split(spec, ":")
	logScale := false
	switch {
	case len(parts) == 4 && parts[3] == "log":
		logScale = true
	case len(parts) == 4:
		return nil, fmt.Errorf("the fourth field is %q: want log (a:b:n:log) or nothing", parts[3])
	case len(parts) != 3:
		return nil, errors.New("want a:b:n or a:b:n:log")
	}
	var ends [2]float64
	for i, s := range parts[:2] {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%q is not a finite number", s)
		}
		ends[i] = x
	}
	a, b := ends[0], ends[1]
	n, err := strconv.Atoi(strings.TrimSpace(parts[2]))
	switch {
	case err != nil:
		return nil, fmt.Errorf("the number of points %q is not an integer", parts[2])
	case n < 1:
		return nil, fmt.Errorf("an empty range: %d points (want n >= 1)", n)
	case n == 1 && a != b:
		return nil, fmt.Errorf("one point from %g to %g: want n >= 2, or a = b", a, b)
	case n > MaxAxis:
		return nil, fmt.Errorf("%d points: want at most %d on one axis", n, MaxAxis)
	case logScale && !(a > 0 && b > 0):
		return nil, fmt.Errorf("a log range needs a > 0 and b > 0")
	}
	vals := make([]string, n)
	for i := range vals {
		var x float64
		switch {
		case i == 0:
			x = a
		case i == n-1:
			x = b
		case logScale:
			la, lb := math.Log10(a), math.Log10(b)
			x = round15(math.Pow(10, la+(lb-la)*float64(i)/float64(n-1)))
		default:
			x = round15(a + (b-a)*float64(i)/float64(n-1))
		}
		if kind == Integer {
			x = math.Round(x)
		}
		vals[i] = formatFloat(x)
	}
	return vals, nil
}

// MaxAxis bounds the values of one range, before the grid's own limit.
const MaxAxis = 1 << 20

func round15(x float64) float64 {
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
	return y
}

// formatFloat writes x so that a float flag reads back x exactly and an
// integer flag reads an integral x (1000000, not 1e+06).
func formatFloat(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// Numbers returns the axis values as numbers, or false if one is not a
// number (a text axis).
func (a Axis) Numbers() ([]float64, bool) {
	x := make([]float64, len(a.Values))
	for i, v := range a.Values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, false
		}
		x[i] = f
	}
	return x, true
}

// Grid is the set of points of a sweep: the Cartesian product of its axes,
// the last axis varying fastest, or with Zip the i-th values of every axis
// together.
type Grid struct {
	Axes []Axis `json:"axes"`
	Zip  bool   `json:"zip"`
}

// Validate checks that the grid has axes, sets each parameter once, pairs
// axes of one length under Zip, and has at most max points.
func (g Grid) Validate(max int) error {
	if len(g.Axes) == 0 {
		return errors.New("no --grid: want at least one, e.g. --grid alpha=0.5:3:11")
	}
	seen := map[string]bool{}
	for _, a := range g.Axes {
		if seen[a.Param] {
			return fmt.Errorf("--grid %s is given twice", a.Param)
		}
		seen[a.Param] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("--grid %s=%s: no values", a.Param, a.Spec)
		}
	}
	if g.Zip {
		for _, a := range g.Axes[1:] {
			if len(a.Values) != len(g.Axes[0].Values) {
				return fmt.Errorf("--zip: --grid %s has %d values and --grid %s has %d: want the same number",
					g.Axes[0].Param, len(g.Axes[0].Values), a.Param, len(a.Values))
			}
		}
	}
	n := big.NewInt(1)
	for _, s := range g.Shape() {
		n.Mul(n, big.NewInt(int64(s)))
	}
	if !n.IsInt64() || n.Int64() > int64(max) {
		var dims []string
		for _, s := range g.Shape() {
			dims = append(dims, strconv.Itoa(s))
		}
		return fmt.Errorf("the grid has %s = %s points: want at most --max-points %d", strings.Join(dims, " × "), n, max)
	}
	return nil
}

// Shape returns the number of values along each dimension of the grid.
func (g Grid) Shape() []int {
	if g.Zip {
		if len(g.Axes) == 0 {
			return nil
		}
		return []int{len(g.Axes[0].Values)}
	}
	s := make([]int, len(g.Axes))
	for i, a := range g.Axes {
		s[i] = len(a.Values)
	}
	return s
}

// Dim returns the dimension of the grid along which axis i varies.
func (g Grid) Dim(i int) int {
	if g.Zip {
		return 0
	}
	return i
}

// Len returns the number of points of a valid grid.
func (g Grid) Len() int {
	n := 1
	for _, s := range g.Shape() {
		n *= s
	}
	return n
}

// Index returns the position of point i along each dimension (row-major:
// the last dimension varies fastest).
func (g Grid) Index(i int) []int {
	shape := g.Shape()
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// Values returns the value of each axis at point i.
func (g Grid) Values(i int) []string {
	idx := g.Index(i)
	v := make([]string, len(g.Axes))
	for k, a := range g.Axes {
		v[k] = a.Values[idx[g.Dim(k)]]
	}
	return v
}
