package rng

import (
	"math/rand/v2"
	"testing"
)

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

// TestPCGResume: a stream whose source is saved, marshalled and restored
// into another source continues exactly, through Float64 and NormFloat64
// alike (rand.Rand buffers nothing).
func TestPCGResume(t *testing.T) {
	src := NewPCG(5, 1, 2)
	r := rand.New(src)
	for range 7 {
		r.NormFloat64()
	}
	state, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var want [6]float64
	for i := range want {
		want[i] = r.NormFloat64() + r.Float64()
	}
	other := NewPCG(99)
	if err := other.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	r2 := rand.New(other)
	for i := range want {
		if got := r2.NormFloat64() + r2.Float64(); got != want[i] {
			t.Fatalf("draw %d after restore: %v, want %v", i, got, want[i])
		}
	}
	if err := other.UnmarshalBinary(state[:len(state)-1]); err == nil {
		t.Error("a truncated state was accepted")
	}
}
