package mparticle

import (
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// RateLimit is the client-side send quota, set with [WithRateLimit]: at most
// Requests batches in any window of length Per. It has the fields of
// braze.RateLimit, with the same meaning, so both clients are configured
// alike. Two things differ: what is counted, and the default burst. The
// Events API's quota counts batches, so an /events request takes one unit
// and a /bulkevents request of n batches takes n; and since the burst also
// caps the batches per bulk request, a zero Burst is a tenth of Requests
// here, not braze's hundredth.
//
// The client turns it into a token bucket that lets Burst batches go at
// once and refills at (Requests-Burst)/Per, so the quota holds for every
// window of length Per, aligned with mParticle's or not. The burst also caps
// the batches per bulk request, since a request never takes more at once.
type RateLimit struct {
	// Requests is the quota in batches per window; 0 = 270 (the Events
	// API's default quota, spec §A1), < 0 = unlimited (benchmarks, fakes).
	Requests int
	// Per is the window length; 0 = 1 s.
	Per time.Duration
	// Burst is how many batches may go back to back, and so the most
	// batches in one bulk request; 0 = a tenth of Requests (at least 1, at
	// most MaxBatchesPerRequest): 27 for the default quota. It is capped at
	// Requests-1 (at least 1), so that refill plus burst stay within the
	// quota. The refill is what the burst leaves of the quota, so a larger
	// burst means fuller bulk requests but a lower sustained rate: with the
	// default quota, a burst of 27 sustains 243 batches/s, one of 100 only
	// 170.
	Burst int
}

// DefaultRateLimit returns the quota used when [WithRateLimit] is not
// given: 270 batches per second, the Events API's default quota, with
// bursts of 27 batches, which sustains 243 batches/s (nine tenths of the
// quota) in bulk requests of up to 27 batches.
func DefaultRateLimit() RateLimit {
	return RateLimit{Requests: 270, Per: time.Second, Burst: 27}
}

// withDefaults fills the zero fields.
func (l RateLimit) withDefaults() RateLimit {
	d := DefaultRateLimit()
	if l.Requests == 0 {
		l.Requests = d.Requests
	}
	if l.Per == 0 {
		l.Per = d.Per
	}
	if l.Burst == 0 {
		l.Burst = min(MaxBatchesPerRequest, max(1, l.Requests/10))
	}
	return l
}

// validate refuses negative durations and bursts, naming the field and its
// value.
func (l RateLimit) validate() error {
	if l.Per < 0 {
		return &ConfigError{Option: "WithRateLimit", Field: "Per", Value: l.Per.String(), Reason: "must not be negative (0 means 1s)"}
	}
	if l.Burst < 0 {
		return &ConfigError{Option: "WithRateLimit", Field: "Burst", Value: fmt.Sprint(l.Burst), Reason: "must not be negative (0 means the default)"}
	}
	return nil
}

// limiter builds the client's limiter (nil means unlimited) and the most
// batches one bulk request may carry under it. l has its defaults filled.
func (l RateLimit) limiter(clk clock.Clock) (*httpretry.Limiter, int) {
	if l.Requests < 0 {
		return nil, MaxBatchesPerRequest
	}
	lim, burst := httpretry.WindowRate(l.Requests, l.Per, l.Burst)
	if lim == rate.Inf {
		return nil, MaxBatchesPerRequest
	}
	return httpretry.NewLimiter(lim, burst, clk), min(MaxBatchesPerRequest, burst)
}
