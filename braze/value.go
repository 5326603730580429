package braze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
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
	strs   []string   // KindStrings; KindAddRemove: add
	remove []string   // KindAddRemove
	obj    Properties // KindObject: members in encoding order
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
	return Value{kind: KindObject, ext: &valueExt{obj: PropertiesFromMap(m)}}
}

// ObjectOf returns a nested object value with the members of ps (copied),
// encoded in ps's order. Keys must be unique, as in any Properties.
func ObjectOf(ps Properties) Value {
	return Value{kind: KindObject, ext: &valueExt{obj: slices.Clone(ps)}}
}

// NestedTime returns {"$time": t}, the form Braze needs for a date inside a
// nested custom attribute object (a bare time string there is stored as a
// string).
func NestedTime(t time.Time) Value {
	return Value{kind: KindObject, ext: &valueExt{obj: Properties{{Key: "$time", Value: Time(t)}}}}
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

// Object returns the members of a KindObject value, copied into a map
// (of a key given twice, the first value).
func (v Value) Object() (map[string]Value, bool) {
	if v.kind != KindObject {
		return nil, false
	}
	m := make(map[string]Value, len(v.ext.obj))
	for _, p := range v.ext.obj {
		if _, dup := m[p.Key]; !dup {
			m[p.Key] = p.Value
		}
	}
	return m, true
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
		return sameMembers(v.ext.obj, w.ext.obj) && sameMembers(w.ext.obj, v.ext.obj)
	case KindArray:
		return slices.EqualFunc(v.ext.arr, w.ext.arr, Value.Equal)
	default:
		return v.num == w.num && v.nsec == w.nsec
	}
}

// sameMembers reports whether a and b have the same length and every
// member of a is in b with an equal value: objects are equal whatever the
// order of their members, as JSON objects are.
func sameMembers(a, b Properties) bool {
	if len(a) != len(b) {
		return false
	}
	for _, p := range a {
		if w, ok := b.Get(p.Key); !ok || !p.Value.Equal(w) {
			return false
		}
	}
	return true
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
		return appendObject(dst, v.ext.obj)
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

// memberRule names the validation rules of a list's members, so that
// appendMembers can check them while it encodes (Client.Track validates and
// encodes in one pass over each list).
type memberRule uint8

const (
	// anyMember: nested objects, checked by Validate only.
	anyMember memberRule = iota
	// propertyMember: event and purchase properties.
	propertyMember
	// customMember: custom attributes.
	customMember
)

// plainValue reports whether a member whose key passes plainKey passes
// its rules on the fast path of validation: plainKey and plainValue
// together are plainProperty or plainCustom. A member that does not may
// still be valid, and only the full Validate tells (and names the problem).
func (r memberRule) plainValue(v *Value) bool {
	switch r {
	case propertyMember:
		if v.kind == KindStrings {
			return shortStrings(v.ext.strs)
		}
		return plainScalar(v)
	case customMember:
		switch v.kind {
		case KindNull, KindIncrement:
			return true
		case KindStrings:
			return shortStrings(v.ext.strs)
		case KindAddRemove:
			return (len(v.ext.strs) > 0 || len(v.ext.remove) > 0) && shortStrings(v.ext.strs) && shortStrings(v.ext.remove)
		}
		return plainScalar(v)
	}
	return false
}

// plainKey reports whether k passes the key part of plain: for a string,
// int or bool member it is the whole answer but for the string's length.
func (r memberRule) plainKey(k string) bool { return plainKey(k) && r.plainKeyName(k) }

// plainKeyName is the part of plainKey beyond the rules shared by every
// member (plainKey): the reserved and standard names.
func (r memberRule) plainKeyName(k string) bool {
	switch r {
	case propertyMember:
		return k != "time" && k != "event_name"
	case customMember:
		return !isStandardKey(k)
	}
	return false
}

// memberEncoder is the state the encoders of one request's objects share:
// when check is set (see TrackRequest.appendValidated and itemEncoder.encode),
// whether the object being encoded has a field or member that is not plain.
type memberEncoder struct {
	// check asks the object encoders to test their fields (plainFields)
	// and appendMembers the members against their rule.
	check bool
	// irregular is set when a checked field or member is not plain.
	irregular bool
	// stamp speeds up the objects' own times.
	stamp timeStamp
}

// keyAfter reports whether k > prev. Neighbouring sorted keys mostly
// differ within their first bytes ("position", "premium", "price"), so
// short keys are compared byte by byte without the call of a string
// comparison; keys sharing a longer prefix are left to it.
func keyAfter(k, prev string) bool {
	n := min(len(k), len(prev), 16)
	for i := 0; i < n; i++ {
		if k[i] != prev[i] {
			return k[i] > prev[i]
		}
	}
	if n < 16 { // one is a prefix of the other
		return len(k) > len(prev)
	}
	return k > prev
}

// appendMembers appends the `"key":value,` pairs of ps in slice order.
// When enc.check is set it also sets enc.irregular if a member is not
// plain under rule (rule.plainKey and rule.plainValue) or a key appears
// twice: what validation's fast path accepts. Keys that increase (as the
// mapper emits them) are unique: each is compared with the one before,
// and only a list out of order is searched for a duplicate, once. The
// common kinds and the key rules are tested inline, without a call per
// member (plainProperties, plainMembersSlow).
//
// The check is a loop of its own, before the writing one: the writing
// loop calls the escaper for every key, and a Go call saves no register,
// so every value the check keeps across members (the rule, the order
// state, the encoder) would be reloaded from the stack after each call.
// Its choice between the two is written out here: as a function of its
// own (two calls) it was too big to be inlined, a call per list.
func appendMembers(w *fieldWriter, ps Properties, rule memberRule, enc *memberEncoder) error {
	if enc.check && !enc.irregular {
		plain, settled := false, false
		if rule == propertyMember {
			plain, settled = plainProperties(ps)
		}
		if !settled {
			plain = plainMembersSlow(ps, rule)
		}
		enc.irregular = !plain
	}
	buf := w.buf // a local: stores through w cost a write barrier while GC runs
	for i := range ps {
		p := &ps[i]
		// The common kinds are written here, without the call through
		// appendJSON.
		switch p.Value.kind {
		case KindString:
			buf = jsonenc.AppendKeyString(buf, p.Key, p.Value.str)
		case KindInt:
			buf = appendInt(jsonenc.AppendKey(buf, p.Key), int64(p.Value.num))
		case KindBool:
			buf = strconv.AppendBool(jsonenc.AppendKey(buf, p.Key), p.Value.num == 1)
		case KindFloat:
			var err error
			if buf, err = appendFloat(jsonenc.AppendKey(buf, p.Key), math.Float64frombits(p.Value.num)); err != nil {
				w.buf = buf
				return fmt.Errorf("key %q: %w", p.Key, err)
			}
		default:
			var err error
			if buf, err = p.Value.appendJSON(jsonenc.AppendKey(buf, p.Key)); err != nil {
				w.buf = buf
				return fmt.Errorf("key %q: %w", p.Key, err)
			}
		}
		buf = append(buf, ',')
	}
	w.buf = buf
	return nil
}

// plainProperties is appendMembers's check for event and purchase properties
// without a call on any path, so that the compiler keeps the loop's state
// in registers (a Go call saves none, and the values live across a call
// on any path are stored to the stack on every pass). It settles the
// lists of strings, numbers and booleans whose keys increase within their
// first 16 bytes; for any other (a composite value, keys out of order or
// sharing a longer prefix) it reports settled false, and plainMembersSlow
// decides.
func plainProperties(ps Properties) (plain, settled bool) {
	for i := range ps {
		k, v := ps[i].Key, &ps[i].Value
		// propertyMember.plainKey(k), spelt out: plainKey inlines, the
		// method (through plainKeyName's switch) does not.
		if !plainKey(k) || k == "time" || k == "event_name" {
			return false, true
		}
		switch v.kind {
		case KindString:
			if len(v.str) > MaxStringLength {
				return false, true
			}
		case KindInt, KindBool:
		case KindFloat:
			if !finiteBits(v.num) {
				return false, true
			}
		default:
			return false, false
		}
		if i == 0 {
			continue
		}
		// keyAfter(k, prev) for keys that differ within their first 16
		// bytes. Most neighbours differ in their first byte, which both
		// have (plainKey): that test alone settles them.
		prev := ps[i-1].Key
		if k[0] != prev[0] {
			if k[0] < prev[0] {
				return false, false
			}
			continue
		}
		n := min(len(k), len(prev), 16)
		j := 1
		for j < n && k[j] == prev[j] {
			j++
		}
		switch {
		case j < n:
			if k[j] < prev[j] {
				return false, false
			}
		case n < 16 && len(k) > len(prev): // prev is a prefix of k
		default:
			return false, false
		}
	}
	return true, true
}

// finiteBits reports whether the float64 with bits b is finite (not NaN
// or ±Inf): its exponent is not all ones. The members' fast checks test
// a KindFloat's bits so, without converting them back to a float.
func finiteBits(b uint64) bool { return b>>52&0x7ff != 0x7ff }

// plainMembersSlow is appendMembers's check for any rule and list.
func plainMembersSlow(ps Properties, rule memberRule) bool {
	ordered := true // still comparing neighbours
	for i := range ps {
		k, v := ps[i].Key, &ps[i].Value
		// rule.plainKey(k), spelt out so that plainKey inlines.
		if !plainKey(k) || !rule.plainKeyName(k) {
			return false
		}
		switch v.kind {
		case KindString:
			if len(v.str) > MaxStringLength {
				return false
			}
		case KindInt, KindBool:
		case KindFloat:
			if !finiteBits(v.num) {
				return false
			}
		default:
			if !rule.plainValue(v) {
				return false
			}
		}
		if ordered && i > 0 && !keyAfter(k, ps[i-1].Key) {
			if hasDuplicateKey(ps) {
				return false
			}
			ordered = false
		}
	}
	return true
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
		ms, err := objectMembers(data)
		if err != nil {
			return err
		}
		return v.unmarshalObject(ms)
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

// unmarshalObject decodes an object's members (in document order, each
// key once).
func (v *Value) unmarshalObject(ms []rawMember) error {
	if len(ms) == 1 && ms[0].key == "inc" {
		var n Value
		if err := n.UnmarshalJSON(ms[0].raw); err == nil && n.kind == KindInt {
			*v = Inc(int64(n.num))
			return nil
		}
	}
	if ar, ok := decodeAddRemove(ms); ok {
		*v = ar
		return nil
	}
	ps, err := decodeMembers(ms)
	if err != nil {
		return err
	}
	*v = Value{kind: KindObject, ext: &valueExt{obj: ps}}
	return nil
}

// decodeAddRemove recognises {"add": [...], "remove": [...]} (either side
// optional, at least one non-empty, strings only).
func decodeAddRemove(ms []rawMember) (Value, bool) {
	if len(ms) == 0 || len(ms) > 2 {
		return Value{}, false
	}
	var add, remove []string
	for _, m := range ms {
		k := m.key
		var ss []string
		if k != "add" && k != "remove" || json.Unmarshal(m.raw, &ss) != nil || ss == nil {
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
