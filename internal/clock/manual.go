package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Manual is a Clock for tests. Its time only changes through Advance and Set
// or, when auto-advance is on, through Sleep itself.
//
// The zero value is not usable; create one with NewManual.
type Manual struct {
	mu          sync.Mutex
	now         time.Time
	autoAdvance bool
	sleeps      []time.Duration
	waiters     []*waiter
	changed     chan struct{} // closed and replaced whenever the waiter set changes
}

type waiter struct {
	deadline time.Time
	ch       chan time.Time
}

// NewManual returns a Manual clock that starts at start. Sleepers block until
// the clock is advanced past their deadline.
func NewManual(start time.Time) *Manual {
	return &Manual{now: start, changed: make(chan struct{})}
}

// NewAutoAdvance returns a Manual clock that starts at start and, instead of
// blocking, moves its time forward by d on every Sleep(ctx, d) and returns at
// once. Every requested duration is recorded (see Sleeps), which lets retry
// and rate-limit tests assert the exact schedule without waiting.
func NewAutoAdvance(start time.Time) *Manual {
	m := NewManual(start)
	m.autoAdvance = true
	return m
}

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Sleep blocks until the clock reaches now+d or ctx ends. In auto-advance
// mode it advances the clock by d and returns immediately.
func (m *Manual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	m.mu.Lock()
	m.sleeps = append(m.sleeps, d)
	if m.autoAdvance {
		m.mu.Unlock()
		m.Advance(d)
		return nil
	}
	w := m.addWaiterLocked(d)
	m.mu.Unlock()

	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		m.removeWaiter(w)
		return ctx.Err()
	}
}

// After returns a channel that receives the clock's time once it has been
// advanced by at least d. In auto-advance mode the clock is advanced by d
// and the channel is ready at once.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	m.mu.Lock()
	if d <= 0 || m.autoAdvance {
		if d > 0 {
			m.sleeps = append(m.sleeps, d)
		}
		m.mu.Unlock()
		if d > 0 {
			m.Advance(d)
		}
		ch := make(chan time.Time, 1)
		ch <- m.Now()
		return ch
	}
	w := m.addWaiterLocked(d)
	m.mu.Unlock()
	return w.ch
}

// Advance moves the clock forward by d and wakes every sleeper whose deadline
// has been reached. A negative d is ignored: time never goes backwards.
func (m *Manual) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	m.mu.Lock()
	m.setLocked(m.now.Add(d))
	m.mu.Unlock()
}

// Set moves the clock to t if t is later than the current time and wakes the
// sleepers whose deadline has been reached.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	if t.After(m.now) {
		m.setLocked(t)
	}
	m.mu.Unlock()
}

// Sleeps returns a copy of every duration passed to Sleep (and to After in
// auto-advance mode), in call order.
func (m *Manual) Sleeps() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Duration(nil), m.sleeps...)
}

// Waiters returns how many Sleep/After calls are currently blocked.
func (m *Manual) Waiters() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiters)
}

// WaitForWaiters blocks until at least n Sleep/After calls are blocked on
// the clock, or ctx ends. Tests use it to advance the clock only once the
// code under test is actually waiting.
func (m *Manual) WaitForWaiters(ctx context.Context, n int) error {
	for {
		m.mu.Lock()
		count, changed := len(m.waiters), m.changed
		m.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (m *Manual) addWaiterLocked(d time.Duration) *waiter {
	w := &waiter{deadline: m.now.Add(d), ch: make(chan time.Time, 1)}
	m.waiters = append(m.waiters, w)
	m.notifyLocked()
	return w
}

func (m *Manual) removeWaiter(w *waiter) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.waiters {
		if x == w {
			m.waiters = append(m.waiters[:i], m.waiters[i+1:]...)
			m.notifyLocked()
			return
		}
	}
}

func (m *Manual) setLocked(t time.Time) {
	m.now = t
	// Fire in deadline order so that observers see a consistent sequence.
	sort.SliceStable(m.waiters, func(i, j int) bool { return m.waiters[i].deadline.Before(m.waiters[j].deadline) })
	kept := m.waiters[:0]
	fired := false
	for _, w := range m.waiters {
		if !w.deadline.After(t) {
			w.ch <- t
			fired = true
			continue
		}
		kept = append(kept, w)
	}
	clear(m.waiters[len(kept):])
	m.waiters = kept
	if fired {
		m.notifyLocked()
	}
}

func (m *Manual) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}
