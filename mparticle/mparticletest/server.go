// Package mparticletest is an in-process fake of the mParticle Events API for
// tests, examples and benchmarks.
//
// [NewServer] starts a real HTTP server on the loopback interface that speaks
// the Events API as documented (spec §A1): POST {base}/events takes one
// batch, POST {base}/bulkevents a JSON array of batches; HTTP Basic auth with
// the input key and secret; 202 when accepted, 400 with
// {"errors":[{"code":"BAD_REQUEST","message":…}]} for bad JSON or missing
// fields, 401 without credentials, 403 with wrong ones, 429 with Retry-After
// when throttled. It enforces the size limits (128 KB per batch, 256 KB per
// request, 100 batches per bulk request) and the fields the schema requires,
// records every accepted batch for assertions, and injects faults (5xx, 429,
// dropped connections, latency) either scripted with [Server.InjectNext] or
// at random with [WithFaults], reproducibly for a seed, and can enforce a
// quota ([WithRateLimit]). The fault API, the credentials accessors and the
// rate-limit option have the names and shapes of brazetest's.
//
// The fake parses the raw JSON itself and does not use the mparticle
// package's model to decide what is valid, so it judges the client instead of
// agreeing with it by construction.
//
// Where the documentation is silent the fake makes a documented choice: a
// request body over 256 KB gets 413; a content type other than JSON gets 400;
// in a bulk request, invalid batches are dropped (and listed by
// [Server.Rejected]) while the request still gets 202, as the real API does.
package mparticletest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// BasePath is the path prefix of the Events API (version 2); [Server.URL]
// includes it, as the pod base URLs of the real API do.
const BasePath = "/v2"

// Server is a running fake Events API. Its methods are safe for concurrent use.
type Server struct {
	cfg config
	srv *httptest.Server

	mu       sync.Mutex
	rng      *rand.Rand
	queued   []Fault
	window   time.Time // start of the current rate-limit window
	used     int       // batches counted in it
	requests []Request
	batches  []RecordedBatch
	rejected []RejectedBatch
	stats    Stats
}

// NewServer starts a fake Events API on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	cfg := config{key: DefaultKey, secret: DefaultSecret}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	cfg.faults = cfg.faults.withDefaults()
	cfg.clock = clock.OrReal(cfg.clock)
	s := &Server{
		cfg: cfg,
		rng: rand.New(rand.NewPCG(cfg.faults.Seed, cfg.faults.Seed^0x6d70617274696365)),
	}
	s.stats.Statuses = map[int]int{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the base URL of the fake, ending in /v2, to pass to the client as a
// custom base URL (it is plain http on loopback).
func (s *Server) URL() string { return s.srv.URL + BasePath }

// Key returns the input key the server accepts.
func (s *Server) Key() string { return s.cfg.key }

// Secret returns the input secret the server accepts.
func (s *Server) Secret() string { return s.cfg.secret }

// Client returns an *http.Client configured for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down and waits for outstanding requests.
func (s *Server) Close() { s.srv.Close() }

// String describes the server without its credentials.
func (s *Server) String() string { return "mparticletest.Server(" + s.URL() + ")" }

// errorBody is the Events API's error response shape.
type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	rec.Header.Del("Authorization") // never keep credentials around
	rec.ContentType = r.Header.Get("Content-Type")

	var endpoint string
	switch r.URL.Path {
	case BasePath + "/events":
		endpoint = "events"
	case BasePath + "/bulkevents":
		endpoint = "bulkevents"
	default:
		s.finish(w, &rec, http.StatusNotFound, "NOT_FOUND", []string{"no such endpoint: " + r.URL.Path})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.finish(w, &rec, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", []string{r.Method + " not allowed, use POST"})
		return
	}

	// Read the whole body first: a dropped connection is then one whose
	// request was sent, which is the case a client must retry carefully.
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		s.finish(w, &rec, http.StatusBadRequest, "BAD_REQUEST", []string{"reading request body: " + err.Error()})
		return
	}
	rec.Body = body

	s.mu.Lock()
	latency := s.cfg.faults.Latency
	s.mu.Unlock()
	if latency > 0 {
		// The wait ends early when the client goes away.
		_ = s.cfg.clock.Sleep(r.Context(), latency)
	}

	if f, ok := s.nextFault(); ok {
		rec.Fault = f.String()
		rec.Status = f.Status
		if f.Drop {
			rec.Status = 0
		}
		s.mu.Lock()
		s.stats.Faults++
		if f.Drop {
			s.stats.Drops++
		}
		s.record(&rec)
		s.mu.Unlock()
		s.applyFault(w, f)
		return
	}

	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="mParticle"`)
		s.finish(w, &rec, http.StatusUnauthorized, "UNAUTHORIZED", []string{"missing HTTP Basic credentials"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.key)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.secret)) != 1 {
		s.finish(w, &rec, http.StatusForbidden, "FORBIDDEN", []string{"invalid key or secret"})
		return
	}
	rec.Authenticated = true

	if mt, _, err := mime.ParseMediaType(rec.ContentType); err != nil || mt != "application/json" {
		s.finish(w, &rec, http.StatusBadRequest, "BAD_REQUEST", []string{fmt.Sprintf("Content-Type must be application/json, got %q", rec.ContentType)})
		return
	}
	if len(body) > MaxRequestBytes {
		s.finish(w, &rec, http.StatusRequestEntityTooLarge, "BAD_REQUEST", []string{fmt.Sprintf("request body over the %d-byte limit", MaxRequestBytes)})
		return
	}

	if endpoint == "events" {
		s.serveEvents(w, &rec)
		return
	}
	s.serveBulk(w, &rec)
}

func (s *Server) serveEvents(w http.ResponseWriter, rec *Request) {
	rec.Batches = 1
	decoded, probs := checkBatch(rec.Body, "", !s.cfg.skipEnvironment)
	if len(probs) > 0 {
		s.finish(w, rec, http.StatusBadRequest, "BAD_REQUEST", probs)
		return
	}
	if s.rateLimited(w, rec, 1) {
		return
	}
	s.mu.Lock()
	rec.Accepted = 1
	s.accept(rec, "/events", 0, rec.Body, decoded)
	s.mu.Unlock()
	s.finish(w, rec, http.StatusAccepted, "", nil)
}

func (s *Server) serveBulk(w http.ResponseWriter, rec *Request) {
	var raws []json.RawMessage
	if err := json.Unmarshal(rec.Body, &raws); err != nil {
		msg := "request body must be a JSON array of batches: " + err.Error()
		if json.Valid(rec.Body) {
			msg = "request body must be a JSON array of batches"
		}
		s.finish(w, rec, http.StatusBadRequest, "BAD_REQUEST", []string{msg})
		return
	}
	rec.Batches = len(raws)
	switch {
	case raws == nil:
		s.finish(w, rec, http.StatusBadRequest, "BAD_REQUEST", []string{"request body must be a JSON array of batches, got null"})
		return
	case len(raws) == 0:
		s.finish(w, rec, http.StatusBadRequest, "BAD_REQUEST", []string{"no batches in request"})
		return
	case len(raws) > MaxBatchesPerRequest:
		s.finish(w, rec, http.StatusBadRequest, "BAD_REQUEST", []string{fmt.Sprintf("%d batches in request, over the limit of %d", len(raws), MaxBatchesPerRequest)})
		return
	}
	if s.rateLimited(w, rec, len(raws)) {
		return
	}
	type checked struct {
		decoded map[string]any
		probs   []string
	}
	results := make([]checked, len(raws))
	for i, raw := range raws {
		d, p := checkBatch(raw, fmt.Sprintf("[%d]", i), !s.cfg.skipEnvironment)
		results[i] = checked{d, p}
	}
	s.mu.Lock()
	reqIndex := len(s.requests)
	for i, c := range results {
		if len(c.probs) > 0 {
			s.rejected = append(s.rejected, RejectedBatch{
				Raw: bytes.Clone(raws[i]), Request: reqIndex, Index: i, Reasons: c.probs,
			})
			s.stats.RejectedBatches++
			continue
		}
		rec.Accepted++
		s.accept(rec, "/bulkevents", i, raws[i], c.decoded)
	}
	s.mu.Unlock()
	s.finish(w, rec, http.StatusAccepted, "", nil)
}

// accept records one accepted batch; s.mu must be held.
func (s *Server) accept(rec *Request, endpoint string, index int, raw []byte, decoded map[string]any) {
	s.batches = append(s.batches, RecordedBatch{
		Raw:      json.RawMessage(bytes.Clone(raw)),
		Data:     decoded,
		Endpoint: endpoint,
		Request:  len(s.requests),
		Index:    index,
	})
	s.stats.Batches++
}

// finish writes the response (an error body when messages are given) and
// records the request.
func (s *Server) finish(w http.ResponseWriter, rec *Request, status int, code string, messages []string) {
	rec.Status = status
	if len(messages) > 0 {
		rec.Errors = messages
	}
	s.mu.Lock()
	s.record(rec)
	s.mu.Unlock()
	if len(messages) == 0 {
		w.WriteHeader(status)
		return
	}
	body := errorBody{}
	for _, m := range messages {
		body.Errors = append(body.Errors, errorItem{Code: code, Message: m})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// record appends rec to the request log and counters; s.mu must be held.
func (s *Server) record(rec *Request) {
	s.requests = append(s.requests, *rec)
	s.stats.Requests++
	s.stats.Statuses[rec.Status]++
	if rec.Status == http.StatusAccepted {
		s.stats.AcceptedRequests++
	}
}

// rateLimited counts n batches in the current window of [WithRateLimit]
// and, when they do not fit, answers 429 and reports true. A request of
// more batches than the whole quota never fits.
func (s *Server) rateLimited(w http.ResponseWriter, rec *Request, n int) bool {
	if !s.cfg.enforce {
		return false
	}
	s.mu.Lock()
	now := s.cfg.clock.Now()
	if s.window.IsZero() || !now.Before(s.window.Add(s.cfg.window)) {
		s.window, s.used = now.Truncate(s.cfg.window), 0
	}
	if s.used+n <= s.cfg.limit {
		s.used += n
		s.mu.Unlock()
		return false
	}
	left := ceilSeconds(s.window.Add(s.cfg.window).Sub(now))
	rec.Fault = "ratelimit"
	rec.Status = http.StatusTooManyRequests
	s.stats.Faults++
	s.record(rec)
	s.mu.Unlock()
	w.Header().Set("Retry-After", strconv.FormatInt(left, 10))
	w.Header().Set("X-MP-Rate-Limit-Exceeded", "app")
	w.WriteHeader(http.StatusTooManyRequests)
	return true
}
