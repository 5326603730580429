package mpbraze_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// TestCurrentsConfigErrorsNameTheField: NewCurrentsForwarder's errors are
// *ConfigError values naming the CurrentsConfig field.
func TestCurrentsConfigErrorsNameTheField(t *testing.T) {
	fake := mparticletest.NewServer()
	t.Cleanup(fake.Close)
	c := newCurrentsMPClient(t, fake)
	t.Cleanup(c.CloseIdleConnections)
	cases := []struct {
		cfg   mpbraze.CurrentsConfig
		field string
		value string // ConfigError.Value: the offending value, if there is one
	}{
		{mpbraze.CurrentsConfig{}, "CurrentsConfig.Client", ""},
		{mpbraze.CurrentsConfig{Client: c, Feeds: map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{"Roku": c}}, "CurrentsConfig.Feeds", "Roku"},
		{mpbraze.CurrentsConfig{Client: c, Feeds: map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{mapping.FeedIOS: nil}}, "CurrentsConfig.Feeds[" + string(mapping.FeedIOS) + "]", ""},
		{mpbraze.CurrentsConfig{Client: c, QueueSize: -1}, "CurrentsConfig.QueueSize", "-1"},
		{mpbraze.CurrentsConfig{Client: c, UploadSize: -1}, "CurrentsConfig.UploadSize", "-1"},
		{mpbraze.CurrentsConfig{Client: c, MinBackoff: -1}, "CurrentsConfig.MinBackoff", "-1ns"},
		{mpbraze.CurrentsConfig{Client: c, MaxBackoff: -1}, "CurrentsConfig.MaxBackoff", "-1ns"},
		{mpbraze.CurrentsConfig{Client: c, MinBackoff: time.Minute, MaxBackoff: time.Second}, "CurrentsConfig.MaxBackoff", "1s"},
		{mpbraze.CurrentsConfig{Client: c, MaxAttempts: -1}, "CurrentsConfig.MaxAttempts", "-1"},
		{mpbraze.CurrentsConfig{Client: c, MaxAge: -time.Second}, "CurrentsConfig.MaxAge", "-1s"},
	}
	for _, tc := range cases {
		f, err := mpbraze.NewCurrentsForwarder(tc.cfg)
		if !assert.Error(t, err, tc.field) {
			_ = f.Close(context.Background())
			continue
		}
		var ce *mpbraze.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, tc.field, ce.Field)
		assert.Equal(t, tc.value, ce.Value, tc.field)
		prefix := "mpbraze: Config." + tc.field + ": "
		if tc.value != "" {
			prefix = "mpbraze: Config." + tc.field + " " + strconv.Quote(tc.value) + ": "
		}
		assert.True(t, strings.HasPrefix(err.Error(), prefix), "%q does not start with %q", err, prefix)
	}
}

// TestCurrentsSentinelsMatchTheKits: one errors.Is check covers the kit
// and the Currents forwarder, and the two states never match each other.
func TestCurrentsSentinelsMatchTheKits(t *testing.T) {
	assert.ErrorIs(t, mpbraze.ErrCurrentsClosed, mpbraze.ErrClosed)
	assert.ErrorIs(t, mpbraze.ErrCurrentsClosed, braze.ErrClosed)
	assert.ErrorIs(t, mpbraze.ErrCurrentsQueueFull, braze.ErrQueueFull)
	assert.NotErrorIs(t, mpbraze.ErrCurrentsClosed, braze.ErrQueueFull)
	assert.NotErrorIs(t, mpbraze.ErrCurrentsQueueFull, mpbraze.ErrClosed)
	assert.NotErrorIs(t, mpbraze.ErrClosed, mpbraze.ErrCurrentsClosed, "the match is one way: ErrClosed stays braze.ErrClosed")

	// What Accept returns, wrapped as it is.
	r := newCurrentsRig(t, mpbraze.CurrentsConfig{QueueSize: 1})
	ev := func(id string) currents.Event {
		return currents.Event{ID: id, Type: currents.EmailOpen, User: currents.User{ExternalUserID: "u-" + id}, Time: 1714600000}
	}
	err := r.fwd.Accept(context.Background(), []currents.Event{ev("1"), ev("2")})
	assert.ErrorIs(t, err, braze.ErrQueueFull)
	assert.ErrorIs(t, err, mpbraze.ErrCurrentsQueueFull)
	require.NoError(t, r.fwd.Close(context.Background()))
	err = r.fwd.Accept(context.Background(), []currents.Event{ev("3")})
	assert.ErrorIs(t, err, mpbraze.ErrClosed)
	assert.ErrorIs(t, err, mpbraze.ErrCurrentsClosed)
}

// currentsRefusingRig is a forwarder whose client has the wrong key, so
// that every upload is refused as unauthorised (a revoked key; the fake
// answers 403), on an auto-advancing
// clock; it records what OnFailure receives.
type currentsRefusingRig struct {
	fwd  *mpbraze.CurrentsForwarder
	fake *mparticletest.Server
	clk  *clock.Manual

	mu     sync.Mutex
	failed []error
}

func newCurrentsRefusingRig(t *testing.T, cfg mpbraze.CurrentsConfig) *currentsRefusingRig {
	t.Helper()
	r := &currentsRefusingRig{fake: mparticletest.NewServer(), clk: clock.NewAutoAdvance(time.Unix(1714600000, 0))}
	t.Cleanup(r.fake.Close)
	c, err := mparticle.NewClient("revoked-key", "revoked-secret",
		mparticle.WithBaseURL(r.fake.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithHTTPClient(r.fake.Client()),
		mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: -1}))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	cfg.Client, cfg.Clock, cfg.MinBackoff = c, r.clk, 100*time.Millisecond
	cfg.OnFailure = func(_ *mparticle.Batch, err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.failed = append(r.failed, err)
	}
	r.fwd, err = mpbraze.NewCurrentsForwarder(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.fwd.Close(ctx)
	})
	// One event of the Unbound feed (no platform): one worker, one batch.
	require.NoError(t, r.fwd.Accept(context.Background(), []currents.Event{
		{ID: "ev-1", Type: currents.EmailOpen, User: currents.User{ExternalUserID: "u-1"}, Time: 1714600000},
	}))
	return r
}

// closeAndCheckGivenUp closes the forwarder (which waits for the worker)
// and checks the batch was given up on for reason, with the 401/403
// wrapped.
func (r *currentsRefusingRig) closeAndCheckGivenUp(t *testing.T, reason string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, r.fwd.Close(ctx), "the batch was given up on before Close, not by it")
	st := r.fwd.Stats()
	assert.Equal(t, uint64(1), st.Failed)
	assert.Zero(t, st.Delivered)
	assert.Zero(t, st.Queued)
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.failed, 1)
	assert.Contains(t, r.failed[0].Error(), reason)
	var api *mparticle.APIError
	require.True(t, errors.As(r.failed[0], &api), "%v", r.failed[0])
	assert.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, api.StatusCode, "an authentication failure")
}

// TestCurrentsMaxAttempts: a batch refused as unauthorised on every attempt is
// given up on after MaxAttempts uploads and reported to OnFailure.
func TestCurrentsMaxAttempts(t *testing.T) {
	r := newCurrentsRefusingRig(t, mpbraze.CurrentsConfig{MaxAttempts: 3})
	// Close waits for the worker only once the batch is given up on: the
	// clock auto-advances, so the three attempts need no waiting.
	r.closeAndCheckGivenUp(t, "3 attempts, MaxAttempts 3")
	assert.Len(t, r.fake.Requests(), 3, "exactly MaxAttempts uploads")
	assert.Len(t, r.clk.Sleeps(), 2, "a backoff between attempts, none after the last")
}

// TestCurrentsMaxAge: no attempt starts later than MaxAge after the first.
func TestCurrentsMaxAge(t *testing.T) {
	const maxAge = 2 * time.Second
	r := newCurrentsRefusingRig(t, mpbraze.CurrentsConfig{MaxAge: maxAge})
	r.closeAndCheckGivenUp(t, "MaxAge 2s")
	var waited time.Duration
	for _, d := range r.clk.Sleeps() {
		waited += d
	}
	assert.LessOrEqual(t, waited, maxAge)
	// Backoff from 100 ms doubling (jittered down to half at most) needs
	// at least 4 waits to exceed 2 s: 50+100+200+400+800 ms < 2 s.
	assert.GreaterOrEqual(t, len(r.clk.Sleeps()), 4)
	assert.Len(t, r.fake.Requests(), len(r.clk.Sleeps())+1, "one upload per wait, plus the first")
}

// TestCurrentsUnboundedByDefault: without MaxAttempts and MaxAge a 401/403 is
// retried until Close gives up (today's behaviour, nothing lost silently).
func TestCurrentsUnboundedByDefault(t *testing.T) {
	r := newCurrentsRefusingRig(t, mpbraze.CurrentsConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(r.fake.Requests()) < 20 { // far past any small cap
		require.NoError(t, ctx.Err())
		time.Sleep(time.Millisecond)
	}
	assert.Zero(t, r.fwd.Stats().Failed)
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	err := r.fwd.Close(cctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, uint64(1), r.fwd.Stats().Failed)
}
