package mparticle_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

var epoch = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// newClient returns a client for srv that never really sleeps: its clock
// jumps forward by every requested wait, and records them.
func newClient(t *testing.T, srv *mparticletest.Server, opts ...mparticle.Option) (*mparticle.Client, *clock.Manual) {
	t.Helper()
	clk := clock.NewAutoAdvance(epoch)
	all := append([]mparticle.Option{
		mparticle.WithBaseURL(srv.URL()),
		mparticle.WithAllowHTTP(),
		mparticle.WithClock(clk),
		mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}),
	}, opts...)
	c, err := mparticle.NewClient(srv.Key(), srv.Secret(), all...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c, clk
}

// userBatch returns a valid batch for customer id, with one custom event
// and a padding attribute of pad bytes.
func userBatch(id string, pad int) *mparticle.Batch {
	b := &mparticle.Batch{
		Environment:    mparticle.EnvironmentProduction,
		UserIdentities: &mparticle.UserIdentities{CustomerID: id},
		Events: []mparticle.Event{{Data: &mparticle.CustomEvent{
			EventName:       "Wishlist Shared",
			CustomEventType: mparticle.CustomSocial,
		}}},
	}
	if pad > 0 {
		b.UserAttributes = mparticle.Attributes{{Key: "pad", Value: mparticle.StringAttr(strings.Repeat("p", pad))}}
	}
	return b
}

// batchOfSize returns a batch whose JSON encoding is exactly size bytes.
func batchOfSize(t *testing.T, id string, size int) *mparticle.Batch {
	t.Helper()
	b := userBatch(id, 1)
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	b = userBatch(id, 1+size-len(raw))
	raw, err = json.Marshal(b)
	require.NoError(t, err)
	require.Len(t, raw, size)
	return b
}

func customerIDs(t *testing.T, recs []mparticletest.RecordedBatch) []string {
	t.Helper()
	ids := make([]string, len(recs))
	for i, r := range recs {
		uid, ok := r.Data["user_identities"].(map[string]any)
		require.True(t, ok, "batch %d has no user_identities", i)
		ids[i], _ = uid["customer_id"].(string)
	}
	return ids
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func batches(t *testing.T, ids []string) []*mparticle.Batch {
	t.Helper()
	out := make([]*mparticle.Batch, len(ids))
	for i, id := range ids {
		out[i] = userBatch(id, 0)
	}
	return out
}

func TestNewClientValidation(t *testing.T) {
	cases := []struct {
		name, key, secret string
		opts              []mparticle.Option
		want              string
	}{
		{"no key", "", "s", []mparticle.Option{mparticle.WithPod(mparticle.US1)}, "mparticle: NewClient: key: required"},
		{"colon key", "a:b", "s", []mparticle.Option{mparticle.WithPod(mparticle.US1)}, "key: contains a colon"},
		{"control", "k", "s\r\nX: y", []mparticle.Option{mparticle.WithPod(mparticle.US1)}, "secret: contains a control character"},
		{"no secret", "k", "", []mparticle.Option{mparticle.WithPod(mparticle.US1)}, "secret: required"},
		{"no pod", "k", "s", nil, "WithPod: required"},
		{"bad pod", "k", "s", []mparticle.Option{mparticle.WithPod("US9")}, `WithPod "US9": not one of US1, US2, EU1, AU1`},
		{"pod and url", "k", "s", []mparticle.Option{mparticle.WithPod(mparticle.EU1), mparticle.WithBaseURL("https://x")}, `WithPod "EU1": conflicts with WithBaseURL`},
		{"http", "k", "s", []mparticle.Option{mparticle.WithBaseURL("http://127.0.0.1:1/v2")}, `WithBaseURL "http://127.0.0.1:1/v2": plain http`},
		{"scheme", "k", "s", []mparticle.Option{mparticle.WithBaseURL("ftp://h/v2")}, "scheme must be https"},
		{"no host", "k", "s", []mparticle.Option{mparticle.WithBaseURL("https:///v2")}, ": no host"},
		{"query", "k", "s", []mparticle.Option{mparticle.WithBaseURL("https://h/v2?x=1")}, "query or fragment"},
		{"user info", "k", "s", []mparticle.Option{mparticle.WithBaseURL("https://user:hunter2@h/v2")}, "must not contain user info"},
		{"bad url", "k", "s", []mparticle.Option{mparticle.WithBaseURL("https://user:hunter2@h/%zz")}, "invalid URL"},
		{"rate per", "k", "s", []mparticle.Option{mparticle.WithPod(mparticle.US1), mparticle.WithRateLimit(mparticle.RateLimit{Requests: 10, Per: -time.Second})}, `WithRateLimit.Per "-1s": must not be negative`},
		{"retry", "k", "s", []mparticle.Option{mparticle.WithPod(mparticle.US1), mparticle.WithRetryPolicy(mparticle.RetryPolicy{MinBackoff: -1})}, `WithRetryPolicy.MinBackoff "-1ns": must not be negative`},
		{"burst", "k", "s", []mparticle.Option{mparticle.WithPod(mparticle.US1), mparticle.WithRateLimit(mparticle.RateLimit{Burst: -2})}, `WithRateLimit.Burst "-2": must not be negative`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := mparticle.NewClient(tc.key, tc.secret, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "hunter2", "credentials in a URL must not be echoed")
			var ce *mparticle.ConfigError
			assert.ErrorAs(t, err, &ce)
		})
	}

	c, err := mparticle.NewClient("k", "s", mparticle.WithPod(mparticle.EU1))
	require.NoError(t, err)
	assert.Equal(t, "https://s2s.eu1.mparticle.com/v2", c.BaseURL())
	c, err = mparticle.NewClient("k", "s", mparticle.WithBaseURL("https://proxy.example/v2/"))
	require.NoError(t, err)
	assert.Equal(t, "https://proxy.example/v2", c.BaseURL())
}

func TestPods(t *testing.T) {
	for in, want := range map[string]mparticle.Pod{"US1": mparticle.US1, "us2": mparticle.US2, " EU-1 ": mparticle.EU1, "au1": mparticle.AU1} {
		p, err := mparticle.ParsePod(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, p)
	}
	_, err := mparticle.ParsePod("US3")
	assert.ErrorContains(t, err, `pod: "US3" is not one of US1, US2, EU1, AU1`)

	want := map[mparticle.Pod]string{
		mparticle.US1: "https://s2s.mparticle.com/v2",
		mparticle.US2: "https://s2s.us2.mparticle.com/v2",
		mparticle.EU1: "https://s2s.eu1.mparticle.com/v2",
		mparticle.AU1: "https://s2s.au1.mparticle.com/v2",
	}
	for _, p := range mparticle.Pods() {
		assert.Equal(t, want[p], p.BaseURL())
		assert.True(t, p.Valid())
	}
	assert.Empty(t, mparticle.Pod("XX").BaseURL())
}

func TestUploadSendsOneBatch(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv, mparticle.WithUserAgent("test-agent/1"))

	b := userBatch("c-1", 0)
	require.NoError(t, c.Upload(context.Background(), b))

	recs := srv.Batches()
	require.Len(t, recs, 1)
	assert.Equal(t, "/events", recs[0].Endpoint)
	want, err := json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(recs[0].Raw))

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.True(t, reqs[0].Authenticated)
	assert.Equal(t, "application/json", reqs[0].ContentType)
	assert.Equal(t, "test-agent/1", reqs[0].Header.Get("User-Agent"))
}

func TestUploadNilAndOversize(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)

	require.ErrorIs(t, c.Upload(context.Background(), nil), mparticle.ErrNilBatch)

	// Exactly at the limit is sent; one byte over is refused without a request.
	require.NoError(t, c.Upload(context.Background(), batchOfSize(t, "edge", mparticle.MaxBatchBytes)))
	err := c.Upload(context.Background(), batchOfSize(t, "big", mparticle.MaxBatchBytes+1))
	require.ErrorIs(t, err, mparticle.ErrBatchTooLarge)
	var se *mparticle.BatchSizeError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, mparticle.MaxBatchBytes+1, se.Size)
	assert.Equal(t, mparticle.MaxBatchBytes, se.Limit)
	assert.Contains(t, err.Error(), "131073 bytes, over the Events API limit of 131072 bytes")
	assert.Len(t, srv.Requests(), 1)
}

func TestBulkUploadSplitsByCount(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)

	want := ids("u", 250)
	require.NoError(t, c.BulkUpload(context.Background(), batches(t, want)))

	var sizes []int
	for _, r := range srv.Requests() {
		assert.Equal(t, "/v2/bulkevents", r.Path)
		sizes = append(sizes, r.Batches)
	}
	assert.Equal(t, []int{100, 100, 50}, sizes)
	assert.Equal(t, want, customerIDs(t, srv.Batches()), "every batch once, in order")
	assert.Empty(t, srv.Rejected())
}

func TestBulkUploadSplitsByBytes(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)

	// 60 KB batches: four make 240 KB plus brackets and commas, five would
	// pass 256 KB.
	var bs []*mparticle.Batch
	want := ids("big", 10)
	for _, id := range want {
		bs = append(bs, batchOfSize(t, id, 60*1024))
	}
	require.NoError(t, c.BulkUpload(context.Background(), bs))

	var counts []int
	for _, r := range srv.Requests() {
		assert.LessOrEqual(t, len(r.Body), mparticle.MaxRequestBytes)
		counts = append(counts, r.Batches)
	}
	assert.Equal(t, []int{4, 4, 2}, counts)
	assert.Equal(t, want, customerIDs(t, srv.Batches()))

	// A request body exactly at the limit is allowed: two batches whose
	// array is 256 KB to the byte.
	srv.Reset()
	half := (mparticle.MaxRequestBytes - 3) / 2
	pair := []*mparticle.Batch{batchOfSize(t, "a", half), batchOfSize(t, "b", mparticle.MaxRequestBytes-3-half)}
	require.NoError(t, c.BulkUpload(context.Background(), pair))
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Len(t, reqs[0].Body, mparticle.MaxRequestBytes)
}

func TestBulkUploadBurstCapsBatchesPerRequest(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	// 110 per second with a burst of 10 refills at 100 batches/s.
	c, clk := newClient(t, srv, mparticle.WithRateLimit(mparticle.RateLimit{Requests: 110, Per: time.Second, Burst: 10}))

	require.NoError(t, c.BulkUpload(context.Background(), batches(t, ids("u", 25))))
	var counts []int
	for _, r := range srv.Requests() {
		counts = append(counts, r.Batches)
	}
	assert.Equal(t, []int{10, 10, 5}, counts)
	// 25 batches at 100/s with a burst of 10: the limiter made the client
	// wait for the 15 batches beyond the burst, on the injected clock.
	var waited time.Duration
	for _, d := range clk.Sleeps() {
		waited += d
	}
	assert.Equal(t, 150*time.Millisecond, waited)
}

func TestBulkUploadOversizeBatchDoesNotBlockOthers(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)

	bs := batches(t, ids("u", 5))
	bs[1] = batchOfSize(t, "huge", mparticle.MaxBatchBytes+500)
	bs[3] = nil
	err := c.BulkUpload(context.Background(), bs)

	var be *mparticle.BulkError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 5, be.Total)
	assert.Equal(t, []int{1, 3}, be.FailedIndexes())
	require.ErrorIs(t, be.Failed[0].Err, mparticle.ErrBatchTooLarge)
	require.ErrorIs(t, be.Failed[1].Err, mparticle.ErrNilBatch)
	assert.ErrorIs(t, err, mparticle.ErrBatchTooLarge, "errors.Is sees through BulkError")
	assert.Contains(t, err.Error(), "2 of 5 batches not delivered; batch 1: mparticle: batch is 131572 bytes, over the Events API limit")
	assert.Contains(t, err.Error(), "batch 3: mparticle: nil batch")

	assert.Equal(t, []string{"u0", "u2", "u4"}, customerIDs(t, srv.Batches()))
}

func TestBulkUploadEmpty(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)
	require.NoError(t, c.BulkUpload(context.Background(), nil))
	assert.Empty(t, srv.Requests())
}

func TestRetriesServerErrors(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := mparticletest.NewServer()
			defer srv.Close()
			c, clk := newClient(t, srv)
			srv.InjectNext(mparticletest.ServerError(status), mparticletest.ServerError(status))

			require.NoError(t, c.Upload(context.Background(), userBatch("c-1", 0)))
			assert.Len(t, srv.Requests(), 3)
			assert.Len(t, srv.Batches(), 1, "stored once")
			// Two jittered exponential backoffs: 125-250 ms then 250-500 ms.
			sleeps := clk.Sleeps()
			require.Len(t, sleeps, 2)
			assert.True(t, sleeps[0] >= 125*time.Millisecond && sleeps[0] < 250*time.Millisecond, sleeps)
			assert.True(t, sleeps[1] >= 250*time.Millisecond && sleeps[1] < 500*time.Millisecond, sleeps)
		})
	}
}

func TestRetries429HonouringRetryAfter(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, clk := newClient(t, srv)
	srv.InjectNext(mparticletest.RateLimited(3*time.Second), mparticletest.RateLimited(7*time.Second))

	require.NoError(t, c.BulkUpload(context.Background(), batches(t, ids("u", 3))))
	assert.Equal(t, []time.Duration{3 * time.Second, 7 * time.Second}, clk.Sleeps())
	assert.Equal(t, []string{"u0", "u1", "u2"}, customerIDs(t, srv.Batches()))
}

func TestRetriesDroppedConnection(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)
	srv.InjectNext(mparticletest.DropConnection())

	require.NoError(t, c.Upload(context.Background(), userBatch("c-1", 0)))
	assert.Len(t, srv.Requests(), 2)
	assert.Len(t, srv.Batches(), 1)
}

func TestRetriesExhausted(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv, mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: 2}))
	for range 5 {
		srv.InjectNext(mparticletest.RateLimited(time.Second))
	}

	err := c.Upload(context.Background(), userBatch("c-1", 0))
	var apiErr *mparticle.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 429, apiErr.StatusCode)
	assert.True(t, apiErr.Retryable)
	assert.True(t, apiErr.Temporary())
	assert.Equal(t, 3, apiErr.Attempts)
	assert.Equal(t, time.Second, apiErr.RetryAfter)
	assert.Equal(t, "app", apiErr.RateLimitScope)
	assert.ErrorIs(t, err, mparticle.ErrRetriesExhausted)
	assert.ErrorIs(t, err, mparticle.ErrRateLimited)
	assert.Equal(t, "mparticle: POST /events: 429 Too Many Requests (retry after 1s) after 3 attempts (retries exhausted)", err.Error())
	assert.Len(t, srv.Requests(), 3)
	assert.Empty(t, srv.Batches())

	// Transport drops every time: a transport error after the retries.
	srv.Reset()
	for range 3 {
		srv.InjectNext(mparticletest.DropConnection())
	}
	err = c.Upload(context.Background(), userBatch("c-1", 0))
	var te *mparticle.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
	assert.True(t, te.Temporary())
	assert.ErrorIs(t, err, mparticle.ErrRetriesExhausted)
	assert.Equal(t, "mparticle: POST /events: EOF after 3 attempts (retries exhausted)", err.Error())
	assert.False(t, errors.As(err, &apiErr))
}

func TestLongRetryAfterIsReportedNotSlept(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, clk := newClient(t, srv, mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetryAfter: 10 * time.Second}))
	srv.InjectNext(mparticletest.RateLimited(time.Hour))

	err := c.Upload(context.Background(), userBatch("c-1", 0))
	var apiErr *mparticle.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, time.Hour, apiErr.RetryAfter)
	assert.ErrorIs(t, err, mparticle.ErrRetryAfterTooLong)
	assert.Equal(t, 1, apiErr.Attempts)
	assert.Empty(t, clk.Sleeps())
}

func TestNoRetryOnClientErrors(t *testing.T) {
	cases := []struct {
		fault  mparticletest.Fault
		status int
		want   string
		is     error // the status sentinel the error matches, if any
	}{
		{mparticletest.Respond(400, `{"errors":[{"code":"BAD_REQUEST","message":"environment: required"}]}`), 400,
			"mparticle: POST /events: 400 Bad Request: BAD_REQUEST environment: required", nil},
		{mparticletest.Respond(401, `{"errors":[{"code":"UNAUTHORIZED","message":"missing credentials"}]}`), 401,
			"mparticle: POST /events: 401 Unauthorized: UNAUTHORIZED missing credentials", mparticle.ErrUnauthorized},
		{mparticletest.Respond(404, `<html>not here</html>`), 404, "mparticle: POST /events: 404 Not Found: <html>not here</html>", nil},
		{mparticletest.Respond(413, ``), 413, "mparticle: POST /events: 413 Request Entity Too Large", mparticle.ErrBodyTooLarge},
		{mparticletest.ServerError(501), 501, "mparticle: POST /events: 501 Not Implemented", nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := mparticletest.NewServer()
			defer srv.Close()
			c, clk := newClient(t, srv)
			srv.InjectNext(tc.fault)

			err := c.Upload(context.Background(), userBatch("c-1", 0))
			var apiErr *mparticle.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.False(t, apiErr.Retryable)
			assert.Equal(t, 1, apiErr.Attempts)
			assert.Equal(t, tc.want, err.Error())
			for _, sentinel := range []error{mparticle.ErrRateLimited, mparticle.ErrUnauthorized, mparticle.ErrForbidden, mparticle.ErrBodyTooLarge} {
				assert.Equal(t, sentinel == tc.is, errors.Is(err, sentinel), "errors.Is(err, %v)", sentinel)
			}
			assert.Len(t, srv.Requests(), 1, "not retried")
			assert.Empty(t, clk.Sleeps())
		})
	}
}

func TestAuthFailure(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, err := mparticle.NewClient(srv.Key(), "wrong-secret", mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithClock(clock.NewAutoAdvance(epoch)), mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}))
	require.NoError(t, err)
	defer c.CloseIdleConnections()

	err = c.Upload(context.Background(), userBatch("c-1", 0))
	var apiErr *mparticle.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.ErrorIs(t, err, mparticle.ErrForbidden)
	assert.NotErrorIs(t, err, mparticle.ErrUnauthorized)
	assert.Equal(t, []mparticle.ErrorDetail{{Code: "FORBIDDEN", Message: "invalid key or secret"}}, apiErr.Errors)

	// In a bulk upload the first 403 stops the rest: they would fail too.
	srv.Reset()
	err = c.BulkUpload(context.Background(), batches(t, ids("u", 250)))
	var be *mparticle.BulkError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Failed, 250)
	assert.Len(t, srv.Requests(), 1)
	require.ErrorAs(t, be.Failed[249].Err, &apiErr)
	assert.Equal(t, 403, apiErr.StatusCode)
	assert.Contains(t, be.Failed[249].Err.Error(), "not sent after an earlier request failed")
	assert.Equal(t, "mparticle: 250 of 250 batches not delivered; 100 batches (0…99): mparticle: POST /bulkevents: 403 Forbidden: FORBIDDEN invalid key or secret; "+
		"150 batches (100…249): mparticle: not sent after an earlier request failed: mparticle: POST /bulkevents: 403 Forbidden: FORBIDDEN invalid key or secret", err.Error())
}

func TestBulkUploadBadRequestDoesNotStopLaterRequests(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, _ := newClient(t, srv)
	srv.InjectNext(mparticletest.Respond(400, `{"errors":[{"code":"BAD_REQUEST","message":"scripted"}]}`))

	err := c.BulkUpload(context.Background(), batches(t, ids("u", 150)))
	var be *mparticle.BulkError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, ids("", 100), func() []string {
		out := make([]string, len(be.Failed))
		for i, f := range be.Failed {
			out[i] = fmt.Sprint(f.Index)
		}
		return out
	}())
	assert.Equal(t, ids("u", 150)[100:], customerIDs(t, srv.Batches()))
}

func TestContextCancellation(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()

	t.Run("before", func(t *testing.T) {
		c, _ := newClient(t, srv)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, c.Upload(ctx, userBatch("c-1", 0)), context.Canceled)
		err := c.BulkUpload(ctx, batches(t, ids("u", 150)))
		require.ErrorIs(t, err, context.Canceled)
		var be *mparticle.BulkError
		require.ErrorAs(t, err, &be)
		assert.Len(t, be.Failed, 150)
		assert.Empty(t, srv.Requests())
	})

	t.Run("during retry wait", func(t *testing.T) {
		srv.Reset()
		clk := clock.NewManual(epoch) // only moves when told: the retry wait blocks
		c, err := mparticle.NewClient(srv.Key(), srv.Secret(), mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(),
			mparticle.WithClock(clk), mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}))
		require.NoError(t, err)
		defer c.CloseIdleConnections()
		srv.InjectNext(mparticletest.ServerError(503))

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Upload(ctx, userBatch("c-1", 0)) }()
		require.NoError(t, clk.WaitForWaiters(context.Background(), 1))
		cancel()
		err = <-done
		require.ErrorIs(t, err, context.Canceled)
		assert.Len(t, srv.Requests(), 1)
		assert.Empty(t, srv.Batches())
	})

	t.Run("during rate limit wait", func(t *testing.T) {
		srv.Reset()
		clk := clock.NewManual(epoch)
		c, err := mparticle.NewClient(srv.Key(), srv.Secret(), mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(),
			mparticle.WithClock(clk), mparticle.WithRateLimit(mparticle.RateLimit{Requests: 1, Per: time.Second}))
		require.NoError(t, err)
		defer c.CloseIdleConnections()

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.BulkUpload(ctx, batches(t, ids("u", 3))) }()
		require.NoError(t, clk.WaitForWaiters(context.Background(), 1))
		cancel()
		err = <-done
		var be *mparticle.BulkError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, []int{1, 2}, be.FailedIndexes())
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, []string{"u0"}, customerIDs(t, srv.Batches()))
	})
}

// TestSecretsNeverLeak drives success and every failure path with a
// recognisable key and secret and checks that neither they nor their Basic
// auth encoding appear in errors, printed values or logs.
func TestSecretsNeverLeak(t *testing.T) {
	const key, sec = "KEY-6b1f0e2a", "SECRET-9d8c7b6a"
	basic := base64.StdEncoding.EncodeToString([]byte(key + ":" + sec))
	forbidden := []string{key, sec, basic}

	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))

	srv := mparticletest.NewServer(mparticletest.WithCredentials(key, sec))
	defer srv.Close()
	newC := func(k, s string) *mparticle.Client {
		c, err := mparticle.NewClient(k, s, mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(), mparticle.WithLogger(logger),
			mparticle.WithClock(clock.NewAutoAdvance(epoch)), mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}),
			mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: 1}))
		require.NoError(t, err)
		t.Cleanup(c.CloseIdleConnections)
		return c
	}
	c := newC(key, sec)
	var texts []string
	record := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
		}
	}

	ctx := context.Background()
	record(c.Upload(ctx, userBatch("ok", 0)))
	srv.InjectNext(mparticletest.ServerError(503), mparticletest.ServerError(503))
	record(c.Upload(ctx, userBatch("c", 0)))
	srv.InjectNext(mparticletest.DropConnection(), mparticletest.DropConnection())
	record(c.BulkUpload(ctx, batches(t, ids("u", 3))))
	srv.InjectNext(mparticletest.RateLimited(time.Second), mparticletest.RateLimited(time.Second))
	record(c.BulkUpload(ctx, batches(t, ids("u", 3))))
	record(newC(key, "wrong"+sec).Upload(ctx, userBatch("c", 0))) // 403, the wrong secret contains the real one
	record(c.Upload(ctx, batchOfSize(t, "big", mparticle.MaxBatchBytes+1)))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	record(c.BulkUpload(cancelled, batches(t, ids("u", 2))))

	// A server (or proxy) that echoes the Authorization header and the
	// credentials back in its error body.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errors":[{"code":"%s","message":"%s %s %s"}]}`, u, r.Header.Get("Authorization"), u, p)
	}))
	defer echo.Close()
	ec, err := mparticle.NewClient(key, sec, mparticle.WithBaseURL(echo.URL), mparticle.WithAllowHTTP(), mparticle.WithLogger(logger))
	require.NoError(t, err)
	defer ec.CloseIdleConnections()
	echoErr := ec.Upload(ctx, userBatch("c", 0))
	require.Error(t, echoErr)
	record(echoErr)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "auth was "+r.Header.Get("Authorization"))
	}))
	defer plain.Close()
	pc, err := mparticle.NewClient(key, sec, mparticle.WithBaseURL(plain.URL), mparticle.WithAllowHTTP(), mparticle.WithLogger(logger))
	require.NoError(t, err)
	defer pc.CloseIdleConnections()
	record(pc.Upload(ctx, userBatch("c", 0)))

	texts = append(texts,
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%s", c), c.String(),
		fmt.Sprintf("%+v", struct{ C *mparticle.Client }{c}),
		fmt.Sprintf("%v", []mparticle.Option{mparticle.WithPod(mparticle.US1)}))
	logger.Info("client", "client", c)

	logMu.Lock()
	texts = append(texts, logs.String())
	logMu.Unlock()
	require.Greater(t, len(texts), 10)
	assert.Contains(t, logs.String(), `"level":"WARN"`, "failures were logged")
	for _, text := range texts {
		for _, f := range forbidden {
			assert.NotContains(t, text, f)
		}
	}
	assert.Contains(t, echoErr.Error(), "[redacted]")
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestRandomFaultsDeliverEverythingOnce(t *testing.T) {
	srv := mparticletest.NewServer(mparticletest.WithFaults(mparticletest.Faults{Seed: 7,
		ServerErrorRate: 0.15, RateLimitRate: 0.1, RetryAfter: time.Second, DropRate: 0.05,
	}))
	defer srv.Close()
	c, _ := newClient(t, srv, mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: 10, Budget: mparticle.RetryBudget{Disabled: true}}))

	want := ids("u", 1000)
	bs := make([]*mparticle.Batch, len(want))
	for i, id := range want {
		bs[i] = userBatch(id, 1500) // ~1.6 KB each: the byte limit splits them
	}
	require.NoError(t, c.BulkUpload(context.Background(), bs))
	assert.Equal(t, want, customerIDs(t, srv.Batches()), "every batch exactly once, in order")
	st := srv.Stats()
	assert.Positive(t, st.Faults)
	assert.Empty(t, srv.Rejected())

	// The client's counters agree with what the server saw: every fault
	// cost exactly one retry and every batch was accepted once.
	cs := c.Stats()
	assert.Equal(t, uint64(st.Faults), cs.Retries)
	assert.Equal(t, uint64(st.Requests), cs.Attempts)
	assert.Equal(t, uint64(1000), cs.Batches)
	assert.Equal(t, uint64(st.Statuses[429]), cs.RateLimited)
	assert.Equal(t, uint64(st.Drops), cs.TransportErrors)
	assert.Zero(t, cs.Failed)
	assert.Zero(t, cs.GaveUp)
}

func TestSourceRequestIDsMakeRetriesIdempotent(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	n := 0
	c, _ := newClient(t, srv, mparticle.WithSourceRequestIDs(func() string { n++; return fmt.Sprintf("id-%d", n) }))

	own := userBatch("has-id", 0)
	own.SourceRequestID = "caller-id"
	bs := []*mparticle.Batch{userBatch("a", 0), own, userBatch("b", 0)}
	srv.InjectNext(mparticletest.DropConnection())
	require.NoError(t, c.BulkUpload(context.Background(), bs))

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "the retry resends the same bytes, ids included")
	var got []string
	for _, r := range srv.Batches() {
		got = append(got, r.Data["source_request_id"].(string))
	}
	assert.Equal(t, []string{"id-1", "caller-id", "id-2"}, got)
	assert.Empty(t, bs[0].SourceRequestID, "the caller's batch is not modified")

	// The default generator makes random version-4 UUIDs.
	srv.Reset()
	c, _ = newClient(t, srv, mparticle.WithSourceRequestIDs(nil))
	require.NoError(t, c.BulkUpload(context.Background(), batches(t, ids("u", 2))))
	recs := srv.Batches()
	require.Len(t, recs, 2)
	id0, id1 := recs[0].Data["source_request_id"].(string), recs[1].Data["source_request_id"].(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id0)
	assert.NotEqual(t, id0, id1)
}

// countingTransport counts round trips through a caller-supplied client.
type countingTransport struct {
	mu sync.Mutex
	n  int
	rt http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.rt.RoundTrip(r)
}

func TestWithHTTPClientAndRetryObserver(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	tr := &countingTransport{rt: srv.Client().Transport}
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	var events []mparticle.RetryEvent
	c, _ := newClient(t, srv, mparticle.WithHTTPClient(hc),
		mparticle.WithRetryObserver(func(ev mparticle.RetryEvent) { events = append(events, ev) }),
		mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: 2}))

	srv.InjectNext(mparticletest.RateLimited(2*time.Second), mparticletest.ServerError(500), mparticletest.ServerError(500))
	err := c.Upload(context.Background(), userBatch("c-1", 0))
	require.ErrorIs(t, err, mparticle.ErrRetriesExhausted)
	assert.Equal(t, 3, tr.n, "every attempt went through the caller's transport")
	assert.Equal(t, 5*time.Second, hc.Timeout, "the caller's client is not modified")

	require.Len(t, events, 3)
	assert.Equal(t, mparticle.RetryEvent{Endpoint: "/events", Attempt: 1, StatusCode: 429, Wait: 2 * time.Second, RetryAfter: 2 * time.Second}, events[0])
	assert.Equal(t, 500, events[1].StatusCode)
	assert.Nil(t, events[1].GaveUp)
	assert.Equal(t, 3, events[2].Attempt)
	assert.ErrorIs(t, events[2].GaveUp, mparticle.ErrRetriesExhausted)

	st := c.Stats()
	assert.Equal(t, mparticle.ClientStats{Requests: 1, Attempts: 3, Retries: 2, RateLimited: 1, ServerErrors: 2, GaveUp: 1,
		Failed: 1, BatchesFailed: 1, RetryBudget: st.RetryBudget}, st)
	assert.Equal(t, 90, st.RetryBudget, "two retries at 5 tokens each")
}

func TestBulkErrorFormatting(t *testing.T) {
	type uncomparable struct {
		error
		_ []int
	}
	shared := errors.New("shared")
	e := &mparticle.BulkError{Total: 9, Failed: []mparticle.BatchFailure{
		{Index: 0, Err: shared}, {Index: 1, Err: shared}, {Index: 2, Err: uncomparable{error: errors.New("u")}},
		{Index: 3, Err: uncomparable{error: errors.New("u")}}, {Index: 4, Err: errors.New("x")}, {Index: 5, Err: errors.New("y")},
	}}
	assert.Equal(t, "mparticle: 6 of 9 batches not delivered; 2 batches (0…1): shared; batch 2: u; batch 3: u; …", e.Error())
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, e.FailedIndexes())
	assert.ErrorIs(t, e, shared)
}

func TestNoGoroutineLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	srv := mparticletest.NewServer()
	c, _ := newClient(t, srv)
	srv.InjectNext(mparticletest.DropConnection(), mparticletest.ServerError(503))
	require.NoError(t, c.BulkUpload(context.Background(), batches(t, ids("u", 120))))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.Error(t, c.Upload(ctx, userBatch("c", 0)))
	c.CloseIdleConnections()
	srv.Close()
}

func TestWithValidationReportsWhatBulkWouldDropSilently(t *testing.T) {
	srv := mparticletest.NewServer()
	defer srv.Close()
	bad := userBatch("bad", 0)
	bad.Events[0].Data.(*mparticle.CustomEvent).EventName = "" // required
	bs := []*mparticle.Batch{userBatch("a", 0), bad, userBatch("b", 0)}

	// Without validation the bulk request gets 202 and the API drops the
	// invalid batch: nothing tells the caller.
	plain, _ := newClient(t, srv)
	require.NoError(t, plain.BulkUpload(context.Background(), bs))
	require.Len(t, srv.Rejected(), 1)
	assert.Equal(t, []string{"[1].events[0].data.event_name: required"}, srv.Rejected()[0].Reasons)

	srv.Reset()
	checked, _ := newClient(t, srv, mparticle.WithValidation())
	err := checked.BulkUpload(context.Background(), bs)
	var be *mparticle.BulkError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{1}, be.FailedIndexes())
	var ve *mparticle.ValidationError
	require.ErrorAs(t, be.Failed[0].Err, &ve)
	assert.Contains(t, ve.Error(), "events[0].data.event_name")
	assert.Equal(t, []string{"a", "b"}, customerIDs(t, srv.Batches()))
	assert.Empty(t, srv.Rejected())

	require.ErrorAs(t, checked.Upload(context.Background(), bad), &ve)
	assert.Len(t, srv.Requests(), 1, "an invalid batch is never sent")
}
