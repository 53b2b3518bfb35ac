package loss

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestDerivatives checks ∂_r L and ∂²_r L against central finite differences
// of L and ∂_r L. The central difference with step h ≈ 1e-5 has truncation
// error O(h²·L”') ≈ 1e-10 and round-off O(ε·L/h) ≈ 1e-11·|L|, so 1e-6
// relative (or absolute near zero) is a loose but meaningful bound. Points
// are kept away from the kinks of the hinge losses (z = 1).
func TestDerivatives(t *testing.T) {
	outputs := registeredOutputs(t)
	rs := []float64{-3.1, -1.3, -0.42, 0.17, 0.77, 2.2, 5.3}
	for _, m := range margins {
		for _, o := range outputs {
			fn := Func{Margin: m, Output: o}
			for _, y := range []float64{-1, 1} {
				for _, r := range rs {
					f, _, _ := o.Eval(r)
					near := false
					for _, z := range Kinks(m) {
						near = near || math.Abs(y*f-z) < 1e-3
					}
					if near {
						continue
					}
					name := fmt.Sprintf("%T/%v/y=%v/r=%v", m, o, y, r)
					_, dl, d2l := fn.Eval(y, r)
					val := func(x []float64) float64 { l, _, _ := fn.Eval(y, x[0]); return l }
					der := func(x []float64) float64 { _, d, _ := fn.Eval(y, x[0]); return d }
					set := &fd.Settings{Formula: fd.Central, Step: 1e-5}
					gotD := fd.Derivative(func(x float64) float64 { return val([]float64{x}) }, r, set)
					gotD2 := fd.Derivative(func(x float64) float64 { return der([]float64{x}) }, r, set)
					if !scalar.EqualWithinAbsOrRel(dl, gotD, 1e-6, 1e-6) {
						t.Errorf("%s: dL = %v, finite difference %v", name, dl, gotD)
					}
					if !scalar.EqualWithinAbsOrRel(d2l, gotD2, 1e-6, 1e-6) {
						t.Errorf("%s: d2L = %v, finite difference %v", name, d2l, gotD2)
					}
					if d := fn.Deriv(y, r); d != dl {
						t.Errorf("%s: Deriv = %v, Eval gives %v", name, d, dl)
					}
				}
			}
		}
	}
}

// TestLogisticStable checks that the logistic loss neither overflows nor
// loses its asymptotes at large |z|: ℓ(z) → −z, ℓ' → −1 for z → −∞ and
// ℓ → e^{−z}, ℓ' → −e^{−z} for z → +∞ (exact to double precision there).
func TestLogisticStable(t *testing.T) {
	for _, z := range []float64{-1e6, -800, -40} {
		l, dl, d2l := Logistic{}.Eval(z)
		if l != -z || dl != -1 || d2l < 0 || d2l > 1e-17 {
			t.Errorf("z=%v: got (%v, %v, %v), want (%v, -1, ~0)", z, l, dl, d2l, -z)
		}
	}
	for _, z := range []float64{40, 800, 1e6} {
		l, dl, d2l := Logistic{}.Eval(z)
		want := math.Exp(-z)
		if !scalar.EqualWithinAbsOrRel(l, want, 0, 1e-12) || !scalar.EqualWithinAbsOrRel(-dl, want, 0, 1e-12) || math.IsNaN(d2l) {
			t.Errorf("z=%v: got (%v, %v, %v), want (%v, %v, ~)", z, l, dl, d2l, want, -want)
		}
	}
	l, dl, d2l := Logistic{}.Eval(0)
	if l != math.Ln2 || dl != -0.5 || d2l != 0.25 {
		t.Errorf("z=0: got (%v, %v, %v), want (ln 2, -0.5, 0.25)", l, dl, d2l)
	}
}

func TestError(t *testing.T) {
	lin := Func{Margin: Logistic{}, Output: Linear{}}
	quad := Func{Margin: Logistic{}, Output: Quadratic{Kappa: 1}}
	for _, c := range []struct {
		fn      Func
		y, r, e float64
	}{
		{lin, 1, 0.5, 0}, {lin, 1, -0.5, 1}, {lin, -1, -0.5, 0}, {lin, -1, 0.5, 1},
		{quad, 1, 2, 0}, {quad, 1, 0.5, 1}, {quad, -1, 0.5, 0}, {quad, -1, -2, 1},
	} {
		if got := c.fn.Error(c.y, c.r); got != c.e {
			t.Errorf("%v.Error(%v, %v) = %v, want %v", c.fn.Output, c.y, c.r, got, c.e)
		}
	}
}

// registeredOutputs returns every registered output, those with a shape
// parameter at two values of it (κ = 1 and 0.3).
func registeredOutputs(t *testing.T) []Output {
	t.Helper()
	var outs []Output
	for _, name := range OutputNames() {
		for _, kappa := range []float64{1, 0.3} {
			o, err := ParseOutput(name, kappa)
			if err != nil {
				t.Fatalf("ParseOutput(%q, %v): %v", name, kappa, err)
			}
			if len(outs) == 0 || outs[len(outs)-1] != o {
				outs = append(outs, o)
			}
		}
	}
	return outs
}

func TestParse(t *testing.T) {
	for _, name := range MarginNames() {
		m, err := ParseMargin(name)
		if err != nil || m.Name() != name {
			t.Errorf("ParseMargin(%q) = %v, %v; want a loss named %[1]q", name, m, err)
		}
	}
	for _, name := range OutputNames() {
		o, err := ParseOutput(name, 0.7)
		if err != nil || o.Name() != name {
			t.Errorf("ParseOutput(%q, 0.7) = %v, %v; want an output named %[1]q", name, o, err)
		}
	}
	if o, err := ParseOutput("quadratic", 0.7); err != nil || o != (Quadratic{Kappa: 0.7}) {
		t.Errorf("ParseOutput(quadratic, 0.7) = %v, %v; want Quadratic{Kappa: 0.7}", o, err)
	}
	for _, c := range []struct {
		name  string
		err   error
		wants []string
	}{
		{"unknown loss", func() error { _, err := ParseMargin("huber"); return err }(), append([]string{"huber"}, MarginNames()...)},
		{"unknown output", func() error { _, err := ParseOutput("cubic", 1); return err }(), append([]string{"cubic"}, OutputNames()...)},
		{"kappa = 0", func() error { _, err := ParseOutput("quadratic", 0); return err }(), []string{"kappa"}},
		{"kappa = Inf", func() error { _, err := ParseOutput("quadratic", math.Inf(1)); return err }(), []string{"kappa"}},
	} {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(c.err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", c.name, c.err, w)
			}
		}
	}
	if IsSmooth(Hinge{}) || !IsSmooth(Logistic{}) {
		t.Error("IsSmooth: hinge must be non-smooth, logistic smooth")
	}
}

// TestRegistryComplete: every type of this package with a Name method is
// registered (a loss or output written but not added to its list would be
// invisible to the command line), and every registered name is unique.
func TestRegistryComplete(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "Name" {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok {
				named[id.Name] = true
			}
		}
	}
	registered := map[string]bool{}
	seen := map[string]bool{}
	for _, name := range append(MarginNames(), OutputNames()...) {
		if seen[name] {
			t.Errorf("name %q registered twice", name)
		}
		seen[name] = true
	}
	for _, m := range margins {
		registered[reflect.TypeOf(m).Name()] = true
	}
	for _, o := range registeredOutputs(t) {
		registered[reflect.TypeOf(o).Name()] = true
	}
	for typ := range named {
		if !registered[typ] {
			t.Errorf("type %s has a Name method but is in neither the margins nor the outputs registry", typ)
		}
	}
	if len(named) < len(registered) {
		t.Errorf("found %d named types, %d registered: the source scan is broken", len(named), len(registered))
	}
}

// TestKinks: each registered margin loss declares exactly the points where
// ℓ' or ℓ” jumps (Kinked), and is Smooth exactly when ℓ' is continuous.
// On a grid of step 1e-3 a jump shows as a change of ℓ' or ℓ” between
// neighbouring points far above the smooth variation: the smooth part
// changes by ≤ max|ℓ”'|·h ≤ 1e-2 (ℓ”' ≤ 0.1 for the logistic), so a
// change above 0.1 is a jump (the registered jumps are ≥ 1).
func TestKinks(t *testing.T) {
	const h, jump = 1e-3, 0.1
	for _, m := range margins {
		var found []float64
		dJumps := false
		for i := -5000; i < 5000; i++ {
			z0, z1 := float64(i)*h+h/3, float64(i+1)*h+h/3 // grid off the integers
			_, d0, dd0 := m.Eval(z0)
			_, d1, dd1 := m.Eval(z1)
			if math.Abs(d1-d0) > jump || math.Abs(dd1-dd0) > jump {
				found = append(found, (z0+z1)/2)
				dJumps = dJumps || math.Abs(d1-d0) > jump
			}
		}
		ks := Kinks(m)
		if len(found) != len(ks) {
			t.Errorf("%s: jumps of ℓ' or ℓ” near %v, declared kinks %v", m.Name(), found, ks)
			continue
		}
		for i, z := range ks {
			if math.Abs(found[i]-z) > h {
				t.Errorf("%s: jump near %v, declared kink %v", m.Name(), found[i], z)
			}
		}
		if IsSmooth(m) == dJumps {
			t.Errorf("%s: IsSmooth = %v, but ℓ' jumps: %v", m.Name(), IsSmooth(m), dJumps)
		}
	}
}

// TestRoots: for every registered output and several levels v, Roots(v)
// are sorted, satisfy f(r) = v to 1e-12 (round-off of r² at |r| ≤ 3), and
// are all the solutions: f − v changes sign between neighbouring points of
// a grid of step 1e-3 on [−10, 10] only within 1e-3 of a root (for the
// quadratic at v = −κ, the double root r = 0 is touched without a change).
func TestRoots(t *testing.T) {
	for _, o := range registeredOutputs(t) {
		for _, v := range []float64{-2, -1, -0.3, 0, 0.5, 1, 4} {
			roots := o.Roots(v)
			if !sort.Float64sAreSorted(roots) {
				t.Errorf("%v: Roots(%v) = %v, not sorted", o, v, roots)
			}
			for _, r := range roots {
				if f, _, _ := o.Eval(r); math.Abs(f-v) > 1e-12 {
					t.Errorf("%v: f(%v) = %v, want %v", o, r, f, v)
				}
			}
			const h = 1e-3
			for i := -10000; i < 10000; i++ {
				r0, r1 := float64(i)*h, float64(i+1)*h
				f0, _, _ := o.Eval(r0)
				f1, _, _ := o.Eval(r1)
				if (f0-v)*(f1-v) >= 0 {
					continue
				}
				ok := false
				for _, r := range roots {
					ok = ok || (r >= r0-h && r <= r1+h)
				}
				if !ok {
					t.Errorf("%v: f − %v changes sign in [%v, %v], Roots = %v", o, v, r0, r1, roots)
				}
			}
		}
	}
}
