package mapping

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/mparticle"
)

func currentsEvents(t testing.TB, name string) []currents.Event {
	t.Helper()
	body, err := os.ReadFile("testdata/currents/" + name)
	require.NoError(t, err)
	events, err := currents.DecodeBody(body)
	require.NoError(t, err)
	return events
}

func currentsBatchJSON(t testing.TB, b *mparticle.Batch) string {
	t.Helper()
	out, err := json.Marshal(b)
	require.NoError(t, err)
	return string(out)
}

// TestCurrentsEmailOpenGolden checks the whole batch for spec §D4's email
// open: identities, device info, name, ids, time, attributes, loop guard.
func TestCurrentsEmailOpenGolden(t *testing.T) {
	events := currentsEvents(t, "email_open.json")
	b, ok := CurrentsToBatch(events[0], CurrentsOptions{})
	require.True(t, ok)
	want, err := os.ReadFile("testdata/currents/email_open.golden.json")
	require.NoError(t, err)
	assert.JSONEq(t, string(want), currentsBatchJSON(t, b))
	assert.True(t, IsFromBrazeCurrents(b))
}

func TestCurrentsFixture(t *testing.T) {
	events := currentsEvents(t, "currents_custom_http.json")
	res := NewCurrentsMapper(CurrentsOptions{Environment: mparticle.EnvironmentDevelopment}).Map(events)
	require.Len(t, res.Batches, 2)
	assert.Zero(t, res.Skipped)
	assert.Empty(t, res.Diagnostics)

	send := res.Batches[0]
	assert.Equal(t, FeedUnbound, send.Feed)
	assert.JSONEq(t, `{
	  "environment": "development", "schema_version": 2,
	  "source_request_id": "1d6f0a3e-8c2b-4f71-9e55-3b7a2c9d0e14",
	  "user_identities": {"customer_id": "cust-88412", "email": "ada.river@example.org"},
	  "events": [{"event_type": "custom_event", "data": {
	    "event_name": "Email Sends", "custom_event_type": "other",
	    "source_message_id": "1d6f0a3e-8c2b-4f71-9e55-3b7a2c9d0e14",
	    "timestamp_unixtime_ms": 1714601200000,
	    "custom_attributes": {
	      "source_request_id": "1d6f0a3e-8c2b-4f71-9e55-3b7a2c9d0e14",
	      "app_group_id": "3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9",
	      "campaign_id": "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
	      "campaign_name": "Spring Restock",
	      "message_variation_id": "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d5e",
	      "dispatch_id": "65f0c1a2b3c4d5e6f7a8b9d1",
	      "send_id": "spring-restock-0501",
	      "from_domain": "mail.example.org"},
	    "custom_flags": {"mpbraze_origin": "braze_currents"}}}]}`, currentsBatchJSON(t, send.Batch))

	open := res.Batches[1]
	assert.Equal(t, FeedIOS, open.Feed)
	assert.Equal(t, 1, open.Index)
	got := currentsBatchJSON(t, open.Batch)
	assert.JSONEq(t, `{"platform": "iOS", "os_version": "17.4", "device_model": "iPhone15,2",
	  "ios_idfv": "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", "limit_ad_tracking": true}`,
		currentsJSONField(t, got, "device_info"))
	data := currentsJSONField(t, currentsJSONIndex(t, currentsJSONField(t, got, "events"), 0), "data")
	assert.JSONEq(t, `"Push Notification Opens"`, currentsJSONField(t, data, "event_name"))
	attrs := currentsJSONField(t, data, "custom_attributes")
	assert.JSONEq(t, `"deep_link"`, currentsJSONField(t, attrs, "button_action_type"))
	for _, moved := range []string{"platform", "os_version", "device_model", "ad_tracking_enabled"} {
		assert.NotContains(t, attrs, `"`+moved+`"`, "device properties live in device_info only")
	}
}

// TestCurrentsEveryFamily translates one event of every family: the message
// families become named custom events, uninstalls uninstall events, and the
// behaviour families are skipped unless asked for.
func TestCurrentsEveryFamily(t *testing.T) {
	events := currentsEvents(t, "all_families.json")
	res := NewCurrentsMapper(CurrentsOptions{}).Map(events)
	names := map[string]string{}
	for _, cb := range res.Batches {
		ev := events[cb.Index]
		require.Len(t, cb.Batch.Events, 1)
		assert.True(t, IsFromBrazeCurrents(cb.Batch), ev.Type)
		assert.Equal(t, "cust-88412", cb.Batch.UserIdentities.CustomerID)
		assert.Equal(t, ev.ID, cb.Batch.Events[0].Data.Common().SourceMessageID)
		assert.Equal(t, ev.UnixMilli(), cb.Batch.Events[0].Data.Common().TimestampUnixtimeMS)
		switch d := cb.Batch.Events[0].Data.(type) {
		case *mparticle.CustomEvent:
			names[ev.Type] = d.EventName
			assert.Equal(t, mparticle.CustomEventType("other"), d.CustomEventType)
		case *mparticle.Uninstall:
			names[ev.Type] = "uninstall"
		default:
			t.Fatalf("%s became %T", ev.Type, d)
		}
	}
	assert.Equal(t, map[string]string{
		currents.EmailOpen:                     "Email Opens",
		currents.EmailClick:                    "Email Clicks",
		currents.PushSend:                      "Push Notification Sends",
		currents.InAppClick:                    "In-App Message Clicks",
		currents.ContentCardClick:              "Content Card Clicked",
		currents.SMSDelivery:                   "SMS Deliveries",
		currents.WebhookSend:                   "Webhook Sends",
		currents.WhatsAppRead:                  currents.WhatsAppRead, // not in mParticle's table: Braze name
		currents.CampaignConversion:            "Campaign Conversions",
		currents.CanvasEntry:                   "Canvas Entries",
		currents.SubscriptionGlobalStateChange: "Global Subscription State Change",
		currents.Uninstall:                     "uninstall",
	}, names)
	assert.Equal(t, 4, res.Skipped, "custom event, purchase, session, location")
	for _, d := range res.Diagnostics {
		assert.Equal(t, EventSkipped, d.Code)
	}

	all := NewCurrentsMapper(CurrentsOptions{IncludeBehaviors: true}).Map(events)
	assert.Len(t, all.Batches, len(events))
	assert.Zero(t, all.Skipped)
	for _, cb := range all.Batches {
		if events[cb.Index].Type == currents.CustomEvent {
			got := currentsBatchJSON(t, cb.Batch)
			attrs := currentsJSONField(t, currentsJSONField(t, currentsJSONIndex(t, currentsJSONField(t, got, "events"), 0), "data"), "custom_attributes")
			assert.JSONEq(t, `"{\"channel\":\"sms\",\"item_count\":4,\"gift\":true,\"tags\":[\"outdoor\",\"books\"]}"`,
				currentsJSONField(t, attrs, "custom_properties"), "nested values become JSON strings")
			assert.JSONEq(t, `"Wishlist Shared"`, currentsJSONField(t, attrs, "name"))
		}
	}
}

func TestCurrentsDeviceIDsAndAdIDs(t *testing.T) {
	events := currentsEvents(t, "all_families.json")
	byType := map[string]currents.Event{}
	for _, ev := range events {
		byType[ev.Type] = ev
	}
	b, ok := CurrentsToBatch(byType[currents.PushSend], CurrentsOptions{})
	require.True(t, ok)
	di := b.DeviceInfo
	require.NotNil(t, di)
	assert.Equal(t, mparticle.PlatformAndroid, di.Platform)
	assert.Equal(t, "38400000-8cf0-11bd-b23e-10b96e40000d", di.AndroidAdvertisingID)
	assert.Empty(t, di.IOSIDFV, "an Android device id is not an IDFV")
	lat, ok := di.LimitAdTracking.Get()
	assert.True(t, ok)
	assert.False(t, lat)
	devAttr, _ := b.Events[0].Data.Common().CustomAttributes.Get(attrDeviceID)
	dev, _ := devAttr.Str()
	assert.Equal(t, "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", dev, "kept as an attribute instead")
	assert.Equal(t, FeedAndroid, CurrentsFeedOf(currentsPtr(byType[currents.PushSend])))

	b, _ = CurrentsToBatch(byType[currents.ContentCardClick], CurrentsOptions{})
	assert.Equal(t, "EA7583CD-A667-48BC-B806-42ECB2B48606", b.DeviceInfo.IOSAdvertisingID)
	assert.Equal(t, "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", b.DeviceInfo.IOSIDFV)

	b, _ = CurrentsToBatch(byType[currents.InAppClick], CurrentsOptions{})
	assert.Equal(t, mparticle.PlatformWeb, b.DeviceInfo.Platform)
	assert.Equal(t, FeedWeb, CurrentsFeedOf(currentsPtr(byType[currents.InAppClick])))

	ev := currents.Event{Type: currents.PushSend, ID: "x", User: currents.User{ExternalUserID: "u"},
		Properties: currents.Properties{"ad_id": json.RawMessage(`"zz"`), "ad_id_type": json.RawMessage(`"new_ad_id"`), "platform": json.RawMessage(`"roku"`)}}
	b, _ = CurrentsToBatch(ev, CurrentsOptions{})
	attrs := attrKeys(b.Events[0].Data.Common().CustomAttributes)
	assert.Contains(t, attrs, "ad_id", "an unknown ad id type stays an attribute")
	assert.Contains(t, attrs, "ad_id_type")
	assert.Equal(t, mparticle.PlatformRoku, b.DeviceInfo.Platform)
	assert.Equal(t, FeedUnbound, CurrentsFeedOf(&ev))
}

func currentsPtr[T any](v T) *T { return &v }

// attrKeys returns the keys of a in order.
func attrKeys(a mparticle.Attributes) []string {
	var keys []string
	for k := range a.All() {
		keys = append(keys, k)
	}
	return keys
}

func TestCurrentsUninstall(t *testing.T) {
	ev := currents.Event{Type: currents.Uninstall, ID: "u-1", Time: 1714603900,
		User:       currents.User{ExternalUserID: "cust-1", DeviceID: "idfv-1"},
		Properties: currents.Properties{"app_id": json.RawMessage(`"app"`), "platform": json.RawMessage(`"ios"`)}}
	b, ok := CurrentsToBatch(ev, CurrentsOptions{})
	require.True(t, ok)
	assert.JSONEq(t, `{"environment":"production","schema_version":2,"source_request_id":"u-1",
	  "user_identities":{"customer_id":"cust-1"},
	  "device_info":{"platform":"iOS","ios_idfv":"idfv-1"},
	  "events":[{"event_type":"uninstall","data":{"source_message_id":"u-1","timestamp_unixtime_ms":1714603900000,
	    "custom_attributes":{"source_request_id":"u-1","app_id":"app"},
	    "custom_flags":{"mpbraze_origin":"braze_currents"}}}]}`, currentsBatchJSON(t, b))
	assert.True(t, IsFromBrazeCurrents(b))
}

func TestCurrentsSkipsEventsWithoutExternalID(t *testing.T) {
	events := []currents.Event{
		{Type: currents.EmailOpen, ID: "a", User: currents.User{UserID: "braze-only"}},
		{Type: currents.EmailOpen, ID: "b", User: currents.User{ExternalUserID: "cust-1"}},
	}
	_, ok := CurrentsToBatch(events[0], CurrentsOptions{})
	assert.False(t, ok)
	res := NewCurrentsMapper(CurrentsOptions{}).Map(events)
	assert.Equal(t, 1, res.Skipped)
	require.Len(t, res.Batches, 1)
	assert.Equal(t, 1, res.Batches[0].Index)
	require.Len(t, res.Diagnostics, 1)
	d := res.Diagnostics[0]
	assert.Equal(t, UserSkipped, d.Code)
	assert.Equal(t, "a", d.BatchID)
	assert.Equal(t, 0, d.EventIndex)
	assert.Equal(t, currents.EmailOpen, d.EventName)
}

func TestCurrentsLimits(t *testing.T) {
	props := currents.Properties{}
	for i := range 120 {
		props[fmt.Sprintf("p%03d", i)] = json.RawMessage(`1`)
	}
	props["long_value"] = json.RawMessage(`"` + strings.Repeat("v", 5000) + `"`)
	props[strings.Repeat("k", 300)] = json.RawMessage(`true`)
	props["nothing"] = json.RawMessage(`null`)
	ev := currents.Event{Type: "users.messages." + strings.Repeat("x", 300), ID: "lim", User: currents.User{ExternalUserID: "u"}, Properties: props}
	res := NewCurrentsMapper(CurrentsOptions{EventNames: map[string]string{}}).Map([]currents.Event{ev})
	require.Len(t, res.Batches, 1)
	ce := res.Batches[0].Batch.Events[0].Data.(*mparticle.CustomEvent)
	assert.Len(t, []rune(ce.EventName), 256)
	assert.Len(t, ce.CustomAttributes, 100)
	assert.Contains(t, attrKeys(ce.CustomAttributes), "source_request_id", "the dedupe id is never dropped")
	assert.NotContains(t, attrKeys(ce.CustomAttributes), "nothing", "null carries nothing")
	codes := map[DiagnosticCode]int{}
	for _, d := range res.Diagnostics {
		codes[d.Code]++
		assert.LessOrEqual(t, len([]rune(d.Value)), 65)
	}
	assert.Equal(t, 3, codes[Truncated], "name, key, value")
	assert.Equal(t, 123-100, codes[Dropped], "every dropped attribute is reported")
	if v, ok := ce.CustomAttributes.Get("long_value"); ok {
		s, _ := v.Str()
		assert.Len(t, s, 4096)
	}
}

func TestCurrentsEventNameOverride(t *testing.T) {
	ev := currents.Event{Type: currents.WhatsAppRead, ID: "w", User: currents.User{ExternalUserID: "u"}}
	b, _ := CurrentsToBatch(ev, CurrentsOptions{EventNames: map[string]string{currents.WhatsAppRead: "WhatsApp Reads"}})
	assert.Equal(t, "WhatsApp Reads", b.Events[0].Data.(*mparticle.CustomEvent).EventName)
	assert.Equal(t, "Email Opens", CurrentsEventName(currents.EmailOpen))
	assert.Equal(t, "users.messages.foo.Bar", CurrentsEventName("users.messages.foo.Bar"))
}

// TestCurrentsLoopGuard feeds translated batches to the forward path, both
// as built and after a JSON round trip (as they would come back from
// mParticle): Map must produce no Braze objects for any of them.
func TestCurrentsLoopGuard(t *testing.T) {
	m, err := New(Settings{})
	require.NoError(t, err)
	events := currentsEvents(t, "all_families.json")
	res := NewCurrentsMapper(CurrentsOptions{IncludeBehaviors: true}).Map(events)
	require.Len(t, res.Batches, len(events))
	for _, cb := range res.Batches {
		out := m.Map(cb.Batch)
		assert.Zero(t, out.Len(), events[cb.Index].Type)
		assert.True(t, out.Skipped)

		var back mparticle.Batch
		require.NoError(t, json.Unmarshal([]byte(currentsBatchJSON(t, cb.Batch)), &back))
		out = m.Map(&back)
		assert.Zero(t, out.Len(), "after a JSON round trip: %s", events[cb.Index].Type)
		require.NotEmpty(t, out.Diagnostics)
		assert.Equal(t, LoopGuard, out.Diagnostics[0].Code)
	}
}

func currentsJSONField(t testing.TB, obj, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(obj), &m))
	v, ok := m[key]
	require.True(t, ok, "no %q in %s", key, obj)
	return string(v)
}

func currentsJSONIndex(t testing.TB, arr string, i int) string {
	t.Helper()
	var a []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(arr), &a))
	require.Greater(t, len(a), i)
	return string(a[i])
}
