package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newTestMapper(t *testing.T, s Settings) *Mapper {
	t.Helper()
	if s.Now == nil {
		s.Now = func() time.Time { return testNow }
	}
	m, err := New(s)
	require.NoError(t, err)
	return m
}

func decode(t *testing.T, js string) *mparticle.Batch {
	t.Helper()
	b, err := mparticle.DecodeBatch([]byte(js))
	require.NoError(t, err)
	return b
}

func codes(ds []Diagnostic) []DiagnosticCode {
	out := make([]DiagnosticCode, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

func TestNewRejectsInvalidSettings(t *testing.T) {
	_, err := New(Settings{DefaultCurrency: "dollars"})
	var se *SettingsError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, "Settings.DefaultCurrency", se.Field)
	assert.Equal(t, "dollars", se.Value)
}

func TestMapNilBatch(t *testing.T) {
	res := newTestMapper(t, Settings{}).Map(nil)
	assert.True(t, res.Skipped)
	assert.Zero(t, res.Len())
	assert.Equal(t, []DiagnosticCode{UserSkipped}, codes(res.Diagnostics))
}

func TestMapBatchesAndResultHelpers(t *testing.T) {
	m := newTestMapper(t, Settings{})
	b1 := decode(t, `{"environment":"production","user_identities":{"customer_id":"c-1","email":"a@example.org"},
		"events":[{"event_type":"custom_event","data":{"event_name":"A","custom_event_type":"other","timestamp_unixtime_ms":1714590000000}}]}`)
	b2 := decode(t, `{"environment":"production","batch_id":42,"events":[]}`)
	rs := m.MapBatches([]*mparticle.Batch{b1, b2})
	require.Len(t, rs, 2)
	assert.Equal(t, 2, rs[0].Len())
	req := rs[0].TrackRequest()
	assert.Equal(t, 2, req.Len())
	assert.Nil(t, rs[0].Counts())
	assert.True(t, rs[1].Skipped)
	assert.Equal(t, map[DiagnosticCode]int{UserSkipped: 1}, rs[1].Counts())
	assert.Equal(t, "42", rs[1].BatchID)
	assert.Equal(t, "42", rs[1].Diagnostics[0].BatchID)
}

func TestMapDoesNotModifyTheBatch(t *testing.T) {
	raw := `{"environment":"production","user_identities":{"customer_id":"c-1"},
		"user_attributes":{"list":["a","` + strings.Repeat("x", 300) + `"],"$Gender":"female"},
		"events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other","custom_attributes":{"o":{"a":1},"l":"` + strings.Repeat("y", 300) + `"}}}]}`
	b := decode(t, raw)
	before, err := json.Marshal(b)
	require.NoError(t, err)
	newTestMapper(t, Settings{EventAttributeMappings: []EventAttributeMapping{{Action: AddToArray, EventName: "E", AttributeKey: "l", UserAttribute: "ls"}}}).Map(b)
	after, err := json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}

func TestMapIsSafeForConcurrentUse(t *testing.T) {
	m := newTestMapper(t, benchSettings())
	raw := `{"environment":"production","user_identities":{"customer_id":"c-1"},"user_attributes":{"tier":"gold"},
		"events":[{"event_type":"custom_event","data":{"event_name":"A","custom_event_type":"other","custom_attributes":{"n":"1"}}}]}`
	want, err := json.Marshal(m.Map(decode(t, raw)))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := mparticle.DecodeBatch([]byte(raw))
			if !assert.NoError(t, err) {
				return
			}
			for range 50 {
				got, _ := json.Marshal(m.Map(b))
				assert.Equal(t, string(want), string(got))
			}
		}()
	}
	wg.Wait()
}

func TestExternalIDTooLongSkipsTheBatch(t *testing.T) {
	b := decode(t, `{"environment":"production","user_identities":{"customer_id":"`+strings.Repeat("c", 988)+`"},"events":[]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	assert.True(t, res.Skipped)
	require.Len(t, res.Diagnostics, 1)
	assert.Contains(t, res.Diagnostics[0].Reason, "988 bytes, more than Braze's 987")
}

func TestUserAttributesAppliesTheRules(t *testing.T) {
	m := newTestMapper(t, Settings{EnableTypeDetection: true, SubscriptionGroupMapping: map[string]string{"News": "9b2f6c2e-0000-4000-8000-000000000001"}})
	id := braze.ExternalID("c-1")
	a, ds := m.UserAttributes(id, map[string]mparticle.AttributeValue{
		"$FirstName": mparticle.StringAttr("Ada"),
		"$Gender":    mparticle.StringAttr("female"),
		"$Age":       mparticle.IntAttr(30),
		"$Zip":       mparticle.StringAttr("02139"),
		"visits":     mparticle.StringAttr("12"),
		"news":       mparticle.StringAttr("yes"),
		"colors":     mparticle.ListAttr("red", "teal"),
		"gone":       mparticle.NullAttr(),
		"email":      mparticle.StringAttr("x@example.org"),
	}, []string{"$LastName", "old"})
	assert.Equal(t, "c-1", a.ExternalID)
	got, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"external_id":"c-1","first_name":"Ada","last_name":null,"dob":"1996-01-01","gender":"F",
		"subscription_groups":[{"subscription_group_id":"9b2f6c2e-0000-4000-8000-000000000001","subscription_state":"subscribed"}],
		"Zip":"02139","colors":["red","teal"],"gone":null,"old":null,"visits":12}`, string(got))
	require.Len(t, ds, 1)
	assert.Equal(t, Dropped, ds[0].Code)
	assert.Equal(t, -1, ds[0].EventIndex)
	assert.Equal(t, "email", ds[0].Key)

	empty, ds := m.UserAttributes(id, nil, nil)
	assert.Equal(t, braze.Attributes{Identifier: id}, empty)
	assert.Empty(t, ds)
}

func TestStandardFieldsTakeText(t *testing.T) {
	m := newTestMapper(t, Settings{})
	a, ds := m.UserAttributes(braze.ExternalID("c"), map[string]mparticle.AttributeValue{
		"$City":     mparticle.IntAttr(7),
		"$LastName": mparticle.ListAttr("a", "b"),
		"$Country":  mustRaw(t, `{"x":1}`),
		"$Mobile":   mparticle.StringAttr(strings.Repeat("9", 300)),
	}, nil)
	got, _ := a.HomeCity.Get()
	assert.Equal(t, "7", got)
	got, _ = a.LastName.Get()
	assert.Equal(t, "a,b", got)
	assert.True(t, a.Country.IsAbsent(), "a dropped standard field is left out, not sent as null")
	assert.Len(t, a.Phone, 255)
	assert.Equal(t, []DiagnosticCode{ValueChanged, Dropped, ValueChanged, Truncated}, codes(ds))
}

func mustRaw(t *testing.T, js string) mparticle.AttributeValue {
	t.Helper()
	v, err := mparticle.RawAttr(json.RawMessage(js))
	require.NoError(t, err)
	return v
}

func TestNumbersKeepTheirType(t *testing.T) {
	b := decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},"events":[{"event_type":"custom_event","data":{
		"event_name":"N","custom_event_type":"other","timestamp_unixtime_ms":1714590000000,
		"custom_attributes":{"i":12,"f":1.5,"e":2e3,"big":123456789012345678901234,"huge":1e400}}}]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	require.Len(t, res.Events, 1)
	p := propMap(res.Events[0].Properties)
	assert.Equal(t, braze.Int(12), p["i"])
	assert.Equal(t, braze.Float(1.5), p["f"])
	assert.Equal(t, braze.Float(2000), p["e"])
	assert.Equal(t, braze.Float(1.2345678901234568e23), p["big"])
	assert.Equal(t, braze.String("1e400"), p["huge"])
	assert.Equal(t, []DiagnosticCode{ValueChanged, ValueChanged}, codes(res.Diagnostics))
}

func TestDeepObjectsAreStringified(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20)
	b := decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},"events":[{"event_type":"custom_event","data":{
		"event_name":"N","custom_event_type":"other","timestamp_unixtime_ms":1714590000000,"custom_attributes":{"d":`+deep+`}}}]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	require.Len(t, res.Events, 1)
	require.Len(t, res.Events[0].Properties, 1)
	for k, v := range res.Events[0].Properties.All() {
		assert.True(t, strings.HasPrefix(k, "d.a.a."))
		s, ok := v.Str()
		assert.True(t, ok)
		assert.Equal(t, `{"a":{"a":{"a":{"a":1}}}}`, s)
	}
	assert.Contains(t, codes(res.Diagnostics), Stringified)
}

func TestHugeQuantityIsNotSplitIntoThousands(t *testing.T) {
	b := decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},"events":[{"event_type":"commerce_event","data":{
		"timestamp_unixtime_ms":1714590000000,"product_action":{"action":"purchase","products":[{"id":"S","price":0.5,"quantity":1000000}]}}}]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	require.Len(t, res.Purchases, 1)
	assert.Equal(t, 1, res.Purchases[0].Quantity)
	assert.Equal(t, 500000.0, res.Purchases[0].Price)
	assert.Equal(t, []DiagnosticCode{ValueChanged}, codes(res.Diagnostics))
}

func TestTimestampOutOfRangeFallsBack(t *testing.T) {
	b := decode(t, `{"environment":"production","timestamp_unixtime_ms":1714590000000,"user_identities":{"customer_id":"c"},"events":[
		{"event_type":"custom_event","data":{"event_name":"N","custom_event_type":"other","timestamp_unixtime_ms":9999999999999999}}]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	require.Len(t, res.Events, 1)
	assert.Equal(t, time.UnixMilli(1714590000000).UTC(), res.Events[0].Time)
	assert.Equal(t, []DiagnosticCode{ValueChanged}, codes(res.Diagnostics))
}

func TestIsFromBrazeCurrents(t *testing.T) {
	assert.False(t, IsFromBrazeCurrents(nil))
	assert.False(t, IsFromBrazeCurrents(decode(t, `{"environment":"production","events":[]}`)))
	assert.True(t, IsFromBrazeCurrents(decode(t, `{"environment":"production","events":[{"event_type":"custom_event","data":{"event_name":"Email Opens","custom_event_type":"other","custom_flags":{"mpbraze_origin":"braze_currents"}}}]}`)))
	assert.False(t, IsFromBrazeCurrents(decode(t, `{"environment":"production","events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other","custom_flags":{"mpbraze_origin":"somewhere"}}}]}`)))
	assert.True(t, IsFromBrazeCurrents(decode(t, `{"environment":"production","events":[{"event_type":"uninstall","data":{"custom_flags":{"mpbraze_origin":"braze_currents"}}}]}`)))
}

func TestDiagnosticString(t *testing.T) {
	d := Diagnostic{BatchID: "b-1", EventIndex: 3, EventName: "Shared", Key: "time", Code: Renamed, Reason: "reserved", Value: "noon"}
	assert.Equal(t, `renamed batch="b-1" event=3 name="Shared" key="time": reserved (value "noon")`, d.String())
	assert.Equal(t, `user_skipped: no identity`, Diagnostic{EventIndex: -1, Code: UserSkipped, Reason: "no identity"}.String())
}

func TestShortValueAndTruncate(t *testing.T) {
	assert.Equal(t, "abc", shortValue("abc"))
	long := strings.Repeat("é", 100)
	sv := shortValue(long)
	assert.Equal(t, 64, len([]rune(sv)))
	assert.True(t, strings.HasSuffix(sv, "…"))

	s, cut := truncate(strings.Repeat("é", 255))
	assert.False(t, cut)
	assert.Len(t, []rune(s), 255)
	s, cut = truncate(strings.Repeat("é", 256))
	assert.True(t, cut)
	assert.Len(t, []rune(s), 255)
}
