package braze

import (
	"fmt"
	"time"
)

// This file is the owner goroutine: the only code that touches the queue,
// the waiters and the report being accumulated. Everything else talks to it
// over channels and every request it receives is answered exactly once.

// completion is a finished request, sent back by its sending goroutine after
// OnResult has seen every object of it.
type completion struct {
	p    *packed
	errs []error // parallel to p.entries; nil = delivered
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
		case r := <-b.addCh:
			l.add(r)
		case c := <-b.doneCh:
			l.complete(c)
		case r := <-b.flushCh:
			l.flush(r)
		case r := <-b.userCh:
			l.flushUser(r)
		case r := <-b.withdrawCh:
			l.withdraw(r)
		case r := <-b.closeCh:
			l.close(r)
		case <-b.abortCh:
			l.abort()
		case <-tick:
			tick = nil
			l.forceCount = l.q.readyCount
		}
		l.dispatch()
		if tick == nil && b.interval > 0 && l.q.readyCount > l.forceCount {
			tick = b.client.clk().After(b.interval)
		}
		b.stats.held.Store(int64(l.q.held))
		if l.closing != nil && l.q.held == 0 && l.inflight == 0 {
			l.finishClose()
			return
		}
	}
}

// add queues r's items if there is room, parks r, or refuses it.
func (l *loop) add(r *addRequest) {
	switch {
	case l.closing != nil:
		r.reply <- ErrClosed
	case len(r.items) > l.b.maxHeld:
		r.reply <- fmt.Errorf("%w: %d objects in one call exceed BatchOptions.MaxQueuedObjects (%d)", ErrQueueFull, len(r.items), l.b.maxHeld)
	case len(l.parked) == 0 && l.q.held+len(r.items) <= l.b.maxHeld:
		l.enqueue(r)
	case l.b.policy == QueueFullError:
		r.reply <- ErrQueueFull
	default:
		l.parked = append(l.parked, r)
	}
}

func (l *loop) enqueue(r *addRequest) {
	var u *userQueue
	for i, it := range r.items {
		if i == 0 || r.keys[i] != r.keys[i-1] {
			u = l.q.user(r.keys[i])
		}
		l.q.add(u, entry{item: it, kind: it.Kind(), epoch: l.epoch, enc: r.encs[i]})
	}
	if n := len(l.epochs); n > 0 && l.epochs[n-1].epoch == l.epoch {
		l.epochs[n-1].n += len(r.items)
	} else {
		l.epochs = append(l.epochs, epochCount{epoch: l.epoch, n: len(r.items)})
	}
	l.b.stats.added.Add(uint64(len(r.items)))
	r.reply <- nil
}

// unpark queues parked Adds, oldest first, while they fit.
func (l *loop) unpark() {
	n := 0
	for _, r := range l.parked {
		if l.q.held+len(r.items) > l.b.maxHeld {
			break
		}
		l.enqueue(r)
		n++
	}
	if n > 0 {
		rest := copy(l.parked, l.parked[n:])
		clear(l.parked[rest:])
		l.parked = l.parked[:rest]
	}
}

// forced reports whether partly filled requests should be sent now.
func (l *loop) forced() bool {
	return l.closing != nil || len(l.flushes) > 0 || l.forceCount > 0 || l.forcedUsers > 0
}

// dispatch starts requests while a slot is free and either a full request
// is ready (as many ready objects as a request can carry) or something
// forces partly filled ones.
func (l *loop) dispatch() {
	for l.inflight < l.b.maxConc && l.q.readyCount > 0 {
		if l.q.readyCount < l.b.capacity.total() && !l.forced() {
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
	for i := range c.p.entries {
		e := &c.p.entries[i]
		l.resolveEpoch(e.epoch)
		l.record(Result{Item: e.item, Err: c.errs[i]})
	}
	l.q.complete(c.p)
	for _, u := range c.p.users {
		l.wakeUser(u, nil)
		l.q.forget(u)
	}
	l.wakeFlushes()
	l.unpark()
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

func (l *loop) resolveEpoch(epoch uint64) {
	for i := range l.epochs {
		if l.epochs[i].epoch == epoch {
			l.epochs[i].n--
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
	u := l.q.users[r.key]
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
				l.unpark() // a big parked request may have held back smaller ones
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
		u := l.q.users[r.key]
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
	for _, p := range l.parked {
		p.reply <- ErrClosed
	}
	clear(l.parked)
	l.parked = l.parked[:0]
}

// abort is Close's deadline: cancel requests in flight and fail everything
// still waiting. The owner keeps running until the senders have reported.
func (l *loop) abort() {
	if l.closing == nil {
		return
	}
	l.b.cancelSend()
	err := fmt.Errorf("%w: not sent before Close's deadline", ErrClosed)
	for _, e := range l.q.drainAll() {
		res := Result{Item: e.item, Err: err}
		l.resolveEpoch(e.epoch)
		l.record(res)
		l.aborted = append(l.aborted, res)
		l.b.stats.failed.Add(1)
	}
	for _, u := range l.q.users {
		l.wakeUser(u, ErrClosed)
		l.q.forget(u)
	}
}

// finishClose answers everyone still waiting and the Close call.
func (l *loop) finishClose() {
	for _, u := range l.q.users {
		l.wakeUser(u, ErrClosed)
	}
	l.wakeFlushes()
	for _, r := range l.flushes { // cannot happen: nothing is held
		r.reply <- flushReply{err: ErrClosed}
	}
	l.closing.reply <- closeReply{report: l.takeReport(), aborted: l.aborted}
}
