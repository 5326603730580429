package mpbraze_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

const audToken = "audience-token-s3cr3t"

// audRig is a Kit sending to a fresh brazetest, with diagnostics and logs
// captured.
type audRig struct {
	srv   *brazetest.Server
	kit   *mpbraze.Kit
	logs  *bytes.Buffer
	mu    sync.Mutex
	diags []mapping.Diagnostic
}

func newAudRig(t *testing.T, s mapping.AudienceSettings, mod func(*mpbraze.Config)) *audRig {
	t.Helper()
	r := &audRig{srv: brazetest.NewServer(), logs: &bytes.Buffer{}}
	t.Cleanup(r.srv.Close)
	cfg := mpbraze.Config{
		BrazeKey:  r.srv.Key(),
		BrazeURL:  r.srv.URL(),
		AllowHTTP: true,
		Audience:  s,
		Logger:    slog.New(slog.NewTextHandler(&lockedWriter{w: r.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnDiagnostic: func(d mapping.Diagnostic) {
			r.mu.Lock()
			r.diags = append(r.diags, d)
			r.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	k, err := mpbraze.New(cfg)
	require.NoError(t, err)
	r.kit = k
	t.Cleanup(func() { _, _ = k.Close(context.Background()) })
	return r
}

// lockedWriter serialises writes to the log buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (r *audRig) flush(t *testing.T) {
	t.Helper()
	rep, err := r.kit.Flush(context.Background())
	require.NoError(t, err)
	require.NoError(t, rep.Err())
}

func (r *audRig) attrs(t *testing.T, externalID string) map[string]any {
	t.Helper()
	u, ok := r.srv.User(externalID)
	require.True(t, ok, "user %q not in Braze", externalID)
	return u.Attributes
}

func audMessage(id string, profiles ...mparticle.UserProfile) *mparticle.AudienceMembershipChangeRequest {
	return &mparticle.AudienceMembershipChangeRequest{
		Type: mparticle.MessageAudienceMembershipChangeRequest, ID: id, FirehoseVersion: "3.2.0",
		Account: &mparticle.Account{AccountID: 1}, UserProfiles: profiles,
	}
}

func audProfile(customerID string, audiences ...mparticle.Audience) mparticle.UserProfile {
	return mparticle.UserProfile{
		MPID:           "mpid-" + customerID,
		UserIdentities: []mparticle.Identity{{Type: mparticle.UserIdentityCustomer, Encoding: mparticle.EncodingRaw, Value: customerID}},
		Audiences:      audiences,
	}
}

func audJoin(id int64, name string) mparticle.Audience {
	return mparticle.Audience{AudienceID: id, AudienceName: name, Action: mparticle.AudienceAdd}
}

func audLeave(id int64, name string) mparticle.Audience {
	return mparticle.Audience{AudienceID: id, AudienceName: name, Action: mparticle.AudienceDelete}
}

func TestApplyAudienceChangeFixture(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{
		SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsAsArray | mapping.SegmentsPerAttribute,
		APIKeyOS:       mapping.APIKeyOSiOS, AppID: "ios-app",
	}, nil)
	// The spec's sample message, as copied into the repository.
	b, err := os.ReadFile("mparticle/testdata/audience_membership_change_request.json")
	require.NoError(t, err)
	msg, err := mparticle.DecodeAudienceMembershipChangeRequest(b)
	require.NoError(t, err)

	res, err := r.kit.ApplyAudienceChange(context.Background(), msg)
	require.NoError(t, err)
	require.Len(t, res.Attributes, 1)
	r.flush(t)

	a := r.attrs(t, "cust-88412")
	assert.Equal(t, "11034", a["SegmentMembership"])
	assert.Equal(t, []any{"11034"}, a["SegmentMembershipArray"])
	assert.Equal(t, true, a["In Lapsed Campers"])
	assert.Equal(t, false, a["In Gold Tier Shoppers"])
	assert.Equal(t, "gold", a["tier"])
	assert.Equal(t, []any{"outdoor", "books"}, a["favorite_categories"])
	assert.NotContains(t, a, "email", "the fixture's email is hashed")
	assert.Equal(t, []any{map[string]any{"app_id": "ios-app", "token": "a4f1e0c9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1"}}, a["push_tokens"])

	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.diags, "the hashed email is reported")
	assert.Equal(t, mapping.Dropped, r.diags[0].Code)
	assert.Equal(t, uint64(1), r.kit.Stats().Objects)
}

// Joins and leaves across messages: after each, Braze's SegmentMembership is
// the full set.
func TestApplyAudienceChangeAcrossMessages(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{}, nil)
	ctx := context.Background()
	steps := []struct {
		msg  *mparticle.AudienceMembershipChangeRequest
		want string
	}{
		{audMessage("1", audProfile("u", audJoin(5, "E"), audJoin(3, "C"))), "3,5"},
		{audMessage("2", audProfile("u", audJoin(40, "F"))), "3,5,40"},
		{audMessage("3", audProfile("u", audLeave(3, "C"), audLeave(99, "never joined"))), "5,40"},
		{audMessage("4", audProfile("u", audLeave(5, "E"), audLeave(40, "F"))), ""},
	}
	for i, st := range steps {
		_, err := r.kit.ApplyAudienceChange(ctx, st.msg)
		require.NoError(t, err)
		r.flush(t)
		assert.Equal(t, st.want, r.attrs(t, "u")["SegmentMembership"], "after message %d", i)
	}
}

func TestKitClearAudience(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsPerAttribute}, nil)
	ctx := context.Background()
	_, err := r.kit.ApplyAudienceChange(ctx, audMessage("m", audProfile("a", audJoin(1, "One"), audJoin(2, "Two")), audProfile("b", audJoin(1, "One"))))
	require.NoError(t, err)
	res, err := r.kit.ClearAudience(ctx, 1, "One")
	require.NoError(t, err)
	assert.Len(t, res.Attributes, 2)
	r.flush(t)
	assert.Equal(t, "2", r.attrs(t, "a")["SegmentMembership"])
	assert.Equal(t, false, r.attrs(t, "a")["In One"])
	assert.Equal(t, "", r.attrs(t, "b")["SegmentMembership"])

	_, err = r.kit.ClearAudience(ctx, 1, "")
	require.ErrorContains(t, err, "name")
	assert.Equal(t, mapping.SegmentsAsString|mapping.SegmentsPerAttribute, r.kit.AudienceSettings().SendSegmentsAs)
}

func TestApplyAudienceChangeErrors(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{}, func(c *mpbraze.Config) {
		c.Batch.MaxQueuedObjects = 1
		c.Batch.QueueFull = braze.QueueFullError
	})
	ctx := context.Background()
	_, err := r.kit.ApplyAudienceChange(ctx, nil)
	require.Error(t, err)

	_, err = r.kit.ApplyAudienceChange(ctx, audMessage("two", audProfile("a", audJoin(1, "One")), audProfile("b", audJoin(1, "One"))))
	require.ErrorIs(t, err, braze.ErrQueueFull)

	_, err = r.kit.Close(ctx)
	require.NoError(t, err)
	_, err = r.kit.ApplyAudienceChange(ctx, audMessage("late", audProfile("a", audJoin(1, "One"))))
	require.ErrorIs(t, err, mpbraze.ErrClosed)
}

func TestNewAudienceHandlerNeedsToken(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{}, nil)
	_, err := mpbraze.NewAudienceHandler(r.kit, "", mpbraze.AudienceHandlerOptions{})
	require.ErrorIs(t, err, mpbraze.ErrNoAudienceToken)
	_, err = mpbraze.NewAudienceHandler(nil, "t", mpbraze.AudienceHandlerOptions{})
	require.Error(t, err)
	h, err := r.kit.AudienceHandler("", mpbraze.AudienceHandlerOptions{AllowUnauthenticated: true})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"type":"audience_membership_change_request","id":"x","account":{"account_id":1}}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// audPost sends body to the handler and returns the status and decoded body.
func audPost(t *testing.T, url string, hdr map[string]string, body []byte) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+audToken)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func TestAudienceHandler(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{SendSegmentsAs: mapping.SegmentsAsArray}, nil)
	h, err := mpbraze.NewAudienceHandler(r.kit, audToken, mpbraze.AudienceHandlerOptions{MaxBodyBytes: 4096})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	good, err := json.Marshal(audMessage("ok-1", audProfile("h-user", audJoin(8, "Eight")), mparticle.UserProfile{MPID: "7"}))
	require.NoError(t, err)

	t.Run("accepted after enqueue", func(t *testing.T) {
		code, body, _ := audPost(t, srv.URL, nil, good)
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "audience_membership_change_response", body["type"])
		assert.Equal(t, "3.2.0", body["firehose_version"])
		assert.Len(t, body["id"], 36)
		assert.Equal(t, map[string]any{"updated": 1.0, "skipped": 1.0, "errors": 0.0}, body["mpbraze"])
		r.flush(t)
		assert.Equal(t, []any{"8"}, r.attrs(t, "h-user")["SegmentMembershipArray"])
	})
	t.Run("gzip", func(t *testing.T) {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write(good)
		require.NoError(t, zw.Close())
		code, body, _ := audPost(t, srv.URL, map[string]string{"Content-Encoding": "gzip"}, zb.Bytes())
		assert.Equal(t, http.StatusOK, code, body)
	})
	t.Run("subscription request changes nothing", func(t *testing.T) {
		r.flush(t)
		before := len(r.srv.Requests())
		code, body, _ := audPost(t, srv.URL, nil, []byte(`{"type":"audience_subscription_request","id":"s","account":{"account_id":1},"audience_id":8,"action":"remove"}`))
		assert.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "audience_subscription_response", body["type"])
		r.flush(t)
		assert.Equal(t, before, len(r.srv.Requests()))
	})

	bad := []struct {
		name string
		hdr  map[string]string
		body []byte
		code int
	}{
		{"no token", map[string]string{"Authorization": ""}, good, http.StatusUnauthorized},
		{"wrong token", map[string]string{"Authorization": "Bearer nope"}, good, http.StatusUnauthorized},
		{"token prefix", map[string]string{"Authorization": "Bearer " + audToken[:5]}, good, http.StatusUnauthorized},
		{"basic auth", map[string]string{"Authorization": "Basic " + audToken}, good, http.StatusUnauthorized},
		{"malformed JSON", nil, []byte(`{"type":"audience_membership_change_request",`), http.StatusBadRequest},
		{"not an audience message", nil, []byte(`{"type":"event_processing_request"}`), http.StatusBadRequest},
		{"wrong content type", map[string]string{"Content-Type": "application/xml"}, good, http.StatusUnsupportedMediaType},
		{"unknown encoding", map[string]string{"Content-Encoding": "br"}, good, http.StatusUnsupportedMediaType},
		{"bad gzip", map[string]string{"Content-Encoding": "gzip"}, good, http.StatusBadRequest},
		{"too large", nil, append(append([]byte(`{"type":"audience_membership_change_request","id":"`), bytes.Repeat([]byte("x"), 5000)...), `"}`...), http.StatusRequestEntityTooLarge},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			code, body, hdr := audPost(t, srv.URL, b.hdr, b.body)
			assert.Equal(t, b.code, code, body)
			assert.NotEmpty(t, body["error"])
			if code == http.StatusUnauthorized {
				assert.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.Equal(t, "POST", resp.Header.Get("Allow"))
	})
	t.Run("closed kit answers 503", func(t *testing.T) {
		_, err := r.kit.Close(context.Background())
		require.NoError(t, err)
		code, body, _ := audPost(t, srv.URL, nil, good)
		assert.Equal(t, http.StatusServiceUnavailable, code, body)
	})

	// The token never appears in logs or printed forms.
	assert.NotContains(t, r.logs.String(), audToken)
	assert.Contains(t, r.logs.String(), "mpbraze: audience request")
	for _, s := range []string{fmt.Sprint(h), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h), fmt.Sprintf("%v", *h), fmt.Sprintf("%+v", *h)} {
		assert.NotContains(t, s, audToken)
	}
}

func TestAudienceHandlerQueueFull(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{}, func(c *mpbraze.Config) {
		c.Batch.MaxQueuedObjects = 1
		c.Batch.QueueFull = braze.QueueFullError
	})
	h, err := mpbraze.NewAudienceHandler(r.kit, audToken, mpbraze.AudienceHandlerOptions{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body, err := json.Marshal(audMessage("two", audProfile("a", audJoin(1, "One")), audProfile("b", audJoin(1, "One"))))
	require.NoError(t, err)
	code, out, hdr := audPost(t, srv.URL, nil, body)
	assert.Equal(t, http.StatusServiceUnavailable, code, out)
	assert.Equal(t, "1", hdr.Get("Retry-After"))
}

func TestAudienceNoGoroutineLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := brazetest.NewServer()
	defer srv.Close()
	k, err := mpbraze.New(mpbraze.Config{BrazeKey: srv.Key(), BrazeURL: srv.URL(), AllowHTTP: true})
	require.NoError(t, err)
	_, err = k.ApplyAudienceChange(context.Background(), audMessage("m", audProfile("u", audJoin(1, "One"))))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := k.Close(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered)
	srv.Close()
	http.DefaultClient.CloseIdleConnections()
}

// audFailingStore is a MembershipStore that is down.
type audFailingStore struct{}

func (audFailingStore) Apply(context.Context, string, []int64, []int64) ([]int64, error) {
	return nil, fmt.Errorf("store down")
}
func (audFailingStore) Members(context.Context, int64) ([]string, error) {
	return nil, fmt.Errorf("store down")
}

// A store failure is an error for the whole message: nothing is queued and
// the handler answers 500, so mParticle sends the message again.
func TestAudienceStoreFailure(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{Store: audFailingStore{}}, nil)
	h, err := mpbraze.NewAudienceHandler(r.kit, audToken, mpbraze.AudienceHandlerOptions{})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body, err := json.Marshal(audMessage("m", audProfile("a", audJoin(1, "One"))))
	require.NoError(t, err)
	code, out, _ := audPost(t, srv.URL, nil, body)
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, out["error"], "store down")
	r.flush(t)
	assert.Empty(t, r.srv.Users())
	assert.Equal(t, uint64(0), r.kit.Stats().Objects)

	_, err = r.kit.ClearAudience(context.Background(), 1, "One")
	require.ErrorContains(t, err, "store down")
}

// A SegmentMembership over 255 characters is logged as a warning and
// reported as a diagnostic; the user's other updates still go out.
func TestApplyAudienceChangeUserError(t *testing.T) {
	r := newAudRig(t, mapping.AudienceSettings{SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsAsArray}, nil)
	var auds []mparticle.Audience
	for i := range 40 {
		auds = append(auds, audJoin(int64(1000000+i), "A"))
	}
	res, err := r.kit.ApplyAudienceChange(context.Background(), audMessage("big", audProfile("big", auds...)))
	require.NoError(t, err)
	require.Len(t, res.Errors, 1)
	assert.ErrorIs(t, res.Errors[0], mapping.ErrSegmentMembershipTooLong)
	r.flush(t)
	a := r.attrs(t, "big")
	assert.NotContains(t, a, "SegmentMembership")
	assert.Len(t, a["SegmentMembershipArray"], 40)
	assert.Contains(t, r.logs.String(), "audience update not fully sent")
	assert.Equal(t, uint64(1), r.kit.Stats().Diagnostics[mapping.SegmentMembershipTooLong])
}

// Concurrent messages for one user: whatever order they run in, Braze ends
// with the SegmentMembership the store holds (updates are queued in the
// order the store saw them).
func TestApplyAudienceChangeConcurrentSameUser(t *testing.T) {
	store := mapping.NewMemoryMembershipStore()
	r := newAudRig(t, mapping.AudienceSettings{Store: store}, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				a := audJoin(int64(g*100+i%7), "A")
				if i%3 == 2 {
					a = audLeave(int64(g*100+(i-1)%7), "A")
				}
				_, err := r.kit.ApplyAudienceChange(ctx, audMessage("m", audProfile("same-user", a)))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	r.flush(t)
	full, err := store.Apply(ctx, "same-user", nil, nil)
	require.NoError(t, err)
	want := make([]string, len(full))
	for i, id := range full {
		want[i] = fmt.Sprint(id)
	}
	assert.Equal(t, strings.Join(want, ","), r.attrs(t, "same-user")["SegmentMembership"])
}
