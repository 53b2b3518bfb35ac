// Package rng derives independent, reproducible random streams from a seed
// and stream indices, so results do not depend on how work is scheduled.
package rng

import "math/rand/v2"

// mix is the SplitMix64 finaliser: a bijection on uint64 with good
// avalanche, used to decorrelate nearby (seed, index) pairs.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Seeds returns the two PCG seed words of stream (seed, idx...).
// Each index is folded in through the mixer, so (s, 1, 2) and (s, 2, 1) differ.
func Seeds(seed uint64, idx ...uint64) (uint64, uint64) {
	h := mix(seed)
	for _, i := range idx {
		h = mix(h ^ mix(i+0x632be59bd9b4e019))
	}
	return h, mix(h ^ 0xd1b54a32d192ed03)
}

// New returns a generator for stream (seed, idx...).
func New(seed uint64, idx ...uint64) *rand.Rand {
	return rand.New(NewPCG(seed, idx...))
}

// NewPCG returns the source of stream (seed, idx...): the state behind New,
// for a caller that saves and restores it (PCG.MarshalBinary and
// UnmarshalBinary). A *rand.Rand keeps no state besides its source, so
// restoring the source resumes the stream exactly.
func NewPCG(seed uint64, idx ...uint64) *rand.PCG {
	a, b := Seeds(seed, idx...)
	return rand.NewPCG(a, b)
}
