package mparticle

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readProducts decodes lists into a stack array first; lists of every
// length around its size must come out whole, in order, and exactly sized.
func TestDecodeProductListsOfEveryLength(t *testing.T) {
	for n := 0; n <= 9; n++ {
		var items []string
		for k := 0; k < n; k++ {
			items = append(items, `{"id":"SKU-`+strconv.Itoa(k)+`","quantity":`+strconv.Itoa(k+1)+`}`)
		}
		in := `{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase","products":[` +
			strings.Join(items, ",") + `]}}}]}`
		b, err := DecodeBatch([]byte(in))
		require.NoError(t, err, "n=%d", n)
		products := b.Events[0].Data.(*CommerceEvent).ProductAction.Products
		require.NotNil(t, products, "n=%d: an empty list is not absent", n)
		require.Len(t, products, n)
		assert.Equal(t, n, cap(products), "n=%d: exactly sized", n)
		for k, p := range products {
			assert.Equal(t, "SKU-"+strconv.Itoa(k), p.ID)
			assert.Equal(t, float64(k+1), p.Quantity.Or(0))
		}
		assert.Equal(t, in, roundTrip(t, in))
	}
}

func TestDecodeProductListNullAndErrors(t *testing.T) {
	in := `{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase","products":null}}}]}`
	assert.Equal(t, in, roundTrip(t, in))

	for _, tc := range []struct{ products, path string }{
		{`{}`, "events[0].data.product_action.products"},
		{`[{"id":1}]`, "events[0].data.product_action.products[0].id"},
		{`[{},{},{},{},{},{"quantity":"x"}]`, "events[0].data.product_action.products[5].quantity"},
		{`[{},{}`, "events[0].data.product_action.products"},
	} {
		in := `{"events":[{"event_type":"commerce_event","data":{"product_action":{"products":` + tc.products + `}}}]}`
		_, err := DecodeBatch([]byte(in))
		var de *DecodeError
		require.ErrorAs(t, err, &de, tc.products)
		assert.Equal(t, tc.path, de.Path, tc.products)
	}
}
