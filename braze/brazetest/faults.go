package brazetest

import (
	"net/http"
	"strconv"
	"time"
)

// Faults configures random injected failures, with the field names, types
// and zero values of mparticletest.Faults. Shares are probabilities in
// [0, 1] drawn per request from a generator seeded with Seed, in the order
// drop, server error, rate limit (so their sum should not exceed 1); a
// sequential test sees the same faults on every run. Faulted requests store
// nothing. The zero value injects nothing.
type Faults struct {
	// Seed seeds the fault generator (0 is a valid seed and the default).
	Seed uint64
	// ServerErrorRate is the share of requests answered with
	// ServerErrorStatus.
	ServerErrorRate float64
	// ServerErrorStatus is the status of injected server errors; 0 means
	// 500 or 503, chosen at random per request.
	ServerErrorStatus int
	// RateLimitRate is the share of requests answered 429.
	RateLimitRate float64
	// RetryAfter is the wait announced on injected 429s; 0 means 1 s, a
	// negative value announces none (as HintNone). Rounded up to whole
	// seconds on the wire.
	RetryAfter time.Duration
	// RetryAfterHeader selects how the wait is announced on injected 429s:
	// HintXRateLimitRetryAfter (default), HintRetryAfterSeconds,
	// HintRetryAfterDate, HintReset or HintNone.
	RetryAfterHeader HintStyle
	// DropRate is the share of requests whose connection is closed without
	// an answer (the client sees a transport error).
	DropRate float64
	// Latency is added before answering every request.
	Latency time.Duration
}

// withDefaults fills the zero RetryAfter.
func (f Faults) withDefaults() Faults {
	if f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	return f
}

// HintStyle selects the header an injected 429 uses to say when to retry.
type HintStyle int

// The hint styles.
const (
	HintXRateLimitRetryAfter HintStyle = iota // X-Ratelimit-Retry-After: <seconds>
	HintRetryAfterSeconds                     // Retry-After: <seconds>
	HintRetryAfterDate                        // Retry-After: <HTTP date>
	HintReset                                 // X-RateLimit-Reset (+ Limit, Remaining 0) only
	HintNone                                  // no hint at all: a client falls back to its own backoff
)

// Fault is one scripted answer, queued with [Server.InjectNext]; the same
// type as mparticletest.Fault. The request is not processed and stores
// nothing. Build common ones with [ServerError], [RateLimited],
// [DropConnection] and [Respond], or set the fields for anything else (any
// header, a malformed hint, a success status with a broken body).
type Fault struct {
	// Status is the HTTP status to answer (ignored when Drop is set).
	Status int
	// Header is added to the answer.
	Header http.Header
	// Body is the answer body; empty means {"message": <status text>}, the
	// shape of Braze's answers.
	Body string
	// Drop closes the connection without answering.
	Drop bool
}

// ServerError returns a Fault answering with the given (5xx) status.
func ServerError(status int) Fault { return Fault{Status: status} }

// RateLimited returns a Fault answering 429 with Braze's documented hint,
// X-Ratelimit-Retry-After, carrying retryAfter rounded up to whole seconds;
// a negative retryAfter sends no hint. For the other hint headers set
// Fault.Header yourself.
func RateLimited(retryAfter time.Duration) Fault {
	f := Fault{Status: http.StatusTooManyRequests, Body: string(mustJSON(map[string]string{"message": MsgRateLimited}))}
	if retryAfter >= 0 {
		f.Header = http.Header{"X-Ratelimit-Retry-After": {strconv.FormatInt(ceilSeconds(retryAfter), 10)}}
	}
	return f
}

// DropConnection returns a Fault that closes the connection without
// answering.
func DropConnection() Fault { return Fault{Drop: true} }

// Respond returns a Fault answering with any status and body, for answers
// the server would not produce on its own.
func Respond(status int, body string) Fault { return Fault{Status: status, Body: body} }

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

// InjectNext queues faults for the next requests, one per request, in
// order, before any other processing: they take precedence over the random
// shares of WithFaults, count as faults ("script" in Request.Fault and
// Stats.Faults) and store nothing. Reset drops the ones not used yet.
func (s *Server) InjectNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued = append(s.queued, faults...)
}

// SetFaults replaces the random fault configuration (the generator keeps
// its state, so the sequence stays deterministic; f.Seed is ignored).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.faults = f.withDefaults()
}

// pickFaultLocked consumes a queued fault or draws a random one.
func (s *Server) pickFaultLocked() (answer, bool) {
	if len(s.queued) > 0 {
		f := s.queued[0]
		s.queued = s.queued[1:]
		a := answer{status: f.Status, header: f.Header.Clone(), drop: f.Drop, fault: "script"}
		if a.header == nil {
			a.header = http.Header{}
		}
		if f.Body != "" {
			a.body = []byte(f.Body)
		} else {
			a.body = mustJSON(map[string]string{"message": http.StatusText(f.Status)})
		}
		return a, true
	}
	f := s.cfg.faults
	if f.DropRate <= 0 && f.ServerErrorRate <= 0 && f.RateLimitRate <= 0 {
		return answer{}, false
	}
	// Always draw the same number of values per request, so that the
	// sequence does not depend on which branch was taken.
	x, pick := s.rng.Float64(), s.rng.IntN(2)
	switch {
	case x < f.DropRate:
		return answer{drop: true, fault: "drop"}, true
	case x < f.DropRate+f.ServerErrorRate:
		status := f.ServerErrorStatus
		if status == 0 {
			status = [2]int{http.StatusInternalServerError, http.StatusServiceUnavailable}[pick]
		}
		// MsgInjected5xx and MsgInjectedUnavail for 500 and 503.
		msg := http.StatusText(status) + " (injected)"
		return answer{status: status, body: mustJSON(map[string]string{"message": msg}), fault: strconv.Itoa(status), header: http.Header{}}, true
	case x < f.DropRate+f.ServerErrorRate+f.RateLimitRate:
		a := answer{status: 429, body: mustJSON(map[string]string{"message": MsgRateLimited}), fault: "429", header: http.Header{}}
		if f.RetryAfter >= 0 {
			s.hintLocked(a.header, f.RetryAfterHeader, f.RetryAfter)
		}
		return a, true
	}
	return answer{}, false
}

func (s *Server) hintLocked(h http.Header, style HintStyle, d time.Duration) {
	secs := ceilSeconds(d)
	now := s.cfg.clock.Now()
	switch style {
	case HintXRateLimitRetryAfter:
		h.Set("X-Ratelimit-Retry-After", strconv.FormatInt(secs, 10))
	case HintRetryAfterSeconds:
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	case HintRetryAfterDate:
		h.Set("Retry-After", now.Add(time.Duration(secs)*time.Second).UTC().Format(http.TimeFormat))
	case HintReset:
		if s.cfg.resetSeconds {
			h.Set("X-RateLimit-Reset", strconv.FormatInt(secs, 10))
		} else {
			h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Unix()+secs, 10))
		}
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.limit))
	}
}
