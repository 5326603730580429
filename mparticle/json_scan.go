package mparticle

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is a small validating JSON reader. The model types decode
// themselves with it in a single pass: each object is walked key by key, a
// known key is decoded straight into its Go field, an unknown key has its raw
// value copied into the Unknown map. Nothing is decoded twice and nothing goes
// through map[string]any, which is what keeps typed decoding cheaper than a
// generic decode (see BenchmarkDecodeBatch).
//
// The hot paths assume compact JSON and fall back to the careful ones:
// peek and at are one inlined compare when no whitespace precedes a token,
// scanString tests eight bytes at a time, intFast parses plain integers in
// one pass, and the generated match functions recognise known keys without
// scanning them. Every fallback reports the same errors at the same offsets.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// decoder reads one JSON text held in memory.
type decoder struct {
	data  []byte
	pos   int
	depth int
	// text is a copy of data as a string, made on the first string read
	// (makeText): strings without escapes are substrings of it, one copy
	// per decode instead of an allocation per string (about 40% of the
	// decoder's allocations on realistic batches). The decoded values keep
	// text alive, which costs about the input's size (with a BatchBuffer,
	// up to a text chunk: see textChunk).
	text string
	// keyStart and keyEnd locate the key objectKey returned last when it
	// aliases data (keyEnd is -1 when it was unescaped into a new slice).
	keyStart, keyEnd int
	// attrSlab is where readAttrs carves attribute lists from: its free
	// capacity is for the next ones. Reset per batch.
	attrSlab []Attribute
	// reuse, when not nil, is the memory of a BatchBuffer: structs, slices
	// and lists are taken from it instead of allocated.
	reuse *reuse
	// batch, when not nil, is the allocation of the batch being decoded
	// (DecodeBatch), which holds a first UserIdentities and DeviceInfo.
	batch *batchAlloc
}

// keyString returns key, the key objectKey just returned, as a string: a
// substring of text when key aliases data. Call it before reading the
// member's value, which may read keys of its own.
func (d *decoder) keyString(key []byte) string {
	if d.keyEnd-d.keyStart == len(key) && d.keyEnd >= 0 && len(key) > 0 {
		return d.substr(d.keyStart, d.keyEnd)
	}
	return string(key)
}

// substr returns data[start:end] as a string, a substring of text.
func (d *decoder) substr(start, end int) string {
	if len(d.text) < end {
		d.makeText()
	}
	return d.text[start:end]
}

// makeText sets text to an immutable copy of data: carved from the
// BatchBuffer's text chunk when there is one (see textChunk), else a
// string of its own. It is kept out of line so that substr, which calls
// it once per decode, stays small enough to be inlined.
//
//go:noinline
func (d *decoder) makeText() {
	if d.reuse != nil {
		d.text = d.reuse.text.copyOf(d.data)
	} else {
		d.text = string(d.data)
	}
}

// sub returns a decoder over data[:end] at pos that shares d's text and
// memory (the caller takes attrSlab back when it is done).
func (d *decoder) sub(pos, end int) decoder {
	if len(d.text) < end {
		d.makeText()
	}
	return decoder{data: d.data[:end], pos: pos, depth: d.depth, text: d.text[:end],
		attrSlab: d.attrSlab, reuse: d.reuse, batch: d.batch}
}

// jsonError is a decode error with the JSON path where it happened. The path
// is built only on the error path: each enclosing object or array adds its
// segment while the error travels up.
type jsonError struct {
	segs   []pathSeg // innermost first
	offset int
	msg    string
}

// pathSeg is an object key or an array index.
type pathSeg struct {
	key   string
	index int // -1 for keys
}

// Error returns "path: message".
func (e *jsonError) Error() string {
	p := e.path()
	if p == "" {
		return e.msg
	}
	return p + ": " + e.msg
}

func (e *jsonError) path() string {
	var b strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		s := e.segs[i]
		switch {
		case s.index >= 0:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case plainKey(s.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		default:
			b.WriteString("[" + strconv.Quote(s.key) + "]")
		}
	}
	return b.String()
}

// plainKey reports whether a key can be written as .key in a path.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if c == '.' || c == '[' || c == ']' || c == '"' || c <= ' ' || c == 0x7f || c == utf8.RuneError {
			return false
		}
	}
	return true
}

func (d *decoder) errorf(msg string) error {
	return &jsonError{offset: d.pos, msg: msg}
}

func (d *decoder) errAt(pos int, msg string) error {
	return &jsonError{offset: pos, msg: msg}
}

// withSeg adds an object key segment to err (when it is a *jsonError).
func withSeg(err error, key string) error {
	if je, ok := err.(*jsonError); ok {
		je.segs = append(je.segs, pathSeg{key: key, index: -1})
	}
	return err
}

// withIndex adds an array index segment to err (when it is a *jsonError).
func withIndex(err error, i int) error {
	if je, ok := err.(*jsonError); ok {
		je.segs = append(je.segs, pathSeg{index: i})
	}
	return err
}

// ws skips whitespace. Most input is compact JSON, so the inlined check is
// one compare and the loop lives in wsLoop.
func (d *decoder) ws() {
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return
	}
	d.wsLoop()
}

//go:noinline
func (d *decoder) wsLoop() {
	data := d.data
	i := d.pos
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
			// Indentation: skip a run of spaces eight at a time.
			for i+8 <= len(data) {
				if x := binary.LittleEndian.Uint64(data[i:]) ^ (' ' * swarOnes); x != 0 {
					i += bits.TrailingZeros64(x) >> 3
					break
				}
				i += 8
			}
		default:
			d.pos = i
			return
		}
	}
	d.pos = i
}

// peek returns the next non-space byte, or 0 at the end. It is small
// enough to inline: on compact JSON the loop ends at its first compare.
func (d *decoder) peek() byte {
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return c
		}
		d.pos++
	}
	return 0
}

// at reports whether the next byte, without skipping whitespace, is c: the
// compact-JSON fast path of the readers, which fall back to peek when it
// is not.
func (d *decoder) at(c byte) bool {
	return d.pos < len(d.data) && d.data[d.pos] == c
}

// topLevel runs fn on the single value of d.data and checks nothing but
// whitespace follows.
func (d *decoder) topLevel(fn func(*decoder) error) error {
	if err := fn(d); err != nil {
		return err
	}
	if d.ws(); d.pos < len(d.data) {
		// Compare positions, not peek() == 0: a NUL byte is not the end.
		return d.errorf("invalid character " + quoteChar(d.data[d.pos]) + " after top-level value")
	}
	return nil
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= utf8.RuneSelf {
		s = strconv.Quote(string([]byte{c}))
	}
	return "'" + s[1:len(s)-1] + "'"
}

// kindName names the JSON kind starting with c, for error messages.
func kindName(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	if c == '-' || (c >= '0' && c <= '9') {
		return "number"
	}
	return "invalid character " + quoteChar(c)
}

func (d *decoder) expected(what string) error {
	return d.errorf("expected " + what + ", got " + d.nextName())
}

// nextName names what comes next (a NUL byte is a character, not the end).
func (d *decoder) nextName() string {
	if d.ws(); d.pos >= len(d.data) {
		return "end of input"
	}
	return kindName(d.data[d.pos])
}

// null consumes a null literal if one is next. The inlined part settles
// the common case, a value that is not null with no space before it.
func (d *decoder) null() (bool, error) {
	if d.pos < len(d.data) {
		if c := d.data[d.pos]; c > ' ' && c != 'n' {
			return false, nil
		}
	}
	return d.nullSlow()
}

func (d *decoder) nullSlow() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		if rest := d.data[d.pos:]; len(rest) < len(lit) && string(rest) == lit[:len(rest)] {
			// Truncated input: report at the end so stream framing reads more.
			return d.errAt(len(d.data), "unexpected end of input in literal "+lit)
		}
		return d.errorf("invalid literal, expected " + lit)
	}
	d.pos += len(lit)
	return nil
}

// The object and array walks come in two shapes: open/key/next steps that
// hot decoders (the generated ones, attribute maps, struct slices) run as a
// plain loop, and object/array, which take a callback, for the rest. Both
// report the same errors at the same offsets.

// objectOpen consumes the '{' of an object and reports whether a member
// follows (false when the object was empty and is already closed).
func (d *decoder) objectOpen() (bool, error) { return d.open('{', '}', "object") }

// arrayOpen consumes the '[' of an array and reports whether an element
// follows (false when the array was empty and is already closed).
func (d *decoder) arrayOpen() (bool, error) { return d.open('[', ']', "array") }

// open is objectOpen and arrayOpen: opener and closer are the brackets,
// what names the value in errors.
func (d *decoder) open(opener, closer byte, what string) (bool, error) {
	if d.peek() != opener {
		return false, d.expected(what)
	}
	d.depth++
	if d.depth > maxDepth {
		return false, d.errorf("nesting too deep")
	}
	d.pos++
	if d.peek() == closer {
		d.pos++
		d.depth--
		return false, nil
	}
	return true, nil
}

// objectKey reads a member's key and the ':' after it. The key slice may
// alias d.data (see keyBytes).
func (d *decoder) objectKey() ([]byte, error) {
	keyPos := d.pos
	if start, end, ok := d.plainString(); ok {
		if d.at(':') {
			d.pos++
			d.keyStart, d.keyEnd = start, end
			return d.data[start:end], nil
		}
		d.pos = keyPos // read it again below, to report what follows
	}
	if !d.at('"') && d.peek() != '"' {
		return nil, d.errorf("expected object key string, got " + d.nextName())
	}
	start, end, slow, err := d.scanString()
	if err != nil {
		return nil, err
	}
	var key []byte
	if !slow {
		d.keyStart, d.keyEnd = start, end
		key = d.data[start:end]
	} else {
		key = d.unescapeKey(start, end)
	}
	if !d.at(':') && d.peek() != ':' {
		return nil, d.errorf("expected ':' after object key, got " + d.nextName())
	}
	d.pos++
	return key, nil
}

// objectNext consumes what follows a member's value: ',' (another member
// follows) or the closing '}'.
func (d *decoder) objectNext() (bool, error) { return d.next('}', "object") }

// arrayNext consumes what follows an element: ',' (another element
// follows) or the closing ']'.
func (d *decoder) arrayNext() (bool, error) { return d.next(']', "array") }

// enterObject consumes the '{' of an object whose first key follows with
// no space between, and reports whether it did: the inlined first step of
// objectOpen in the hot decoders (`more := d.enterObject(); if !more {
// more, err = d.objectOpen() }`), which handles everything else.
func (d *decoder) enterObject() bool { return d.enter('{', '"') }

// enterArray is enterObject for an array whose first element is an
// object.
func (d *decoder) enterArray() bool { return d.enter('[', '{') }

// enter consumes open when first follows it directly and the depth limit
// allows one more level.
func (d *decoder) enter(open, first byte) bool {
	if d.pos+1 < len(d.data) && d.data[d.pos] == open && d.data[d.pos+1] == first && d.depth < maxDepth {
		d.depth++
		d.pos++
		return true
	}
	return false
}

// comma consumes a ',' that follows a value with no space before it, and
// reports whether it did: the inlined first step of objectNext and
// arrayNext in the hot loops (`if !d.comma() { more, err = d.objectNext() }`).
func (d *decoder) comma() bool {
	if d.pos < len(d.data) && d.data[d.pos] == ',' {
		d.pos++
		return true
	}
	return false
}

// closes consumes c, the closing '}' or ']' of the object or array being
// read, when it follows a value with no space before it, and reports
// whether it did: the inlined second step of the hot loops after comma
// (`if !d.comma() { if more = !d.closes('}'); more { more, err =
// d.objectNext() } }`), which saves the call to next at the end of every
// object and array. It does what next does for that byte.
func (d *decoder) closes(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		d.depth--
		return true
	}
	return false
}

// next is objectNext and arrayNext past their inlined part: closer ends
// the value, what names it in errors.
func (d *decoder) next(closer byte, what string) (bool, error) {
	if d.pos < len(d.data) {
		if c := d.data[d.pos]; c == ',' {
			d.pos++
			return true, nil
		} else if c == closer {
			d.pos++
			d.depth--
			return false, nil
		}
	}
	switch d.peek() {
	case ',':
		d.pos++
		return true, nil
	case closer:
		d.pos++
		d.depth--
		return false, nil
	}
	return false, d.errorf("expected ',' or '" + string(closer) + "' in " + what + ", got " + d.nextName())
}

// object walks an object; fn must consume the value of each key. The key
// slice is only valid during the call.
func (d *decoder) object(fn func(key []byte) error) error {
	more, err := d.objectOpen()
	for more {
		var key []byte
		if key, err = d.objectKey(); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return withSeg(err, string(key))
		}
		if !d.comma() {
			more, err = d.objectNext()
		}
	}
	return err
}

// array walks an array; fn must consume element i.
func (d *decoder) array(fn func(i int) error) error {
	more, err := d.arrayOpen()
	for i := 0; more; i++ {
		if err := fn(i); err != nil {
			return withIndex(err, i)
		}
		if !d.comma() {
			more, err = d.arrayNext()
		}
	}
	return err
}

// scanString validates the string starting at d.pos (the opening quote) and
// returns the bounds of its contents and whether they need unescaping or
// UTF-8 repair.
//
// The common string is short printable ASCII, so this loop tests eight
// bytes at a time (stopAt) and returns when the first byte it stops at is
// the closing quote. Anything else — an escape, a control character,
// non-ASCII text, the last few bytes of the input — goes on in
// scanStringRest, which checks every byte.
func (d *decoder) scanString() (start, end int, slow bool, err error) {
	data := d.data
	start = d.pos + 1
	i := start
	for ; i+8 <= len(data); i += 8 {
		if m := stopNear(keyWord(data, i)); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			if data[i] == '"' {
				d.pos = i + 1
				return start, i, false, nil
			}
			break
		}
	}
	// Fewer than eight bytes left (the last string of a body, such as
	// `"iPhone15,2"}}`): the input's last word, shifted so that data[i] is
	// its lowest byte, with zeros (which stopAt flags) above the input's
	// end. When its first flagged byte is the closing quote, the string is
	// plain; else scanStringRest looks at each byte.
	if n := len(data) - i; n > 0 && n < 8 && len(data) >= 8 {
		w := binary.LittleEndian.Uint64(data[len(data)-8:]) >> (8 * uint(8-n))
		if k := bits.TrailingZeros64(stopAt(w)) >> 3; k < n && data[i+k] == '"' {
			d.pos = i + k + 1
			return start, i + k, false, nil
		}
	}
	return d.scanStringRest(start, i)
}

// plainString reads the common string in one word-at-a-time pass, for the
// hot callers (keys, attribute values, string fields): when a string
// starts at d.pos (no space before it) and holds no escape, control
// character or non-ASCII byte (stopAt flags none before the closing
// quote), it consumes it and returns the bounds of its contents;
// otherwise it consumes nothing and reports false, and the caller takes
// the careful path (scanString), which reports any error. It tests with
// the exact stopAt, not scanString's cheaper stopNear: names and text
// hold spaces, and stepping over each one that stopNear stops at costs
// more than stopAt's few more operations per word.
func (d *decoder) plainString() (start, end int, ok bool) {
	data := d.data
	p := d.pos
	if uint(p) >= uint(len(data)) || data[p] != '"' {
		return 0, 0, false
	}
	// i steps through data a word at a time (re-slicing a rest slice
	// instead, as this loop once did, costs about a fifth more: the
	// pointer arithmetic of every re-slice).
	i := p + 1
	for i <= len(data)-8 {
		w := keyWord(data, i)
		m := stopAt(w)
		if m == 0 {
			i += 8
			continue
		}
		shift := uint(bits.TrailingZeros64(m)) &^ 7
		if byte(w>>shift) != '"' {
			return 0, 0, false
		}
		end = i + int(shift>>3)
		d.pos = end + 1
		return p + 1, end, true
	}
	// Fewer than eight bytes left (the last string of a body, such as
	// device_model's `"iPhone15,2"}}`): the input's last word, shifted
	// as in scanString so that data[i] is its lowest byte, with zeros
	// past the input's end, which stopAt flags and which are not a quote.
	// (The word is read from data[last:], not with keyWord: that costs
	// a bounds check, whose panic call would give this leaf a frame.)
	if n, last := len(data)-i, len(data)-8; n > 0 && last >= 0 {
		w := binary.LittleEndian.Uint64(data[last:]) >> (8 * uint(8-n))
		shift := uint(bits.TrailingZeros64(stopAt(w))) &^ 7
		if byte(w>>shift) == '"' {
			end = i + int(shift>>3)
			d.pos = end + 1
			return p + 1, end, true
		}
	}
	return 0, 0, false
}

// plainEnd returns the position of the first byte at data[i:] that stopAt
// flags (a quote, backslash, control or non-ASCII byte), looking a word
// at a time, or -1 when none is found before the input's last eight
// bytes. It is small enough to inline.
func plainEnd(data []byte, i int) int {
	for ; i <= len(data)-8; i += 8 {
		if m := stopAt(keyWord(data, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	return -1
}

// The results of plainMember: how much of a member it read.
const (
	memberNone   = iota // nothing: the key is not plain or no ':' follows it
	memberKey           // the key and its ':'; the value is not a plain string
	memberString        // the key, its ':' and a plain string value
)

// plainMember is plainString for a whole object member with a string
// value, `"key":"value"` written with no space, as attribute objects
// hold most of theirs: one call, with the scans inlined, reads the key
// and, when the value is a plain string too, the value, where two
// plainString calls made the caller save and reload its registers around
// each. It returns the bounds of the key and of the value and how far it
// got (memberNone consumes nothing; memberKey leaves d.pos at the value).
// A string is taken only when plainString would take it (a value within
// the input's last eight bytes is left to the caller).
func (d *decoder) plainMember() (ks, ke, vs, ve, got int) {
	data := d.data
	p := d.pos
	if uint(p) >= uint(len(data)) || data[p] != '"' {
		return 0, 0, 0, 0, memberNone
	}
	ke = plainEnd(data, p+1)
	if ke < 0 || data[ke] != '"' || ke+1 >= len(data) || data[ke+1] != ':' {
		return 0, 0, 0, 0, memberNone
	}
	ks, p = p+1, ke+2
	d.pos = p
	if p >= len(data) || data[p] != '"' {
		return ks, ke, 0, 0, memberKey
	}
	if ve = plainEnd(data, p+1); ve < 0 || data[ve] != '"' {
		return ks, ke, 0, 0, memberKey
	}
	d.pos = ve + 1
	return ks, ke, p + 1, ve, memberString
}

// scanStringRest finishes scanString from data[i], the first byte that
// needs a closer look.
func (d *decoder) scanStringRest(start, i int) (_, end int, slow bool, err error) {
	data := d.data
	for {
		for i+8 <= len(data) {
			m := stopAt(keyWord(data, i))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return start, i, slow, nil
		case c == '\\':
			slow = true
			if i+1 >= len(data) {
				return 0, 0, false, d.errAt(i, "unexpected end of input in string escape")
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) {
					return 0, 0, false, d.errAt(i, "unexpected end of input in \\u escape")
				}
				for _, h := range data[i+2 : i+6] {
					if unhex(h) < 0 {
						return 0, 0, false, d.errAt(i, "invalid \\u escape in string")
					}
				}
				i += 6
			default:
				return 0, 0, false, d.errAt(i, "invalid escape in string")
			}
		case c < 0x20:
			return 0, 0, false, d.errAt(i, "invalid control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				slow = true
			}
			i += size
		}
	}
	return 0, 0, false, d.errAt(len(data), "unexpected end of input in string")
}

// Word-at-a-time constants: one in every byte, and the top bit of every
// byte.
const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// stopNear is a cheaper stopAt for the first pass of scanString: it also
// stops at a space or '!' (bytes just below the quote), which
// scanStringRest then steps over. The lowest flagged byte is never above
// the first byte stopAt would flag. (A non-ASCII byte is 0xa3 or more, or
// else 0x81 or more in b: no separate test of w's top bits is needed, as
// in stopAt.)
func stopNear(w uint64) uint64 {
	b := w ^ ('\\' * swarOnes)
	return ((w - 0x23*swarOnes) | (b - swarOnes)) & swarHigh
}

// stopAt returns a mask with the top bit set in the lowest byte of w (little
// endian) that is a quote, a backslash, a control character or not ASCII,
// or 0 when w holds none. Bytes above the lowest flagged one may be flagged
// falsely (a borrow carries upward), which is why only the lowest counts.
//
// A quote or backslash is a zero byte of q or b, which a subtraction of one
// per byte turns into one with its top bit set; a control character is
// below 0x20. The usual zero-byte test also masks with ^q to leave out
// bytes of 0x81 and more; here those come from the non-ASCII bytes of w,
// which are to be flagged anyway: a byte of 0x80 or more is 0x81 or more
// in q or in b (it cannot be 0x80 in both: that takes both 0xa2 and 0xdc
// in w), so the masks and a separate test of w's top bits are left out
// (five operations less per word).
func stopAt(w uint64) uint64 {
	q := w ^ ('"' * swarOnes)
	b := w ^ ('\\' * swarOnes)
	return ((q - swarOnes) | (b - swarOnes) | (w - 0x20*swarOnes)) & swarHigh
}

func unhex(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// unescape appends the decoded contents of a validated string body to dst,
// replacing invalid UTF-8 and lone surrogates with U+FFFD as encoding/json
// does.
func unescape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			switch s[i+1] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := utf16.DecodeRune(r, hex4(s[i+2:])); r2 != utf8.RuneError {
							dst = utf8.AppendRune(dst, r2)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, s[i+1])
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

func hex4(b []byte) rune {
	return unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3])
}

// unescapeKey returns the key data[start:end] unescaped (and UTF-8
// repaired) into a new slice, and records that it does not alias data.
func (d *decoder) unescapeKey(start, end int) []byte {
	d.keyStart, d.keyEnd = 0, -1
	// A fresh slice, not a reused scratch buffer: the caller decodes the
	// value (which may hold escaped keys of its own) before it stores the
	// key.
	return unescape(make([]byte, 0, end-start), d.data[start:end])
}

// str reads a string value.
func (d *decoder) str() (string, error) {
	if start, end, ok := d.plainString(); ok {
		return d.substr(start, end), nil
	}
	if !d.at('"') && d.peek() != '"' {
		return "", d.expected("string")
	}
	start, end, slow, err := d.scanString()
	if err != nil {
		return "", err
	}
	if !slow {
		return d.substr(start, end), nil
	}
	return d.unescapeString(start, end), nil
}

// unescapeString returns the string body data[start:end] unescaped: in a
// new string, or with a BatchBuffer in its text chunk (see textChunk). The
// scratch slice is on the stack when it is small (most escaped strings
// are short names and values).
func (d *decoder) unescapeString(start, end int) string {
	u := unescape(make([]byte, 0, end-start), d.data[start:end])
	if d.reuse != nil {
		if d.reuse.transient {
			return d.reuse.scratch.copyOf(u)
		}
		return d.reuse.text.copyOf(u)
	}
	return string(u)
}

// boolean reads true or false.
func (d *decoder) boolean() (bool, error) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	}
	return false, d.expected("boolean")
}

// number validates a number and returns its literal bytes (aliasing d.data).
func (d *decoder) number() ([]byte, error) {
	c := d.peek()
	if c != '-' && (c < '0' || c > '9') {
		return nil, d.expected("number")
	}
	start := d.pos
	n := scanNumber(d.data[start:])
	if n == 0 {
		end := start
		for end < len(d.data) && strings.IndexByte("0123456789+-.eE", d.data[end]) >= 0 {
			end++
		}
		if end == len(d.data) {
			// Truncated input: report at the end so stream framing reads more.
			return nil, d.errAt(end, "unexpected end of input in number")
		}
		return nil, d.errorf("invalid number")
	}
	d.pos += n
	return d.data[start:d.pos], nil
}

// scanNumber returns the length of the JSON number at the start of b, or 0
// when b does not start with a valid number.
func scanNumber(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return 0
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return 0
		}
	}
	return i
}

// isJSONNumber reports whether b is exactly one JSON number.
func isJSONNumber(b []byte) bool { return len(b) > 0 && scanNumber(b) == len(b) }

// intFast reads the common integer in one pass: after any spaces, an
// optional minus and 1 to 19 digits within the range of int64, not followed
// by a fraction or exponent. It reports false, consuming nothing, for
// anything else.
func (d *decoder) intFast() (int64, bool) {
	data := d.data
	p, neg := numberStart(data, d.pos)
	first := p
	var u uint64
	// A long integer (a timestamp, an id) takes its first eight digits in
	// one step.
	if p+8 <= len(data) {
		if v, ok := eightDigits(keyWord(data, p)); ok {
			u = v
			p += 8
			// The rest of a timestamp (13 digits) or an id: four more
			// digits in one step when there are.
			if p+4 <= len(data) {
				if v, ok := fourDigits(binary.LittleEndian.Uint32(data[p : p+4])); ok {
					u = u*10000 + v
					p += 4
				}
			}
		}
	}
	p, u = digitRun(data, p, u)
	// 19 digits fit a uint64 (ids such as mpid use all of them); the range
	// of int64 is checked below.
	if n := p - first; n == 0 || n > 19 || (n > 1 && data[first] == '0') {
		return 0, false
	}
	if p < len(data) && (data[p] == '.' || data[p]|0x20 == 'e') {
		return 0, false
	}
	n, ok := signedInt(u, neg)
	if ok {
		d.pos = p
	}
	return n, ok
}

// numberStart returns where the digits of a number at data[p:] start,
// after any spaces (indented JSON: "key": 1) and a minus sign, and whether
// there was the minus. intFast and floatFast start with it.
func numberStart(data []byte, p int) (int, bool) {
	for p < len(data) && data[p] == ' ' {
		p++
	}
	neg := p < len(data) && data[p] == '-'
	if neg {
		p++
	}
	return p, neg
}

// digitRun reads the decimal digits at data[p:] into m (m*10 + digit for
// each) and returns the position after them and the new m.
func digitRun(data []byte, p int, m uint64) (int, uint64) {
	for p < len(data) {
		c := data[p] - '0'
		if c > 9 {
			break
		}
		m = m*10 + uint64(c)
		p++
	}
	return p, m
}

// eightDigits returns the value of the eight ASCII digits in w (eight
// bytes of input, little endian: the first in the lowest byte) and true,
// or false when w holds a byte that is not a digit. The digits are summed
// in lanes: pairs, then fours, then all eight.
func eightDigits(w uint64) (uint64, bool) {
	v := w - 0x3030303030303030 // each byte a digit's value if it was one
	// A byte is a digit when it is at least '0' (no borrow sets its top
	// bit) and its value plus 0x76 stays below 0x80. Borrows and carries
	// only flag bytes above one that is flagged already.
	if (w|v|(v+0x7676767676767676))&0x8080808080808080 != 0 {
		return 0, false
	}
	v = v*10 + v>>8
	v = (v&0x000000ff000000ff)*(100+1000000<<32) + (v>>16&0x000000ff000000ff)*(1+10000<<32)
	return v >> 32, true
}

// fourDigits is eightDigits for the four ASCII digits in w.
func fourDigits(w uint32) (uint64, bool) {
	v := w - 0x30303030
	if (w|v|(v+0x76767676))&0x80808080 != 0 {
		return 0, false
	}
	v = v*10 + v>>8 // pairs in bytes 0 and 2
	return uint64(v&0xff)*100 + uint64(v>>16&0xff), true
}

// An integer is read by intFast, and by int64Slow when intFast declines
// (the readers call the two in turn, so that intFast is tried once).
// Integral numbers written with a fraction or exponent (1.0, 1e3) are
// accepted when they fit; anything else is an error, never a silent
// truncation.

// int64Slow reads an integer intFast does not take: whitespace first
// (other than spaces), long or non-integral literals, and errors.
func (d *decoder) int64Slow() (int64, error) {
	start := d.pos
	lit, err := d.number()
	if err != nil {
		return 0, err
	}
	if n, ok := parseInt(lit); ok {
		return n, nil
	}
	if n, ok := exactInt(lit); ok {
		return n, nil
	}
	return 0, d.errAt(start, "number "+string(lit)+" is not an int64")
}

// exactInt returns the value of the valid JSON number literal lit when it
// is an integer within int64, written with a fraction or exponent (1.0,
// 1e3, 12.50e1). It works on the decimal digits, not through float64, so a
// literal that float64 would round (9007199254740993.0, or
// -9223372036854775809, which rounds to the smallest int64) is never
// silently changed: it is either exact or rejected.
func exactInt(lit []byte) (int64, bool) {
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	mant, expLit := lit, []byte(nil)
	if i := bytes.IndexAny(lit, "eE"); i >= 0 {
		mant, expLit = lit[:i], lit[i+1:]
	}
	intPart, frac := mant, []byte(nil)
	if i := bytes.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	// The significant digits: intPart then frac, without leading zeros
	// and with trailing zeros moved into the exponent.
	digit := func(i int) byte {
		if i < len(intPart) {
			return intPart[i]
		}
		return frac[i-len(intPart)]
	}
	first, end := 0, len(intPart)+len(frac)
	for first < end && digit(first) == '0' {
		first++
	}
	if first == end {
		return 0, true // zero, whatever the exponent
	}
	shift := -len(frac) // the value is digits[first:end] × 10^shift × 10^exp
	for digit(end-1) == '0' {
		end--
		shift++
	}
	exp := 0
	if len(expLit) > 0 {
		e, err := strconv.Atoi(string(expLit))
		if err != nil || e > 1<<40 || e < -(1<<40) {
			// Far beyond int64, or a fraction no input is long enough
			// to cancel with trailing zeros.
			return 0, false
		}
		exp = e
	}
	shift += exp
	if shift < 0 || end-first+shift > 19 {
		return 0, false // a fraction is left, or more than 19 digits
	}
	var u uint64
	for i := first; i < end; i++ {
		u = u*10 + uint64(digit(i)-'0')
	}
	for ; shift > 0; shift-- {
		u *= 10
	}
	return signedInt(u, neg)
}

// signedInt applies the sign to a magnitude read from digits, reporting
// whether the result fits int64 (-2^63 fits, 2^63 does not).
func signedInt(u uint64, neg bool) (int64, bool) {
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseInt parses a plain integer literal without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	return signedInt(u, neg)
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// float64v reads a number as float64.
func (d *decoder) float64v() (float64, error) {
	start := d.pos
	lit, err := d.number()
	if err != nil {
		return 0, err
	}
	if f, ok := parseFloatFast(lit); ok {
		return f, nil
	}
	f, ferr := strconv.ParseFloat(string(lit), 64)
	if ferr != nil {
		return 0, d.errAt(start, "number "+string(lit)+" out of float64 range")
	}
	return f, nil
}

// floatFast reads the common decimal number in one pass, like intFast:
// after any spaces, an optional minus, an integer part without a leading
// zero, an optional fraction, no exponent, 15 significant digits at most
// (so the digits are exact in float64 and one division by an exact power
// of ten rounds correctly, as parseFloatFast does). It reports false,
// consuming nothing, for anything else.
func (d *decoder) floatFast() (float64, bool) {
	data := d.data
	p, neg := numberStart(data, d.pos)
	first := p
	p, m := digitRun(data, p, 0)
	digits := p - first
	if digits == 0 || (digits > 1 && data[first] == '0') {
		return 0, false
	}
	frac := 0
	if p < len(data) && data[p] == '.' {
		p++
		fracStart := p
		p, m = digitRun(data, p, m)
		frac = p - fracStart
		if frac == 0 {
			return 0, false
		}
	}
	if digits+frac > 15 || (p < len(data) && data[p]|0x20 == 'e') {
		return 0, false
	}
	f := float64(m) / pow10[frac]
	if neg {
		f = -f
	}
	d.pos = p
	return f, true
}

// boolFast reads true or false written with no space before it, reporting
// false, consuming nothing, for anything else.
func (d *decoder) boolFast() (bool, bool) {
	rest := d.data[d.pos:]
	if len(rest) >= 4 && string(rest[:4]) == "true" {
		d.pos += 4
		return true, true
	}
	if len(rest) >= 5 && string(rest[:5]) == "false" {
		d.pos += 5
		return false, true
	}
	return false, false
}

// parseFloatFast handles the common short decimals exactly (the classic
// fast path: a mantissa below 2^53 scaled by an exact power of ten).
func parseFloatFast(b []byte) (float64, bool) {
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
	}
	var m uint64
	digits, frac := 0, 0
	seenDot := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if seenDot {
				frac++
			}
		case c == '.':
			seenDot = true
		default:
			return 0, false // exponent: use strconv
		}
	}
	if digits > 15 || frac > 22 {
		return 0, false
	}
	f := float64(m) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

// skip validates and skips one value.
func (d *decoder) skip() error {
	switch c := d.peek(); c {
	case '{':
		more, err := d.objectOpen()
		for more {
			var key []byte
			if key, err = d.objectKey(); err != nil {
				return err
			}
			if verr := d.skip(); verr != nil {
				return withSeg(verr, string(key))
			}
			if !d.comma() {
				more, err = d.objectNext()
			}
		}
		return err
	case '[':
		more, err := d.arrayOpen()
		for i := 0; more; i++ {
			if verr := d.skip(); verr != nil {
				return withIndex(verr, i)
			}
			if !d.comma() {
				more, err = d.arrayNext()
			}
		}
		return err
	case '"':
		_, _, _, err := d.scanString()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		_, err := d.number()
		return err
	}
}

// raw skips one value and returns a copy of its JSON text.
func (d *decoder) raw() (json.RawMessage, error) {
	d.ws()
	start := d.pos
	if err := d.skip(); err != nil {
		return nil, err
	}
	return append(json.RawMessage(nil), d.data[start:d.pos]...), nil
}

// unknown stores the value of an unknown key.
func (d *decoder) unknown(m *map[string]json.RawMessage, key []byte) error {
	v, err := d.raw()
	if err != nil {
		return err
	}
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	(*m)[string(key)] = v
	return nil
}
