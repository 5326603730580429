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
