package braze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/internal/jsonenc"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of Value. The zero Value has KindInvalid and cannot be encoded:
// an uninitialised Value must never turn into a deletion or an empty string.
const (
	KindInvalid   Kind = iota // zero Value; rejected by validation and encoding
	KindNull                  // null: deletes a custom attribute
	KindString                // string
	KindInt                   // integer
	KindFloat                 // floating-point number
	KindBool                  // boolean
	KindTime                  // date/time, sent as an RFC 3339 UTC string
	KindStrings               // array of strings (sets a string-array attribute)
	KindIncrement             // {"inc": n}
	KindAddRemove             // {"add": [...], "remove": [...]}
	KindObject                // nested object
	KindArray                 // array of arbitrary values
)

var kindNames = [...]string{
	KindInvalid:   "invalid",
	KindNull:      "null",
	KindString:    "string",
	KindInt:       "int",
	KindFloat:     "float",
	KindBool:      "bool",
	KindTime:      "time",
	KindStrings:   "strings",
	KindIncrement: "increment",
	KindAddRemove: "add/remove",
	KindObject:    "object",
	KindArray:     "array",
}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a typed custom attribute, event property or purchase property
// value. Build it with String, Int, Float, Bool, Time, Strings, Inc,
// AddRemove, NullValue, Object or Array; the zero Value is invalid.
//
// Values are immutable once built (constructors copy their slices and maps)
// and small: scalars live inline, the rarer composite kinds behind one
// pointer.
type Value struct {
	kind Kind
	nsec int32  // KindTime: nanoseconds
	num  uint64 // KindInt/KindIncrement: int64 bits; KindFloat: float64 bits; KindBool: 0/1; KindTime: Unix seconds
	str  string // KindString
	ext  *valueExt
}

// valueExt holds the composite kinds.
type valueExt struct {
	strs   []string // KindStrings; KindAddRemove: add
	remove []string // KindAddRemove
	obj    map[string]Value
	arr    []Value
}

// String returns a string value. Braze limits strings to 255 characters.
func String(s string) Value { return Value{kind: KindString, str: s} }

// Int returns an integer value.
func Int(n int64) Value { return Value{kind: KindInt, num: uint64(n)} }

// Float returns a floating-point value. NaN and ±Inf cannot be sent.
func Float(f float64) Value { return Value{kind: KindFloat, num: math.Float64bits(f)} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// Time returns a date/time value, sent as an RFC 3339 string in UTC.
func Time(t time.Time) Value {
	return Value{kind: KindTime, num: uint64(t.Unix()), nsec: int32(t.Nanosecond())}
}

// Strings returns a string-array value; as a custom attribute it replaces the
// whole array.
func Strings(ss []string) Value {
	return Value{kind: KindStrings, ext: &valueExt{strs: slices.Clone(nonNil(ss))}}
}

// Inc returns {"inc": n}: add n (which may be negative) to an integer custom
// attribute.
func Inc(n int64) Value { return Value{kind: KindIncrement, num: uint64(n)} }

// AddRemove returns {"add": add, "remove": remove}: add values to and remove
// values from a string-array custom attribute. An empty side is left out.
func AddRemove(add, remove []string) Value {
	return Value{kind: KindAddRemove, ext: &valueExt{strs: slices.Clone(add), remove: slices.Clone(remove)}}
}

// NullValue returns null; as a custom attribute it deletes the attribute.
func NullValue() Value { return Value{kind: KindNull} }

// Object returns a nested object value (a nested custom attribute or a
// nested event property). Keys are encoded in sorted order.
func Object(m map[string]Value) Value {
	if m == nil {
		m = map[string]Value{}
	}
	return Value{kind: KindObject, ext: &valueExt{obj: maps.Clone(m)}}
}

// NestedTime returns {"$time": t}, the form Braze needs for a date inside a
// nested custom attribute object (a bare time string there is stored as a
// string).
func NestedTime(t time.Time) Value {
	return Object(map[string]Value{"$time": Time(t)})
}

// Array returns an array of arbitrary values, e.g. the products of a bundled
// commerce event.
func Array(vs []Value) Value {
	return Value{kind: KindArray, ext: &valueExt{arr: slices.Clone(nonNil(vs))}}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// IsValid reports whether v was built by a constructor (is not the zero
// Value).
func (v Value) IsValid() bool { return v.kind != KindInvalid }

// Str returns the string of a KindString value.
func (v Value) Str() (string, bool) { return v.str, v.kind == KindString }

// Int returns the integer of a KindInt or KindIncrement value.
func (v Value) Int() (int64, bool) {
	return int64(v.num), v.kind == KindInt || v.kind == KindIncrement
}

// Float returns the number of a KindFloat or KindInt value as a float64.
func (v Value) Float() (float64, bool) {
	switch v.kind {
	case KindFloat:
		return math.Float64frombits(v.num), true
	case KindInt:
		return float64(int64(v.num)), true
	}
	return 0, false
}

// Bool returns the boolean of a KindBool value.
func (v Value) Bool() (bool, bool) { return v.num == 1, v.kind == KindBool }

// Time returns the time (in UTC) of a KindTime value.
func (v Value) Time() (time.Time, bool) {
	if v.kind != KindTime {
		return time.Time{}, false
	}
	return time.Unix(int64(v.num), int64(v.nsec)).UTC(), true
}

// Strings returns a copy of the strings of a KindStrings value.
func (v Value) Strings() ([]string, bool) {
	if v.kind != KindStrings {
		return nil, false
	}
	return slices.Clone(v.ext.strs), true
}

// AddRemove returns copies of both sides of a KindAddRemove value.
func (v Value) AddRemove() (add, remove []string, ok bool) {
	if v.kind != KindAddRemove {
		return nil, nil, false
	}
	return slices.Clone(v.ext.strs), slices.Clone(v.ext.remove), true
}

// Object returns a copy of the members of a KindObject value.
func (v Value) Object() (map[string]Value, bool) {
	if v.kind != KindObject {
		return nil, false
	}
	return maps.Clone(v.ext.obj), true
}

// Array returns a copy of the elements of a KindArray value.
func (v Value) Array() ([]Value, bool) {
	if v.kind != KindArray {
		return nil, false
	}
	return slices.Clone(v.ext.arr), true
}

// Equal reports whether two values have the same kind and content.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindString:
		return v.str == w.str
	case KindFloat:
		return math.Float64frombits(v.num) == math.Float64frombits(w.num)
	case KindStrings:
		return slices.Equal(v.ext.strs, w.ext.strs)
	case KindAddRemove:
		return slices.Equal(v.ext.strs, w.ext.strs) && slices.Equal(v.ext.remove, w.ext.remove)
	case KindObject:
		return maps.EqualFunc(v.ext.obj, w.ext.obj, Value.Equal)
	case KindArray:
		return slices.EqualFunc(v.ext.arr, w.ext.arr, Value.Equal)
	default:
		return v.num == w.num && v.nsec == w.nsec
	}
}

// String returns the value's JSON, or a description of why it has none; for
// debugging and messages.
func (v Value) String() string {
	b, err := v.appendJSON(nil)
	if err != nil {
		return "<" + v.kind.String() + ": " + err.Error() + ">"
	}
	return string(b)
}

// errInvalidValue is returned when the zero Value would be encoded.
var errInvalidValue = errors.New("braze: zero Value (use a constructor such as braze.String or braze.NullValue)")

// MarshalJSON encodes the value; see Kind for the forms.
func (v Value) MarshalJSON() ([]byte, error) { return v.appendJSON(nil) }

// AppendJSON appends the value's JSON encoding to dst.
func (v Value) AppendJSON(dst []byte) ([]byte, error) { return v.appendJSON(dst) }

func (v *Value) appendJSON(dst []byte) ([]byte, error) {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...), nil
	case KindString:
		return appendString(dst, v.str), nil
	case KindInt:
		return appendInt(dst, int64(v.num)), nil
	case KindFloat:
		return appendFloat(dst, math.Float64frombits(v.num))
	case KindBool:
		return appendBool(dst, v.num == 1), nil
	case KindTime:
		return appendUnixTime(dst, int64(v.num), int(v.nsec))
	case KindStrings:
		return appendStrings(dst, v.ext.strs), nil
	case KindIncrement:
		dst = append(dst, `{"inc":`...)
		dst = appendInt(dst, int64(v.num))
		return append(dst, '}'), nil
	case KindAddRemove:
		w := beginObject(dst)
		if len(v.ext.strs) > 0 {
			w.key(`"add":`)
			w.buf = appendStrings(w.buf, v.ext.strs)
			w.comma()
		}
		if len(v.ext.remove) > 0 {
			w.key(`"remove":`)
			w.buf = appendStrings(w.buf, v.ext.remove)
			w.comma()
		}
		return w.finish()
	case KindObject:
		return appendValueMap(dst, v.ext.obj)
	case KindArray:
		dst = append(dst, '[')
		for i, e := range v.ext.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = e.appendJSON(dst); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	return dst, errInvalidValue
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// member is one map entry, for sorting the entries of a map too large for
// appendMembers' stack arrays.
type member struct {
	key string
	val Value
}

// keyPrefix returns the first seven bytes of k (zero-padded) in the top
// seven bytes of the result.
func keyPrefix(k string) uint64 {
	if len(k) >= 8 {
		// The compiler turns this into one load and a byte swap.
		k = k[:8]
		return (uint64(k[0])<<56 | uint64(k[1])<<48 | uint64(k[2])<<40 | uint64(k[3])<<32 |
			uint64(k[4])<<24 | uint64(k[5])<<16 | uint64(k[6])<<8 | uint64(k[7])) &^ 0xff
	}
	if len(k) >= 4 {
		// Two overlapping four-byte loads: the first four bytes, and the
		// last four shifted into place (the overlap ORs equal bytes).
		hi := uint64(k[0])<<24 | uint64(k[1])<<16 | uint64(k[2])<<8 | uint64(k[3])
		n := len(k) - 4
		lo := uint64(k[n])<<24 | uint64(k[n+1])<<16 | uint64(k[n+2])<<8 | uint64(k[n+3])
		return hi<<32 | lo<<(32-8*uint(n))
	}
	var p uint64
	for i := 0; i < len(k); i++ {
		p |= uint64(k[i]) << (56 - 8*uint(i))
	}
	return p
}

// sortOrder sorts the order words of a map's entries by key (see
// appendMembers): an insertion sort of eight-byte words, comparing keys
// only when their first seven bytes are equal.
func sortOrder(order []uint64, keys []string) {
	for i := 1; i < len(order); i++ {
		x := order[i]
		j := i
		for ; j > 0; j-- {
			y := order[j-1]
			if x>>8 != y>>8 {
				if x > y {
					break
				}
			} else if keys[x&0xff] > keys[y&0xff] {
				break
			}
			order[j] = y
		}
		order[j] = x
	}
}

// memberRule names the validation rules of a map's members, so that
// appendMembers can check them while it encodes (Client.Track validates and
// encodes in one pass over each map).
type memberRule uint8

const (
	// anyMember: nested objects, checked by Validate only.
	anyMember memberRule = iota
	// propertyMember: event and purchase properties.
	propertyMember
	// customMember: custom attributes.
	customMember
)

// plain reports whether the member passes its rules on the fast path of
// validation; a member that does not may still be valid, and only the full
// Validate tells (and names the problem).
func (r memberRule) plain(k string, v *Value) bool {
	switch r {
	case propertyMember:
		return plainProperty(k, v)
	case customMember:
		return plainCustom(k, v)
	}
	return false
}

// plainKey reports whether k passes the key part of plain: for a string,
// int or bool member it is the whole answer but for the string's length.
func (r memberRule) plainKey(k string) bool {
	switch r {
	case propertyMember:
		return plainKey(k) && k != "time" && k != "event_name"
	case customMember:
		return plainKey(k) && !isStandardKey(k)
	}
	return false
}

// memberEncoder is the state the encoders of one request's objects share:
// when check is set (see TrackRequest.appendValidated), whether the object
// being encoded has a member that is not plain.
type memberEncoder struct {
	// check asks appendMembers to test members against their rule.
	check bool
	// irregular is set when a checked member is not plain.
	irregular bool
	// stamp speeds up the objects' own times.
	stamp timeStamp
}

// appendMembers appends the `"key":value,` pairs of m in key order. When
// enc.check is set it also sets enc.irregular if a member is not plain
// under rule.
//
// A map's entries are copied once into arrays on the stack, with an order
// word each: the first seven bytes of the key, big-endian, above the
// entry's index in the low byte. Comparing two words as integers orders
// them by key unless the seven bytes are equal (only then are the keys
// compared), and the sort moves these words instead of 56-byte entries.
// The arrays are locals of the function that fills them, not scratch space
// behind a pointer, because stores into the stack need no GC write
// barrier: while a collection runs (often, on a busy forwarder) every
// pointer stored through a pointer is queued for the collector. Three
// sizes keep the common small map from clearing a large frame.
func appendMembers(w *fieldWriter, m map[string]Value, rule memberRule, enc *memberEncoder) error {
	switch {
	case len(m) <= tinyMap:
		return appendTinyMap(w, m, rule, enc)
	case len(m) <= smallMap:
		return appendSmallMap(w, m, rule, enc)
	case len(m) <= mediumMap:
		return appendMediumMap(w, m, rule, enc)
	}
	return appendLargeMap(w, m, rule, enc)
}

// tinyMap, smallMap and mediumMap are the sizes of appendMembers' stack
// arrays; property and attribute maps nearly always fit the first two. The order
// word keeps an entry's index in one byte, so both are at most 256.
const (
	tinyMap   = 8
	smallMap  = 16
	mediumMap = 64
)

// appendTinyMap is appendMembers for a map of at most tinyMap entries.
func appendTinyMap(w *fieldWriter, m map[string]Value, rule memberRule, enc *memberEncoder) error {
	var keys [tinyMap]string
	var vals [tinyMap]Value
	var order [tinyMap]uint64
	n := collectMembers(m, keys[:], vals[:], order[:])
	return appendSorted(w, keys[:n], vals[:n], order[:n], rule, enc)
}

// appendSmallMap is appendMembers for a map of at most smallMap entries.
func appendSmallMap(w *fieldWriter, m map[string]Value, rule memberRule, enc *memberEncoder) error {
	var keys [smallMap]string
	var vals [smallMap]Value
	var order [smallMap]uint64
	n := collectMembers(m, keys[:], vals[:], order[:])
	return appendSorted(w, keys[:n], vals[:n], order[:n], rule, enc)
}

// appendMediumMap is appendMembers for a map of at most mediumMap entries.
func appendMediumMap(w *fieldWriter, m map[string]Value, rule memberRule, enc *memberEncoder) error {
	var keys [mediumMap]string
	var vals [mediumMap]Value
	var order [mediumMap]uint64
	n := collectMembers(m, keys[:], vals[:], order[:])
	return appendSorted(w, keys[:n], vals[:n], order[:n], rule, enc)
}

// collectMembers copies m's entries into keys and vals (the caller's stack
// arrays, at least len(m) long) with each entry's order word: its key's
// sort prefix and its index. It returns the number of entries.
func collectMembers(m map[string]Value, keys []string, vals []Value, order []uint64) int {
	n := 0
	for k, v := range m {
		if n == len(keys) {
			break // cannot happen (len(m) was checked); keeps the indexing in bounds
		}
		order[n] = keyPrefix(k) | uint64(n)
		keys[n], vals[n] = k, v
		n++
	}
	return n
}

// appendSorted sorts the order words of a map's collected entries and
// writes the entries in that order (see appendMembers).
func appendSorted(w *fieldWriter, keys []string, vals []Value, order []uint64, rule memberRule, enc *memberEncoder) error {
	sortOrder(order, keys)
	check := enc.check && !enc.irregular
	buf := w.buf // a local, for the same reason: w.buf is behind a pointer
	for _, o := range order {
		k, v := keys[o&0xff], &vals[o&0xff]
		// The common kinds are checked (rule.plain's answer for them: a
		// plain key, a string of at most 255 bytes) and written here
		// without the calls through rule.plain and appendJSON.
		if check && !rule.plainKey(k) {
			enc.irregular, check = true, false
		}
		buf = jsonenc.AppendKey(buf, k)
		switch v.kind {
		case KindString:
			if check && len(v.str) > MaxStringLength {
				enc.irregular, check = true, false
			}
			buf = jsonenc.AppendString(buf, v.str)
		case KindInt:
			buf = strconv.AppendInt(buf, int64(v.num), 10)
		case KindBool:
			buf = strconv.AppendBool(buf, v.num == 1)
		default:
			if check && !rule.plain(k, v) {
				enc.irregular, check = true, false
			}
			var err error
			if buf, err = v.appendJSON(buf); err != nil {
				w.buf = buf
				return fmt.Errorf("key %q: %w", k, err)
			}
		}
		buf = append(buf, ',')
	}
	w.buf = buf
	return nil
}

// appendLargeMap is appendMembers for a map of more than mediumMap
// entries.
func appendLargeMap(w *fieldWriter, m map[string]Value, rule memberRule, enc *memberEncoder) error {
	ms := make([]member, 0, len(m))
	for k, v := range m {
		ms = append(ms, member{k, v})
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	for i := range ms {
		e := &ms[i]
		if enc.check && !enc.irregular && !rule.plain(e.key, &e.val) {
			enc.irregular = true
		}
		w.anyKey(e.key)
		var err error
		if w.buf, err = e.val.appendJSON(w.buf); err != nil {
			return fmt.Errorf("key %q: %w", e.key, err)
		}
		w.comma()
	}
	return nil
}

// appendValueMap appends m as a JSON object with sorted keys, as
// encoding/json does for maps.
func appendValueMap(dst []byte, m map[string]Value) ([]byte, error) {
	w := beginObject(dst)
	var enc memberEncoder
	if err := appendMembers(&w, m, anyMember, &enc); err != nil {
		return w.buf, err
	}
	return w.finish()
}

// UnmarshalJSON decodes any JSON value. JSON carries no type beyond its
// syntax, so: null → KindNull; a string → KindString (a time comes back as
// its string); an integer literal that fits int64 → KindInt, any other number
// → KindFloat; an array of strings → KindStrings, any other array →
// KindArray; {"inc": <integer>} → KindIncrement; an object whose only keys
// are "add" and/or "remove" holding string arrays → KindAddRemove; any other
// object → KindObject. Re-encoding a decoded Value yields the same JSON
// (numbers in canonical form).
func (v *Value) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return errors.New("braze: empty JSON value")
	}
	switch c := data[0]; {
	case c == 'n':
		if string(data) != "null" {
			return fmt.Errorf("braze: invalid JSON value %q", data)
		}
		*v = NullValue()
	case c == 't' || c == 'f':
		var b bool
		if err := json.Unmarshal(data, &b); err != nil {
			return err
		}
		*v = Bool(b)
	case c == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*v = String(s)
	case c == '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return err
		}
		vs := make([]Value, len(raw))
		allStrings := true
		for i, r := range raw {
			if err := vs[i].UnmarshalJSON(r); err != nil {
				return err
			}
			allStrings = allStrings && vs[i].kind == KindString
		}
		if allStrings {
			ss := make([]string, len(vs))
			for i, e := range vs {
				ss[i] = e.str
			}
			*v = Value{kind: KindStrings, ext: &valueExt{strs: ss}}
		} else {
			*v = Value{kind: KindArray, ext: &valueExt{arr: vs}}
		}
	case c == '{':
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return err
		}
		return v.unmarshalObject(raw)
	default:
		return v.unmarshalNumber(data)
	}
	return nil
}

func (v *Value) unmarshalNumber(data []byte) error {
	if !json.Valid(data) {
		return fmt.Errorf("braze: invalid JSON value %q", data)
	}
	if !bytes.ContainsAny(data, ".eE") {
		if n, err := strconv.ParseInt(string(data), 10, 64); err == nil {
			if n == 0 && data[0] == '-' {
				// "-0" keeps its sign as a float, so it re-encodes as "-0".
				*v = Float(math.Copysign(0, -1))
				return nil
			}
			*v = Int(n)
			return nil
		}
	}
	f, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("braze: number %s: %w", data, err)
	}
	*v = Float(f)
	return nil
}

func (v *Value) unmarshalObject(raw map[string]json.RawMessage) error {
	if inc, ok := raw["inc"]; ok && len(raw) == 1 {
		var n Value
		if err := n.UnmarshalJSON(inc); err == nil && n.kind == KindInt {
			*v = Inc(int64(n.num))
			return nil
		}
	}
	if ar, ok := decodeAddRemove(raw); ok {
		*v = ar
		return nil
	}
	m := make(map[string]Value, len(raw))
	for k, r := range raw {
		var e Value
		if err := e.UnmarshalJSON(r); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
		m[k] = e
	}
	*v = Value{kind: KindObject, ext: &valueExt{obj: m}}
	return nil
}

// decodeAddRemove recognises {"add": [...], "remove": [...]} (either side
// optional, at least one non-empty, strings only).
func decodeAddRemove(raw map[string]json.RawMessage) (Value, bool) {
	if len(raw) == 0 || len(raw) > 2 {
		return Value{}, false
	}
	var add, remove []string
	for k, r := range raw {
		var ss []string
		if k != "add" && k != "remove" || json.Unmarshal(r, &ss) != nil || ss == nil {
			return Value{}, false
		}
		if k == "add" {
			add = ss
		} else {
			remove = ss
		}
	}
	if len(add) == 0 && len(remove) == 0 {
		return Value{}, false
	}
	return Value{kind: KindAddRemove, ext: &valueExt{strs: add, remove: remove}}, true
}
