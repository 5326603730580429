package mparticle_test

import (
	"fmt"
	"log"
	"time"

	"github.com/mpbraze/mpbraze/mparticle"
)

func ExampleNewBatch() {
	at := time.Date(2024, 5, 1, 19, 0, 0, 0, time.UTC)

	batch := mparticle.NewBatch(mparticle.EnvironmentProduction)
	batch.MPID = mparticle.Set(int64(4611686018427387904))
	if err := batch.SetIdentity(mparticle.IdentityCustomerID, "cust-88412"); err != nil {
		log.Fatal(err)
	}
	if err := batch.SetUserAttribute(mparticle.AttrFirstName, "Ada"); err != nil {
		log.Fatal(err)
	}

	shared, err := mparticle.NewCustomEvent("Wishlist Shared", mparticle.CustomSocial,
		map[string]any{"channel": "sms", "item_count": 4}, mparticle.At(at))
	if err != nil {
		log.Fatal(err)
	}
	purchase, err := mparticle.NewPurchase("ORD-7781", 150, "USD",
		[]mparticle.Product{mparticle.NewProduct("SKU-TENT-2P", "Ridge 2P Tent", 150, 1)},
		nil, mparticle.At(at.Add(time.Minute)))
	if err != nil {
		log.Fatal(err)
	}
	batch.AddEvent(shared, purchase, mparticle.NewPushRegistration("apns-token", mparticle.At(at)))

	if err := batch.Validate(); err != nil {
		log.Fatal(err)
	}
	out, err := batch.Encode()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"events":[{"event_type":"custom_event","data":{"timestamp_unixtime_ms":1714590000000,"custom_attributes":{"channel":"sms","item_count":4},"event_name":"Wishlist Shared","custom_event_type":"social"}},{"event_type":"commerce_event","data":{"timestamp_unixtime_ms":1714590060000,"product_action":{"action":"purchase","transaction_id":"ORD-7781","total_amount":150,"products":[{"id":"SKU-TENT-2P","name":"Ridge 2P Tent","price":150,"quantity":1}]},"currency_code":"USD"}},{"event_type":"push_registration","data":{"timestamp_unixtime_ms":1714590000000,"register":true,"registration_token":"apns-token"}}],"environment":"production","mpid":4611686018427387904,"user_identities":{"customer_id":"cust-88412"},"user_attributes":{"$FirstName":"Ada"}}
}
