package mparticle

import (
	"iter"
	"slices"
)

// Attribute is one member of an Attributes object: a key and its value.
type Attribute struct {
	// Key is the attribute's name as mParticle sent it.
	Key string
	// Value is its value.
	Value AttributeValue
}

// Attributes is a JSON object of attribute values (user_attributes,
// custom_attributes, custom_flags), kept as a list in the order its members
// were written.
//
// A list instead of a Go map: decoding one costs a single allocation of
// exactly its size (a map costs several and hashes every key), iterating it
// needs no sorting to be deterministic, and the encoder writes the members
// back in the order they were read. Lookups scan the list, which for the
// handful of attributes an event carries is as fast as a map.
//
// Keys are meant to be unique. The decoder, Set and AttributesFromMap keep
// them so: when a JSON object repeats a key, the last value counts (as with
// encoding/json and a map) and stays at the position the key first had.
// When a list built by hand repeats a key, Get returns the last entry's
// value, and the mapping package uses that one too; the encoder writes every
// entry as it is.
//
// The zero value (nil) is an empty object. Build one with a composite
// literal, Set, or AttributesFromMap.
type Attributes []Attribute

// AttributesFromMap returns the members of m as Attributes sorted by key
// (nil for an empty m), the order in which a map used to be written.
func AttributesFromMap(m map[string]AttributeValue) Attributes {
	if len(m) == 0 {
		return nil
	}
	a := make(Attributes, 0, len(m))
	for k, v := range m {
		a = append(a, Attribute{Key: k, Value: v})
	}
	a.sortByKey()
	return a
}

// sortByKey sorts a by key. The keys must be unique.
func (a Attributes) sortByKey() {
	slices.SortFunc(a, compareAttrKeys)
}

// Len returns the number of entries.
func (a Attributes) Len() int { return len(a) }

// index returns the index of the last entry with key, or -1.
func (a Attributes) index(key string) int {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i].Key == key {
			return i
		}
	}
	return -1
}

// Get returns the value of key and whether a has it. A decoded list has
// each key once; in a list built by hand with several entries for key, Get
// returns the last, the one a JSON reader keeps from the encoded object.
func (a Attributes) Get(key string) (AttributeValue, bool) {
	if i := a.index(key); i >= 0 {
		return a[i].Value, true
	}
	return AttributeValue{}, false
}

// Set sets key to v: in place when a has key (the last entry with key, if
// a list built by hand has several), else appended at the end.
func (a *Attributes) Set(key string, v AttributeValue) {
	if i := a.index(key); i >= 0 {
		(*a)[i].Value = v
		return
	}
	*a = append(*a, Attribute{Key: key, Value: v})
}

// Delete removes every entry with key, keeping the order of the others.
func (a *Attributes) Delete(key string) {
	*a = slices.DeleteFunc(*a, func(x Attribute) bool { return x.Key == key })
}

// All yields the keys and values in order.
func (a Attributes) All() iter.Seq2[string, AttributeValue] {
	return func(yield func(string, AttributeValue) bool) {
		for _, x := range a {
			if !yield(x.Key, x.Value) {
				return
			}
		}
	}
}

// MarshalJSON writes a as a JSON object, its members in order (null for a
// nil a).
func (a Attributes) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}
	var e encoder
	e.attrs(a)
	return e.buf, nil
}

// UnmarshalJSON reads a JSON object (or null, which gives nil) into a,
// replacing what it held.
func (a *Attributes) UnmarshalJSON(b []byte) error {
	d := decoder{data: b}
	var out Attributes
	var fs fieldSet
	if err := d.topLevel(func(d *decoder) error { return d.readAttrs(&out, &fs, 0) }); err != nil {
		return err
	}
	*a = out
	return nil
}
