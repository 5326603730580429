package braze

import (
	"slices"
	"strings"
)

// This file holds the queue that the Batcher's owner keeps: one
// FIFO per user, and a FIFO of users ready to be packed. Nothing here is
// safe for concurrent use; only the holder of the Batcher's lock touches it
// (batcher_loop.go).
//
// # The ordering rule
//
// Braze applies one /users/track request's arrays in a fixed order: every
// attributes object, then every event, then every purchase, whatever order
// the caller produced them in. So a user's objects may share a request only
// while their kinds do not decrease (attributes ≤ events ≤ purchases, in the
// order the caller added them). The queue packs, for each user, the longest
// prefix of the user's pending objects whose kinds never decrease (the
// user's "run"); the first object that would go backwards (say an attributes
// object added after an event of the same user) waits for a later request.
//
// Across requests, a later request must not overtake an earlier one: a
// request can be retried after a 5xx or 429 while a newer one succeeds. So a
// user has at most one request in flight; while it is, the user's newer
// objects wait and the user is not offered to the packer. Objects of
// different users are independent and are packed together freely.
//
// Consequence: each user's objects are resolved (delivered or failed) in the
// order they were added, which is what FlushUser relies on.

// userKey names the Braze profile an Identifier resolves to, as
// Identifier.Key does, but as a comparable value built without allocating:
// the batcher looks a user's queue up for every Add. Two identifiers have
// equal userKeys exactly when their Keys are equal.
type userKey struct {
	kind idKind
	// a is the identifier's value; for a user alias, the label.
	a string
	// b is the alias name (empty for the other kinds).
	b string
}

// idKind says which identifier a userKey holds, in Key's order of
// precedence.
type idKind uint8

const (
	idNone idKind = iota
	idExternalID
	idUserAlias
	idBrazeID
	idEmail
	idPhone
)

// same reports whether k and o are equal, as k == o does. Written out, it
// compiles inline (the kind first, then the strings' lengths before their
// bytes); == on the struct calls a generated equality function, which Add
// pays once per item.
func (k userKey) same(o userKey) bool { return k.kind == o.kind && k.a == o.a && k.b == o.b }

// keyOf returns the userKey of id: the primary identifier wins; without
// one, email wins over phone (see Identifier.Key).
func keyOf(id *Identifier) userKey {
	switch {
	case id.ExternalID != "":
		return userKey{kind: idExternalID, a: id.ExternalID}
	case id.UserAlias != nil:
		return userKey{kind: idUserAlias, a: id.UserAlias.AliasLabel, b: id.UserAlias.AliasName}
	case id.BrazeID != "":
		return userKey{kind: idBrazeID, a: id.BrazeID}
	case id.Email != "":
		return userKey{kind: idEmail, a: id.Email}
	case id.Phone != "":
		return userKey{kind: idPhone, a: id.Phone}
	}
	return userKey{}
}

// entry is one queued object.
type entry struct {
	// item is the caller's item; with ForgetObjects only its Ref.
	item  Item
	kind  ObjectKind
	epoch uint64 // the Flush generation the object was added in
	// enc is the object's JSON, validated and encoded by Add, never
	// written again: Results hand it out. The entries of one Add share
	// one allocation.
	enc []byte
	// slab is the pooled slab enc is cut from, nil when enc has an
	// allocation of its own (batcher_slab.go).
	slab *encSlab
}

// result is the entry's Result with err as its outcome.
func (e *entry) result(err error) Result {
	return Result{Item: e.item, Kind: e.kind, Object: e.enc, Err: err}
}

// userQueue is one user's pending objects and bookkeeping.
type userQueue struct {
	key     userKey
	pending []entry // pending[head:] are waiting, oldest first
	head    int
	// run is the length of the longest kind-nondecreasing prefix of the
	// waiting objects: what the packer may take for one request.
	run int
	// runBytes is what the run's objects add to a request body: their
	// JSON and a comma each.
	runBytes int
	inFlight bool
	// stored is true while the record is the one the queue's maps hold
	// for key: forget checks it instead of hashing the key again.
	stored bool
	// idle is true while the record is stored but holds nothing (see
	// queue.idleHead): it is on the idle list, linked by idlePrev/idleNext.
	idle               bool
	idlePrev, idleNext *userQueue

	// added and resolved count objects over the user's lifetime in the
	// queue; since a user's objects resolve in order, a FlushUser waiter
	// with target t is satisfied once resolved >= t.
	added, resolved uint64
	userWaiters     []userWaiter

	// ready list links (intrusive doubly linked list).
	prev, next *userQueue
	inReady    bool
}

// waiting returns the number of objects not yet packed.
func (u *userQueue) waiting() int { return len(u.pending) - u.head }

// size is what the entry adds to a request body: its JSON and a comma (or
// its array's closing bracket).
func (e *entry) size() int { return len(e.enc) + 1 }

// take removes the first k waiting objects (k <= run) and returns them
// appended to dst.
func (u *userQueue) take(dst []entry, k int) []entry {
	taken := u.pending[u.head : u.head+k]
	if k == u.run {
		u.runBytes = 0 // the whole run: nothing to subtract object by object
	} else {
		for i := range taken {
			u.runBytes -= taken[i].size()
		}
	}
	dst = append(dst, taken...)
	clear(u.pending[u.head : u.head+k]) // release the caller's objects
	u.head += k
	u.run -= k
	switch {
	case u.head == len(u.pending):
		u.pending, u.head = u.pending[:0], 0
	case u.head >= 64 && u.head*2 >= len(u.pending):
		n := copy(u.pending, u.pending[u.head:])
		clear(u.pending[n:])
		u.pending, u.head = u.pending[:n], 0
	}
	if u.run == 0 {
		u.run, u.runBytes = u.scanRun()
	}
	return dst
}

// scanRun measures the kind-nondecreasing prefix of the waiting objects,
// in objects and in body bytes. Each object is scanned once per run it
// heads, so the cost is amortised O(1) per object.
func (u *userQueue) scanRun() (n, bytes int) {
	w := u.pending[u.head:]
	if len(w) == 0 {
		return 0, 0
	}
	n, bytes = 1, w[0].size()
	for n < len(w) && w[n].kind >= w[n-1].kind {
		bytes += w[n].size()
		n++
	}
	return n, bytes
}

// drain removes every waiting object and returns them appended to dst.
func (u *userQueue) drain(dst []entry) []entry {
	dst = append(dst, u.pending[u.head:]...)
	clear(u.pending)
	u.pending, u.head, u.run, u.runBytes = u.pending[:0], 0, 0, 0
	return dst
}

// userWaiter is a FlushUser call waiting for the user's objects up to
// target to resolve.
type userWaiter struct {
	target uint64
	reply  chan error
}

// queue is the owner's view of everything waiting.
type queue struct {
	// byExternalID holds the users named by an external id, the usual
	// case: a string-keyed map hashes several times faster than one keyed
	// by userKey. users holds the others. Use lookup, store and remove.
	byExternalID map[string]*userQueue
	users        map[userKey]*userQueue
	// ready lists users with waiting objects and no request in flight,
	// oldest first; readyCount is the sum of their runs, the number of
	// objects the packer could send right now.
	readyHead, readyTail *userQueue
	readyCount           int
	// readyBytes is the sum of the ready users' runBytes: what a request
	// carrying every ready object would add to its body.
	readyBytes int
	// held counts objects added and not yet resolved (waiting or in
	// flight), the number bounded by MaxQueuedObjects.
	held int
	// idleHead..idleTail lists, oldest first, the records forget found
	// with nothing held or awaited. They stay in the maps, so a user who
	// comes back soon (the usual pattern: a user's batches arrive close
	// together) finds its record without a map delete and insert; past
	// maxIdle (maxIdleUsers; tests lower it) the oldest is removed from
	// the maps. idleCount is the list's length.
	idleHead, idleTail *userQueue
	idleCount, maxIdle int
	// free keeps a few removed user records for reuse, with their
	// buffers: users come and go all the time under load.
	free []*userQueue
	// spare keeps completed requests for reuse, with their slices: one
	// request's worth of allocations per request otherwise.
	spare []*packed
}

// maxIdleUsers bounds the idle records kept in the maps, and with it the
// maps' size beyond the users holding something.
const maxIdleUsers = 1024

// maxKeptEntries bounds the buffer (in entries) an idle or free record
// keeps for reuse: 10 KB, room for the objects of most users (under load
// about 2% of the users going idle have needed more).
const maxKeptEntries = 128

// maxFreeUsers bounds the removed records kept for reuse. A burst of
// completions evicts many idle records at once, and the new users that
// follow take them back.
const maxFreeUsers = 1024

// maxSparePacked bounds the completed requests kept for reuse; more than
// are in flight at once is never needed.
const maxSparePacked = 16

func newQueue() *queue {
	return &queue{byExternalID: make(map[string]*userQueue), users: make(map[userKey]*userQueue), maxIdle: maxIdleUsers}
}

// lookup returns the user's record, nil when there is none.
func (q *queue) lookup(key userKey) *userQueue {
	if key.kind == idExternalID {
		return q.byExternalID[key.a]
	}
	return q.users[key]
}

func (q *queue) store(u *userQueue) {
	u.stored = true
	if u.key.kind == idExternalID {
		q.byExternalID[u.key.a] = u
	} else {
		q.users[u.key] = u
	}
}

func (q *queue) remove(u *userQueue) {
	u.stored = false
	if u.key.kind == idExternalID {
		delete(q.byExternalID, u.key.a)
	} else {
		delete(q.users, u.key)
	}
}

// each calls f for every user record, in no particular order.
func (q *queue) each(f func(*userQueue)) {
	for _, u := range q.byExternalID {
		f(u)
	}
	for _, u := range q.users {
		f(u)
	}
}

// user returns the user's record, creating it when there is none.
func (q *queue) user(key userKey) *userQueue {
	u := q.lookup(key)
	if u != nil {
		if u.idle {
			q.unidle(u)
		}
		return u
	}
	// The record and the map keep their own copy of the key's text: the
	// caller's strings may point into a much larger buffer (a decoded
	// batch's text), which an idle record would otherwise keep alive.
	key.a, key.b = strings.Clone(key.a), strings.Clone(key.b)
	if n := len(q.free); n > 0 {
		u, q.free = q.free[n-1], q.free[:n-1]
		u.key = key
	} else {
		u = &userQueue{key: key}
	}
	q.store(u)
	return u
}

// addAll appends, in order, one object per item to the queue of u (from
// q.user): Add's JSON encs[i] and kind kinds[i], in the Flush generation
// epoch. It does what adding the objects one at a time would (the model
// queue.add in batcher_queue_test.go, which TestQueueAddAllMatchesAdd
// compares it with), with the entries built in place and the user's lists
// and counts updated once.
func (q *queue) addAll(u *userQueue, items []Item, kinds []ObjectKind, encs [][]byte, slab *encSlab, epoch uint64) {
	n := len(items)
	start := len(u.pending)
	// The run grows while it covers every waiting object and the kinds do
	// not decrease.
	extending := u.run == start-u.head
	grewN, grewBytes := 0, 0
	u.pending = slices.Grow(u.pending, n)[:start+n]
	for i := range n {
		e := &u.pending[start+i]
		e.item, e.kind, e.epoch, e.enc, e.slab = items[i], kinds[i], epoch, encs[i], slab
		if extending && (u.run == 0 || e.kind >= u.pending[start+i-1].kind) {
			size := e.size()
			u.run++
			u.runBytes += size
			grewN++
			grewBytes += size
		} else {
			extending = false
		}
	}
	u.added += uint64(n)
	q.held += n
	switch {
	case u.inFlight:
	case !u.inReady:
		q.pushReady(u)
	default:
		q.readyCount += grewN
		q.readyBytes += grewBytes
	}
}

func (q *queue) pushReady(u *userQueue) {
	u.inReady = true
	u.prev, u.next = q.readyTail, nil
	if q.readyTail != nil {
		q.readyTail.next = u
	} else {
		q.readyHead = u
	}
	q.readyTail = u
	q.readyCount += u.run
	q.readyBytes += u.runBytes
}

func (q *queue) removeReady(u *userQueue) {
	if u.prev != nil {
		u.prev.next = u.next
	} else {
		q.readyHead = u.next
	}
	if u.next != nil {
		u.next.prev = u.prev
	} else {
		q.readyTail = u.prev
	}
	u.prev, u.next, u.inReady = nil, nil, false
	q.readyCount -= u.run
	q.readyBytes -= u.runBytes
}

// packed is one request's worth of objects: entries in packing order
// (grouped by user, each user's objects in the order they were added) and
// the users that now have this request in flight.
type packed struct {
	entries []entry
	users   []*userQueue
	counts  []int // objects per user, parallel to users
	// errs is filled by the sender: each entry's outcome, nil = delivered.
	errs []error
	// failed, set by the sender, counts the non-nil errs.
	failed int
}

// capacity describes how many objects one request may carry.
type capacity struct {
	max      int  // per request (combined) or per array
	combined bool // one cap across the three arrays
	// maxBytes caps the encoded body (0: no cap). Add refuses an object
	// too large to be sent alone, so the first object always fits.
	maxBytes int
}

// total is the most objects a request can carry.
func (c capacity) total() int {
	if c.combined {
		return c.max
	}
	return 3 * c.max
}

// full reports whether the ready objects make a full request: as many as a
// request can carry, or more bytes than its body may hold (then the packer
// stops at the first object that does not fit, so the request cannot take
// the next queued object).
func (q *queue) full(c capacity) bool {
	return q.readyCount >= c.total() || c.maxBytes > 0 && maxBodyOverhead+q.readyBytes > c.maxBytes
}

// pack takes objects from ready users, oldest first, until the request is
// full or the ready list is exhausted. Every user it takes from leaves the
// ready list and is marked in flight.
func (q *queue) pack(c capacity) *packed {
	var p *packed
	if n := len(q.spare); n > 0 {
		p, q.spare = q.spare[n-1], q.spare[:n-1]
	} else {
		p = &packed{entries: make([]entry, 0, min(c.total(), q.readyCount))}
	}
	var perKind [4]int
	total, skipped := 0, 0
	size, full := maxBodyOverhead, false // an upper bound of the body's size
	for u := q.readyHead; u != nil && total < c.total() && !full; {
		next := u.next
		k := 0
		if c.combined && total+u.run <= c.total() && (c.maxBytes == 0 || size+u.runBytes <= c.maxBytes) {
			// The whole run fits: runBytes already sums what the loop below
			// would add object by object, and one cap covers every kind, so
			// the objects (cold by now in a deep queue) need not be read.
			k = u.run
			size += u.runBytes
			total += k
		}
		w := u.pending[u.head:]
		for k < u.run && total < c.total() {
			e := &w[k]
			if c.maxBytes > 0 && size+len(e.enc)+1 > c.maxBytes {
				full = true // by bytes; the user's later objects wait behind this one
				break
			}
			if !c.combined && perKind[e.kind] >= c.max {
				break // that array is full; the user's later objects must wait behind this one
			}
			perKind[e.kind]++
			size += len(e.enc) + 1
			total++
			k++
		}
		if k == 0 {
			if full {
				break
			}
			// Per-array mode only: this user's next object's array is
			// full. Look a little further for users whose next object fits,
			// but not through the whole list.
			if skipped++; skipped > 4*c.max {
				break
			}
			u = next
			continue
		}
		q.removeReady(u)
		p.entries = u.take(p.entries, k)
		u.inFlight = true
		p.users = append(p.users, u)
		p.counts = append(p.counts, k)
		u = next
	}
	return p
}

// complete marks the request's users as no longer in flight, counts their
// objects resolved and puts users with waiting objects back on the ready
// list. It returns users whose FlushUser waiters may now be satisfied.
func (q *queue) complete(p *packed) {
	for i, u := range p.users {
		u.inFlight = false
		u.resolved += uint64(p.counts[i])
		q.held -= p.counts[i]
		if u.waiting() > 0 {
			q.pushReady(u)
		}
	}
}

// recycle keeps p, whose request is complete and whose results have been
// recorded, for a later pack. It keeps none of the caller's objects.
func (q *queue) recycle(p *packed) {
	if len(q.spare) >= maxSparePacked {
		return
	}
	clear(p.entries)
	clear(p.users)
	clear(p.errs)
	p.entries, p.users, p.counts, p.errs = p.entries[:0], p.users[:0], p.counts[:0], p.errs[:0]
	p.failed = 0
	q.spare = append(q.spare, p)
}

// forget marks the user's record idle once nothing of it is held or
// awaited, and removes the oldest idle records beyond maxIdleUsers, so the
// maps do not grow with every user ever seen. A buffer that grew past
// maxKeptEntries is let go, so that the idle and free records together
// hold at most (maxIdleUsers+maxFreeUsers)·maxKeptEntries entries' worth
// of buffers however users come and go. An idle record keeps its
// counts (added == resolved), so FlushUser and withdrawals see it as a
// user with nothing pending, as they would see no record at all.
func (q *queue) forget(u *userQueue) {
	if !u.stored || u.idle || u.inFlight || u.waiting() > 0 || len(u.userWaiters) > 0 {
		return
	}
	if cap(u.pending) > maxKeptEntries {
		u.pending = nil // its entries were cleared when taken
	}
	u.idle = true
	u.idlePrev, u.idleNext = q.idleTail, nil
	if q.idleTail != nil {
		q.idleTail.idleNext = u
	} else {
		q.idleHead = u
	}
	q.idleTail = u
	q.idleCount++
	if q.idleCount > q.maxIdle {
		old := q.idleHead
		q.unidle(old)
		q.remove(old)
		if len(q.free) < maxFreeUsers {
			*old = userQueue{pending: old.pending[:0], userWaiters: old.userWaiters[:0]}
			q.free = append(q.free, old)
		}
	}
}

// unidle takes u, idle, off the idle list; it stays stored.
func (q *queue) unidle(u *userQueue) {
	if u.idlePrev != nil {
		u.idlePrev.idleNext = u.idleNext
	} else {
		q.idleHead = u.idleNext
	}
	if u.idleNext != nil {
		u.idleNext.idlePrev = u.idlePrev
	} else {
		q.idleTail = u.idlePrev
	}
	u.idlePrev, u.idleNext, u.idle = nil, nil, false
	q.idleCount--
}

// drainAll removes every waiting object of every user (Close's deadline).
// Users with a request in flight keep that request.
func (q *queue) drainAll() []entry {
	var out []entry
	for u := q.readyHead; u != nil; {
		next := u.next
		q.removeReady(u)
		u = next
	}
	q.each(func(u *userQueue) {
		n := u.waiting()
		out = u.drain(out)
		u.resolved += uint64(n)
		q.held -= n
	})
	return out
}
