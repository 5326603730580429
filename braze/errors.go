package braze

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// Sentinel errors. APIError matches the status-related ones through
// errors.Is, so callers can test a condition without a type assertion.
var (
	// ErrBodyTooLarge: a request body over Braze's 4 MB payload cap, either
	// refused before sending or answered with 413.
	ErrBodyTooLarge = errors.New("braze: request body exceeds the payload limit")
	// ErrResponseTooLarge: Braze's answer exceeded the size the client
	// reads (MaxResponseBytes); the body was not decoded.
	ErrResponseTooLarge = errors.New("braze: response body too large")
	// ErrRateLimited matches an APIError with status 429.
	ErrRateLimited = errors.New("braze: rate limited")
	// ErrUnauthorized matches an APIError with status 401 (bad, missing or
	// revoked REST key, or a key of another instance).
	ErrUnauthorized = errors.New("braze: unauthorized")
	// ErrForbidden matches an APIError with status 403 (the key lacks the
	// endpoint's permission).
	ErrForbidden = errors.New("braze: forbidden")
	// ErrRetriesExhausted: the last answer was retryable but the retry
	// policy's MaxRetries had been used up.
	ErrRetriesExhausted = httpretry.ErrMaxRetries
	// ErrRetryBudgetExhausted: the last answer was retryable but the
	// client's retry budget was empty (many recent failures: an outage).
	ErrRetryBudgetExhausted = httpretry.ErrBudgetExhausted
	// ErrRetryAfterTooLong: Braze asked the client to wait longer than
	// RetryPolicy.MaxRetryAfter; APIError.RetryAfter holds the wait.
	ErrRetryAfterTooLong = httpretry.ErrRetryAfterTooLong
	// ErrDeadlineTooSoon: the wait before the next attempt would outlast
	// the context's deadline, so the client returned the last answer at
	// once rather than sleeping into a context error.
	ErrDeadlineTooSoon = httpretry.ErrDeadlineTooSoon
)

// MaxResponseBytes is the largest response body the client reads.
const MaxResponseBytes = 4 << 20

// APIError is a non-2xx answer from Braze (after the retries the policy
// allowed). Use errors.As to get it:
//
//	var apiErr *braze.APIError
//	if errors.As(err, &apiErr) && apiErr.StatusCode == 400 { ... apiErr.Errors ... }
//
// A 400 whose every object was invalid carries the per-object Errors; use
// APIError.FailedObjects to map them to the request's objects.
type APIError struct {
	// StatusCode is the HTTP status of the final answer.
	StatusCode int
	// Message is Braze's "message" (or the status text when the body had
	// none).
	Message string
	// Errors are the per-object errors of the body, if any.
	Errors []ObjectError
	// Retryable reports whether the same request may succeed later (408,
	// 429, 5xx except 501). It is true also when the client stopped
	// retrying (see Unwrap for why).
	Retryable bool
	// RetryAfter is the wait Braze asked for (X-Ratelimit-Retry-After,
	// Retry-After, or X-RateLimit-Reset on a 429), 0 if none.
	RetryAfter time.Duration
	// Endpoint is the request path, e.g. "/users/track".
	Endpoint string
	// Attempts is how many times the request was sent.
	Attempts int

	cause error
}

// Error describes the failure without any credential: status, endpoint,
// message and the number of per-object errors.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("braze: ")
	if e.Endpoint != "" {
		b.WriteString("POST ")
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if n := len(e.Errors); n > 0 {
		b.WriteString(" (")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(" object errors, first: ")
		b.WriteString(e.Errors[0].Error())
		b.WriteByte(')')
	}
	if e.Attempts > 1 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	if e.cause != nil {
		b.WriteString(" (")
		b.WriteString(e.cause.Error())
		b.WriteByte(')')
	}
	return b.String()
}

// Temporary reports whether retrying later may succeed (same as Retryable).
func (e *APIError) Temporary() bool { return e.Retryable }

// Unwrap returns why retrying stopped on a retryable answer
// (ErrRetriesExhausted, ErrRetryBudgetExhausted, ErrRetryAfterTooLong,
// ErrDeadlineTooSoon), or nil.
func (e *APIError) Unwrap() error { return e.cause }

// Is matches the status sentinels: ErrRateLimited (429), ErrUnauthorized
// (401), ErrForbidden (403) and ErrBodyTooLarge (413).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrBodyTooLarge:
		return e.StatusCode == http.StatusRequestEntityTooLarge
	}
	return false
}

// FailedObjects maps the per-object errors to the objects of req, the
// request that produced this error.
func (e *APIError) FailedObjects(req *TrackRequest) []FailedObject {
	return MatchObjectErrors(req, e.Errors)
}

// TransportError is a request that got no HTTP answer (connection refused
// or dropped, timeout, TLS failure) after the retries the policy allowed.
// Whether Braze processed it is unknown.
type TransportError struct {
	// Endpoint is the request path.
	Endpoint string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the last transport error.
	Err error
	// GaveUp is why retrying stopped (ErrRetriesExhausted,
	// ErrRetryBudgetExhausted, ErrDeadlineTooSoon), nil when the error was
	// not retryable.
	GaveUp error
}

// Error describes the failure.
func (e *TransportError) Error() string {
	s := "braze: POST " + e.Endpoint + ": " + e.Err.Error()
	if e.Attempts > 1 {
		s += " after " + strconv.Itoa(e.Attempts) + " attempts"
	}
	if e.GaveUp != nil {
		s += " (" + e.GaveUp.Error() + ")"
	}
	return s
}

// Temporary reports whether retrying later may succeed: true when the
// client gave up on an error it considered retryable.
func (e *TransportError) Temporary() bool { return e.GaveUp != nil }

// Unwrap returns the transport error and the give-up reason.
func (e *TransportError) Unwrap() []error {
	if e.GaveUp == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.GaveUp}
}

// ConfigError is an invalid NewClient option: it names the option and
// field and says what is wrong. It never holds the REST key.
type ConfigError struct {
	// Option is the option or argument, e.g. "WithBaseURL" or "restKey".
	Option string
	// Field is the field within the option, if any.
	Field string
	// Value is the offending value (never a credential).
	Value string
	// Reason says what is wrong.
	Reason string
}

// Error formats the option, value and reason.
func (e *ConfigError) Error() string {
	s := "braze: NewClient: " + e.Option
	if e.Field != "" {
		s += "." + e.Field
	}
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	return s + ": " + e.Reason
}
