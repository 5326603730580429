package braze

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleEvent(i int) Event {
	return Event{
		Identifier: ExternalID("cust-" + string(rune('a'+i%26))),
		AppID:      "app-ios-1",
		Name:       "viewed_product",
		Time:       time.Date(2025, 3, 1, 10, 15, i%60, 123000000, time.UTC),
		Properties: Properties{
			Prop("category", String("Books & <Media>")),
			Prop("in_stock", Bool(true)),
			Prop("price", Float(9.5)),
			Prop("quantity", Int(2)),
			Prop("seen_at", Time(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))),
			Prop("sku", String("A-1")),
		},
	}
}

func samplePurchase() Purchase {
	return Purchase{
		Identifier: ExternalID("cust-42"),
		AppID:      "app-ios-1",
		ProductID:  "Completed Order",
		Currency:   "GBP",
		Price:      19,
		Quantity:   1,
		Time:       time.Date(2025, 3, 1, 10, 20, 0, 0, time.UTC),
		Properties: Properties{
			Prop("Transaction Id", String("T-1")),
			Prop("products", Array([]Value{Object(map[string]Value{"Id": String("sku-1"), "Price": Float(9.5)})})),
		},
		UpdateExistingOnly: new(true),
	}
}

func TestEventEncodingMatchesEncodingJSON(t *testing.T) {
	cases := map[string]Event{
		"full":     sampleEvent(3),
		"minimal":  {Identifier: Alias("n", "l"), Name: "x", Time: time.Unix(0, 0).UTC()},
		"no props": {Identifier: Identifier{BrazeID: "b", Email: "e@x.y", Phone: "+1"}, Name: "é\u2028", Time: time.Unix(1, 1).UTC(), UpdateExistingOnly: new(false), Properties: Properties{}},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(eventFields(e))
			require.NoError(t, err)
			got, err := json.Marshal(e)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))

			var back Event
			require.NoError(t, json.Unmarshal(got, &back))
			again, err := json.Marshal(back)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again))
		})
	}
}

func TestPurchaseEncodingMatchesEncodingJSON(t *testing.T) {
	for name, p := range map[string]Purchase{
		"full":             samplePurchase(),
		"default quantity": {Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Price: 0, Time: time.Unix(5, 0).UTC()},
		"tiny price":       {Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Price: 1e-9, Quantity: 100, Time: time.Unix(5, 0).UTC()},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(purchaseFields(p))
			require.NoError(t, err)
			got, err := json.Marshal(p)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
			var back Purchase
			require.NoError(t, json.Unmarshal(got, &back))
			assert.Equal(t, p.ProductID, back.ProductID)
			assert.Equal(t, p.Quantity, back.Quantity)
			assert.True(t, p.Time.Equal(back.Time))
		})
	}
}

func TestEventTimeIsSentInUTC(t *testing.T) {
	e := Event{Identifier: ExternalID("u"), Name: "n", Time: time.Date(2025, 3, 1, 11, 15, 0, 0, time.FixedZone("CET", 3600))}
	got, err := json.Marshal(e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"external_id":"u","name":"n","time":"2025-03-01T10:15:00Z"}`, string(got))
}

func TestTrackRequestEncodingAndRoundTrip(t *testing.T) {
	r := TrackRequest{
		Attributes: []Attributes{fullAttributes(), {Identifier: ExternalID("b")}},
		Events:     []Event{sampleEvent(1), sampleEvent(2)},
		Purchases:  []Purchase{samplePurchase()},
	}
	assert.Equal(t, 5, r.Len())
	got, err := json.Marshal(r)
	require.NoError(t, err)

	// Reference: each object through its own reference encoding.
	want := `{"attributes":[` + referenceAttributesJSON(t, r.Attributes[0]) + `,` + referenceAttributesJSON(t, r.Attributes[1]) + `],"events":[`
	for i, e := range r.Events {
		b, err := json.Marshal(eventFields(e))
		require.NoError(t, err)
		if i > 0 {
			want += ","
		}
		want += string(b)
	}
	pb, err := json.Marshal(purchaseFields(r.Purchases[0]))
	require.NoError(t, err)
	want += `],"purchases":[` + string(pb) + `]}`
	assert.Equal(t, want, string(got))

	var back TrackRequest
	require.NoError(t, json.Unmarshal(got, &back))
	again, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, string(got), string(again))

	empty, err := json.Marshal(TrackRequest{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(empty))
	onlyEvents, err := json.Marshal(TrackRequest{Events: []Event{{Identifier: ExternalID("u"), Name: "n", Time: time.Unix(0, 0)}}})
	require.NoError(t, err)
	assert.Equal(t, `{"events":[{"external_id":"u","name":"n","time":"1970-01-01T00:00:00Z"}]}`, string(onlyEvents))
}

func TestTrackRequestAppendJSONReusesBuffer(t *testing.T) {
	r := TrackRequest{Events: []Event{sampleEvent(0)}}
	buf := make([]byte, 0, 4096)
	out, err := r.AppendJSON(buf)
	require.NoError(t, err)
	assert.Equal(t, &buf[:1][0], &out[:1][0], "no reallocation when the buffer is large enough")
}

func TestTrackRequestEncodingErrorNamesObject(t *testing.T) {
	r := TrackRequest{Purchases: []Purchase{{Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Time: time.Unix(0, 0)}, {Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Time: time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	_, err := json.Marshal(r)
	assert.ErrorContains(t, err, "purchases[1]")
	r = TrackRequest{Events: []Event{{Identifier: ExternalID("u"), Name: "n", Time: time.Unix(0, 0), Properties: Properties{Prop("k", Value{})}}}}
	_, err = json.Marshal(r)
	assert.ErrorContains(t, err, "events[0]")
	r = TrackRequest{Attributes: []Attributes{{Custom: Properties{Prop("k", Value{})}}}}
	_, err = json.Marshal(r)
	assert.ErrorContains(t, err, "attributes[0]")
}

func TestTrackResponseDecoding(t *testing.T) {
	body := `{"message":"success","attributes_processed":1,"events_processed":1,"purchases_processed":1,
	 "errors":[{"type":"'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required","input_array":"events","index":1}]}`
	var r TrackResponse
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	assert.Equal(t, "success", r.Message)
	assert.Equal(t, 1, r.EventsProcessed)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, ObjectError{Type: "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required", InputArray: InputEvents, Index: 1}, r.Errors[0])
	assert.Equal(t, "events[1]: 'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required", r.Errors[0].Error())
}

// FuzzTrackRequestJSON: decoding and validating any body never panics, and a
// request that passes validation always encodes, to JSON that decodes again.
func FuzzTrackRequestJSON(f *testing.F) {
	f.Add([]byte(`{"attributes":[{"external_id":"cust-42","first_name":"Ada","dob":"1990-04-01","country":"GB","email_subscribe":"opted_in","loyalty_points":{"inc":5},"genres":{"add":["jazz"]},"_update_existing_only":false}],"events":[{"external_id":"cust-42","app_id":"app-ios-1","name":"viewed_product","time":"2025-03-01T10:15:00Z","properties":{"sku":"A-1","price":9.5}},{"app_id":"app-ios-1","name":"viewed_product","time":"2025-03-01T10:16:00Z"}],"purchases":[{"external_id":"cust-42","product_id":"Completed Order","currency":"GBP","price":19.0,"quantity":1,"time":"2025-03-01T10:20:00Z"}]}`))
	f.Add([]byte(`{"attributes":[{"user_alias":{"alias_name":"1","alias_label":"mparticle_id"},"gender":null,"current_location":{"latitude":1,"longitude":2},"push_tokens":[{"app_id":"a","token":"t"}],"nested":{"a":{"$time":"2020-01-01"}}}]}`))
	f.Add([]byte(`{"events":[{"external_id":"x","name":"n","time":"2025-03-01T10:15:00.123456789+02:00","properties":{"p":[1,{"q":null}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r TrackRequest
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		if err := r.Validate(DefaultLimits()); err != nil {
			_ = err.Error()
			return
		}
		body, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatalf("valid request does not encode: %v", err)
		}
		if !json.Valid(body) {
			t.Fatalf("invalid JSON: %s", body)
		}
		var back TrackRequest
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatalf("own output does not decode: %v\n%s", err, body)
		}
	})
}

// The hand-made /users/track body of the Braze spec (§9) decodes into the
// model, re-encodes to the same JSON, and validation finds exactly the
// problem Braze reports for it: the second event has no identifier.
func TestSpecExampleBody(t *testing.T) {
	raw, err := os.ReadFile("testdata/spec_track_example.json")
	require.NoError(t, err)
	var r TrackRequest
	require.NoError(t, json.Unmarshal(raw, &r))
	assert.Equal(t, 4, r.Len())
	out, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(out))

	var errs ValidationErrors
	require.True(t, errors.As(r.Validate(DefaultLimits()), &errs))
	require.Len(t, errs, 1)
	assert.Equal(t, InputEvents, errs[0].Array)
	assert.Equal(t, 1, errs[0].Index)
}
