package braze

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Defaults of BatchOptions' zero values.
const (
	DefaultFlushInterval         = time.Second
	DefaultMaxConcurrentRequests = 4
	DefaultMaxQueuedObjects      = 100_000
	DefaultMaxReportedFailures   = 10_000
)

// QueueFullPolicy chooses what Batcher.Add does when the queue is full.
type QueueFullPolicy uint8

const (
	// QueueFullBlock (the default) makes Add wait, honouring its context,
	// until enough queued objects have been resolved.
	QueueFullBlock QueueFullPolicy = iota
	// QueueFullError makes Add return ErrQueueFull at once.
	QueueFullError
)

// BatchOptions configures a Batcher. The zero value means the documented
// defaults.
type BatchOptions struct {
	// Limits gives the per-request object cap and whether it is combined
	// across the three arrays (Braze's current rule) or per array (legacy).
	// Zero means the client's limits (see WithLimits), which default to
	// DefaultLimits: 75 objects combined.
	Limits Limits
	// FlushInterval is how long an object ready to be sent may wait for a
	// full request before a partly filled one is sent (an object whose
	// user has a request in flight becomes ready when that request ends,
	// and a free request slot is needed too). Zero means
	// DefaultFlushInterval (1 s); negative disables time-based flushing, so
	// objects wait for a full request, Flush or Close. The interval runs on
	// the client's clock (WithClock).
	FlushInterval time.Duration
	// MaxConcurrentRequests bounds the requests in flight. Zero means
	// DefaultMaxConcurrentRequests (4). The client's rate limiter still
	// applies to every request and retry. The Batcher runs this many
	// sender goroutines from NewBatcher to Close.
	MaxConcurrentRequests int
	// MaxQueuedObjects bounds the objects held (waiting or in flight). Zero
	// means DefaultMaxQueuedObjects (100,000).
	MaxQueuedObjects int
	// QueueFull chooses between blocking (default) and ErrQueueFull when
	// MaxQueuedObjects is reached.
	QueueFull QueueFullPolicy
	// OnResult, when set, receives the Result of every object, delivered or
	// failed. It is called from the batcher's sending goroutines (several at
	// once), before Flush reports the object, or, for objects cut off by
	// Close's deadline, from Close's caller before Close returns (a Flush
	// still waiting at the deadline may report those first). It runs
	// without the batcher's lock, so it may call Stats; it must be safe for
	// concurrent use and should return quickly. It must not call Add with
	// QueueFullBlock: that can wait for room only OnResult's return frees.
	//
	// Without OnResult nothing sees a delivered object's JSON, and the
	// batcher reuses its memory for later Adds (failed objects' JSON,
	// which Flush reports, is never reused); with it, every Add's JSON has
	// an allocation of its own, which Result.Object may keep.
	OnResult func(Result)
	// MaxReportedFailures bounds the failed Results a FlushReport keeps
	// (the counts are always exact). Zero means DefaultMaxReportedFailures.
	MaxReportedFailures int
	// Logger receives request failures (Warn) and refused objects (Debug).
	// Nil discards. The REST key never appears in what is logged.
	Logger *slog.Logger
	// ForgetObjects makes Add drop its references to the items' objects
	// (Attributes, Event, Purchase) once it has encoded them: the batcher
	// keeps only each object's JSON, kind, user key and the item's Ref,
	// and Results carry Item{Ref: ref} with Kind and Object set. The
	// caller may then reuse or recycle the objects' memory (and whatever
	// their strings and slices point to) as soon as Add returns. False,
	// the default, keeps the pointers until the Result, which hands them
	// back.
	ForgetObjects bool
}

// Batcher packs /users/track objects of many users into full requests and
// sends them through a Client, reporting a Result for every object.
//
// Guarantees:
//   - Every object added ends with exactly one Result: delivered, refused by
//     Braze (RejectedError), failed after the client's retries (APIError or
//     transport error), or cut off by Close's deadline (wraps ErrClosed).
//     An invalid object is never added: Add validates and encodes every
//     object and refuses a call holding one (ItemErrors), so objects
//     submitted = Add's refusals + delivered + failed Results.
//   - One user's objects (same Identifier.Key) reach Braze in the order
//     they were added. Inside one request Braze applies every attributes
//     object, then every event, then every purchase, so a user's objects
//     share a request only while their kinds do not go backwards in that
//     order: an event followed by an attributes object of the same user
//     travel in two requests. And a user never has two requests in flight,
//     so a retried request cannot be overtaken by a later one. Objects
//     naming one Braze profile by different identifiers (an alias and an
//     external id) are different users here; order them with FlushUser.
//   - Memory is bounded by MaxQueuedObjects: the queue holds each object's
//     JSON and, unless ForgetObjects is set, the pointer handed back in its
//     Result. The JSON of one Add call is one allocation, freed once none
//     of its objects is queued or held in a Result.
//   - No request exceeds the client's body cap (Limits.MaxBodyBytes): a
//     request is full at 75 objects (Limits) or when the next object's
//     JSON would not fit, and a full request is sent at once (when a
//     request slot is free), without waiting for FlushInterval. While
//     Adds wait for room (the queue is at MaxQueuedObjects), partly filled
//     requests go out at once too: no more input can arrive until
//     something is sent.
//
// Create one with [NewBatcher]; the zero Batcher is not usable. A Batcher
// is safe for concurrent use. Its queue is guarded by a mutex:
// Add, Flush, FlushUser, Close and the senders' completions each take it
// for a short, non-blocking update and do their waiting outside it
// (batcher_loop.go). MaxConcurrentRequests sender goroutines, started with
// the Batcher and stopped by Close, send the requests it packs; with a
// FlushInterval one more goroutine runs the flush timer, asleep while no
// timer is armed.
type Batcher struct {
	client   *Client
	limits   Limits // the client's: what Add validates objects against
	capacity capacity
	interval time.Duration
	maxConc  int
	maxHeld  int
	policy   QueueFullPolicy
	onResult func(Result)
	maxFails int
	log      *slog.Logger
	// forget is BatchOptions.ForgetObjects.
	forget bool

	// mu guards l: whoever holds it is the queue's owner. Nothing done
	// under it blocks (see loop.settle) and none of the caller's code runs
	// under it: not OnResult, the logger or the clock, nor the methods of a
	// caller's context (a withdrawal reads ctx.Err after letting go).
	mu sync.Mutex
	l  *loop
	// beforeAdmit, when set (by tests only, before any Add), runs between
	// an Add's encoding and its taking the lock: the window in which a
	// Close may overtake it.
	beforeAdmit func()
	// sendCh hands packed requests to the sender goroutines. It holds
	// maxConc requests and requests are dispatched only while fewer than
	// maxConc are in flight, so a send under the lock never waits; it is
	// closed when the batcher has finished closing.
	sendCh chan *packed
	// armCh wakes the timer goroutine when the flush timer is armed; it
	// holds one signal and is sent to without blocking (batcher_loop.go).
	armCh   chan struct{}
	stopped chan struct{} // closed when the batcher has finished closing

	sendCtx    context.Context // parent of every request; cancelled by an aborted Close
	cancelSend context.CancelFunc
	// workers counts the senders and the timer goroutine; Close waits for
	// them.
	workers sync.WaitGroup
	// indexes holds *requestIndex values for reuse by the senders.
	indexes sync.Pool
	// adds holds *addRequest values (with their items, keys and reply
	// channel) for reuse by Add, which returns its own once the request
	// is queued, refused or answered: the queue keeps none of them.
	adds sync.Pool
	// coders holds *itemEncoder values; Add returns its own before taking
	// the lock, so they stay with the callers' goroutines.
	coders sync.Pool
	// slabs, when not nil (no OnResult), holds the JSON slabs of Adds
	// whose objects were all delivered, for later Adds (batcher_slab.go).
	slabs *slabPools

	stats batchCounters
}

// NewBatcher returns a running Batcher that sends through c. Close it to
// deliver what is queued and stop its goroutines.
func NewBatcher(c *Client, opts BatchOptions) (*Batcher, error) {
	if c == nil {
		return nil, errors.New("braze: NewBatcher: client is nil")
	}
	lim := opts.Limits
	if lim == (Limits{}) {
		lim = clientLimits(c)
	}
	lim = lim.normalized()
	b := &Batcher{
		client: c,
		limits: clientLimits(c),
		// Every request the client sends must fit its body cap.
		capacity: capacity{max: lim.MaxObjects, combined: !lim.PerArray, maxBytes: clientLimits(c).MaxBodyBytes},
		interval: opts.FlushInterval,
		maxConc:  opts.MaxConcurrentRequests,
		maxHeld:  opts.MaxQueuedObjects,
		policy:   opts.QueueFull,
		onResult: opts.OnResult,
		maxFails: opts.MaxReportedFailures,
		log:      opts.Logger,
		forget:   opts.ForgetObjects,
	}
	if b.onResult == nil {
		// Nothing can see a delivered object's JSON: its slab can serve
		// again.
		b.slabs = new(slabPools)
	}
	switch {
	case b.interval == 0:
		b.interval = DefaultFlushInterval
	case b.interval < 0:
		b.interval = 0
	}
	if b.maxConc == 0 {
		b.maxConc = DefaultMaxConcurrentRequests
	}
	if b.maxConc < 0 {
		return nil, fmt.Errorf("braze: BatchOptions.MaxConcurrentRequests: %d is negative", b.maxConc)
	}
	if b.maxHeld == 0 {
		b.maxHeld = DefaultMaxQueuedObjects
	}
	if b.maxHeld < 0 {
		return nil, fmt.Errorf("braze: BatchOptions.MaxQueuedObjects: %d is negative", b.maxHeld)
	}
	if b.policy > QueueFullError {
		return nil, fmt.Errorf("braze: BatchOptions.QueueFull: unknown policy %d", b.policy)
	}
	if b.maxFails == 0 {
		b.maxFails = DefaultMaxReportedFailures
	}
	if b.maxFails < 0 {
		return nil, fmt.Errorf("braze: BatchOptions.MaxReportedFailures: %d is negative", b.maxFails)
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.l = &loop{b: b, q: newQueue()}
	b.sendCh = make(chan *packed, b.maxConc)
	b.stopped = make(chan struct{})
	b.sendCtx, b.cancelSend = context.WithCancel(context.Background())
	// Long-lived senders rather than a goroutine per request: a request's
	// encoding needs a stack of some size, which a fresh goroutine would
	// grow again for every request.
	b.workers.Add(b.maxConc)
	for range b.maxConc {
		go b.sender()
	}
	if b.interval > 0 {
		b.armCh = make(chan struct{}, 1)
		b.workers.Add(1)
		go b.timer()
	}
	return b, nil
}

// addRequest is one Add call's items, ready to be queued. Add queues it at
// once when there is room; otherwise it is parked, and answered exactly
// once on reply, while its caller waits.
type addRequest struct {
	// items are the caller's items, or with ForgetObjects copies holding
	// only their Refs (in own). The queue copies what it keeps, and a
	// parked request's caller is still inside Add, so the caller's slice
	// is not retained past the call.
	items []Item
	own   []Item
	kinds []ObjectKind
	// keys names the users of the items, one per run of consecutive items
	// of the same user: the items of run i end at ends[i]. A call's items
	// are usually one user's, so the queue looks that user up once.
	keys  []userKey
	ends  []int
	encs  [][]byte // each item's JSON
	slab  *encSlab // the pooled slab encs are cut from, if any
	reply chan error
}

// Add validates and encodes items and queues them for delivery. The items of
// one call are queued together or not at all. Each item's user is its
// object's Identifier (see Identifier.Key); one user's objects are
// delivered in the order they were added.
//
// Every object is validated against Braze's rules (the client's Limits) and
// encoded to JSON here, on the caller's goroutine; the queue holds the JSON
// and a send only puts objects side by side. So an invalid object is known
// at once: when any item does not carry exactly one object, breaks Braze's
// rules, cannot be encoded, or is too large to fit a request on its own,
// Add queues nothing of the call and returns ItemErrors, one *ItemError per
// such item naming its index and each problem (field and value). Fix or
// drop those items and add the rest again: the call had no effect.
// Results therefore never report a ValidationErrors.
//
// When the queue is full Add waits (QueueFullBlock, honouring ctx) or
// returns ErrQueueFull (QueueFullError). A call with more items than
// MaxQueuedObjects fails with ErrQueueFull under either policy. After Close
// Add returns ErrClosed.
//
// Add copies the items: the slice may be reused once Add returns. What is
// sent is the objects as they were during Add; the batcher does not read
// them again, but keeps the pointers to hand them back in Results, unless
// BatchOptions.ForgetObjects is set: then it keeps none, and the objects'
// memory is the caller's again once Add returns.
//
// An Add that returned nil is counted in the next report of Flush or Close
// made after it returned, and its objects are ordered before the objects of
// any later Add of the same goroutine.
func (b *Batcher) Add(ctx context.Context, items ...Item) error {
	if len(items) == 0 {
		return nil
	}
	coder, _ := b.coders.Get().(*itemEncoder)
	if coder == nil {
		coder = new(itemEncoder)
	}
	if err := coder.encode(items, b.limits); err != nil {
		b.putCoder(coder)
		return err
	}
	r, _ := b.adds.Get().(*addRequest)
	if r == nil {
		r = &addRequest{reply: make(chan error, 1)}
	}
	// The JSON of the call's objects, in a slab of its own: a pooled one
	// when no OnResult can see it, else an allocation never written again,
	// so the queue and the Results share it.
	var owner *encSlab
	if b.slabs != nil {
		owner = b.slabs.fill(coder.buf, len(items))
	}
	var slab []byte
	if owner != nil {
		slab = owner.buf
	} else {
		slab = coder.take()
	}
	keys, ends := r.keys[:0], r.ends[:0]
	encs := slices.Grow(r.encs[:0], len(items))[:len(items)]
	kinds := slices.Grow(r.kinds[:0], len(items))[:len(items)]
	kept := items
	if b.forget {
		kept = slices.Grow(r.own[:0], len(items))[:len(items)]
		r.own = kept
	}
	start := 0
	for i := range items {
		end := coder.ends[i]
		encs[i] = slab[start:end:end]
		start = end
		it := &items[i]
		kinds[i] = coder.kinds[i]
		if key := keyOf(it.identifier(kinds[i])); len(keys) == 0 || !key.same(keys[len(keys)-1]) {
			if len(keys) > 0 {
				ends = append(ends, i)
			}
			keys = append(keys, key)
		}
		if b.forget {
			kept[i] = Item{Ref: it.Ref}
		}
	}
	ends = append(ends, len(items))
	b.putCoder(coder)
	r.items, r.kinds, r.keys, r.ends, r.encs, r.slab = kept, kinds, keys, ends, encs, owner
	if b.beforeAdmit != nil {
		b.beforeAdmit()
	}
	l := b.l
	b.mu.Lock()
	parked, err := l.admit(r)
	if err == nil {
		// A parked Add settles too: it forces out partly filled
		// requests (see forced).
		l.settle()
	}
	b.mu.Unlock()
	if parked {
		// Waiting for room, outside the lock. The queue answers r exactly
		// once: queued (nil), refused by Close (ErrClosed) or withdrawn.
		select {
		case err = <-r.reply:
		case <-ctx.Done():
			b.withdraw(r)
			// An answer that arrived before the withdrawal wins.
			if err = <-r.reply; err == errWithdrawn {
				err = ctx.Err()
			}
		}
	}
	// The queue holds no reference to r any more.
	b.putAdd(r)
	return err
}

// putAdd returns r to the pool without the caller's items, keys and
// objects' JSON, so that the pool keeps nothing of theirs alive.
func (b *Batcher) putAdd(r *addRequest) {
	clear(r.own)
	clear(r.keys)
	clear(r.encs)
	r.items = nil
	r.own, r.kinds, r.keys, r.ends, r.encs = r.own[:0], r.kinds[:0], r.keys[:0], r.ends[:0], r.encs[:0]
	b.adds.Put(r)
}

// putCoder returns c to the pool; Add's caller is done with its buffers.
// A buffer grown past maxPooledEncoding is left to the collector.
func (b *Batcher) putCoder(c *itemEncoder) {
	if cap(c.buf) > maxPooledEncoding {
		c.buf = nil
	}
	b.coders.Put(c)
}

// AddAttributes queues one attributes object; see Add.
func (b *Batcher) AddAttributes(ctx context.Context, a *Attributes) error {
	return b.Add(ctx, AttributesItem(a))
}

// AddEvent queues one event; see Add.
func (b *Batcher) AddEvent(ctx context.Context, e *Event) error {
	return b.Add(ctx, EventItem(e))
}

// AddPurchase queues one purchase; see Add.
func (b *Batcher) AddPurchase(ctx context.Context, p *Purchase) error {
	return b.Add(ctx, PurchaseItem(p))
}

// AddTrack queues every object of req for delivery with ref as each item's
// Ref, in Braze's processing order (attributes, events, purchases), which
// is the order Braze would have applied req in.
func (b *Batcher) AddTrack(ctx context.Context, req *TrackRequest, ref any) error {
	if req == nil {
		return nil
	}
	items := make([]Item, 0, len(req.Attributes)+len(req.Events)+len(req.Purchases))
	for i := range req.Attributes {
		items = append(items, Item{Attributes: &req.Attributes[i], Ref: ref})
	}
	for i := range req.Events {
		items = append(items, Item{Event: &req.Events[i], Ref: ref})
	}
	for i := range req.Purchases {
		items = append(items, Item{Purchase: &req.Purchases[i], Ref: ref})
	}
	return b.Add(ctx, items...)
}

// errWithdrawn answers a request whose caller stopped waiting.
var errWithdrawn = errors.New("braze: withdrawn")

// withdraw takes back the request r (a parked *addRequest, a
// *flushRequest or a *userFlushRequest) whose caller's context has ended:
// under the lock, r is answered errWithdrawn unless it was answered
// already, and what its leaving frees is started. The caller then reads
// r's one answer and, for errWithdrawn, returns its context's error.
func (b *Batcher) withdraw(r any) {
	b.mu.Lock()
	b.l.withdraw(r)
	b.l.settle()
	b.mu.Unlock()
}

// flushRequest is one Flush call waiting for its epoch to resolve. It
// holds no context: a withdrawal answers errWithdrawn and Flush reads its
// context's error after letting go of the lock, since a context's methods
// are the caller's code (see mu).
type flushRequest struct {
	epoch uint64
	reply chan flushReply
}

type flushReply struct {
	report FlushReport
	err    error
}

// Flush sends everything queued so far, partly filled requests included, and
// waits until every object added before the call has its Result. It returns
// the report of results completed since the previous report (another Flush
// or Close). If ctx ends first Flush returns its error and the objects stay
// queued; their results go to the next report.
func (b *Batcher) Flush(ctx context.Context) (FlushReport, error) {
	r := &flushRequest{reply: make(chan flushReply, 1)}
	l := b.l
	b.mu.Lock()
	if l.finished {
		b.mu.Unlock()
		return FlushReport{}, ErrClosed
	}
	l.flush(r)
	l.settle()
	b.mu.Unlock()
	select {
	case rep := <-r.reply:
		return rep.report, rep.err
	case <-ctx.Done():
	}
	b.withdraw(r)
	// An answer that arrived before the withdrawal wins, with the report it
	// took.
	rep := <-r.reply
	if rep.err == errWithdrawn {
		return FlushReport{}, ctx.Err()
	}
	return rep.report, rep.err
}

// userFlushRequest is one FlushUser call.
type userFlushRequest struct {
	key   userKey
	reply chan error
}

// FlushUser sends the queued objects of the user id names (see
// Identifier.Key) without waiting for full requests, and waits until every
// object of that user added before the call has its Result. It is the
// ordering barrier for work that must follow a user's tracked objects, such
// as merging an alias with /users/identify. It does not report the results
// (OnResult and Flush do).
func (b *Batcher) FlushUser(ctx context.Context, id Identifier) error {
	r := &userFlushRequest{key: keyOf(&id), reply: make(chan error, 1)}
	l := b.l
	b.mu.Lock()
	if l.finished {
		b.mu.Unlock()
		return ErrClosed
	}
	l.flushUser(r)
	l.settle()
	b.mu.Unlock()
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
	}
	b.withdraw(r)
	// An answer that arrived before the withdrawal wins.
	if err := <-r.reply; err != errWithdrawn {
		return err
	}
	return ctx.Err()
}

// closeRequest is the Close call.
type closeRequest struct {
	reply chan closeReply
}

type closeReply struct {
	report  FlushReport
	aborted []Result // cut off by the deadline; OnResult runs in Close's goroutine
}

// Close stops accepting objects (Add then returns ErrClosed), sends
// everything queued and waits for every result, like http.Server.Shutdown.
// If ctx ends first, requests in flight are cancelled and objects still
// waiting fail with an error wrapping ErrClosed and ctx's error; Close then
// returns ctx's error once the goroutines are gone. The report covers the
// results since the previous report. Closing a closed batcher returns
// ErrClosed.
func (b *Batcher) Close(ctx context.Context) (FlushReport, error) {
	r := &closeRequest{reply: make(chan closeReply, 1)}
	l := b.l
	b.mu.Lock()
	if l.closing != nil { // closed, or another Close is draining
		b.mu.Unlock()
		return FlushReport{}, ErrClosed
	}
	l.close(r)
	l.settle()
	b.mu.Unlock()
	var rep closeReply
	var err error
	select {
	case rep = <-r.reply:
	case <-ctx.Done():
		b.mu.Lock()
		// Drained just in time: the answer is in r.reply already.
		aborted := !l.finished
		if aborted {
			l.abort()
			l.settle()
		}
		b.mu.Unlock()
		// After the abort, the requests in flight end as soon as their
		// senders see the cancellation, and the last completion finishes
		// the close.
		rep = <-r.reply
		if aborted {
			err = ctx.Err()
		}
	}
	b.workers.Wait()
	b.cancelSend()
	if b.onResult != nil {
		for _, res := range rep.aborted {
			b.onResult(res)
		}
	}
	return rep.report, err
}
