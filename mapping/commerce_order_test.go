package mapping

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// testState is a working state for calling props directly.
func testState(t *testing.T) *mapState {
	t.Helper()
	m, err := New(Settings{})
	require.NoError(t, err)
	return &mapState{mapCall: mapCall{m: m, b: &mparticle.Batch{}, evIdx: -1}}
}

// randomText is "", a short text, or (rarely) one longer than 255
// characters, which is cut and reported.
func randomText(rng *rand.Rand, name string) string {
	switch r := rng.IntN(60); {
	case r < 15:
		return ""
	case r == 15:
		return strings.Repeat("é", 250+rng.IntN(10)) // 255 characters or fewer may still be > 255 bytes
	case r == 16:
		return strings.Repeat(name, 300/len(name)+1)
	}
	return name + fmt.Sprint(rng.IntN(100))
}

func randomFloat(rng *rand.Rand) mparticle.Optional[float64] {
	switch rng.IntN(4) {
	case 0:
		return mparticle.Optional[float64]{}
	case 1:
		return mparticle.Set(float64(rng.IntN(1000)))
	}
	return mparticle.Set(float64(rng.IntN(100000)) / 100)
}

func randomInt(rng *rand.Rand) mparticle.Optional[int64] {
	if rng.IntN(3) == 0 {
		return mparticle.Optional[int64]{}
	}
	return mparticle.Set(int64(rng.IntN(10)))
}

// randomCommerceFields draws the fields of one expanded commerce object,
// in every combination setCommerce is called with.
func randomCommerceFields(rng *rand.Rand) *commerceFields {
	f := &commerceFields{}
	kind := rng.IntN(4) // purchase, item, total, impression
	if kind != 3 {
		f.pa = &mparticle.ProductAction{
			Action: mparticle.ActionPurchase, CheckoutStep: randomInt(rng),
			CheckoutOptions: randomText(rng, "opts"), ProductActionList: randomText(rng, "pal"),
			ProductListSource: randomText(rng, "pls"), TransactionID: randomText(rng, "T"),
			Affiliation: randomText(rng, "aff"), TaxAmount: randomFloat(rng),
			ShippingAmount: randomFloat(rng), CouponCode: randomText(rng, "order-coupon"),
		}
		f.total = randomFloat(rng)
	}
	if kind != 2 {
		f.pr = &mparticle.Product{
			ID: randomText(rng, "sku"), Name: randomText(rng, "name"), Brand: randomText(rng, "brand"),
			Category: randomText(rng, "cat"), Variant: randomText(rng, "var"), Position: randomInt(rng),
			Price: randomFloat(rng), Quantity: randomFloat(rng), CouponCode: randomText(rng, "product-coupon"),
			TotalProductAmount: randomFloat(rng),
		}
		f.item = kind != 0
	}
	switch kind {
	case 2:
		f.currency = randomText(rng, "USD")
	case 3:
		f.impressionList = randomText(rng, "list")
	}
	return f
}

// TestSetCommerceMatchesInOrder: setting a commerce object's own fields in
// key order gives the entries and the diagnostics, in their order, of
// setting them in the order of the mapping rules; and when nothing is cut
// the list comes out sorted, with nothing left for finish to sort.
func TestSetCommerceMatchesInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 11))
	n := 3000
	if testing.Short() {
		n = 500
	}
	sortedSeen := 0
	for i := range n {
		f := randomCommerceFields(rng)

		ref := testState(t)
		rp := ref.newProps(0)
		rp.setCommerceInOrder(f)
		want := slices.Clone(rp.out)
		sortProps(want)

		st := testState(t)
		p := st.newProps(0)
		p.setCommerce(f)
		got := slices.Clone(p.out)
		if !f.hasLong() {
			require.False(t, p.unsorted, "case %d: own fields not set in key order: %v", i, keysOf(p.out))
			require.True(t, slices.IsSortedFunc(got, compareProps), "case %d: %v", i, keysOf(got))
			sortedSeen++
		}
		sortProps(got)
		require.Equal(t, propsText(want), propsText(got), "case %d", i)
		require.Equal(t, ref.res.Diagnostics, st.res.Diagnostics, "case %d", i)
		require.Equal(t, propsText(rp.finish()), propsText(p.finish()), "case %d", i)
	}
	require.Greater(t, sortedSeen, n/3)
}

// TestSetPromotionMatchesInOrder is TestSetCommerceMatchesInOrder for a
// promotion's fields.
func TestSetPromotionMatchesInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 12))
	for i := range 500 {
		pm := &mparticle.Promotion{
			ID: randomText(rng, "P"), Name: randomText(rng, "promo"),
			Creative: randomText(rng, "banner"), Position: randomText(rng, "top"),
		}
		ref := testState(t)
		rp := ref.newProps(0)
		rp.promotionFields(pm)
		st := testState(t)
		p := st.newProps(0)
		p.setPromotion(pm)
		if len(pm.ID) <= maxLen && len(pm.Name) <= maxLen && len(pm.Creative) <= maxLen && len(pm.Position) <= maxLen {
			require.False(t, p.unsorted, "case %d: %v", i, keysOf(p.out))
		}
		require.Equal(t, ref.res.Diagnostics, st.res.Diagnostics, "case %d", i)
		require.Equal(t, propsText(rp.finish()), propsText(p.finish()), "case %d", i)
	}
}

// TestFinishSortsOutOfOrderKeys: a list whose keys came out of order is
// sorted by finish, one that came in order is left as it is.
func TestFinishSortsOutOfOrderKeys(t *testing.T) {
	st := testState(t)
	p := st.newProps(0)
	for _, k := range []string{"b", "a", "c"} {
		p.push(k, braze.String(k))
	}
	require.True(t, p.unsorted)
	require.Equal(t, []string{"a", "b", "c"}, keysOf(p.finish()))

	p = st.newProps(0)
	for _, k := range []string{"A", "B", "a"} {
		p.push(k, braze.String(k))
	}
	require.False(t, p.unsorted)
	require.Equal(t, []string{"A", "B", "a"}, keysOf(p.finish()))
}

// propsText is ps as text, keys and values in list order.
func propsText(ps braze.Properties) string {
	var b strings.Builder
	for i := range ps {
		fmt.Fprintf(&b, "%q=%s(%s) ", ps[i].Key, ps[i].Value.Kind(), ps[i].Value.String())
	}
	return b.String()
}

// TestSortInPlaceFrom: a list of two sorted runs (or more) is sorted from
// the end of the first, as finish does for a list that came out of order
// at sortedLen, keeping each key with its value.
func TestSortInPlaceFrom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{2, 3, 5, 8, 16, stackSort, stackSort + 5} {
		for range 200 {
			ps := make(braze.Properties, n)
			for i, j := range rng.Perm(n) {
				ps[i] = braze.Prop(fmt.Sprintf("k%03d", j), braze.Int(int64(j)))
			}
			from := 1 + rng.IntN(n)
			slices.SortFunc(ps[:from], compareProps) // the known-sorted prefix
			sortInPlaceFrom(ps, from)
			for i, p := range ps {
				require.Equal(t, fmt.Sprintf("k%03d", i), p.Key, "n %d from %d", n, from)
				require.Equal(t, braze.Int(int64(i)), p.Value)
			}
		}
	}
}

// TestPropsSortedLen: finish sorts a list whose keys came in two sorted
// runs, also after addCustom undid an attempt.
func TestPropsSortedLen(t *testing.T) {
	st := testState(t)
	p := st.newProps(0)
	for _, k := range []string{"b", "d", "f", "a", "c", "e"} {
		p.push(k, braze.String(k))
	}
	require.True(t, p.unsorted)
	require.Equal(t, 3, p.sortedLen)
	require.Equal(t, []string{"a", "b", "c", "d", "e", "f"}, keysOf(p.finish()))

	// Custom attributes that collide are added again in sorted order
	// after an undone attempt: the list's state is as before the attempt.
	p = st.newProps(0)
	p.push("m", braze.String("m"))
	p.push("z", braze.String("z"))
	p.push("b", braze.String("b"))
	attrs := mparticle.Attributes{
		{Key: "y", Value: mparticle.StringAttr("1")},
		{Key: "$y", Value: mparticle.StringAttr("2")},
		{Key: "a", Value: mparticle.StringAttr("3")},
	}
	p.addCustom(attrs)
	require.True(t, p.unsorted)
	require.Equal(t, 2, p.sortedLen)
	require.Equal(t, []string{"a", "b", "m", "y", "z"}, keysOf(p.finish()))
}
