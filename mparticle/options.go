package mparticle

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// Default client settings.
const (
	// DefaultUserAgent is the User-Agent the client sends.
	DefaultUserAgent = "mpbraze-go (mparticle events client)"
)

// Option configures a [Client] built by [NewClient].
type Option func(*config)

// config is what the options set; NewClient validates it as a whole so that
// every error names the option (field) at fault.
type config struct {
	pod        Pod
	podSet     bool
	baseURL    string
	baseURLSet bool
	allowHTTP  bool
	httpClient *http.Client
	logger     *slog.Logger
	clock      clock.Clock
	rateLimit  RateLimit
	retry      RetryPolicy
	userAgent  string
	onRetry    func(RetryEvent)
	jitterSeed uint64
	requestIDs func() string
	validate   bool
}

// WithPod selects the pod (data-localization region) whose Events API the
// client talks to: [US1], [US2], [EU1] or [AU1]. A client needs either a pod
// or [WithBaseURL]; there is no default, because the pod is a property of the
// workspace and the wrong one fails authentication.
func WithPod(p Pod) Option {
	return func(c *config) { c.pod, c.podSet = p, true }
}

// WithBaseURL makes the client talk to a custom Events API base URL, such as
// a proxy or [mparticletest.Server.URL]; paths /events and /bulkevents are
// appended to it. It must be https unless [WithAllowHTTP] is also given, and
// must not carry user info (credentials belong in NewClient's arguments). It
// cannot be combined with [WithPod].
//
// [mparticletest.Server.URL]: https://pkg.go.dev/github.com/mpbraze/mpbraze/mparticle/mparticletest#Server.URL
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL, c.baseURLSet = u, true }
}

// WithAllowHTTP lets [WithBaseURL] use plain http, for tests and fakes on
// loopback. Without it only https URLs are accepted, so the key and secret
// are never sent in clear text by accident.
func WithAllowHTTP() Option {
	return func(c *config) { c.allowHTTP = true }
}

// WithHTTPClient sets the *http.Client used for requests (its Transport,
// Timeout, proxies...). The client makes its own shallow copy and never
// changes the one passed in. nil means a client with sane pooling and a 30 s
// timeout per attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.httpClient = hc }
}

// WithLogger sets the logger for retries and failures. nil (the default)
// discards logs. The key and secret are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// Clock is the client's time source: Now, a Sleep that ends early when its
// context does, and a time.After-like After. Any type with these three
// methods fits; tests pass a fake to run retry schedules without sleeping.
type Clock = clock.Clock

// WithClock sets the clock used for rate limiting and retry waits, so tests
// can run retry schedules without sleeping. nil means the wall clock.
func WithClock(clk Clock) Option {
	return func(c *config) { c.clock = clk }
}

// WithRateLimit sets the client-side send quota (see [RateLimit]): at most
// l.Requests batches in any window of l.Per, a /bulkevents request of n
// batches counting n, with bursts of up to l.Burst batches, which also caps
// the batches per bulk request. Zero fields mean the defaults of
// [DefaultRateLimit] (270 batches per second, bursts of 27); a negative
// Requests disables limiting (benchmarks, fakes). A negative Per or Burst is
// a *[ConfigError] naming the field.
func WithRateLimit(l RateLimit) Option {
	return func(c *config) { c.rateLimit = l }
}

// WithRetryPolicy sets how failed requests are retried (transport errors,
// 408, 429 and 5xx other than 501; never other 4xx). Zero fields mean the
// defaults documented on [RetryPolicy]. A negative duration is a
// *[ConfigError] naming the field.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) { c.retry = p }
}

// WithUserAgent replaces the User-Agent header ([DefaultUserAgent]).
func WithUserAgent(ua string) Option {
	return func(c *config) { c.userAgent = ua }
}

// WithSourceRequestIDs gives every batch sent without a source_request_id a
// fresh one, from gen (nil means random UUIDs, version 4). mParticle drops a
// batch whose source_request_id it has already received from the same input
// (for 30-60 days), so with ids a retry after a lost answer (a dropped
// connection, a timeout) cannot store a batch twice: all attempts of a
// request carry the same ids. The caller's Batch is not modified; the id is
// set on a copy that is encoded. Batches that already have an id keep it.
func WithSourceRequestIDs(gen func() string) Option {
	return func(c *config) {
		if gen == nil {
			gen = randomUUID
		}
		c.requestIDs = gen
	}
}

// randomUUID returns a random (version 4) UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// WithValidation makes Upload and BulkUpload run [Batch.Validate] on every
// batch first and refuse one it rejects, reporting its *ValidationError (for
// that batch alone in a BulkUpload). Without it an invalid batch is sent and,
// in a bulk request, the Events API drops it while answering 202 for the
// request: validation is the only way to hear about it. The cost is one more
// encoding pass per batch.
func WithValidation() Option {
	return func(c *config) { c.validate = true }
}

// WithRetryObserver registers a callback invoked synchronously for every
// retry decision: before each retry wait, and when the client gives up on a
// retryable failure (RetryEvent.GaveUp set). It must be fast and must not
// block. [Client.Stats] keeps the same counts without a callback.
func WithRetryObserver(fn func(RetryEvent)) Option {
	return func(c *config) { c.onRetry = fn }
}

// RetryEvent describes one retry decision (see [WithRetryObserver]).
type RetryEvent struct {
	// Endpoint is the request path, "/events" or "/bulkevents".
	Endpoint string
	// Attempt is the 1-based number of the attempt that failed.
	Attempt int
	// StatusCode is the failed attempt's status, 0 for a transport error.
	StatusCode int
	// Err is the transport error, nil when the server answered.
	Err error
	// Wait is the delay before the next attempt; 0 when giving up.
	Wait time.Duration
	// RetryAfter is the wait the server asked for, 0 if none.
	RetryAfter time.Duration
	// GaveUp is set when no further attempt follows: [ErrRetriesExhausted],
	// [ErrRetryBudgetExhausted], [ErrRetryAfterTooLong] or
	// [ErrDeadlineTooSoon].
	GaveUp error
}

// RetryPolicy says how often and how patiently a failed request is retried
// (transport errors, 408, 429 and 5xx other than 501). It is a type of its
// own, not braze.RetryPolicy, but has the same fields, defaults and
// behaviour, so one set of values configures both clients alike. The zero
// value means the defaults.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt. 0 means 4;
	// a negative value disables retries.
	MaxRetries int
	// MinBackoff is the base of the jittered exponential backoff (retry n
	// waits between MinBackoff·2ⁿ/2 and MinBackoff·2ⁿ). 0 means 250 ms.
	MinBackoff time.Duration
	// MaxBackoff caps the backoff. 0 means 30 s.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client sleeps through; a
	// longer one ends the retries and is reported in APIError.RetryAfter, for
	// the caller to decide. 0 means 1 min.
	MaxRetryAfter time.Duration
	// Budget is the retry token bucket shared by all requests of the client,
	// so that an outage does not become a retry storm.
	Budget RetryBudget
}

// RetryBudget configures the retry token bucket: each retry costs RetryCost
// tokens, each request answered without a retry returns SuccessRefill, up to
// Capacity. When the bucket is empty failed requests are not retried. The
// zero value means the defaults.
type RetryBudget struct {
	// Capacity is the bucket size in tokens. 0 means 100.
	Capacity int
	// RetryCost is charged per retry. 0 means 5.
	RetryCost int
	// SuccessRefill is returned per request answered without a retry. 0
	// means 1.
	SuccessRefill int
	// Disabled turns the budget off; only MaxRetries limits retries.
	Disabled bool
}

// policy converts p to the shared retry machinery's policy.
// validate refuses a negative duration, naming the field and its value.
func (p RetryPolicy) validate() error {
	if field, value := p.policy().Invalid(); field != "" {
		return &ConfigError{Option: "WithRetryPolicy", Field: field, Value: value, Reason: "must not be negative (0 means the default)"}
	}
	return nil
}

func (p RetryPolicy) policy() httpretry.Policy {
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
