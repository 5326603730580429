package braze

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkSimpleDecode asserts that decodeSimple either declines data or
// decodes it exactly as json.Unmarshal does.
func checkSimpleDecode(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	var fast TrackResponse
	if !fast.decodeSimple(data) {
		assert.Equal(t, TrackResponse{}, fast, "declined input %q left fields set", data)
		return false
	}
	var ref TrackResponse
	require.NoError(t, json.Unmarshal(data, &ref), "accepted %q, which encoding/json refuses", data)
	require.Equal(t, ref, fast, "input %q", data)
	return true
}

func TestTrackResponseDecodeSimpleMatchesEncodingJSON(t *testing.T) {
	accept := []string{
		`{"message":"success","events_processed":75}`,
		`{"message":"success","attributes_processed":19,"events_processed":37,"purchases_processed":19}`,
		` { "message" : "success" , "purchases_processed" : 0 } ` + "\n",
		`{}`, `{"message":""}`, `{"events_processed":1,"events_processed":2}`,
		`{"events_processed":999999999999999999}`,
	}
	for _, s := range accept {
		assert.True(t, checkSimpleDecode(t, []byte(s)), "%s should take the fast path", s)
	}
	decline := []string{
		``, ` `, `null`, `[]`, `{`, `{"message":"success"`, `{"message":"success",}`, `{"message":"success"} x`,
		`{"message":"a\"b"}`, `{"message":"caf\u00e9"}`, "{\"message\":\"caf\xc3\xa9\"}", `{"Message":"success"}`,
		`{"message":1}`, `{"events_processed":-1}`, `{"events_processed":1.5}`, `{"events_processed":1e2}`,
		`{"events_processed":01}`, `{"events_processed":"1"}`, `{"events_processed":null}`, `{"message":null}`,
		`{"events_processed":1234567890123456789}`, `{"errors":[]}`, `{"other":1}`,
		`{"message":"success","errors":[{"type":"x","input_array":"events","index":0}]}`,
	}
	for _, s := range decline {
		assert.False(t, checkSimpleDecode(t, []byte(s)), "%s should fall back to encoding/json", s)
	}
}

// Random mutations of a typical answer: whatever decodeSimple accepts, it
// decodes as encoding/json does.
func TestTrackResponseDecodeSimpleRandomInputs(t *testing.T) {
	base := []byte(`{"message":"success","attributes_processed":19,"events_processed":37,"purchases_processed":0}`)
	alphabet := []byte(` "{}:,0123456789-.eE\\abcdefgmnoprstu_` + "\t\n\x00\xff")
	rng := rand.New(rand.NewPCG(13, 14))
	for range 20000 {
		data := append([]byte(nil), base...)
		for range 1 + rng.IntN(3) {
			p := rng.IntN(len(data) + 1)
			switch rng.IntN(3) {
			case 0:
				data = append(data[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, data[p:]...)...)
			case 1:
				if p < len(data) {
					data = append(data[:p], data[p+1:]...)
				}
			default:
				if p < len(data) {
					data[p] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		}
		checkSimpleDecode(t, data)
	}
}

// TestTrackResponseDecodeSimpleKeepsNoInput: the usual answer decodes
// without allocating, and a message other than "success" is a copy that
// outlives the buffer it was read from (the client reuses that buffer).
func TestTrackResponseDecodeSimpleKeepsNoInput(t *testing.T) {
	usual := []byte(`{"message":"success","events_processed":75}`)
	var r TrackResponse
	assert.Zero(t, testing.AllocsPerRun(100, func() { r = TrackResponse{}; r.decodeSimple(usual) }))
	assert.Equal(t, TrackResponse{Message: "success", EventsProcessed: 75}, r)

	other := []byte(`{"message":"queued","events_processed":1}`)
	require.True(t, r.decodeSimple(other))
	copy(other, bytes.Repeat([]byte("x"), len(other)))
	assert.Equal(t, "queued", r.Message)
}

// trackEncodedInto zeroes the answer it is given before decoding into it:
// the Batcher hands in a recycled one, and an answer decoded the long way
// (encoding/json, which keeps the fields a document lacks) must not keep
// a previous request's errors or counts.
func TestTrackEncodedIntoZeroesTheAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"message":"success","events_processed":2,"extra":true}`)
	}))
	defer srv.Close()
	c, err := NewClient("k", WithBaseURL(srv.URL), WithAllowHTTP(), WithRateLimits(RateLimits{Disabled: true}))
	require.NoError(t, err)
	resp := TrackResponse{Message: "old", AttributesProcessed: 7,
		Errors: []ObjectError{{Type: "stale", InputArray: "events", Index: 0}}}
	buf := c.bodyBufferOf(64)
	body := append(buf.b[:0], `{"events":[]}`...)
	require.NoError(t, c.trackEncodedInto(context.Background(), buf, body, &resp))
	assert.Equal(t, TrackResponse{Message: "success", EventsProcessed: 2}, resp)
}
