// Package jsonenc holds the JSON string escaper shared by the hand-written
// encoders of packages braze and mparticle, so that both write the same
// bytes for the same string: exactly what encoding/json.Marshal writes.
package jsonenc

import (
	"encoding/binary"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// safe marks the bytes that encoding/json writes verbatim inside a string
// with its default HTML escaping: printable ASCII except '"', '\\', '<',
// '>' and '&'. Bytes from 0x80 up are false: they start UTF-8 sequences
// that need checking.
var safe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range []byte{'"', '\\', '<', '>', '&'} {
		t[b] = false
	}
	return t
}()

// Word-at-a-time constants: lo has 0x01 in every byte, hi 0x80.
const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// wordSafe reports whether all eight bytes of w are safe, with one branch
// (see wordUnsafe for the three safe bytes it does not recognise).
func wordSafe(w uint64) bool { return wordUnsafe(w)&hi == 0 }

// wordUnsafe returns a word whose high bits (masked with hi) are all clear
// when every byte of w is safe and none is '^', '|' or '~'; callers with
// several words OR their answers and test them once. Bytes that are not
// safe: any with the high bit (non-ASCII), kept by the OR with w itself;
// any below 0x20, which gets the high bit when 0x20 is subtracted; and the
// five specials, found as zero bytes after an XOR and a mask: '"' (0x22)
// and '&' (0x26) differ only in bit 0x04, so masking it finds both with
// one test; '<' (0x3c), '>' (0x3e) and '\\' (0x5c) differ only in bits
// 0x02, 0x20 and 0x40, so masking those finds all three with one test,
// and with them the five other bytes that differ from '<' only there:
// 0x1c and 0x1e (control characters, unsafe anyway), '^' (0x5e), '|'
// (0x7c) and '~' (0x7e). Those three are safe but reported unsafe: a
// false alarm that only sends a string holding one to the byte-exact path
// (appendLong, appendEscaped), rare characters in keys and values, for one
// test less per word on every string. Every caller treats "unsafe" so;
// none concludes that a word holds a byte to escape.
//
// When every byte is ASCII (else the answer is "unsafe" anyway) so is
// every byte of the XORed and masked words, and x-lo sets a byte's high
// bit only at a zero byte or through a borrow, which starts only at a zero
// byte: without the usual &^x the zero-byte test is exact as to whether
// some byte is zero, as is the subtraction of 0x20 as to whether some byte
// is below it.
func wordUnsafe(w uint64) uint64 {
	q := (w ^ (0x22 * lo)) &^ (0x04 * lo)
	a := (w ^ (0x3c * lo)) &^ (0x62 * lo)
	return w | (w - 0x20*lo) | (q - lo) | (a - lo)
}

// Load64 reads s[i:i+8] as a little-endian word (the compiler merges the
// byte loads into one): the string counterpart of
// binary.LittleEndian.Uint64, for word-at-a-time scans here and in braze.
func Load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// load32 reads s[i:i+4] as a little-endian word.
func load32(s string, i int) uint64 {
	s = s[i : i+4]
	return uint64(uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24)
}

// safePrefix returns the index of the first byte of s that is not safe,
// or len(s) when every byte is. It tests eight bytes per step (strings of
// 4 to 8 bytes as two overlapping 4-byte halves, the tail of longer ones
// as the overlapping last eight bytes) and looks at single bytes only in
// a word the test flags, to find which one it is: so a string with a byte
// to escape is scanned once up to it, and appendEscaped's next call starts
// after it (a prefix cut short at the flagged word made appendEscaped step
// through the safe bytes before an '&' one call at a time). A word flagged
// for a false alarm only ('^', '|', '~', see wordUnsafe) is passed over.
func safePrefix(s string) int {
	n := len(s)
	if n < 8 {
		if n >= 4 && wordSafe(load32(s, 0)|load32(s, n-4)<<32) {
			return n
		}
		return firstUnsafe(s, 0, n)
	}
	i := 0
	for ; i+8 <= n; i += 8 {
		if !wordSafe(Load64(s, i)) {
			if j := firstUnsafe(s, i, i+8); j < i+8 {
				return j
			}
		}
	}
	if i < n && !wordSafe(Load64(s, n-8)) {
		return firstUnsafe(s, i, n) // the bytes before i are safe
	}
	return n
}

// firstUnsafe returns the index of the first byte of s[from:to] that is
// not safe, or to.
func firstUnsafe(s string, from, to int) int {
	for i := from; i < to; i++ {
		if !safe[s[i]] {
			return i
		}
	}
	return to
}

// AppendString appends s to dst as a JSON string literal, byte for byte as
// encoding/json.Marshal writes it: '"' and '\\' and the control characters
// \b \f \n \r \t with a backslash, other control characters and '<' '>' '&'
// as \u00XX, U+2028 and U+2029 as \u2028 and \u2029 (JavaScript line
// terminators), and each byte of invalid UTF-8 as \ufffd.
//
// The common string needs no escape at all: it is found by a scan of eight
// bytes per step and copied with one append, or, for most keys and values,
// checked and stored as the words it was loaded in (see appendQuoted).
//
// Like append, it writes only the bytes it appends; it may grow dst a
// little earlier than append would (it wants 24 bytes of room for the
// fixed-size stores of a short string).
func AppendString(dst []byte, s string) []byte { return appendQuoted(dst, s, '"') }

// AppendKey appends s as a JSON string literal followed by ':', the form of
// an object key. Like AppendString, it writes only the bytes it appends.
func AppendKey(dst []byte, s string) []byte { return appendQuoted(dst, s, ':') }

// appendQuoted appends s as a JSON string literal, followed by last unless
// last is '"'. A string of 1 to 16 bytes that needs no escape (most keys
// and values) is read as two words (4-byte words under 8 bytes, single
// bytes under 4) that overlap unless s is exactly two words long, tested
// once, and written back as the same words: no copy call. The others go
// through appendLong.
func appendQuoted(dst []byte, s string, last byte) []byte {
	n := len(s)
	if n == 0 || n > 16 {
		return appendLong(dst, s, last)
	}
	var w0, w1 uint64
	switch {
	case n >= 8:
		w0, w1 = Load64(s, 0), Load64(s, n-8)
		if (wordUnsafe(w0)|wordUnsafe(w1))&hi != 0 {
			return appendLong(dst, s, last)
		}
	case n >= 4:
		w0, w1 = load32(s, 0), load32(s, n-4)
		if !wordSafe(w0 | w1<<32) {
			return appendLong(dst, s, last)
		}
	default:
		// 1 to 3 bytes: s[0], s[n/2] and s[n-1] are all of them; the
		// word's five other bytes are filled with a safe 'a'.
		w0 = uint64(s[0]) | uint64(s[n>>1])<<8 | uint64(s[n-1])<<16 | 0x6161616161<<24
		if !wordSafe(w0) {
			return appendLong(dst, s, last)
		}
	}
	size := n + 2
	if last != '"' {
		size++
	}
	d := len(dst)
	// The stores below go through a fixed-size view of 24 bytes from d, so
	// that none needs a bounds check; they write only the literal's bytes
	// (the words overlap inside it), never past it.
	if cap(dst)-d < 24 {
		dst = append(dst[:cap(dst)], make([]byte, 24)...)
	}
	b := (*[24]byte)(dst[d : d+24])
	b[0] = '"'
	switch {
	case n >= 8:
		binary.LittleEndian.PutUint64(b[1:], w0)
		binary.LittleEndian.PutUint64(b[n-7:], w1)
	case n >= 4:
		binary.LittleEndian.PutUint32(b[1:], uint32(w0))
		binary.LittleEndian.PutUint32(b[n-3:], uint32(w1))
	default:
		b[1], b[n>>1+1], b[n] = byte(w0), byte(w0>>8), byte(w0>>16)
	}
	b[n+1] = '"'
	if last != '"' {
		// Only a key has a byte after its closing quote: writing last
		// unconditionally would leave a stray byte past the literal.
		b[n+2] = last
	}
	return dst[:d+size]
}

// AppendKeyString appends `"k":"v"`, a member with a string value: the
// bytes of AppendString(AppendKey(dst, k), v). When both strings are 1 to
// 16 bytes long and need no escape (most members of the objects sent),
// the pair is checked and written as appendQuoted writes one string, with
// one call, one test and one room check for both; the others go through
// appendQuoted twice. Like append, it writes only the bytes it appends.
func AppendKeyString(dst []byte, k, v string) []byte {
	nk, nv := len(k), len(v)
	if uint(nk-1) >= 16 || uint(nv-1) >= 16 {
		return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
	}
	// Each string is loaded and tested as in appendQuoted (written out
	// twice: a function for it is too big to be inlined); one string's
	// words are tested before the other's are loaded, which leaves the
	// compiler registers enough for the test's constants. Under 8 bytes,
	// the one word is all of the string.
	var k0, k1, v0, v1 uint64
	switch {
	case nk >= 8:
		k0, k1 = Load64(k, 0), Load64(k, nk-8)
		if (wordUnsafe(k0)|wordUnsafe(k1))&hi != 0 {
			return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
		}
	case nk >= 4:
		k0 = load32(k, 0) | load32(k, nk-4)<<32
		if !wordSafe(k0) {
			return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
		}
	default:
		k0 = uint64(k[0]) | uint64(k[nk>>1])<<8 | uint64(k[nk-1])<<16 | 0x6161616161<<24
		if !wordSafe(k0) {
			return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
		}
	}
	switch {
	case nv >= 8:
		v0, v1 = Load64(v, 0), Load64(v, nv-8)
		if (wordUnsafe(v0)|wordUnsafe(v1))&hi != 0 {
			return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
		}
	case nv >= 4:
		v0 = load32(v, 0) | load32(v, nv-4)<<32
		if !wordSafe(v0) {
			return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
		}
	default:
		v0 = uint64(v[0]) | uint64(v[nv>>1])<<8 | uint64(v[nv-1])<<16 | 0x6161616161<<24
		if !wordSafe(v0) {
			return appendQuoted(appendQuoted(dst, k, ':'), v, '"')
		}
	}
	d := len(dst)
	// The stores go through a fixed-size view of 40 bytes from d (the
	// pair takes at most 37), as in appendQuoted: they write only the
	// pair's bytes.
	if cap(dst)-d < 40 {
		dst = append(dst[:cap(dst)], make([]byte, 40)...)
	}
	b := (*[40]byte)(dst[d : d+40])
	b[0] = '"'
	putShort((*[16]byte)(b[1:17]), nk, k0, k1)
	b[nk+1], b[nk+2], b[nk+3] = '"', ':', '"'
	putShort((*[16]byte)(b[nk+4:nk+20]), nv, v0, v1)
	b[nk+nv+4] = '"'
	return dst[:d+nk+nv+5]
}

// putShort stores the n bytes (1 to 16) of a string loaded as
// appendQuoted loads it (w1 is used only from 8 bytes on) at b[0:n], and
// nothing past them.
func putShort(b *[16]byte, n int, w0, w1 uint64) {
	switch {
	case n >= 8:
		binary.LittleEndian.PutUint64(b[0:], w0)
		binary.LittleEndian.PutUint64(b[n-8:], w1)
	case n >= 4:
		binary.LittleEndian.PutUint32(b[0:], uint32(w0))
		binary.LittleEndian.PutUint32(b[n-4:], uint32(w0>>32))
	default:
		b[0], b[n>>1], b[n-1] = byte(w0), byte(w0>>8), byte(w0>>16)
	}
}

// appendLong is appendQuoted for the strings it does not write itself: it
// finds the first byte that may need an escape by safePrefix's scan, copies
// what comes before it with one append, and escapes from there.
func appendLong(dst []byte, s string, last byte) []byte {
	i := safePrefix(s)
	dst = append(dst, '"')
	if i == len(s) {
		dst = append(dst, s...)
		dst = append(dst, '"')
	} else {
		dst = appendEscaped(dst, s, i)
	}
	if last != '"' {
		dst = append(dst, last)
	}
	return dst
}

// appendEscaped appends the rest of the string literal (the opening quote
// is written) from s[i], the first byte that may need an escape; s[:i] is
// safe.
func appendEscaped(dst []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		b := s[i]
		if safe[b] {
			i += safePrefix(s[i:]) // at least 1: s[i] is safe
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
