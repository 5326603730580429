package mparticletest

import (
	"time"

	"github.com/mpbraze/mpbraze/mparticle"
)

// DefaultKey and DefaultSecret are the credentials a [Server] accepts when
// [WithCredentials] is not given. They are test values, not real secrets.
const (
	DefaultKey    = "test-key"
	DefaultSecret = "test-secret"
)

// Option configures a [Server] built by [NewServer].
type Option func(*config)

// config holds everything an Option can set; the zero value of each field is
// the documented default.
type config struct {
	key, secret     string
	faults          Faults
	skipEnvironment bool
	enforce         bool
	limit           int
	window          time.Duration
	clock           Clock
}

// WithCredentials sets the input key and secret the server accepts with HTTP
// Basic auth. A request with no credentials gets 401, one with other
// credentials gets 403, like the real Events API.
func WithCredentials(key, secret string) Option {
	return func(c *config) { c.key, c.secret = key, secret }
}

// WithFaults makes the server fail a random share of requests, as configured
// by f (see [Faults]). Faults are drawn per request, after routing (method
// and path) and before authentication and validation, and a faulted request
// records no batch.
func WithFaults(f Faults) Option {
	return func(c *config) { c.faults = f }
}

// WithRateLimit enforces a quota of batches per fixed window, as the Events
// API's quota counts batches: an /events request counts one, a /bulkevents
// request the batches it carries. A request that would go over the quota
// gets 429 with Retry-After (seconds to the window's end) and
// X-MP-Rate-Limit-Exceeded: app, and records no batch. It is checked after
// authentication and the request's own validation. The shape is that of
// brazetest.WithRateLimit, whose quota counts requests. Without it nothing
// is limited. A batches below 1 or a window of 0 or less turns it off.
func WithRateLimit(batches int, window time.Duration) Option {
	return func(c *config) { c.enforce, c.limit, c.window = batches > 0 && window > 0, batches, window }
}

// Clock is the server's time source: Now, a Sleep that ends early when its
// context does, and a time.After-like After. It is the same type as
// mparticle.Clock and brazetest.Clock; any type with these three methods
// fits.
type Clock = mparticle.Clock

// WithClock sets the clock used for rate-limit windows and latency (default
// the wall clock), as brazetest.WithClock does; a test can pass a fake to
// move windows without sleeping.
func WithClock(clk Clock) Option {
	return func(c *config) { c.clock = clk }
}

// WithoutEnvironmentCheck stops the server from requiring the "environment"
// field in every batch. The published JSON schema of the Events API marks it
// required while the JSON reference documents a default of "production";
// the fake follows the schema unless told otherwise.
func WithoutEnvironmentCheck() Option {
	return func(c *config) { c.skipEnvironment = true }
}

// Faults describes random failures injected by the server, with the field
// names, types and zero values of brazetest.Faults. Rates are probabilities
// in [0, 1] drawn per request from a generator seeded with Seed; they are
// drawn in the order drop, server error, rate limit, so their sum should
// not exceed 1. The same seed and the same sequence of requests give the
// same faults. The zero value injects nothing.
type Faults struct {
	// Seed seeds the fault generator (0 is a valid seed and the default).
	Seed uint64
	// ServerErrorRate is the share of requests answered with ServerErrorStatus.
	ServerErrorRate float64
	// ServerErrorStatus is the status used for server errors; 0 means 503.
	ServerErrorStatus int
	// RateLimitRate is the share of requests answered with 429.
	RateLimitRate float64
	// RetryAfter is the wait announced in the Retry-After header of
	// injected 429s, rounded up to whole seconds as the Events API sends
	// it; 0 means 1 s, a negative value sends no Retry-After. (For a
	// malformed value, queue a Fault with that header: see [Server.InjectNext].)
	RetryAfter time.Duration
	// DropRate is the share of requests whose connection is closed after the
	// request was read, without any response.
	DropRate float64
	// Latency is added before every response (faulted or not); the wait ends
	// early when the client goes away.
	Latency time.Duration
}

// withDefaults fills the zero RetryAfter.
func (f Faults) withDefaults() Faults {
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	return f
}
