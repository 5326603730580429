package braze

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// Optional holds a standard profile field in one of three states, which
// Braze treats differently:
//
//   - absent (the zero value): the field is left out of the JSON and the
//     profile keeps its current value;
//   - set (Set(v)): the field is sent with v;
//   - null (Null()): the field is sent as null and Braze removes it.
//
// Struct fields of type Optional carry the `omitzero` JSON option, so
// encoding/json leaves absent fields out just like this package's encoder.
//
// Package mparticle's Optional has the same constructors and methods with
// the same meaning; IsZero, which omitzero needs, is braze's own.
type Optional[T any] struct {
	state optState
	v     T
}

type optState uint8

const (
	optAbsent optState = iota
	optSet
	optNull
)

// Set returns an Optional holding v.
func Set[T any](v T) Optional[T] { return Optional[T]{state: optSet, v: v} }

// Null returns an Optional that sends null, deleting the field in Braze.
func Null[T any]() Optional[T] { return Optional[T]{state: optNull} }

// IsSet reports whether the field holds a value: false when it is absent
// and false when it is null. Use IsAbsent to ask whether the field is sent
// at all (a null is sent: it deletes the field in Braze).
func (o Optional[T]) IsSet() bool { return o.state == optSet }

// IsNull reports whether the field is sent as null.
func (o Optional[T]) IsNull() bool { return o.state == optNull }

// IsAbsent reports whether the field is left out, so that Braze keeps its
// current value.
func (o Optional[T]) IsAbsent() bool { return o.state == optAbsent }

// IsZero reports whether the field is absent, like IsAbsent; it lets
// encoding/json's omitzero option leave absent fields out.
func (o Optional[T]) IsZero() bool { return o.state == optAbsent }

// Get returns the value and true when the field holds a value, or the zero
// T and false when it is absent or null.
func (o Optional[T]) Get() (T, bool) { return o.v, o.state == optSet }

// Or returns the value when the field holds one, else def.
func (o Optional[T]) Or(def T) T {
	if o.state == optSet {
		return o.v
	}
	return def
}

// errAbsentOptional is returned when an absent Optional is marshalled on its
// own: writing null would delete the field in Braze, writing nothing is not
// valid JSON, so the caller must leave it out (omitzero).
var errAbsentOptional = errors.New("braze: an absent Optional cannot be encoded; leave it out with the omitzero option")

// MarshalJSON encodes a set value as the value itself (times in UTC) and a
// null as null. An absent Optional is an error: it must be omitted.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	switch o.state {
	case optNull:
		return []byte("null"), nil
	case optSet:
		if t, ok := any(o.v).(time.Time); ok {
			return appendTime(nil, t)
		}
		return json.Marshal(o.v)
	}
	return nil, errAbsentOptional
}

// UnmarshalJSON decodes null as Null and anything else as Set.
func (o *Optional[T]) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		*o = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*o = Set(v)
	return nil
}

// String describes the state, for debugging and test failure messages.
func (o Optional[T]) String() string {
	switch o.state {
	case optNull:
		return "null"
	case optSet:
		b, err := o.MarshalJSON()
		if err != nil {
			return "<unencodable>"
		}
		return string(b)
	}
	return "absent"
}
