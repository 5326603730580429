package mparticle

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The decoder hands out substrings of one copy of its input (decoder.text):
// decoded values must not change when the caller reuses the input buffer,
// and escaped strings and keys must still be unescaped.
func TestDecodedStringsSurviveInputReuse(t *testing.T) {
	in := []byte(`{"user_identities":{"customer_id":"c-1"},"user_attributes":{"tier":"gold","n":12.5,"esc\u00e9":"v\"q","l":["a","b"]},` +
		`"events":[{"event_type":"custom_event","data":{"event_name":"Played","custom_attributes":{"k":"v","num":-3,"obj":{"x":[1]}}}}]}`)
	b, err := DecodeBatch(in)
	require.NoError(t, err)
	for i := range in {
		in[i] = 'X'
	}
	assert.Equal(t, "c-1", b.UserIdentities.CustomerID)
	assert.Equal(t, `"gold"`, attrGet(b.UserAttributes, "tier").String())
	assert.Equal(t, `12.5`, attrGet(b.UserAttributes, "n").String())
	assert.Equal(t, `"v\"q"`, attrGet(b.UserAttributes, "esc\u00e9").String())
	assert.Equal(t, `["a","b"]`, attrGet(b.UserAttributes, "l").String())
	ev, ok := b.Events[0].Data.(*CustomEvent)
	require.True(t, ok)
	assert.Equal(t, "Played", ev.EventName)
	assert.Equal(t, `"v"`, attrGet(ev.CustomAttributes, "k").String())
	assert.Equal(t, `-3`, attrGet(ev.CustomAttributes, "num").String())
	assert.Equal(t, `{"x":[1]}`, attrGet(ev.CustomAttributes, "obj").String())
}
