package sweep

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseAxis(t *testing.T) {
	for _, tc := range []struct {
		spec string
		kind Kind
		want []string
	}{
		{"0.5:3:11", Float, []string{"0.5", "0.75", "1", "1.25", "1.5", "1.75", "2", "2.25", "2.5", "2.75", "3"}},
		// 0.1 + 0.9·2/9 is 0.30000000000000004 in float64: rounded to 15 digits.
		{"0.1:1:10", Float, []string{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"}},
		{"3:1:3", Float, []string{"3", "2", "1"}},
		{"2:2:1", Float, []string{"2"}},
		{"1e-3:1:7:log", Float, []string{"0.001", "0.00316227766016838", "0.01", "0.0316227766016838", "0.1", "0.316227766016838", "1"}},
		{"100:10000:3:log", Integer, []string{"100", "1000", "10000"}},
		{"1e6:2e6:2", Integer, []string{"1000000", "2000000"}}, // an integer flag cannot read 1e+06
		{"1000:2000:3", Integer, []string{"1000", "1500", "2000"}},
		{"0.1, 0.3,1", Float, []string{"0.1", "0.3", "1"}},
		{"sgd,psgd", Text, []string{"sgd", "psgd"}},
		{"true,false", Text, []string{"true", "false"}},
	} {
		a, err := ParseAxis("x", tc.spec, tc.kind)
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if !slices.Equal(a.Values, tc.want) {
			t.Errorf("%s: %v, want %v", tc.spec, a.Values, tc.want)
		}
	}
}

func TestParseAxisErrors(t *testing.T) {
	for _, tc := range []struct {
		spec string
		kind Kind
		want string
	}{
		{"", Float, "no values"},
		{"1:2:0", Float, "an empty range: 0 points"},
		{"1:2:-3", Float, "an empty range"},
		{"1:2:1", Float, "one point from 1 to 2"},
		{"1:2", Float, "want a:b:n"},
		{"1:2:3:lin", Float, `the fourth field is "lin"`},
		{"0:1:3:log", Float, "a log range needs a > 0"},
		{"a:1:3", Float, `"a" is not a finite number`},
		{"1:NaN:3", Float, "not a finite number"},
		{"1:2:x", Float, "is not an integer"},
		{"0.1,x", Float, `"x" is not a finite number`},
		{"0.1,,0.2", Float, "an empty value"},
		{"0.1,0.10", Float, "the value 0.10 appears twice"},
		{"10:12:5", Integer, "appears twice"},
		{"sgd:psgd:2", Text, "takes text: give a list"},
		{"sgd,sgd", Text, "appears twice"},
	} {
		_, err := ParseAxis("x", tc.spec, tc.kind)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--grid x=") {
			t.Errorf("%q: %v, want an error naming --grid x= with %q", tc.spec, err, tc.want)
		}
	}
}

func mustAxis(t *testing.T, param, spec string) Axis {
	t.Helper()
	a, err := ParseAxis(param, spec, Float)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGrid(t *testing.T) {
	g := Grid{Axes: []Axis{mustAxis(t, "b", "0.1,0.3"), mustAxis(t, "alpha", "1:3:3")}}
	if err := g.Validate(6); err != nil {
		t.Fatal(err)
	}
	if s := g.Shape(); !slices.Equal(s, []int{2, 3}) || g.Len() != 6 {
		t.Fatalf("shape %v, len %d", s, g.Len())
	}
	// Row-major: the last axis varies fastest.
	var got []string
	for i := 0; i < g.Len(); i++ {
		got = append(got, fmt.Sprint(g.Index(i), g.Values(i)))
	}
	want := []string{"[0 0] [0.1 1]", "[0 1] [0.1 2]", "[0 2] [0.1 3]", "[1 0] [0.3 1]", "[1 1] [0.3 2]", "[1 2] [0.3 3]"}
	if !slices.Equal(got, want) {
		t.Errorf("points %v, want %v", got, want)
	}

	z := Grid{Axes: []Axis{mustAxis(t, "alpha", "1,2,3"), mustAxis(t, "lambda", "0.1:0.3:3")}, Zip: true}
	if err := z.Validate(100); err != nil {
		t.Fatal(err)
	}
	if s := z.Shape(); !slices.Equal(s, []int{3}) || z.Dim(1) != 0 {
		t.Errorf("zip shape %v, dim of axis 1 %d", s, z.Dim(1))
	}
	if v := z.Values(2); !slices.Equal(v, []string{"3", "0.3"}) {
		t.Errorf("zip point 2: %v", v)
	}
}

func TestGridValidate(t *testing.T) {
	b := func(spec string) Axis { return mustAxis(t, "b", spec) }
	huge := func(param string) Axis { return Axis{Param: param, Values: make([]string, 1<<16)} }
	for _, tc := range []struct {
		g    Grid
		max  int
		want string
	}{
		{Grid{}, 10, "no --grid"},
		{Grid{Axes: []Axis{b("1,2"), b("3,4")}}, 10, "--grid b is given twice"},
		{Grid{Axes: []Axis{b("1,2"), mustAxis(t, "a", "1:3:3")}, Zip: true}, 10, "--zip: --grid b has 2 values and --grid a has 3"},
		{Grid{Axes: []Axis{b("1:4:4"), mustAxis(t, "a", "1:3:3")}}, 11, "the grid has 4 × 3 = 12 points: want at most --max-points 11"},
		// The product of the axes may overflow an int: still an error.
		{Grid{Axes: []Axis{huge("a"), huge("b"), huge("c"), huge("d")}}, 10, "= 18446744073709551616 points: want at most"},
	} {
		if err := tc.g.Validate(tc.max); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", gridSpecs(tc.g), err, tc.want)
		}
	}
}

func ExampleParseAxis() {
	for _, spec := range []string{"0.5:3:6", "1e-3:1:4:log", "0.1,0.3,0.9"} {
		a, _ := ParseAxis("alpha", spec, Float)
		fmt.Println(spec, "->", a.Values)
	}
	// Output:
	// 0.5:3:6 -> [0.5 1 1.5 2 2.5 3]
	// 1e-3:1:4:log -> [0.001 0.01 0.1 1]
	// 0.1,0.3,0.9 -> [0.1 0.3 0.9]
}

func ExampleGrid() {
	b, _ := ParseAxis("b", "0.1,0.5", Float)
	alpha, _ := ParseAxis("alpha", "1:3:3", Float)
	g := Grid{Axes: []Axis{b, alpha}}
	fmt.Println(g.Shape(), g.Len())
	for i := 0; i < g.Len(); i++ {
		fmt.Println(i, g.Index(i), g.Values(i))
	}
	// Output:
	// [2 3] 6
	// 0 [0 0] [0.1 1]
	// 1 [0 1] [0.1 2]
	// 2 [0 2] [0.1 3]
	// 3 [1 0] [0.5 1]
	// 4 [1 1] [0.5 2]
	// 5 [1 2] [0.5 3]
}
