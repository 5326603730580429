// Package httpretry is the retry machinery shared by the Braze and mParticle
// clients: which failures are retried, how long to wait (jittered exponential
// backoff or the server's own hint), a retry budget that stops an outage from
// turning into a retry storm, and a go-retryablehttp client wired to
// log/slog and to an injectable clock.
//
// The retry decision, the wait and the budget all live here; the caller's
// per-request hook (BeforeAttempt, typically a rate limiter) runs before every
// attempt, the first one included. Waiting happens on the injected clock.Clock,
// never on package time directly, so tests drive the whole schedule with a
// fake clock.
package httpretry

import (
	"errors"
	"time"
)

// Defaults applied by Policy.WithDefaults to zero fields.
const (
	DefaultMaxRetries    = 4
	DefaultMinBackoff    = 250 * time.Millisecond
	DefaultMaxBackoff    = 30 * time.Second
	DefaultMaxRetryAfter = time.Minute
)

// Sentinel reasons for giving up on a retryable failure. They are reported in
// Outcome.GaveUp and are meant to be wrapped into the caller's own error.
var (
	// ErrMaxRetries: the failure was retryable but Policy.MaxRetries retries
	// had already been made.
	ErrMaxRetries = errors.New("retries exhausted")
	// ErrBudgetExhausted: the shared retry budget had no tokens left, which
	// happens when many requests fail at once (an outage).
	ErrBudgetExhausted = errors.New("retry budget exhausted")
	// ErrRetryAfterTooLong: the server asked for a wait longer than
	// Policy.MaxRetryAfter; the caller gets the hint and decides.
	ErrRetryAfterTooLong = errors.New("server retry-after exceeds the configured maximum")
	// ErrDeadlineTooSoon: the wait before the next attempt would outlast
	// the context's deadline, so the last answer is returned at once
	// instead of sleeping into a certain context error.
	ErrDeadlineTooSoon = errors.New("retry wait exceeds the context deadline")
)

// Policy says how often and how patiently a request is retried. The zero
// value means the documented defaults.
type Policy struct {
	// MaxRetries is the number of retries after the first attempt.
	// 0 means DefaultMaxRetries (4); a negative value disables retries.
	MaxRetries int
	// MinBackoff is the base of the exponential backoff (attempt n waits
	// about MinBackoff·2ⁿ, jittered). 0 means DefaultMinBackoff (250 ms).
	MinBackoff time.Duration
	// MaxBackoff caps the computed backoff. 0 means DefaultMaxBackoff (30 s).
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest server-requested wait
	// (X-Ratelimit-Retry-After, Retry-After, X-RateLimit-Reset) the client
	// will sleep through. A longer hint ends the retries with
	// ErrRetryAfterTooLong and the hint is reported to the caller, who is
	// better placed to decide than a sleeping goroutine. 0 means
	// DefaultMaxRetryAfter (1 min).
	MaxRetryAfter time.Duration
	// Budget configures the retry token bucket.
	Budget BudgetConfig
}

// Invalid returns the first field of p that cannot be used (a negative
// duration) and its value, or two empty strings when p is valid, so that
// each client can report it in its own ConfigError.
func (p Policy) Invalid() (field, value string) {
	for _, f := range [...]struct {
		name string
		d    time.Duration
	}{{"MinBackoff", p.MinBackoff}, {"MaxBackoff", p.MaxBackoff}, {"MaxRetryAfter", p.MaxRetryAfter}} {
		if f.d < 0 {
			return f.name, f.d.String()
		}
	}
	return "", ""
}

// WithDefaults returns p with every zero field replaced by its default.
func (p Policy) WithDefaults() Policy {
	if p.MaxRetries == 0 {
		p.MaxRetries = DefaultMaxRetries
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = DefaultMinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	p.Budget = p.Budget.withDefaults()
	return p
}

// Backoff returns the wait before retry number retry (0 for the first
// retry): an exponential step d = min(MaxBackoff, MinBackoff·2^retry) with
// "equal jitter", i.e. d/2 + jitter·d/2 where jitter is in [0, 1). Half the
// step is guaranteed, so retries never stampede back at once, and the other
// half spreads concurrent clients apart. Call it on a policy that has had
// WithDefaults applied.
func (p Policy) Backoff(retry int, jitter float64) time.Duration {
	if retry < 0 {
		retry = 0
	}
	d := p.MaxBackoff
	if retry < 62 {
		if step := p.MinBackoff << uint(retry); step > 0 && step < p.MaxBackoff && step>>uint(retry) == p.MinBackoff {
			d = step
		}
	}
	if jitter < 0 {
		jitter = 0
	}
	if jitter >= 1 {
		jitter = 0.999999
	}
	half := d / 2
	return half + time.Duration(jitter*float64(d-half))
}
