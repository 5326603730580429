package mparticletest

import (
	"time"
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
	seed            uint64
	faults          Faults
	skipEnvironment bool
}

// WithCredentials sets the input key and secret the server accepts with HTTP
// Basic auth. A request with no credentials gets 401, one with other
// credentials gets 403, like the real Events API.
func WithCredentials(key, secret string) Option {
	return func(c *config) { c.key, c.secret = key, secret }
}

// WithSeed seeds the random source that decides which requests get the
// shares of faults configured with [WithFaults]. The same seed and the same
// sequence of requests give the same faults. The default seed is 1.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed }
}

// WithFaults makes the server fail a random share of requests, as configured
// by f. Faults are drawn per request, after routing (method and path) and
// before authentication and validation, and a faulted request records no
// batch.
func WithFaults(f Faults) Option {
	return func(c *config) { c.faults = f }
}

// WithoutEnvironmentCheck stops the server from requiring the "environment"
// field in every batch. The published JSON schema of the Events API marks it
// required while the JSON reference documents a default of "production";
// the fake follows the schema unless told otherwise.
func WithoutEnvironmentCheck() Option {
	return func(c *config) { c.skipEnvironment = true }
}

// Faults describes random failures injected by the server, with the field
// names of brazetest.Faults. Rates are probabilities in [0, 1]; they are
// drawn in the order drop, server error, rate limit, so their sum should not
// exceed 1. The zero value injects nothing.
type Faults struct {
	// ServerErrorRate is the share of requests answered with ServerErrorStatus.
	ServerErrorRate float64
	// ServerErrorStatus is the status used for server errors; 0 means 503.
	ServerErrorStatus int
	// RateLimitRate is the share of requests answered with 429.
	RateLimitRate float64
	// RetryAfter is the Retry-After header value sent with injected 429s
	// (integer seconds, as the Events API sends it). Empty means no header.
	RetryAfter string
	// DropRate is the share of requests whose connection is closed after the
	// request was read, without any response.
	DropRate float64
	// Latency is added before every response (faulted or not); the wait ends
	// early when the client goes away.
	Latency time.Duration
}
