package currents

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitCases are objects and non-objects whose split must match
// json.Unmarshal into map[string]json.RawMessage.
var splitCases = []string{
	`{}`, ` { } `, `null`, ` null `, `[]`, `"s"`, `1`, `true`, ``, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`,
	`{"a":1 "b":2}`, `{"a":1}x`, `{a:1}`,
	`{"a":1,"b":"two","c":true,"d":null,"e":[1,{"x":"}"}],"f":{"g":{"h":[]}}}`,
	`{"a":1,"a":2}`,
	`{"k\"ey":"v","k\\ey":1,"\u00e9":2,"\ud83d\ude00":3,"tab\t":4}`,
	"{\"bad\xff\":1}",
	`{"s":"a \"quoted\" } ] string","n":-1.5e+10,"z":0}`,
	`{ "spaced" : [ 1 , 2 ] , "x" :	"y" }`,
	`{"nested":{"a":{"b":{"c":"]}"}}},"after":1}`,
	`{"event_type":"users.messages.email.Open","id":"x","time":1714602310,"user":{"user_id":"u","external_user_id":"e"},"properties":{"a":"b"}}`,
}

func assertSplitLikeUnmarshal(t *testing.T, in []byte) {
	t.Helper()
	var want map[string]json.RawMessage
	wantErr := json.Unmarshal(in, &want)
	got, gotErr := splitObject(in)
	if wantErr != nil {
		assert.Error(t, gotErr, "input %q: encoding/json fails with %v", in, wantErr)
		return
	}
	require.NoError(t, gotErr, "input %q", in)
	assert.Equal(t, want == nil, got == nil, "input %q: nil map", in)
	require.Len(t, got, len(want), "input %q", in)
	for k, v := range want {
		assert.Equal(t, string(v), string(got[k]), "input %q key %q", in, k)
	}
}

func TestSplitObjectMatchesEncodingJSON(t *testing.T) {
	for _, c := range splitCases {
		assertSplitLikeUnmarshal(t, []byte(c))
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assertSplitLikeUnmarshal(t, data)
		var body struct{ Events []json.RawMessage }
		if json.Unmarshal(data, &body) == nil {
			for _, ev := range body.Events {
				assertSplitLikeUnmarshal(t, ev)
			}
		}
	}
}

func TestSplitObjectCopiesItsInput(t *testing.T) {
	in := []byte(`{"a":"b"}`)
	m, err := splitObject(in)
	require.NoError(t, err)
	copy(in, `{"a":"X"}`)
	assert.Equal(t, `"b"`, string(m["a"]), "values must not alias the caller's buffer")
}

func TestQuotedStringMatchesEncodingJSON(t *testing.T) {
	for _, c := range []string{`"plain"`, `""`, `"with \"escape\""`, `"\u00e9"`, "\"bad\xff\"", "\"ctl\x01\"", `"é"`, `1`, `"`, `null`} {
		got, ok := quotedString([]byte(c))
		if !ok {
			continue // falls back to encoding/json
		}
		var want string
		require.NoError(t, json.Unmarshal([]byte(c), &want), "input %q", c)
		assert.Equal(t, want, got, "input %q", c)
	}
}

// FuzzSplitObject checks splitObject against encoding/json on any input.
func FuzzSplitObject(f *testing.F) {
	for _, c := range splitCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		assertSplitLikeUnmarshal(t, in)
		if s, ok := quotedString(in); ok {
			var want string
			require.NoError(t, json.Unmarshal(in, &want))
			assert.Equal(t, want, s)
		}
	})
}
