package braze

import (
	"fmt"
	"time"
)

// This file is the owner goroutine: the only code that touches the queue,
// the waiters and the report being accumulated. Everything else talks to it
// over channels and every request it receives is answered exactly once,
// except admitted Adds, whose callers were answered (nil) by the admission
// itself (batcher_admit.go).

// completion is a finished request, sent back by its sending goroutine after
// OnResult has seen every object of it; p.errs holds the outcomes.
type completion struct {
	p *packed
}

// epochCount counts unresolved objects added in one Flush generation.
type epochCount struct {
	epoch uint64
	n     int
}

// loop is the owner goroutine's state.
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
	closing     *closeRequest
	aborted     []Result
	report      FlushReport

	// cutOff is set once Close's deadline has passed: admitted Adds that
	// arrive after it fail at once.
	cutOff bool
}

func (b *Batcher) run() {
	defer close(b.stopped)
	// The owner returns only with no request in flight: the senders are
	// idle and leave once the channel is closed.
	defer close(b.sendCh)
	l := &loop{b: b, q: newQueue()}
	// The flush timer runs only while ready objects are not already forced
	// out, so an idle batcher does not wake up, and a clock that fires at
	// once (a test clock in auto-advance mode) cannot make the loop spin.
	var tick <-chan time.Time
	for {
		select {
		case m := <-b.reqCh:
			l.serve(m)
			l.drain()
		case c := <-b.doneCh:
			l.complete(c)
		case <-tick:
			tick = nil
			l.forceCount = l.q.readyCount
		}
		l.dispatch()
		if tick == nil && b.interval > 0 && l.q.readyCount > l.forceCount {
			tick = b.client.clk().After(b.interval)
		}
		// The count covers admitted Adds still in the channel: the owner
		// waits for them (see batcher_admit.go).
		if l.closing != nil && l.inflight == 0 && b.admit.count() == 0 {
			l.finishClose()
			return
		}
	}
}

// drain serves the requests already waiting in reqCh, up to what it held
// when drain started, without going round the loop for each: callers that
// do not wait for an answer tend to leave several.
func (l *loop) drain() {
	for range len(l.b.reqCh) {
		l.serve(<-l.b.reqCh)
	}
}

// serve handles one request from reqCh.
func (l *loop) serve(m any) {
	switch m := m.(type) {
	case *addRequest:
		l.add(m)
	case *flushRequest:
		l.flush(m)
	case *userFlushRequest:
		l.flushUser(m)
	case withdrawal:
		l.withdraw(m.r)
	case *closeRequest:
		l.close(m)
	case abortRequest:
		l.abort()
	}
}

// add queues r's items if there is room, parks r, or refuses it. An
// admitted r has its room already and is queued.
func (l *loop) add(r *addRequest) {
	switch {
	case r.admitted:
		l.admitted(r)
	case l.closing != nil:
		r.reply <- ErrClosed
	case len(r.items) > l.b.maxHeld:
		r.reply <- fmt.Errorf("%w: %d objects in one call exceed BatchOptions.MaxQueuedObjects (%d)", ErrQueueFull, len(r.items), l.b.maxHeld)
	case len(l.parked) == 0 && l.b.admit.tryReserve(len(r.items), l.b.maxHeld, 0):
		l.accept(r)
	case l.b.policy == QueueFullError:
		r.reply <- ErrQueueFull
	default:
		l.parked = append(l.parked, r)
		l.b.admit.set(admitParked)
	}
}

// admitted queues an Add whose caller reserved its room and returned, then
// puts the request back in the pool. After Close's deadline its objects
// fail at once, like the ones the deadline found waiting.
func (l *loop) admitted(r *addRequest) {
	if l.cutOff {
		err := fmt.Errorf("%w: not sent before Close's deadline", ErrClosed)
		for i, it := range r.items {
			res := Result{Item: it, Kind: r.kinds[i], Object: r.encs[i], Err: err}
			l.record(res)
			l.aborted = append(l.aborted, res)
		}
		l.b.stats.failed.Add(uint64(len(r.items)))
		l.b.admit.release(len(r.items))
	} else {
		l.enqueue(r)
	}
	l.b.putAdd(r)
}

// accept queues a round-trip Add whose room the owner reserved and answers
// it.
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
		l.q.addAll(l.q.user(key), r.items[start:end], r.kinds[start:end], r.encs[start:end], l.epoch)
		start = end
	}
	if n := len(l.epochs); n > 0 && l.epochs[n-1].epoch == l.epoch {
		l.epochs[n-1].n += len(r.items)
	} else {
		l.epochs = append(l.epochs, epochCount{epoch: l.epoch, n: len(r.items)})
	}
}

// unpark queues parked Adds, oldest first, while they fit. Admissions are
// stopped while any is parked, so only resolved objects make room.
func (l *loop) unpark() {
	n := 0
	for _, r := range l.parked {
		if !l.b.admit.tryReserve(len(r.items), l.b.maxHeld, 0) {
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
	if len(l.parked) == 0 {
		l.b.admit.clear(admitParked)
	}
}

// forced reports whether partly filled requests should be sent now.
func (l *loop) forced() bool {
	return l.closing != nil || len(l.flushes) > 0 || l.forceCount > 0 || l.forcedUsers > 0
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
		l.b.sendCh <- p
	}
}

// complete books a finished request.
func (l *loop) complete(c completion) {
	l.inflight--
	entries, errs := c.p.entries, c.p.errs
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
	if c.p.failed == 0 {
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
	l.q.complete(c.p)
	l.b.admit.release(len(c.p.entries))
	for _, u := range c.p.users {
		if len(u.userWaiters) > 0 {
			l.wakeUser(u, nil)
		}
		l.q.forget(u)
	}
	l.wakeFlushes()
	l.unpark()
	l.q.recycle(c.p)
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

// withdraw removes a caller that stopped waiting and answers it with its
// context's error; a request already answered is left alone.
func (l *loop) withdraw(r any) {
	switch r := r.(type) {
	case *addRequest:
		for i, p := range l.parked {
			if p == r {
				l.parked = append(l.parked[:i], l.parked[i+1:]...)
				r.reply <- errWithdrawn
				l.unpark() // a big parked request may have held back smaller ones; clears the flag when none is left
				return
			}
		}
	case *flushRequest:
		for i, f := range l.flushes {
			if f == r {
				l.flushes = append(l.flushes[:i], l.flushes[i+1:]...)
				r.reply <- flushReply{err: r.ctx.Err()}
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
				u.userWaiters = append(u.userWaiters[:i], u.userWaiters[i+1:]...)
				l.forcedUsers--
				r.reply <- errWithdrawn
				l.q.forget(u)
				return
			}
		}
	}
}

// close starts draining: no new objects, everything queued is sent.
func (l *loop) close(r *closeRequest) {
	if l.closing != nil {
		r.reply <- closeReply{err: ErrClosed}
		return
	}
	l.closing = r
	// From now on Add takes the round trip and is refused; Adds admitted
	// before are still queued when they arrive.
	l.b.admit.set(admitClosing)
	for _, p := range l.parked {
		p.reply <- ErrClosed
	}
	clear(l.parked)
	l.parked = l.parked[:0]
	l.b.admit.clear(admitParked)
}

// abort is Close's deadline: cancel requests in flight and fail everything
// still waiting. The owner keeps running until the senders have reported.
func (l *loop) abort() {
	if l.closing == nil {
		return
	}
	l.b.cancelSend()
	l.cutOff = true
	err := fmt.Errorf("%w: not sent before Close's deadline", ErrClosed)
	drained := l.q.drainAll()
	for _, e := range drained {
		res := e.result(err)
		l.resolveEpoch(e.epoch)
		l.record(res)
		l.aborted = append(l.aborted, res)
		l.b.stats.failed.Add(1)
	}
	l.b.admit.release(len(drained))
	// Collected first: forget removes records from the maps.
	var users []*userQueue
	l.q.each(func(u *userQueue) { users = append(users, u) })
	for _, u := range users {
		l.wakeUser(u, ErrClosed)
		l.q.forget(u)
	}
}

// finishClose answers everyone still waiting and the Close call.
func (l *loop) finishClose() {
	l.q.each(func(u *userQueue) { l.wakeUser(u, ErrClosed) })
	l.wakeFlushes()
	for _, r := range l.flushes { // cannot happen: nothing is held
		r.reply <- flushReply{err: ErrClosed}
	}
	l.closing.reply <- closeReply{report: l.takeReport(), aborted: l.aborted}
}
