package mparticletest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/mpbraze/mpbraze/mparticle"
)

// Request is one HTTP request the server received, as recorded for
// assertions. The Authorization header is never recorded.
type Request struct {
	// Method and Path are the request line (Path includes the /v2 prefix).
	Method, Path string
	// Header holds the request headers without Authorization.
	Header http.Header
	// ContentType is the Content-Type header.
	ContentType string
	// Body is the raw request body (up to one byte over the request limit).
	Body []byte
	// Status is the status answered; 0 for a dropped connection.
	Status int
	// Fault describes the injected fault ("503", "429 Retry-After: 1",
	// "drop", "ratelimit" for a request refused by WithRateLimit), or is
	// empty.
	Fault string
	// Authenticated reports whether the credentials were checked and correct.
	Authenticated bool
	// Batches is the number of batches in the body, once it was parsed.
	Batches int
	// Accepted is the number of batches the server recorded from it.
	Accepted int
	// Errors are the messages of an error response.
	Errors []string
}

// RecordedBatch is one batch the server accepted.
type RecordedBatch struct {
	// Raw is the batch's JSON exactly as sent.
	Raw json.RawMessage
	// Data is the batch decoded into maps, slices and json.Number.
	Data map[string]any
	// Endpoint is "/events" or "/bulkevents".
	Endpoint string
	// Request is the index of the request in [Server.Requests].
	Request int
	// Index is the position of the batch in a bulk request (0 for /events).
	Index int
}

// RejectedBatch is one batch of a bulk request that the server dropped
// because it was invalid, while the request itself got 202.
type RejectedBatch struct {
	// Raw is the batch's JSON exactly as sent.
	Raw json.RawMessage
	// Request is the index of the request in [Server.Requests].
	Request int
	// Index is the position of the batch in the bulk request.
	Index int
	// Reasons lists every problem, each with its JSON path.
	Reasons []string
}

// Stats are the server's counters.
type Stats struct {
	// Requests counts every request received, faulted ones included.
	Requests int
	// AcceptedRequests counts requests answered 202.
	AcceptedRequests int
	// Batches counts accepted batches.
	Batches int
	// RejectedBatches counts batches dropped from bulk requests.
	RejectedBatches int
	// Faults counts injected faults (scripted, random, and requests refused
	// by WithRateLimit); Drops those that closed the connection.
	Faults, Drops int
	// Statuses counts answers by status (0 = dropped), as brazetest's
	// Stats.Statuses does.
	Statuses map[int]int
}

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Batches returns every accepted batch so far, in arrival order.
func (s *Server) Batches() []RecordedBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// Rejected returns the batches dropped from bulk requests as invalid.
func (s *Server) Rejected() []RejectedBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejected)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Statuses = maps.Clone(s.stats.Statuses)
	return st
}

// Reset forgets recorded requests, batches, counters and queued faults. The
// random fault sequence and the rate-limit window continue where they were.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.batches, s.rejected, s.queued = nil, nil, nil, nil
	s.stats = Stats{Statuses: map[int]int{}}
}

// Decode decodes the recorded batch into the mparticle package's typed
// model, for assertions on typed fields.
func (b RecordedBatch) Decode() (*mparticle.Batch, error) { return mparticle.DecodeBatch(b.Raw) }
