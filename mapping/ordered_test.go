package mapping

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
)

// TestSetCommerceAfterEntries: into a list that holds entries already,
// setCommerce notes the order of its fields as slot always does (its
// skipping of that is for an empty list only), so a list that comes out
// of order is sorted by finish, and one that does not is left alone.
func TestSetCommerceAfterEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	unsortedSeen := 0
	for i := range 500 {
		f := randomCommerceFields(rng)
		if f.hasLong() {
			continue
		}
		st := testState(t)
		p := st.newProps(0)
		first := []string{"Zz", "Aa", "a"}[rng.IntN(3)] // after, before or after all own keys
		p.push(first, braze.String("x"))
		p.setCommerce(f)
		keys := keysOf(p.out)
		require.Equal(t, !slices.IsSortedFunc(p.out, compareProps), p.unsorted, "case %d: %v", i, keys)
		if p.unsorted {
			unsortedSeen++
		}
		out := p.finish()
		require.True(t, slices.IsSortedFunc(out, compareProps), "case %d: %v", i, keysOf(out))
		require.Len(t, out, len(keys))
	}
	require.Greater(t, unsortedSeen, 50)
}
