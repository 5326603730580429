package mapping

import (
	"cmp"
	"slices"
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

// sortedKeysInto is sortedKeys appending to buf, so that callers can keep
// the keys of small maps on the stack.
func sortedKeysInto[K cmp.Ordered, V any](m map[K]V, buf []K) []K {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}
