// Package jsonenc holds the JSON string escaper shared by the hand-written
// encoders of packages braze and mparticle, so that both write the same
// bytes for the same string: exactly what encoding/json.Marshal writes.
package jsonenc

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// safe marks the bytes that encoding/json writes verbatim inside a string
// with its default HTML escaping: printable ASCII except '"', '\\', '<',
// '>' and '&'. Bytes from 0x80 up are false: they start UTF-8 sequences
// that need checking. One table lookup per byte is the whole cost of the
// common, all-safe case.
var safe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range []byte{'"', '\\', '<', '>', '&'} {
		t[b] = false
	}
	return t
}()

// AppendString appends s to dst as a JSON string literal, byte for byte as
// encoding/json.Marshal writes it: '"' and '\\' and the control characters
// \b \f \n \r \t with a backslash, other control characters and '<' '>' '&'
// as \u00XX, U+2028 and U+2029 as \u2028 and \u2029 (JavaScript line
// terminators), and each byte of invalid UTF-8 as \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if safe[b] {
			i++
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
