package mparticle

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The generated match functions recognise plainly written keys without
// scanning them; every other spelling must take the general path and end up
// in the same place, and near-misses must stay unknown.
func TestKeyMatchSpellings(t *testing.T) {
	for _, member := range []string{
		`"event_name":"x"`,
		`"event_name" :"x"`,
		`"event_name": "x"`,
		`"event\u005fname":"x"`,
		`"\u0065vent_name":"x"`,
	} {
		in := `{"events":[{"event_type":"custom_event","data":{` + member + `}}]}`
		b, err := DecodeBatch([]byte(in))
		require.NoError(t, err, member)
		ce := b.Events[0].Data.(*CustomEvent)
		assert.Equal(t, "x", ce.EventName, member)
		assert.Empty(t, ce.Unknown, member)
	}
	for _, key := range []string{"event_nam", "event_namex", "event_names", "Event_name", "event_id_", "id", "i", "source_", "sourc", "location_", "session_", "session_uuid2",
		// Same first eight bytes and length as a known key, differing in a
		// later word (the match compares those a word at a time).
		"timestamp_unixtime_mz", "timestamp_unixtimX_ms", "custom_event_typf", "custom_evenX_type",
		"session_start_unixtime_ns", "session_start_Xnixtime_ms", "lifetime_value_attribute_namf",
		"lifetime_value_attriXute_name", "source_message_ix", "event_nbme"} {
		in := `{"events":[{"event_type":"custom_event","data":{"` + key + `":1}}]}`
		b, err := DecodeBatch([]byte(in))
		require.NoError(t, err, key)
		ce := b.Events[0].Data.(*CustomEvent)
		assert.Equal(t, json.RawMessage(`1`), ce.Unknown[key], key)
		assert.Equal(t, in, roundTrip(t, in), key)
	}
}

// Short keys (under eight bytes) are matched under a mask: the bytes after
// the colon must not matter, and a key at the very end of the input must
// not be read past.
func TestKeyMatchShortKeysAndInputEnd(t *testing.T) {
	for _, in := range []string{
		`{"id":"a","name":"b","brand":"c","price":1,"quantity":2,"position":3}`,
		`{"id":null,"name":"","brand":"c"}`,
		`{"id":"a"}`,
		`{"id":1}`,
	} {
		var p Product
		err := p.UnmarshalJSON([]byte(in))
		if in == `{"id":1}` {
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "id", de.Path)
			continue
		}
		require.NoError(t, err, in)
		out, err := p.MarshalJSON()
		require.NoError(t, err)
		assert.JSONEq(t, in, string(out))
	}
	for _, in := range []string{`{"id"`, `{"id":`, `{"name"`, `{"position"`, `{"position":`} {
		var p Product
		require.Error(t, p.UnmarshalJSON([]byte(in)), in)
	}
}

func TestEnvelopeKeyNearMisses(t *testing.T) {
	for _, key := range []string{"event_typf", "event_tXpe", "Event_type", "dat", "datа"} {
		in := `{"events":[{"event_type":"custom_event","` + key + `":1,"data":{}}]}`
		b, err := DecodeBatch([]byte(in))
		require.NoError(t, err, key)
		assert.Equal(t, json.RawMessage(`1`), b.Events[0].Unknown[key], key)
		assert.Equal(t, EventCustom, b.Events[0].Type, key)
	}
}

// spacedColons returns in with a space before every colon that follows a
// key. That is still valid JSON, but the match functions do not take it,
// so decoding it goes through objectKey and decodeField for every key.
func spacedColons(in []byte) []byte {
	out := make([]byte, 0, len(in)+len(in)/8)
	inStr := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		out = append(out, c)
		switch {
		case inStr && c == '\\':
			if i+1 < len(in) {
				i++
				out = append(out, in[i])
			}
		case c == '"':
			inStr = !inStr
			if !inStr && i+1 < len(in) && in[i+1] == ':' {
				out = append(out, ' ')
			}
		}
	}
	return out
}

// decodeOutcome is what decoding in leads to: the encoded batch, or the
// error's path and reason (offsets differ between the two spellings).
func decodeOutcome(in []byte) string {
	b, err := DecodeBatch(in)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return "error at " + de.Path + ": " + de.Reason
		}
		return "error " + err.Error()
	}
	out, err := b.Encode()
	if err != nil {
		return "encode error " + err.Error()
	}
	// Raw values (unknown fields, object attributes) keep their text,
	// including the spaces spacedColons adds: compare without them.
	var c bytes.Buffer
	if err := json.Compact(&c, out); err != nil {
		return "invalid output " + err.Error()
	}
	return c.String()
}

// The fast key paths (the match inlined in decodeJSON, which reads the
// field where it finds the key, and after whitespace match functions,
// decodeFieldN, fieldKey) and the general one (objectKey, decodeField)
// must agree on every key of every sample file, as written (indented)
// and compacted: on the decoded batch, and on the error when the key's
// value is replaced by one most fields reject.
func TestKeyPathsAgree(t *testing.T) {
	for _, file := range batchFiles(t) {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, raw))
		for _, in := range [][]byte{raw, compact.Bytes()} {
			keyPathsAgree(t, file, in)
		}
	}
}

func keyPathsAgree(t *testing.T, f string, in []byte) {
	t.Helper()
	require.Equal(t, decodeOutcome(in), decodeOutcome(spacedColons(in)), f)

	// Every member's value, in turn, replaced by [1] (an error for
	// strings, numbers, booleans and objects; a list or raw value
	// where attributes allow it).
	inStr := false
	variants := 0
	for i := 0; i < len(in); i++ {
		switch c := in[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
			if inStr || i+1 >= len(in) || in[i+1] != ':' {
				continue
			}
			d := decoder{data: in, pos: i + 2}
			d.ws()
			start := d.pos
			if d.skip() != nil {
				t.Fatalf("%s: cannot skip the value at %d", f, start)
			}
			v := append(append(append([]byte(nil), in[:start]...), "[1]"...), in[d.pos:]...)
			require.Equal(t, decodeOutcome(v), decodeOutcome(spacedColons(v)), "%s: value at %d", f, start)
			variants++
		}
	}
	assert.Greater(t, variants, 10, f)
}

// commonData holds every CommonEventData key with a valid value. Each
// event type's decoder has its own copy of these keys (the generator
// inlines them), so every type is run through all of them.
const commonData = `"timestamp_unixtime_ms":1714590000000,"event_id":-5,"source_message_id":"m-1",` +
	`"session_id":9007199254740993,"session_uuid":"u-1","session_start_unixtime_ms":1,"event_start_unixtime_ms":2,` +
	`"event_num":3,"custom_attributes":{"a":"b","n":1},"location":{"latitude":1.5,"longitude":-2},` +
	`"device_current_state":{"cpu":"1%"},"is_goal_defined":true,"lifetime_value_change":2.5,` +
	`"lifetime_value_attribute_name":"ltv","data_connection_type":"wifi","view_controller":"V",` +
	`"is_main_thread":false,"canonical_name":"c","event_system_notification_info":{"type":"gdpr_change"}`

func TestKeyPathsAgreeOnCommonFieldsOfEveryEventType(t *testing.T) {
	types := []EventType{EventSessionStart, EventSessionEnd, EventScreenView, EventCustom, EventCrashReport,
		EventOptOut, EventFirstRun, EventPreAttribution, EventPushRegistration, EventApplicationStateTransition,
		EventPushMessage, EventNetworkPerformance, EventBreadcrumb, EventProfile, EventPushReaction, EventCommerce,
		EventUserAttributeChange, EventUserIdentityChange, EventUninstall, "future_type"}
	for _, typ := range types {
		in := []byte(`{"events":[{"event_type":"` + string(typ) + `","data":{` + commonData + `}}]}`)
		require.Equal(t, decodeOutcome(in), decodeOutcome(spacedColons(in)), typ)
		assert.JSONEq(t, string(in), decodeOutcome(in), typ)

		// Each common field in turn given a value of the wrong kind: the
		// error names the same field either way.
		for _, key := range []string{"timestamp_unixtime_ms", "event_id", "source_message_id", "session_id",
			"session_uuid", "session_start_unixtime_ms", "event_start_unixtime_ms", "event_num", "custom_attributes",
			"location", "device_current_state", "is_goal_defined", "lifetime_value_change",
			"lifetime_value_attribute_name", "data_connection_type", "view_controller", "is_main_thread",
			"canonical_name", "event_system_notification_info"} {
			require.Contains(t, commonData, `"`+key+`":`)
			bad := strings.Replace(string(in), `"`+key+`":`, `"`+key+`":[true],"x`+key+`":`, 1)
			got := decodeOutcome([]byte(bad))
			require.Equal(t, got, decodeOutcome(spacedColons([]byte(bad))), "%s %s", typ, key)
			if key != "lifetime_value_change" { // any JSON value is valid there
				assert.Contains(t, got, "error at events[0].data."+key+": ", "%s %s", typ, key)
			}
		}
	}
}
