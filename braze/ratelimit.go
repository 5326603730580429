package braze

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/internal/httpretry"
)

// RateLimit is a request quota: at most Requests requests in any window of
// length Per. The zero value means the family's default (see
// DefaultRateLimits); a negative Requests means unlimited.
//
// The client turns it into a token bucket that lets Burst requests go at
// once and refills at (Requests-Burst)/Per, so the quota holds for every
// window of length Per, aligned with Braze's or not. Burst 0 means
// Requests/100 (at least 1).
type RateLimit struct {
	// Requests is the quota per window; 0 = the family default, < 0 =
	// unlimited.
	Requests int
	// Per is the window length; 0 = the family default.
	Per time.Duration
	// Burst is how many requests may go back to back; 0 = Requests/100.
	Burst int
}

// RateLimits holds the client-side limit of each endpoint family. Zero
// fields take the defaults of spec §3; Disabled turns all limiting off (for
// benchmarks and for fakes that do not limit).
type RateLimits struct {
	// Track limits /users/track. Default 3,000 requests per 3 s.
	Track RateLimit
	// Users limits /users/alias/new, /users/identify, /users/merge and
	// /users/delete, which share one quota. Default 20,000 per minute.
	Users RateLimit
	// Subscription limits /v2/subscription/status/set. Default 5,000 per
	// minute.
	Subscription RateLimit
	// Rename limits /users/external_ids/rename. Default 1,000 per minute.
	Rename RateLimit
	// Disabled turns every limiter off.
	Disabled bool
}

// DefaultRateLimits returns Braze's documented quotas (spec §3).
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Track:        RateLimit{Requests: 3000, Per: 3 * time.Second},
		Users:        RateLimit{Requests: 20000, Per: time.Minute},
		Subscription: RateLimit{Requests: 5000, Per: time.Minute},
		Rename:       RateLimit{Requests: 1000, Per: time.Minute},
	}
}

// family is an endpoint family sharing one quota.
type family uint8

const (
	familyTrack family = iota
	familyUsers
	familySubscription
	familyRename
	numFamilies
)

func (l RateLimits) forFamily(f family) RateLimit {
	d := DefaultRateLimits()
	var got, def RateLimit
	switch f {
	case familyTrack:
		got, def = l.Track, d.Track
	case familyUsers:
		got, def = l.Users, d.Users
	case familySubscription:
		got, def = l.Subscription, d.Subscription
	default:
		got, def = l.Rename, d.Rename
	}
	if got.Requests == 0 {
		got.Requests = def.Requests
	}
	if got.Per <= 0 {
		got.Per = def.Per
	}
	return got
}

func (l RateLimit) validate(name string) error {
	if l.Per < 0 {
		return &ConfigError{Option: "WithRateLimits", Field: name + ".Per", Value: l.Per.String(), Reason: "must not be negative (0 means the family default)"}
	}
	if l.Burst < 0 {
		return &ConfigError{Option: "WithRateLimits", Field: name + ".Burst", Value: fmt.Sprint(l.Burst), Reason: "must not be negative"}
	}
	return nil
}

// limiter builds the family's limiter; nil means unlimited.
func (l RateLimit) limiter(clk clock.Clock) *httpretry.Limiter {
	if l.Requests < 0 {
		return nil
	}
	burst := l.Burst
	if burst == 0 {
		burst = max(1, l.Requests/100)
	}
	lim, burst := httpretry.WindowRate(l.Requests, l.Per, burst)
	if lim == rate.Inf {
		return nil
	}
	return httpretry.NewLimiter(lim, burst, clk)
}

func newLimiters(l RateLimits, clk clock.Clock) [numFamilies]*httpretry.Limiter {
	var out [numFamilies]*httpretry.Limiter
	if l.Disabled {
		return out
	}
	for f := range numFamilies {
		out[f] = l.forFamily(f).limiter(clk)
	}
	return out
}

// waitFunc returns the BeforeAttempt hook for a family: every attempt,
// retries included, takes a token, so retries cannot overrun the quota.
// It is the limiter's Wait, bound once per client (Client.waits).
func (c *Client) waitFunc(f family) func(context.Context) error { return c.waits[f] }
