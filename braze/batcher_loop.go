package braze

import (
	"fmt"
	"slices"
)

// This file is the queue's owner: the state below, guarded by Batcher.mu.
// Whoever holds the lock owns it for as long as it holds it: Add queuing
// its objects (or parking, or being refused), Flush, FlushUser and Close
// registering themselves, a waiting caller withdrawing once its context
// has ended, a sender booking a finished request, and the timer forcing
// partly filled requests out. Each calls one of the methods below and then
// settle, which starts what can be started and finishes a Close, before it
// lets go of the lock.
//
// Nothing done under the lock blocks or calls the caller's code: every
// reply channel holds the one answer its request ever gets, sendCh has room
// for every request that can be in flight, armCh is sent to without
// waiting, and OnResult and the logger are called by the senders and Close
// outside the lock. Waiting (for room, for a Flush's objects, for a user's
// objects, for Close's drain) happens outside the lock, on the reply
// channel, with the caller's context; a caller whose context ends takes the
// lock again to withdraw, and an answer given before the withdrawal wins.
//
// Why a lock and not a goroutine that owns the queue (the earlier design):
// the owner had to wake up for every Add and every finished request and go
// back to sleep, which on two cores cost 6-10% of all CPU in scheduling and
// channel hand-offs. Taking the lock costs a compare-and-swap when it is
// free, and the work done under it is the same. Measured on the forward
// path after mapping (perfreport BenchmarkBatchSink, callgrind): 39,009
// instructions per batch of about 7 objects with the owner goroutine,
// 31,198 with the lock.

// epochCount counts unresolved objects added in one Flush generation.
type epochCount struct {
	epoch uint64
	n     int
}

// loop is the queue's owner state, guarded by Batcher.mu.
type loop struct {
	b        *Batcher
	q        *queue
	parked   []*addRequest // Adds waiting for room, oldest first
	flushes  []*flushRequest
	epoch    uint64       // current Flush generation
	epochs   []epochCount // unresolved objects per generation, oldest first
	inflight int
	// forceCount is how many ready objects the last timer tick found; they
	// are sent even in partly filled requests.
	forceCount  int
	forcedUsers int // FlushUser waiters
	// armed is true from arming the flush timer until its tick has been
	// served.
	armed   bool
	closing *closeRequest
	aborted []Result
	report  FlushReport
	// finished is set once Close has drained everything and answered:
	// sendCh and stopped are closed, and every later call is refused.
	finished bool
}

// settle does what follows every change of the owner state: start the
// requests that can be started, arm the flush timer if objects wait for it,
// and finish a Close once nothing is in flight or held. The caller holds
// the lock.
func (l *loop) settle() {
	if l.finished {
		return
	}
	l.dispatch()
	// The flush timer runs only while ready objects are not already forced
	// out, so an idle batcher does not wake up, and a clock that fires at
	// once (a test clock in auto-advance mode) cannot make it spin.
	if !l.armed && l.b.interval > 0 && l.q.readyCount > l.forceCount {
		l.armed = true
		// armCh is empty while the timer is not armed (the timer
		// goroutine takes the signal before its tick clears armed), so
		// this never drops a signal; the select only keeps the lock
		// holder from ever waiting.
		select {
		case l.b.armCh <- struct{}{}:
		default:
		}
	}
	if l.closing != nil && l.inflight == 0 && l.q.held == 0 {
		l.finishClose()
	}
}

// timer is the flush timer's goroutine. It sleeps on armCh until settle
// arms the timer, waits one FlushInterval on the client's clock, and then,
// under the lock, forces out the objects ready at that moment. It leaves
// when the batcher has finished closing.
func (b *Batcher) timer() {
	defer b.workers.Done()
	clk := b.client.clk()
	for {
		select {
		case <-b.armCh:
		case <-b.stopped:
			return
		}
		select {
		case <-clk.After(b.interval):
		case <-b.stopped:
			return
		}
		b.mu.Lock()
		l := b.l
		l.armed = false
		if !l.finished {
			l.forceCount = l.q.readyCount
			l.settle()
		}
		b.mu.Unlock()
	}
}

// complete books the request p that a sender has finished, after OnResult
// has seen every object of it; p.errs holds the outcomes.
func (b *Batcher) complete(p *packed) {
	b.mu.Lock()
	b.l.complete(p)
	b.l.settle()
	b.mu.Unlock()
}

// accept queues a parked Add that now has room and answers it.
func (l *loop) accept(r *addRequest) {
	l.enqueue(r)
	l.b.stats.added.Add(uint64(len(r.items)))
	r.reply <- nil
}

func (l *loop) enqueue(r *addRequest) {
	// One user's consecutive objects are queued together.
	start := 0
	for k, key := range r.keys {
		end := r.ends[k]
		l.q.addAll(l.q.user(key), r.items[start:end], r.kinds[start:end], r.encs[start:end], r.slab, l.epoch)
		start = end
	}
	if n := len(l.epochs); n > 0 && l.epochs[n-1].epoch == l.epoch {
		l.epochs[n-1].n += len(r.items)
	} else {
		l.epochs = append(l.epochs, epochCount{epoch: l.epoch, n: len(r.items)})
	}
}

// unpark queues parked Adds, oldest first, while they fit. No Add is
// queued ahead of them while any is parked (admit), so only resolved
// objects make room.
func (l *loop) unpark() {
	n := 0
	for _, r := range l.parked {
		if !l.fits(len(r.items)) {
			break
		}
		l.accept(r)
		n++
	}
	if n > 0 {
		rest := copy(l.parked, l.parked[n:])
		clear(l.parked[rest:])
		l.parked = l.parked[:rest]
	}
}

// forced reports whether partly filled requests should be sent now. Parked
// Adds force them too: the queue is at its bound, so no more input arrives
// until something is sent, and when the ready objects cannot fill a
// request (their users' runs are short, or their users have requests in
// flight) waiting for a full one would leave the callers parked until the
// flush timer, or for good with time-based flushing off.
func (l *loop) forced() bool {
	return l.closing != nil || len(l.flushes) > 0 || l.forceCount > 0 || l.forcedUsers > 0 || len(l.parked) > 0
}

// dispatch starts requests while a slot is free and either a full request
// is ready (as many ready objects as a request can carry, or more than its
// body can hold) or something forces partly filled ones.
func (l *loop) dispatch() {
	for l.inflight < l.b.maxConc && l.q.readyCount > 0 {
		if !l.q.full(l.b.capacity) && !l.forced() {
			return
		}
		p := l.q.pack(l.b.capacity)
		if len(p.entries) == 0 {
			return
		}
		l.forceCount = max(0, l.forceCount-len(p.entries))
		l.inflight++
		// Never waits: sendCh holds maxConc requests and at most
		// inflight-1 < maxConc of them are in it.
		l.b.sendCh <- p
	}
}

// complete books a finished request.
func (l *loop) complete(p *packed) {
	l.inflight--
	entries, errs := p.entries, p.errs
	// Epochs are resolved a run of equal ones at a time: a request's
	// objects nearly always share one.
	for i := 0; i < len(entries); {
		epoch, j := entries[i].epoch, i+1
		for j < len(entries) && entries[j].epoch == epoch {
			j++
		}
		l.resolveEpochs(epoch, j-i)
		i = j
	}
	if p.failed == 0 {
		// The usual request: the sender found no error, so every object
		// counts as delivered (record's own fast path) without reading
		// errs.
		l.report.Delivered += len(entries)
	} else {
		for i := range entries {
			if errs[i] == nil {
				l.report.Delivered++
				continue
			}
			l.record(entries[i].result(errs[i]))
		}
	}
	l.q.complete(p)
	for _, u := range p.users {
		if len(u.userWaiters) > 0 {
			l.wakeUser(u, nil)
		}
		l.q.forget(u)
	}
	l.wakeFlushes()
	l.unpark()
	l.q.recycle(p)
}

// record adds one result to the report being accumulated.
func (l *loop) record(r Result) {
	if r.Err == nil {
		l.report.Delivered++
		return
	}
	l.report.Failed++
	if len(l.report.Failures) < l.b.maxFails {
		l.report.Failures = append(l.report.Failures, r)
	}
}

func (l *loop) takeReport() FlushReport {
	r := l.report
	l.report = FlushReport{}
	return r
}

func (l *loop) resolveEpoch(epoch uint64) { l.resolveEpochs(epoch, 1) }

// resolveEpochs counts n objects of the generation epoch resolved.
func (l *loop) resolveEpochs(epoch uint64, n int) {
	for i := range l.epochs {
		if l.epochs[i].epoch == epoch {
			l.epochs[i].n -= n
			break
		}
	}
	for len(l.epochs) > 0 && l.epochs[0].n == 0 {
		l.epochs = l.epochs[1:]
	}
}

// flush starts a new generation and waits for every older one.
func (l *loop) flush(r *flushRequest) {
	r.epoch = l.epoch
	l.epoch++
	l.flushes = append(l.flushes, r)
	l.wakeFlushes()
}

// wakeFlushes answers the Flush calls whose generation has resolved. The
// first one answered takes the report.
func (l *loop) wakeFlushes() {
	kept := l.flushes[:0]
	for _, r := range l.flushes {
		if len(l.epochs) == 0 || l.epochs[0].epoch > r.epoch {
			r.reply <- flushReply{report: l.takeReport()}
			continue
		}
		kept = append(kept, r)
	}
	clear(l.flushes[len(kept):])
	l.flushes = kept
}

func (l *loop) flushUser(r *userFlushRequest) {
	u := l.q.lookup(r.key)
	if u == nil || u.resolved >= u.added {
		r.reply <- nil
		return
	}
	u.userWaiters = append(u.userWaiters, userWaiter{target: u.added, reply: r.reply})
	l.forcedUsers++
}

// wakeUser answers u's FlushUser waiters that are satisfied, or all of them
// with err when err is not nil.
func (l *loop) wakeUser(u *userQueue, err error) {
	kept := u.userWaiters[:0]
	for _, w := range u.userWaiters {
		if err != nil || u.resolved >= w.target {
			w.reply <- err
			l.forcedUsers--
			continue
		}
		kept = append(kept, w)
	}
	clear(u.userWaiters[len(kept):])
	u.userWaiters = kept
}

// withdraw removes a caller that stopped waiting and answers it with
// errWithdrawn (the caller then returns its context's error, read outside
// the lock: a context is the caller's code); a request already answered is
// left alone.
func (l *loop) withdraw(r any) {
	switch r := r.(type) {
	case *addRequest:
		for i, p := range l.parked {
			if p == r {
				l.parked = slices.Delete(l.parked, i, i+1) // clears the vacated slot
				r.reply <- errWithdrawn
				l.unpark() // a big parked request may have held back smaller ones
				return
			}
		}
	case *flushRequest:
		for i, f := range l.flushes {
			if f == r {
				l.flushes = slices.Delete(l.flushes, i, i+1)
				r.reply <- flushReply{err: errWithdrawn}
				return
			}
		}
	case *userFlushRequest:
		u := l.q.lookup(r.key)
		if u == nil {
			return
		}
		for i, w := range u.userWaiters {
			if w.reply == r.reply {
				u.userWaiters = slices.Delete(u.userWaiters, i, i+1)
				l.forcedUsers--
				r.reply <- errWithdrawn
				l.q.forget(u)
				return
			}
		}
	}
}

// close starts draining: no new objects, everything queued is sent. Close
// calls it only while l.closing is nil.
func (l *loop) close(r *closeRequest) {
	l.closing = r
	// From now on Add is refused; what it queued before is sent.
	for _, p := range l.parked {
		p.reply <- ErrClosed
	}
	clear(l.parked)
	l.parked = l.parked[:0]
}

// abort is Close's deadline: cancel requests in flight and fail everything
// still waiting. The close finishes when the senders have reported the
// requests in flight.
func (l *loop) abort() {
	if l.closing == nil {
		return
	}
	l.b.cancelSend()
	err := fmt.Errorf("%w: not sent before Close's deadline", ErrClosed)
	drained := l.q.drainAll()
	for _, e := range drained {
		res := e.result(err)
		l.resolveEpoch(e.epoch)
		l.record(res)
		l.aborted = append(l.aborted, res)
		l.b.stats.failed.Add(1)
	}
	// Collected first: forget removes records from the maps.
	var users []*userQueue
	l.q.each(func(u *userQueue) { users = append(users, u) })
	for _, u := range users {
		l.wakeUser(u, ErrClosed)
		l.q.forget(u)
	}
}

// finishClose answers everyone still waiting and the Close call, lets the
// senders and the timer go, and refuses every later call.
func (l *loop) finishClose() {
	l.finished = true
	l.q.each(func(u *userQueue) { l.wakeUser(u, ErrClosed) })
	l.wakeFlushes()
	for _, r := range l.flushes { // cannot happen: nothing is held
		r.reply <- flushReply{err: ErrClosed}
	}
	clear(l.flushes)
	l.flushes = l.flushes[:0]
	l.closing.reply <- closeReply{report: l.takeReport(), aborted: l.aborted}
	l.aborted = nil
	// No request is in flight, so no sender is between receiving and
	// completing one: they all wait on sendCh and leave.
	close(l.b.sendCh)
	close(l.b.stopped)
}
