package mparticle

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func roundTrip(t *testing.T, in string) string {
	t.Helper()
	b, err := DecodeBatch([]byte(in))
	require.NoError(t, err)
	out, err := b.Encode()
	require.NoError(t, err)
	return string(out)
}

func TestAbsentNullZeroStayDistinct(t *testing.T) {
	for _, in := range []string{
		`{}`,
		`{"source_request_id":null}`,
		`{"source_request_id":""}`,
		`{"schema_version":0}`,
		`{"schema_version":null}`,
		`{"mpid":0}`,
		`{"mpid":null}`,
		`{"user_attributes":{}}`,
		`{"user_attributes":null}`,
		`{"deleted_user_attributes":[]}`,
		`{"deleted_user_attributes":null}`,
		`{"device_info":null}`,
		`{"device_info":{}}`,
		`{"device_info":{"limit_ad_tracking":null,"is_tablet":false,"ios_idfv":"","push_token":null}}`,
		`{"user_identities":{"email":null,"customer_id":""}}`,
		`{"events":[{"event_type":"push_registration","data":{}}]}`,
		`{"events":[{"event_type":"push_registration","data":{"register":false}}]}`,
		`{"events":[{"event_type":"push_registration","data":{"register":null}}]}`,
		`{"events":[{"event_type":"user_attribute_change","data":{"new":null}}]}`,
		`{"events":[{"event_type":"user_identity_change","data":{"old":null}}]}`,
		`{"events":[{"event_type":"custom_event","data":{"location":{"accuracy":1}}}]}`,
		`{"events":[{"event_type":"custom_event","data":{"location":{"latitude":0,"longitude":null}}}]}`,
		`{"events":[{"event_type":"custom_event"}]}`,
		`{"events":[{"event_type":"custom_event","data":null}]}`,
		`{"events":[{"data":{}}]}`,
		`{"events":[{"event_type":null,"data":{"x":1}}]}`,
		`{"consent_state":{"gdpr":{"a":null,"b":{}}}}`,
		`{"events":[{"event_type":"commerce_event","data":{"product_action":{"products":[{"quantity":null},{"quantity":0},{}]}}}]}`,
	} {
		assert.JSONEq(t, in, roundTrip(t, in), in)
	}
}

func TestAlwaysFieldsWrittenWhenBuiltInGo(t *testing.T) {
	b := NewBatch(EnvironmentProduction).AddEvent(
		NewPushUnregistration("tok"),
		NewOptOut(false),
		&UserIdentityChange{},
		&CustomEvent{CommonEventData: CommonEventData{Location: &Location{}}},
	)
	out, err := b.Encode()
	require.NoError(t, err)
	s := string(out)
	assert.Contains(t, s, `"register":false`)
	assert.Contains(t, s, `"is_opted_out":false`)
	assert.Contains(t, s, `"new":null,"old":null`)
	assert.Contains(t, s, `"latitude":0,"longitude":0`)
}

// TestOptionalStates pins every predicate on each state, including a value
// that is its type's zero value: Set(0) is set, not absent. The meanings are
// those of package braze's Optional.
func TestOptionalStates(t *testing.T) {
	cases := []struct {
		name                  string
		o                     Optional[int64]
		set, null, absent, ok bool
		get, or               int64
	}{
		{name: "absent", o: Optional[int64]{}, absent: true, get: 0, or: 9},
		{name: "null", o: Null[int64](), null: true, get: 0, or: 9},
		{name: "set", o: Set(int64(42)), set: true, ok: true, get: 42, or: 42},
		{name: "set to the zero value", o: Set(int64(0)), set: true, ok: true, get: 0, or: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.set, c.o.IsSet(), "IsSet")
			assert.Equal(t, c.null, c.o.IsNull(), "IsNull")
			assert.Equal(t, c.absent, c.o.IsAbsent(), "IsAbsent")
			v, ok := c.o.Get()
			assert.Equal(t, c.ok, ok, "Get's bool")
			assert.Equal(t, c.get, v, "Get's value")
			assert.Equal(t, c.or, c.o.Or(9), "Or")
		})
	}
}

func TestEditingDecodedBatch(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"environment":null,"source_request_id":"","mystery":{"a":1}}`))
	require.NoError(t, err)
	b.Environment = EnvironmentDevelopment
	b.SourceRequestID = "req-2"
	b.Unknown["added"] = json.RawMessage(`[1]`)
	out, err := b.Encode()
	require.NoError(t, err)
	assert.JSONEq(t, `{"environment":"development","source_request_id":"req-2","mystery":{"a":1},"added":[1]}`, string(out))
}

func TestInvalidUnknownRawIsAnError(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	b.Unknown = map[string]json.RawMessage{"bad": json.RawMessage(`{`)}
	_, err := b.Encode()
	assert.Error(t, err)
	_, err = json.Marshal(b)
	assert.Error(t, err)
}

func TestNaNIsAnEncodeError(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	p := Product{ID: "x"}
	p.Price = Set(nanValue())
	b.AddEvent(&CommerceEvent{ProductAction: &ProductAction{Action: ActionPurchase, Products: []Product{p}}})
	_, err := b.Encode()
	assert.Error(t, err)
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func TestStringEscapingAndUTF8(t *testing.T) {
	in := `{"ip":"a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\ud83d\ude00\ud800x"}`
	b, err := DecodeBatch([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, "a\"b\\c/d\b\f\n\r\t\x01é😀\uFFFDx", b.IP)
	out, err := b.Encode()
	require.NoError(t, err)
	var back struct{ IP string }
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, b.IP, back.IP)

	// Invalid UTF-8 becomes U+FFFD, as with encoding/json.
	b, err = DecodeBatch([]byte("{\"ip\":\"\xffa\"}"))
	require.NoError(t, err)
	assert.Equal(t, "\uFFFDa", b.IP)
	b.SourceRequestID = "\xfe"
	out, err = b.Encode()
	require.NoError(t, err)
	assert.True(t, json.Valid(out))
	assert.Contains(t, string(out), `\ufffd`)
}

func TestEncodingJSONUsesTheCodec(t *testing.T) {
	// Value and pointer both marshal through MarshalJSON.
	b := Batch{Environment: EnvironmentProduction, MPID: Null[int64]()}
	v, err := json.Marshal(b)
	require.NoError(t, err)
	p, err := json.Marshal(&b)
	require.NoError(t, err)
	assert.JSONEq(t, `{"environment":"production","mpid":null}`, string(v))
	assert.Equal(t, string(v), string(p))

	var ev Event
	require.NoError(t, json.Unmarshal([]byte(`{"data":{"screen_name":"Home"},"event_type":"screen_view"}`), &ev))
	sv, ok := ev.Data.(*ScreenView)
	require.True(t, ok)
	assert.Equal(t, "Home", sv.ScreenName)
}

func TestDeepNestingIsRejected(t *testing.T) {
	deep := `{"x":` + string(repeat('[', 20000)) + string(repeat(']', 20000)) + `}`
	_, err := DecodeBatch([]byte(deep))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nesting too deep")
}

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestEventTypeSwitchCoversAllTypes(t *testing.T) {
	want := map[EventType]EventData{
		EventSessionStart: &SessionStart{}, EventSessionEnd: &SessionEnd{}, EventScreenView: &ScreenView{},
		EventCustom: &CustomEvent{}, EventCrashReport: &CrashReport{}, EventOptOut: &OptOut{},
		EventFirstRun: &FirstRun{}, EventPreAttribution: &PreAttribution{}, EventPushRegistration: &PushRegistration{},
		EventApplicationStateTransition: &ApplicationStateTransition{}, EventPushMessage: &PushMessage{},
		EventNetworkPerformance: &NetworkPerformance{}, EventBreadcrumb: &Breadcrumb{}, EventProfile: &Profile{},
		EventPushReaction: &PushReaction{}, EventCommerce: &CommerceEvent{},
		EventUserAttributeChange: &UserAttributeChange{}, EventUserIdentityChange: &UserIdentityChange{},
		EventUninstall: &Uninstall{},
	}
	require.Len(t, want, 19)
	for typ, d := range want {
		assert.IsType(t, d, newEventData(typ), typ)
		assert.Equal(t, typ, d.EventType())
		assert.True(t, KnownEventType(typ))
	}
	assert.False(t, KnownEventType("nope"))

	b, err := DecodeBatch(mustRead(t, "testdata/corpus/all_event_types.json"))
	require.NoError(t, err)
	seen := map[EventType]bool{}
	for _, ev := range b.Events {
		require.NotNil(t, ev.Data)
		seen[ev.Data.EventType()] = true
		if u, ok := ev.Data.(*UnknownEvent); ok {
			assert.Equal(t, EventType("future_event_type"), u.Type)
			assert.Contains(t, u.Unknown, "whatever")
			assert.Equal(t, int64(1714590000002), u.TimestampUnixtimeMS)
			assert.Contains(t, ev.Unknown, "message_id")
			continue
		}
		assert.IsType(t, want[ev.Data.EventType()], ev.Data)
	}
	for typ := range want {
		assert.True(t, seen[typ], "corpus lacks %s", typ)
	}
}

func TestEscapedKeysSurviveNestedEscapedKeys(t *testing.T) {
	in := `{"\u0026a":{"\u0026b":{"\u0026c":1}},"user_attributes":{"k\u00e9":{"\u0026x":2}},
		"consent_state":{"gdpr":{"p\u00e9":{"consented":true,"\u0026y":{"\u0026z":3}}}}}`
	out := roundTrip(t, in)
	assert.JSONEq(t, in, out)
}
