package httpretry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/mpbraze/mpbraze/internal/perfreport/sinkserver"
)

// benchSend sends a /users/track-sized body (20 KB) through Send to a
// sinkserver, which allocates nothing per request, and reads the answer as
// braze's client does: allocs/op is the client side's alone (httpretry,
// retryablehttp and net/http's client). cpu-ns/op is the process's CPU
// time per call, the server's (small) share included.
func benchSend(b *testing.B, watch bool) {
	s, err := sinkserver.New(sinkserver.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := New(Config{})
	defer c.HTTPClient().CloseIdleConnections()
	req := Request{Method: http.MethodPost, URL: s.URL() + "/users/track", Endpoint: "/users/track",
		Header: NewJSONHeader("Bearer k", "ua/1").Header(), Body: bytes.Repeat([]byte("x"), 20_000),
		WatchBody: watch, BeforeAttempt: func(context.Context) error { return nil }}
	ctx := context.Background()
	buf := make([]byte, 512)
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		res := c.Send(ctx, req)
		if res.Failure != Answered || res.Response.StatusCode != http.StatusCreated {
			b.Fatalf("failure %d, err %v", res.Failure, res.Err)
		}
		if _, err := io.ReadFull(res.Response.Body, buf[:len(sinkserver.BrazeSuccess)]); err != nil {
			b.Fatal(err)
		}
		_ = res.Response.Body.Close()
		if watch && !res.BodyIdle {
			b.Fatal("body not idle")
		}
	}
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkSend is one call of a 20 KB body (braze's Client.post).
func BenchmarkSend(b *testing.B) { benchSend(b, false) }

// BenchmarkSendWatched is the same with Request.WatchBody (braze's
// Client.Track, which recycles its body buffers).
func BenchmarkSendWatched(b *testing.B) { benchSend(b, true) }
