package mpbraze_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	mpbraze "github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/internal/testhttp"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// TestSoakCurrentsUnderEveryFault posts Currents bodies from several
// "Braze" senders at once to currents.Handler → CurrentsForwarder →
// mparticle.Client → mparticletest while mParticle answers 5xx, 429 with
// Retry-After, slowly, drops connections, and once refuses a request as
// invalid; the forwarder's queue is small, so the handler also refuses
// bodies (503) that the senders post again, as Braze does. It checks that
// every event of an acknowledged body is delivered exactly once or reported
// failed (never both, never neither), that events the mapping skips are
// counted and never sent, that nothing of a refused body is queued, and that
// the forwarder's counters agree.
func TestSoakCurrentsUnderEveryFault(t *testing.T) {
	const token = "soak-currents-token"
	bodies, eventsPerBody, senders := 80, 50, 6
	if testing.Short() {
		bodies = 16
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	fake := mparticletest.NewServer(mparticletest.WithFaults(mparticletest.Faults{Seed: 5,
		ServerErrorRate: 0.08, ServerErrorStatus: http.StatusBadGateway,
		RateLimitRate: 0.05, RetryAfter: time.Second,
		DropRate: 0.04,
		Latency:  2 * time.Millisecond,
	}))
	defer fake.Close()
	client, err := mparticle.NewClient(fake.Key(), fake.Secret(),
		mparticle.WithBaseURL(fake.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithHTTPClient(fake.Client()),
		mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}),
		mparticle.WithRetryPolicy(mparticle.RetryPolicy{
			MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			Budget: mparticle.RetryBudget{Disabled: true},
		}))
	require.NoError(t, err)
	defer client.CloseIdleConnections()

	var mu sync.Mutex
	failedIDs := map[string]int{}
	fwd, err := mpbraze.NewCurrentsForwarder(mpbraze.CurrentsConfig{
		Client:     client,
		QueueSize:  300, // small: senders meet 503s and post again
		UploadSize: 40,
		MinBackoff: 2 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond,
		OnFailure: func(b *mparticle.Batch, _ error) {
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range b.Events {
				failedIDs[ev.Data.Common().SourceMessageID]++
			}
		},
	})
	require.NoError(t, err)
	h, err := currents.NewHandler(fwd, currents.WithToken(token))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()

	// The workload: every 7th event has no external id and every 11th is a
	// behaviour event (not forwarded by default); both are skipped.
	types := []string{currents.EmailOpen, currents.PushSend, currents.SMSDelivery, currents.InAppClick,
		currents.ContentCardImpression, currents.WebhookSend, currents.CanvasEntry}
	type want struct{ forwarded bool }
	expected := map[string]want{}
	payloads := make([][]byte, bodies)
	for b := range payloads {
		events := make([]currents.Event, eventsPerBody)
		for i := range events {
			n := b*eventsPerBody + i
			ev := currents.Event{
				Type: types[n%len(types)],
				ID:   fmt.Sprintf("cur-%d", n),
				Time: 1714600000 + int64(n),
				User: currents.User{UserID: fmt.Sprintf("%024x", n), ExternalUserID: fmt.Sprintf("user-%d", n%97), DeviceID: "device-1"},
				Properties: currents.Properties{
					"platform":      []byte(`"ios"`),
					"campaign_name": []byte(`"Soak"`),
					"seq":           []byte(fmt.Sprint(n)),
				},
			}
			forwarded := true
			if n%7 == 3 {
				ev.User.ExternalUserID = ""
				forwarded = false
			}
			if n%11 == 5 {
				ev.Type = currents.SessionStart
				forwarded = false
			}
			events[i] = ev
			expected[ev.ID] = want{forwarded}
		}
		payloads[b], err = currents.EncodeBody(events)
		require.NoError(t, err)
	}

	// Senders post every body until it is acknowledged, as Braze retries a
	// Current; halfway through, mParticle has an outage
	// and later refuses requests as invalid.
	post := func(body []byte) (int, error) {
		return testhttp.PostStatus(srv.Client(), srv.URL, token, body)
	}
	var refusedPosts, refusedEvents int
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := s; b < bodies; b += senders {
				switch b {
				case bodies / 4:
					// An outage longer than the client's own retries:
					// the forwarder has to retry.
					outage := make([]mparticletest.Fault, 9)
					for i := range outage {
						outage[i] = mparticletest.ServerError(http.StatusBadGateway)
						if i%3 == 1 {
							outage[i] = mparticletest.DropConnection()
						}
					}
					fake.InjectNext(outage...)
				case bodies / 2:
					// mParticle refuses a request as invalid, then the
					// batches the forwarder sends one by one to find the
					// culprit: those are reported failed.
					refusal := mparticletest.Respond(http.StatusBadRequest,
						`{"errors":[{"code":"BAD_REQUEST","message":"refused by the soak test"}]}`)
					fake.InjectNext(refusal, refusal, refusal, refusal, refusal)
				}
				for attempt := 0; ; attempt++ {
					status, err := post(payloads[b])
					if err != nil {
						errs <- err
						return
					}
					if status == http.StatusOK {
						break
					}
					if status != http.StatusServiceUnavailable || attempt == 2000 {
						errs <- fmt.Errorf("body %d: status %d after %d attempts", b, status, attempt+1)
						return
					}
					mu.Lock()
					refusedPosts++
					refusedEvents += eventsPerBody
					mu.Unlock()
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, fwd.Close(ctx), "Close delivers or gives up on everything before its deadline")

	// Exactly once: delivered xor reported failed, for every forwarded
	// event; skipped events are never sent.
	delivered := map[string]int{}
	for _, rb := range fake.Batches() {
		b, err := rb.Decode()
		require.NoError(t, err)
		for _, ev := range b.Events {
			delivered[ev.Data.Common().SourceMessageID]++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	forwarded, failed := 0, 0
	for id, w := range expected {
		d, f := delivered[id], failedIDs[id]
		if !w.forwarded {
			assert.Zero(t, d+f, "%s: skipped event sent or reported", id)
			continue
		}
		forwarded++
		failed += f
		assert.Equal(t, 1, d+f, "%s: delivered %d times, reported failed %d times", id, d, f)
	}
	assert.Len(t, delivered, forwarded-failed, "nothing but the workload delivered")
	assert.Positive(t, failed, "the refused request's batches were reported")

	st := fwd.Stats()
	total := bodies * eventsPerBody
	assert.Equal(t, uint64(total+refusedEvents), st.Received, "received")
	assert.Equal(t, uint64(refusedEvents), st.Refused, "refused")
	assert.Equal(t, uint64(total-forwarded), st.Skipped, "skipped")
	assert.Equal(t, uint64(forwarded), st.Accepted, "accepted")
	assert.Equal(t, st.Accepted, st.Delivered+st.Failed, "accepted = delivered + failed")
	assert.Equal(t, uint64(failed), st.Failed)
	assert.Zero(t, st.Queued)
	assert.Positive(t, st.Retries, "the forwarder retried after the client gave up")
	assert.Positive(t, client.Stats().Retries, "the client retried")
	fs := fake.Stats()
	assert.Positive(t, fs.Drops, "connections dropped")
	assert.Positive(t, fs.Statuses[http.StatusTooManyRequests], "429s")
	assert.Positive(t, fs.Statuses[http.StatusBadGateway], "5xx")
	t.Logf("events %d (+%d resent after %d refused posts): forwarded %d, delivered %d, failed %d, skipped %d; retries %d; mParticle requests %d, faults %d (drops %d), statuses %v",
		total, refusedEvents, refusedPosts, forwarded, st.Delivered, st.Failed, st.Skipped, st.Retries,
		fs.Requests, fs.Faults, fs.Drops, fs.Statuses)
}
