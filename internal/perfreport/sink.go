package perfreport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// sinkServer is the cheapest possible stand-in for Braze's /users/track
// (201 {"message":"success"}) or mParticle's /bulkevents (202, no body): it
// reads the body and answers success, so that a run against it measures
// the library (and a minimal HTTP server), not a validating fake.
type sinkServer struct {
	srv      *httptest.Server
	requests atomic.Int64
	bytes    atomic.Int64
}

// sinkResponse is what Braze answers when every object was accepted.
var sinkResponse = []byte(`{"message":"success"}`)

// newSinkServer answers status after waiting latency (0: at once), which
// stands for a slow Braze: it makes the senders the bottleneck, so the
// queue fills and backpressure is what a run measures.
func newSinkServer(status int, latency time.Duration) *sinkServer {
	s := &sinkServer{}
	body := sinkResponse
	if status != http.StatusCreated {
		body = nil
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		if latency > 0 {
			time.Sleep(latency)
		}
		s.requests.Add(1)
		s.bytes.Add(n)
		if body == nil {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	return s
}

// URL is the server's base URL (plain http on loopback).
func (s *sinkServer) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *sinkServer) Close() { s.srv.Close() }

// loopbackClient returns an HTTP client for loopback servers that keeps
// enough idle connections for every concurrent request, so that runs do
// not measure connection churn, with the library's default write buffer
// (a body goes out in one write, not through a second buffer).
func loopbackClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.WriteBufferSize = httpretry.WriteBufferSize
	return &http.Client{Transport: t, Timeout: time.Minute}
}
