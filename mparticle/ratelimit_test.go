package mparticle_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// TestRateLimitConfigErrors: a negative Per or Burst is a *ConfigError that
// names WithRateLimit, the field and the value.
func TestRateLimitConfigErrors(t *testing.T) {
	cases := []struct {
		limit        mparticle.RateLimit
		field, value string
		msg          string
	}{
		{mparticle.RateLimit{Per: -time.Second}, "Per", "-1s", `mparticle: NewClient: WithRateLimit.Per "-1s": must not be negative (0 means 1s)`},
		{mparticle.RateLimit{Requests: 10, Per: time.Second, Burst: -1}, "Burst", "-1", `mparticle: NewClient: WithRateLimit.Burst "-1": must not be negative (0 means the default)`},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			c, err := mparticle.NewClient("k", "s", mparticle.WithPod(mparticle.US1), mparticle.WithRateLimit(tc.limit))
			assert.Nil(t, c)
			var ce *mparticle.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, mparticle.ConfigError{Option: "WithRateLimit", Field: tc.field, Value: tc.value, Reason: ce.Reason}, *ce)
			assert.Equal(t, tc.msg, err.Error())
		})
	}
}

func TestDefaultRateLimit(t *testing.T) {
	assert.Equal(t, mparticle.RateLimit{Requests: 270, Per: time.Second, Burst: 27}, mparticle.DefaultRateLimit())
}

// bulkShape uploads n batches and returns the batches per request and the
// total time the client waited for its limiter (on the fake clock).
func bulkShape(t *testing.T, n int, opts ...mparticle.Option) ([]int, time.Duration) {
	t.Helper()
	srv := mparticletest.NewServer()
	defer srv.Close()
	c, clk := newClient(t, srv, opts...)
	require.NoError(t, c.BulkUpload(context.Background(), batches(t, ids("u", n))))
	var counts []int
	for _, r := range srv.Requests() {
		counts = append(counts, r.Batches)
	}
	var waited time.Duration
	for _, d := range clk.Sleeps() {
		waited += d
	}
	return counts, waited
}

// TestRateLimitZeroValueIsTheDefault: RateLimit{} means DefaultRateLimit:
// bursts of 27 batches (so bulk requests of 27), then a refill of 243
// batches/s, which keeps any one-second window within 270 batches.
func TestRateLimitZeroValueIsTheDefault(t *testing.T) {
	for name, opt := range map[string]mparticle.Option{
		"zero value": mparticle.WithRateLimit(mparticle.RateLimit{}),
		"default":    mparticle.WithRateLimit(mparticle.DefaultRateLimit()),
	} {
		t.Run(name, func(t *testing.T) {
			counts, waited := bulkShape(t, 150, opt)
			assert.Equal(t, []int{27, 27, 27, 27, 27, 15}, counts)
			// The 123 batches past the burst wait 123/243 s in all.
			assert.InDelta(t, float64(123*time.Second/243), float64(waited), float64(time.Millisecond))
		})
	}
}

// TestRateLimitBurstCappedByQuota: a quota smaller than the burst caps the
// burst at Requests-1, and so the batches per bulk request.
func TestRateLimitBurstCappedByQuota(t *testing.T) {
	counts, waited := bulkShape(t, 10, mparticle.WithRateLimit(mparticle.RateLimit{Requests: 5, Per: time.Second, Burst: 10}))
	assert.Equal(t, []int{4, 4, 2}, counts)
	assert.Equal(t, 6*time.Second, waited, "6 batches past the burst of 4, at 1 per second")
}

// TestRateLimitZeroBurstIsATenthOfTheQuota: a zero Burst is a tenth of
// Requests, at least 1 and at most MaxBatchesPerRequest.
func TestRateLimitZeroBurstIsATenthOfTheQuota(t *testing.T) {
	for _, tc := range []struct{ requests, perRequest int }{{5, 1}, {60, 6}, {5000, mparticle.MaxBatchesPerRequest}} {
		counts, _ := bulkShape(t, 2*tc.perRequest, mparticle.WithRateLimit(mparticle.RateLimit{Requests: tc.requests, Per: time.Second}))
		assert.Equal(t, []int{tc.perRequest, tc.perRequest}, counts, "Requests %d", tc.requests)
	}
}

// TestRateLimitNegativeRequestsIsUnlimited: Requests < 0 turns limiting off;
// bulk requests still carry at most MaxBatchesPerRequest batches.
func TestRateLimitNegativeRequestsIsUnlimited(t *testing.T) {
	counts, waited := bulkShape(t, 150, mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1, Burst: 7}))
	assert.Equal(t, []int{100, 50}, counts)
	assert.Zero(t, waited)
}
