package braze

import "sync/atomic"

// This file decides, on the caller's goroutine, whether an Add can be
// accepted without asking the owner goroutine.
//
// Most Adds find room in the queue, nothing parked ahead of them and the
// batcher open: their answer is nil whatever the owner would say. Such an
// Add reserves its objects' room here with one compare-and-swap, hands its
// request to the owner over the buffered request channel and returns at
// once, without waiting for the owner to wake up and answer. The rest (no
// room, Adds parked ahead, closing) take the round trip, and the owner
// decides as before.
//
// What keeps the guarantees:
//   - MaxQueuedObjects: the count below covers every object held (waiting
//     or in flight) plus the admitted objects still on their way to the
//     owner, and a reservation succeeds only while that count stays within
//     the bound. The owner's own admissions (round trips, parked Adds)
//     reserve here too.
//   - Order: every request to the owner (Adds, admitted or not, Flush,
//     FlushUser, Close, withdrawals) travels on one FIFO channel. An Add
//     that returned nil was put on that channel before anything its caller
//     does next, so the owner queues it before serving that caller's next
//     Add, Flush, FlushUser or Close: it is counted in the next report and
//     one caller's Adds stay in order.
//   - Fairness: while Adds are parked the parked flag stops admissions, so
//     a later Add waits behind them as before.
//   - Close: the owner sets the closing flag when it serves Close, after
//     which no admission succeeds (Add returns ErrClosed through the round
//     trip). Adds admitted just before are still on their way: the owner
//     queues them (or, after Close's deadline, fails them) and does not
//     return before the count is back to zero, so none is lost and nobody
//     sends on the channel after the owner has returned.

// fastWindow bounds the admissions: an Add skips the round trip only while
// the objects held stay within fastWindow full requests per sender. Beyond
// that the senders are behind and the round trip paces the callers.
const fastWindow = 2

// admission is the word callers reserve room in: the object count in the
// low bits, the flags above it.
type admission struct {
	word atomic.Int64
}

const (
	// admitClosing is set once the owner has served Close.
	admitClosing int64 = 1 << 62
	// admitParked is set while Adds are parked waiting for room.
	admitParked int64 = 1 << 61
	// admitCountMask covers the object count. MaxQueuedObjects is capped
	// at it for admission purposes: far beyond what memory can hold.
	admitCountMask int64 = 1<<56 - 1
)

// tryReserve adds n to the count if no flag in stop is set and the count
// stays within limit.
func (a *admission) tryReserve(n, limit int, stop int64) bool {
	lim := min(int64(limit), admitCountMask)
	for {
		w := a.word.Load()
		if w&stop != 0 || w&admitCountMask+int64(n) > lim {
			return false
		}
		if a.word.CompareAndSwap(w, w+int64(n)) {
			return true
		}
	}
}

// release gives back the room of n objects that have been resolved (or
// admitted and then failed).
func (a *admission) release(n int) { a.word.Add(-int64(n)) }

// count returns the objects held or on their way to the owner.
func (a *admission) count() int { return int(a.word.Load() & admitCountMask) }

// set raises flag; clear lowers it.
func (a *admission) set(flag int64)   { a.word.Or(flag) }
func (a *admission) clear(flag int64) { a.word.And(^flag) }
