package mparticle

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// AttributeKind says which JSON shape an AttributeValue holds.
type AttributeKind uint8

// The kinds of AttributeValue.
const (
	// KindUndefined is the zero AttributeValue: nothing was set. As a struct
	// field it is omitted; inside a map it is written as null.
	KindUndefined AttributeKind = iota
	// KindNull is an explicit JSON null (a user attribute being removed).
	KindNull
	// KindString is a JSON string.
	KindString
	// KindNumber is a JSON number, kept as its literal text so that 4, 4.0
	// and 4e0 survive a round trip unchanged.
	KindNumber
	// KindBool is a JSON true or false.
	KindBool
	// KindList is a JSON array whose elements are all strings (a user
	// attribute list).
	KindList
	// KindRaw is any other JSON value (an object, or an array holding
	// non-strings), kept as compact raw JSON text.
	KindRaw
)

// String returns the kind's name.
func (k AttributeKind) String() string {
	switch k {
	case KindUndefined:
		return "undefined"
	case KindNull:
		return "null"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "bool"
	case KindList:
		return "list"
	case KindRaw:
		return "raw"
	}
	return "AttributeKind(" + strconv.Itoa(int(k)) + ")"
}

// AttributeValue is the value of a user attribute or of an event's custom
// attribute or custom flag.
//
// mParticle documents user attribute values as a string, a list of strings or
// null, and custom attribute values as string, number, bool or null. Real
// payloads carry more (numbers and booleans in user attributes, objects and
// arrays in custom attributes), so AttributeValue holds any JSON value and
// keeps it exactly: numbers keep their literal text ("4" the string, 4 and
// 4.0 are three different values), objects and mixed arrays are kept as raw
// JSON. The zero value is KindUndefined. AttributeValue is immutable; build
// one with StringAttr, ListAttr, NullAttr, NumberAttr, IntAttr, FloatAttr,
// BoolAttr, RawAttr or AttrOf.
type AttributeValue struct {
	kind AttributeKind
	// s is the string value, the number literal, "true"/"false", or the raw
	// JSON text, depending on kind.
	s string
	// list holds a KindList's entries. A pointer, not a slice, keeps the
	// value at 32 bytes instead of 48: attribute maps hold one per entry,
	// and lists are the rare kind.
	list *[]string
}

// items returns a KindList's entries (nil for other kinds), not copied.
func (v AttributeValue) items() []string {
	if v.list == nil {
		return nil
	}
	return *v.list
}

// StringAttr returns a string attribute value.
func StringAttr(s string) AttributeValue { return AttributeValue{kind: KindString, s: s} }

// ListAttr returns a string-list attribute value. The slice is copied; a nil
// or empty list is written as [].
func ListAttr(items ...string) AttributeValue {
	list := append([]string(nil), items...)
	return AttributeValue{kind: KindList, list: &list}
}

// NullAttr returns an explicit null (removes a user attribute).
func NullAttr() AttributeValue { return AttributeValue{kind: KindNull} }

// BoolAttr returns a boolean attribute value.
func BoolAttr(b bool) AttributeValue {
	if b {
		return AttributeValue{kind: KindBool, s: "true"}
	}
	return AttributeValue{kind: KindBool, s: "false"}
}

// IntAttr returns an integer number attribute value.
func IntAttr(n int64) AttributeValue {
	return AttributeValue{kind: KindNumber, s: strconv.FormatInt(n, 10)}
}

// FloatAttr returns a number attribute value. NaN and infinities are not
// JSON numbers; they yield an error.
func FloatAttr(f float64) (AttributeValue, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return AttributeValue{}, fmt.Errorf("mparticle: %v is not a JSON number", f)
	}
	return AttributeValue{kind: KindNumber, s: strconv.FormatFloat(f, 'g', -1, 64)}, nil
}

// NumberAttr returns a number attribute value with the given literal text,
// which must be a valid JSON number.
func NumberAttr(n json.Number) (AttributeValue, error) {
	if !isJSONNumber([]byte(n)) {
		return AttributeValue{}, fmt.Errorf("mparticle: %q is not a JSON number", string(n))
	}
	return AttributeValue{kind: KindNumber, s: string(n)}, nil
}

// RawAttr returns the attribute value encoded by the JSON text raw. Strings,
// numbers, booleans, null and string arrays get their specific kind; anything
// else is kept as raw JSON. Invalid JSON is an error.
func RawAttr(raw json.RawMessage) (AttributeValue, error) {
	d := decoder{data: raw}
	var v AttributeValue
	if err := d.topLevel(func(d *decoder) error { return d.attributeValue(&v) }); err != nil {
		return AttributeValue{}, err
	}
	return v, nil
}

// AttrOf converts a Go value to an AttributeValue: string, bool, all integer
// and float types, json.Number, nil, []string, AttributeValue itself,
// json.RawMessage, and any other value that encoding/json can marshal (kept
// as raw JSON).
func AttrOf(v any) (AttributeValue, error) {
	switch x := v.(type) {
	case nil:
		return NullAttr(), nil
	case AttributeValue:
		return x, nil
	case string:
		return StringAttr(x), nil
	case bool:
		return BoolAttr(x), nil
	case int:
		return IntAttr(int64(x)), nil
	case int8:
		return IntAttr(int64(x)), nil
	case int16:
		return IntAttr(int64(x)), nil
	case int32:
		return IntAttr(int64(x)), nil
	case int64:
		return IntAttr(x), nil
	case uint:
		return AttributeValue{kind: KindNumber, s: strconv.FormatUint(uint64(x), 10)}, nil
	case uint8:
		return IntAttr(int64(x)), nil
	case uint16:
		return IntAttr(int64(x)), nil
	case uint32:
		return IntAttr(int64(x)), nil
	case uint64:
		return AttributeValue{kind: KindNumber, s: strconv.FormatUint(x, 10)}, nil
	case float32:
		return FloatAttr(float64(x))
	case float64:
		return FloatAttr(x)
	case json.Number:
		return NumberAttr(x)
	case []string:
		return ListAttr(x...), nil
	case json.RawMessage:
		return RawAttr(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return AttributeValue{}, fmt.Errorf("mparticle: attribute value of type %T: %w", v, err)
	}
	return RawAttr(b)
}

// Kind returns the JSON shape of the value.
func (v AttributeValue) Kind() AttributeKind { return v.kind }

// IsNull reports whether the value is an explicit JSON null.
func (v AttributeValue) IsNull() bool { return v.kind == KindNull }

// IsDefined reports whether the value is anything but KindUndefined.
func (v AttributeValue) IsDefined() bool { return v.kind != KindUndefined }

// Str returns the string and true for KindString.
func (v AttributeValue) Str() (string, bool) { return v.s, v.kind == KindString }

// List returns the strings and true for KindList. The slice is a copy.
func (v AttributeValue) List() ([]string, bool) {
	if v.kind != KindList {
		return nil, false
	}
	return append([]string{}, v.items()...), true
}

// Len returns the number of list entries for KindList, else 0. It does not
// copy.
func (v AttributeValue) Len() int { return len(v.items()) }

// Number returns the number literal and true for KindNumber.
func (v AttributeValue) Number() (json.Number, bool) {
	return json.Number(v.s), v.kind == KindNumber
}

// Float64 returns the number as float64 for KindNumber.
func (v AttributeValue) Float64() (float64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.s, 64)
	return f, err == nil
}

// Int64 returns the number as int64 for a KindNumber holding an integer
// literal that fits.
func (v AttributeValue) Int64() (int64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	return n, err == nil
}

// Bool returns the boolean and true for KindBool.
func (v AttributeValue) Bool() (bool, bool) { return v.s == "true", v.kind == KindBool }

// Text returns the value as text: the string itself, the number literal,
// "true"/"false", "" for null and undefined, and the compact JSON text for
// lists and raw values. Mapping code uses it for type detection.
func (v AttributeValue) Text() string {
	switch v.kind {
	case KindString, KindNumber, KindBool, KindRaw:
		return v.s
	case KindList:
		return string(v.JSON())
	}
	return ""
}

// JSON returns the value as JSON text (null for KindUndefined).
func (v AttributeValue) JSON() json.RawMessage {
	var e encoder
	e.attributeValue(v)
	return e.buf
}

// String returns the value as JSON text, so that fmt prints what goes on the
// wire.
func (v AttributeValue) String() string { return string(v.JSON()) }

// Interface returns the value as a plain Go value: string, json.Number, bool,
// nil (null and undefined), []string, or for raw values what encoding/json
// decodes with UseNumber (map[string]any, []any, ...).
func (v AttributeValue) Interface() any {
	switch v.kind {
	case KindString:
		return v.s
	case KindNumber:
		return json.Number(v.s)
	case KindBool:
		return v.s == "true"
	case KindList:
		return append([]string{}, v.items()...)
	case KindRaw:
		dec := json.NewDecoder(strings.NewReader(v.s))
		dec.UseNumber()
		var out any
		if dec.Decode(&out) != nil {
			return json.RawMessage(v.s)
		}
		return out
	}
	return nil
}

// Equal reports whether v and w hold the same kind and the same text.
func (v AttributeValue) Equal(w AttributeValue) bool {
	return v.kind == w.kind && v.s == w.s && slices.Equal(v.items(), w.items())
}

// MarshalJSON writes the value as JSON (null for KindUndefined).
func (v AttributeValue) MarshalJSON() ([]byte, error) { return v.JSON(), nil }

// UnmarshalJSON reads any JSON value.
func (v *AttributeValue) UnmarshalJSON(b []byte) error {
	nv, err := RawAttr(b)
	if err != nil {
		return err
	}
	*v = nv
	return nil
}

// Reserved user attribute keys defined by mParticle. mParticle matches them
// case-insensitively (its JSON reference writes "$firstname"); see
// ReservedAttribute.
const (
	AttrFirstName = "$FirstName"
	AttrLastName  = "$LastName"
	AttrAge       = "$Age"
	AttrGender    = "$Gender"
	AttrMobile    = "$Mobile"
	AttrAddress   = "$Address"
	AttrCity      = "$City"
	AttrState     = "$State"
	AttrZip       = "$Zip"
	AttrCountry   = "$Country"
)

var reservedAttrs = [...]string{
	AttrFirstName, AttrLastName, AttrAge, AttrGender, AttrMobile,
	AttrAddress, AttrCity, AttrState, AttrZip, AttrCountry,
}

// ReservedAttribute reports whether key is one of mParticle's reserved user
// attribute keys, compared case-insensitively, and returns its canonical
// spelling (for example "$firstname" → "$FirstName", true).
func ReservedAttribute(key string) (canonical string, ok bool) {
	if len(key) < 2 || key[0] != '$' {
		return "", false
	}
	for _, r := range reservedAttrs {
		if strings.EqualFold(key, r) {
			return r, true
		}
	}
	return "", false
}
