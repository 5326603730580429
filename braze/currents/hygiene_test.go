package currents

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mpbraze/mpbraze/internal/testhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hygieneBody is a valid Currents body of exactly n bytes (n >= 150).
func hygieneBody(n int) []byte {
	head := `{"events":[{"event_type":"users.messages.email.Open","id":"e-1","time":1714600000,` +
		`"user":{"user_id":"u","external_user_id":"c-1"},"properties":{"pad":"`
	tail := `"}}]}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// TestHygieneHandlerBodyLimit: bodies over the limit get 413 and never reach
// the sink, whether announced by Content-Length, streamed without one
// (chunked), or a small gzip stream inflating past the limit; bodies within
// the limit pass; the zero option means DefaultMaxBodyBytes. Authentication
// comes first: an unauthenticated sender cannot make the server read
// (or inflate) anything.
func TestHygieneHandlerBodyLimit(t *testing.T) {
	const token, limit = "hygiene-token", 4096
	var calls atomic.Int64
	sink := SinkFunc(func(context.Context, []Event) error { calls.Add(1); return nil })
	h, err := NewHandler(sink, WithToken(token), WithMaxBodyBytes(limit))
	require.NoError(t, err)

	type post struct {
		body             []byte
		gzipped, chunked bool
		token            string
	}
	do := func(h http.Handler, p post) int {
		r := httptest.NewRequest(http.MethodPost, "/currents", bytes.NewReader(p.body))
		if p.chunked {
			r.ContentLength = -1 // length unknown: only the reader's limit stops it
		}
		r.Header.Set("Authorization", "Bearer "+p.token)
		r.Header.Set("Content-Type", "application/json")
		if p.gzipped {
			r.Header.Set("Content-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	bomb := testhttp.Gzip(hygieneBody(1 << 20))
	require.Less(t, len(bomb), limit, "the compressed bomb itself is within the limit")

	assert.Equal(t, http.StatusRequestEntityTooLarge, do(h, post{body: hygieneBody(limit + 1), token: token}), "Content-Length over the limit")
	assert.Equal(t, http.StatusRequestEntityTooLarge, do(h, post{body: hygieneBody(limit + 1), chunked: true, token: token}), "chunked body over the limit")
	assert.Equal(t, http.StatusRequestEntityTooLarge, do(h, post{body: bomb, gzipped: true, token: token}), "gzip bomb")
	assert.Equal(t, http.StatusRequestEntityTooLarge, do(h, post{body: bomb, gzipped: true, chunked: true, token: token}), "chunked gzip bomb")
	assert.Equal(t, http.StatusUnauthorized, do(h, post{body: bomb, gzipped: true, token: "wrong"}), "no reading before authentication")
	assert.Zero(t, calls.Load(), "nothing refused reaches the sink")

	assert.Equal(t, http.StatusOK, do(h, post{body: hygieneBody(limit - 100), token: token}))
	assert.Equal(t, http.StatusOK, do(h, post{body: hygieneBody(limit - 100), chunked: true, token: token}))
	assert.Equal(t, http.StatusOK, do(h, post{body: testhttp.Gzip(hygieneBody(limit - 100)), gzipped: true, token: token}))
	assert.Equal(t, int64(3), calls.Load())

	def, err := NewHandler(sink, WithToken(token))
	require.NoError(t, err)
	assert.Equal(t, http.StatusRequestEntityTooLarge,
		do(def, post{body: bytes.Repeat([]byte(" "), int(DefaultMaxBodyBytes)+1), chunked: true, token: token}),
		"the default limit applies when no option is given")
}

// TestHygieneHandlerOverRealServer: the limit holds over a real connection
// too, where the client streams a large body and the server must stop
// reading rather than buffer it.
func TestHygieneHandlerOverRealServer(t *testing.T) {
	const token = "hygiene-token"
	var calls atomic.Int64
	h, err := NewHandler(SinkFunc(func(context.Context, []Event) error { calls.Add(1); return nil }),
		WithToken(token), WithMaxBodyBytes(1024))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()

	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(bytes.Repeat([]byte(" "), 8<<20)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	} // else: the server closed the connection while the client still wrote, which is fine too.
	assert.Zero(t, calls.Load())
}
