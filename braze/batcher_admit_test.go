package braze

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests drive Adds that find room and Adds that park or are refused
// (batcher_admit.go), from many goroutines at once, against Flush,
// FlushUser and Close, and check the guarantees on what comes out: nothing
// an Add accepted is lost or reported twice, each user's objects stay in
// order, and MaxQueuedObjects holds. Run them with -race. The tests at the
// end drive the admission rules and the waits outside the lock directly.

// adder adds objects of its own users, one to three per call, and counts
// what was accepted.
type adder struct {
	b        *Batcher
	name     string
	seq      int
	accepted []int // seqs of accepted objects, per the order added
}

// add makes one Add call of n objects alternating between the adder's two
// users and records them if the call succeeded.
func (a *adder) add(ctx context.Context, n int) error {
	items := make([]Item, n)
	seqs := make([]int, n)
	for i := range items {
		a.seq++
		seqs[i] = a.seq
		items[i] = event(fmt.Sprintf("%s-%d", a.name, a.seq%2), a.seq)
	}
	err := a.b.Add(ctx, items...)
	if err == nil {
		a.accepted = append(a.accepted, seqs...)
	}
	return err
}

// users returns the accepted seqs per user key, in the order they were added.
func (a *adder) users() map[string][]int {
	out := map[string][]int{}
	for _, s := range a.accepted {
		k := fmt.Sprintf("external_id:%s-%d", a.name, s%2)
		out[k] = append(out[k], s)
	}
	return out
}

func TestBatcherConcurrentAddsFlushUserAndCloseLoseNothing(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	var results atomic.Int64
	b, err := NewBatcher(ts.client(t), BatchOptions{
		// The timer sends partly filled requests: the queue never holds a
		// full one.
		FlushInterval: time.Millisecond, MaxConcurrentRequests: 2, MaxQueuedObjects: 40,
		OnResult: func(Result) { results.Add(1) },
	})
	require.NoError(t, err)
	ctx := context.Background()

	const adders = 8
	var (
		mu      sync.Mutex
		reports FlushReport
	)
	take := func(rep FlushReport) {
		mu.Lock()
		reports.Delivered += rep.Delivered
		reports.Failed += rep.Failed
		mu.Unlock()
	}
	as := make([]*adder, adders)
	var wg sync.WaitGroup
	for g := range as {
		a := &adder{b: b, name: fmt.Sprintf("g%d", g)}
		as[g] = a
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				if !assert.NoError(t, a.add(ctx, 1+i%3)) {
					return
				}
				if i%20 == 19 {
					// Everything this goroutine added so far is in
					// before FlushUser returns, admitted or not.
					user := fmt.Sprintf("%s-%d", a.name, a.seq%2)
					if !assert.NoError(t, b.FlushUser(ctx, ExternalID(user))) {
						return
					}
					applied, _ := ts.snapshot()
					assert.Equal(t, a.users()["external_id:"+user], applied["external_id:"+user])
				}
				if i%25 == 24 {
					rep, err := b.Flush(ctx)
					assert.NoError(t, err)
					take(rep)
				}
			}
		}()
	}
	wg.Wait()

	// Second round: Adds race with Close. Every Add either succeeds and is
	// delivered, or fails with ErrClosed.
	var closers sync.WaitGroup
	for _, a := range as {
		closers.Add(1)
		go func() {
			defer closers.Done()
			for {
				err := a.add(ctx, 1+a.seq%3)
				if err != nil {
					assert.ErrorIs(t, err, ErrClosed)
					return
				}
			}
		}()
	}
	rep, err := b.Close(ctx)
	require.NoError(t, err)
	take(rep)
	closers.Wait()

	accepted := 0
	applied, _ := ts.snapshot()
	for _, a := range as {
		accepted += len(a.accepted)
		for user, seqs := range a.users() {
			assert.Equal(t, seqs, applied[user], "user %s", user)
		}
	}
	assert.Equal(t, accepted, reports.Delivered, "every accepted object is in exactly one report")
	assert.Zero(t, reports.Failed)
	assert.Equal(t, int64(accepted), results.Load())
	st := b.Stats()
	assert.Equal(t, uint64(accepted), st.Added)
	assert.Equal(t, uint64(accepted), st.Delivered)
	assert.Zero(t, st.Queued)
	assert.ErrorIs(t, b.Add(ctx, event("late", 1)), ErrClosed)
}

func TestBatcherCloseDeadlineWithAddsRacingGivesEveryObjectOneResult(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.gate = make(chan struct{}) // never opened: requests hang until cancelled
	var log resultLog
	b, err := NewBatcher(ts.client(t), BatchOptions{FlushInterval: -1, MaxConcurrentRequests: 1, OnResult: log.add})
	require.NoError(t, err)
	ctx := context.Background()

	as := make([]*adder, 4)
	var wg sync.WaitGroup
	started := make(chan struct{}, len(as))
	for g := range as {
		a := &adder{b: b, name: fmt.Sprintf("g%d", g)}
		as[g] = a
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if i == 10 {
					started <- struct{}{}
				}
				if err := a.add(ctx, 1+i%3); err != nil {
					assert.ErrorIs(t, err, ErrClosed)
					return
				}
			}
		}()
	}
	for range as {
		<-started
	}
	short, cancel := context.WithCancel(ctx)
	cancel()
	rep, err := b.Close(short)
	assert.ErrorIs(t, err, context.Canceled)
	wg.Wait()

	accepted := 0
	for _, a := range as {
		accepted += len(a.accepted)
	}
	results := log.all()
	assert.Len(t, results, accepted, "every accepted object has exactly one result")
	assert.Equal(t, accepted, rep.Delivered+rep.Failed)
	for _, r := range results {
		assert.ErrorIs(t, r.Err, ErrClosed)
	}
	assert.Zero(t, b.Stats().Queued)
}

func TestBatcherAdmissionNeverExceedsMaxQueuedObjects(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	const limit = 30
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: limit, QueueFull: QueueFullError})
	ctx := context.Background()

	var accepted atomic.Int64
	var wg sync.WaitGroup
	for g := range 6 {
		a := &adder{b: b, name: fmt.Sprintf("g%d", g)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				err := a.add(ctx, 1+i%3)
				if errors.Is(err, ErrQueueFull) {
					continue
				}
				if !assert.NoError(t, err) {
					return
				}
				accepted.Add(int64(1 + i%3))
				assert.LessOrEqual(t, b.Stats().Queued, limit)
			}
		}()
	}
	wg.Wait()
	// The server holds every request: nothing has been resolved, so what
	// was accepted is what the queue holds.
	assert.LessOrEqual(t, accepted.Load(), int64(limit))
	assert.Equal(t, int(accepted.Load()), b.Stats().Queued)
	close(gate)
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, int(accepted.Load()), rep.Delivered)
}

// testLoop returns the owner state of a Batcher that is never started:
// the admission rules alone, driven by hand.
func testLoop(maxHeld int, policy QueueFullPolicy) *loop {
	b := &Batcher{maxHeld: maxHeld, maxConc: 1, policy: policy,
		capacity: capacity{max: 75, combined: true}, sendCh: make(chan *packed, 1)}
	b.l = &loop{b: b, q: newQueue()}
	return b.l
}

// testAddRequest is what Add hands to the queue for n events of user.
func testAddRequest(user string, n int) *addRequest {
	r := &addRequest{reply: make(chan error, 1)}
	for i := range n {
		it := event(user, i)
		r.items = append(r.items, it)
		r.kinds = append(r.kinds, ObjectEvent)
		r.encs = append(r.encs, []byte(`{}`))
	}
	r.keys = []userKey{keyOf(&r.items[0].Event.Identifier)}
	r.ends = []int{n}
	return r
}

// completeAll packs everything ready into one request and books it as
// delivered, as a sender would.
func completeAll(t *testing.T, l *loop) {
	t.Helper()
	p := l.q.pack(l.b.capacity)
	require.NotEmpty(t, p.entries)
	p.errs = make([]error, len(p.entries))
	l.inflight++
	l.complete(p)
}

// TestAdmitQueuesWithinTheLimitUnlessParkedOrClosing: an Add is queued
// while the objects held stay within MaxQueuedObjects and no Add is parked
// ahead of it; otherwise it is parked (QueueFullBlock) or refused
// (QueueFullError), and after Close it is refused with ErrClosed. Parked
// Adds are queued oldest first as completions make room.
func TestAdmitQueuesWithinTheLimitUnlessParkedOrClosing(t *testing.T) {
	l := testLoop(5, QueueFullBlock)
	parked, err := l.admit(testAddRequest("a", 3))
	require.NoError(t, err)
	assert.False(t, parked)
	assert.Equal(t, 3, l.q.held)

	big := testAddRequest("b", 3)
	parked, err = l.admit(big)
	require.NoError(t, err)
	assert.True(t, parked, "3+3 > 5")
	small := testAddRequest("c", 1)
	parked, err = l.admit(small)
	require.NoError(t, err)
	assert.True(t, parked, "parked Adds go first, even when a later one would fit")
	assert.Equal(t, 3, l.q.held, "nothing parked is held")
	assert.Empty(t, big.reply)

	completeAll(t, l) // a's objects resolve: room for b's and c's
	assert.NoError(t, <-big.reply)
	assert.NoError(t, <-small.reply)
	assert.Empty(t, l.parked)
	assert.Equal(t, 4, l.q.held)

	tooMany := testAddRequest("d", 6)
	_, err = l.admit(tooMany)
	assert.ErrorIs(t, err, ErrQueueFull, "more than MaxQueuedObjects in one call")

	l.close(&closeRequest{reply: make(chan closeReply, 1)})
	parked, err = l.admit(testAddRequest("e", 1))
	assert.ErrorIs(t, err, ErrClosed)
	assert.False(t, parked)
	assert.Equal(t, 4, l.q.held)

	l = testLoop(5, QueueFullError)
	_, err = l.admit(testAddRequest("a", 4))
	require.NoError(t, err)
	parked, err = l.admit(testAddRequest("b", 2))
	assert.ErrorIs(t, err, ErrQueueFull)
	assert.False(t, parked)
	assert.Equal(t, 4, l.q.held)
}

// TestWithdrawnParkedAddLeavesTheQueueAsItWas: a parked Add whose caller
// stops waiting is answered errWithdrawn and none of its objects is
// queued; Adds parked behind it that now fit are queued at once. An Add
// answered before its withdrawal keeps that answer, and Close answers the
// Adds still parked with ErrClosed.
func TestWithdrawnParkedAddLeavesTheQueueAsItWas(t *testing.T) {
	l := testLoop(4, QueueFullBlock)
	_, err := l.admit(testAddRequest("a", 2))
	require.NoError(t, err)
	big, small, last := testAddRequest("b", 3), testAddRequest("c", 2), testAddRequest("d", 2)
	for _, r := range []*addRequest{big, small, last} {
		parked, err := l.admit(r)
		require.NoError(t, err)
		require.True(t, parked)
	}
	l.withdraw(big)
	assert.Equal(t, errWithdrawn, <-big.reply)
	assert.NoError(t, <-small.reply, "the small Add behind the withdrawn one fits")
	assert.Equal(t, 4, l.q.held)
	assert.Nil(t, l.q.lookup(keyOf(&big.items[0].Event.Identifier)), "nothing of the withdrawn Add was queued")
	l.withdraw(small) // answered already: nothing happens
	assert.Empty(t, small.reply)
	assert.Equal(t, 4, l.q.held)

	l.close(&closeRequest{reply: make(chan closeReply, 1)})
	assert.ErrorIs(t, <-last.reply, ErrClosed)
	assert.Empty(t, l.parked)
}

// An Add that Close overtakes (it has encoded its objects but not yet
// taken the lock when Close does) is refused with ErrClosed and leaves no
// trace: no Result, nothing sent, nothing in Close's report. An Add that
// returned nil before Close is delivered and in Close's report. The hook
// holds the Add in exactly that window until Close has returned, so the
// interleaving is forced, not hoped for.
func TestBatcherAddOvertakenByCloseIsRefusedAndLosesNothing(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	log := &resultLog{}
	b := newBatcher(t, ts.client(t), BatchOptions{OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("u", 1)))

	encoded, release := make(chan struct{}), make(chan struct{})
	b.beforeAdmit = func() { close(encoded); <-release }
	addErr := make(chan error, 1)
	go func() { addErr <- b.Add(ctx, event("u", 2)) }()
	<-encoded
	rep, err := b.Close(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered, "the Add that returned nil before Close")
	close(release)
	assert.ErrorIs(t, <-addErr, ErrClosed)

	results := log.all()
	require.Len(t, results, 1)
	assert.NoError(t, results[0].Err)
	applied, _ := ts.snapshot()
	assert.Equal(t, []int{1}, applied["external_id:u"])
	assert.Equal(t, uint64(1), b.Stats().Added)
	assert.Zero(t, b.Stats().Queued)
}

// TestParkedCallersGiveUpWithTheirContext covers the waits outside the
// lock: a parked Add, a Flush and a FlushUser whose contexts end return
// their context's error and leave the queue as it was (the Add's objects
// are not queued, the objects flushed stay queued); what comes after them
// proceeds, and after Close each is refused with ErrClosed.
func TestParkedCallersGiveUpWithTheirContext(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	log := &resultLog{}
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 2, OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("b", 1)))

	cctx, cancel := context.WithCancel(ctx)
	parked := make(chan error, 1)
	go func() { parked <- b.Add(cctx, event("c", 1)) }()
	flushed := make(chan error, 1)
	go func() { _, err := b.Flush(cctx); flushed <- err }()
	userFlushed := make(chan error, 1)
	go func() { userFlushed <- b.FlushUser(cctx, ExternalID("a")) }()
	// Until the Add is parked and the flushes wait.
	waitLocked(b, func(l *loop) bool { return len(l.parked) == 1 && len(l.flushes) == 1 && l.forcedUsers == 1 })
	cancel()
	assert.ErrorIs(t, <-parked, context.Canceled)
	assert.ErrorIs(t, <-flushed, context.Canceled)
	assert.ErrorIs(t, <-userFlushed, context.Canceled)
	assert.Equal(t, 2, b.Stats().Queued, "the withdrawn Add queued nothing")

	close(gate)
	rep, err := b.Close(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Delivered, "the objects flushed stayed queued and are in the next report")
	assert.Len(t, log.all(), 2)
	applied, _ := ts.snapshot()
	assert.Empty(t, applied["external_id:c"])
	assert.ErrorIs(t, b.Add(ctx, event("c", 1)), ErrClosed)
	_, err = b.Flush(ctx)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, b.FlushUser(ctx, ExternalID("a")), ErrClosed)
}

// TestBatcherCloseDeadlineWithRequestsInFlight: Close's deadline passes
// while requests hang in flight, an object waits behind its user's request,
// and a Flush and a FlushUser wait. The requests are cancelled and every
// object fails with ErrClosed, exactly once; the waiters are answered;
// Close returns the deadline's error only once the senders and the armed
// flush timer's goroutine are gone (checkLeaks), and everything after it
// is refused.
func TestBatcherCloseDeadlineWithRequestsInFlight(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.gate = make(chan struct{}) // never opened: requests hang until cancelled
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: time.Hour, MaxConcurrentRequests: 2, OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("a", 2), event("b", 1)))
	userFlushed := make(chan error, 1)
	go func() { userFlushed <- b.FlushUser(ctx, ExternalID("a")) }()
	ts.waitInflight(1) // a's and b's objects
	require.NoError(t, b.Add(ctx, event("a", 3), event("c", 1)))
	ts.waitInflight(2) // c's object; a's third waits behind a's request
	type flushed struct {
		rep FlushReport
		err error
	}
	flushDone := make(chan flushed, 1)
	go func() {
		rep, err := b.Flush(ctx)
		flushDone <- flushed{rep, err}
	}()
	waitLocked(b, func(l *loop) bool { return len(l.flushes) == 1 }) // until the Flush waits

	short, cancel := context.WithCancel(ctx)
	cancel()
	rep, err := b.Close(short)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, <-userFlushed, ErrClosed)
	f := <-flushDone
	require.NoError(t, f.err, "the Flush's objects are resolved (failed): it reports them")
	assert.Equal(t, 5, f.rep.Failed+rep.Failed, "every object is in one report")
	assert.Zero(t, f.rep.Delivered+rep.Delivered)
	results := log.all()
	require.Len(t, results, 5, "every object has exactly one result")
	for _, r := range results {
		assert.ErrorIs(t, r.Err, ErrClosed)
	}
	st := b.Stats()
	assert.Equal(t, uint64(5), st.Failed)
	assert.Zero(t, st.Queued)
	assert.ErrorIs(t, b.Add(ctx, event("d", 1)), ErrClosed)
	_, err = b.Flush(ctx)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = b.Close(ctx)
	assert.ErrorIs(t, err, ErrClosed)
}

// TestWithdrawalDropsTheWaiterItRemoves checks that a withdrawn parked Add
// or Flush leaves no pointer to itself in the slice it was removed from:
// the vacated slot past the slice's length would keep the request (and a
// parked Add's items) alive until the slot was written again.
func TestWithdrawalDropsTheWaiterItRemoves(t *testing.T) {
	l := testLoop(2, QueueFullBlock)
	parked, err := l.admit(testAddRequest("a", 2))
	require.NoError(t, err)
	require.False(t, parked)
	first, second := testAddRequest("b", 2), testAddRequest("c", 2)
	for _, r := range []*addRequest{first, second} {
		parked, err := l.admit(r)
		require.NoError(t, err)
		require.True(t, parked)
	}
	l.withdraw(first)
	assert.Equal(t, errWithdrawn, <-first.reply)
	require.Equal(t, []*addRequest{second}, l.parked)
	assert.Nil(t, l.parked[:2][1], "the vacated slot still points at a request")

	f1 := &flushRequest{reply: make(chan flushReply, 1)}
	f2 := &flushRequest{reply: make(chan flushReply, 1)}
	l.flush(f1)
	l.flush(f2)
	require.Len(t, l.flushes, 2, "both wait for a's objects")
	l.withdraw(f1)
	assert.Equal(t, errWithdrawn, (<-f1.reply).err)
	require.Equal(t, []*flushRequest{f2}, l.flushes)
	assert.Nil(t, l.flushes[:2][1], "the vacated slot still points at a Flush")
}

// TestBatcherParkedAddsForcePartialRequests: when Adds wait for room and
// the ready objects cannot fill a request (one user whose kinds go
// backwards every two objects, so at most two are ready at a time), the
// batcher sends partly filled requests at once. It used to leave the
// callers parked until the flush timer fired, and with time-based flushing
// off (as here) until a Flush or Close that never came.
func TestBatcherParkedAddsForcePartialRequests(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 10})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const n = 100
	for i := range n {
		item := attrs("a", i)
		if i%2 == 1 {
			item = event("a", i)
		}
		require.NoError(t, b.Add(ctx, item), "Add %d stayed parked", i)
	}
	rep, err := b.Close(ctx)
	require.NoError(t, err)
	assert.Equal(t, n, rep.Delivered)
	assert.Equal(t, n/2, len(ts.requests), "one request per run of two: nothing waited to fill one")
}
