package mparticle

import (
	"strings"
	"unsafe"
)

// BatchBuffer decodes batches into memory it keeps and reuses from one
// batch to the next, so that decoding a stream of batches allocates almost
// nothing once the buffer has seen batches of the usual size: in steady
// state a 16 KB text chunk every few batches (each batch's input is copied
// into it once, and every decoded string points into that copy, or into
// the unescaped copy of a string value holding escapes, also put there; a
// batch larger than 4 KB gets a copy of its own), plus what is always
// allocated afresh: a string per object key holding escapes, the fields
// this model does not know (Unknown maps), and map-valued fields
// (integration attributes, partner identities, GDPR consent, Apple Search
// Ads attributes).
//
// The *Batch that Decode returns, and everything reachable from it — the
// event slice, the event data structs, products, promotions, identities,
// device and app info, consent, context, attribute lists, string slices —
// is valid only until the next call to Decode on the same BatchBuffer,
// which clears and reuses that memory. A caller that needs a batch for
// longer decodes it with DecodeBatch instead (or re-decodes its Encode
// output). Strings are the exception: every string in a decoded batch
// (field values, attribute keys and values) is an immutable copy that
// stays valid forever, so it may be kept, put in a map or sent elsewhere.
// Errors never refer to the reused memory either. The price of sharing
// chunks: a string kept from a batch keeps its whole chunk (at most 16 KB,
// the texts of the few batches decoded around it) alive, not only its own
// batch's text; clone a string kept for long (strings.Clone) to hold just
// its bytes.
//
// The batch Decode returns is equal (reflect.DeepEqual) to the one
// DecodeBatch returns for the same bytes, whatever was decoded before:
// nothing of an earlier batch shows through in a later one.
//
// DecodeTransient goes one step further for callers that keep nothing of
// a batch, strings included: its strings are overwritten by the next
// DecodeTransient, and a stream of batches decodes without allocating
// text.
//
// The zero BatchBuffer is ready to use. It holds on to the memory of the
// largest batch it has decoded and to its current text chunk (drop the
// BatchBuffer to release them). It is not safe for concurrent use: give
// each goroutine its own.
type BatchBuffer struct {
	batch Batch
	dec   decoder
	mem   reuse
}

// Decode decodes data as one batch, like DecodeBatch, into the memory of
// the batch the previous call returned: that batch, and everything
// reachable from it except strings, must no longer be used (see
// BatchBuffer). On error it returns a nil batch and a *DecodeError.
func (bb *BatchBuffer) Decode(data []byte) (*Batch, error) {
	return bb.decode(data, false)
}

// DecodeTransient is Decode for a caller that keeps nothing of the batch
// once it is done with it, not even strings: the batch's strings are cut
// from a copy of data in memory the BatchBuffer keeps and overwrites on
// its next DecodeTransient, where Decode copies each batch's text into
// chunks of their own. So a stream of batches decoded this way allocates
// no text (the largest allocation per batch): on the perfreport forward
// path (mpbraze's Kit.ForwardJSON uses it) the bytes allocated per object
// fell from 611 to 316, and with them the pace of the garbage collector.
//
// The batch Decode's lifetime rule then covers strings too: every string
// reachable from the batch (field values, attribute keys and values,
// identities) changes under its holder at the next DecodeTransient on the
// same BatchBuffer. Clone (strings.Clone) a string to keep it longer, or
// use Decode. Mind map assignments: storing a value under a key equal to
// one of the batch's strings stores that string as the key, even when the
// key was already there (see the example).
//
// An error never changes: on error the memory is given up, not reused. A
// batch larger than 64 KB gets a copy of its own, so that the BatchBuffer
// holds on to at most about 80 KB of text.
func (bb *BatchBuffer) DecodeTransient(data []byte) (*Batch, error) {
	return bb.decode(data, true)
}

func (bb *BatchBuffer) decode(data []byte, transient bool) (*Batch, error) {
	bb.mem.reset()
	bb.batch = Batch{}
	bb.dec = decoder{data: data, reuse: &bb.mem, attrSlab: bb.mem.attrs.buf}
	if transient {
		// The text is made up front: unescaped strings are put after it.
		bb.dec.text = bb.mem.scratch.copyOfInput(data)
		bb.mem.transient = true
	}
	err := bb.dec.topLevel(bb.decodeBatch)
	bb.mem.attrs.buf = bb.dec.attrSlab
	bb.mem.transient = false
	bb.dec = decoder{} // do not keep the input alive
	if err != nil {
		if transient {
			// The error may hold strings cut from the scratch text: it
			// is not written again.
			bb.mem.scratch = scratchText{}
		}
		return nil, toDecodeError(err, -1, 0)
	}
	bb.batch.sizeHint = len(data)
	return &bb.batch, nil
}

func (bb *BatchBuffer) decodeBatch(d *decoder) error { return bb.batch.decodeJSON(d) }

// reuse is the memory a BatchBuffer keeps between batches: the struct
// pools and slabs (generated, see reusePools) and the slabs of attribute
// lists, string slices and string-list attribute values.
type reuse struct {
	reusePools
	// attrs is the attribute slab: buf is the slab the last batch ended
	// with (the decoder carves from it as attrSlab, see attrTail), need
	// counts the attributes that batch took, over all its slabs. Only
	// reset is used here; busy stays false.
	attrs slab[Attribute]
	// strs holds string slices (DeletedUserAttributes, ...) and the
	// entries of string-list attribute values, lists their slice headers.
	strs  slab[string]
	lists slab[[]string]
	// text is where each batch's text (the string its decoded strings
	// are cut from) is copied to. reset leaves it alone: what it has
	// handed out is never written again.
	text textChunk
	// transient is set during a DecodeTransient: texts go to scratch,
	// which the next one overwrites, instead of to text.
	transient bool
	scratch   scratchText
}

// reset clears everything the last batch used, so that the next starts
// from zero values, and sizes each slab for a batch like the last one.
func (r *reuse) reset() {
	r.reusePools.reset()
	if r.strs.need > 0 {
		r.strs.reset()
	}
	if r.lists.need > 0 {
		r.lists.reset()
	}
	r.attrs.reset()
}

// ptrPool hands out the structs of one type that a batch points to, and
// hands out the same ones again after reset.
type ptrPool[T any] struct {
	items []*T
	used  int
}

// get returns a zero T: one the last batch used (reset cleared it), or a
// new one.
func (p *ptrPool[T]) get() *T {
	if p.used < len(p.items) {
		v := p.items[p.used]
		p.used++
		return v
	}
	v := new(T)
	p.items = append(p.items, v)
	p.used++
	return v
}

// reset clears the structs handed out since the last reset and makes them
// available again.
func (p *ptrPool[T]) reset() {
	for _, v := range p.items[:p.used] {
		var zero T
		*v = zero
	}
	p.used = 0
}

// slab is where the slices of one element type that a batch holds are
// carved from: a list is built entry by entry in the free tail (push) or
// taken at its final length (take). When the tail is full, the list being
// built moves to a new, larger slab; reset then keeps one slab big enough
// for the whole of a batch like the last one. Entries past len(buf) are
// always zero, so a new entry needs no clearing.
type slab[T any] struct {
	buf  []T
	need int  // entries handed out since reset, over all slabs
	busy bool // a list is being built in the tail
}

// push appends a zero entry to the list being built at buf[start:] and
// returns the list's start (0 when it moved to a new slab) and the entry.
// first is the capacity of a first slab.
func (s *slab[T]) push(start, first int) (int, *T) {
	if len(s.buf) == cap(s.buf) {
		n := len(s.buf) - start
		nb := make([]T, n, max(2*n, first, 4))
		copy(nb, s.buf[start:])
		clear(s.buf[start:]) // the old slab keeps earlier lists only
		s.buf = nb
		start = 0
	}
	s.buf = s.buf[:len(s.buf)+1]
	s.need++
	return start, &s.buf[len(s.buf)-1]
}

// take returns n zero entries, capped at n so that appending to them
// copies, or nil when a list is being built in the tail (the caller then
// allocates).
func (s *slab[T]) take(n int) []T {
	if s.busy {
		return nil
	}
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]T, 0, max(n, 2*cap(s.buf), 4))
	}
	l := len(s.buf)
	s.buf = s.buf[:l+n]
	s.need += n
	return s.buf[l : l+n : l+n]
}

// reset clears the entries handed out since the last reset (in the
// current slab: earlier ones are dropped) and leaves one slab with room
// for at least as many again.
func (s *slab[T]) reset() {
	if s.need > cap(s.buf) {
		s.buf = make([]T, 0, s.need)
	} else {
		clear(s.buf)
		s.buf = s.buf[:0]
	}
	s.need = 0
	s.busy = false
}

// textChunkSize is the size of a textChunk: about eight batches of the
// usual 2 KB, so that the chunk's allocation is shared by as many, and the
// most a kept string can hold alive.
const textChunkSize = 16 << 10

// textChunk hands out immutable copies of batch texts carved one after
// another out of shared chunks, instead of allocating each batch's text on
// its own: a 2 KB allocation costs as much as decoding a few fields. A
// chunk is a strings.Builder grown once to textChunkSize: a Builder only
// appends, and its String shares the bytes written so far, which it never
// writes again, so a text is a substring of it without unsafe code. The
// Builder is not left to grow (that would copy): when the next text does
// not fit, a new one is started and the full one is left to the strings
// cut from it. (It also does not zero its memory, as make would.)
type textChunk struct {
	b *strings.Builder // the current chunk; nil before the first text
}

// copyOf returns data as a string. A text longer than a quarter of a chunk
// gets an allocation of its own, so that starting a new chunk wastes at
// most a quarter of the old one.
func (c *textChunk) copyOf(data []byte) string {
	if len(data) > textChunkSize/4 {
		return string(data)
	}
	if c.b == nil || c.b.Cap()-c.b.Len() < len(data) {
		// A pointer, not a Builder by value: a BatchBuffer copied after
		// use must not trip the Builder's copy check.
		c.b = new(strings.Builder)
		c.b.Grow(textChunkSize)
	}
	start := c.b.Len()
	c.b.Write(data)
	return c.b.String()[start:]
}

// maxScratchText is the largest text a scratchText keeps memory for: a
// larger batch's text gets a copy of its own.
const maxScratchText = 64 << 10

// scratchText is the memory a BatchBuffer's DecodeTransient cuts strings
// from: the input first, then each unescaped string value after it. The
// strings alias buf, which the next decode overwrites (see
// DecodeTransient): that is the point, and why it needs unsafe.String.
type scratchText struct {
	buf []byte
	// unescaped counts the bytes of the unescaped strings of the batch
	// (those that fit and those that got strings of their own), so that
	// the next one makes room for as many.
	unescaped int
}

// copyOfInput starts a batch's text with a copy of data and returns it as
// a string.
func (t *scratchText) copyOfInput(data []byte) string {
	if len(data) == 0 {
		t.buf = t.buf[:0]
		return ""
	}
	if len(data) > maxScratchText {
		t.buf = t.buf[:0]
		return string(data)
	}
	// Room for the input and its unescaped strings: as many as the last
	// batch had, or a sixteenth of the input.
	if need := len(data) + max(t.unescaped, len(data)/16); cap(t.buf) < need {
		t.buf = make([]byte, 0, min(need+need/4, maxScratchText+maxScratchText/4))
	}
	t.unescaped = 0
	t.buf = append(t.buf[:0], data...)
	return unsafe.String(&t.buf[0], len(data))
}

// copyOf returns u as a string after the text when it fits, else as a
// string of its own.
func (t *scratchText) copyOf(u []byte) string {
	if len(u) == 0 {
		return ""
	}
	t.unescaped += len(u)
	if cap(t.buf)-len(t.buf) < len(u) {
		return string(u)
	}
	start := len(t.buf)
	t.buf = append(t.buf, u...)
	return unsafe.String(&t.buf[start], len(u))
}
