package mapping

import (
	"strconv"
	"sync/atomic"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// MapInto translates one mParticle batch into *r, as Map does, reusing the
// memory r holds from an earlier Map or MapInto call: the Attributes,
// Events, Purchases and Diagnostics slices, the objects' property lists
// (Event.Properties, Purchase.Properties, Attributes.Custom) and their
// spare room. In steady state (batches of about the same shape mapped
// into the same Result) it allocates next to nothing: only composite
// values (lists, flattened or nested objects), a batch with many more
// objects of a kind than the one before it (a result keeps limited spare
// room), a new MPID, and alias-mode pointers still take memory.
//
// *r afterwards is deep-equal (reflect.DeepEqual) to what Map(b) returns.
//
// r works like a buffer: everything reachable from it before the call is
// overwritten (objects, property lists, diagnostics), so the caller must
// not keep or hand on anything of the old result — no object, no
// Properties list, no Diagnostics slice, nor a copy of r sharing its
// slices — once it calls MapInto again with r (hand objects to a
// braze.Batcher only in a way that encodes them before that, or copy
// them). Two Results must not share memory: pass a zero Result, or one
// only MapInto or Map ever filled. A nil r does nothing.
//
// As with Map, the result may share memory with the batch: strings
// (names, keys, values, identities) and the []string of list values are
// the batch's own, so the batch must stay unchanged while the result is
// used. Values that the mapper builds (braze.Strings, nested objects)
// are copies, as braze's constructors make them.
//
// MapInto is safe for concurrent use on one Mapper, each goroutine with
// its own Result.
func (m *Mapper) MapInto(r *Result, b *mparticle.Batch) {
	if r == nil {
		return
	}
	st := m.getState(b)
	st.reuse = true
	st.recycle(r)
	if b == nil {
		st.res.Skipped = true
		st.diag(UserSkipped, "", "nil batch", "")
	} else {
		st.run()
	}
	st.parkEmpty()
	st.trimRoom()
	*r = st.res
	m.putState(st)
}

// Most spare room (entries past the end) a result array keeps when MapInto
// hands it out, beyond as many entries as it holds: about 2 KB of each
// kind of object. Every MapInto clears the whole room of the arrays it
// recycles (a caller may have cut a slice short without clearing what it
// dropped), so an array that one big batch grew made every later batch
// clear all of it: the attributes array, of 672-byte objects, cost more
// to clear than any other part of recycling.
const (
	spareAttrs     = 3
	spareEvents    = 12
	sparePurchases = 10
	spareDiags     = 20
)

// trimRoom caps the room of the result's arrays and of the arrays parked
// for later calls (see spareAttrs).
func (st *mapState) trimRoom() {
	free := &st.sc.free
	st.res.Attributes = trimRoom(st.res.Attributes, spareAttrs)
	st.res.Events = trimRoom(st.res.Events, spareEvents)
	st.res.Purchases = trimRoom(st.res.Purchases, sparePurchases)
	st.res.Diagnostics = trimRoom(st.res.Diagnostics, spareDiags)
	free.attrs = trimRoom(free.attrs, spareAttrs)
	free.events = trimRoom(free.events, spareEvents)
	free.purchases = trimRoom(free.purchases, sparePurchases)
	free.diags = trimRoom(free.diags, spareDiags)
}

// trimRoom cuts the capacity of s to len(s) plus the larger of len(s) and
// spare. The room it cuts off is zero (as all room past the end of a
// result array is: make and append leave it so, and what shortens an
// array clears what it drops), so nothing of any batch stays reachable
// from it, and no slice reaches it again: it is never written to, and
// never needs clearing. A later batch that needs more grows the array as
// append does.
func trimRoom[T any](s []T, spare int) []T {
	if keep := len(s) + max(len(s), spare); cap(s) > keep {
		return s[:len(s):keep]
	}
	return s
}

// maxFree bounds how many property lists a mapState keeps between calls.
const maxFree = 64

// freeLists holds memory of earlier results that MapInto calls hand out
// again: emptied property lists, and the object arrays of a result
// category that came out empty. It lives in the pooled mapState, so that
// lists left over by one call (a batch of fewer objects) serve the next.
// Every list in it is cleared: it holds on to nothing of any batch.
type freeLists struct {
	props  [][]braze.Property
	tokens [][]braze.PushToken
	groups [][]braze.SubscriptionGroupState
	// Object arrays of a category that came out empty (a result is nil
	// there), zeroed, kept for the next result that has none.
	attrs     []braze.Attributes
	events    []braze.Event
	purchases []braze.Purchase
	diags     []Diagnostic
}

// putFree keeps the list s, cleared, for reuse, unless the free list is
// full or s has no room.
func putFree[T any](free *[][]T, s []T) {
	if cap(s) == 0 || cap(s) > maxScratch || len(*free) >= maxFree {
		return
	}
	clear(s) // entries beyond len are zero already (see takeFree)
	*free = append(*free, s[:0])
}

// takeFree returns an empty list with room for n entries: the most
// recently kept one that has it, else a new one. Entries beyond len of
// every list handed out are zero, as make leaves them, and stay so:
// shortening a list clears what it drops.
func takeFree[T any](free *[][]T, n int) []T {
	fs := *free
	for i := len(fs) - 1; i >= 0; i-- {
		if cap(fs[i]) >= n {
			s := fs[i]
			last := len(fs) - 1
			fs[i] = fs[last]
			fs[last] = nil
			*free = fs[:last]
			return s
		}
	}
	return make([]T, 0, reuseCap(n))
}

// reuseCap is the room a list made for reuse gets: a little more than n,
// so that a later batch with a few more entries at that place still fits.
func reuseCap(n int) int {
	switch {
	case n <= 8:
		return 8
	case n <= 16:
		return 16
	}
	return n + n/4
}

// recycle prepares st to map into r's memory: it keeps r's object arrays
// for st.res (their used part zeroed), puts every list the old objects
// held into st's free lists, and notes r's MPID string, so that the same
// one is not formatted again.
func (st *mapState) recycle(r *Result) {
	free := &st.sc.free
	st.prevMPID = r.MPID
	attrs := r.Attributes
	for i := range attrs {
		putFree(&free.props, attrs[i].Custom)
		putFree(&free.tokens, attrs[i].PushTokens)
		putFree(&free.groups, attrs[i].SubscriptionGroups)
	}
	// The whole arrays are cleared, not only their used part, in case a
	// caller shortened a slice without clearing what it dropped: objects
	// are set up in place in zeroed room.
	clear(attrs[:cap(attrs)])
	events := r.Events
	for i := range events {
		putFree(&free.props, events[i].Properties)
	}
	clear(events[:cap(events)])
	purchases := r.Purchases
	for i := range purchases {
		putFree(&free.props, purchases[i].Properties)
	}
	clear(purchases[:cap(purchases)])
	clear(r.Diagnostics[:cap(r.Diagnostics)])
	st.res.Attributes = reuseArray(attrs, &free.attrs)
	st.res.Events = reuseArray(events, &free.events)
	st.res.Purchases = reuseArray(purchases, &free.purchases)
	st.res.Diagnostics = reuseArray(r.Diagnostics, &free.diags)
	*r = Result{}
}

// reuseArray returns s emptied, or, when it has no room, the array kept
// in parked (taking it).
func reuseArray[T any](s []T, parked *[]T) []T {
	if cap(s) > 0 {
		return s[:0]
	}
	s, *parked = *parked, nil
	return s
}

// parkEmpty keeps the arrays of result categories that came out empty
// (the result holds nil there) for a later call, unless st keeps one
// already or they are too big to keep.
func (st *mapState) parkEmpty() {
	free := &st.sc.free
	park(&st.res.Attributes, &free.attrs)
	park(&st.res.Events, &free.events)
	park(&st.res.Purchases, &free.purchases)
	park(&st.res.Diagnostics, &free.diags)
}

// park sets an empty *s to nil, keeping its array in *parked if that is
// free (the array's used part is zero: nothing was kept in it).
func park[T any](s *[]T, parked *[]T) {
	if len(*s) > 0 {
		return
	}
	if c := cap(*s); c > 0 && c <= maxScratch && *parked == nil {
		*parked = (*s)[:0]
	}
	*s = nil
}

// formatID returns the decimal text of n: prev when that is it (a string
// of an earlier result, reused), else a new string of the text formatted
// once (ids differ from batch to batch, so a second formatting by
// strconv.FormatInt after the comparison was the common cost).
func formatID(n int64, prev string) string {
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], n, 10)
	if string(b) == prev {
		return prev
	}
	return string(b)
}

// idSlotBits sizes the MPID text cache (see idCache): 4096 slots, 64 KB
// of slots per Mapper, and at most one short entry per slot.
const (
	idSlotBits = 12
	idSlots    = 1 << idSlotBits
)

// idCache keeps the decimal text of MPIDs a Mapper met lately, so that a
// user whose batches come back gets the string made before: formatting
// it and allocating a new one per batch was about 3% of MapInto. It is
// direct-mapped, and safe for concurrent Map and MapInto calls without a
// lock: entries are immutable, published through atomic pointers, and
// name their MPID, so a hit is always right, whichever of two racing
// calls wrote the slot.
//
// A text is cached only when its MPID misses the slot a second time in a
// row (seen): a user met once (or two users taking turns at one slot)
// costs an atomic swap, not an allocation of an entry that no batch
// reuses.
//
// On the perfreport workload (2000 batches cycled, 1638 distinct MPIDs
// drawn from 5000 users) the first pass hits 2% of batches (18% meet an
// MPID met before, 314 of those 362 once before), the second 32%, and
// from the third on 85% and 88% in turn: measured by mapping the pool
// pass after pass with one Mapper (Map and MapInto alike) and counting
// the batches whose MPID string is one an earlier batch got for it.
type idCache struct {
	texts [idSlots]atomic.Pointer[idText]
	seen  [idSlots]atomic.Int64
}

// idText is an MPID and its decimal text.
type idText struct {
	id   int64
	text string
}

// text returns the decimal text of id: the cached string when the slot of
// id holds it, else formatID's (prev reused when equal). A nil c formats
// without caching.
func (c *idCache) text(id int64, prev string) string {
	if c == nil {
		return formatID(id, prev)
	}
	h := idSlot(id)
	if e := c.texts[h].Load(); e != nil && e.id == id {
		return e.text
	}
	s := formatID(id, prev)
	if c.seen[h].Swap(id) == id {
		c.texts[h].Store(&idText{id: id, text: s})
	}
	return s
}

// idSlot is the slot of id in an idCache. Fibonacci hashing: MPIDs are
// random in production but may be consecutive (tests, generated loads);
// either spreads over the slots.
func idSlot(id int64) uint64 { return (uint64(id) * 0x9e3779b97f4a7c15) >> (64 - idSlotBits) }

// propsList returns an empty list with room for n properties that the
// result will hold: reused in MapInto; in Map, a list of exactly n
// carved out of the call's chunk.
func (st *mapState) propsList(n int) braze.Properties {
	if st.reuse {
		return takeFree(&st.sc.free.props, n)
	}
	return st.carve(max(n, 1))
}

// chunkProps is the least room of a chunk Map carves property lists out
// of after the first, which is made for the batch's estimated property
// count: the lists of a batch take one allocation or a few instead of
// one each.
const chunkProps = 32

// carve returns an empty list with room for exactly n properties, cut from
// st.chunk (a new chunk when it has not the room). Lists cut from one
// chunk never overlap, and their capacity ends where they do: appending
// beyond it moves a list out of the chunk.
func (st *mapState) carve(n int) braze.Properties {
	c := st.chunk
	if cap(c)-len(c) < n {
		size := chunkProps
		if c == nil { // the first: about what the batch needs
			size = st.est.props
		}
		c = make(braze.Properties, 0, max(n, size))
	}
	off := len(c)
	st.chunk = c[:off+n]
	return c[off : off : off+n]
}

// scratchList returns an empty list with room for n properties whose
// entries will be copied out (nested objects, a flattened user
// attribute); dropScratch hands it back.
func (st *mapState) scratchList(n int) braze.Properties {
	return takeFree(&st.sc.free.props, n)
}

// dropList hands back a list that no result holds.
func (st *mapState) dropList(ps braze.Properties) {
	putFree(&st.sc.free.props, ps)
}
