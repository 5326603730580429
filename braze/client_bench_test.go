package braze

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/mpbraze/mpbraze/braze/brazetest"
)

// benchTrack75 is a full /users/track request: 75 events for 75 users with
// realistic properties.
func benchTrack75() *TrackRequest {
	req := &TrackRequest{}
	at := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	for i := range 75 {
		req.Events = append(req.Events, Event{
			Identifier: ExternalID("customer-" + strconv.Itoa(100000+i)),
			AppID:      "app-ios-1",
			Name:       "Viewed Product",
			Time:       at.Add(time.Duration(i) * time.Second),
			Properties: Properties{
				Prop("category", String("audio")),
				Prop("in_stock", Bool(true)),
				Prop("name", String("Noise-cancelling headphones")),
				Prop("price", Float(199.99)),
				Prop("quantity", Int(1)),
				Prop("sku", String("SKU-"+strconv.Itoa(i))),
				Prop("viewed", Time(at)),
			},
		})
	}
	return req
}

func benchClient(b *testing.B, url, key string) *Client {
	b.Helper()
	c, err := NewClient(key, WithBaseURL(url), WithAllowHTTP(), WithRateLimits(RateLimits{Disabled: true}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkClientTrack75 is a sequential round trip through the client
// (validate, encode, send, decode) against brazetest, which parses and
// validates every object on the same machine (its cost is included).
func BenchmarkClientTrack75(b *testing.B) {
	s := brazetest.NewServer(brazetest.WithoutStore())
	defer s.Close()
	c := benchClient(b, s.URL(), s.Key())
	req := benchTrack75()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Track(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(75*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkClientTrack75Parallel runs the same round trip from GOMAXPROCS
// goroutines sharing one client.
func BenchmarkClientTrack75Parallel(b *testing.B) {
	s := brazetest.NewServer(brazetest.WithoutStore())
	defer s.Close()
	c := benchClient(b, s.URL(), s.Key())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := benchTrack75()
		for pb.Next() {
			if _, err := c.Track(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(75*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// minimalTrackServer answers every request with a fixed 201 after reading
// the body: the cheapest stand-in for /users/track, so that a benchmark
// against it measures the client. It is closed when b ends.
func minimalTrackServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"message":"success","events_processed":75}`))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkClientTrack75MinimalServer isolates the client's own cost: the
// server reads the body and answers a fixed 201.
func BenchmarkClientTrack75MinimalServer(b *testing.B) {
	srv := minimalTrackServer(b)
	c := benchClient(b, srv.URL, "k")
	req := benchTrack75()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Track(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(75*b.N)/b.Elapsed().Seconds(), "objects/s")
}
