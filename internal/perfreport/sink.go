package perfreport

import (
	"net/http"
	"time"

	"github.com/mpbraze/mpbraze/internal/httpretry"
	"github.com/mpbraze/mpbraze/internal/perfreport/sinkserver"
)

// newSinkServer starts the cheapest possible stand-in for Braze's
// /users/track (201 {"message":"success"}) or mParticle's /bulkevents
// (202, no body): a sinkserver that reads the body and answers success,
// so that a run against it measures the library, not a validating fake
// (nor net/http's server, which cost about as much per request as the
// client side).
//
// It answers status after waiting latency (0: at once), which stands for
// a slow Braze: it makes the senders the bottleneck, so the queue fills
// and backpressure is what a run measures.
func newSinkServer(status int, latency time.Duration) (*sinkserver.Server, error) {
	cfg := sinkserver.Config{Status: status, Latency: latency}
	if status != http.StatusCreated {
		cfg.Body = []byte{}
	}
	return sinkserver.New(cfg)
}

// loopbackClient returns an HTTP client for loopback servers that keeps
// enough idle connections for every concurrent request, so that runs do
// not measure connection churn; otherwise it is the library's default
// (httpretry.NewHTTPClient: its write buffer, so that a body goes out in
// one write, not through a second buffer, and no compression asked for).
func loopbackClient() *http.Client {
	c := httpretry.NewHTTPClient()
	t := c.Transport.(*http.Transport)
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	c.Timeout = time.Minute
	return c
}
