package httpretry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// After a call whose attempts were all answered, every write of the body
// has ended: Outcome.BodyIdle lets the caller reuse the bytes. Each attempt
// carried the whole body, larger than the connection's write buffer here.
// The server answers once it has read the body, which can reach Do before
// the transport's writing goroutine has reported the end of its write; such
// a call is, correctly, not idle (its buffer is just not reused). So the
// test asks that some of several calls are found idle, which fails if the
// writes of retried attempts are never all accounted for.
func TestDoReportsTheBodyIdleAfterRetries(t *testing.T) {
	body := bytes.Repeat([]byte(`{"k":"v"},`), 10000) // 100 KB
	c := New(Config{Policy: Policy{MaxRetries: 5, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}})
	idle := 0
	for range 10 {
		s, srv := newScripted(t, status(503, nil), status(429, nil), status(200, nil))
		resp, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Body: body, WatchBody: true})
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, 3, out.Attempts)
		if out.BodyIdle {
			idle++
		}
		require.Len(t, s.bodies, 3)
		for _, b := range s.bodies {
			assert.Equal(t, body, b)
		}
		srv.Close()
	}
	assert.Positive(t, idle, "no call out of 10 was found idle")
}

// HTTP/2 reports its connections and writes too, so a body sent over it is
// found idle as well. Over HTTP/2 the answer may reach Do before the
// transport's write loop has reported its end (the server answers once it
// has read the body, while the client goroutine that wrote it is still
// returning): that call is then, correctly, not idle, and its buffer is
// not reused. So the test asks that some calls out of many are found idle,
// which fails if HTTP/2 never reports its writes.
func TestDoReportsTheBodyIdleOverHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c := New(Config{HTTPClient: srv.Client()})
	idle := 0
	for range 20 {
		resp, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Body: []byte(`{"a":1}`), WatchBody: true})
		require.NoError(t, err)
		assert.Equal(t, 2, resp.ProtoMajor)
		_ = resp.Body.Close()
		if out.BodyIdle {
			idle++
		}
	}
	assert.Positive(t, idle, "no HTTP/2 call out of 20 was found idle")
}

// A call that never sends anything has nothing in flight.
func TestDoRefusedBeforeSendingIsIdle(t *testing.T) {
	c := New(Config{})
	_, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: "http://127.0.0.1:1/", Body: []byte("{}"), WatchBody: true,
		BeforeAttempt: func(context.Context) error { return ErrLimiterBlocked }})
	require.ErrorIs(t, err, ErrLimiterBlocked)
	assert.True(t, out.BodyIdle)
}

// When the server answers without reading the body, net/http may still be
// writing it after Do returns. A body reported idle is overwritten at once
// here: under -race, a write still reading it would be reported.
func TestDoEarlyAnswerNeverReportsABodyInUseIdle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	}))
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), 4<<20)
	c := New(Config{})
	for range 5 {
		resp, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Body: body, WatchBody: true})
		if err == nil {
			_ = resp.Body.Close()
		}
		if out.BodyIdle {
			for i := range body {
				body[i] = 'y'
			}
		}
	}
}

// roundTripFunc is an http.RoundTripper that is not net/http's Transport.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A RoundTripper that calls no httptrace hooks proves nothing about when it
// is done with the body, so the body is not reported idle.
func TestDoThroughAnotherRoundTripperIsNotIdle(t *testing.T) {
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
	})
	c := New(Config{HTTPClient: &http.Client{Transport: rt}})
	resp, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: "http://example.invalid/", Body: []byte("{}"), WatchBody: true})
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.False(t, out.BodyIdle)
}

// Without WatchBody nothing is watched and nothing is reported idle.
func TestDoWithoutWatchBodyReportsNothing(t *testing.T) {
	_, srv := newScripted(t, status(200, nil))
	c := New(Config{})
	resp, out, err := c.Do(context.Background(), Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("{}")})
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.False(t, out.BodyIdle)
}
