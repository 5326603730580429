package mpbraze_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	mpbraze "github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/internal/testhttp"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// FuzzAudienceHandler posts arbitrary bodies (plain or gzip-compressed) to
// an AudienceHandler in front of a kit delivering to brazetest, with every
// segment form on. It checks: no panic; an answer from the documented set,
// always JSON; 200 only for a body mParticle's decoder accepts, answered
// with the response type matching the request; a body the decoder refuses
// is 400 (or 413 when over the limit). The seed corpus is in
// testdata/fuzz/FuzzAudienceHandler, plus the fuzz corpus of the audience
// mapper.
func FuzzAudienceHandler(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("mapping", "testdata", "fuzz", "FuzzAudienceMap", "*"))
	for _, p := range seeds {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// The mapper's corpus files hold one []byte; reuse the bytes.
		var body []byte
		if i := bytes.Index(raw, []byte("[]byte(")); i >= 0 {
			line := raw[i+len("[]byte(") : len(bytes.TrimRight(raw, "\n"))-1]
			if s, err := strconv.Unquote(string(line)); err == nil {
				body = []byte(s)
			}
		}
		if body != nil {
			f.Add(body, false)
		}
	}
	f.Add([]byte(`{"type":"audience_subscription_request","id":"s-1","timestamp_ms":1,"firehose_version":"3.2.0","audience_id":7,"audience_name":"VIP","action":"add"}`), true)

	const token, limit = "fuzz-token", 32 << 10
	srv := brazetest.NewServer(brazetest.WithoutStore())
	f.Cleanup(srv.Close)
	k, err := mpbraze.New(mpbraze.Config{
		BrazeKey: brazetest.DefaultKey, BrazeURL: srv.URL(), AllowHTTP: true, HTTPClient: srv.Client(),
		ClientOptions: []braze.Option{braze.WithRateLimits(braze.RateLimits{Disabled: true})},
		Audience: mapping.AudienceSettings{
			SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsAsArray | mapping.SegmentsPerAttribute,
			APIKeyOS:       mapping.APIKeyOSiOS, AppID: "fuzz-app",
		},
		Batch: braze.BatchOptions{FlushInterval: 50 * time.Millisecond, QueueFull: braze.QueueFullError},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = k.Close(ctx)
		srv.Client().CloseIdleConnections()
	})
	h, err := k.AudienceHandler(token, mpbraze.AudienceHandlerOptions{MaxBodyBytes: limit})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, body []byte, gzipped bool) {
		wire := body
		if gzipped {
			wire = testhttp.Gzip(body)
		}
		r := testhttp.NewRequest("/audience", token, wire, gzipped)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		var answer map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("status %d: answer is not JSON: %q", rec.Code, rec.Body.String())
		}
		msg, decodeErr := mparticle.DecodeAudienceMessage(body)
		switch rec.Code {
		case http.StatusOK:
			if decodeErr != nil {
				t.Fatalf("200 for a body the decoder refuses (%v)", decodeErr)
			}
			if len(body) > limit {
				t.Fatalf("200 for a %d-byte body over the %d limit", len(body), limit)
			}
			want := map[mparticle.MessageType]string{
				mparticle.MessageAudienceMembershipChangeRequest: "audience_membership_change_response",
				mparticle.MessageAudienceSubscriptionRequest:     "audience_subscription_response",
			}[msg.MessageType()]
			if answer["type"] != want {
				t.Fatalf("answer type %v for a %s message", answer["type"], msg.MessageType())
			}
		case http.StatusBadRequest:
			if decodeErr == nil && len(body) <= limit {
				// The decoder accepts it; the handler may still refuse a
				// message type it does not handle.
				switch msg.MessageType() {
				case mparticle.MessageAudienceMembershipChangeRequest, mparticle.MessageAudienceSubscriptionRequest:
					t.Fatalf("400 for a valid %s: %s", msg.MessageType(), rec.Body.String())
				}
			}
		case http.StatusRequestEntityTooLarge:
			if len(body) <= limit {
				t.Fatalf("413 for a %d-byte body within the %d limit", len(body), limit)
			}
		case http.StatusServiceUnavailable:
			// The queue is full; the sender retries.
		default:
			t.Fatalf("unexpected status %d: %s", rec.Code, rec.Body.String())
		}
	})
}
