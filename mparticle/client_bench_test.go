package mparticle_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// BenchmarkBulkUpload sends 1,000 small batches per operation with
// BulkUpload (ten /bulkevents requests), with client-side rate limiting
// off. "mparticletest" runs against the validating fake, whose JSON parsing
// and recording count in allocs/op since it runs in the same process;
// "sink" runs against a server that only drains the body and answers 202,
// which isolates the client's own cost.
func BenchmarkBulkUpload(b *testing.B) {
	const n = 1000
	bs := make([]*mparticle.Batch, n)
	for i := range bs {
		bs[i] = userBatch(fmt.Sprintf("user-%04d", i), 0)
	}

	run := func(b *testing.B, baseURL, key, secret string, reset func()) {
		c, err := mparticle.NewClient(key, secret, mparticle.WithBaseURL(baseURL), mparticle.WithAllowHTTP(),
			mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}))
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := c.BulkUpload(ctx, bs); err != nil {
				b.Fatal(err)
			}
			if reset != nil {
				b.StopTimer()
				reset()
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "batches/s")
	}

	b.Run("mparticletest", func(b *testing.B) {
		srv := mparticletest.NewServer()
		defer srv.Close()
		run(b, srv.URL(), srv.Key(), srv.Secret(), srv.Reset)
	})
	b.Run("sink", func(b *testing.B) {
		sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
		}))
		defer sink.Close()
		run(b, sink.URL+"/v2", "k", "s", nil)
	})
}
