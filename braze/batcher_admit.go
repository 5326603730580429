package braze

import "fmt"

// This file decides what becomes of an Add once its objects are encoded:
// queued, parked until there is room, or refused. It runs under the
// Batcher's lock (batcher_loop.go), on the caller's goroutine, so most
// Adds are queued without any other goroutine waking up: the caller takes
// the lock, queues its objects and returns nil.
//
// What keeps the guarantees:
//   - MaxQueuedObjects: the queue counts every object held (waiting or in
//     flight, queue.held), and an Add is queued only while that count
//     stays within the bound. Objects leave the count when their request
//     completes or Close's deadline fails them.
//   - Order: an Add that returns nil has queued its objects under the
//     lock before it returns, so they come before anything its caller
//     does next (another Add, Flush, FlushUser or Close): they are counted
//     in the next report, and one caller's Adds stay in order.
//   - Fairness: while Adds are parked no other Add is queued ahead of
//     them, even one that would fit; completions queue the parked ones,
//     oldest first (loop.unpark).
//   - Close: once Close has taken the lock, every Add is refused with
//     ErrClosed and the parked ones are answered ErrClosed; what was
//     queued before is sent.

// admit queues r, parks it or refuses it: parked is true when r waits on
// its reply channel for room (QueueFullBlock), err is the refusal, and
// neither means r is queued. The caller holds the lock.
func (l *loop) admit(r *addRequest) (parked bool, err error) {
	n := len(r.items)
	switch {
	case l.closing != nil:
		return false, ErrClosed
	case n > l.b.maxHeld:
		return false, fmt.Errorf("%w: %d objects in one call exceed BatchOptions.MaxQueuedObjects (%d)", ErrQueueFull, n, l.b.maxHeld)
	case len(l.parked) == 0 && l.fits(n):
		l.enqueue(r)
		l.b.stats.added.Add(uint64(n))
		return false, nil
	case l.b.policy == QueueFullError:
		return false, ErrQueueFull
	}
	l.parked = append(l.parked, r)
	return true, nil
}

// fits reports whether n more objects stay within MaxQueuedObjects.
func (l *loop) fits(n int) bool { return l.q.held+n <= l.b.maxHeld }
