package mapping_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// New and Map: one mParticle batch becomes the Braze /users/track objects
// of its user, with a diagnostic for everything that was changed or left
// out.
func ExampleNew() {
	m, err := mapping.New(mapping.Settings{
		EnableTypeDetection: true,
		Now:                 func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	batch, err := mparticle.DecodeBatch([]byte(`{
	  "environment": "production",
	  "source_request_id": "req-1",
	  "user_identities": {"customer_id": "cust-88412", "email": "ada@example.org"},
	  "user_attributes": {"$FirstName": "Ada", "$Gender": "female", "tier": "gold"},
	  "events": [
	    {"event_type": "custom_event", "data": {"event_name": "Wishlist Shared", "custom_event_type": "social",
	      "timestamp_unixtime_ms": 1714590012000, "custom_attributes": {"channel": "sms", "item_count": "4"}}},
	    {"event_type": "commerce_event", "data": {"currency_code": "USD", "timestamp_unixtime_ms": 1714590090000,
	      "product_action": {"action": "purchase", "transaction_id": "ORD-1", "total_amount": 150,
	        "products": [{"id": "SKU-TENT-2P", "name": "Ridge 2P Tent", "price": 150, "quantity": 1}]}}},
	    {"event_type": "crash_report", "data": {"message": "boom", "timestamp_unixtime_ms": 1714590100000}}
	  ]
	}`))
	if err != nil {
		panic(err)
	}

	res := m.Map(batch)
	req := res.TrackRequest()
	out, _ := json.MarshalIndent(&req, "", "  ")
	fmt.Println(string(out))
	for _, d := range res.Diagnostics {
		fmt.Println(d)
	}
	// Output:
	// {
	//   "attributes": [
	//     {
	//       "external_id": "cust-88412",
	//       "email": "ada@example.org",
	//       "first_name": "Ada",
	//       "gender": "F",
	//       "tier": "gold"
	//     }
	//   ],
	//   "events": [
	//     {
	//       "external_id": "cust-88412",
	//       "name": "Wishlist Shared",
	//       "time": "2024-05-01T19:00:12Z",
	//       "properties": {
	//         "channel": "sms",
	//         "item_count": 4
	//       }
	//     }
	//   ],
	//   "purchases": [
	//     {
	//       "external_id": "cust-88412",
	//       "product_id": "SKU-TENT-2P",
	//       "currency": "USD",
	//       "price": 150,
	//       "quantity": 1,
	//       "time": "2024-05-01T19:01:30Z",
	//       "properties": {
	//         "Name": "Ridge 2P Tent",
	//         "Total Amount": 150,
	//         "Transaction Id": "ORD-1"
	//       }
	//     }
	//   ]
	// }
	// event_skipped batch="req-1" event=2 name="crash_report": event type "crash_report" has no Braze equivalent
}

// FromKitConfig reads the settings mParticle hands to the Braze kit.
func ExampleFromKitConfig() {
	s, err := mapping.FromKitConfig(map[string]string{
		"apiKey":                    "braze-app-id",
		"userIdentificationType":    "Other2",
		"enableTypeDetection":       "True",
		"bundleCommerceEventData":   "False",
		"replaceSkuWithProductName": "True",
		"forwardScreenViews":        "True",
		"subscriptionGroupMapping":  `[{"map":"newsletter","value":"9b2f6c2e-0000-4000-8000-000000000001"}]`,
		"eaa":                       `{"1086381786":"channels"}`,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(s.ExternalIdentityType, s.EnableTypeDetection, s.ReplaceSkuWithProductName, s.ForwardScreenViews)
	fmt.Println(s.SubscriptionGroupMapping["newsletter"])
	fmt.Println(s.EventAttributeMappings[0].Action, s.EventAttributeMappings[0].KitHash, s.EventAttributeMappings[0].UserAttribute)

	_, err = mapping.FromKitConfig(map[string]string{"userIdentificationType": "Loyalty"})
	fmt.Println(err != nil)
	// Output:
	// other_id_2 true true true
	// 9b2f6c2e-0000-4000-8000-000000000001
	// eaa 1086381786 channels
	// true
}

// MapInto: a loop that maps batch after batch into one Result, reusing its
// memory. Whatever the result holds must be used (here: encoded) before
// the next call overwrites it.
func ExampleMapper_MapInto() {
	m, err := mapping.New(mapping.Settings{})
	if err != nil {
		panic(err)
	}
	var res mapping.Result // one per goroutine
	var body []byte
	for _, raw := range []string{
		`{"environment": "production", "user_identities": {"customer_id": "c-1"},
		  "events": [{"event_type": "custom_event", "data": {"event_name": "Opened",
		    "timestamp_unixtime_ms": 1714590012000, "custom_attributes": {"screen": "home", "count": 2}}}]}`,
		`{"environment": "production", "user_identities": {"customer_id": "c-2"},
		  "events": [{"event_type": "custom_event", "data": {"event_name": "Closed",
		    "timestamp_unixtime_ms": 1714590099000}}]}`,
	} {
		batch, err := mparticle.DecodeBatch([]byte(raw))
		if err != nil {
			panic(err)
		}
		m.MapInto(&res, batch)
		req := res.TrackRequest()
		if body, err = req.AppendJSON(body[:0]); err != nil {
			panic(err)
		}
		fmt.Println(string(body))
	}
	// Output:
	// {"events":[{"external_id":"c-1","name":"Opened","time":"2024-05-01T19:00:12Z","properties":{"count":2,"screen":"home"}}]}
	// {"events":[{"external_id":"c-2","name":"Closed","time":"2024-05-01T19:01:39Z"}]}
}
