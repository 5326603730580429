package httpretry

import (
	"context"
	"errors"
	"time"

	"golang.org/x/time/rate"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// Limiter is a client-side request rate limiter (a golang.org/x/time/rate
// token bucket) that waits on a clock.Clock, so tests with a fake clock
// never sleep for real. A nil *Limiter allows everything. It is safe for
// concurrent use.
type Limiter struct {
	lim   *rate.Limiter
	clock clock.Clock
}

// WindowRate converts a server quota of requests per window into a token
// bucket with the given burst whose output can never exceed the quota in
// any window of that length, aligned or not: the refill rate is
// (requests-burst)/window, so burst + refill over one window = requests.
// burst is clamped to [1, requests-1] (a quota of 1 gets burst 1 and rate
// 1/window, which can reach 2 in a straddling window; Braze quotas are far
// larger).
func WindowRate(requests int, window time.Duration, burst int) (rate.Limit, int) {
	if requests <= 0 || window <= 0 {
		return rate.Inf, 0
	}
	if requests == 1 {
		return rate.Limit(1 / window.Seconds()), 1
	}
	burst = min(max(burst, 1), requests-1)
	return rate.Limit(float64(requests-burst) / window.Seconds()), burst
}

// NewLimiter returns a limiter with the given rate and burst on clk (nil =
// real clock). rate.Inf disables limiting.
func NewLimiter(limit rate.Limit, burst int, clk clock.Clock) *Limiter {
	if limit != rate.Inf && burst < 1 {
		burst = 1
	}
	return &Limiter{lim: rate.NewLimiter(limit, burst), clock: clock.OrReal(clk)}
}

// ErrLimiterBlocked is returned by Wait when the limiter can never grant a
// token (zero rate).
var ErrLimiterBlocked = errors.New("rate limiter has zero rate")

// Wait blocks until one request may be sent or ctx ends. When ctx has a
// deadline that comes before the token, it returns ErrDeadlineTooSoon at
// once.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil || l.lim.Limit() == rate.Inf {
		return ctx.Err()
	}
	now := l.clock.Now()
	r := l.lim.ReserveN(now, 1)
	if !r.OK() {
		return ErrLimiterBlocked
	}
	d := r.DelayFrom(now)
	if d == rate.InfDuration {
		r.CancelAt(now)
		return ErrLimiterBlocked
	}
	if d <= 0 {
		return ctx.Err()
	}
	if deadlineTooSoon(ctx, d) {
		// Like rate.Limiter.Wait: fail now rather than sleep into the
		// deadline, and give the token back.
		r.CancelAt(now)
		return ErrDeadlineTooSoon
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clock.Now())
		return err
	}
	return nil
}

// Limit returns the limiter's rate (rate.Inf when nil or disabled).
func (l *Limiter) Limit() rate.Limit {
	if l == nil {
		return rate.Inf
	}
	return l.lim.Limit()
}

// Burst returns the limiter's burst.
func (l *Limiter) Burst() int {
	if l == nil {
		return 0
	}
	return l.lim.Burst()
}
