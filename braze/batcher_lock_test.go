package braze

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// These tests guard the lock that owns the Batcher's queue (batcher_loop.go)
// against the ways such a design goes wrong: the caller's code (OnResult,
// the logger, the clock, a context's methods) running under the lock, where
// a call back into the Batcher (Stats, say) would deadlock; an answer lost
// or given twice when a withdrawal races it; a lost wake-up of the flush
// timer; parked Adds overtaken; a second Close disturbing the first; and
// calls racing the end of Close. Each sets up the interleaving it needs
// with gates and the lock itself rather than with sleeps.

// lockFree reports whether nobody holds b.mu right now. The tests call it
// from a callback at a moment when no other goroutine can be holding the
// lock, so false means the code calling back holds it.
func lockFree(b *Batcher) bool {
	if !b.mu.TryLock() {
		return false
	}
	b.mu.Unlock()
	return true
}

// freeThenStats reports whether b's lock is free and, when it is, calls
// Stats, which takes it: a callback that did so under the lock would hang.
func freeThenStats(b *Batcher) bool {
	free := lockFree(b)
	if free {
		_ = b.Stats()
	}
	return free
}

// waitLocked polls the batcher's state under its lock until cond holds. The
// state has no channel to wait on; polling it under the lock also means the
// caller that changed it has let go of the lock.
func waitLocked(b *Batcher, cond func(l *loop) bool) {
	for {
		b.mu.Lock()
		ok := cond(b.l)
		b.mu.Unlock()
		if ok {
			return
		}
		runtime.Gosched()
	}
}

// timerArmed reports, under the lock, whether the flush timer is armed.
// Unlike the clock's Waiters it does not depend on how far the timer's
// goroutine has got: settle sets armed under the lock it holds.
func timerArmed(b *Batcher) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.l.armed
}

// setGate replaces the track server's gate: the requests that arrive from
// now on wait until it is closed.
func (ts *trackServer) setGate(gate chan struct{}) {
	ts.mu.Lock()
	ts.gate = gate
	ts.mu.Unlock()
}

// newGate makes a gate and sets it (the requests that arrive from now
// on wait at it); close the gate it returns to let them through.
func (ts *trackServer) newGate() chan struct{} {
	gate := make(chan struct{})
	ts.setGate(gate)
	return gate
}

// fullRequest returns one request's worth (75 objects, the default cap) of
// user's events: an Add of them is dispatched before it returns.
func fullRequest(user string, first int) []Item {
	items := make([]Item, 75)
	for i := range items {
		items[i] = event(user, first+i)
	}
	return items
}

// hookHandler is a slog.Handler that calls f for every record, whatever its
// level.
type hookHandler struct{ f func(slog.Record) }

func (h hookHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h hookHandler) Handle(_ context.Context, r slog.Record) error {
	h.f(r)
	return nil
}
func (h hookHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h hookHandler) WithGroup(string) slog.Handler      { return h }

// TestBatcherCallbacksRunOutsideTheLock: OnResult (on a sender and, for
// objects cut off by Close's deadline, on Close's goroutine) and the logger
// run without the lock held, so they may call Stats (which takes it). Each
// callback checks the lock at a moment nobody else can hold it; a callback
// run under the lock would find it taken (and its Stats call would hang).
func TestBatcherCallbacksRunOutsideTheLock(t *testing.T) {
	t.Run("sender", func(t *testing.T) {
		checkLeaks(t)
		ts := newTrackServer(t)
		gate := ts.newGate()
		// The request is refused with a per-object error (logged at Debug),
		// and its other objects, sent once more, fail (logged at Warn).
		ts.setScript(func(n int, req *TrackRequest) *answer {
			if n == 0 {
				return &answer{http.StatusBadRequest, `{"message":"bad","errors":[{"type":"x","input_array":"events","index":0}]}`}
			}
			return &answer{http.StatusBadRequest, `{"message":"bad"}`}
		})
		var b *Batcher
		var logged collector[bool]
		results := make(chan bool, 75)
		b = newBatcher(t, ts.client(t), BatchOptions{
			FlushInterval: -1, MaxConcurrentRequests: 1,
			Logger: slog.New(hookHandler{func(slog.Record) { logged.add(freeThenStats(b)) }}),
			OnResult: func(Result) {
				free := freeThenStats(b)
				results <- free
			},
		})
		ctx := context.Background()
		// A full request: dispatched by Add itself, held at the gate until
		// Add has let go of the lock. From then on only the sender runs.
		require.NoError(t, b.Add(ctx, fullRequest("a", 0)...))
		close(gate)
		for range 75 {
			assert.True(t, <-results, "OnResult ran under the lock")
		}
		assert.Equal(t, []bool{true, true}, logged.all(), "the Debug (refused object) and Warn (failed request) records, outside the lock")
		rep, err := b.Flush(ctx)
		require.NoError(t, err)
		assert.Equal(t, 75, rep.Failed)
	})

	t.Run("close deadline", func(t *testing.T) {
		checkLeaks(t)
		ts := newTrackServer(t)
		ts.gate = make(chan struct{}) // never opened: the request hangs until cancelled
		var b *Batcher
		var cutOff collector[bool]
		b = newBatcher(t, ts.client(t), BatchOptions{
			FlushInterval: -1, MaxConcurrentRequests: 1,
			OnResult: func(r Result) {
				if !strings.Contains(r.Err.Error(), "not sent before Close's deadline") {
					// The cancelled request's objects, on the sender, while
					// Close may hold the lock: no check, but no Stats under
					// a lock held by the sender itself either.
					freeThenStats(b)
					return
				}
				// On Close's goroutine, after the senders have left: nobody
				// else can hold the lock.
				cutOff.add(freeThenStats(b))
			},
		})
		ctx := context.Background()
		// 75 objects go out at once; the 76th waits behind its user's request.
		require.NoError(t, b.Add(ctx, append(fullRequest("a", 0), event("a", 75))...))
		short, cancel := context.WithCancel(ctx)
		cancel()
		rep, err := b.Close(short)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 76, rep.Failed)
		assert.Equal(t, []bool{true}, cutOff.all(), "OnResult of the object cut off ran outside the lock")
	})
}

// gatedClock is a Clock whose After waits for proceed and then reports
// whether the batcher's lock is free.
type gatedClock struct {
	Clock
	proceed <-chan struct{}
	free    chan<- bool
	b       **Batcher
}

func (c *gatedClock) After(d time.Duration) <-chan time.Time {
	<-c.proceed
	c.free <- lockFree(*c.b)
	return c.Clock.After(d)
}

// TestBatcherFlushTimerCallsTheClockOutsideTheLock: the timer goroutine asks
// the client's clock for its timer without holding the lock. The clock is
// the caller's code, like OnResult.
func TestBatcherFlushTimerCallsTheClockOutsideTheLock(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	manual := clock.NewManual(testTime)
	proceed, free := make(chan struct{}), make(chan bool, 4)
	var b *Batcher
	clk := &gatedClock{Clock: manual, proceed: proceed, free: free, b: &b}
	got := make(chan Result, 1)
	b = newBatcher(t, ts.client(t, WithClock(clk)), BatchOptions{FlushInterval: time.Minute, OnResult: func(r Result) { got <- r }})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1))) // arms the timer
	close(proceed)                                // Add has let go of the lock: only the timer runs
	assert.True(t, <-free, "the timer called the clock under the lock")
	require.NoError(t, manual.WaitForWaiters(ctx, 1))
	manual.Advance(time.Minute)
	assert.True(t, (<-got).Delivered())
}

// hookedContext is a context whose Err calls hook first.
type hookedContext struct {
	context.Context
	hook func()
}

func (c hookedContext) Err() error {
	c.hook()
	return c.Context.Err()
}

// TestBatcherReadsCallersContextsOutsideTheLock: a caller's context is the
// caller's code too (its Err may do anything, call Stats included). Add,
// FlushUser and Flush whose contexts end while they wait withdraw under the
// lock but ask their context for its error outside it. Every waiter here
// waits on a request held at the gate, so nobody else holds the lock when
// Err runs.
func TestBatcherReadsCallersContextsOutsideTheLock(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 1})
	var seen collector[string]
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	hooked := func(name string) context.Context {
		return hookedContext{cancelled, func() {
			if !lockFree(b) {
				seen.add(name)
			}
		}}
	}
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1))) // the queue is full; nothing is sent yet
	assert.ErrorIs(t, b.Add(hooked("Add"), event("b", 1)), context.Canceled, "parked, then withdrawn")
	assert.ErrorIs(t, b.FlushUser(hooked("FlushUser"), ExternalID("a")), context.Canceled) // sends a's object: it hangs at the gate
	_, err := b.Flush(hooked("Flush"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, seen.all(), "these read their context's Err under the lock")
	close(gate)
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered)
}

// TestBatcherWithdrawalsRacingAnswersMatchWhatHappened: a parked Add, a
// FlushUser and a Flush whose contexts end just as the request they wait
// for completes. Each waiter is answered exactly once, and what it returns
// is what happened: an Add that returns nil has its object delivered, one
// that returns the context's error has nothing sent; a FlushUser that
// returns nil returns after its user's objects were applied; every result
// is in exactly one report (a Flush answered just before its withdrawal
// keeps the report it took). The requests come from a pool and are reused
// across the rounds, so an answer left behind in a reply channel would
// show up as a wrong answer to a later call.
//
// The test holds the lock while it lets the request complete and cancels
// the waiters' context, so the completion and the withdrawals queue up for
// it. In even rounds the sender has called OnResult (it is on its way to
// the lock) before the context is cancelled, so the completion usually
// answers first; in odd rounds the withdrawals usually do.
func TestBatcherWithdrawalsRacingAnswersMatchWhatHappened(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	resulted := make(chan struct{}, 75)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 75, MaxConcurrentRequests: 1,
		OnResult: func(r Result) {
			if r.Item.Event.ExternalID == "hold" {
				resulted <- struct{}{}
			}
		}})
	ctx := context.Background()
	const rounds = 60
	delivered, accepted := 0, []int(nil)
	for i := range rounds {
		gate := ts.newGate()
		// A full request: it holds the whole queue, in flight at the gate.
		require.NoError(t, b.Add(ctx, fullRequest("hold", 75*i)...))
		cctx, cancel := context.WithCancel(ctx)
		added, userFlushed := make(chan error, 1), make(chan error, 1)
		type flushed struct {
			rep FlushReport
			err error
		}
		flushDone := make(chan flushed, 1)
		go func() { added <- b.Add(cctx, event("p", i)) }()
		go func() { userFlushed <- b.FlushUser(cctx, ExternalID("hold")) }()
		go func() { rep, err := b.Flush(cctx); flushDone <- flushed{rep, err} }()
		waitLocked(b, func(l *loop) bool { return len(l.parked) == 1 && len(l.flushes) == 1 && l.forcedUsers == 1 })

		b.mu.Lock()
		close(gate)
		if i%2 == 0 {
			for range 75 {
				<-resulted
			}
			runtime.Gosched()
			cancel()
		} else {
			cancel()
			runtime.Gosched()
		}
		b.mu.Unlock()
		if i%2 == 1 {
			for range 75 {
				<-resulted
			}
		}

		switch err := <-added; {
		case err == nil:
			accepted = append(accepted, i)
		default:
			require.ErrorIs(t, err, context.Canceled, "round %d: the parked Add", i)
		}
		if err := <-userFlushed; err == nil {
			applied, _ := ts.snapshot()
			require.Len(t, applied["external_id:hold"], 75*(i+1), "round %d: FlushUser returned nil before its user's objects were in", i)
		} else {
			require.ErrorIs(t, err, context.Canceled, "round %d: FlushUser", i)
		}
		f := <-flushDone
		if f.err == nil {
			delivered += f.rep.Delivered
		} else {
			require.ErrorIs(t, f.err, context.Canceled, "round %d: Flush", i)
			require.Zero(t, f.rep, "round %d: a withdrawn Flush took no report", i)
		}
		// Everything out before the next round, the accepted Add included.
		rep, err := b.Flush(ctx)
		require.NoError(t, err)
		delivered += rep.Delivered
		require.Zero(t, rep.Failed)
	}
	rep, err := b.Close(ctx)
	require.NoError(t, err)
	delivered += rep.Delivered
	applied, _ := ts.snapshot()
	t.Logf("the parked Add was queued (its answer beat the withdrawal) in %d of %d rounds", len(accepted), rounds)
	assert.Equal(t, accepted, applied["external_id:p"], "exactly the Adds that returned nil were delivered, once each")
	assert.Len(t, applied["external_id:hold"], 75*rounds)
	assert.Equal(t, 75*rounds+len(accepted), delivered, "every result in exactly one report")
	st := b.Stats()
	assert.Equal(t, uint64(75*rounds+len(accepted)), st.Added)
	assert.Zero(t, st.Queued)
}

// TestBatcherParkedAddsWithdrawnTogether: two parked Adds share a context
// that ends: a big one at the head that never fits and a small one behind
// it that fits as soon as the big one is gone. Their withdrawals race for
// the lock. When the big one's goes first it queues the small one (unpark),
// whose own withdrawal then finds it answered: that Add returns nil and its
// object is queued. Otherwise the small one is withdrawn and queues
// nothing. Either way each returns what happened, and the pooled requests
// carry no answer into the next round.
func TestBatcherParkedAddsWithdrawnTogether(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 3})
	ctx := context.Background()
	const rounds = 100
	queued := 0
	for i := range rounds {
		// The parked Adds force x and y out; the gate keeps them in flight,
		// and so held, until the round's Flush.
		gate := ts.newGate()
		require.NoError(t, b.Add(ctx, event("x", i), event("y", i))) // 2 of 3 held
		cctx, cancel := context.WithCancel(ctx)
		big, small := make(chan error, 1), make(chan error, 1)
		go func() { big <- b.Add(cctx, event("big", 2*i), event("big", 2*i+1)) }()
		waitLocked(b, func(l *loop) bool { return len(l.parked) == 1 })
		go func() { small <- b.Add(cctx, event("small", i)) }()
		waitLocked(b, func(l *loop) bool { return len(l.parked) == 2 })
		cancel()
		require.ErrorIs(t, <-big, context.Canceled, "round %d: the big Add never fits", i)
		err := <-small
		held := b.Stats().Queued
		if err == nil {
			queued++
			require.Equal(t, 3, held, "round %d: the small Add returned nil: its object is queued", i)
		} else {
			require.ErrorIs(t, err, context.Canceled, "round %d", i)
			require.Equal(t, 2, held, "round %d: the small Add was withdrawn: nothing queued", i)
		}
		close(gate)
		rep, err := b.Flush(ctx)
		require.NoError(t, err)
		require.Equal(t, held, rep.Delivered, "round %d", i)
	}
	t.Logf("the small Add was queued by the big one's withdrawal in %d of %d rounds", queued, rounds)
	applied, _ := ts.snapshot()
	assert.Empty(t, applied["external_id:big"])
	assert.Len(t, applied["external_id:small"], queued)
}

// TestBatcherTimerArmsWhenACompletionMakesObjectsReady: objects added while
// their user has a request in flight are not ready and arm no timer; the
// completion that makes them ready arms it (no lost wake-up: without it the
// objects would wait for the next Add). And objects the timer forced while
// no request slot was free go out as soon as one frees, without another
// tick.
func TestBatcherTimerArmsWhenACompletionMakesObjectsReady(t *testing.T) {
	setup := func(t *testing.T) (*Batcher, *clock.Manual, chan struct{}, chan Result) {
		checkLeaks(t)
		ts := newTrackServer(t)
		gate := ts.newGate()
		clk := clock.NewManual(testTime)
		got := make(chan Result, 4)
		b := newBatcher(t, ts.client(t, WithClock(clk)), BatchOptions{
			FlushInterval: time.Minute, MaxConcurrentRequests: 1, OnResult: func(r Result) { got <- r }})
		ctx := context.Background()
		require.NoError(t, b.Add(ctx, event("a", 1)))
		require.NoError(t, clk.WaitForWaiters(ctx, 1))
		clk.Advance(time.Minute) // a1 goes out and hangs at the gate
		waitLocked(b, func(l *loop) bool { return l.inflight == 1 && !l.armed })
		return b, clk, gate, got
	}
	refOf := func(r Result) any { return r.Item.Ref }

	t.Run("completion", func(t *testing.T) {
		b, clk, gate, got := setup(t)
		ctx := context.Background()
		require.NoError(t, b.Add(ctx, event("a", 2)))
		b.mu.Lock()
		assert.False(t, b.l.armed, "a2 waits behind a's request: nothing for the timer yet")
		assert.Zero(t, b.l.q.readyCount)
		b.mu.Unlock()
		// a1 completes: a2 is ready and must arm the timer, in the same
		// hold of the lock that books the completion.
		close(gate)
		waitLocked(b, func(l *loop) bool { return l.inflight == 0 })
		require.True(t, timerArmed(b), "the completion that made a2 ready armed no timer")
		require.NoError(t, clk.WaitForWaiters(ctx, 1))
		clk.Advance(time.Minute)
		assert.Equal(t, 1, refOf(<-got))
		assert.Equal(t, 2, refOf(<-got))
	})

	t.Run("forced while the slot is busy", func(t *testing.T) {
		b, clk, gate, got := setup(t)
		ctx := context.Background()
		require.NoError(t, b.Add(ctx, event("b", 1))) // ready: arms the timer
		require.NoError(t, clk.WaitForWaiters(ctx, 1))
		clk.Advance(time.Minute) // forces b1, but the only slot is busy
		waitLocked(b, func(l *loop) bool { return !l.armed })
		b.mu.Lock()
		assert.Equal(t, 1, b.l.forceCount)
		assert.Equal(t, 1, b.l.q.readyCount)
		b.mu.Unlock()
		close(gate) // a1 completes: b1 goes out on the freed slot, no tick needed
		assert.Equal(t, 1, refOf(<-got))
		r := <-got
		assert.Equal(t, "b", r.Item.Event.ExternalID)
		assert.True(t, r.Delivered())
		require.NoError(t, b.FlushUser(ctx, ExternalID("b"))) // b1's completion is booked
		assert.False(t, timerArmed(b), "nothing left for the timer")
		assert.Zero(t, clk.Waiters(), "nothing left for the timer")
	})
}

// TestBatcherParkedAddsKeepTheirOrder: while an Add is parked, a later Add
// is parked behind it even when it would fit, so one user's objects added
// by two callers, one after the other, stay in that order.
func TestBatcherParkedAddsKeepTheirOrder(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	// The parked Adds force x and y out; the gate keeps them in flight, and
	// so held, until it opens.
	gate := ts.newGate()
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 3})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("x", 1), event("y", 1))) // 2 of 3 held
	first, second := make(chan error, 1), make(chan error, 1)
	go func() { first <- b.Add(ctx, event("u", 1), event("u", 2)) }() // 2+2 > 3: parked
	waitLocked(b, func(l *loop) bool { return len(l.parked) == 1 })
	go func() { second <- b.Add(ctx, event("u", 3)) }() // 2+1 fits, but must wait behind
	// Until it is parked, or has returned having jumped the queue.
	waitLocked(b, func(l *loop) bool { return len(l.parked) == 2 || len(second) > 0 })
	b.mu.Lock()
	assert.Equal(t, 2, b.l.q.held, "the later Add was not queued ahead")
	b.mu.Unlock()
	close(gate) // x and y resolve: both parked Adds fit, oldest first
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	require.NoError(t, <-first)
	require.NoError(t, <-second)
	require.NoError(t, b.FlushUser(ctx, ExternalID("u")))
	applied, _ := ts.snapshot()
	assert.Equal(t, []int{1, 2, 3}, applied["external_id:u"])
}

// TestBatcherAddKeepsNothingOfTheCallersSlice: Add queues the items by
// value (without ForgetObjects it does not copy the slice first), so the
// caller may overwrite its slice once Add returns, whether the Add was
// queued at once or parked first: what is sent and what the Results carry
// are the items as they were during Add.
func TestBatcherAddKeepsNothingOfTheCallersSlice(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 2, OnResult: log.add})
	ctx := context.Background()

	items := []Item{event("a", 1), event("b", 1)}
	originals := []*Event{items[0].Event, items[1].Event}
	require.NoError(t, b.Add(ctx, items...)) // queued at once: the queue is now full
	items[0], items[1] = event("x", 9), event("y", 9)

	parked := []Item{event("c", 1)}
	originals = append(originals, parked[0].Event)
	added := make(chan error, 1)
	go func() {
		err := b.Add(ctx, parked...)
		parked[0] = event("z", 9) // as soon as Add returns
		added <- err
	}()
	waitLocked(b, func(l *loop) bool { return len(l.parked) == 1 })
	close(gate)
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	require.NoError(t, <-added)
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Zero(t, rep.Failed)

	applied, _ := ts.snapshot()
	assert.Equal(t, map[string][]int{"external_id:a": {1}, "external_id:b": {1}, "external_id:c": {1}}, applied)
	results := log.all()
	require.Len(t, results, 3)
	var sent []*Event
	for _, r := range results {
		assert.Equal(t, 1, r.Item.Ref)
		sent = append(sent, r.Item.Event)
	}
	assert.ElementsMatch(t, originals, sent, "the Results hand back the objects added, not what the slice holds now")
}

// TestBatcherSecondCloseLeavesTheFirstAlone: a Close made while another is
// draining returns ErrClosed at once, even with its context ended, and
// neither cuts the first one short nor takes its report.
func TestBatcherSecondCloseLeavesTheFirstAlone(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("b", 1)))
	type closed struct {
		rep FlushReport
		err error
	}
	first := make(chan closed, 1)
	go func() { rep, err := b.Close(ctx); first <- closed{rep, err} }()
	waitLocked(b, func(l *loop) bool { return l.closing != nil && l.inflight == 1 })

	short, cancel := context.WithCancel(ctx)
	cancel()
	_, err := b.Close(short)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = b.Close(ctx)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, b.Add(ctx, event("c", 1)), ErrClosed)
	assert.Empty(t, first, "the first Close still waits for the request at the gate")

	close(gate)
	c := <-first
	require.NoError(t, c.err)
	assert.Equal(t, 2, c.rep.Delivered)
	assert.Zero(t, c.rep.Failed)
	for _, r := range log.all() {
		assert.NoError(t, r.Err)
	}
}

// TestBatcherCallsRacingTheEndOfCloseAreAnsweredOnce: Flush, FlushUser and
// Add called over and over while Close drains and finishes, with the flush
// timer running on the real clock and the Adds often parked: each returns
// nil or ErrClosed (nothing hangs, nothing is sent on the senders' channel
// once it is closed), and once Close has returned each returns ErrClosed.
func TestBatcherCallsRacingTheEndOfCloseAreAnsweredOnce(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: time.Microsecond, MaxConcurrentRequests: 2, MaxQueuedObjects: 40})
	ctx := context.Background()
	var wg sync.WaitGroup
	running := make(chan struct{}, 6)
	calls := []func(i int) error{
		func(i int) error { return b.Add(ctx, event(fmt.Sprintf("u%d", i%5), i)) },
		func(i int) error { _, err := b.Flush(ctx); return err },
		func(i int) error { return b.FlushUser(ctx, ExternalID(fmt.Sprintf("u%d", i%5))) },
	}
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := calls[g%len(calls)]
			for i := 0; ; i++ {
				if err := call(i); err != nil {
					assert.ErrorIs(t, err, ErrClosed)
					return
				}
				if i == 20 {
					running <- struct{}{}
				}
			}
		}()
	}
	for range 6 { // every caller is in its loop
		<-running
	}
	_, err := b.Close(ctx)
	require.NoError(t, err)
	wg.Wait()
	assert.ErrorIs(t, b.Add(ctx, event("late", 1)), ErrClosed)
	_, err = b.Flush(ctx)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, b.FlushUser(ctx, ExternalID("u1")), ErrClosed)
	assert.Zero(t, b.Stats().Queued)
}
