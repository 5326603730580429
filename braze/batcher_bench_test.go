package braze_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
)

// BenchmarkBatcher measures objects per second through a Batcher to
// brazetest on loopback with no rate limit (client or server), and reports:
//
//   - objects/s: wall-clock throughput, Add to result;
//   - cpu-ns/object: process CPU time (user+system) per object, which
//     includes brazetest parsing and validating every request in the same
//     process, so the batcher+client share is lower;
//   - packing: objects per request ÷ the request cap (75), under sustained
//     load (everything is added as fast as the queue takes it; one Flush at
//     the end sends the last, partly filled request).
//
// Sub-benchmarks vary how many objects each Add call carries (1, or 25 as
// Forward does for one mapped batch) and the server: brazetest (which
// decodes and validates every object like Braze) or a minimal loopback
// server that reads the body and answers 201, which isolates the cost of
// the batcher and the client.
func BenchmarkBatcher(b *testing.B) {
	for _, server := range []string{"brazetest", "minimal"} {
		for _, perAdd := range []int{1, 25} {
			b.Run(fmt.Sprintf("server=%s/add=%d", server, perAdd), func(b *testing.B) { benchBatcher(b, server, perAdd) })
		}
	}
}

func benchBatcher(b *testing.B, server string, perAdd int) {
	var url string
	var hc *http.Client
	if server == "brazetest" {
		srv := brazetest.NewServer(brazetest.WithoutStore())
		defer srv.Close()
		url, hc = srv.URL(), srv.Client()
	} else {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"message":"success"}`)
		}))
		defer srv.Close()
		url, hc = srv.URL, srv.Client()
	}
	c, err := braze.NewClient(brazetest.DefaultKey, braze.WithBaseURL(url), braze.WithAllowHTTP(),
		braze.WithHTTPClient(hc), braze.WithRateLimits(braze.RateLimits{Disabled: true}))
	if err != nil {
		b.Fatal(err)
	}
	bt, err := braze.NewBatcher(c, braze.BatchOptions{MaxConcurrentRequests: 4})
	if err != nil {
		b.Fatal(err)
	}
	const users = 1000
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	// The objects are built before the timer starts: the benchmark measures
	// delivery, not construction.
	items := make([]braze.Item, b.N)
	for i := range items {
		items[i] = braze.EventItem(&braze.Event{
			Identifier: braze.ExternalID(fmt.Sprintf("user-%d", i%users)),
			Name:       "Product Viewed",
			Time:       at.Add(time.Duration(i) * time.Millisecond),
			Properties: braze.Properties{
				braze.Prop("in_stock", braze.Bool(true)),
				braze.Prop("price", braze.Float(19.99)),
				braze.Prop("quantity", braze.Int(2)),
				braze.Prop("sku", braze.String("SKU-1234")),
			},
		})
	}
	ctx := context.Background()
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(items); i += perAdd {
		if err := bt.Add(ctx, items[i:min(i+perAdd, len(items))]...); err != nil {
			b.Fatal(err)
		}
	}
	rep, err := bt.Flush(ctx)
	if err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	if rep.Failed > 0 {
		b.Fatalf("%d objects failed: %v", rep.Failed, rep.Err())
	}
	st := bt.Stats()
	if _, err := bt.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "objects/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/object")
	b.ReportMetric(st.PackingEfficiency, "packing")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
