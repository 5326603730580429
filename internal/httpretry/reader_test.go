package httpretry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// Each attempt, and each GetBody rewind, reads the whole body through a
// reader of its own: the call state lends its reader to the first attempt
// only, since an earlier attempt may still be reading when the next one
// starts. Here the first attempt is answered before its body was read
// and reads it only after the call is over; a reader shared with the
// second attempt (or the rewind) would be found at its end.
func TestDoEveryAttemptReadsItsOwnBody(t *testing.T) {
	body := bytes.Repeat([]byte(`{"k":"v"},`), 100)
	var first io.ReadCloser
	var got [][]byte
	var lengths []int64
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		lengths = append(lengths, r.ContentLength)
		if first == nil {
			first = r.Body // answered before the body was written
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: http.NoBody, Request: r}, nil
		}
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		got = append(got, b)
		rewound, err := r.GetBody()
		require.NoError(t, err)
		b, err = io.ReadAll(rewound)
		require.NoError(t, err)
		got = append(got, b)
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	c := New(Config{HTTPClient: &http.Client{Transport: rt}, Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: 1}})
	resp, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: "http://example.invalid/", Body: body})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, 2, out.Attempts)
	late, err := io.ReadAll(first)
	require.NoError(t, err)
	assert.Equal(t, string(body), string(late), "the first attempt's reader, read after the call")
	require.Len(t, got, 2)
	assert.Equal(t, string(body), string(got[0]), "second attempt")
	assert.Equal(t, string(body), string(got[1]), "GetBody")
	assert.Equal(t, []int64{int64(len(body)), int64(len(body))}, lengths, "Content-Length of every attempt")
}

// A call without a body sends an empty one with Content-Length 0, as
// retryablehttp does for an empty []byte.
func TestDoEmptyBody(t *testing.T) {
	var lengths []int64
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		assert.Empty(t, b)
		lengths = append(lengths, r.ContentLength)
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	c := New(Config{HTTPClient: &http.Client{Transport: rt}})
	for _, body := range [][]byte{nil, {}} {
		resp, _, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: "http://example.invalid/", Body: body})
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	assert.Equal(t, []int64{0, 0}, lengths)
}

// The default client asks for no compression: the answers are tiny, and
// the Accept-Encoding header and its bookkeeping cost allocations.
func TestDefaultClientAsksForNoCompression(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	c := New(Config{})
	defer c.HTTPClient().CloseIdleConnections()
	resp, _, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("{}"),
		Header: NewJSONHeader("Bearer k", "ua/1").Header()})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	h := <-got
	assert.Empty(t, h.Values("Accept-Encoding"))
	assert.Equal(t, "application/json", h.Get("Accept"))
}
