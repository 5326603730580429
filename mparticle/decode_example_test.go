package mparticle_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/mpbraze/mpbraze/mparticle"
)

func ExampleDecodeBatch() {
	body := []byte(`{
	  "environment": "production",
	  "mpid": 4611686018427387904,
	  "user_identities": {"customerid": "cust-88412"},
	  "events": [
	    {"event_type": "custom_event", "data": {"event_name": "Wishlist Shared", "custom_event_type": "social",
	      "custom_attributes": {"channel": "sms", "item_count": 4}}},
	    {"event_type": "commerce_event", "data": {"currency_code": "USD",
	      "product_action": {"action": "purchase", "total_amount": 169.5, "products": [{"id": "SKU-TENT-2P", "price": 150.0, "quantity": 1}]}}},
	    {"event_type": "future_event", "data": {"anything": true}}
	  ]
	}`)
	batch, err := mparticle.DecodeBatch(body)
	if err != nil {
		log.Fatal(err)
	}
	mpid, _ := batch.MPID.Get()
	customer, _ := batch.UserIdentities.Get(mparticle.IdentityCustomerID)
	fmt.Println("mpid:", mpid, "customer:", customer)
	for i, ev := range batch.Events {
		switch d := ev.Data.(type) {
		case *mparticle.CustomEvent:
			count, _ := d.CustomAttributes.Get("item_count")
			n, _ := count.Int64()
			fmt.Printf("%d: custom %q (%s), item_count=%d\n", i, d.EventName, d.CustomEventType, n)
		case *mparticle.CommerceEvent:
			total, _ := d.ProductAction.TotalAmount.Get()
			fmt.Printf("%d: %s of %d product(s), %.2f %s\n", i, d.ProductAction.Action, len(d.ProductAction.Products), total, d.CurrencyCode)
		case *mparticle.UnknownEvent:
			fmt.Printf("%d: unknown type %q kept with %d raw field(s)\n", i, d.Type, len(d.Unknown))
		}
	}
	out, _ := batch.Encode()
	fmt.Println(strings.Contains(string(out), `"customerid":"cust-88412"`))
	// Output:
	// mpid: 4611686018427387904 customer: cust-88412
	// 0: custom "Wishlist Shared" (social), item_count=4
	// 1: purchase of 1 product(s), 169.50 USD
	// 2: unknown type "future_event" kept with 1 raw field(s)
	// true
}

func ExampleNewDecoder() {
	stream := strings.NewReader(`{"environment":"production","mpid":1}
{"environment":"production","mpid":2}
{"environment":"production","mpid":"three"}
{"environment":"development","mpid":4}
`)
	dec := mparticle.NewDecoder(stream)
	for {
		b, err := dec.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			fmt.Println(err)
			continue
		}
		mpid, _ := b.MPID.Get()
		fmt.Println(b.Environment, mpid)
	}
	// Output:
	// production 1
	// production 2
	// mparticle: decode batch 2 (line 3): mpid: expected number, got string (offset 35)
	// development 4
}
