package mpbraze_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	mpbraze "github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

const currentsTestToken = "braze-currents-token-1"

// currentsRig is a Currents receiver wired to mParticle fakes over loopback:
// HTTP POST → currents.Handler → CurrentsForwarder → mparticle.Client →
// mparticletest.
type currentsRig struct {
	fake    *mparticletest.Server
	fwd     *mpbraze.CurrentsForwarder
	srv     *httptest.Server
	clients []*mparticle.Client

	mu     sync.Mutex
	failed []*mparticle.Batch
}

// newCurrentsMPClient returns a client for fake; retries are the
// forwarder's business in these tests, so the client's own are off.
func newCurrentsMPClient(t testing.TB, fake *mparticletest.Server) *mparticle.Client {
	t.Helper()
	c, err := mparticle.NewClient(fake.Key(), fake.Secret(),
		mparticle.WithBaseURL(fake.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithHTTPClient(fake.Client()),
		mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}),
		mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: -1}))
	require.NoError(t, err)
	return c
}

func newCurrentsRig(t testing.TB, cfg mpbraze.CurrentsConfig) *currentsRig {
	t.Helper()
	r := &currentsRig{fake: mparticletest.NewServer()}
	t.Cleanup(r.fake.Close)
	if cfg.Client == nil && len(cfg.Feeds) == 0 {
		c := newCurrentsMPClient(t, r.fake)
		r.clients = append(r.clients, c)
		cfg.Client = c
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.NewAutoAdvance(time.Unix(1714600000, 0)) // backoff without sleeping
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	cfg.OnFailure = func(b *mparticle.Batch, _ error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.failed = append(r.failed, b)
	}
	fwd, err := mpbraze.NewCurrentsForwarder(cfg)
	require.NoError(t, err)
	r.fwd = fwd
	h, err := currents.NewHandler(fwd, currents.WithToken(currentsTestToken))
	require.NoError(t, err)
	r.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		r.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = fwd.Close(ctx)
		for _, c := range r.clients {
			c.CloseIdleConnections()
		}
	})
	return r
}

// post sends a Currents body as Braze does and returns the status.
func (r *currentsRig) post(t testing.TB, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.srv.URL, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+currentsTestToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.srv.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// drain closes the forwarder, which waits until every accepted batch is
// delivered (or given up on).
func (r *currentsRig) drain(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, r.fwd.Close(ctx))
}

// currentsReceived returns the recorded batches decoded, keyed by source_message_id
// of their one event.
func currentsReceived(t testing.TB, fake *mparticletest.Server) map[string]*mparticle.Batch {
	t.Helper()
	out := map[string]*mparticle.Batch{}
	for _, rb := range fake.Batches() {
		b, err := rb.Decode()
		require.NoError(t, err)
		require.Len(t, b.Events, 1)
		id := b.Events[0].Data.Common().SourceMessageID
		_, dup := out[id]
		require.False(t, dup, "batch %s delivered twice", id)
		out[id] = b
	}
	return out
}

func currentsBody(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func currentsEventName(b *mparticle.Batch) string {
	if ce, ok := b.Events[0].Data.(*mparticle.CustomEvent); ok {
		return ce.EventName
	}
	return string(b.Events[0].Data.EventType())
}

// TestCurrentsEndToEndFixture posts the shared fixture and checks what the
// mParticle fake recorded.
func TestCurrentsEndToEndFixture(t *testing.T) {
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{})
	require.Equal(t, http.StatusOK, r.post(t, currentsBody(t, "braze/currents/testdata/fixture_custom_http.json")))
	r.drain(t)

	got := currentsReceived(t, r.fake)
	require.Len(t, got, 2)
	send := got["1d6f0a3e-8c2b-4f71-9e55-3b7a2c9d0e14"]
	require.NotNil(t, send)
	assert.Equal(t, "Email Sends", currentsEventName(send))
	assert.Equal(t, "cust-88412", send.UserIdentities.CustomerID)
	assert.Equal(t, "ada.river@example.org", send.UserIdentities.Email)
	assert.Equal(t, mparticle.EnvironmentProduction, send.Environment)
	assert.Equal(t, int64(1714601200000), send.Events[0].Data.Common().TimestampUnixtimeMS)
	campaign, _ := send.Events[0].Data.Common().CustomAttributes.Get("campaign_name")
	v, _ := campaign.Str()
	assert.Equal(t, "Spring Restock", v)

	open := got["4e8a2b6c-0d1f-4a3e-b5c7-9d2f4a6b8c0e"]
	require.NotNil(t, open)
	assert.Equal(t, "Push Notification Opens", currentsEventName(open))
	require.NotNil(t, open.DeviceInfo)
	assert.Equal(t, mparticle.PlatformIOS, open.DeviceInfo.Platform)
	assert.Equal(t, "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", open.DeviceInfo.IOSIDFV)

	st := r.fwd.Stats()
	assert.Equal(t, mpbraze.CurrentsStats{Received: 2, Accepted: 2, Delivered: 2}, st)
	assert.Empty(t, r.fake.Rejected(), "the fake found every batch valid")
}

// TestCurrentsEndToEndEveryFamily posts one event of every family and checks
// each recorded batch, with behaviour events both skipped (default) and
// included.
func TestCurrentsEndToEndEveryFamily(t *testing.T) {
	body := currentsBody(t, "braze/currents/testdata/all_families.json")
	events, err := currents.DecodeBody(body)
	require.NoError(t, err)

	for _, include := range []bool{false, true} {
		t.Run(fmt.Sprintf("IncludeBehaviors=%v", include), func(t *testing.T) {
			r := newCurrentsRig(t, mpbraze.CurrentsConfig{Mapping: mapping.CurrentsOptions{IncludeBehaviors: include}})
			require.Equal(t, http.StatusOK, r.post(t, body))
			r.drain(t)
			got := currentsReceived(t, r.fake)
			assert.Empty(t, r.fake.Rejected())
			behaviors := 0
			for _, ev := range events {
				b, ok := got[ev.ID]
				isBehavior := map[currents.Family]bool{currents.FamilyCustomEvent: true, currents.FamilyPurchase: true,
					currents.FamilySession: true, currents.FamilyLocation: true}[ev.Family()]
				if isBehavior {
					behaviors++
				}
				if isBehavior && !include {
					assert.False(t, ok, "%s must not be exported", ev.Type)
					continue
				}
				require.True(t, ok, "%s not delivered", ev.Type)
				want := mapping.CurrentsEventName(ev.Type)
				if ev.Type == currents.Uninstall {
					want = string(mparticle.EventUninstall)
				}
				assert.Equal(t, want, currentsEventName(b))
				assert.Equal(t, "cust-88412", b.UserIdentities.CustomerID, ev.Type)
				assert.Equal(t, ev.UnixMilli(), b.Events[0].Data.Common().TimestampUnixtimeMS, ev.Type)
				assert.True(t, mapping.IsFromBrazeCurrents(b), "%s carries the loop-guard mark on the wire", ev.Type)
				if ev.Type == currents.Uninstall {
					assert.Equal(t, mparticle.EventUninstall, b.Events[0].Data.EventType())
				}
			}
			st := r.fwd.Stats()
			assert.Equal(t, uint64(len(events)), st.Received)
			assert.Equal(t, uint64(len(got)), st.Delivered)
			if include {
				assert.Len(t, got, len(events))
				assert.Zero(t, st.Skipped)
			} else {
				assert.Len(t, got, len(events)-behaviors)
				assert.Equal(t, uint64(behaviors), st.Skipped)
			}
		})
	}
}

// TestCurrentsLoopGuardEndToEnd feeds what mParticle received back into
// the forward path's mapper: no Braze objects come out.
func TestCurrentsLoopGuardEndToEnd(t *testing.T) {
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{Mapping: mapping.CurrentsOptions{IncludeBehaviors: true}})
	require.Equal(t, http.StatusOK, r.post(t, currentsBody(t, "braze/currents/testdata/all_families.json")))
	r.drain(t)
	m, err := mapping.New(mapping.Settings{})
	require.NoError(t, err)
	batches := r.fake.Batches()
	require.NotEmpty(t, batches)
	for _, rb := range batches {
		b, err := rb.Decode()
		require.NoError(t, err)
		res := m.Map(b)
		assert.Zero(t, res.Len(), "batch %s produced Braze objects", b.SourceRequestID)
		assert.True(t, res.Skipped)
	}
}

func TestCurrentsSkipsUsersWithoutExternalID(t *testing.T) {
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{})
	body := `{"events":[
	  {"event_type":"users.messages.email.Open","id":"anon-1","time":1714600000,"user":{"user_id":"65f0c1a2b3c4d5e6f7a8b9c0"}},
	  {"event_type":"users.messages.email.Open","id":"known-1","time":1714600001,"user":{"external_user_id":"cust-1"}}]}`
	require.Equal(t, http.StatusOK, r.post(t, []byte(body)), "skipped events are still acknowledged")
	r.drain(t)
	got := currentsReceived(t, r.fake)
	assert.Len(t, got, 1)
	assert.Contains(t, got, "known-1")
	assert.Equal(t, uint64(1), r.fwd.Stats().Skipped)
}

// TestCurrentsSurvivesOutage injects 5xx and 429 answers: the accepted
// events are all delivered after the outage, exactly once.
func TestCurrentsSurvivesOutage(t *testing.T) {
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{UploadSize: 3, Mapping: mapping.CurrentsOptions{IncludeBehaviors: true}})
	r.fake.InjectNext(
		mparticletest.ServerError(http.StatusServiceUnavailable),
		mparticletest.ServerError(http.StatusInternalServerError),
		mparticletest.RateLimited(time.Second),
		mparticletest.ServerError(http.StatusBadGateway),
		mparticletest.DropConnection(),
		mparticletest.RateLimited(-1),
		mparticletest.ServerError(http.StatusServiceUnavailable),
	)
	body := currentsBody(t, "braze/currents/testdata/all_families.json")
	events, err := currents.DecodeBody(body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.post(t, body))
	require.Equal(t, http.StatusOK, r.post(t, currentsBody(t, "braze/currents/testdata/fixture_custom_http.json")))
	r.drain(t)

	got := currentsReceived(t, r.fake)
	for _, ev := range events {
		assert.Contains(t, got, ev.ID, "%s lost in the outage", ev.Type)
	}
	assert.Len(t, got, len(events)+2)
	st := r.fwd.Stats()
	assert.Equal(t, st.Accepted, st.Delivered)
	assert.Zero(t, st.Failed)
	assert.Positive(t, st.Retries)
	assert.Zero(t, st.Queued)
	fs := r.fake.Stats()
	assert.Equal(t, 7, fs.Faults)
	assert.Empty(t, r.failed)
}

// TestCurrentsQueueFullThenRetrySucceeds stalls delivery (an outage and a
// clock that does not move) until the queue is full: the handler answers 503
// and queues nothing of that request. Once mParticle is back and the backlog
// has drained, the body Braze resends is accepted; nothing is lost or
// delivered twice.
func TestCurrentsQueueFullThenRetrySucceeds(t *testing.T) {
	clk := clock.NewManual(time.Unix(1714600000, 0))
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{QueueSize: 2, Clock: clk})
	// The fixture's two events go to two feeds (Unbound, iOS): fail both.
	r.fake.InjectNext(mparticletest.ServerError(http.StatusServiceUnavailable), mparticletest.ServerError(http.StatusServiceUnavailable))
	require.Equal(t, http.StatusOK, r.post(t, currentsBody(t, "braze/currents/testdata/fixture_custom_http.json")), "2 batches fit in a queue of 2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, clk.WaitForWaiters(ctx, 2), "both workers wait out their backoff")
	late := []byte(`{"events":[{"event_type":"users.messages.email.Open","id":"late-1","time":1714600000,"user":{"external_user_id":"cust-2"}}]}`)
	require.Equal(t, http.StatusServiceUnavailable, r.post(t, late), "queue full: Braze must retry")
	st := r.fwd.Stats()
	assert.Equal(t, uint64(1), st.Refused)
	assert.Equal(t, 2, st.Queued)

	clk.Advance(time.Hour)
	for r.fwd.Stats().Queued > 0 { // wait for the backlog; no timing asserted
		require.NoError(t, ctx.Err(), "backlog never drained")
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, http.StatusOK, r.post(t, late), "Braze's retry is accepted")
	r.drain(t)
	got := currentsReceived(t, r.fake)
	assert.Len(t, got, 3)
	assert.Contains(t, got, "late-1")
}

// TestCurrentsPermanentFailureIsReported: a batch mParticle refuses as
// invalid is not retried forever; it is counted, logged and handed to
// OnFailure.
func TestCurrentsPermanentFailureIsReported(t *testing.T) {
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{UploadSize: 1})
	r.fake.InjectNext(mparticletest.Respond(http.StatusBadRequest, `{"errors":[{"code":"BAD_REQUEST","message":"nope"}]}`))
	require.Equal(t, http.StatusOK, r.post(t, currentsBody(t, "braze/currents/testdata/fixture_custom_http.json")))
	r.drain(t)
	st := r.fwd.Stats()
	assert.Equal(t, uint64(1), st.Failed)
	assert.Equal(t, uint64(1), st.Delivered)
	require.Len(t, r.failed, 1)
	assert.Len(t, currentsReceived(t, r.fake), 1)
}

// TestCurrentsCloseGivesUp: when Close's context ends during an outage, the
// undelivered batches are reported, not silently dropped.
func TestCurrentsCloseGivesUp(t *testing.T) {
	clk := clock.NewManual(time.Unix(1714600000, 0))
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{Clock: clk})
	r.fake.InjectNext(mparticletest.ServerError(http.StatusServiceUnavailable), mparticletest.ServerError(http.StatusServiceUnavailable))
	require.Equal(t, http.StatusOK, r.post(t, currentsBody(t, "braze/currents/testdata/fixture_custom_http.json")))
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	require.NoError(t, clk.WaitForWaiters(wctx, 2))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := r.fwd.Close(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "2 batches undelivered")
	assert.Len(t, r.failed, 2)
	st := r.fwd.Stats()
	assert.Equal(t, uint64(2), st.Failed)
	assert.Zero(t, st.Queued)

	assert.ErrorIs(t, r.fwd.Accept(context.Background(), []currents.Event{{Type: currents.EmailOpen, User: currents.User{ExternalUserID: "x"}}}),
		mpbraze.ErrCurrentsClosed)
	assert.NoError(t, r.fwd.Close(context.Background()), "closing twice is harmless")
}

// TestCurrentsPerPlatformFeeds routes each event to the client of its
// platform's feed.
func TestCurrentsPerPlatformFeeds(t *testing.T) {
	fakes := map[mapping.CurrentsFeed]*mparticletest.Server{}
	feeds := map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{}
	var clients []*mparticle.Client
	for _, feed := range []mapping.CurrentsFeed{mapping.FeedIOS, mapping.FeedAndroid, mapping.FeedWeb, mapping.FeedUnbound} {
		fake := mparticletest.NewServer(mparticletest.WithCredentials("key-"+string(feed), "secret-"+string(feed)))
		t.Cleanup(fake.Close)
		fakes[feed] = fake
		c := newCurrentsMPClient(t, fake)
		clients = append(clients, c)
		feeds[feed] = c
	}
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{Feeds: feeds, Mapping: mapping.CurrentsOptions{IncludeBehaviors: true}})
	r.clients = clients
	body := currentsBody(t, "braze/currents/testdata/all_families.json")
	events, err := currents.DecodeBody(body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.post(t, body))
	r.drain(t)

	total := 0
	for feed, fake := range fakes {
		got := currentsReceived(t, fake)
		total += len(got)
		for _, ev := range events {
			if _, ok := got[ev.ID]; ok {
				assert.Equal(t, feed, mapping.CurrentsFeedOf(&ev), "%s went to the %s feed", ev.Type, feed)
			}
		}
	}
	assert.Equal(t, len(events), total)
	assert.NotEmpty(t, currentsReceived(t, fakes[mapping.FeedIOS]))
	assert.NotEmpty(t, currentsReceived(t, fakes[mapping.FeedAndroid]))
	assert.NotEmpty(t, currentsReceived(t, fakes[mapping.FeedWeb]))
	assert.NotEmpty(t, currentsReceived(t, fakes[mapping.FeedUnbound]))
	assert.Empty(t, r.fake.Batches(), "the default client is not used when every feed has its own")
}

func TestCurrentsConfigValidation(t *testing.T) {
	fake := mparticletest.NewServer()
	defer fake.Close()
	c := newCurrentsMPClient(t, fake)
	cases := map[string]mpbraze.CurrentsConfig{
		"Client":     {},
		"Feeds[iOS]": {Feeds: map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{mapping.FeedIOS: nil}},
		"Feeds":      {Client: c, Feeds: map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{"Windows": c}},
		"QueueSize":  {Client: c, QueueSize: -1},
		"MaxBackoff": {Client: c, MinBackoff: time.Minute, MaxBackoff: time.Second},
	}
	for field, cfg := range cases {
		_, err := mpbraze.NewCurrentsForwarder(cfg)
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), "CurrentsConfig."+field, field)
	}
}

// BenchmarkCurrentsHandlerToMParticle measures events per second from an
// HTTP POST to the handler until mParticle (the fake, over loopback) has
// accepted them: bodies of 100 events, delivery drained at the end.
func BenchmarkCurrentsHandlerToMParticle(b *testing.B) {
	const perBody = 100
	var buf bytes.Buffer
	buf.WriteString(`{"events":[`)
	for i := range perBody {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"event_type":"users.messages.email.Open","id":"bench-%d","time":1714602310,
		  "user":{"user_id":"65f0c1a2b3c4d5e6f7a8b9c0","external_user_id":"cust-%d","timezone":"America/New_York"},
		  "properties":{"app_group_id":"3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9","campaign_id":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
		  "campaign_name":"Spring Restock","dispatch_id":"65f0c1a2b3c4d5e6f7a8b9d1","send_id":"spring-restock-0501",
		  "email_address":"ada.river@example.org","machine_open":"true","mailbox_provider":"Apple","device_model":"iPhone15,2"}}`, i, i)
	}
	buf.WriteString(`]}`)
	body := buf.Bytes()

	r := newCurrentsRig(b, mpbraze.CurrentsConfig{QueueSize: 1 << 20})
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		if status := r.post(b, body); status != http.StatusOK {
			b.Fatalf("status %d", status)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := r.fwd.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	st := r.fwd.Stats()
	if st.Delivered != uint64(b.N*perBody) {
		b.Fatalf("delivered %d of %d", st.Delivered, b.N*perBody)
	}
	b.ReportMetric(float64(b.N*perBody)/b.Elapsed().Seconds(), "events/s")
}

// ExampleNewCurrentsForwarder receives Braze Currents and delivers them to
// mParticle (here the in-process fake).
func ExampleNewCurrentsForwarder() {
	fake := mparticletest.NewServer()
	defer fake.Close()
	client, err := mparticle.NewClient(fake.Key(), fake.Secret(),
		mparticle.WithBaseURL(fake.URL()), mparticle.WithAllowHTTP()) // production: mparticle.WithPod(mparticle.US1)
	if err != nil {
		panic(err)
	}
	fwd, err := mpbraze.NewCurrentsForwarder(mpbraze.CurrentsConfig{Client: client})
	if err != nil {
		panic(err)
	}
	handler, err := currents.NewHandler(fwd, currents.WithToken("s3cret-token"))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(handler) // production: an http.Server with timeouts, behind TLS
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewBufferString(`{"events":[
	  {"event_type":"users.messages.email.Open","id":"7a9c1e3f-5b7d-4f9a-8c1e-3f5b7d9f1a3c","time":1714602310,
	   "user":{"external_user_id":"cust-88412"},
	   "properties":{"campaign_name":"Spring Restock","email_address":"ada.river@example.org"}}]}`))
	req.Header.Set("Authorization", "Bearer s3cret-token")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("Braze got", resp.StatusCode)

	if err := fwd.Close(context.Background()); err != nil { // drains the queue
		panic(err)
	}
	for _, rb := range fake.Batches() {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, rb.Raw, "", "  ")
		fmt.Println(pretty.String())
	}
	// Output:
	// Braze got 200
	// {
	//   "events": [
	//     {
	//       "event_type": "custom_event",
	//       "data": {
	//         "timestamp_unixtime_ms": 1714602310000,
	//         "source_message_id": "7a9c1e3f-5b7d-4f9a-8c1e-3f5b7d9f1a3c",
	//         "custom_attributes": {
	//           "campaign_name": "Spring Restock",
	//           "source_request_id": "7a9c1e3f-5b7d-4f9a-8c1e-3f5b7d9f1a3c"
	//         },
	//         "event_name": "Email Opens",
	//         "custom_event_type": "other",
	//         "custom_flags": {
	//           "mpbraze_origin": "braze_currents"
	//         }
	//       }
	//     }
	//   ],
	//   "environment": "production",
	//   "source_request_id": "7a9c1e3f-5b7d-4f9a-8c1e-3f5b7d9f1a3c",
	//   "schema_version": 2,
	//   "user_identities": {
	//     "customer_id": "cust-88412",
	//     "email": "ada.river@example.org"
	//   }
	// }
}

// TestCurrentsForwarderLeavesNoGoroutines: after Close (and closing the
// servers and idle connections) nothing the forwarder started still runs.
func TestCurrentsForwarderLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fake := mparticletest.NewServer()
	defer fake.Close()
	client := newCurrentsMPClient(t, fake)
	defer client.CloseIdleConnections()
	fwd, err := mpbraze.NewCurrentsForwarder(mpbraze.CurrentsConfig{Client: client})
	require.NoError(t, err)
	events, err := currents.DecodeBody(currentsBody(t, "braze/currents/testdata/all_families.json"))
	require.NoError(t, err)
	require.NoError(t, fwd.Accept(context.Background(), events))
	require.NoError(t, fwd.Close(context.Background()))
	assert.Equal(t, fwd.Stats().Accepted, fwd.Stats().Delivered)
}

// TestCurrentsRefusedRequestIsIsolated: when mParticle refuses a request of
// several batches, each is resent alone, so one bad batch cannot take its
// neighbours down with it.
func TestCurrentsRefusedRequestIsIsolated(t *testing.T) {
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{UploadSize: 10})
	r.fake.InjectNext(mparticletest.Respond(http.StatusBadRequest, `{"errors":[{"code":"BAD_REQUEST","message":"one bad batch"}]}`))
	body := `{"events":[
	  {"event_type":"users.messages.email.Open","id":"iso-1","time":1714600000,"user":{"external_user_id":"cust-1"}},
	  {"event_type":"users.messages.email.Open","id":"iso-2","time":1714600001,"user":{"external_user_id":"cust-2"}},
	  {"event_type":"users.messages.email.Open","id":"iso-3","time":1714600002,"user":{"external_user_id":"cust-3"}}]}`
	require.Equal(t, http.StatusOK, r.post(t, []byte(body)))
	r.drain(t)
	got := currentsReceived(t, r.fake)
	assert.Len(t, got, 3, "the refusal was not the batches' fault: all delivered one by one")
	st := r.fwd.Stats()
	assert.Equal(t, uint64(3), st.Delivered)
	assert.Zero(t, st.Failed)
	assert.Empty(t, r.failed)
}

// TestCurrentsHonoursRetryAfter: a 429's Retry-After that the client did not
// wait out itself sets the forwarder's wait (read from the fake clock).
func TestCurrentsHonoursRetryAfter(t *testing.T) {
	clk := clock.NewAutoAdvance(time.Unix(1714600000, 0))
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{Clock: clk, MinBackoff: 10 * time.Millisecond})
	r.fake.InjectNext(mparticletest.RateLimited(7 * time.Second))
	body := `{"events":[{"event_type":"users.messages.email.Open","id":"ra-1","time":1714600000,"user":{"external_user_id":"cust-1"}}]}`
	require.Equal(t, http.StatusOK, r.post(t, []byte(body)))
	r.drain(t)
	assert.Contains(t, clk.Sleeps(), 7*time.Second)
	assert.Len(t, currentsReceived(t, r.fake), 1)
}
