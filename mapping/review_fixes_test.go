package mapping

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Focused tests for the mapping review findings (issue 4 follow-up); the
// goldens cover the usual shapes, these the corners.

const reviewHeader = `{"environment":"production","mpid":5,"user_identities":{"customer_id":"c-1"},`

// A push token travels in an attributes object of its own: a token Braze
// refuses must not take the email or other attributes down with it, even
// when the batch has nothing but the token and the email.
func TestPushTokenHasItsOwnObject(t *testing.T) {
	m := newTestMapper(t, Settings{AppID: "app"})
	res := m.Map(decode(t, `{"environment":"production","mpid":5,
		"user_identities":{"customer_id":"c-1","email":"a@example.com"},
		"device_info":{"platform":"Android"},
		"events":[
			{"event_type":"push_registration","data":{"register":true,"registration_token":"t1","timestamp_unixtime_ms":1714590000000}},
			{"event_type":"user_attribute_change","data":{"user_attribute_name":"tier","new":"gold","timestamp_unixtime_ms":1714590001000}},
			{"event_type":"push_registration","data":{"register":true,"registration_token":"t2","timestamp_unixtime_ms":1714590002000}}]}`))
	require.Len(t, res.Attributes, 3, "%+v", res.Attributes)
	assert.Equal(t, "a@example.com", res.Attributes[0].Email)
	assert.Empty(t, res.Attributes[0].PushTokens)
	assert.Equal(t, []braze.PushToken{{AppID: "app", Token: "t1"}, {AppID: "app", Token: "t2"}}, res.Attributes[1].PushTokens)
	assert.Empty(t, res.Attributes[1].Email)
	assert.Empty(t, res.Attributes[1].Custom)
	assert.Contains(t, propMap(res.Attributes[2].Custom), "tier")
	assert.Empty(t, res.Attributes[2].PushTokens)
	req := res.TrackRequest()
	assert.NoError(t, req.Validate(braze.DefaultLimits()))
}

// Web push tokens are never sent, whatever the platform's spelling and even
// with an app id configured for "web".
func TestWebPushTokenDropped(t *testing.T) {
	for _, platform := range []string{"web", "Web", " WEB "} {
		m := newTestMapper(t, Settings{AppID: "app", AppIDs: map[string]string{"web": "web-app"}})
		res := m.Map(decode(t, reviewHeader+`"device_info":{"platform":"`+platform+`"},
			"events":[{"event_type":"push_registration","data":{"register":true,"registration_token":"t"}}]}`))
		assert.Empty(t, res.Attributes, platform)
		require.Len(t, res.Diagnostics, 1, platform)
		assert.Equal(t, Dropped, res.Diagnostics[0].Code)
		assert.Equal(t, "registration_token", res.Diagnostics[0].Key)
	}
}

func eventProps(t *testing.T, e braze.Event) map[string]any {
	t.Helper()
	raw, err := json.Marshal(e.Properties)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// $Zip is never type-detected: not as an event property, not inside a
// flattened object, not inside bundled commerce's nested values. Other
// keys still are.
func TestZipNeverDetectedInProperties(t *testing.T) {
	custom := `"custom_attributes":{"$Zip":"94107","n":"5","o":{"$ZIP":"02139","n":"6"}}`
	m := newTestMapper(t, Settings{EnableTypeDetection: true})
	res := m.Map(decode(t, reviewHeader+`"events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other",`+custom+`}}]}`))
	require.Len(t, res.Events, 1)
	assert.Equal(t, map[string]any{"Zip": "94107", "n": 5.0, "o.$ZIP": "02139", "o.n": 6.0}, eventProps(t, res.Events[0]))

	m = newTestMapper(t, Settings{EnableTypeDetection: true, BundleCommerceEventData: true})
	res = m.Map(decode(t, reviewHeader+`"events":[{"event_type":"commerce_event","data":{`+custom+`,
		"product_action":{"action":"add_to_cart","products":[{"id":"A","price":1,"custom_attributes":{"$zip":"00501"}}]}}}]}`))
	require.Len(t, res.Events, 1)
	p := eventProps(t, res.Events[0])
	assert.Equal(t, map[string]any{"Zip": "94107", "n": 5.0, "o": map[string]any{"ZIP": "02139", "n": 6.0}}, p["Attributes"])
	products := p["products"].([]any)
	require.Len(t, products, 1)
	assert.Equal(t, map[string]any{"zip": "00501"}, products[0].(map[string]any)["Attributes"])
}

// A list of numbers or booleans is still a list: a string array (or a
// comma-joined string when asked), in user attributes, through the audience
// path's UserAttributes, and as the value of an event-attribute mapping.
func TestScalarListsAreLists(t *testing.T) {
	m := newTestMapper(t, Settings{})
	res := m.Map(decode(t, reviewHeader+`"user_attributes":{"l":[1,2],"m":[true,"x"],"o":[{"a":1}]}}`))
	require.Len(t, res.Attributes, 1)
	a := res.Attributes[0]
	assert.Equal(t, braze.Strings([]string{"1", "2"}), propMap(a.Custom)["l"])
	assert.Equal(t, braze.Strings([]string{"true", "x"}), propMap(a.Custom)["m"])
	assert.Equal(t, braze.String(`[{"a":1}]`), propMap(a.Custom)["o"], "a list holding objects follows PropertyPolicy")
	assert.Equal(t, []DiagnosticCode{ValueChanged, ValueChanged, Stringified}, codes(res.Diagnostics))

	m = newTestMapper(t, Settings{UserAttributeListsAsStrings: true})
	attrs, _ := m.UserAttributes(braze.ExternalID("c"), map[string]mparticle.AttributeValue{"l": mustRaw(t, `[1, 2.5, false]`)}, nil)
	assert.Equal(t, braze.String("1,2.5,false"), propMap(attrs.Custom)["l"])

	m = newTestMapper(t, Settings{EventAttributeMappings: []EventAttributeMapping{
		{Action: AddToArray, EventName: "E", AttributeKey: "n", UserAttribute: "nums"},
		{Action: RemoveFromArray, EventName: "E", AttributeKey: "o", UserAttribute: "objs"},
	}})
	res = m.Map(decode(t, reviewHeader+`"events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other",
		"custom_attributes":{"n":[5,6],"o":[{"a":1}]}}}]}`))
	require.Len(t, res.Attributes, 1)
	assert.Equal(t, braze.AddRemove([]string{"5", "6"}, nil), propMap(res.Attributes[0].Custom)["nums"])
	assert.NotContains(t, propMap(res.Attributes[0].Custom), "objs")
}

// Dropping or re-reading a product action works on copies: the caller's
// batch keeps its product action as it came.
func TestUnknownProductActionLeavesTheBatchAlone(t *testing.T) {
	b := decode(t, reviewHeader+`"events":[
		{"event_type":"commerce_event","data":{"product_action":{"action":"foo","products":[{"id":"A","price":1}]}}},
		{"event_type":"commerce_event","data":{"product_action":{"action":"PURCHASE","transaction_id":"T","products":[{"id":"B","price":2}]}}}]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	assert.Empty(t, res.Events)
	require.Len(t, res.Purchases, 1)
	assert.Equal(t, "B", res.Purchases[0].ProductID)
	assert.Equal(t, []DiagnosticCode{EventSkipped, ValueChanged}, codes(res.Diagnostics))
	for i, want := range []mparticle.ProductActionType{"foo", "PURCHASE"} {
		ce, ok := b.Events[i].Data.(*mparticle.CommerceEvent)
		require.True(t, ok)
		require.NotNil(t, ce.ProductAction)
		assert.Equal(t, want, ce.ProductAction.Action)
	}
}
