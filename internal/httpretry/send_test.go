package httpretry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/clock"
)

func sendOnce(t *testing.T, ctx context.Context, url string, before func(context.Context) error, counters *Counters) Result {
	t.Helper()
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: 1},
		OnRetry: func(r Retry) { counters.Observe(r, nil) }, OnGiveUp: counters.Observe})
	res := c.Send(ctx, Request{Method: http.MethodPost, URL: url, Endpoint: "/e",
		Header: jsonHeader("Bearer k", "ua/1"), Body: []byte(`{}`), BeforeAttempt: before})
	counters.Call(res)
	if res.Response != nil {
		t.Cleanup(func() { _ = res.Response.Body.Close() })
	}
	return res
}

func TestSendClassifiesEveryEnding(t *testing.T) {
	t.Run("answered after a retry", func(t *testing.T) {
		_, srv := newScripted(t, status(503, nil), status(429, map[string]string{"Retry-After": "7"}))
		var n Counters
		res := sendOnce(t, context.Background(), srv.URL, nil, &n)
		require.Equal(t, Answered, res.Failure)
		require.NoError(t, res.Err)
		assert.Equal(t, 429, res.Response.StatusCode)
		assert.Equal(t, 7*time.Second, res.RetryAfter)
		assert.ErrorIs(t, res.GaveUp, ErrMaxRetries)
		assert.Equal(t, uint64(1), n.Requests.Load())
		assert.Equal(t, uint64(2), n.Attempts.Load())
		assert.Equal(t, uint64(1), n.Retries.Load())
		assert.Equal(t, uint64(1), n.GaveUp.Load())
		assert.Equal(t, uint64(1), n.ServerErrors.Load())
		assert.Equal(t, uint64(1), n.RateLimited.Load())
	})
	t.Run("final answer not retried: its own hint", func(t *testing.T) {
		_, srv := newScripted(t, status(413, map[string]string{"Retry-After": "3"}))
		var n Counters
		res := sendOnce(t, context.Background(), srv.URL, nil, &n)
		require.Equal(t, Answered, res.Failure)
		assert.Equal(t, 413, res.Response.StatusCode)
		assert.Equal(t, 3*time.Second, res.RetryAfter)
		assert.NoError(t, res.GaveUp)
		assert.Zero(t, n.Retries.Load()+n.GaveUp.Load())
	})
	t.Run("transport", func(t *testing.T) {
		_, srv := newScripted(t, drop, drop)
		var n Counters
		res := sendOnce(t, context.Background(), srv.URL, nil, &n)
		assert.Equal(t, TransportFailed, res.Failure)
		assert.Error(t, res.Err)
		assert.Nil(t, res.Response)
		assert.Equal(t, uint64(2), n.TransportErrors.Load())
	})
	t.Run("limiter", func(t *testing.T) {
		_, srv := newScripted(t, status(200, nil))
		var n Counters
		res := sendOnce(t, context.Background(), srv.URL, func(context.Context) error { return ErrDeadlineTooSoon }, &n)
		assert.Equal(t, LimiterRefused, res.Failure)
		assert.ErrorIs(t, res.Err, ErrDeadlineTooSoon)
		res = sendOnce(t, context.Background(), srv.URL, func(context.Context) error { return ErrLimiterBlocked }, &n)
		assert.Equal(t, LimiterRefused, res.Failure)
	})
	t.Run("context", func(t *testing.T) {
		_, srv := newScripted(t, status(200, nil))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var n Counters
		res := sendOnce(t, ctx, srv.URL, nil, &n)
		assert.Equal(t, ContextEnded, res.Failure)
		assert.True(t, errors.Is(res.Err, context.Canceled))
	})
}

func TestJSONHeader(t *testing.T) {
	h := jsonHeader("Basic xyz", "mpbraze-go/0")
	assert.Equal(t, http.Header{
		"Authorization": {"Basic xyz"}, "Content-Type": {"application/json"},
		"Accept": {"application/json"}, "User-Agent": {"mpbraze-go/0"},
	}, h)
}

func TestSharedHeaderPrintsNoCredential(t *testing.T) {
	h := NewJSONHeader("Bearer sekrit", "ua/1")
	require.Equal(t, "Bearer sekrit", h.Header().Get("Authorization"))
	for _, s := range []string{fmt.Sprint(h), fmt.Sprintf("%+v %#v %s %q", h, h, h, h), h.String(), h.GoString()} {
		assert.NotContains(t, s, "sekrit")
	}
}

// A cookie jar makes net/http add cookies to the request's header map, so
// the shared header must then be copied, not handed over.
func TestSharedHeaderUntouchedByCookieJar(t *testing.T) {
	var cookies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookies = append(cookies, r.Header.Get("Cookie"))
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc"})
	}))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := New(Config{HTTPClient: &http.Client{Jar: jar}})
	h := NewJSONHeader("Bearer k", "ua/1")
	for range 2 {
		res := c.Send(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Header: h.Header(), Body: []byte(`{}`)})
		require.Equal(t, Answered, res.Failure)
		require.NoError(t, res.Response.Body.Close())
	}
	assert.Equal(t, []string{"", "session=abc"}, cookies)
	assert.Equal(t, jsonHeader("Bearer k", "ua/1"), h.Header())
}

// headerWriter is a RoundTripper middleware that, against RoundTripper's
// contract, writes into the request's header before passing it on.
type headerWriter struct{ next http.RoundTripper }

func (h headerWriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("X-Trace", "t-1")
	return h.next.RoundTrip(r)
}

// Behind a RoundTripper that is not net/http's Transport, each call gets a
// copy of the shared header: a middleware writing into it never changes
// the map that concurrent calls share (under -race, a shared map would also
// be reported).
func TestSharedHeaderUntouchedByAnotherRoundTripper(t *testing.T) {
	var traces []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traces = append(traces, r.Header.Get("X-Trace"))
	}))
	defer srv.Close()
	c := New(Config{HTTPClient: &http.Client{Transport: headerWriter{http.DefaultTransport}}})
	h := NewJSONHeader("Bearer k", "ua/1")
	for range 2 {
		res := c.Send(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Header: h.Header(), Body: []byte(`{}`)})
		require.Equal(t, Answered, res.Failure)
		require.NoError(t, res.Response.Body.Close())
	}
	assert.Equal(t, []string{"t-1", "t-1"}, traces)
	assert.Equal(t, jsonHeader("Bearer k", "ua/1"), h.Header())
}
