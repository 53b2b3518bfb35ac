package teacher

import (
	"math"
	"testing"
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
