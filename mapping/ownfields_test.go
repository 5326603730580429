package mapping

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// TestCommerceFieldsCount: count, the room setCommerce makes for its
// fields, is what it sets or one more (both Coupon Codes counted), on
// random commerce objects; the callers' own count (transactionCount plus
// productCount, passed as counted) is count for the objects they make.
func TestCommerceFieldsCount(t *testing.T) {
	forCommerceFields(21, 8, 3000, func(i int, _ *rand.Rand, f *commerceFields) {
		st := testState(t)
		p := st.newProps(0)
		p.setCommerce(f)
		n := f.count()
		require.GreaterOrEqual(t, n, len(p.out), "case %d: %v", i, keysOf(p.out))
		require.LessOrEqual(t, n, len(p.out)+1, "case %d: %v", i, keysOf(p.out))
		if f.pa != nil && f.pr != nil && f.currency == "" && f.impressionList == "" {
			require.Equal(t, transactionCount(f.pa, f.total)+productCount(f.pr, f.item), n, "case %d", i)
		}
		counted := *f
		counted.counted = 99
		require.Equal(t, 99, counted.count())
		p.release()
	})
}

// forCommerceFields calls f with n random commerce objects drawn from
// the seeds' generator (those with a field over maxLen skipped), their
// case number and the generator, for draws of f's own.
func forCommerceFields(seed1, seed2 uint64, n int, f func(i int, rng *rand.Rand, cf *commerceFields)) {
	rng := rand.New(rand.NewPCG(seed1, seed2))
	for i := range n {
		cf := randomCommerceFields(rng)
		if cf.hasLong() {
			continue
		}
		f(i, rng, cf)
	}
}

// TestSetCommerceIndexes: after setCommerce and setPromotion, into an
// empty list or after up to 20 entries (so that the list is indexed
// before, after, or not at all), find finds every key at its entry, and
// finish sorts the list.
func TestSetCommerceIndexes(t *testing.T) {
	forCommerceFields(22, 9, 2000, func(i int, rng *rand.Rand, f *commerceFields) {
		st := testState(t)
		p := st.newProps(rng.IntN(4))
		for k := range rng.IntN(21) {
			p.push(fmt.Sprintf("~custom%02d", k), braze.Int(int64(k))) // after every own key
		}
		if rng.IntN(4) == 0 {
			p.setPromotion(&mparticle.Promotion{ID: "p", Name: randomText(rng, "n"), Creative: "c"})
		} else {
			p.setCommerce(f)
		}
		for j := range p.out {
			require.Equal(t, j, p.find(p.out[j].Key), "case %d: %v", i, keysOf(p.out))
		}
		require.Equal(t, -1, p.find("absent"))
		require.Equal(t, !slices.IsSortedFunc(p.out, compareProps), p.unsorted, "case %d: %v", i, keysOf(p.out))
		out := p.finish()
		require.True(t, slices.IsSortedFunc(out, compareProps), "case %d: %v", i, keysOf(out))
	})
}

// TestKeyLess holds keyLess to a < b on keys that differ in their first,
// second or a later byte, are empty or one byte long, or equal.
func TestKeyLess(t *testing.T) {
	alphabet := []string{"", "a", "b", "p", "r", "P", "$", "é", "\xff", "\x00"}
	rng := rand.New(rand.NewPCG(23, 10))
	key := func() string {
		s := ""
		for range rng.IntN(4) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		return s
	}
	for range 200000 {
		a, b := key(), key()
		if rng.IntN(8) == 0 {
			b = a
		}
		require.Equal(t, a < b, keyLess(a, b), "%q < %q", a, b)
	}
	for _, c := range [][2]string{{"position", "premium"}, {"premium", "price"}, {"price", "premium"}, {"pa", "p"}, {"p", "pa"}, {"ab", "ab"}} {
		require.Equal(t, c[0] < c[1], keyLess(c[0], c[1]), "%q < %q", c[0], c[1])
	}
}

// TestSetCommerceShortCountGrows: a count that falls short of the
// fields setCommerce sets (as a field added to setCommerce but not to
// count would) costs a growth of the list, not a panic, and the list
// holds every field.
func TestSetCommerceShortCountGrows(t *testing.T) {
	forCommerceFields(23, 10, 500, func(i int, _ *rand.Rand, f *commerceFields) {
		want := testState(t).newProps(0)
		want.setCommerce(f)
		if len(want.out) == 0 {
			return
		}
		short := *f
		short.counted = 1 // no room made beyond one entry
		st := testState(t)
		p := st.newProps(0)
		p.out = make(braze.Properties, 0, 1) // exactly that room
		require.NotPanics(t, func() { p.setCommerce(&short) }, "case %d", i)
		require.Equal(t, keysOf(want.out), keysOf(p.out), "case %d", i)
	})
}
