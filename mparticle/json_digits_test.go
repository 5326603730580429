package mparticle

import (
	"encoding/binary"
	"strconv"
	"testing"
)

// TestEightDigits checks the word-at-a-time digit reader against strconv
// for every byte value in every position of a word of digits.
func TestEightDigits(t *testing.T) {
	check := func(b []byte) {
		t.Helper()
		v, ok := eightDigits(binary.LittleEndian.Uint64(b))
		n, err := strconv.ParseUint(string(b), 10, 64)
		if ok != (err == nil) || (ok && v != n) {
			t.Fatalf("eightDigits(%q) = %d, %v; want %d, %v", b, v, ok, n, err == nil)
		}
	}
	for _, s := range []string{"00000000", "12345678", "99999999", "10000000", "1234567a", "1234567/", "12345:78", " 2345678", "7,\"x\":12", "\xb1\x32\x33\x34\x35\x36\x37\x38"} {
		check([]byte(s))
	}
	for pos := range 8 {
		for c := range 256 {
			for _, s := range []string{"98765432", "10000009"} {
				b := []byte(s)
				b[pos] = byte(c)
				check(b)
			}
		}
	}
}
