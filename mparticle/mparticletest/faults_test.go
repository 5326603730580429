package mparticletest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// TestFaultHeader: a queued Fault sends any header, so a test can send a
// malformed Retry-After, which RateLimited and Faults cannot produce.
func TestFaultHeader(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()
	s.InjectNext(
		mparticletest.Fault{Status: 429, Header: http.Header{"Retry-After": {"soon"}, "X-Mp-Rate-Limit-Exceeded": {"org"}}},
		mparticletest.RateLimited(1500*time.Millisecond),
	)
	r := post(t, s, "/events", validBatch, good)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "soon", r.header.Get("Retry-After"))
	assert.Equal(t, "org", r.header.Get("X-MP-Rate-Limit-Exceeded"), "a scripted scope is kept")
	r = post(t, s, "/events", validBatch, good)
	assert.Equal(t, "2", r.header.Get("Retry-After"), "rounded up to whole seconds")
	assert.Equal(t, "app", r.header.Get("X-MP-Rate-Limit-Exceeded"))
	assert.Equal(t, "429 Retry-After: soon", s.Requests()[0].Fault)
}

// TestFaultsRetryAfterZeroAndNegative: RetryAfter 0 announces 1 s, a
// negative one no Retry-After at all, as in brazetest.
func TestFaultsRetryAfterZeroAndNegative(t *testing.T) {
	s := mparticletest.NewServer(mparticletest.WithFaults(mparticletest.Faults{RateLimitRate: 1}))
	defer s.Close()
	r := post(t, s, "/events", validBatch, good)
	require.Equal(t, 429, r.status)
	assert.Equal(t, "1", r.header.Get("Retry-After"))

	s.SetFaults(mparticletest.Faults{RateLimitRate: 1, RetryAfter: -time.Second})
	r = post(t, s, "/events", validBatch, good)
	require.Equal(t, 429, r.status)
	assert.Empty(t, r.header.Get("Retry-After"))

	s.SetFaults(mparticletest.Faults{})
	assert.Equal(t, http.StatusAccepted, post(t, s, "/events", validBatch, good).status, "SetFaults(Faults{}) turns faults off")
}

// TestStatusesCountDrops: Stats.Statuses counts dropped connections under
// 0, as brazetest's does; a dropped Fault with a Status still counts as 0.
func TestStatusesCountDrops(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()
	s.InjectNext(mparticletest.DropConnection(), mparticletest.Fault{Status: 503, Drop: true})
	assert.Equal(t, []string{"drop", "drop", "202"}, statuses(t, s, 3))
	st := s.Stats()
	assert.Equal(t, map[int]int{0: 2, http.StatusAccepted: 1}, st.Statuses)
	assert.Equal(t, 2, st.Drops)
	assert.Equal(t, []int{0, 0, 202}, []int{s.Requests()[0].Status, s.Requests()[1].Status, s.Requests()[2].Status})
}

// bulk returns a /bulkevents body of n copies of validBatch.
func bulk(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(validBatch+",", n), ",") + "]"
}

// TestWithRateLimit: the quota counts batches per fixed window, a refused
// request gets 429 with the seconds left and stores nothing, and the next
// window starts afresh.
func TestWithRateLimit(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clock.NewManual(start)
	s := mparticletest.NewServer(mparticletest.WithClock(clk), mparticletest.WithRateLimit(3, 10*time.Second))
	defer s.Close()

	assert.Equal(t, http.StatusAccepted, post(t, s, "/bulkevents", bulk(2), good).status)
	clk.Advance(4 * time.Second)
	r := post(t, s, "/bulkevents", bulk(2), good)
	assert.Equal(t, http.StatusTooManyRequests, r.status, "2 + 2 batches are over the quota of 3")
	assert.Equal(t, "6", r.header.Get("Retry-After"))
	assert.Equal(t, "app", r.header.Get("X-MP-Rate-Limit-Exceeded"))
	assert.Equal(t, http.StatusAccepted, post(t, s, "/events", validBatch, good).status, "one more batch fits")
	assert.Equal(t, http.StatusTooManyRequests, post(t, s, "/events", validBatch, good).status)
	assert.Equal(t, http.StatusUnauthorized, post(t, s, "/events", validBatch, nil).status, "checked after authentication")

	clk.Advance(6 * time.Second)
	assert.Equal(t, http.StatusAccepted, post(t, s, "/bulkevents", bulk(3), good).status, "a new window")

	assert.Len(t, s.Batches(), 6, "refused requests stored nothing")
	st := s.Stats()
	assert.Equal(t, 2, st.Faults)
	assert.Equal(t, 2, st.Statuses[http.StatusTooManyRequests])
	var faults []string
	for _, r := range s.Requests() {
		faults = append(faults, r.Fault)
	}
	assert.Equal(t, []string{"", "ratelimit", "", "ratelimit", "", ""}, faults)
}

// TestWithRateLimitOff: a quota below 1 or a window of 0 limits nothing.
func TestWithRateLimitOff(t *testing.T) {
	for _, opt := range []mparticletest.Option{mparticletest.WithRateLimit(0, time.Second), mparticletest.WithRateLimit(5, 0)} {
		s := mparticletest.NewServer(opt)
		for range 3 {
			assert.Equal(t, http.StatusAccepted, post(t, s, "/bulkevents", bulk(3), good).status)
		}
		s.Close()
	}
}

// TestLatencyUsesTheClock: WithClock drives the latency wait, so a test
// with a fake clock does not sleep.
func TestLatencyUsesTheClock(t *testing.T) {
	clk := clock.NewAutoAdvance(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := mparticletest.NewServer(mparticletest.WithClock(clk), mparticletest.WithFaults(mparticletest.Faults{Latency: time.Hour}))
	defer s.Close()
	assert.Equal(t, http.StatusAccepted, post(t, s, "/events", validBatch, good).status)
	assert.Equal(t, []time.Duration{time.Hour}, clk.Sleeps())
}
