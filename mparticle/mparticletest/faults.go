package mparticletest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is one scripted failure, queued with [Server.InjectNext]. Build it
// with [ServerError], [RateLimited], [DropConnection] or [Respond].
type Fault struct {
	// Status is the HTTP status to answer with; ignored when Drop is set.
	Status int
	// RetryAfter, when not empty, is sent as the Retry-After header.
	RetryAfter string
	// Body, when not empty, is sent as the JSON response body.
	Body string
	// Drop closes the connection after the request was read, with no response.
	Drop bool
}

// ServerError returns a Fault answering with the given 5xx status.
func ServerError(status int) Fault { return Fault{Status: status} }

// RateLimited returns a Fault answering 429 with the given Retry-After value
// in seconds; a negative value sends no Retry-After header.
func RateLimited(retryAfterSeconds int) Fault {
	f := Fault{Status: http.StatusTooManyRequests}
	if retryAfterSeconds >= 0 {
		f.RetryAfter = strconv.Itoa(retryAfterSeconds)
	}
	return f
}

// DropConnection returns a Fault that closes the connection without answering.
func DropConnection() Fault { return Fault{Drop: true} }

// Respond returns a Fault answering with any status and JSON body, for cases
// the server would not produce on its own (for example a 400 to a valid
// bulk request).
func Respond(status int, body string) Fault { return Fault{Status: status, Body: body} }

// String describes the fault for test failure messages.
func (f Fault) String() string {
	if f.Drop {
		return "drop"
	}
	s := strconv.Itoa(f.Status)
	if f.RetryAfter != "" {
		s += " Retry-After: " + f.RetryAfter
	}
	return s
}

// InjectNext queues faults for the next requests that reach the fault stage,
// one per request, in order. Queued faults take precedence over the random
// shares of [WithFaults].
func (s *Server) InjectNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued = append(s.queued, faults...)
}

// nextFault returns the fault for the current request, if any: a queued one
// first, else a random draw against the configured shares.
func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queued) > 0 {
		f := s.queued[0]
		s.queued = s.queued[1:]
		return f, true
	}
	fc := s.cfg.faults
	if fc.DropRate <= 0 && fc.ServerErrorRate <= 0 && fc.RateLimitRate <= 0 {
		return Fault{}, false
	}
	// One draw per request keeps the sequence reproducible for a seed.
	x := s.rng.Float64()
	switch {
	case x < fc.DropRate:
		return DropConnection(), true
	case x < fc.DropRate+fc.ServerErrorRate:
		status := fc.ServerErrorStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		return ServerError(status), true
	case x < fc.DropRate+fc.ServerErrorRate+fc.RateLimitRate:
		return Fault{Status: http.StatusTooManyRequests, RetryAfter: fc.RetryAfter}, true
	}
	return Fault{}, false
}

// applyFault writes the fault's response, or drops the connection.
func (s *Server) applyFault(w http.ResponseWriter, f Fault) {
	if f.Drop {
		hj, ok := w.(http.Hijacker)
		if ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		// Without hijacking (HTTP/2) the closest thing is an aborted handler.
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Status == http.StatusTooManyRequests {
		w.Header().Set("X-MP-Rate-Limit-Exceeded", "app")
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	w.WriteHeader(f.Status)
}

// sleepCtx waits d or until done is closed.
func sleepCtx(done <-chan struct{}, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}
