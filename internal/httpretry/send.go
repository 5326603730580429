package httpretry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/mpbraze/mpbraze/internal/secret"
)

// Failure says why a call through Send got no answer to hand back.
type Failure uint8

// The ways a call can end without an answer. Each client wraps them in its
// own error types; the classification is shared so the two cannot drift.
const (
	// Answered: the server answered (any status); Result.Response is set.
	Answered Failure = iota
	// ContextEnded: the caller's context was cancelled or its deadline
	// passed; Result.Err wraps the context's error.
	ContextEnded
	// LimiterRefused: the client-side rate limiter refused to wait
	// (ErrDeadlineTooSoon: the token comes after the context's deadline;
	// ErrLimiterBlocked: a zero rate). Nothing was sent for that attempt.
	LimiterRefused
	// TransportFailed: no HTTP answer (connection refused or dropped,
	// timeout, TLS failure) after the retries the policy allowed.
	TransportFailed
)

// Result is how a call through Send ended.
type Result struct {
	// Outcome counts the attempts and says why retrying stopped.
	Outcome
	// Failure classifies the call; Answered when Response is set.
	Failure Failure
	// Response is the final answer when Failure is Answered. The caller
	// must close its body.
	Response *http.Response
	// Err is the error behind a Failure other than Answered, without
	// net/http's URL text.
	Err error
}

// jsonHeader returns the headers both REST clients send with a JSON body:
// Authorization (the credential, e.g. "Bearer …" or "Basic …"),
// Content-Type and Accept application/json, and User-Agent.
//
// The four one-element value slices share one backing array (capped, so an
// append cannot spill into a neighbour). Clients build it once, as a
// SharedHeader (NewJSONHeader), rather than per request.
func jsonHeader(authorization, userAgent string) http.Header {
	v := &[4]string{authorization, "application/json", "application/json", userAgent}
	h := make(http.Header, 4)
	h["Authorization"] = v[0:1:1]
	h["Content-Type"] = v[1:2:2]
	h["Accept"] = v[2:3:3]
	h["User-Agent"] = v[3:4:4]
	return h
}

// SharedHeader is a request header built once (per client) and sent,
// unchanged, with every call as Request.Header. Nothing on the send path
// modifies it: Do hands it to net/http's own Transport as the request's
// header (a copy when the client has a cookie jar or another
// RoundTripper, see Client.setHeader), and net/http's Client clones it
// before adding anything (redirects, URL credentials). It holds a
// credential, so printing it shows no values.
type SharedHeader struct{ h http.Header }

// NewJSONHeader returns jsonHeader(authorization, userAgent) as a
// SharedHeader.
func NewJSONHeader(authorization, userAgent string) SharedHeader {
	return SharedHeader{jsonHeader(authorization, userAgent)}
}

// Header returns the header map, for Request.Header. It must not be
// modified.
func (s SharedHeader) Header() http.Header { return s.h }

// String shows that the header is redacted.
func (s SharedHeader) String() string { return "httpretry.SharedHeader{" + secret.Redacted + "}" }

// GoString is String, so that %#v shows no credential either.
func (s SharedHeader) GoString() string { return s.String() }

// Format writes String for every verb.
func (s SharedHeader) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// Send is Do with the outcome classified, so that callers only map a
// Result to their own error types. For a non-2xx answer RetryAfter falls
// back to the final response's own hint when the retry loop saw none (a
// final 429 that was never retried still reports how long to wait).
func (c *Client) Send(ctx context.Context, req Request) Result {
	resp, out, err := c.Do(ctx, req)
	res := Result{Outcome: out, Response: resp, Err: err}
	switch {
	case err == nil:
		if (resp.StatusCode < 200 || resp.StatusCode > 299) && res.RetryAfter == 0 {
			res.RetryAfter, _ = ServerHint(resp, c.clock.Now())
		}
	case ctx.Err() != nil:
		res.Failure = ContextEnded
	case errors.Is(err, ErrDeadlineTooSoon) || errors.Is(err, ErrLimiterBlocked):
		res.Failure = LimiterRefused
	default:
		res.Failure = TransportFailed
	}
	return res
}

// Counters are the call and retry counters both clients report in their
// ClientStats. The zero value is ready; all methods are safe for concurrent
// use.
type Counters struct {
	// Requests counts calls that reached the network layer.
	Requests atomic.Uint64
	// Attempts counts HTTP attempts, retries included.
	Attempts atomic.Uint64
	// Retries counts retries made.
	Retries atomic.Uint64
	// RateLimited counts 429 answers, retried or not.
	RateLimited atomic.Uint64
	// ServerErrors counts retryable 5xx answers, retried or not.
	ServerErrors atomic.Uint64
	// TransportErrors counts attempts without an answer, retried or not.
	TransportErrors atomic.Uint64
	// GaveUp counts retryable failures not retried further.
	GaveUp atomic.Uint64
	// Failed counts calls that ended in an error.
	Failed atomic.Uint64
}

// Call counts one call and its attempts.
func (c *Counters) Call(r Result) {
	c.Requests.Add(1)
	c.Attempts.Add(uint64(max(r.Attempts, 0)))
}

// Observe counts one retry decision: a retry (gaveUp nil) or a give-up,
// and what the failed attempt got (429, a 5xx, or no answer). Wire it to
// Config.OnRetry and Config.OnGiveUp.
func (c *Counters) Observe(r Retry, gaveUp error) {
	if gaveUp == nil {
		c.Retries.Add(1)
	} else {
		c.GaveUp.Add(1)
	}
	switch {
	case r.StatusCode == http.StatusTooManyRequests:
		c.RateLimited.Add(1)
	case r.StatusCode >= 500:
		c.ServerErrors.Add(1)
	case r.StatusCode == 0:
		c.TransportErrors.Add(1)
	}
}
