package mparticle

import "encoding/binary"

// Field readers used by the generated decoders (json_gen.go). Each handles
// null itself so the three wire states survive: absent (never called), null
// (recorded in the fieldSet or Optional), and a value.

func (d *decoder) readString(p *string, fs *fieldSet, i uint) error {
	if start, end, ok := d.plainString(); ok {
		*p = d.substr(start, end)
		fs.markPresent(i)
		return nil
	}
	return d.readStringRest(p, fs, i)
}

// The read*Rest helpers are the read helpers after their one-pass reader
// (plainString, intFast, floatFast, boolFast) declined the value, for the
// generated decoders, which try that reader inline first: calling the
// whole helper would try it a second time.

func (d *decoder) readStringRest(p *string, fs *fieldSet, i uint) error {
	if d.at('"') || d.peek() == '"' {
		start, end, slow, err := d.scanString()
		if err != nil {
			return err
		}
		if slow {
			*p = d.unescapeString(start, end)
		} else {
			*p = d.substr(start, end)
		}
		fs.markPresent(i)
		return nil
	}
	if isNull, err := d.null(); isNull || err != nil {
		*p = ""
		fs.markNull(i)
		return err
	}
	return d.expected("string") // neither a string nor null
}

func (d *decoder) readInt64(p *int64, fs *fieldSet, i uint) error {
	if n, ok := d.intFast(); ok {
		*p = n
		fs.markPresent(i)
		return nil
	}
	return d.readInt64Rest(p, fs, i)
}

func (d *decoder) readInt64Rest(p *int64, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = 0
		fs.markNull(i)
		return err
	}
	n, err := d.int64Slow() // intFast declined
	if err != nil {
		return err
	}
	*p = n
	fs.markPresent(i)
	return nil
}

func (d *decoder) readFloat64(p *float64, fs *fieldSet, i uint) error {
	if f, ok := d.floatFast(); ok {
		*p = f
		fs.markPresent(i)
		return nil
	}
	return d.readFloat64Rest(p, fs, i)
}

func (d *decoder) readFloat64Rest(p *float64, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = 0
		fs.markNull(i)
		return err
	}
	f, err := d.float64v()
	if err != nil {
		return err
	}
	*p = f
	fs.markPresent(i)
	return nil
}

func (d *decoder) readBool(p *bool, fs *fieldSet, i uint) error {
	if b, ok := d.boolFast(); ok {
		*p = b
		fs.markPresent(i)
		return nil
	}
	return d.readBoolRest(p, fs, i)
}

func (d *decoder) readBoolRest(p *bool, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = false
		fs.markNull(i)
		return err
	}
	b, err := d.boolean()
	if err != nil {
		return err
	}
	*p = b
	fs.markPresent(i)
	return nil
}

func (d *decoder) readStringPtr(p **string, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	*p = &s
	fs.markPresent(i)
	return nil
}

// readOptional reads null (→ Null) or a value read by read (→ Set) into p:
// the one shape behind the typed readOpt* helpers the generated decoders
// call.
func readOptional[T any](d *decoder, p *Optional[T], read func() (T, error)) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = Null[T]()
		return err
	}
	v, err := read()
	if err != nil {
		return err
	}
	*p = Set(v)
	return nil
}

// The typed readOpt* helpers try the one-pass fast path of their type
// first, and leave null, whitespace, unusual literals and errors to
// readOptional.

func (d *decoder) readOptInt64(p *Optional[int64]) error {
	if n, ok := d.intFast(); ok {
		*p = Set(n)
		return nil
	}
	return d.readOptInt64Rest(p)
}

func (d *decoder) readOptInt64Rest(p *Optional[int64]) error {
	return readOptional(d, p, d.int64Slow) // intFast declined
}

func (d *decoder) readOptFloat64(p *Optional[float64]) error {
	if f, ok := d.floatFast(); ok {
		*p = Set(f)
		return nil
	}
	return d.readOptFloat64Rest(p)
}

func (d *decoder) readOptFloat64Rest(p *Optional[float64]) error {
	return readOptional(d, p, d.float64v)
}

func (d *decoder) readOptBool(p *Optional[bool]) error {
	if b, ok := d.boolFast(); ok {
		*p = Set(b)
		return nil
	}
	return d.readOptBoolRest(p)
}

func (d *decoder) readOptBoolRest(p *Optional[bool]) error {
	return readOptional(d, p, d.boolean)
}

//lint:ignore U1000 json_generate.go emits calls to it for Optional[string] fields; no model field has that type today.
func (d *decoder) readOptString(p *Optional[string]) error { return readOptional(d, p, d.str) }

// attributeValue reads any JSON value into an AttributeValue.
func (d *decoder) attributeValue(p *AttributeValue) error {
	switch c := d.peek(); c {
	case 'n':
		*p = AttributeValue{kind: KindNull}
		return d.literal("null")
	case 't', 'f':
		b, err := d.boolean()
		*p = BoolAttr(b)
		return err
	case '"':
		s, err := d.str()
		*p = AttributeValue{kind: KindString, s: s}
		return err
	case '[':
		return d.listOrRaw(p)
	case '{':
		start := d.pos
		if err := d.skip(); err != nil {
			return err
		}
		*p = AttributeValue{kind: KindRaw, s: d.substr(start, d.pos)}
		return nil
	default:
		lit, err := d.number()
		if err != nil {
			return err
		}
		*p = AttributeValue{kind: KindNumber, s: d.substr(d.pos-len(lit), d.pos)}
		return nil
	}
}

// listOrRaw reads an array: a list when every element is a string, else raw
// JSON text. The strings are collected on the stack and then stored at
// their exact number (newList) instead of in a slice grown by append.
func (d *decoder) listOrRaw(p *AttributeValue) error {
	start := d.pos
	var buf [8]string
	list := buf[:0]
	allStrings := true
	more, err := d.arrayOpen()
	for i := 0; more; i++ {
		var eerr error
		if allStrings && d.peek() == '"' {
			var s string
			s, eerr = d.str()
			list = append(list, s)
		} else {
			allStrings = false
			eerr = d.skip()
		}
		if eerr != nil {
			return withIndex(eerr, i)
		}
		if !d.comma() {
			more, err = d.arrayNext()
		}
	}
	if err != nil {
		return err
	}
	if allStrings {
		*p = AttributeValue{kind: KindList, list: d.newList(list)}
		return nil
	}
	*p = AttributeValue{kind: KindRaw, s: d.substr(start, d.pos)}
	return nil
}

// A decoded list of one to four strings is allocated together with the
// slice header that AttributeValue points to, sized to the list: one
// allocation instead of two, and no more memory (the header and the
// strings were two objects of about the same total size).
type (
	list1 struct {
		list  []string
		items [1]string
	}
	list2 struct {
		list  []string
		items [2]string
	}
	list3 struct {
		list  []string
		items [3]string
	}
	list4 struct {
		list  []string
		items [4]string
	}
)

// newList returns a pointer to a copy of items (an empty, non-nil list
// when items is empty, so that it is written as []), taken from the
// BatchBuffer's slabs when the decoder reuses memory.
func (d *decoder) newList(items []string) *[]string {
	if d.reuse != nil {
		if hdr := d.reuse.lists.take(1); hdr != nil {
			list := []string{}
			if len(items) > 0 {
				list = d.reuse.strs.take(len(items))
			}
			if list != nil {
				copy(list, items)
				hdr[0] = list
				return &hdr[0]
			}
		}
	}
	return newList(items)
}

// newList returns a pointer to a new copy of items (an empty, non-nil list
// when items is empty, so that it is written as []).
func newList(items []string) *[]string {
	switch len(items) {
	case 1:
		l := &list1{items: [1]string(items)}
		l.list = l.items[:]
		return &l.list
	case 2:
		l := &list2{items: [2]string(items)}
		l.list = l.items[:]
		return &l.list
	case 3:
		l := &list3{items: [3]string(items)}
		l.list = l.items[:]
		return &l.list
	case 4:
		l := &list4{items: [4]string(items)}
		l.list = l.items[:]
		return &l.list
	}
	list := append([]string{}, items...)
	return &list
}

func (d *decoder) readAttr(p *AttributeValue) error { return d.attributeValue(p) }

// linearAttrs is the entry count up to which readAttrs finds a repeated key
// by scanning the entries read so far; past it, an index map is built.
const linearAttrs = 16

// readAttrs reads an object of attribute values into *p in document order,
// appending to what *p holds (a key repeated in the object, or already in
// *p, gets the last value at its first position, as a map would). The
// members are written straight into the free tail of the batch's slab (see
// attrTail): no buffer to clear and copy out of, and most lists need no
// allocation of their own. The list is capped at its length, so appending
// to it (Set) moves it out instead of writing over its neighbour.
func (d *decoder) readAttrs(p *Attributes, fs *fieldSet, i uint) error {
	// The common value, an object with a member, is not null: null is
	// asked only when enterObject declines.
	var err error
	more := d.enterObject()
	if !more {
		if isNull, nerr := d.null(); isNull || nerr != nil {
			*p = nil
			fs.markNull(i)
			return nerr
		}
		more, err = d.objectOpen()
	}
	fs.markPresent(i)
	if !more {
		if *p == nil {
			*p = Attributes{}
		}
		return err
	}
	// a grows in the slab's free tail; nothing else takes from the slab
	// until it is done, as an attribute value is never read as a list.
	a := d.attrTail(len(*p) + 1)
	if len(*p) > 0 {
		// Only when there is something to copy: append calls
		// typedslicecopy (about 11 instructions) even for nothing.
		a = append(a, *p...)
	}
	var seen map[string]int // key → index in a, once a is longer than linearAttrs
	// keys has the keyBit of every key in a: a key whose bit is not set
	// cannot be in a yet, and setAttr need not look for it. Entries taken
	// over from *p are not in it, so they make every key a candidate.
	var keys uint64
	if len(a) > 0 {
		keys = ^uint64(0)
	}
	// The object has a member, so its key is a string: make text now and
	// cut the plain keys and values out of it directly.
	if len(d.text) < len(d.data) {
		d.makeText()
	}
	text := d.text
	for more {
		var k string
		ks, ke, vs, ve, got := d.plainMember()
		if got != memberNone {
			k = text[ks:ke]
		} else {
			var key []byte
			if key, err = d.objectKey(); err != nil {
				break
			}
			k = d.keyString(key)
		}
		if len(a) == cap(a) {
			a = d.moveAttrs(a)
		}
		// The member is decoded in place, as the next entry; a repeated
		// key then moves its value to the first entry with that key.
		n := len(a)
		a = a[:n+1]
		e := &a[n]
		e.Key = k
		// e is a zero entry (the slab's free tail is kept zero), so the
		// plain kinds set only kind and s. plainMember has read a plain
		// string value; any other value (or a value after a key it did
		// not take) goes through boolFast, plainNumber and then
		// attributeValue, which reads every kind.
		if got == memberString {
			e.Value.kind, e.Value.s = KindString, text[vs:ve]
		} else if b, ok := d.boolFast(); ok {
			// Before plainNumber: boolFast is inlined, plainNumber a
			// call, and either takes only what the other declines.
			e.Value = BoolAttr(b)
		} else if l := d.plainNumber(); l > 0 {
			e.Value.kind, e.Value.s = KindNumber, text[d.pos:d.pos+l]
			d.pos += l
		} else if verr := d.attributeValue(&e.Value); verr != nil {
			err = withSeg(verr, e.Key)
			a[n] = Attribute{}
			a = a[:n]
			break
		}
		bit := keyBit(e.Key)
		if keys&bit != 0 || seen != nil {
			a = mergeLast(a, seen)
		}
		keys |= bit
		if seen == nil && len(a) > linearAttrs {
			seen = indexAttrs(a)
		}
		if !d.comma() {
			if more = !d.closes('}'); more {
				more, err = d.objectNext()
			}
		}
	}
	d.attrSlab = d.attrSlab[:len(d.attrSlab)+len(a)]
	if d.reuse != nil {
		d.reuse.attrs.need += len(a)
	}
	*p = a[:len(a):len(a)]
	return err
}

// plainNumber returns the length of the number literal at d.pos, written
// with no space before it, or 0 (for anything else, or an invalid number,
// which attributeValue then reports).
func (d *decoder) plainNumber() int {
	if d.pos < len(d.data) {
		if c := d.data[d.pos]; c >= '0' && c <= '9' || c == '-' {
			return scanNumber(d.data[d.pos:])
		}
	}
	return 0
}

// Attribute lists are carved from slabs shared by the lists of one batch:
// one allocation for the batch's attribute objects instead of one each.
const (
	// attrSlabBytes is about how many bytes of input one attribute takes
	// in realistic batches, to guess how many the rest of the input holds.
	attrSlabBytes = 80
	// minAttrBytes is the fewest bytes an attribute takes (`"":0,`): the
	// rest of the input cannot hold more attributes than that allows.
	minAttrBytes = 5
	// maxAttrSlab bounds that guess (in entries), so that a large input
	// (a bulk body) does not get one slab that most batches pin.
	maxAttrSlab = 128
)

// attrTail returns the free tail of the decoder's slab as an empty list
// with room for at least n entries, starting a new slab, with room for the
// attributes the rest of the input is guessed to hold, when this one has
// too little left. The caller appends to the list (within its capacity,
// see moveAttrs) and then extends d.attrSlab over what it used.
func (d *decoder) attrTail(n int) Attributes {
	if cap(d.attrSlab)-len(d.attrSlab) < n {
		d.attrSlab = make([]Attribute, 0, n+d.attrGuess())
	}
	l := len(d.attrSlab)
	return Attributes(d.attrSlab[l:l])
}

// attrGuess is how many more attributes the rest of the input is guessed
// to hold: at least one, at most maxAttrSlab, and no more than could fit.
func (d *decoder) attrGuess() int {
	rest := len(d.data) - d.pos
	return max(min(rest/attrSlabBytes, maxAttrSlab, rest/minAttrBytes), 1)
}

// moveAttrs moves a, a full list in the free tail of the slab, to a new
// slab with room for at least as many entries again (or the guess for the
// rest of the input, if more), and clears the entries it leaves behind,
// so that the old slab does not keep their values alive.
func (d *decoder) moveAttrs(a Attributes) Attributes {
	slab := make([]Attribute, len(a), len(a)+max(len(a), d.attrGuess()))
	copy(slab, a)
	clear(a)
	d.attrSlab = slab[:0]
	return Attributes(slab)
}

// keyBit is the bit of a 64-bit set that stands for key k: its length and
// first and last bytes, enough to tell apart the keys of one attribute
// object almost always. They are mixed by a multiplication (Fibonacci
// hashing: the top six bits of the product by 2^64/φ), not summed: the
// sum keyBit once took put 2.3 of the perfreport workload's 21 attributes
// per batch on a bit an earlier key of their object had (each then a
// mergeLast call that compares keys), the product none; on random keys
// the two collide alike.
func keyBit(k string) uint64 {
	h := uint64(len(k))
	if len(k) > 0 {
		h |= uint64(k[0])<<8 | uint64(k[len(k)-1])<<16
	}
	return 1 << (h * 0x9e3779b97f4a7c15 >> 58)
}

// mergeLast handles the entry just appended to a when its key may be
// that of an earlier entry: the earlier entry takes its value (as a map
// would, the last value at the first position) and it is removed. Earlier
// keys are found through seen (updated with a new key) when not nil, else
// by scanning.
func mergeLast(a Attributes, seen map[string]int) Attributes {
	n := len(a) - 1
	k := a[n].Key
	j := -1
	if seen != nil {
		if i, ok := seen[k]; ok {
			j = i
		} else {
			seen[k] = n
		}
	} else {
		for i := range a[:n] {
			if a[i].Key == k {
				j = i
				break
			}
		}
	}
	if j < 0 {
		return a
	}
	a[j].Value = a[n].Value
	a[n] = Attribute{}
	return a[:n]
}

// indexAttrs maps each key of a (which holds no key twice) to its index.
func indexAttrs(a Attributes) map[string]int {
	seen := make(map[string]int, 2*len(a))
	for j := range a {
		seen[a[j].Key] = j
	}
	return seen
}

func (d *decoder) readStringMap(p *map[string]string, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	m := *p
	if m == nil {
		m = make(map[string]string)
	}
	err := d.object(func(key []byte) error {
		s, err := d.str()
		m[string(key)] = s
		return err
	})
	*p = m
	fs.markPresent(i)
	return err
}

func (d *decoder) readStringMapMap(p *map[string]map[string]string, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	m := *p
	if m == nil {
		m = make(map[string]map[string]string)
	}
	err := d.object(func(key []byte) error {
		inner := make(map[string]string)
		err := d.object(func(k2 []byte) error {
			s, err := d.str()
			inner[string(k2)] = s
			return err
		})
		m[string(key)] = inner
		return err
	})
	*p = m
	fs.markPresent(i)
	return err
}

func (d *decoder) readStrings(p *[]string, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	if d.reuse != nil && !d.reuse.strs.busy {
		return d.readStringsSlab(p, fs, i)
	}
	out := []string{}
	more, err := d.arrayOpen()
	for n := 0; more; n++ {
		s, serr := d.str()
		out = append(out, s)
		if serr != nil {
			err = withIndex(serr, n)
			break
		}
		if !d.comma() {
			more, err = d.arrayNext()
		}
	}
	*p = out
	fs.markPresent(i)
	return err
}

// readStringsSlab is readStrings building the slice in the free tail of the
// BatchBuffer's string slab.
func (d *decoder) readStringsSlab(p *[]string, fs *fieldSet, i uint) error {
	more, err := d.arrayOpen()
	if !more {
		*p = []string{}
		fs.markPresent(i)
		return err
	}
	sl := &d.reuse.strs
	sl.busy = true
	start := len(sl.buf)
	for n := 0; more; n++ {
		var e *string
		start, e = sl.push(start, 8)
		var serr error
		*e, serr = d.str()
		if serr != nil {
			err = withIndex(serr, n)
			break
		}
		if !d.comma() {
			more, err = d.arrayNext()
		}
	}
	sl.busy = false
	*p = sl.buf[start:len(sl.buf):len(sl.buf)]
	fs.markPresent(i)
	return err
}

// decodable is a model struct with a generated or hand-written decoder.
type decodable[T any] interface {
	*T
	decodeJSON(d *decoder) error
}

// readStructPtr reads null or an object, decoded into a struct that alloc
// returns (new, or from a BatchBuffer's pool).
func readStructPtr[T any, P decodable[T]](d *decoder, p **T, fs *fieldSet, i uint, alloc func(*decoder) *T) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	v := alloc(d)
	if err := P(v).decodeJSON(d); err != nil {
		return err
	}
	*p = v
	fs.markPresent(i)
	return nil
}

// readStructSlice reads null or an array of objects; slabOf names the
// BatchBuffer slab the elements are carved from when the decoder reuses
// memory.
func readStructSlice[T any, P decodable[T]](d *decoder, p *[]T, fs *fieldSet, i uint, slabOf func(*reusePools) *slab[T]) error {
	return readStructSliceCap[T, P](d, p, fs, i, 4, slabOf)
}

// readStructSliceCap is readStructSlice with the capacity of its first
// allocation.
func readStructSliceCap[T any, P decodable[T]](d *decoder, p *[]T, fs *fieldSet, i uint, capacity int, slabOf func(*reusePools) *slab[T]) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	if d.reuse != nil {
		if s := slabOf(&d.reuse.reusePools); !s.busy {
			return readStructSlab[T, P](d, p, fs, i, capacity, s)
		}
	}
	out := []T{}
	more, err := d.arrayOpen()
	if more {
		out = make([]T, 0, capacity)
	}
	for n := 0; more; n++ {
		var zero T
		out = append(out, zero)
		if eerr := P(&out[n]).decodeJSON(d); eerr != nil {
			err = withIndex(eerr, n)
			break
		}
		if !d.comma() {
			more, err = d.arrayNext()
		}
	}
	*p = out
	fs.markPresent(i)
	return err
}

// readStructSlab is readStructSliceCap building the slice in the free tail
// of s (capacity sizes a first slab).
func readStructSlab[T any, P decodable[T]](d *decoder, p *[]T, fs *fieldSet, i uint, capacity int, s *slab[T]) error {
	var err error
	more := d.enterArray()
	if !more {
		more, err = d.arrayOpen()
	}
	if !more {
		*p = []T{}
		fs.markPresent(i)
		return err
	}
	s.busy = true
	start := len(s.buf)
	for n := 0; more; n++ {
		var e *T
		start, e = s.push(start, capacity)
		if eerr := P(e).decodeJSON(d); eerr != nil {
			err = withIndex(eerr, n)
			break
		}
		if !d.comma() {
			if more = !d.closes(']'); more {
				more, err = d.arrayNext()
			}
		}
	}
	s.busy = false
	*p = s.buf[start:len(s.buf):len(s.buf)]
	fs.markPresent(i)
	return err
}

func readStructPtrMap[T any, P decodable[T]](d *decoder, p *map[string]*T, fs *fieldSet, i uint) error {
	if isNull, err := d.null(); isNull || err != nil {
		*p = nil
		fs.markNull(i)
		return err
	}
	m := *p
	if m == nil {
		m = make(map[string]*T)
	}
	err := d.object(func(key []byte) error {
		if isNull, err := d.null(); isNull || err != nil {
			m[string(key)] = nil
			return err
		}
		v := new(T)
		m[string(key)] = v
		return P(v).decodeJSON(d)
	})
	*p = m
	fs.markPresent(i)
	return err
}

// readProducts reads a product list. Products are decoded into a small
// array on the stack and then copied into a slice of exactly their number:
// most lists hold one to four products, and a Product is 216 bytes, so a
// slice grown by append (capacity 4, then 8) wastes more than it holds.
func (d *decoder) readProducts(p *[]Product, fs *fieldSet, i uint) error {
	if d.peek() != '[' || d.reuse != nil {
		return readStructSlice(d, p, fs, i, slabOfProduct)
	}
	var buf [4]Product
	n := 0
	var spill []Product // products past the fourth
	more, err := d.arrayOpen()
	for ; more; n++ {
		var ep *Product
		if n < len(buf) {
			ep = &buf[n]
		} else {
			spill = append(spill, Product{})
			ep = &spill[len(spill)-1]
		}
		if eerr := ep.decodeJSON(d); eerr != nil {
			err = withIndex(eerr, n)
			n++ // keep the partly decoded product, as readStructSlice does
			break
		}
		if !d.comma() {
			more, err = d.arrayNext()
		}
	}
	out := make([]Product, min(n, len(buf)), n)
	copy(out, buf[:])
	*p = append(out, spill...)
	fs.markPresent(i)
	return err
}

// keyWord returns the eight bytes at data[i:] as a little-endian word: the
// unit the generated match functions compare keys in, and the hot scanners
// read input in. It slices data[i:i+8], not data[i:]: a slice known to be
// eight long needs no guard against pointing past the end of data, and
// Uint64 no check of its length, which makes each load about four
// instructions cheaper. The capacity is cut to the length first, so that
// a word past the input's end panics (callers check the length first)
// instead of reading the caller's spare capacity.
func keyWord(data []byte, i int) uint64 {
	data = data[:len(data):len(data)]
	return binary.LittleEndian.Uint64(data[i : i+8])
}
