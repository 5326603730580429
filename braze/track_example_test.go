package braze_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mpbraze/mpbraze/braze"
)

// Build the hand-made /users/track request of the Braze spec: a profile
// update with standard and custom attributes, two events (the second without
// an identifier, which Validate reports) and a purchase.
func ExampleTrackRequest() {
	at := func(min int) time.Time { return time.Date(2025, 3, 1, 10, min, 0, 0, time.UTC) }
	req := braze.TrackRequest{
		Attributes: []braze.Attributes{{
			Identifier:         braze.ExternalID("cust-42"),
			UpdateExistingOnly: new(false),
			FirstName:          braze.Set("Ada"),
			DOB:                braze.Set(braze.NewDate(1990, time.April, 1)),
			Country:            braze.Set("GB"),
			EmailSubscribe:     braze.Set(braze.SubscriptionOptedIn),
			Custom: braze.Properties{
				braze.Prop("genres", braze.AddRemove([]string{"jazz"}, nil)),
				braze.Prop("loyalty_points", braze.Inc(5)),
			},
		}},
		Events: []braze.Event{
			{
				Identifier: braze.ExternalID("cust-42"),
				AppID:      "app-ios-1",
				Name:       "viewed_product",
				Time:       at(15),
				Properties: braze.Properties{braze.Prop("price", braze.Float(9.5)), braze.Prop("sku", braze.String("A-1"))},
			},
			{AppID: "app-ios-1", Name: "viewed_product", Time: at(16)},
		},
		Purchases: []braze.Purchase{{
			Identifier: braze.ExternalID("cust-42"),
			ProductID:  "Completed Order",
			Currency:   "GBP",
			Price:      19.0,
			Quantity:   1,
			Time:       at(20),
		}},
	}
	body, err := json.Marshal(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(body))
	fmt.Println(req.Len(), "objects")
	fmt.Println(req.Validate(braze.DefaultLimits()))
	// Output:
	// {"attributes":[{"external_id":"cust-42","_update_existing_only":false,"first_name":"Ada","country":"GB","dob":"1990-04-01","email_subscribe":"opted_in","genres":{"add":["jazz"]},"loyalty_points":{"inc":5}}],"events":[{"external_id":"cust-42","app_id":"app-ios-1","name":"viewed_product","time":"2025-03-01T10:15:00Z","properties":{"price":9.5,"sku":"A-1"}},{"app_id":"app-ios-1","name":"viewed_product","time":"2025-03-01T10:16:00Z"}],"purchases":[{"external_id":"cust-42","product_id":"Completed Order","currency":"GBP","price":19,"quantity":1,"time":"2025-03-01T10:20:00Z"}]}
	// 4 objects
	// braze: invalid request: events[1]: has no identifier: one of external_id, user_alias, braze_id, email or phone is required
}

// Validation errors name the object, the field and the value.
func ExampleValidationErrors() {
	req := braze.TrackRequest{Purchases: []braze.Purchase{{
		Identifier: braze.ExternalID("cust-42"),
		ProductID:  "sku-1",
		Currency:   "usd",
		Price:      5,
		Quantity:   150,
		Time:       time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
	}}}
	err := req.Validate(braze.Limits{})
	var errs braze.ValidationErrors
	if !errors.As(err, &errs) {
		return
	}
	for _, e := range errs {
		fmt.Println(e)
	}
	// Output:
	// purchases[0].currency: "usd" is not a 3-letter ISO 4217 code (e.g. "USD")
	// purchases[0].quantity: 150 outside 1..100
}

// Optional fields have three states: absent (left out), set, and null
// (Braze deletes the field). IsSet is true only for a value; a field is
// sent when it is not IsAbsent.
func ExampleOptional() {
	a := braze.Attributes{
		Identifier: braze.ExternalID("cust-42"),
		FirstName:  braze.Set("Ada"),
		Gender:     braze.Null[braze.Gender](), // unknown: delete the stored gender
		// LastName is absent: Braze keeps its current value.
	}
	b, _ := json.Marshal(a)
	fmt.Println(string(b))

	fmt.Println(a.FirstName.Get())
	fmt.Println("gender set, null, absent:", a.Gender.IsSet(), a.Gender.IsNull(), a.Gender.IsAbsent())
	fmt.Println("last name:", a.LastName.IsAbsent(), a.LastName.Or("(kept)"))
	// Output:
	// {"external_id":"cust-42","first_name":"Ada","gender":null}
	// Ada true
	// gender set, null, absent: false true false
	// last name: true (kept)
}

// Custom attributes are typed Values, flattened into the attributes object
// after the standard fields, in the order given.
func ExampleAttributes() {
	a := braze.Attributes{
		Identifier: braze.Alias("8217361", "mparticle_id"),
		// Alias-only users are only updated by default; false creates one.
		UpdateExistingOnly: new(false),
		Custom: braze.Properties{
			braze.Prop("vip", braze.Bool(true)),
			braze.Prop("orders", braze.Int(12)),
			braze.Prop("ltv", braze.Float(1234.5)),
			braze.Prop("last_order", braze.Time(time.Date(2025, 2, 27, 18, 4, 5, 0, time.UTC))),
			braze.Prop("devices", braze.Strings([]string{"ios", "web"})),
			braze.Prop("visits", braze.Inc(1)),
			braze.Prop("genres", braze.AddRemove([]string{"jazz"}, []string{"pop"})),
			braze.Prop("nickname", braze.NullValue()), // delete the attribute
			braze.Prop("home", braze.Object(map[string]braze.Value{"city": braze.String("London"), "since": braze.NestedTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))})),
			braze.Prop("coupon_code", braze.String("SPRING <25%>")),
		},
	}
	if err := a.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(a)
	fmt.Println(string(b))
	// Output:
	// {"user_alias":{"alias_name":"8217361","alias_label":"mparticle_id"},"_update_existing_only":false,"vip":true,"orders":12,"ltv":1234.5,"last_order":"2025-02-27T18:04:05Z","devices":["ios","web"],"visits":{"inc":1},"genres":{"add":["jazz"],"remove":["pop"]},"nickname":null,"home":{"city":"London","since":{"$time":"2020-01-01T00:00:00Z"}},"coupon_code":"SPRING \u003c25%\u003e"}
}
