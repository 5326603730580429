package braze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
)

// Property is one named value of a Properties list.
type Property struct {
	// Key is the property or custom attribute name.
	Key string
	// Value is its value.
	Value Value
}

// Prop returns the Property key: v. It keeps Properties literals short
// and readable:
//
//	braze.Properties{braze.Prop("plan", braze.String("pro")), braze.Prop("seats", braze.Int(5))}
func Prop(key string, v Value) Property { return Property{Key: key, Value: v} }

// Properties is an ordered list of named values: the properties of an
// Event or Purchase, the custom attributes of an Attributes object, the
// members of a nested object. It encodes as a JSON object whose members are
// in slice order, exactly as given: nothing is sorted or reordered.
//
// It is a slice rather than a map because the few entries an object
// carries are cheaper to build, copy and encode in a slice, and because the
// order is the caller's to choose. Keys must be unique: Validate, and
// Client.Track and Batcher.Add before anything is sent, reject a list with
// a duplicate key, naming it. Set, unlike append, keeps keys unique.
//
// The zero value (nil) is an empty list, ready to use.
type Properties []Property

// PropertiesFromMap returns m's entries sorted by key (nil for an empty
// map), for callers that hold their values in a map. The sorted order is
// the one the package used when Event.Properties and Attributes.Custom
// were maps.
func PropertiesFromMap(m map[string]Value) Properties {
	if len(m) == 0 {
		return nil
	}
	ps := make(Properties, 0, len(m))
	for k, v := range m {
		ps = append(ps, Property{Key: k, Value: v})
	}
	slices.SortFunc(ps, compareKeys)
	return ps
}

// compareKeys orders properties by key.
func compareKeys(a, b Property) int { return strings.Compare(a.Key, b.Key) }

// Len returns the number of entries.
func (ps Properties) Len() int { return len(ps) }

// Get returns the value of the first entry named key.
func (ps Properties) Get(key string) (Value, bool) {
	for i := range ps {
		if ps[i].Key == key {
			return ps[i].Value, true
		}
	}
	return Value{}, false
}

// Set gives the entry named key the value v, in place (the first one, if
// the list holds several), or appends key: v when there is none.
func (ps *Properties) Set(key string, v Value) {
	s := *ps
	for i := range s {
		if s[i].Key == key {
			s[i].Value = v
			return
		}
	}
	*ps = append(s, Property{Key: key, Value: v})
}

// Delete removes every entry named key, keeping the order of the others.
func (ps *Properties) Delete(key string) {
	*ps = slices.DeleteFunc(*ps, func(p Property) bool { return p.Key == key })
}

// All returns an iterator over the keys and values, in order.
func (ps Properties) All() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		for _, p := range ps {
			if !yield(p.Key, p.Value) {
				return
			}
		}
	}
}

// MarshalJSON encodes the list as a JSON object with its members in slice
// order (nil as null, as encoding/json writes a nil map). It does not
// validate: a duplicate key is written twice.
func (ps Properties) MarshalJSON() ([]byte, error) {
	if ps == nil {
		return []byte("null"), nil
	}
	return appendObject(nil, ps)
}

// UnmarshalJSON decodes a JSON object (or null, into nil), keeping the
// document's member order. A key that appears more than once keeps its
// first position and takes its last value, as it would in a map.
func (ps *Properties) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*ps = nil
		return nil
	}
	ms, err := objectMembers(data)
	if err != nil {
		return err
	}
	out, err := decodeMembers(ms)
	if err != nil {
		return err
	}
	*ps = out
	return nil
}

// appendObject appends ps as a JSON object in slice order.
func appendObject(dst []byte, ps Properties) ([]byte, error) {
	w := beginObject(dst)
	var enc memberEncoder
	if err := appendMembers(&w, ps, anyMember, &enc); err != nil {
		return w.buf, err
	}
	return w.finish()
}

// rawMember is one member of a JSON object, not decoded yet.
type rawMember struct {
	key string
	raw json.RawMessage
}

// objectMembers splits the JSON object data into its members in document
// order. A repeated key keeps its first position and its last value.
func objectMembers(data []byte) ([]rawMember, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("braze: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("braze: want a JSON object, got %.32q", data)
	}
	var ms []rawMember
	var index map[string]int // once there are many members; a scan before
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("braze: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("braze: object key is not a string")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("braze: key %q: %w", key, err)
		}
		if i := memberIndex(ms, index, key); i >= 0 {
			ms[i].raw = raw
			continue
		}
		ms = append(ms, rawMember{key: key, raw: raw})
		switch {
		case index != nil:
			index[key] = len(ms) - 1
		case len(ms) > linearMembers:
			index = make(map[string]int, 2*len(ms))
			for i, m := range ms {
				index[m.key] = i
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("braze: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("braze: data after the JSON object")
	}
	return ms, nil
}

// linearMembers is the member count up to which objectMembers finds a
// repeated key by scanning.
const linearMembers = 16

func memberIndex(ms []rawMember, index map[string]int, key string) int {
	if index != nil {
		if i, ok := index[key]; ok {
			return i
		}
		return -1
	}
	for i := range ms {
		if ms[i].key == key {
			return i
		}
	}
	return -1
}

// decodeMembers decodes each member's value.
func decodeMembers(ms []rawMember) (Properties, error) {
	if len(ms) == 0 {
		return Properties{}, nil
	}
	ps := make(Properties, len(ms))
	for i, m := range ms {
		ps[i].Key = m.key
		if err := ps[i].Value.UnmarshalJSON(m.raw); err != nil {
			return nil, fmt.Errorf("key %q: %w", m.key, err)
		}
	}
	return ps, nil
}

// keysIncrease reports whether every key is greater than the one before
// it, which proves them unique in len(ps)-1 comparisons: the usual case, as
// the mapper emits its properties sorted.
func keysIncrease(ps Properties) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i].Key <= ps[i-1].Key {
			return false
		}
	}
	return true
}

// hasDuplicateKey reports whether a key appears more than once.
func hasDuplicateKey(ps Properties) bool {
	return !keysIncrease(ps) && len(duplicateKeys(ps)) > 0
}

// scanDuplicates is the entry count up to which duplicateKeys compares
// every pair instead of sorting.
const scanDuplicates = 32

// duplicateKeys returns each key that appears more than once, once, in the
// order of its first appearance (nil when there is none). Small lists are
// checked pair by pair (string equality compares the lengths first, so
// most pairs cost one comparison); larger ones through a sorted index.
func duplicateKeys(ps Properties) []string {
	if keysIncrease(ps) {
		return nil
	}
	if len(ps) > scanDuplicates {
		return duplicateKeysSorted(ps)
	}
	var dups []string
	for j := range ps {
		k := ps[j].Key
		if slices.ContainsFunc(ps[:j], func(p Property) bool { return p.Key == k }) {
			continue // reported at its first appearance
		}
		if slices.ContainsFunc(ps[j+1:], func(p Property) bool { return p.Key == k }) {
			dups = append(dups, k)
		}
	}
	return dups
}

// duplicateKeysSorted is duplicateKeys through a stably sorted index:
// O(n log n).
func duplicateKeysSorted(ps Properties) []string {
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(ps[a].Key, ps[b].Key) })
	var first []int // the first appearance of each repeated key
	for i := 1; i < len(idx); i++ {
		if ps[idx[i]].Key == ps[idx[i-1]].Key && (i == 1 || ps[idx[i-1]].Key != ps[idx[i-2]].Key) {
			first = append(first, idx[i-1])
		}
	}
	slices.Sort(first)
	dups := make([]string, len(first))
	for i, j := range first {
		dups[i] = ps[j].Key
	}
	if len(dups) == 0 {
		return nil
	}
	return dups
}
