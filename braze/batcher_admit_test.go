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

// These tests drive Adds that skip the round trip (batcher_admit.go) and
// Adds that take it, from many goroutines at once, against Flush, FlushUser
// and Close, and check the guarantees on what comes out: nothing an Add
// accepted is lost or reported twice, each user's objects stay in order,
// and MaxQueuedObjects holds. Run them with -race.

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
	gate := make(chan struct{})
	ts.gate = gate
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

func TestAdmissionReservesWithinTheLimitUnlessStopped(t *testing.T) {
	var a admission
	assert.True(t, a.tryReserve(3, 5, admitClosing|admitParked))
	assert.False(t, a.tryReserve(3, 5, admitClosing|admitParked), "3+3 > 5")
	assert.True(t, a.tryReserve(2, 5, 0))
	assert.Equal(t, 5, a.count())
	a.release(4)
	a.set(admitParked)
	assert.False(t, a.tryReserve(1, 5, admitClosing|admitParked), "parked Adds go first")
	assert.True(t, a.tryReserve(1, 5, admitClosing), "the owner serves parked Adds")
	a.clear(admitParked)
	a.set(admitClosing)
	assert.False(t, a.tryReserve(1, 5, admitClosing|admitParked))
	assert.Equal(t, 2, a.count())
}

// An Add that has reserved room but not yet handed its request to the
// owner when Close is served: Close waits for it, and the object is
// delivered and counted, not dropped in the channel after the owner left.
// The hook holds the Add in exactly that window until the owner has set the
// closing flag, so the interleaving is forced, not hoped for.
func TestBatcherCloseWaitsForAnAdmittedAddInTransit(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	log := &resultLog{}
	b, err := NewBatcher(ts.client(t), BatchOptions{OnResult: log.add})
	require.NoError(t, err)
	reserved, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	b.afterAdmit = func() { once.Do(func() { close(reserved); <-release }) }
	ctx := context.Background()

	addErr := make(chan error, 1)
	go func() { addErr <- b.Add(ctx, event("u", 1)) }()
	<-reserved
	type closed struct {
		rep FlushReport
		err error
	}
	done := make(chan closed, 1)
	go func() {
		rep, err := b.Close(ctx)
		done <- closed{rep, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for b.admit.word.Load()&admitClosing == 0 {
		require.True(t, time.Now().Before(deadline), "Close was never served")
		time.Sleep(time.Millisecond)
	}
	select {
	case c := <-done:
		t.Fatalf("Close returned (%+v, %v) while an admitted Add was in transit", c.rep, c.err)
	default:
	}
	close(release)
	require.NoError(t, <-addErr)
	c := <-done
	require.NoError(t, c.err)
	assert.Equal(t, 1, c.rep.Delivered)
	log.mu.Lock()
	defer log.mu.Unlock()
	require.Len(t, log.results, 1)
	assert.NoError(t, log.results[0].Err)
	applied, _ := ts.snapshot()
	assert.Equal(t, []int{1}, applied["external_id:u"])
}

// TestSubmitWaitsForRoomInTheChannel covers submit's slow path: with the
// owner's channel full, submit waits until there is room and then hands
// its request over, behind what was there; it gives up with ctx's error or,
// once the owner has returned, ErrClosed, and leaves the channel as it was.
func TestSubmitWaitsForRoomInTheChannel(t *testing.T) {
	b := &Batcher{reqCh: make(chan any, 1), stopped: make(chan struct{})}
	ctx := context.Background()
	require.NoError(t, b.submit(ctx, "first")) // the fast path: there is room
	done := make(chan error, 1)
	go func() { done <- b.submit(ctx, "second") }()
	assert.Equal(t, "first", <-b.reqCh)
	assert.NoError(t, <-done)
	assert.Equal(t, "second", <-b.reqCh)

	require.NoError(t, b.submit(ctx, "filler"))
	cctx, cancel := context.WithCancel(ctx)
	go func() { done <- b.submit(cctx, "cancelled") }()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	go func() { done <- b.submit(ctx, "too late") }()
	close(b.stopped)
	assert.ErrorIs(t, <-done, ErrClosed)
	assert.Equal(t, "filler", <-b.reqCh)
	assert.Empty(t, b.reqCh, "a request that failed was not handed over")
}
