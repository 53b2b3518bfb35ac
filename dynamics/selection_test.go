package dynamics

import (
	"math"
	"testing"

	"github.com/sgdmft/sgdmft/internal/rng"
)

// TestChainStatistics checks the stationary fraction and the two-time
// autocorrelation of every selection process on n independent samples.
// With n = 20000 chains, the fraction at a time has standard error
// √(b(1−b)/n) and ⟨s_k s_{k+l}⟩ has standard error at most
// √(p(1−p)/n) with p = ⟨s s'⟩. Each check allows 5 standard errors
// (two-sided false-failure rate 6e-7 per check, about 1e-4 over the
// whole test's few hundred checks).
func TestChainStatistics(t *testing.T) {
	const n, steps = 20000, 30
	mk := func(c Chain, err error) Chain {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, c := range []struct {
		name  string
		ch    Chain
		decay func(l int) float64 // exact connected autocorrelation / (b(1−b))
	}{
		{"full", FullBatch(), func(int) float64 { return 1 }},
		{"vanilla", mk(Vanilla(0.3)), func(l int) float64 { return b2f(l == 0) }},
		{"persistent", mk(Persistent(0.3, 1, 0.1)), func(l int) float64 { return math.Pow(1-0.1/(0.3*1), float64(l)) }},
		{"persistent-tau=eta/b", mk(Persistent(0.5, 0.2, 0.1)), func(l int) float64 { return b2f(l == 0) }},
		{"telegraph", mk(Telegraph(0.2, 0.5, 0.01)), func(l int) float64 { return math.Exp(-float64(l) * 0.01 / (0.2 * 0.5)) }},
	} {
		b := c.ch.B
		rnd := rng.New(11, uint64(len(c.name)))
		s := make([]bool, n)
		c.ch.Start(s, rnd)
		first := append([]bool(nil), s...)
		for k := 0; k <= steps; k++ {
			on, both := 0.0, 0.0
			for i := range s {
				if s[i] {
					on++
					if first[i] {
						both++
					}
				}
			}
			frac := on / n
			if se := math.Sqrt(b * (1 - b) / n); math.Abs(frac-b) > 5*se+1e-15 {
				t.Errorf("%s step %d: fraction %v, want %v ± %v", c.name, k, frac, b, 5*se)
			}
			want := b*b + b*(1-b)*c.decay(k)
			if se := math.Sqrt(want * (1 - want) / n); math.Abs(both/n-want) > 5*se+1e-15 {
				t.Errorf("%s lag %d: ⟨s s'⟩ = %v, want %v ± %v", c.name, k, both/n, want, 5*se)
			}
			c.ch.Advance(s, rnd)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestChainErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
	}{
		{"b=0", errOf(Vanilla(0))},
		{"b>1", errOf(Vanilla(1.2))},
		{"tau small", errOf(Persistent(0.3, 0.01, 0.1))},
		{"tau small b", errOf(Persistent(0.1, 0.5, 0.1))},
		{"tau<0", errOf(Telegraph(0.3, -1, 0.1))},
	} {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if _, err := Persistent(0.5, 0.1, 0.1); err != nil {
		t.Errorf("tau = eta, b = 0.5 is allowed: %v", err)
	}
}

func errOf(_ Chain, err error) error { return err }
