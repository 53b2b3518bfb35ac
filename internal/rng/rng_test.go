package rng

import "testing"

func TestStreams(t *testing.T) {
	first := func(seed uint64, idx ...uint64) [4]uint64 {
		r := New(seed, idx...)
		return [4]uint64{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	}
	if first(1, 2, 3) != first(1, 2, 3) {
		t.Error("same (seed, idx) gave different streams")
	}
	seen := map[[4]uint64]string{}
	for _, c := range []struct {
		name string
		v    [4]uint64
	}{
		{"1", first(1)}, {"2", first(2)}, {"1,0", first(1, 0)}, {"1,1", first(1, 1)},
		{"1,2,3", first(1, 2, 3)}, {"1,3,2", first(1, 3, 2)}, {"0,1", first(0, 1)},
	} {
		if other, ok := seen[c.v]; ok {
			t.Errorf("streams %s and %s coincide", c.name, other)
		}
		seen[c.v] = c.name
	}
}
