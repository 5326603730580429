package currents

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testToken = "currents-token-7f3a9c"

// recordingSink keeps every accepted batch; fail makes Accept refuse.
type recordingSink struct {
	mu      sync.Mutex
	batches [][]Event
	fail    error
}

func (s *recordingSink) Accept(_ context.Context, events []Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.batches = append(s.batches, events)
	return nil
}

func (s *recordingSink) events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []Event
	for _, b := range s.batches {
		all = append(all, b...)
	}
	return all
}

type harness struct {
	srv  *httptest.Server
	sink *recordingSink
	logs *bytes.Buffer
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	h := &harness{sink: &recordingSink{}, logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: h.logs}, nil))
	handler, err := NewHandler(h.sink, append([]Option{WithToken(testToken), WithLogger(logger)}, opts...)...)
	require.NoError(t, err)
	h.srv = httptest.NewServer(handler)
	t.Cleanup(h.srv.Close)
	return h
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// post sends body with the given Authorization header ("" = none) and
// returns the status and decoded JSON answer.
func (h *harness) post(t *testing.T, auth string, body []byte, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	return resp.StatusCode, out
}

func TestHandlerAcceptsFixture(t *testing.T) {
	h := newHarness(t)
	body := readFile(t, "testdata/fixture_custom_http.json")
	status, out := h.post(t, "Bearer "+testToken, body)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, map[string]any{"accepted": float64(2)}, out)
	got := h.sink.events()
	require.Len(t, got, 2)
	assert.Equal(t, EmailSend, got[0].Type)
	assert.Equal(t, PushOpen, got[1].Type)
	assert.Contains(t, h.logs.String(), `"status":200`)
	assert.NotContains(t, h.logs.String(), testToken)
}

func TestHandlerAcceptsEveryFamily(t *testing.T) {
	h := newHarness(t)
	body := readFile(t, "testdata/all_families.json")
	want, err := DecodeBody(body)
	require.NoError(t, err)
	status, _ := h.post(t, "bearer "+testToken, body) // scheme is case-insensitive
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, want, h.sink.events())
}

func TestHandlerAuth(t *testing.T) {
	h := newHarness(t)
	body := readFile(t, "testdata/fixture_custom_http.json")
	for _, auth := range []string{"", "Bearer", "Bearer ", "Basic " + testToken, "Bearer wrong", "Bearer " + testToken + "x", "Bearer " + testToken[:5]} {
		status, out := h.post(t, auth, body)
		assert.Equal(t, http.StatusUnauthorized, status, "auth %q", auth)
		assert.Contains(t, out["error"], "bearer token")
	}
	assert.Empty(t, h.sink.events(), "nothing reaches the sink without the token")
	assert.NotContains(t, h.logs.String(), testToken)
	assert.Contains(t, h.logs.String(), "invalid bearer token")
	assert.Contains(t, h.logs.String(), "missing bearer token")
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	h := newHarness(t)
	resp, err := h.srv.Client().Get(h.srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
}

func TestHandlerOversizeBody(t *testing.T) {
	h := newHarness(t, WithMaxBodyBytes(1024))
	big := []byte(`{"events":[{"event_type":"users.messages.email.Send","id":"1","properties":{"pad":"` + strings.Repeat("x", 2000) + `"}}]}`)

	status, out := h.post(t, "Bearer "+testToken, big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Contains(t, out["error"], "larger than 1024 bytes")

	// Without a Content-Length (chunked), the limit is enforced while reading.
	req, err := http.NewRequest(http.MethodPost, h.srv.URL, io.MultiReader(bytes.NewReader(big)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)

	// A small gzip body that expands past the limit is refused too.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(big)
	require.NoError(t, zw.Close())
	require.Less(t, gz.Len(), 1024)
	status, _ = h.post(t, "Bearer "+testToken, gz.Bytes(), "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Empty(t, h.sink.events())
}

func TestHandlerGzip(t *testing.T) {
	h := newHarness(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(readFile(t, "testdata/fixture_custom_http.json"))
	require.NoError(t, zw.Close())
	status, out := h.post(t, "Bearer "+testToken, gz.Bytes(), "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, float64(2), out["accepted"])

	status, out = h.post(t, "Bearer "+testToken, []byte("not gzip"), "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, out["error"], "gzip")

	status, _ = h.post(t, "Bearer "+testToken, []byte("{}"), "Content-Encoding", "br")
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
}

func TestHandlerMalformedBodies(t *testing.T) {
	h := newHarness(t)
	cases := map[string]string{
		`{"events":[{"event_type":"a","time":"later"}]}`: `events[0].time: "later" is not an integer`,
		`{"events":[{"event_type":"a"},`:                 "body ends early",
		`{"evts":[]}`:                                    "events: missing",
		`<xml/>`:                                         "invalid JSON",
	}
	for body, reason := range cases {
		status, out := h.post(t, "Bearer "+testToken, []byte(body))
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, out["error"], reason, body)
	}
	assert.Empty(t, h.sink.events(), "a malformed batch is refused as a whole")
}

func TestHandlerEmptyBatchSkipsSink(t *testing.T) {
	h := newHarness(t)
	h.sink.fail = errors.New("must not be called")
	status, out := h.post(t, "Bearer "+testToken, []byte(`{"events":[]}`))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, float64(0), out["accepted"])
}

func TestHandlerSinkErrorAsksForRetry(t *testing.T) {
	h := newHarness(t)
	h.sink.fail = fmt.Errorf("queue full: internal detail db-7")
	status, out := h.post(t, "Bearer "+testToken, readFile(t, "testdata/fixture_custom_http.json"))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.NotContains(t, out["error"], "db-7", "sink internals stay in the log")
	assert.Contains(t, h.logs.String(), "db-7")
	assert.Contains(t, h.logs.String(), `"level":"ERROR"`)

	h.sink.mu.Lock()
	h.sink.fail = nil
	h.sink.mu.Unlock()
	status, _ = h.post(t, "Bearer "+testToken, readFile(t, "testdata/fixture_custom_http.json"))
	assert.Equal(t, http.StatusOK, status, "Braze's retry succeeds once the sink recovers")
	assert.Len(t, h.sink.events(), 2)
}

func TestNewHandlerValidation(t *testing.T) {
	_, err := NewHandler(&recordingSink{})
	assert.ErrorIs(t, err, ErrNoToken)
	_, err = NewHandler(&recordingSink{}, WithToken(""))
	assert.ErrorIs(t, err, ErrNoToken)
	_, err = NewHandler(nil, WithToken("x"))
	assert.Error(t, err)
	h, err := NewHandler(SinkFunc(func(context.Context, []Event) error { return nil }), WithoutAuth())
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"events":[{"event_type":"x"}]}`)))
	assert.Equal(t, http.StatusOK, rec.Code)
}

func TestHandlerNeverPrintsToken(t *testing.T) {
	h, err := NewHandler(&recordingSink{}, WithToken(testToken))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, h), testToken, verb)
		assert.NotContains(t, fmt.Sprintf(verb, *h), testToken, verb)
	}
}
