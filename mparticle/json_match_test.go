package mparticle

import (
	"encoding/json"
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
