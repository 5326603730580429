package mparticle

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// Sentinel errors of the Events API client, for errors.Is.
var (
	// ErrBatchTooLarge reports a batch whose JSON exceeds [MaxBatchBytes]; the
	// client refuses to send it. The concrete error is a *[BatchSizeError].
	ErrBatchTooLarge = errors.New("mparticle: batch too large")
	// ErrNilBatch reports a nil *Batch passed to Upload or BulkUpload.
	ErrNilBatch = errors.New("mparticle: nil batch")
	// ErrRateLimited matches an *APIError with status 429.
	ErrRateLimited = errors.New("mparticle: rate limited")
	// ErrUnauthorized matches an *APIError with status 401 (no credentials).
	ErrUnauthorized = errors.New("mparticle: unauthorized")
	// ErrForbidden matches an *APIError with status 403 (wrong key or secret,
	// or an input of another pod).
	ErrForbidden = errors.New("mparticle: forbidden")
	// ErrBodyTooLarge matches an *APIError with status 413 (request body
	// too large); it has the name of the braze package's sentinel for the
	// same answer.
	ErrBodyTooLarge = errors.New("mparticle: request body too large")
	// ErrRetriesExhausted: the last answer was retryable but
	// RetryPolicy.MaxRetries retries had been made. It is the same value as
	// the braze package's ErrRetriesExhausted.
	ErrRetriesExhausted = httpretry.ErrMaxRetries
	// ErrRetryBudgetExhausted: the last answer was retryable but the
	// client's retry budget was empty (many recent failures: an outage).
	ErrRetryBudgetExhausted = httpretry.ErrBudgetExhausted
	// ErrRetryAfterTooLong: the server asked for a wait longer than
	// RetryPolicy.MaxRetryAfter; APIError.RetryAfter holds the wait.
	ErrRetryAfterTooLong = httpretry.ErrRetryAfterTooLong
	// ErrDeadlineTooSoon: the wait before the next attempt (a retry's
	// backoff, or the client-side rate limiter) would outlast the
	// context's deadline, so the client stopped at once rather than sleep
	// into a context error. After an answer it is the APIError's Unwrap;
	// from the rate limiter it is wrapped in a plain error (nothing was
	// sent for that attempt). It is the same value as the braze package's
	// ErrDeadlineTooSoon.
	ErrDeadlineTooSoon = httpretry.ErrDeadlineTooSoon
)

// BatchSizeError reports a batch over the Events API's per-batch limit. It
// matches [ErrBatchTooLarge] with errors.Is.
type BatchSizeError struct {
	// Size is the batch's encoded size in bytes.
	Size int
	// Limit is the largest size the Events API accepts.
	Limit int
}

// Error says how large the batch is and what the limit is.
func (e *BatchSizeError) Error() string {
	return fmt.Sprintf("mparticle: batch is %d bytes, over the Events API limit of %d bytes (128 KB)", e.Size, e.Limit)
}

// Is makes errors.Is(err, ErrBatchTooLarge) true.
func (e *BatchSizeError) Is(target error) bool { return target == ErrBatchTooLarge }

// ErrorDetail is one entry of the Events API's error body
// {"errors":[{"code":"BAD_REQUEST","message":"…"}]}.
type ErrorDetail struct {
	// Code is the machine-readable code, such as "BAD_REQUEST".
	Code string `json:"code"`
	// Message explains the problem.
	Message string `json:"message"`
}

// APIError is a non-2xx answer of the Events API, after any retries. Use
// errors.As to get it from the errors of [Client.Upload] and
// [Client.BulkUpload].
type APIError struct {
	// Endpoint is the path called, "/events" or "/bulkevents".
	Endpoint string
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Errors are the entries of the error body, when it had that shape.
	Errors []ErrorDetail
	// Message is the start of the response body when it was not the JSON
	// error shape (for example an HTML page from a proxy); empty otherwise.
	Message string
	// Retryable reports whether the status is one the client retries (408,
	// 429 and 5xx other than 501); when true the client stopped retrying
	// (see Unwrap for why).
	Retryable bool
	// RetryAfter is the server's Retry-After of the last attempt, or 0.
	RetryAfter time.Duration
	// RateLimitScope is the X-MP-Rate-Limit-Exceeded header of a 429
	// ("org", "account", "app", "feed", "workspace" or "acceleration").
	RateLimitScope string
	// Attempts is the number of HTTP attempts made, retries included.
	Attempts int

	cause error // why retrying stopped on a retryable answer
}

// Error summarises the failure: endpoint, status, and the server's messages.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mparticle: POST %s: %d %s", e.Endpoint, e.StatusCode, http.StatusText(e.StatusCode))
	for i, d := range e.Errors {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Errors)-i)
			break
		}
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep)
		if d.Code != "" {
			b.WriteString(d.Code + " ")
		}
		b.WriteString(d.Message)
	}
	if len(e.Errors) == 0 && e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.cause != nil {
		fmt.Fprintf(&b, " (%v)", e.cause)
	}
	return b.String()
}

// Temporary reports whether a later attempt may succeed (the same as Retryable).
func (e *APIError) Temporary() bool { return e.Retryable }

// Unwrap returns why retrying stopped on a retryable answer
// ([ErrRetriesExhausted], [ErrRetryBudgetExhausted], [ErrRetryAfterTooLong],
// [ErrDeadlineTooSoon]), or nil.
func (e *APIError) Unwrap() error { return e.cause }

// Is matches the status sentinels: [ErrRateLimited] (429), [ErrUnauthorized]
// (401), [ErrForbidden] (403) and [ErrBodyTooLarge] (413).
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

// TransportError is a request that got no HTTP answer (connection refused
// or dropped, timeout, TLS failure) after the retries the policy allowed.
// Whether mParticle received the batches is unknown; sending them again is
// safe when they carry a source_request_id, which mParticle deduplicates.
type TransportError struct {
	// Endpoint is the path called, "/events" or "/bulkevents".
	Endpoint string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the last transport error.
	Err error
	// GaveUp is why retrying stopped ([ErrRetriesExhausted],
	// [ErrRetryBudgetExhausted], [ErrDeadlineTooSoon]); nil when the error
	// was not retryable.
	GaveUp error
}

// Error describes the failure.
func (e *TransportError) Error() string {
	s := fmt.Sprintf("mparticle: POST %s: %v", e.Endpoint, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
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

// ConfigError is an invalid NewClient argument or option: it names the
// option (or argument) and says what is wrong. It never holds the key or
// secret.
type ConfigError struct {
	// Option is the option or argument, e.g. "WithBaseURL" or "key".
	Option string
	// Field is the field within the option, e.g. "MinBackoff" of
	// WithRetryPolicy, or empty.
	Field string
	// Value is the offending value (never a credential), or empty.
	Value string
	// Reason says what is wrong.
	Reason string
}

// Error formats the option, value and reason.
func (e *ConfigError) Error() string {
	s := "mparticle: NewClient: " + e.Option
	if e.Field != "" {
		s += "." + e.Field
	}
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	return s + ": " + e.Reason
}

// BatchFailure is one batch of a BulkUpload that was not delivered.
type BatchFailure struct {
	// Index is the batch's position in the slice passed to BulkUpload.
	Index int
	// Err says why: a *BatchSizeError, an *APIError, a transport error, or
	// the context's error.
	Err error
}

// BulkError lists the batches of a [Client.BulkUpload] call that were not
// delivered; every batch not listed was accepted (202) by the Events API.
// errors.As and errors.Is see through it to the individual failures.
type BulkError struct {
	// Total is the number of batches passed to BulkUpload.
	Total int
	// Failed lists the undelivered batches in index order.
	Failed []BatchFailure
}

// Error says how many batches failed and why, grouping batches that failed
// with the same error (one request failing fails all its batches).
func (e *BulkError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mparticle: %d of %d batches not delivered", len(e.Failed), e.Total)
	groups := 0
	for i := 0; i < len(e.Failed); {
		j := i + 1
		for j < len(e.Failed) && sameError(e.Failed[j].Err, e.Failed[i].Err) {
			j++
		}
		if groups == 3 {
			fmt.Fprintf(&b, "; …")
			break
		}
		groups++
		if j-i == 1 {
			fmt.Fprintf(&b, "; batch %d: %v", e.Failed[i].Index, e.Failed[i].Err)
		} else {
			fmt.Fprintf(&b, "; %d batches (%d…%d): %v", j-i, e.Failed[i].Index, e.Failed[j-1].Index, e.Failed[i].Err)
		}
		i = j
	}
	return b.String()
}

// sameError reports whether a and b are the same error value, without
// panicking on error types that cannot be compared.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// Unwrap returns each failure's error, so that errors.Is and errors.As
// inspect them.
func (e *BulkError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}

// FailedIndexes returns the indexes of the batches that were not delivered.
func (e *BulkError) FailedIndexes() []int {
	idx := make([]int, len(e.Failed))
	for i, f := range e.Failed {
		idx[i] = f.Index
	}
	return idx
}
