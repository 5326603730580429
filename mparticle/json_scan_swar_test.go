package mparticle

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strings"
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

// TestStopAtExhaustive: stopAt and stopNear find the first stop in every
// word of printable bytes with one or two bytes of any value put in.
func TestStopAtExhaustive(t *testing.T) {
	check := func(b []byte) {
		want := firstStop(b)
		got := -1
		if m := stopAt(binary.LittleEndian.Uint64(b)); m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want {
			t.Fatalf("%q: stopAt says byte %d, want %d", b, got, want)
		}
		near := -1
		if m := stopNear(binary.LittleEndian.Uint64(b)); m != 0 {
			near = bits.TrailingZeros64(m) >> 3
		}
		if near != want && (near < 0 || (want >= 0 && near > want) || (b[near] != ' ' && b[near] != '!')) {
			t.Fatalf("%q: stopNear says byte %d, stopAt %d", b, near, want)
		}
	}
	for i := range 8 {
		for c := range 256 {
			b := []byte("abcdefgh")
			b[i] = byte(c)
			check(b)
			for j := i + 1; j < 8; j++ {
				for c2 := range 256 {
					b2 := []byte("a#]~Z0[`")
					b2[i], b2[j] = byte(c), byte(c2)
					check(b2)
				}
			}
		}
	}
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

// quotedInput returns a random input for the string scanners and where
// the string in it starts: 0 to 9 bytes of fill, an opening quote, then 0
// to n-1 more bytes, each one of alphabet with a chance of 1 in oneIn,
// else a lowercase letter.
func quotedInput(rng *rand.Rand, n, oneIn int, alphabet []byte, fill func() byte) ([]byte, int) {
	pre := rng.IntN(10)
	buf := make([]byte, pre+1+rng.IntN(n))
	for i := range pre {
		buf[i] = fill()
	}
	buf[pre] = '"'
	for i := pre + 1; i < len(buf); i++ {
		if rng.IntN(oneIn) == 0 {
			buf[i] = alphabet[rng.IntN(len(alphabet))]
		} else {
			buf[i] = byte('a' + rng.IntN(26))
		}
	}
	return buf, pre
}

// TestPlainStringAgreesWithScanString: whenever plainString takes a
// string, scanString reads the same bounds and finds nothing to unescape;
// when it does not, it consumes nothing.
func TestPlainStringAgreesWithScanString(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{' ', '!', '"', '#', '\\', 'a', 'z', '0', 0x1f, 0x7f, 0x80, 0xc3, 0xa9, '/', ':'}
	for n := 0; n < 200000; n++ {
		// The string starts after a prefix of 0 to 9 bytes, so that its
		// bounds are not its offsets from the start of the string.
		buf, pre := quotedInput(rng, 40, 4, alphabet, func() byte { return byte('a' + rng.IntN(26)) })
		d := decoder{data: buf, pos: pre}
		start, end, ok := d.plainString()
		if !ok {
			if d.pos != pre {
				t.Fatalf("%q: plainString failed but consumed %d bytes", buf, d.pos-pre)
			}
			continue
		}
		pos := d.pos
		d2 := decoder{data: buf, pos: pre}
		s2, e2, slow, err := d2.scanString()
		if err != nil || slow || s2 != start || e2 != end || d2.pos != pos {
			t.Fatalf("%q: plainString [%d:%d] pos %d, scanString [%d:%d] pos %d slow %v err %v",
				buf, start, end, pos, s2, e2, d2.pos, slow, err)
		}
	}
}

// TestScanStringMatchesByteLoop: scanString's word steps (and its step
// over the input's last few bytes) find what scanStringRest, which looks
// at each byte, finds from the opening quote: the same bounds, the same
// need to unescape, the same error at the same offset, wherever the input
// ends.
func TestScanStringMatchesByteLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	alphabet := []byte{' ', '!', '"', '\\', 'a', 'u', '0', 'f', 0x1f, 0x7f, 0x80, 0xc3, 0xa9, '/', 'n'}
	for n := 0; n < 300000; n++ {
		buf, pre := quotedInput(rng, 24, 3, alphabet, func() byte { return 'x' })
		d := decoder{data: buf, pos: pre}
		start, end, slow, err := d.scanString()
		ref := decoder{data: buf, pos: pre}
		rs, re, rslow, rerr := ref.scanStringRest(pre+1, pre+1)
		if errText(err) != errText(rerr) || (err == nil && (start != rs || end != re || slow != rslow || d.pos != ref.pos)) {
			t.Fatalf("%q at %d: scanString = %d, %d, %v, %v, pos %d; byte loop = %d, %d, %v, %v, pos %d",
				buf, pre, start, end, slow, err, d.pos, rs, re, rslow, rerr, ref.pos)
		}
		if err != nil {
			if err.(*jsonError).offset != rerr.(*jsonError).offset {
				t.Fatalf("%q: error offsets %d and %d", buf, err.(*jsonError).offset, rerr.(*jsonError).offset)
			}
		}
	}
}

// TestScanStringNearInputEnd: a plain string is read wherever the input
// ends after it, with no unescaping, and one that the input cuts short is
// an error.
func TestScanStringNearInputEnd(t *testing.T) {
	forStringsNearInputEnd(func(in []byte, pre, n int) {
		d := decoder{data: in, pos: pre}
		start, end, slow, err := d.scanString()
		if err != nil || slow || start != pre+1 || end != pre+1+n || d.pos != end+1 {
			t.Errorf("%q at %d: scanString = %d, %d, %v, %v, pos %d", in, pre, start, end, slow, err, d.pos)
		}
		// Cut before the closing quote: not a string.
		cut := in[:pre+1+n]
		d = decoder{data: cut, pos: pre}
		if _, _, _, err := d.scanString(); err == nil {
			t.Errorf("%q at %d: scanString took an unterminated string", cut, pre)
		}
	})
}

// forStringsNearInputEnd calls f with inputs holding, after pre filler
// bytes, a plain string of n bytes (pre < 10, n < 20) and then one of a
// few endings of 0–8 bytes: the input ends within a word after the
// string, or right after it.
func forStringsNearInputEnd(f func(in []byte, pre, n int)) {
	for pre := range 10 {
		for n := range 20 {
			for _, tail := range []string{"", "}", "}}", ",\"k\":1}", "]}}"} {
				body := strings.Repeat("ab ", 7)[:n]
				f([]byte(strings.Repeat("x", pre)+`"`+body+`"`+tail), pre, n)
			}
		}
	}
}

// TestPlainStringNearInputEnd: plainString takes a plain string wherever
// the input ends after it (within the last word too, where it reads the
// input's last word shifted), with the same bounds as scanString, unless
// the whole input is shorter than a word (the careful path reads those);
// it declines one that the input cuts short, and one holding an escape,
// a control character or a non-ASCII byte, consuming nothing.
func TestPlainStringNearInputEnd(t *testing.T) {
	forStringsNearInputEnd(func(in []byte, pre, n int) {
		d := decoder{data: in, pos: pre}
		start, end, ok := d.plainString()
		if len(in) < 8 {
			if ok || d.pos != pre {
				t.Errorf("%q at %d: plainString = %d, %d, %v, pos %d", in, pre, start, end, ok, d.pos)
			}
		} else if !ok || start != pre+1 || end != pre+1+n || d.pos != end+1 {
			t.Errorf("%q at %d: plainString = %d, %d, %v, pos %d", in, pre, start, end, ok, d.pos)
		}
		cut := in[:pre+1+n]
		d = decoder{data: cut, pos: pre}
		if _, _, ok := d.plainString(); ok || d.pos != pre {
			t.Errorf("%q at %d: plainString took an unterminated string (pos %d)", cut, pre, d.pos)
		}
		for _, bad := range []byte{'\\', 0x1f, 0xc3} {
			for at := 0; at < n; at++ {
				b := bytes.Clone(in)
				b[pre+1+at] = bad
				d = decoder{data: b, pos: pre}
				if _, _, ok := d.plainString(); ok || d.pos != pre {
					t.Errorf("%q at %d: plainString took a string holding %#x (pos %d)", b, pre, bad, d.pos)
				}
			}
		}
	})
}

// plainMemberRef is plainMember's definition, a byte at a time: the key,
// and then the value, is taken when it is a string whose first stop byte
// (stopAt's: quote, backslash, control or non-ASCII) is its closing quote
// and lies in a word that starts a multiple of eight bytes after the
// opening quote and ends within the input; the key must be followed by
// ':'.
func plainMemberRef(data []byte, pos int) (ks, ke, vs, ve, got, end int) {
	str := func(p int) (int, bool) {
		if p >= len(data) || data[p] != '"' {
			return 0, false
		}
		q := p + 1
		for q < len(data) && data[q] != '"' && data[q] != '\\' && data[q] >= 0x20 && data[q] < 0x80 {
			q++
		}
		inWord := p+1+(q-p-1)/8*8+8 <= len(data)
		return q, q < len(data) && data[q] == '"' && inWord
	}
	q, ok := str(pos)
	if !ok || q+1 >= len(data) || data[q+1] != ':' {
		return 0, 0, 0, 0, memberNone, pos
	}
	q2, ok := str(q + 2)
	if !ok {
		return pos + 1, q, 0, 0, memberKey, q + 2
	}
	return pos + 1, q, q + 3, q2, memberString, q2 + 1
}

// TestPlainMemberMatchesDefinition: on random members (keys and values
// holding quotes, backslashes, colons, spaces, control and non-ASCII
// bytes, a colon or not, a quoted value or not, the input ending
// anywhere) plainMember returns the bounds, the result and the position
// of plainMemberRef; and whatever it takes, plainString takes too, with
// the same bounds.
func TestPlainMemberMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	alphabet := []byte{'"', '\\', ':', ' ', 0x1f, 0xc3, 'a', 'z', '0', ',', '}'}
	part := func(buf []byte, n int) []byte {
		for range n {
			if rng.IntN(6) == 0 {
				buf = append(buf, alphabet[rng.IntN(len(alphabet))])
			} else {
				buf = append(buf, byte('a'+rng.IntN(26)))
			}
		}
		return buf
	}
	for range 300000 {
		pre := rng.IntN(4)
		buf := part(nil, pre)
		buf = append(buf, '"')
		buf = part(buf, rng.IntN(20))
		if rng.IntN(5) > 0 {
			buf = append(buf, '"', ':')
			if rng.IntN(5) > 0 {
				buf = append(buf, '"')
			}
		}
		buf = part(buf, rng.IntN(24))
		buf = buf[:len(buf)-rng.IntN(min(len(buf)-pre, 4))]
		d := decoder{data: buf, pos: pre}
		ks, ke, vs, ve, got := d.plainMember()
		rks, rke, rvs, rve, rgot, rend := plainMemberRef(buf, pre)
		if ks != rks || ke != rke || vs != rvs || ve != rve || got != rgot || d.pos != rend {
			t.Fatalf("%q at %d: plainMember = %d, %d, %d, %d, %d, pos %d; want %d, %d, %d, %d, %d, pos %d",
				buf, pre, ks, ke, vs, ve, got, d.pos, rks, rke, rvs, rve, rgot, rend)
		}
		if got == memberNone {
			continue
		}
		ps := decoder{data: buf, pos: pre}
		if s, e, ok := ps.plainString(); !ok || s != ks || e != ke {
			t.Fatalf("%q at %d: plainMember took key [%d:%d], plainString %d, %d, %v", buf, pre, ks, ke, s, e, ok)
		}
		if got == memberString {
			ps.pos = ke + 2
			if s, e, ok := ps.plainString(); !ok || s != vs || e != ve {
				t.Fatalf("%q at %d: plainMember took value [%d:%d], plainString %d, %d, %v", buf, pre, vs, ve, s, e, ok)
			}
		}
	}
}
