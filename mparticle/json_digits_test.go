package mparticle

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
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

// TestFourDigits checks the four-digit step against strconv for every
// byte value in every position.
func TestFourDigits(t *testing.T) {
	for pos := range 4 {
		for c := range 256 {
			for _, s := range []string{"9876", "1009", "0000", "9999"} {
				b := []byte(s)
				b[pos] = byte(c)
				v, ok := fourDigits(binary.LittleEndian.Uint32(b))
				n, err := strconv.ParseUint(string(b), 10, 64)
				wantOK := err == nil && b[0] != '+' && b[0] != '-'
				if ok != wantOK || (ok && v != n) {
					t.Fatalf("fourDigits(%q) = %d, %v; want %d, %v", b, v, ok, n, wantOK)
				}
			}
		}
	}
}

// TestIntFastMatchesStrconv: intFast takes exactly the plain integers of
// at most 19 digits that fit int64 and are not followed by a fraction or
// exponent, with their value and length, wherever the input ends; it
// consumes nothing when it declines.
func TestIntFastMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	after := []string{"", ",", "}", "]", ".5", "e3", "E", " ", "x", "\"", "-", "/", ":"}
	for n := 0; n < 300000; n++ {
		b := randomLiteralStart(rng)
		digits := rng.IntN(26)
		if rng.IntN(3) == 0 {
			digits = 11 + rng.IntN(11) // timestamps, ids and the 19-digit edge
		}
		for i := range digits {
			c := byte('0' + rng.IntN(10))
			if i == 0 && rng.IntN(4) == 0 {
				c = '0'
			}
			if i == 0 && digits == 19 && rng.IntN(2) == 0 {
				c = '9' // near the ends of int64
			}
			b = append(b, c)
		}
		b = appendLiteralEnd(rng, b, after, 10)

		d := decoder{data: b}
		got, ok := d.intFast()

		// The definition: the literal's extent after any spaces, then
		// strconv.
		lead, first, p := literalDigits(b)
		wantOK := p > first && p-first <= 19 && (p-first == 1 || b[first] != '0') &&
			!(p < len(b) && (b[p] == '.' || b[p] == 'e' || b[p] == 'E'))
		var want int64
		if wantOK {
			v, err := strconv.ParseInt(string(b[lead:p]), 10, 64)
			if wantOK = err == nil; wantOK {
				want = v
			}
		}
		wantPos := 0
		if wantOK {
			wantPos = p
		}
		if ok != wantOK || got != want || d.pos != wantPos {
			t.Fatalf("intFast(%q) = %d, %v, pos %d; want %d, %v, pos %d", b, got, ok, d.pos, want, wantOK, wantPos)
		}
	}
}

// TestFloatFastMatchesStrconv: floatFast takes exactly the plain decimals
// (no leading zero, an optional fraction with at least one digit, no
// exponent) of at most 15 digits in all, with strconv's value and their
// length, wherever the input ends; it consumes nothing when it declines.
func TestFloatFastMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	after := []string{"", ",", "}", "]", ".", ".5", "e3", "E", " ", "x", "\"", "-", "/", ":"}
	for n := 0; n < 300000; n++ {
		b := randomLiteralStart(rng)
		digits := func(upTo int) {
			k := rng.IntN(upTo)
			for i := range k {
				c := byte('0' + rng.IntN(10))
				if i == 0 && rng.IntN(4) == 0 {
					c = '0'
				}
				b = append(b, c)
			}
		}
		digits(18)
		if rng.IntN(2) == 0 {
			b = append(b, '.')
			digits(18)
		}
		b = appendLiteralEnd(rng, b, after, 6)

		d := decoder{data: b}
		got, ok := d.floatFast()

		// The definition: the literal's extent after any spaces, then
		// strconv.
		lead, first, p := literalDigits(b)
		intDigits, fracDigits := p-first, 0
		wantOK := intDigits > 0 && (intDigits == 1 || b[first] != '0')
		if wantOK && p < len(b) && b[p] == '.' {
			p++
			fracStart := p
			for p < len(b) && b[p] >= '0' && b[p] <= '9' {
				p++
			}
			fracDigits = p - fracStart
			wantOK = fracDigits > 0
		}
		wantOK = wantOK && intDigits+fracDigits <= 15 && !(p < len(b) && (b[p] == 'e' || b[p] == 'E'))
		var want float64
		wantPos := 0
		if wantOK {
			v, err := strconv.ParseFloat(string(b[lead:p]), 64)
			if err != nil {
				t.Fatalf("%q: strconv rejects %q: %v", b, b[lead:p], err)
			}
			want, wantPos = v, p
		}
		if ok != wantOK || math.Float64bits(got) != math.Float64bits(want) || d.pos != wantPos {
			t.Fatalf("floatFast(%q) = %v, %v, pos %d; want %v, %v, pos %d", b, got, ok, d.pos, want, wantOK, wantPos)
		}
	}
}

// literalDigits is the reference reading of a number literal's start in
// b, written plainly for the fast readers' tests: lead is where the
// literal starts after any spaces, first its first digit (after an
// optional minus) and p the end of the digits from there.
func literalDigits(b []byte) (lead, first, p int) {
	for lead < len(b) && b[lead] == ' ' {
		lead++
	}
	p = lead
	if p < len(b) && b[p] == '-' {
		p++
	}
	first = p
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		p++
	}
	return lead, first, p
}

// randomLiteralStart and appendLiteralEnd build what surrounds the digits
// of the fast readers' random test literals (one copy for both tests):
// before them up to two spaces and, one time in four, a minus; after them
// one of after (what may follow a literal), then up to most-1 bytes from
// '0' to ';' (digits and the bytes just above them).
func randomLiteralStart(rng *rand.Rand) []byte {
	var b []byte
	for range rng.IntN(3) {
		b = append(b, ' ')
	}
	if rng.IntN(4) == 0 {
		b = append(b, '-')
	}
	return b
}

func appendLiteralEnd(rng *rand.Rand, b []byte, after []string, most int) []byte {
	b = append(b, after[rng.IntN(len(after))]...)
	for range rng.IntN(most) {
		b = append(b, byte('0'+rng.IntN(12)))
	}
	return b
}
