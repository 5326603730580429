package mapping

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
)

// countSet counts the strings that are not "" (the reference for the
// filled sums) and the optionals that are set.
func countSet(ss []string, opts ...bool) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	for _, o := range opts {
		if o {
			n++
		}
	}
	return n
}

// TestCommerceCounts holds transactionCount, productCount and
// promotionCount to a count of the fields they name, on random commerce
// objects with every field set or not.
func TestCommerceCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	for range 2000 {
		f := randomCommerceFields(rng)
		if pa := f.pa; pa != nil {
			want := countSet([]string{pa.TransactionID, pa.Affiliation, pa.CouponCode, pa.CheckoutOptions, pa.ProductListSource, pa.ProductActionList},
				f.total.IsSet(), pa.ShippingAmount.IsSet(), pa.TaxAmount.IsSet(), pa.CheckoutStep.IsSet())
			require.Equal(t, want, transactionCount(pa, f.total))
		}
		if pr := f.pr; pr != nil {
			want := countSet([]string{pr.Name, pr.Brand, pr.Category, pr.Variant, pr.CouponCode}, pr.Position.IsSet())
			require.Equal(t, want, productCount(pr, false))
			want += countSet([]string{pr.ID}, pr.Price.IsSet(), true, pr.TotalProductAmount.IsSet() || pr.Price.IsSet())
			require.Equal(t, want, productCount(pr, true))
		}
		pm := &mparticle.Promotion{ID: randomText(rng, "id"), Name: randomText(rng, "n"), Creative: randomText(rng, "c"), Position: randomText(rng, "p")}
		require.Equal(t, countSet([]string{pm.ID, pm.Name, pm.Creative, pm.Position}), promotionCount(pm))
	}
}
