package mapping

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxLen is Braze's limit, in characters, on keys and string values.
const maxLen = 255

// sortedKeys returns the keys of m in order, so that everything derived from
// a map is deterministic.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lowerInto appends s lower-cased to buf, for case-insensitive lookups
// (m[string(b)] does not allocate): ASCII is lowered in place, anything
// else as strings.ToLower does. When buf has the room (the callers' stack
// buffers nearly always do) it is filled by index in one pass: an append
// per byte (a capacity check and a length store each) after a separate
// pass looking for non-ASCII cost about twice as much.
func lowerInto(buf []byte, s string) []byte {
	n := len(buf)
	if cap(buf)-n < len(s) {
		return lowerAppend(buf, s)
	}
	buf = buf[:n+len(s)]
	dst := buf[n:]
	for i := 0; i < len(s) && i < len(dst); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(buf[:n], strings.ToLower(s)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return buf
}

// lowerAppend is lowerInto for a buf without the room for s.
func lowerAppend(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(buf, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// isBlank reports whether s is empty or white space only, as
// strings.TrimSpace(s) == "" does.
func isBlank(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c > ' ' && c < utf8.RuneSelf {
		return false // the usual case: a printable ASCII first byte
	}
	return strings.TrimSpace(s) == ""
}

// productKey names a product field in diagnostics: "products[i].field".
func productKey(i int, field string) string {
	return "products[" + strconv.Itoa(i) + "]." + field
}
