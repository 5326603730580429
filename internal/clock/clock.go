// Package clock abstracts time so that code which sleeps (retry backoff,
// rate limiting, flush timers) can be tested without real waits.
//
// Production code takes a Clock and defaults to Real(); tests pass a *Manual,
// which only moves when told to (Advance/Set) or, in auto-advance mode, jumps
// forward by exactly the requested duration on every Sleep so that retry
// schedules can be asserted without timed assertions.
package clock

import (
	"context"
	"time"
)

// Clock is the time source used by the library.
//
// Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks for d or until ctx ends, whichever comes first. It returns
	// ctx.Err() when the context ended first and nil otherwise. A d <= 0
	// returns immediately (with ctx.Err() if ctx is already done).
	Sleep(ctx context.Context, d time.Duration) error
	// After returns a channel that receives the clock's time once d has
	// elapsed, like time.After. The channel has a buffer of one, so an
	// abandoned channel does not block the clock.
	After(d time.Duration) <-chan time.Time
}

// Real returns the wall clock backed by package time.
func Real() Clock { return realClock{} }

// OrReal returns c, or Real() when c is nil, so that a nil Clock in a
// configuration means "the wall clock".
func OrReal(c Clock) Clock {
	if c == nil {
		return Real()
	}
	return c
}

type realClock struct{}

// Now returns time.Now().
func (realClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep waits on a timer or ctx.
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
