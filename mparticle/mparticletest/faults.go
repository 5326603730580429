package mparticletest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is one scripted answer, queued with [Server.InjectNext]; the same
// type as brazetest.Fault. Build common ones with [ServerError],
// [RateLimited], [DropConnection] or [Respond], or set the fields for
// anything else (any header, a malformed Retry-After, a success status with
// a broken body).
type Fault struct {
	// Status is the HTTP status to answer with; ignored when Drop is set.
	Status int
	// Header is added to the answer.
	Header http.Header
	// Body, when not empty, is sent as the JSON response body; empty means
	// no body, as the Events API answers most errors.
	Body string
	// Drop closes the connection after the request was read, with no response.
	Drop bool
}

// ServerError returns a Fault answering with the given 5xx status.
func ServerError(status int) Fault { return Fault{Status: status} }

// RateLimited returns a Fault answering 429 with a Retry-After header
// carrying retryAfter rounded up to whole seconds, as the Events API sends
// it; a negative retryAfter sends no Retry-After header.
func RateLimited(retryAfter time.Duration) Fault {
	f := Fault{Status: http.StatusTooManyRequests}
	if retryAfter >= 0 {
		f.Header = http.Header{"Retry-After": {strconv.FormatInt(ceilSeconds(retryAfter), 10)}}
	}
	return f
}

// DropConnection returns a Fault that closes the connection without answering.
func DropConnection() Fault { return Fault{Drop: true} }

// Respond returns a Fault answering with any status and JSON body, for cases
// the server would not produce on its own (for example a 400 to a valid
// bulk request).
func Respond(status int, body string) Fault { return Fault{Status: status, Body: body} }

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

// String describes the fault for test failure messages and Request.Fault
// ("503", "429 Retry-After: 1", "drop").
func (f Fault) String() string {
	if f.Drop {
		return "drop"
	}
	s := strconv.Itoa(f.Status)
	if ra := f.Header.Get("Retry-After"); ra != "" {
		s += " Retry-After: " + ra
	}
	return s
}

// InjectNext queues faults for the next requests that reach the fault stage,
// one per request, in order. Queued faults take precedence over the random
// shares of [WithFaults]; [Server.Reset] drops the ones not used yet.
func (s *Server) InjectNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued = append(s.queued, faults...)
}

// SetFaults replaces the random fault configuration (the generator keeps
// its state, so the sequence stays deterministic; f.Seed is ignored), as
// brazetest's Server.SetFaults does.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.faults = f.withDefaults()
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
		return RateLimited(fc.RetryAfter), true
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
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	if f.Status == http.StatusTooManyRequests && w.Header().Get("X-MP-Rate-Limit-Exceeded") == "" {
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
