package mparticle

import (
	"encoding/json"
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
