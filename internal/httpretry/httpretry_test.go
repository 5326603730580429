package httpretry

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/mpbraze/mpbraze/internal/clock"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestRetryableStatus(t *testing.T) {
	for code, want := range map[int]bool{
		200: false, 201: false, 400: false, 401: false, 403: false, 404: false, 409: false, 413: false,
		415: false, 408: true, 429: true, 500: true, 501: false, 502: true, 503: true, 504: true, 599: true,
	} {
		assert.Equal(t, want, RetryableStatus(code), "status %d", code)
	}
}

func TestParseRetryAfter(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		name string
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{"none", h(), 0, false},
		{"x-ratelimit-retry-after", h("X-Ratelimit-Retry-After", "7"), 7 * time.Second, true},
		{"x wins over retry-after", h("X-Ratelimit-Retry-After", "7", "Retry-After", "2"), 7 * time.Second, true},
		{"lower-case http2 name", http.Header{"X-Ratelimit-Retry-After": {"3"}}, 3 * time.Second, true},
		{"retry-after seconds", h("Retry-After", "12"), 12 * time.Second, true},
		{"retry-after date", h("Retry-After", epoch.Add(90*time.Second).Format(http.TimeFormat)), 90 * time.Second, true},
		{"retry-after past date", h("Retry-After", epoch.Add(-time.Hour).Format(http.TimeFormat)), 0, true},
		{"retry-after garbage", h("Retry-After", "soon"), 0, false},
		{"bad x falls back", h("X-Ratelimit-Retry-After", "x", "Retry-After", "4"), 4 * time.Second, true},
		{"negative seconds clamp", h("Retry-After", "-5"), 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tc.h, epoch)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseReset(t *testing.T) {
	h := http.Header{}
	_, ok := ParseReset(h, epoch)
	assert.False(t, ok)

	h.Set("X-RateLimit-Reset", strconv.FormatInt(epoch.Add(30*time.Second).Unix(), 10))
	d, ok := ParseReset(h, epoch)
	require.True(t, ok)
	assert.Equal(t, 30*time.Second, d)

	h.Set("X-RateLimit-Reset", "45") // seconds left (MAU pricing)
	d, ok = ParseReset(h, epoch)
	require.True(t, ok)
	assert.Equal(t, 45*time.Second, d)

	h.Set("X-RateLimit-Reset", "1.5")
	d, ok = ParseReset(h, epoch)
	require.True(t, ok)
	assert.Equal(t, 1500*time.Millisecond, d)

	h.Set("X-RateLimit-Reset", strconv.FormatInt(epoch.Add(-time.Minute).Unix(), 10))
	d, ok = ParseReset(h, epoch)
	require.True(t, ok)
	assert.Equal(t, time.Duration(0), d)

	for _, bad := range []string{"abc", "-1", "NaN", "1e300"} {
		h.Set("X-RateLimit-Reset", bad)
		_, ok = ParseReset(h, epoch)
		assert.False(t, ok, bad)
	}
}

func TestServerHintResetOnlyFor429(t *testing.T) {
	h := http.Header{}
	h.Set("X-RateLimit-Reset", "20")
	_, ok := ServerHint(&http.Response{StatusCode: 503, Header: h}, epoch)
	assert.False(t, ok, "reset describes the quota window, not an outage")
	d, ok := ServerHint(&http.Response{StatusCode: 429, Header: h}, epoch)
	assert.True(t, ok)
	assert.Equal(t, 20*time.Second, d)
	h.Set("Retry-After", "3")
	d, ok = ServerHint(&http.Response{StatusCode: 503, Header: h}, epoch)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
	_, ok = ServerHint(nil, epoch)
	assert.False(t, ok)
}

func TestBackoff(t *testing.T) {
	p := Policy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.WithDefaults()
	assert.Equal(t, 50*time.Millisecond, p.Backoff(0, 0))
	assert.Equal(t, 100*time.Millisecond-1, p.Backoff(0, 0.99999999))
	assert.Equal(t, 200*time.Millisecond, p.Backoff(2, 0)) // step 400ms, half guaranteed
	assert.Equal(t, 500*time.Millisecond, p.Backoff(10, 0))
	assert.Equal(t, 500*time.Millisecond, p.Backoff(1000, 0), "huge attempt numbers must not overflow")
	assert.Less(t, p.Backoff(63, 2), time.Second, "jitter is clamped below 1")
	assert.Equal(t, 50*time.Millisecond, p.Backoff(-1, -1))
}

func TestPolicyDefaults(t *testing.T) {
	p := Policy{}.WithDefaults()
	assert.Equal(t, DefaultMaxRetries, p.MaxRetries)
	assert.Equal(t, DefaultMinBackoff, p.MinBackoff)
	assert.Equal(t, DefaultMaxBackoff, p.MaxBackoff)
	assert.Equal(t, DefaultMaxRetryAfter, p.MaxRetryAfter)
	assert.Equal(t, 0, Policy{MaxRetries: -1}.WithDefaults().MaxRetries)
	assert.Equal(t, time.Second, Policy{MinBackoff: time.Second, MaxBackoff: time.Millisecond}.WithDefaults().MaxBackoff)
}

func TestBudget(t *testing.T) {
	b := NewBudget(BudgetConfig{Capacity: 10, RetryCost: 4, SuccessRefill: 1})
	assert.True(t, b.TryCharge())
	assert.True(t, b.TryCharge())
	assert.False(t, b.TryCharge(), "2 tokens left, a retry costs 4")
	assert.Equal(t, 2, b.Tokens())
	b.Refill()
	b.Refill()
	assert.True(t, b.TryCharge())
	for range 100 {
		b.Refill()
	}
	assert.Equal(t, 10, b.Tokens(), "refill stops at capacity")

	off := NewBudget(BudgetConfig{Disabled: true})
	for range 1000 {
		require.True(t, off.TryCharge())
	}
	var nilBudget *Budget
	assert.True(t, nilBudget.TryCharge())
	nilBudget.Refill()
	assert.Equal(t, 0, nilBudget.Tokens())
}

func TestWindowRateNeverExceedsQuota(t *testing.T) {
	lim, burst := WindowRate(3000, 3*time.Second, 30)
	assert.Equal(t, 30, burst)
	assert.InDelta(t, 990.0, float64(lim), 1e-9)
	// Any window of 3 s: burst + rate*3 = 3000.
	assert.InDelta(t, 3000.0, float64(burst)+float64(lim)*3, 1e-6)

	lim, burst = WindowRate(0, time.Second, 5)
	assert.Equal(t, rate.Inf, lim)
	assert.Equal(t, 0, burst)
	_, burst = WindowRate(10, time.Second, 50)
	assert.Equal(t, 9, burst)
	lim, burst = WindowRate(1, time.Minute, 1)
	assert.Equal(t, 1, burst)
	assert.InDelta(t, 1.0/60, float64(lim), 1e-9)
}

func TestLimiterOnFakeClock(t *testing.T) {
	clk := clock.NewAutoAdvance(epoch)
	l := NewLimiter(rate.Limit(2), 2, clk) // 2 per second, burst 2
	ctx := context.Background()
	for range 6 {
		require.NoError(t, l.Wait(ctx))
	}
	// burst of 2 free, then 4 more at 500 ms each
	assert.Equal(t, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}, clk.Sleeps())
	assert.Equal(t, epoch.Add(2*time.Second), clk.Now())

	var nilLim *Limiter
	require.NoError(t, nilLim.Wait(ctx))
	assert.Equal(t, rate.Inf, nilLim.Limit())
	require.NoError(t, NewLimiter(rate.Inf, 0, nil).Wait(ctx))
	zero := NewLimiter(0, 0, clk)
	require.NoError(t, zero.Wait(ctx), "the single burst token")
	require.ErrorIs(t, zero.Wait(ctx), ErrLimiterBlocked)
}

func TestLimiterDeadlineTooSoon(t *testing.T) {
	clk := clock.NewAutoAdvance(epoch)
	l := NewLimiter(rate.Limit(0.1), 1, clk) // one per 10 s
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	require.ErrorIs(t, l.Wait(ctx), ErrDeadlineTooSoon)
	assert.Empty(t, clk.Sleeps())
	require.NoError(t, l.Wait(context.Background()), "the token was given back")
	assert.Equal(t, []time.Duration{10 * time.Second}, clk.Sleeps())
}

func TestLimiterCancelReturnsToken(t *testing.T) {
	clk := clock.NewManual(epoch)
	l := NewLimiter(rate.Limit(1), 1, clk)
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx) }()
	require.NoError(t, clk.WaitForWaiters(context.Background(), 1))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 1, l.Burst())
}

// script is a loopback server answering with a fixed sequence of statuses;
// "drop" hijacks and closes the connection without answering.
type script struct {
	mu      sync.Mutex
	steps   []func(w http.ResponseWriter)
	calls   atomic.Int32
	bodies  [][]byte
	headers []http.Header
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := int(s.calls.Add(1)) - 1
	s.bodies = append(s.bodies, b)
	s.headers = append(s.headers, r.Header.Clone())
	var step func(http.ResponseWriter)
	if i < len(s.steps) {
		step = s.steps[i]
	} else {
		step = status(200, nil)
	}
	s.mu.Unlock()
	step(w)
}

func status(code int, hdr map[string]string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"code":` + strconv.Itoa(code) + `}`))
	}
}

func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func newScripted(t *testing.T, steps ...func(http.ResponseWriter)) (*script, *httptest.Server) {
	s := &script{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func send(t *testing.T, c *Client, url string, before func(context.Context) error) (*http.Response, Outcome, error) {
	t.Helper()
	return c.Do(context.Background(), Request{
		Method: http.MethodPost, URL: url, Endpoint: "/test",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"x":1}`),
		BeforeAttempt: before,
	})
}

func TestDoRetriesScheduleAndBody(t *testing.T) {
	s, srv := newScripted(t,
		status(503, nil),
		status(429, map[string]string{"X-Ratelimit-Retry-After": "2"}),
		drop,
		status(429, map[string]string{"Retry-After": "3"}),
		status(429, map[string]string{"X-RateLimit-Reset": "4"}),
		status(200, nil),
	)
	clk := clock.NewAutoAdvance(epoch)
	var retries []Retry
	var beforeCalls int
	c := New(Config{Clock: clk, Seed: 1, Policy: Policy{MaxRetries: 10, MinBackoff: 100 * time.Millisecond},
		OnRetry: func(r Retry) { retries = append(retries, r) }})
	resp, out, err := send(t, c, srv.URL, func(context.Context) error { beforeCalls++; return nil })
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 6, out.Attempts)
	assert.Equal(t, 5, out.Retries())
	assert.NoError(t, out.GaveUp)
	assert.Equal(t, 6, beforeCalls, "the limiter hook runs before every attempt")
	require.Len(t, retries, 5)
	assert.Equal(t, []int{503, 429, 0, 429, 429}, []int{retries[0].StatusCode, retries[1].StatusCode, retries[2].StatusCode, retries[3].StatusCode, retries[4].StatusCode})
	assert.Error(t, retries[2].Err, "dropped connection is a transport error")
	sleeps := clk.Sleeps()
	require.Len(t, sleeps, 5)
	assert.GreaterOrEqual(t, sleeps[0], 50*time.Millisecond)
	assert.Less(t, sleeps[0], 100*time.Millisecond)
	assert.Equal(t, 2*time.Second, sleeps[1])
	assert.GreaterOrEqual(t, sleeps[2], 200*time.Millisecond) // retry #3 backoff: step 400ms
	assert.Less(t, sleeps[2], 400*time.Millisecond)
	assert.Equal(t, 3*time.Second, sleeps[3])
	assert.Equal(t, 4*time.Second, sleeps[4])
	for i, b := range s.bodies {
		assert.Equal(t, `{"x":1}`, string(b), "attempt %d body replayed", i)
		assert.Equal(t, "application/json", s.headers[i].Get("Content-Type"))
	}
}

func TestDoNeverRetriesFinal4xx(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 413, 415, 422, 501} {
		s, srv := newScripted(t, status(code, nil))
		c := New(Config{Clock: clock.NewAutoAdvance(epoch)})
		resp, out, err := send(t, c, srv.URL, nil)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, code, resp.StatusCode)
		assert.Contains(t, string(b), strconv.Itoa(code), "body stays readable")
		assert.Equal(t, 1, out.Attempts)
		assert.Equal(t, int32(1), s.calls.Load(), "status %d", code)
	}
}

func TestDoGivesUpAfterMaxRetriesWithReadableBody(t *testing.T) {
	s, srv := newScripted(t, status(500, nil), status(502, nil), status(504, nil), status(408, nil))
	var gaveUp []error
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: 2},
		OnGiveUp: func(_ Retry, err error) { gaveUp = append(gaveUp, err) }})
	resp, out, err := send(t, c, srv.URL, nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 504, resp.StatusCode)
	assert.JSONEq(t, `{"code":504}`, string(b))
	assert.Equal(t, 3, out.Attempts)
	assert.ErrorIs(t, out.GaveUp, ErrMaxRetries)
	assert.Equal(t, []error{ErrMaxRetries}, gaveUp)
	assert.Equal(t, int32(3), s.calls.Load())
}

func TestDoNoRetriesPolicy(t *testing.T) {
	s, srv := newScripted(t, status(503, nil))
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: -1}})
	resp, out, err := send(t, c, srv.URL, nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.ErrorIs(t, out.GaveUp, ErrMaxRetries)
	assert.Equal(t, int32(1), s.calls.Load())
}

func TestDoRetryAfterTooLong(t *testing.T) {
	s, srv := newScripted(t, status(429, map[string]string{"Retry-After": "3600"}))
	clk := clock.NewAutoAdvance(epoch)
	c := New(Config{Clock: clk})
	resp, out, err := send(t, c, srv.URL, nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.ErrorIs(t, out.GaveUp, ErrRetryAfterTooLong)
	assert.Equal(t, time.Hour, out.RetryAfter)
	assert.Empty(t, clk.Sleeps(), "a too-long hint is reported, not slept through")
	assert.Equal(t, int32(1), s.calls.Load())
}

func TestDoBudgetStopsRetryStorm(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	}))
	t.Cleanup(srv.Close)
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: 3,
		Budget: BudgetConfig{Capacity: 10, RetryCost: 5}}})
	var exhausted int
	for range 5 {
		resp, out, err := send(t, c, srv.URL, nil)
		require.NoError(t, err)
		resp.Body.Close()
		if out.GaveUp == ErrBudgetExhausted {
			exhausted++
		}
	}
	// 2 retries allowed in total by the budget, then single attempts.
	assert.Equal(t, int32(5+2), calls.Load())
	assert.Equal(t, 5, exhausted)
	assert.Equal(t, 0, c.Budget().Tokens())
}

func TestDoBudgetRefundsAnsweredRetry(t *testing.T) {
	_, srv := newScripted(t, status(503, nil), status(200, nil))
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{Budget: BudgetConfig{Capacity: 10, RetryCost: 4}}})
	require.True(t, c.Budget().TryCharge()) // 6 left
	resp, out, err := send(t, c, srv.URL, nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 2, out.Attempts)
	assert.Equal(t, 6, c.Budget().Tokens(), "charged 4 for the retry, refunded 4 when it was answered")
	c.Budget().Refund()
	c.Budget().Refund()
	assert.Equal(t, 10, c.Budget().Tokens())
	var nilBudget *Budget
	nilBudget.Refund()
}

func TestDoBudgetRefillsOnSuccess(t *testing.T) {
	_, srv := newScripted(t) // always 200
	c := New(Config{Policy: Policy{Budget: BudgetConfig{Capacity: 10, RetryCost: 5}}})
	require.True(t, c.Budget().TryCharge())
	require.True(t, c.Budget().TryCharge())
	for range 3 {
		resp, _, err := send(t, c, srv.URL, nil)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, 3, c.Budget().Tokens())
}

func TestDoContextCancelStopsWaiting(t *testing.T) {
	s, srv := newScripted(t, status(503, map[string]string{"Retry-After": "30"}))
	clk := clock.NewManual(epoch)
	c := New(Config{Clock: clk})
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, _, err := c.Do(ctx, Request{Method: "POST", URL: srv.URL, Body: []byte("{}")})
		done <- result{resp, err}
	}()
	require.NoError(t, clk.WaitForWaiters(context.Background(), 1))
	cancel()
	r := <-done
	assert.Nil(t, r.resp)
	assert.ErrorIs(t, r.err, context.Canceled)
	assert.Equal(t, int32(1), s.calls.Load())
}

func TestDoDeadlineTooSoonReturnsAnswer(t *testing.T) {
	s, srv := newScripted(t, status(429, map[string]string{"Retry-After": "30"}))
	clk := clock.NewAutoAdvance(epoch)
	c := New(Config{Clock: clk, Policy: Policy{Budget: BudgetConfig{Capacity: 5, RetryCost: 5}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, out, err := c.Do(ctx, Request{Method: "POST", URL: srv.URL, Body: []byte("{}")})
	require.NoError(t, err, "the 429 is returned, not a context error")
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.ErrorIs(t, out.GaveUp, ErrDeadlineTooSoon)
	assert.Equal(t, 30*time.Second, out.RetryAfter)
	assert.Empty(t, clk.Sleeps())
	assert.Equal(t, int32(1), s.calls.Load())
	assert.Equal(t, 5, c.Budget().Tokens(), "no budget charged for a retry that does not happen")
}

func TestDoContextAlreadyCancelled(t *testing.T) {
	s, srv := newScripted(t)
	c := New(Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := c.Do(ctx, Request{Method: "POST", URL: srv.URL, Body: []byte("{}")})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(0), s.calls.Load())
}

func TestDoBeforeAttemptErrorStops(t *testing.T) {
	s, srv := newScripted(t, status(503, nil))
	c := New(Config{Clock: clock.NewAutoAdvance(epoch)})
	n := 0
	_, _, err := send(t, c, srv.URL, func(context.Context) error {
		n++
		if n == 2 {
			return io.ErrUnexpectedEOF
		}
		return nil
	})
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, int32(1), s.calls.Load())
}

func TestDoTransportErrorExhausted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { drop(w) }))
	t.Cleanup(srv.Close)
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Policy: Policy{MaxRetries: 2}})
	resp, out, err := send(t, c, srv.URL, nil)
	assert.Nil(t, resp)
	require.Error(t, err)
	assert.Equal(t, 3, out.Attempts)
	assert.ErrorIs(t, out.GaveUp, ErrMaxRetries)
}

func TestDoBadURLNotRetried(t *testing.T) {
	c := New(Config{Clock: clock.NewAutoAdvance(epoch)})
	_, out, err := c.Do(context.Background(), Request{Method: "POST", URL: "ftp://example.invalid/x"})
	require.Error(t, err)
	assert.Equal(t, 1, out.Attempts)
}

func TestLoggerWired(t *testing.T) {
	_, srv := newScripted(t, status(503, nil))
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := New(Config{Clock: clock.NewAutoAdvance(epoch), Logger: logger})
	require.NotNil(t, c.Retryable().Logger)
	resp, _, err := send(t, c, srv.URL, nil)
	require.NoError(t, err)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, buf.String(), "retrying")
	assert.Contains(t, buf.String(), "endpoint=/test")
	assert.NotNil(t, c.HTTPClient())
	assert.Equal(t, DefaultMaxRetries, c.Policy().MaxRetries)
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
