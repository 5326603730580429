package mparticle

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Strings in an encoded batch are escaped byte for byte as encoding/json
// (and the braze encoder) escape them: HTML characters, \b and \f, the
// JavaScript line terminators U+2028/U+2029 and invalid UTF-8 included.
func TestEncodedStringsMatchEncodingJSON(t *testing.T) {
	for _, s := range []string{"a<b>&c", "\b\f\x01", "x\u2028y\u2029z", "bad \xff utf8", `q"b\`, "é🎉"} {
		b := Batch{Environment: EnvironmentProduction, IP: s,
			UserAttributes: Attributes{{Key: s, Value: StringAttr(s)}}}
		out, err := b.Encode()
		require.NoError(t, err)
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Contains(t, string(out), `"ip":`+string(want), "%q", s)
		assert.Contains(t, string(out), string(want)+`:`+string(want), "%q as key and value", s)
		assert.Equal(t, 3, strings.Count(string(out), string(want)), "%q", s)
	}
}

// randomEscapedBody returns a JSON string body (no quotes) of about n
// bytes that holds at least one escape: plain ASCII, every kind of escape,
// surrogate pairs and lone surrogates, multi-byte UTF-8 and invalid bytes
// (which the decoder, like encoding/json, turns into U+FFFD).
func randomEscapedBody(rng *rand.Rand, n int) string {
	pieces := []string{"a", "Z", " ", "é", "🎉", "\xff", "\xc3", `\n`, `\"`, `\\`, `\/`, `\b`, `\f`, `\r`, `\t`,
		`\u00e9`, `\u20ac`, `\ud83c\udf89`, `\ud83c`, `\udf89x`, `\u0000`}
	var b strings.Builder
	b.WriteString(pieces[7+rng.IntN(len(pieces)-7)]) // an escape first
	for b.Len() < n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

// TestUnescapedStringsMatchEncodingJSON decodes escaped strings of random
// lengths (short ones, unescaped in a scratch slice on the stack, and
// longer ones; some grow when unescaped, some shrink) as a field and as an
// attribute value, with DecodeBatch and with a BatchBuffer (which copies
// them into its text chunk): each must be what encoding/json makes of it,
// and a BatchBuffer's strings must stay so while later batches are
// decoded.
func TestUnescapedStringsMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var bb BatchBuffer
	var kept, want []string
	for range 2000 {
		body := randomEscapedBody(rng, rng.IntN(300))
		var ref string
		require.NoError(t, json.Unmarshal([]byte(`"`+body+`"`), &ref), "%q", body)
		in := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"` + body +
			`","custom_attributes":{"k":"` + body + `"}}}]}`)
		fresh, err := DecodeBatch(in)
		require.NoError(t, err)
		reused, err := bb.Decode(in)
		require.NoError(t, err)
		for _, b := range []*Batch{fresh, reused} {
			ce := b.Events[0].Data.(*CustomEvent)
			require.Equal(t, ref, ce.EventName, "%q", body)
			v, _ := ce.CustomAttributes.Get("k")
			require.Equal(t, ref, v.Text(), "%q", body)
		}
		kept = append(kept, reused.Events[0].Data.(*CustomEvent).EventName)
		want = append(want, ref)
		clear(in)
	}
	assert.Equal(t, want, kept)
}
