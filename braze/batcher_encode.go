package braze

import (
	"slices"
	"strconv"
	"strings"
)

// This file validates and encodes objects as Batcher.Add queues them, and
// lays queued objects out as a /users/track body when they are sent.
//
// Encoding at Add time runs on the caller's goroutine while the object is
// still in its cache (the mapper or the caller has just written it); the
// queue then carries the object's JSON, and a send only concatenates. The
// bytes are exactly those TrackRequest.AppendJSON writes for the same
// objects (batcher_encode_test.go compares them on generated requests).

// ItemError is one item that Batcher.Add refused to queue: it does not
// carry exactly one object, breaks Braze's rules (Err is a
// ValidationErrors naming every problem: field and value), or cannot be
// encoded as JSON.
type ItemError struct {
	// Index is the item's position in the Add call's items.
	Index int
	// Kind is the kind of object the item carries (0 when it does not
	// carry exactly one).
	Kind ObjectKind
	// Err says what is wrong. Paths in a ValidationErrors start at the
	// object's field ("properties[\"sku\"]", "quantity"); their Array is
	// empty.
	Err error
}

// Error reads like `items[3] (events): quantity: 150 outside 1..100`.
func (e *ItemError) Error() string {
	var b strings.Builder
	b.WriteString("items[")
	b.WriteString(strconv.Itoa(e.Index))
	b.WriteString("]")
	if e.Kind != 0 {
		b.WriteString(" (")
		b.WriteString(e.Kind.String())
		b.WriteString(")")
	}
	b.WriteString(": ")
	if ves, ok := e.Err.(ValidationErrors); ok {
		// The problems without ValidationErrors' own "braze: invalid
		// request" heading, which would repeat the package name.
		for i, ve := range ves {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(ve.Error())
		}
		return b.String()
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the reason, so errors.As finds a ValidationErrors or
// *ValidationError through an ItemError.
func (e *ItemError) Unwrap() error { return e.Err }

// ItemErrors is Batcher.Add's error when some of its items cannot be
// queued: one *ItemError per such item, in index order. Nothing of that
// call was queued. errors.As finds the ItemErrors, the first *ItemError
// and the first item's ValidationErrors through it.
type ItemErrors []*ItemError

// Error lists the refused items.
func (es ItemErrors) Error() string {
	var b strings.Builder
	b.WriteString("braze: Batcher.Add: ")
	if len(es) > 1 {
		b.WriteString(strconv.Itoa(len(es)))
		b.WriteString(" items refused, nothing queued: ")
	}
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual *ItemError values.
func (es ItemErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Without returns the items of the refused call that es does not name, in
// their order, in a new slice: what to add again once the refused items
// have been dealt with (es must be the error of the call that got items).
func (es ItemErrors) Without(items []Item) []Item {
	out := make([]Item, 0, max(0, len(items)-len(es)))
	j := 0
	for i, it := range items {
		if j < len(es) && es[j].Index == i {
			j++
			continue
		}
		out = append(out, it)
	}
	return out
}

// maxBodyOverhead bounds the bytes of a /users/track body around its
// objects: the braces, the three array keys and brackets. Each object adds
// its own bytes and a comma.
const maxBodyOverhead = len(`{"attributes":[],"events":[],"purchases":[]}`)

// itemEncoder validates and encodes the items of one Add call into one
// buffer; the Batcher pools them for its callers.
type itemEncoder struct {
	enc memberEncoder
	// buf holds the encoded items back to back; ends[i] is where item i
	// ends in it and kinds[i] its kind. It is scratch memory, reused by
	// the pool's next call: take copies it out.
	buf   []byte
	ends  []int
	kinds []ObjectKind
}

// maxPooledEncoding caps the buffer an encoder keeps for its next call, so
// that one huge call does not pin its memory in the pool.
const maxPooledEncoding = 1 << 20

// encode validates every item under l and appends its JSON to e.buf. It
// returns the ItemErrors of the items that cannot be sent (nil when every
// item is fine).
//
// Each object is validated and encoded in one pass over its fields, as
// TrackRequest.appendValidated does for a request: the encoder checks each
// field (plainFields) and each property or custom attribute against
// validation's fast path as it writes it, and only an object with
// something that is not plain, or that cannot be encoded, is validated in
// full (validateItem). That common path is written out here rather than
// in a function of its own: a call per object, and e.buf stored back
// after each, cost more than the test.
func (e *itemEncoder) encode(items []Item, l Limits) error {
	buf := e.buf[:0] // a local: stores through e cost a write barrier while GC runs
	// ends and kinds get their length at once and are indexed: an append
	// through e per item loaded and stored the slice's three words.
	ends := slices.Grow(e.ends[:0], len(items))[:len(items)]
	kinds := slices.Grow(e.kinds[:0], len(items))[:len(items)]
	e.ends, e.kinds = ends, kinds
	e.enc.check = true
	var bad ItemErrors
	for i := range items {
		it := &items[i]
		kind := it.Kind()
		kinds[i] = kind
		if kind == 0 {
			bad = append(bad, &ItemError{Index: i, Err: errNotOneObject})
			ends[i] = len(buf)
			continue
		}
		start := len(buf)
		e.enc.irregular = false
		var err error
		switch kind {
		case ObjectAttributes:
			buf, err = it.Attributes.appendJSON(buf, &e.enc)
		case ObjectEvent:
			buf, err = it.Event.appendJSON(buf, &e.enc)
		case ObjectPurchase:
			buf, err = it.Purchase.appendJSON(buf, &e.enc)
		}
		if err != nil || e.enc.irregular {
			buf, err = validateItem(buf, start, it, kind, l, err)
		}
		if err == nil && len(buf)-start+1+maxBodyOverhead > l.MaxBodyBytes {
			err = ValidationErrors{{Value: len(buf) - start,
				Reason: "bytes encoded, over the " + strconv.Itoa(l.MaxBodyBytes) + "-byte body limit with the request around it (Braze answers 413)"}}
		}
		if err != nil {
			buf = buf[:start]
			bad = append(bad, &ItemError{Index: i, Kind: kind, Err: err})
		}
		ends[i] = len(buf)
	}
	e.buf = buf
	if bad != nil {
		return bad
	}
	return nil
}

// take returns a copy of the JSON encode wrote, in memory of its own that
// nothing will write again: an Add's slab when an OnResult may keep it
// (otherwise Add takes a pooled one, see batcher_slab.go). One exact-size
// allocation per Add call, on purpose: a call's objects are one user's,
// queued and sent together, so their JSON is freed together. (Carving
// many calls' JSON from shared chunks saved that allocation but let one
// queued object pin a chunk of other users' JSON: the report's peak live
// heap grew 1.7× from 35k to 140k objects with the same queue bound.)
func (e *itemEncoder) take() []byte {
	out := make([]byte, len(e.buf))
	copy(out, e.buf)
	return out
}

// errNotOneObject is the reason of an item with none or several objects.
var errNotOneObject = errorString("must carry exactly one of Attributes, Event, Purchase")

// errorString is a constant-like error.
type errorString string

func (e errorString) Error() string { return string(e) }

// validateItem decides about an item whose object encode found not plain
// or could not encode (encErr): it validates the object in full, which
// names every problem. It returns dst cut back to start with the
// ValidationErrors, or with the encoding error of an object that validates
// but cannot be encoded, or dst as it is when the object is fine after all.
func validateItem(dst []byte, start int, it *Item, kind ObjectKind, l Limits, encErr error) ([]byte, error) {
	var errs ValidationErrors
	switch kind {
	case ObjectAttributes:
		it.Attributes.validate(loc{}, l, true, &errs)
	case ObjectEvent:
		it.Event.validate(loc{}, l, true, &errs)
	case ObjectPurchase:
		it.Purchase.validate(loc{}, l, true, &errs)
	}
	if len(errs) > 0 {
		return dst[:start], errs
	}
	if encErr != nil {
		return dst[:start], encErr
	}
	return dst, nil
}

// appendBody appends the /users/track body of entries: every attributes
// object, then every event, then every purchase, each array in entry order
// (the layout of TrackRequest.AppendJSON), and records in x which entry
// each array position holds.
func appendBody(dst []byte, entries []entry, x *requestIndex) []byte {
	dst = append(dst, '{')
	for kind := ObjectAttributes; kind <= ObjectPurchase; kind++ {
		pos := x.of(kind)
		for i := range entries {
			if entries[i].kind != kind {
				continue
			}
			if len(*pos) == 0 {
				if len(dst) > 1 {
					dst = append(dst, ',')
				}
				dst = append(dst, '"')
				dst = append(dst, kind.String()...)
				dst = append(dst, `":[`...)
			} else {
				dst = append(dst, ',')
			}
			dst = append(dst, entries[i].enc...)
			*pos = append(*pos, i)
		}
		if len(*pos) > 0 {
			dst = append(dst, ']')
		}
	}
	return append(dst, '}')
}

// bodySize is the exact length of appendBody's output for entries.
func bodySize(entries []entry) int {
	if len(entries) == 0 {
		return len("{}")
	}
	n := 1 // '{'; each array's separator or '}' is counted with it
	var seen [4]bool
	for i := range entries {
		e := &entries[i]
		n += len(e.enc) + 1 // the comma after it, or the array's ']'
		if !seen[e.kind] {
			seen[e.kind] = true
			n += len(`"":[,`) + len(e.kind.String())
		}
	}
	return n
}
