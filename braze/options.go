package braze

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// Option configures a Client; pass options to NewClient.
type Option func(*settings)

// settings collects the options; NewClient validates them together so that
// errors name the option at fault.
type settings struct {
	instance    Instance
	instanceSet bool
	baseURL     string
	baseURLSet  bool
	allowHTTP   bool
	httpClient  *http.Client
	logger      *slog.Logger
	clock       clock.Clock
	rateLimits  RateLimits
	retry       RetryPolicy
	limits      Limits
	userAgent   string
	onRetry     func(RetryEvent)
	jitterSeed  uint64
}

// WithInstance selects the Braze instance (data center) whose REST endpoint
// the client calls. Exactly one of WithInstance and WithBaseURL is required:
// a silent default instance would send one customer's data to another
// region's cluster, which answers 401 at best.
func WithInstance(i Instance) Option {
	return func(s *settings) { s.instance, s.instanceSet = i, true }
}

// WithBaseURL sets a custom REST endpoint such as one a dedicated Braze
// installation gets from its CSM, or a fake's URL in tests
// ("https://rest.example.braze.com", optionally with a path prefix; a
// trailing slash is removed). It must be https unless WithAllowHTTP is set.
func WithBaseURL(u string) Option {
	return func(s *settings) { s.baseURL, s.baseURLSet = u, true }
}

// WithAllowHTTP permits a plain http:// base URL (tests, local fakes,
// TLS-terminating sidecars). Without it only https:// is accepted.
func WithAllowHTTP() Option {
	return func(s *settings) { s.allowHTTP = true }
}

// WithHTTPClient sets the HTTP client used for every attempt. Its Timeout
// bounds each attempt; the default is a pooled client with a 30 s timeout.
//
// The default transport has a 64 KB write buffer per connection, so that a
// whole /users/track body (15–60 KB for 75 objects) is copied into it once
// and sent with its headers in one write. A transport with net/http's
// 4 KB default copies every larger body through an extra buffer of up to
// 32 KB per request; set http.Transport.WriteBufferSize to 64 << 10 on a
// custom transport to avoid that.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) { s.httpClient = c }
}

// WithLogger sets the logger for request outcomes and retry decisions.
// nil (the default) discards. The REST key is never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) { s.logger = l }
}

// Clock is the time source of the client and the batcher: Now, a Sleep that
// ends early when its context does, and a time.After-like After. Tests pass
// a fake to run retry schedules and flush intervals without waiting; any
// type with these three methods fits.
type Clock = clock.Clock

// WithClock sets the clock used for backoff waits, rate limiting and the
// batcher's flush interval. nil means the wall clock.
func WithClock(c Clock) Option {
	return func(s *settings) { s.clock = c }
}

// WithRateLimits sets the client-side quotas per endpoint family. Zero
// fields keep Braze's documented defaults (see DefaultRateLimits);
// RateLimits{Disabled: true} turns limiting off.
func WithRateLimits(l RateLimits) Option {
	return func(s *settings) { s.rateLimits = l }
}

// WithRetryPolicy sets how failed requests are retried. Zero fields keep the
// defaults (see RetryPolicy).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *settings) { s.retry = p }
}

// WithLimits sets the request caps that Track validates against before
// sending (default DefaultLimits(): 75 objects combined, 4 MB body). Zero
// fields keep their defaults; set PerArray, or use LegacyLimits(), for
// workspaces on Braze's per-array limits. A negative cap is a *ConfigError.
func WithLimits(l Limits) Option {
	return func(s *settings) { s.limits = l }
}

// WithUserAgent replaces the User-Agent header (default "mpbraze-go/<version>").
func WithUserAgent(ua string) Option {
	return func(s *settings) { s.userAgent = ua }
}

// WithRetryObserver registers a callback invoked synchronously for every
// retry decision: before each retry wait, and when the client gives up on a
// retryable failure (RetryEvent.GaveUp set). It must be fast and must not
// block. Client.Stats keeps the same counts without a callback.
func WithRetryObserver(fn func(RetryEvent)) Option {
	return func(s *settings) { s.onRetry = fn }
}

// withJitterSeed makes the backoff jitter deterministic (tests).
func withJitterSeed(seed uint64) Option {
	return func(s *settings) { s.jitterSeed = seed }
}

// RetryPolicy says how failed requests are retried. Retried: transport
// errors, 408, 429 and 5xx except 501; never any other 4xx. The zero value
// means the defaults given per field.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	// 0 means 4; a negative value disables retries.
	MaxRetries int
	// MinBackoff is the base of the jittered exponential backoff (retry n
	// waits between MinBackoff·2ⁿ/2 and MinBackoff·2ⁿ). 0 means 250 ms.
	MinBackoff time.Duration
	// MaxBackoff caps the computed backoff. 0 means 30 s.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest server-requested wait the client sleeps
	// through; a longer X-Ratelimit-Retry-After / Retry-After /
	// X-RateLimit-Reset ends the retries and the returned APIError carries
	// RetryAfter (and wraps ErrRetryAfterTooLong). 0 means 1 min.
	MaxRetryAfter time.Duration
	// Budget is the client-wide retry token bucket.
	Budget RetryBudget
}

// RetryBudget is a token bucket shared by all requests of a client: each
// retry costs RetryCost tokens; a request answered on its first attempt adds
// SuccessRefill, and one answered after retries gets its last retry's cost
// back, up to Capacity. Scattered failures cost next to nothing; during an
// outage (retries failing again) the bucket empties and requests are tried
// once, instead of every caller multiplying its traffic by MaxRetries. Zero
// fields mean the defaults.
type RetryBudget struct {
	// Capacity in tokens. 0 means 100.
	Capacity int
	// RetryCost per retry. 0 means 5 (20 retries from a full bucket).
	RetryCost int
	// SuccessRefill per request answered on its first attempt. 0 means 1.
	SuccessRefill int
	// Disabled turns the budget off; only MaxRetries limits retries.
	Disabled bool
}

// validate refuses a negative duration, naming the field and its value.
func (p RetryPolicy) validate() error {
	if field, value := p.internal().Invalid(); field != "" {
		return &ConfigError{Option: "WithRetryPolicy", Field: field, Value: value, Reason: "must not be negative (0 means the default)"}
	}
	return nil
}

func (p RetryPolicy) internal() httpretry.Policy {
	return httpretry.Policy{
		MaxRetries:    p.MaxRetries,
		MinBackoff:    p.MinBackoff,
		MaxBackoff:    p.MaxBackoff,
		MaxRetryAfter: p.MaxRetryAfter,
		Budget: httpretry.BudgetConfig{
			Capacity:      p.Budget.Capacity,
			RetryCost:     p.Budget.RetryCost,
			SuccessRefill: p.Budget.SuccessRefill,
			Disabled:      p.Budget.Disabled,
		},
	}
}

// RetryEvent describes one retry decision (see WithRetryObserver).
type RetryEvent struct {
	// Endpoint is the request path, e.g. "/users/track".
	Endpoint string
	// Attempt is the 1-based number of the attempt that failed.
	Attempt int
	// StatusCode is the failed attempt's status, 0 for a transport error.
	StatusCode int
	// Err is the transport error, nil when Braze answered.
	Err error
	// Wait is the delay before the next attempt; 0 when giving up.
	Wait time.Duration
	// RetryAfter is the wait Braze asked for, 0 if none.
	RetryAfter time.Duration
	// GaveUp is set when no further attempt follows:
	// ErrRetriesExhausted, ErrRetryBudgetExhausted, ErrRetryAfterTooLong or
	// ErrDeadlineTooSoon.
	GaveUp error
}
