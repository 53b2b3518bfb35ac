package teacher

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sgdmft/sgdmft/loss"
)

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		link         string
		h0, eps, sig float64
		want         float64
	}{
		{"linear", 0.7, 2, 0.5, 1.7},
		{"relu", -0.7, 2, 0.5, 1},
		{"relu", 0.7, 0, 0.5, 0.7},
		{"sign", 0.7, -2, 0.5, -1}, // the noise flips the label
		{"sign", 0.7, -1, 0.5, 1},
		{"sign", -0.1, 0, 0, -1},
	} {
		l, err := ParseLink(c.link)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Label(c.h0, c.eps, c.sig); got != c.want {
			t.Errorf("%s.Label(%v, %v, %v) = %v, want %v", c.link, c.h0, c.eps, c.sig, got, c.want)
		}
	}
	if _, err := ParseLink("tanh"); err == nil {
		t.Error("ParseLink(tanh): no error")
	}
}

func TestValidate(t *testing.T) {
	for _, m := range []Model{{}, {Link: Sign{}, Noise: -1}, {Link: Sign{}, Noise: math.NaN()}, {Link: Linear{}, Noise: math.Inf(1)}} {
		if m.Validate() == nil {
			t.Errorf("%v: no error", m)
		}
	}
	if err := (Model{Link: ReLU{}, Noise: 0.3}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestMoments compares every registered link's Moments with a Monte-Carlo
// average of Label over h0 ~ N(a, v) and ε ~ N(0, 1), n = 200000 draws per
// case; tolerance 5 standard errors (false-failure rate 6e-7 per check).
// A mutation (a shifted by 0.1) must leave the tolerance for the first
// moment wherever it is not saturated (|E[y]| < 0.99).
func TestMoments(t *testing.T) {
	const n = 200000
	cases := []struct{ a, v, sigma float64 }{{0.3, 0.8, 0}, {-0.7, 0.4, 0.5}, {1.2, 0, 0.3}, {0.5, 1.5, 1}}
	for i, link := range links {
		for j, c := range cases {
			rnd := rand.New(rand.NewPCG(uint64(i), uint64(j)))
			var s1, s2, s11, s22 float64
			for range n {
				y := link.Label(c.a+math.Sqrt(c.v)*rnd.NormFloat64(), rnd.NormFloat64(), c.sigma)
				s1 += y
				s11 += y * y
				s2 += y * y
				s22 += y * y * y * y
			}
			mc1, mc2 := s1/n, s2/n
			se1 := math.Sqrt((s11/n - mc1*mc1) / n)
			se2 := math.Sqrt((s22/n - mc2*mc2) / n)
			m1, m2 := link.Moments(c.a, c.v, c.sigma)
			if math.Abs(m1-mc1) > 5*se1 || math.Abs(m2-mc2) > 5*se2+1e-12 {
				t.Errorf("%s %+v: moments (%v, %v), Monte Carlo (%v ± %v, %v ± %v)", link.Name(), c, m1, m2, mc1, se1, mc2, se2)
			}
			if math.Abs(m1) < 0.99 {
				if w1, _ := link.Moments(c.a+0.1, c.v, c.sigma); math.Abs(w1-mc1) <= 5*se1 {
					t.Errorf("%s %+v: a + 0.1 gives E[y] = %v, within 5 se of %v ± %v: the check cannot fail", link.Name(), c, w1, mc1, se1)
				}
			}
		}
	}
}

// TestSample checks a drawn dataset: |v*|² = d, h0_μ = v*·x_μ/√d to
// round-off (1e-12 relative to the row's scale), labels from Label with no
// noise, and the sample mean and variance of h0 within 5 standard errors of
// 0 and 1 (false-failure rate 6e-7 each).
func TestSample(t *testing.T) {
	const d, n = 200, 4000
	for _, link := range links {
		ds, err := Model{Link: link}.Sample(d, n, false, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		vv := 0.0
		for _, v := range ds.Vstar {
			vv += v * v
		}
		if math.Abs(vv-d) > 1e-9 {
			t.Errorf("|v*|² = %v, want %d", vv, d)
		}
		var s1, s2 float64
		for mu := range n {
			h := 0.0
			for i, x := range ds.Row(mu) {
				h += ds.Vstar[i] * x
			}
			h /= math.Sqrt(d)
			if math.Abs(h-ds.H0[mu]) > 1e-12*(1+math.Abs(h)) {
				t.Fatalf("%s: h0[%d] = %v, v*·x/√d = %v", link.Name(), mu, ds.H0[mu], h)
			}
			if y := link.Label(ds.H0[mu], 0, 0); y != ds.Y[mu] {
				t.Fatalf("%s: y[%d] = %v, Label(h0) = %v", link.Name(), mu, ds.Y[mu], y)
			}
			s1 += h
			s2 += h * h
		}
		if mean := s1 / n; math.Abs(mean) > 5/math.Sqrt(n) {
			t.Errorf("%s: mean h0 = %v", link.Name(), mean)
		}
		if v := s2 / n; math.Abs(v-1) > 5*math.Sqrt(2.0/n) {
			t.Errorf("%s: E[h0²] = %v", link.Name(), v)
		}
	}
}

// TestLoss checks the target loss: it equals the square margin loss at
// y = ±1, its derivatives match central differences (step 1e-4: error
// O(1e-8)), NewLoss rejects a non-square loss for real labels, and Error is
// the squared error.
func TestLoss(t *testing.T) {
	sq := loss.Func{Margin: loss.Square{}, Output: loss.Quadratic{Kappa: 0.5}}
	l, err := NewLoss(Model{Link: Linear{}}, sq)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Target() {
		t.Error("linear link: not a target loss")
	}
	for _, y := range []float64{1, -1} {
		for _, r := range []float64{-1.3, 0.2, 0.9} {
			a, da, d2a := l.Eval(y, r)
			b, db, d2b := sq.Eval(y, r)
			if math.Abs(a-b)+math.Abs(da-db)+math.Abs(d2a-d2b) > 1e-13 {
				t.Errorf("y=%v r=%v: target (%v %v %v), margin (%v %v %v)", y, r, a, da, d2a, b, db, d2b)
			}
		}
	}
	const h = 1e-4
	for _, c := range []struct{ y, r float64 }{{0.37, 1.1}, {-2.1, -0.4}, {1.4, 0.05}} {
		v, dv, d2v := l.Eval(c.y, c.r)
		p, dp, _ := l.Eval(c.y, c.r+h)
		m, dm, _ := l.Eval(c.y, c.r-h)
		if math.Abs((p-m)/(2*h)-dv) > 1e-7 || math.Abs((dp-dm)/(2*h)-d2v) > 1e-7 || l.Deriv(c.y, c.r) != dv {
			t.Errorf("%+v: derivatives (%v, %v) vs differences (%v, %v)", c, dv, d2v, (p-m)/(2*h), (dp-dm)/(2*h))
		}
		f := c.r*c.r - 0.5
		if got, want := l.Error(c.y, c.r), (c.y-f)*(c.y-f); math.Abs(got-want) > 1e-14 || math.Abs(v-want/2) > 1e-14 {
			t.Errorf("%+v: error %v, loss %v; want %v, %v", c, got, v, want, want/2)
		}
	}
	for _, link := range []Link{Linear{}, ReLU{}} {
		if _, err := NewLoss(Model{Link: link}, loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}); err == nil {
			t.Errorf("%s link with the logistic loss: no error", link.Name())
		}
	}
	if l, err := NewLoss(Model{Link: Sign{}}, loss.Func{Margin: loss.Logistic{}, Output: loss.Linear{}}); err != nil || l.Target() {
		t.Errorf("sign link with the logistic loss: %v, target %v", err, l.Target())
	}
}
