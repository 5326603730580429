package mparticle

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// firstStop is the byte-at-a-time definition stopAt must agree with.
func firstStop(b []byte) int {
	for i, c := range b {
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return -1
}

func TestStopAtMatchesByteLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Bytes near the boundaries the word tricks depend on.
	interesting := []byte{0, 1, 0x1f, 0x20, 0x21, '"' - 1, '"', '"' + 1, '\\' - 1, '\\', '\\' + 1, 0x7f, 0x80, 0x81, 0xff, 'a'}
	var b [8]byte
	for n := 0; n < 200000; n++ {
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = byte(rng.UintN(256))
			} else {
				b[i] = interesting[rng.IntN(len(interesting))]
			}
		}
		want := firstStop(b[:])
		m := stopAt(binary.LittleEndian.Uint64(b[:]))
		got := -1
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want {
			t.Fatalf("%q: stopAt says byte %d, want %d", b[:], got, want)
		}
		// stopNear may stop earlier, but only at a space or '!'.
		near := -1
		if m := stopNear(binary.LittleEndian.Uint64(b[:])); m != 0 {
			near = bits.TrailingZeros64(m) >> 3
		}
		switch {
		case near == want:
		case near >= 0 && (want < 0 || near < want) && (b[near] == ' ' || b[near] == '!'):
		default:
			t.Fatalf("%q: stopNear says byte %d, stopAt %d", b[:], near, want)
		}
	}
}
