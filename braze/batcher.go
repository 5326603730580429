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
	// once) or, for objects cut off by Close's deadline, from Close's
	// caller; it runs before Flush reports the object, must be safe for
	// concurrent use and should return quickly. It must not call Add with
	// QueueFullBlock: that can wait for room only OnResult's return frees.
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
//     request slot is free), without waiting for FlushInterval.
//
// A Batcher is safe for concurrent use. One goroutine owns the queue; Add,
// Flush, FlushUser and Close talk to it over one FIFO channel, and an Add
// that finds room does not wait for its answer (batcher_admit.go).
// MaxConcurrentRequests
// sender goroutines, started with the Batcher and stopped by Close, send
// the requests it packs.
type Batcher struct {
	client   *Client
	limits   Limits // the client's: what Add validates objects against
	capacity capacity
	interval time.Duration
	maxConc  int
	maxHeld  int
	// fastHeld is how many objects may be held for an Add to skip the
	// round trip (batcher_admit.go).
	fastHeld int
	policy   QueueFullPolicy
	onResult func(Result)
	maxFails int
	log      *slog.Logger
	// forget is BatchOptions.ForgetObjects.
	forget bool

	// reqCh carries every request to the owner, in the order they were
	// made: *addRequest, *flushRequest, *userFlushRequest, *closeRequest,
	// withdrawal and abortRequest. It is buffered, so a request made after
	// the owner has returned may sit in it unread: whoever waits for an
	// answer also watches stopped.
	reqCh chan any
	// doneCh returns finished requests; it holds maxConc of them, so a
	// sender never waits for the owner.
	doneCh chan completion
	// admit counts the objects held or admitted and says whether Add may
	// skip the round trip (batcher_admit.go).
	admit admission
	// afterAdmit, when set (by tests only, before any Add), runs between
	// an Add's reservation and its hand-over to the owner: the window in
	// which Close must wait for the request in transit.
	afterAdmit func()
	// sendCh hands packed requests to the sender goroutines. It holds
	// maxConc requests, so the owner never waits on it (it dispatches only
	// while fewer than maxConc requests are in flight), and the owner
	// closes it as it returns.
	sendCh  chan *packed
	stopped chan struct{} // closed when the owner goroutine has returned

	sendCtx    context.Context // parent of every request; cancelled by an aborted Close
	cancelSend context.CancelFunc
	senders    sync.WaitGroup
	// indexes holds *requestIndex values for reuse by the senders.
	indexes sync.Pool
	// adds holds *addRequest values (with their reply channel, items and
	// keys) for reuse by Add: a round-trip request returns to the pool
	// once answered (the owner no longer looks at it), an admitted one
	// once the owner has queued it.
	adds sync.Pool
	// coders holds *itemEncoder values; Add returns its own before handing
	// the request over, so they stay with the callers' goroutines.
	coders sync.Pool

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
	b.fastHeld = min(b.maxHeld, fastWindow*b.maxConc*b.capacity.total())
	b.reqCh = make(chan any, requestBuffer)
	b.doneCh = make(chan completion, b.maxConc)
	b.sendCh = make(chan *packed, b.maxConc)
	b.stopped = make(chan struct{})
	b.sendCtx, b.cancelSend = context.WithCancel(context.Background())
	// Long-lived senders rather than a goroutine per request: a request's
	// encoding needs a stack of some size, which a fresh goroutine would
	// grow again for every request.
	b.senders.Add(b.maxConc)
	for range b.maxConc {
		go b.sender()
	}
	go b.run()
	return b, nil
}

// requestBuffer is how many requests may wait for the owner: enough that
// callers rarely wait for it to come round, small enough to cost little.
const requestBuffer = 1024

// addRequest is one Add call handed to the owner. An admitted request
// (room reserved by its caller, who has returned) gets no answer; any other
// gets exactly one value on reply.
type addRequest struct {
	// items are the caller's items, copied: an admitted request outlives
	// its Add call. With ForgetObjects only their Refs are kept.
	items []Item
	kinds []ObjectKind
	// keys names the users of the items, one per run of consecutive items
	// of the same user: the items of run i end at ends[i]. A call's items
	// are usually one user's, so the owner looks that user up once.
	keys     []userKey
	ends     []int
	encs     [][]byte // each item's JSON
	admitted bool
	reply    chan error
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
	// The JSON of the call's objects, in one allocation of its own that is
	// never written again, so the queue and the Results share it.
	slab := coder.take()
	keys, ends := r.keys[:0], r.ends[:0]
	encs := slices.Grow(r.encs[:0], len(items))[:len(items)]
	kinds := slices.Grow(r.kinds[:0], len(items))[:len(items)]
	kept := slices.Grow(r.items[:0], len(items))[:len(items)]
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
		} else {
			kept[i] = *it
		}
	}
	ends = append(ends, len(items))
	b.putCoder(coder)
	r.items, r.kinds, r.keys, r.ends, r.encs = kept, kinds, keys, ends, encs
	if b.admit.tryReserve(len(items), b.fastHeld, admitClosing|admitParked) {
		// Room is reserved, so the owner will queue r whatever else
		// happens; the caller need not wait for it. The send waits only
		// while the channel is full, which the owner drains without
		// blocking; it cannot find the owner gone, since the owner does
		// not return while room is reserved. The owner puts r back in the
		// pool.
		r.admitted = true
		b.stats.added.Add(uint64(len(items)))
		if b.afterAdmit != nil {
			b.afterAdmit()
		}
		b.reqCh <- r
		return nil
	}
	r.admitted = false
	err := roundTrip(ctx, b, r, r.reply)
	// roundTrip returns after the request's one answer, or without the
	// owner having seen it: the owner holds no reference to r any more.
	b.putAdd(r)
	return err
}

// putAdd returns r to the pool without the caller's items, keys and
// objects' JSON, so that the pool keeps nothing of theirs alive.
func (b *Batcher) putAdd(r *addRequest) {
	clear(r.items)
	clear(r.keys)
	clear(r.encs)
	r.items, r.kinds, r.keys, r.ends, r.encs = r.items[:0], r.kinds[:0], r.keys[:0], r.ends[:0], r.encs[:0]
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

// submit puts r on the owner's channel. It fails with ErrClosed when the
// owner has returned, or with ctx's error.
func (b *Batcher) submit(ctx context.Context, r any) error {
	select {
	case <-b.stopped:
		return ErrClosed
	default:
	}
	// The channel nearly always has room: a plain non-blocking send costs
	// a fraction of the three-way select below, which is only needed to
	// wait.
	select {
	case b.reqCh <- r:
		return nil
	default:
	}
	select {
	case b.reqCh <- r:
		return nil
	case <-b.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// await waits for the answer on reply to a request put on the owner's
// channel. ok is false when the owner returned without having read the
// request (it answers every request it reads before it returns).
func await[T any](b *Batcher, reply <-chan T) (v T, ok bool) {
	select {
	case v = <-reply:
		return v, true
	case <-b.stopped:
		select {
		case v = <-reply:
			return v, true
		default:
			return v, false
		}
	}
}

// roundTrip hands r to the owner goroutine and waits for its answer on
// reply. When ctx ends first the request is withdrawn; the owner answers
// every request exactly once (nil if it was served before the withdrawal
// arrived), so that answer still wins over ctx's error.
func roundTrip(ctx context.Context, b *Batcher, r any, reply <-chan error) error {
	if err := b.submit(ctx, r); err != nil {
		return err
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		b.withdraw(r)
		err, ok := await(b, reply)
		switch {
		case !ok:
			return ErrClosed
		case err != errWithdrawn:
			return err
		}
		return ctx.Err()
	case <-b.stopped:
		if err, ok := await(b, reply); ok {
			return err
		}
		return ErrClosed
	}
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

// withdrawal tells the owner that the caller behind r stopped waiting.
type withdrawal struct{ r any }

// abortRequest is Close's deadline passing.
type abortRequest struct{}

// withdraw tells the owner that the caller behind r stopped waiting. The
// owner answers r (with the context's error if r was still parked).
func (b *Batcher) withdraw(r any) {
	select {
	case b.reqCh <- withdrawal{r}:
	case <-b.stopped:
	}
}

// flushRequest is one Flush call waiting for its epoch to resolve.
type flushRequest struct {
	epoch uint64
	ctx   context.Context
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
	r := &flushRequest{ctx: ctx, reply: make(chan flushReply, 1)}
	if err := b.submit(ctx, r); err != nil {
		return FlushReport{}, err
	}
	select {
	case rep := <-r.reply:
		return rep.report, rep.err
	case <-ctx.Done():
		b.withdraw(r)
	case <-b.stopped:
	}
	if rep, ok := await(b, r.reply); ok {
		return rep.report, rep.err
	}
	return FlushReport{}, ErrClosed
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
	return roundTrip(ctx, b, r, r.reply)
}

// closeRequest is the Close call.
type closeRequest struct {
	reply chan closeReply
}

type closeReply struct {
	report  FlushReport
	aborted []Result // cut off by the deadline; OnResult runs in Close's goroutine
	err     error
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
	if err := b.submit(context.Background(), r); err != nil {
		return FlushReport{}, err
	}
	var rep closeReply
	select {
	case rep = <-r.reply:
		if rep.err == ErrClosed { // another Close is draining
			return FlushReport{}, ErrClosed
		}
	case <-b.stopped:
		got, ok := await(b, r.reply)
		if !ok || got.err == ErrClosed { // another Close finished first
			return FlushReport{}, ErrClosed
		}
		rep = got
	case <-ctx.Done():
		select {
		case rep = <-r.reply: // drained just in time
		default:
			select {
			case b.reqCh <- abortRequest{}:
			case <-b.stopped:
			}
			got, ok := await(b, r.reply)
			if !ok { // another Close finished before the owner read r
				return FlushReport{}, ErrClosed
			}
			rep = got
			if rep.err == nil {
				rep.err = ctx.Err()
			}
		}
	}
	<-b.stopped
	b.senders.Wait()
	b.cancelSend()
	if b.onResult != nil {
		for _, res := range rep.aborted {
			b.onResult(res)
		}
	}
	return rep.report, rep.err
}
