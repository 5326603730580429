package mapping

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPurchaseQuantities: a purchased product becomes one purchase of its
// quantity when that is a whole number from 1 to 100 (set up in place),
// purchases of at most 100 each up to 10000, one purchase of quantity 1 at
// price × quantity when fractional or larger, and none when not positive;
// MapInto gives what Map gives.
func TestPurchaseQuantities(t *testing.T) {
	m, err := New(Settings{})
	require.NoError(t, err)
	for _, c := range []struct {
		q          string
		quantities []int
		price      float64
	}{
		{"1", []int{1}, 2}, {"3", []int{3}, 2}, {"99", []int{99}, 2}, {"100", []int{100}, 2},
		{"101", []int{100, 1}, 2}, {"250", []int{100, 100, 50}, 2}, {"10000", slicesOf(100, 100), 2},
		{"10001", []int{1}, 20002}, {"2.5", []int{1}, 5}, {"0.5", []int{1}, 1}, {"0", nil, 0}, {"-3", nil, 0},
	} {
		b := decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},"events":[
			{"event_type":"commerce_event","data":{"timestamp_unixtime_ms":1714590000000,"currency_code":"USD",
			"product_action":{"action":"purchase","products":[{"id":"S","price":2,"quantity":`+c.q+`}]}}}]}`)
		r := m.Map(b)
		var got []int
		for _, p := range r.Purchases {
			got = append(got, p.Quantity)
			require.Equal(t, c.price, p.Price, "quantity %s", c.q)
			require.Equal(t, "S", p.ProductID)
			require.Equal(t, "USD", p.Currency)
			require.Equal(t, r.Identifier, p.Identifier)
			require.NotEmpty(t, p.Properties, "quantity %s", c.q)
		}
		require.Equal(t, c.quantities, got, "quantity %s", c.q)
		var into Result
		m.MapInto(&into, b)
		require.Equal(t, r, into, "quantity %s", c.q)
	}
}

// slicesOf returns n copies of v.
func slicesOf(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}
