package braze

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/httpretry"
)

func TestInstances(t *testing.T) {
	want := map[Instance]string{
		US01: "https://rest.iad-01.braze.com", US02: "https://rest.iad-02.braze.com",
		US03: "https://rest.iad-03.braze.com", US04: "https://rest.iad-04.braze.com",
		US05: "https://rest.iad-05.braze.com", US06: "https://rest.iad-06.braze.com",
		US07: "https://rest.iad-07.braze.com", US08: "https://rest.iad-08.braze.com",
		US10: "https://rest.us-10.braze.com", EU01: "https://rest.fra-01.braze.eu",
		EU02: "https://rest.fra-02.braze.eu", AU01: "https://rest.au-01.braze.com",
		ID01: "https://rest.id-01.braze.com", JP01: "https://rest.jp-01.braze.com",
		KR01: "https://rest.kr-01.braze.com",
	}
	require.Len(t, Instances(), len(want))
	for _, i := range Instances() {
		assert.Equal(t, want[i], i.BaseURL(), i.String())
		assert.True(t, i.Valid())
		got, err := ParseInstance(strings.ToLower(string(i)))
		require.NoError(t, err)
		assert.Equal(t, i, got)
	}
	assert.Equal(t, "", Instance("US-09").BaseURL())
	assert.False(t, Instance("US-09").Valid())
}

func TestParseInstance(t *testing.T) {
	for in, want := range map[string]Instance{
		"US-03": US03, "us03": US03, " Us-03 ": US03, "us_03": US03, "iad-03": US03,
		"rest.iad-03.braze.com": US03, "https://rest.fra-02.braze.eu": EU02, "fra-01": EU01,
		"EU01": EU01, "us-10": US10, "KR-01": KR01, "au01": AU01,
	} {
		got, err := ParseInstance(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "US-09", "US-3", "US", "mars-01", "US-0300"} {
		_, err := ParseInstance(bad)
		assert.Error(t, err, bad)
	}
}

func TestNewClientConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		key    string
		opts   []Option
		option string
		text   string
	}{
		{"empty key", "", []Option{WithInstance(US01)}, "restKey", "empty"},
		{"blank key", "  ", []Option{WithInstance(US01)}, "restKey", "empty"},
		{"key with newline", "a\nb", []Option{WithInstance(US01)}, "restKey", "line break"},
		{"no endpoint", "k", nil, "WithInstance", "no Braze endpoint"},
		{"both", "k", []Option{WithInstance(US01), WithBaseURL("https://x.example")}, "WithInstance", "conflicts with WithBaseURL"},
		{"unknown instance", "k", []Option{WithInstance("US-09")}, "WithInstance", "unknown instance"},
		{"http refused", "k", []Option{WithBaseURL("http://127.0.0.1:1")}, "WithBaseURL", "WithAllowHTTP"},
		{"relative", "k", []Option{WithBaseURL("/users")}, "WithBaseURL", "not an absolute URL"},
		{"ftp", "k", []Option{WithBaseURL("ftp://x.example")}, "WithBaseURL", "scheme must be https"},
		{"credentials", "k", []Option{WithBaseURL("https://user:pw@x.example")}, "WithBaseURL", "credentials"},
		{"query", "k", []Option{WithBaseURL("https://x.example?a=1")}, "WithBaseURL", "query"},
		{"negative burst", "k", []Option{WithInstance(US01), WithRateLimits(RateLimits{Users: RateLimit{Burst: -1}})}, "WithRateLimits", "Users.Burst"},
		{"negative per", "k", []Option{WithInstance(US01), WithRateLimits(RateLimits{Track: RateLimit{Requests: 5, Per: -time.Second}})}, "WithRateLimits", `WithRateLimits.Track.Per "-1s": must not be negative`},
		{"negative backoff", "k", []Option{WithInstance(US01), WithRetryPolicy(RetryPolicy{MinBackoff: -1})}, "WithRetryPolicy", `WithRetryPolicy.MinBackoff "-1ns": must not be negative`},
		{"negative limits", "k", []Option{WithInstance(US01), WithLimits(Limits{MaxObjects: -1})}, "WithLimits", `WithLimits.MaxObjects "-1": must not be negative`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.key, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.option, ce.Option)
			assert.Contains(t, err.Error(), tc.text)
			assert.NotContains(t, err.Error(), "pw@", "credentials in a URL are not echoed")
		})
	}
}

func TestNewClientBaseURL(t *testing.T) {
	c, err := NewClient("k", WithInstance(EU01))
	require.NoError(t, err)
	assert.Equal(t, "https://rest.fra-01.braze.eu", c.BaseURL())
	c, err = NewClient("k", WithBaseURL("https://proxy.example/braze/"))
	require.NoError(t, err)
	assert.Equal(t, "https://proxy.example/braze", c.BaseURL())
	c, err = NewClient("k", WithBaseURL("http://127.0.0.1:8080"), WithAllowHTTP(), nil)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080", c.BaseURL())
	assert.Equal(t, DefaultLimits(), c.Limits())
	c, err = NewClient("k", WithInstance(US01), WithLimits(LegacyLimits()))
	require.NoError(t, err)
	assert.True(t, c.Limits().PerArray)
}

// TestRequestHeaders checks the wire details the fake does not record.
func TestRequestHeaders(t *testing.T) {
	var got http.Header
	var method, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, method, path = r.Header.Clone(), r.Method, r.URL.Path
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"message":"success","events_processed":1}`))
	}))
	defer srv.Close()
	c, err := NewClient("key-123", WithBaseURL(srv.URL+"/prefix"), WithAllowHTTP())
	require.NoError(t, err)
	resp, err := c.Track(context.Background(), &TrackRequest{Events: []Event{{Identifier: ExternalID("u"), Name: "e", Time: time.Now()}}})
	require.NoError(t, err)
	assert.Equal(t, 1, resp.EventsProcessed)
	assert.Equal(t, "POST", method)
	assert.Equal(t, "/prefix/users/track", path)
	assert.Equal(t, "Bearer key-123", got.Get("Authorization"))
	assert.Equal(t, "application/json", got.Get("Content-Type"))
	assert.Equal(t, DefaultUserAgent, got.Get("User-Agent"))

	c, err = NewClient("key-123", WithBaseURL(srv.URL), WithAllowHTTP(), WithUserAgent("my-app/2"))
	require.NoError(t, err)
	_, err = c.Track(context.Background(), &TrackRequest{Events: []Event{{Identifier: ExternalID("u"), Name: "e", Time: time.Now()}}})
	require.NoError(t, err)
	assert.Equal(t, "my-app/2", got.Get("User-Agent"))
}

func TestAPIErrorFormattingAndMatching(t *testing.T) {
	e := &APIError{StatusCode: 400, Message: "Valid data must be provided", Endpoint: "/users/track", Attempts: 1,
		Errors: []ObjectError{{Type: "bad", InputArray: "events", Index: 2}}}
	assert.Equal(t, `braze: POST /users/track: 400 Bad Request: Valid data must be provided (1 object errors, first: events[2]: bad)`, e.Error())
	assert.False(t, e.Temporary())
	assert.Nil(t, e.Unwrap())

	e = &APIError{StatusCode: 503, Message: "Service Unavailable", Endpoint: "/users/track", Attempts: 5, Retryable: true, cause: ErrRetriesExhausted}
	assert.Equal(t, "braze: POST /users/track: 503 Service Unavailable after 5 attempts (retries exhausted)", e.Error())
	assert.True(t, e.Temporary())
	assert.ErrorIs(t, e, ErrRetriesExhausted)

	for status, sentinel := range map[int]error{429: ErrRateLimited, 401: ErrUnauthorized, 403: ErrForbidden, 413: ErrBodyTooLarge} {
		err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: status})
		assert.ErrorIs(t, err, sentinel)
		assert.NotErrorIs(t, &APIError{StatusCode: 400}, sentinel)
	}

	te := &TransportError{Endpoint: "/users/track", Attempts: 3, Err: errors.New("connection reset"), GaveUp: ErrRetryBudgetExhausted}
	assert.Equal(t, "braze: POST /users/track: connection reset after 3 attempts (retry budget exhausted)", te.Error())
	assert.True(t, te.Temporary())
	assert.ErrorIs(t, te, ErrRetryBudgetExhausted)
	assert.False(t, (&TransportError{Endpoint: "/x", Attempts: 1, Err: errors.New("x")}).Temporary())
}

func TestMatchObjectErrors(t *testing.T) {
	req := &TrackRequest{
		Attributes: []Attributes{{Identifier: ExternalID("a0")}},
		Events:     []Event{{Identifier: ExternalID("e0")}, {Identifier: ExternalID("e1")}},
		Purchases:  []Purchase{{Identifier: ExternalID("p0")}},
	}
	errs := []ObjectError{{"x", "events", 1}, {"y", "purchases", 0}, {"z", "attributes", 0}, {"w", "events", 9}, {"v", "bogus", 0}, {"u", "events", -1}}
	got := MatchObjectErrors(req, errs)
	require.Len(t, got, 6)
	assert.Same(t, &req.Events[1], got[0].Event)
	assert.Same(t, &req.Purchases[0], got[1].Purchase)
	assert.Same(t, &req.Attributes[0], got[2].Attributes)
	for _, f := range got[3:] {
		assert.False(t, f.Found(), "out-of-range errors are kept, unmatched")
	}
	assert.True(t, got[0].Found())
	assert.Nil(t, MatchObjectErrors(req, nil))
	assert.Len(t, MatchObjectErrors(nil, errs), 6)
	var nilResp *TrackResponse
	assert.Nil(t, nilResp.FailedObjects(req))
	resp := &TrackResponse{Errors: errs[:1]}
	assert.Equal(t, "e1", resp.FailedObjects(req)[0].Event.ExternalID)
	apiErr := &APIError{Errors: errs[1:2]}
	assert.Equal(t, "p0", apiErr.FailedObjects(req)[0].Purchase.ExternalID)
}

func TestRateLimitsConfig(t *testing.T) {
	d := DefaultRateLimits()
	assert.Equal(t, RateLimit{Requests: 3000, Per: 3 * time.Second}, d.Track)
	assert.Equal(t, RateLimit{Requests: 20000, Per: time.Minute}, d.Users)
	assert.Equal(t, RateLimit{Requests: 5000, Per: time.Minute}, d.Subscription)
	assert.Equal(t, RateLimit{Requests: 1000, Per: time.Minute}, d.Rename)

	c, err := NewClient("k", WithInstance(US01))
	require.NoError(t, err)
	track := c.limiters[familyTrack]
	require.NotNil(t, track)
	assert.Equal(t, 30, track.Burst())
	assert.InDelta(t, 990, float64(track.Limit()), 1e-9)

	c, err = NewClient("k", WithInstance(US01), WithRateLimits(RateLimits{Track: RateLimit{Requests: -1}, Users: RateLimit{Requests: 60}}))
	require.NoError(t, err)
	assert.Nil(t, c.limiters[familyTrack], "negative = unlimited")
	assert.InDelta(t, 59.0/60, float64(c.limiters[familyUsers].Limit()), 1e-9, "Per keeps its default")
	assert.NotNil(t, c.limiters[familyRename])

	c, err = NewClient("k", WithInstance(US01), WithRateLimits(RateLimits{Disabled: true}))
	require.NoError(t, err)
	for f := range numFamilies {
		assert.Nil(t, c.limiters[f])
	}
}

// hookSink keeps TestWaitHooksBoundOnce's hooks, so that they escape as
// a request's do.
var hookSink func(context.Context) error

// The BeforeAttempt hook of each rate-limited family is its limiter's Wait
// bound once per client: handing it to a request allocates nothing (a
// method value made per request escaped into the call's state, one
// allocation each), an unlimited family has none, and the hook takes the
// limiter's tokens.
func TestWaitHooksBoundOnce(t *testing.T) {
	c, err := NewClient("k", WithInstance(US01), WithRateLimits(RateLimits{
		Track: RateLimit{Requests: 2, Per: time.Hour, Burst: 2}, Users: RateLimit{Requests: -1}}))
	require.NoError(t, err)
	assert.Nil(t, c.waitFunc(familyUsers), "unlimited")
	wait := c.waitFunc(familyTrack)
	require.NotNil(t, wait)
	assert.Zero(t, testing.AllocsPerRun(100, func() { hookSink = c.waitFunc(familyTrack) }))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	granted := 0
	for ; granted < 10 && wait(ctx) == nil; granted++ {
	}
	assert.True(t, granted >= 1 && granted <= 2, "2 requests an hour granted %d at once", granted)
	require.ErrorIs(t, wait(ctx), httpretry.ErrDeadlineTooSoon, "the next token is far past the deadline")
}

// ctLogBuffer is a goroutine-safe log sink.
type ctLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *ctLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *ctLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func ctDebugLogger(w *ctLogBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestClientPrintsNoKey(t *testing.T) {
	const key = "rest-key-SECRET-0123456789"
	c, err := NewClient(key, WithInstance(US03))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		assert.NotContains(t, fmt.Sprintf(verb, c), key, verb)
	}
	assert.Equal(t, "braze.Client{https://rest.iad-03.braze.com}", c.String())
	var logs ctLogBuffer
	ctDebugLogger(&logs).Info("client", "c", c)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("client", "c", c)
	assert.NotContains(t, logs.String(), key)
	assert.Contains(t, logs.String(), "rest.iad-03")
}

func ctSprintf(format string, v any) string { return fmt.Sprintf(format, v) }
