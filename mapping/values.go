package mapping

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/internal/typedetect"
	"github.com/mpbraze/mpbraze/mparticle"
)

// maxFlattenDepth bounds how deep PropertyFlatten descends; deeper values
// are stringified.
const maxFlattenDepth = 16

// stripDollar removes one leading "$".
func stripDollar(k string) string {
	key, _ := customKey(k)
	return key
}

// truncate cuts s to maxLen characters (code points) and reports whether it
// did.
func truncate(s string) (string, bool) {
	if len(s) <= maxLen || utf8.RuneCountInString(s) <= maxLen {
		return s, false
	}
	n := 0
	for i := range s {
		if n == maxLen {
			return s[:i], true
		}
		n++
	}
	return s, false
}

// props builds a property list under Braze's key rules.
//
// Its entries are written straight into the list finish returns, out,
// made at the first entry with room for the number of entries the caller
// expects (hint), and sorted by key where they are at the end: no entry
// is copied from a scratch list into the result, and a list whose keys
// came sorted is not moved at all. Which entries had their key fixed is
// kept aside, in the map state's fixes scratch from fixStart on: props are
// built one at a time or nested (a nested object's props is finished
// before its parent takes another entry), so fixes is used as a stack.
// Every props is ended by exactly one finish or release.
type props struct {
	st *mapState
	// out holds the entries in the order they were set.
	out braze.Properties
	// hint is the room out is made with: the number of entries the caller
	// expects (see finish for when it is wrong).
	hint int
	// fixStart is the index in st.sc.fixes of the first entry of this
	// props.
	fixStart int
	// idx indexes the entries by key once there are more than
	// linearProps of them; below that a scan is cheaper than hashing.
	idx map[string]int
	// nested: keys inside a nested object (bundled commerce), where "time"
	// and "event_name" are allowed but "." and "$" are not.
	nested bool
	// attr: custom user attributes, where "time" and "event_name" are
	// ordinary names.
	attr bool
	// scratch: the entries are copied out (a nested object, a flattened
	// user attribute), so out comes from and goes back to the free lists.
	scratch bool
	// rejected is set when PropertyReject met an object or array.
	rejected bool
	// speculative: addCustom is trying the map's own order, which it
	// undoes on any diagnostic; set then leaves earlier entries alone.
	speculative bool
	// unsorted is set once an entry's key did not sort after the one
	// before it: finish sorts only then. Most lists come sorted (the
	// mapper's own fields are set in key order, custom attributes mostly
	// arrive so), and knowing it as they are set saves a pass over them.
	unsorted bool
	// sortedLen is, once unsorted is set, how many entries from the first
	// were sorted: finish's sort starts after them.
	sortedLen int
}

// keyFix records an entry whose key was produced by fixing orig, the key
// as it came in: a key that needed no fix wins a collision against it.
type keyFix struct {
	// i is the entry's index in out (-1: no longer fixed).
	i    int
	orig string
}

// linearProps is the entry count up to which props finds keys by scanning.
const linearProps = 16

// newProps returns props for a list of about hint entries.
func (st *mapState) newProps(hint int) *props {
	return &props{st: st, hint: hint, fixStart: len(st.sc.fixes)}
}

// newNestedProps returns props for a nested object of about hint entries.
// Its list is scratch: finish it, copy it (braze.ObjectOf, see objectOf),
// and hand it back with dropList.
func (st *mapState) newNestedProps(hint int) *props {
	return &props{st: st, hint: hint, fixStart: len(st.sc.fixes), nested: true, scratch: true}
}

// objectOf returns a nested object value of the finished scratch list ps
// (copied) and hands ps back.
func (st *mapState) objectOf(ps braze.Properties) braze.Value {
	v := braze.ObjectOf(ps)
	st.dropList(ps)
	return v
}

// finish returns the properties sorted by key (nil when there are none),
// and ends p. out is sorted where it is; in Map its capacity is cut to its
// length (the list ends where its entries do). In MapInto, and for
// scratch lists, it keeps its spare room.
func (p *props) finish() braze.Properties {
	ps := p.out
	switch {
	case len(ps) == 0:
		p.st.dropList(ps)
		ps = nil
	default:
		switch {
		case p.st.m.sortedOnly: // the reference sorts every list, from scratch
			sortInPlace(ps)
		case p.unsorted:
			sortInPlaceFrom(ps, p.sortedLen)
		}
		if !p.scratch && !p.st.reuse {
			ps = ps[:len(ps):len(ps)] // the room of dropped entries is not the list's
		}
	}
	p.out = nil
	p.release()
	return ps
}

// release ends p, handing its scratch back. Its list, unless finish
// returned it, goes back to the free lists.
func (p *props) release() {
	p.dropFixes(p.fixStart)
	p.st.dropList(p.out)
	p.out, p.idx = nil, nil
}

// dropFixes drops the key fixes from st.sc.fixes index n on.
func (p *props) dropFixes(n int) {
	fixes := p.st.sc.fixes
	clear(fixes[n:])
	p.st.sc.fixes = fixes[:n]
}

// truncate drops the entries from index n on and the key fixes from
// st.sc.fixes index fix on (an undone attempt, see addCustom).
func (p *props) truncate(n, fix int) {
	clear(p.out[n:])
	p.out = p.out[:n]
	p.dropFixes(fix)
}

// fixOf returns the key as it came in of entry i, and whether it was
// fixed.
func (p *props) fixOf(i int) (string, bool) {
	for _, f := range p.st.sc.fixes[p.fixStart:] {
		if f.i == i {
			return f.orig, true
		}
	}
	return "", false
}

// unfix records that entry i now holds a key that needed no fix.
func (p *props) unfix(i int) {
	fixes := p.st.sc.fixes[p.fixStart:]
	for k := range fixes {
		if fixes[k].i == i {
			fixes[k] = keyFix{i: -1}
		}
	}
}

// find returns the index in out of key, or -1.
func (p *props) find(key string) int {
	if p.idx != nil {
		if i, ok := p.idx[key]; ok {
			return i
		}
		return -1
	}
	for i := range p.out {
		if p.out[i].Key == key {
			return i
		}
	}
	return -1
}

// push appends a property whose key is not set yet.
func (p *props) push(key string, v braze.Value) { *p.slot(key) = v }

// slot appends an entry for key, whose key is not set yet, and returns its
// value for the caller to set: a value built right there (*p.slot(k) =
// braze.String(s)) is not first built elsewhere and copied, which for a
// 40-byte Value passed down as an argument cost a store-forwarding stall
// per property.
func (p *props) slot(key string) *braze.Value {
	v := p.next()
	p.noteOrder(key)
	p.appendSorted(key)
	return v
}

// next returns the value of the entry just past the end of the list
// (making room for it), zero, for a value to be built in place before
// setNext or appendNext decides whether it joins the list.
//
// It is small enough to inline (a call per property was a measurable part
// of the per-property cost); the list's first room and its growth are
// made by grow.
func (p *props) next() *braze.Value {
	if len(p.out) == cap(p.out) {
		p.grow()
	}
	return &p.out[:cap(p.out)][len(p.out)].Value
}

// grow gives out room for one more entry past its end: its first list
// (a nil out has no room), or a larger one.
func (p *props) grow() {
	if p.out == nil {
		if p.scratch {
			p.out = p.st.scratchList(p.hint)
		} else {
			p.out = p.st.propsList(p.hint)
		}
	}
	if n := len(p.out); n == cap(p.out) {
		p.out = append(p.out, braze.Property{})[:n]
	}
}

// appendNext makes the entry past the end (see next) the list's last,
// under key, whose key is not set yet.
func (p *props) appendNext(key string) {
	p.noteOrder(key)
	p.appendSorted(key)
}

// noteOrder sets unsorted (and sortedLen) if key, about to be appended,
// does not sort after the last entry. Small enough to inline, so that
// slot (push, setOwn: session ids) makes no call.
func (p *props) noteOrder(key string) {
	if n := len(p.out); n > 0 && !p.unsorted && !keyLess(p.out[n-1].Key, key) {
		p.unsorted, p.sortedLen = true, n
	}
}

// appendSorted is appendNext for a key known to keep the list as sorted
// as it was.
func (p *props) appendSorted(key string) {
	n := len(p.out)
	p.out = p.out[:n+1]
	p.out[n].Key = key
	switch {
	case p.idx != nil:
		p.idx[key] = n
	case n+1 > linearProps:
		p.reindex()
	}
}

// dropNext zeroes the entry past the end (see next): its value is not
// used.
func (p *props) dropNext() {
	n := len(p.out)
	clear(p.out[n : n+1])
}

// reindex rebuilds idx from the entries (nil while they are few).
func (p *props) reindex() {
	if len(p.out) <= linearProps {
		p.idx = nil
		return
	}
	p.idx = make(map[string]int, 2*len(p.out))
	for i := range p.out {
		p.idx[p.out[i].Key] = i
	}
}

// set stores v under key after applying the key rules; orig is the key as it
// came in (for diagnostics and collision priority).
func (p *props) set(orig, key string, v braze.Value) {
	*p.next() = v
	p.setNext(orig, key)
}

// setNext is set for the value of the entry past the end of the list,
// built there (see next): the entry joins the list, or its value replaces
// an entry's, or it is dropped.
//
// The usual key needs none of the key rules' fixes and is in no entry
// yet: it joins the list here, settled without a look at the entries when
// it sorts after the last of a sorted list. Everything else (a key to fix,
// a key already set) takes setNextSlow, which applies every rule. Keeping
// the rules' diagnostics out of this function keeps its frame small: with
// them, every call paid for spilling registers to a 776-byte frame.
func (p *props) setNext(orig, key string) { p.setNextFixed(orig, key, orig != key) }

// setNextFixed is setNext for a caller that knows whether key differs
// from orig (fixed). A custom attribute's key is orig with one leading "$"
// stripped (customKey), which that byte tells: comparing the two strings
// called the runtime's memequal for every property.
func (p *props) setNextFixed(orig, key string, fixed bool) {
	// len(key) <= maxLen bytes: truncate would not cut it.
	if key == "" || key[0] == '$' || len(key) > maxLen || p.nested || (!p.attr && isReservedKey(key)) {
		p.setNextSlow(orig, key)
		return
	}
	n := len(p.out)
	if n > 0 && (p.unsorted || !keyLess(p.out[n-1].Key, key)) {
		if p.find(key) >= 0 {
			p.setNextSlow(orig, key)
			return
		}
		if !p.unsorted {
			p.unsorted, p.sortedLen = true, n
		}
	}
	p.appendSorted(key)
	if fixed {
		p.st.sc.fixes = append(p.st.sc.fixes, keyFix{i: n, orig: orig})
	}
}

// customKey returns the property key of a custom attribute key k: k with
// one leading "$" stripped (stripDollar's rule, defined here), and
// whether it was.
func customKey(k string) (key string, stripped bool) {
	if k != "" && k[0] == '$' {
		return k[1:], true
	}
	return k, false
}

// isReservedKey reports whether key is one Braze reserves in event and
// purchase properties (renamed with a trailing "_" there).
func isReservedKey(key string) bool { return key == "time" || key == "event_name" }

// setNextSlow is setNext applying every key rule.
func (p *props) setNextSlow(orig, key string) {
	v := &p.out[:len(p.out)+1][len(p.out)].Value
	fixed := orig != key
	if key == "" {
		p.st.diag(Dropped, orig, "empty property key", v.String())
		p.dropNext()
		return
	}
	if key[0] == '$' {
		nk := strings.TrimLeft(key, "$")
		p.st.diag(Renamed, orig, "Braze keys may not start with '$'; renamed "+strconv.Quote(nk), "")
		if nk == "" {
			p.st.diag(Dropped, orig, "empty property key", v.String())
			p.dropNext()
			return
		}
		key, fixed = nk, true
	}
	if t, cut := truncate(key); cut {
		p.st.diag(Truncated, orig, "key longer than 255 characters cut to 255", "")
		key, fixed = t, true
	}
	if p.nested {
		if strings.ContainsAny(key, ".$") {
			nk := strings.NewReplacer(".", "_", "$", "_").Replace(key)
			p.st.diag(Renamed, orig, "nested property keys may not contain '.' or '$'; renamed "+strconv.Quote(nk), "")
			key, fixed = nk, true
		}
	} else if !p.attr && isReservedKey(key) {
		p.st.diag(Renamed, orig, "reserved Braze property key renamed "+strconv.Quote(key+"_"), "")
		key, fixed = key+"_", true
	}
	// A key that sorts after the last of a sorted list is in no entry:
	// the usual case, settled without looking.
	if n := len(p.out); n == 0 || (!p.unsorted && keyLess(p.out[n-1].Key, key)) {
		p.appendSorted(key)
		if fixed {
			p.st.sc.fixes = append(p.st.sc.fixes, keyFix{i: n, orig: orig})
		}
		return
	}
	if i := p.find(key); i >= 0 {
		eorig, efixed := p.fixOf(i)
		if fixed || !efixed {
			p.st.diag(Dropped, orig, "property key "+strconv.Quote(key)+" already set; this value is dropped", v.String())
			p.dropNext()
			return
		}
		p.st.diag(Dropped, eorig, "property key "+strconv.Quote(key)+" is also set by a key that needed no fix; this value is dropped", p.out[i].Value.String())
		if !p.speculative { // else the entry may predate the attempt, which is undone
			p.out[i].Value = *v
			p.unfix(i)
		}
		p.dropNext()
		return
	}
	p.appendNext(key)
	if fixed {
		p.st.sc.fixes = append(p.st.sc.fixes, keyFix{i: len(p.out) - 1, orig: orig})
	}
}

// setOwn stores a value the mapper itself produces (commerce fields,
// session_id) under a known-good key. Callers set their own fields before
// any custom attribute, so a custom attribute of the same name is the one
// dropped (by set); an earlier field of the mapper's own is replaced
// silently (a product's Coupon Code replaces the order's, by design).
//
// The mapper's own keys are all distinct but Coupon Code (an order's and
// a product's), so only that one is looked up: the others are appended
// without a scan of the entries before them.
func (p *props) setOwn(key string, v braze.Value) {
	if key == keyCouponCode {
		if i := p.find(key); i >= 0 {
			p.out[i].Value = v
			return
		}
	}
	p.push(key, v)
}

// addCustom adds every custom attribute of attrs, with one leading "$"
// stripped from each key, as if in sorted key order.
//
// The order matters only when keys collide or something is reported
// (diagnostics are in key order, and the first of two fixed keys that
// collide wins), and both always emit a diagnostic. So the attributes are
// first added in their own order; if that emitted no diagnostic the result
// is the sorted one. Otherwise the attempt is undone and the attributes are
// added again in sorted order. An undefined value (only in a list built by
// hand) also sends them the sorted way: it adds nothing and reports
// nothing, so a repeated key whose last value is undefined would go
// unnoticed.
func (p *props) addCustom(attrs mparticle.Attributes) {
	if len(attrs) == 0 {
		return
	}
	st := p.st
	if len(attrs) == 1 { // one order only
		p.add(attrs[0].Key, attrs[0].Value)
		return
	}
	if !st.m.sortedOnly {
		diags, n, fix, rejected, unsorted, sortedLen := len(st.res.Diagnostics), len(p.out), len(st.sc.fixes), p.rejected, p.unsorted, p.sortedLen
		p.speculative = true
		undefined := false
	attempt:
		for i := range attrs {
			a := &attrs[i]
			// Strings (most values), numbers and booleans are added
			// here, as add would add them: a call less per property.
			switch a.Value.Kind() {
			case mparticle.KindString:
				s, _ := a.Value.Str()
				if v := p.next(); isWord(s) {
					*v = braze.String(s) // as stringValueInto would, without its call
				} else {
					st.stringValueInto(v, a.Key, s, detectable(a.Key))
				}
				key, fixed := customKey(a.Key)
				p.setNextFixed(a.Key, key, fixed)
			case mparticle.KindNumber:
				n, _ := a.Value.Number()
				st.numberLiteralInto(p.next(), a.Key, string(n))
				key, fixed := customKey(a.Key)
				p.setNextFixed(a.Key, key, fixed)
			case mparticle.KindBool:
				b, _ := a.Value.Bool()
				*p.next() = braze.Bool(b)
				key, fixed := customKey(a.Key)
				p.setNextFixed(a.Key, key, fixed)
			case mparticle.KindUndefined:
				undefined = true
				break attempt
			default:
				p.add(a.Key, a.Value)
			}
			if len(st.res.Diagnostics) != diags {
				break
			}
		}
		p.speculative = false
		if !undefined && len(st.res.Diagnostics) == diags {
			return
		}
		st.truncateDiagnostics(diags)
		p.truncate(n, fix)
		p.reindex()
		p.rejected, p.unsorted, p.sortedLen = rejected, unsorted, sortedLen
	}
	for _, a := range st.sortedAttrs(attrs) {
		p.add(a.Key, a.Value)
	}
	st.doneSorted()
}

// add converts one custom attribute into a property, under its key with
// one leading "$" stripped (customKey).
func (p *props) add(orig string, v mparticle.AttributeValue) {
	st := p.st
	key, fixed := customKey(orig)
	switch v.Kind() {
	case mparticle.KindUndefined:
		return
	case mparticle.KindNull:
		st.diag(Dropped, orig, "null value; Braze properties cannot be null", "")
	// Scalar values are built in place, in the entry past the end of the
	// list (see next).
	case mparticle.KindString:
		s, _ := v.Str()
		if v := p.next(); isWord(s) {
			*v = braze.String(s) // as stringValueInto would, without its call
		} else {
			st.stringValueInto(v, orig, s, detectable(orig))
		}
		p.setNextFixed(orig, key, fixed)
	case mparticle.KindNumber:
		n, _ := v.Number()
		st.numberLiteralInto(p.next(), orig, string(n))
		p.setNextFixed(orig, key, fixed)
	case mparticle.KindBool:
		b, _ := v.Bool()
		*p.next() = braze.Bool(b)
		p.setNextFixed(orig, key, fixed)
	case mparticle.KindList, mparticle.KindRaw:
		if p.nested {
			p.set(orig, key, st.nestedValue(orig, orig, v.Interface(), 0))
			return
		}
		p.complex(orig, key, v)
	default:
		st.diag(Dropped, orig, "value of unknown kind "+v.Kind().String(), compactJSON(v))
	}
}

// complex applies the PropertyPolicy to an object or array value.
func (p *props) complex(orig, key string, v mparticle.AttributeValue) {
	st := p.st
	switch st.m.s.PropertyPolicy {
	case PropertyStringify:
		st.diag(Stringified, orig, "object or array value sent as its JSON text", "")
		p.set(orig, key, st.stringValue(orig, compactJSON(v), false))
	case PropertyDrop:
		st.diag(Dropped, orig, "object or array value dropped (PropertyDrop)", compactJSON(v))
	case PropertyReject:
		st.diag(Rejected, orig, "object or array value; the whole event is not sent (PropertyReject)", compactJSON(v))
		p.rejected = true
	default:
		if v.Kind() == mparticle.KindList {
			items, _ := v.List()
			st.diag(Flattened, orig, "array joined into a comma-separated string", "")
			p.set(orig, key, st.stringValue(orig, strings.Join(items, ","), false))
			return
		}
		x := v.Interface()
		if _, isObj := x.(map[string]any); isObj {
			st.diag(Flattened, orig, "object flattened into dotted keys", "")
		}
		p.flatten(orig, key, orig, x, 0)
	}
}

// flatten stores x under key, objects as dotted keys, arrays of scalars as
// comma-joined strings, and arrays holding objects as JSON text. leaf is the
// key x has in its own object (for the $Zip rule).
func (p *props) flatten(orig, key, leaf string, x any, depth int) {
	st := p.st
	switch t := x.(type) {
	case map[string]any:
		if depth >= maxFlattenDepth {
			st.diag(Stringified, orig, "object nested too deep; sent as JSON text", "")
			p.set(orig, key, st.stringValue(orig, marshalCompact(t), false))
			return
		}
		if len(t) == 0 {
			st.diag(Dropped, orig, "empty object", "")
			return
		}
		for _, k := range sortedKeys(t) {
			p.flatten(orig, key+"."+k, k, t[k], depth+1)
		}
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := scalarText(e)
			if !ok {
				st.diag(Stringified, orig, "array holding objects, arrays or nulls sent as JSON text", "")
				p.set(orig, key, st.stringValue(orig, marshalCompact(t), false))
				return
			}
			parts = append(parts, s)
		}
		st.diag(Flattened, orig, "array joined into a comma-separated string", "")
		p.set(orig, key, st.stringValue(orig, strings.Join(parts, ","), false))
	case nil:
		st.diag(Dropped, orig, "null value at "+strconv.Quote(key)+"; Braze properties cannot be null", "")
	default:
		p.set(orig, key, st.scalarValue(orig, t, detectable(leaf)))
	}
}

// detectable reports whether string values under key may be type-detected:
// not under $Zip (any case), whose values are codes, not numbers.
func detectable(key string) bool {
	// Only ASCII letters fold to those of "$zip": 4 bytes or not $zip.
	return len(key) != 4 || !strings.EqualFold(key, "$zip")
}

// scalarText returns the text of a JSON scalar decoded with UseNumber.
func scalarText(x any) (string, bool) {
	switch t := x.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// scalarValue converts a decoded JSON scalar; detect allows type detection
// of a string.
func (st *mapState) scalarValue(orig string, x any, detect bool) braze.Value {
	switch t := x.(type) {
	case string:
		return st.stringValue(orig, t, detect)
	case json.Number:
		return st.numberLiteral(orig, t.String())
	case bool:
		return braze.Bool(t)
	}
	return braze.String(marshalCompact(x))
}

// nestedValue converts any decoded JSON into a Braze nested value (bundled
// commerce only). leaf is the key x has in its own object ("" in arrays).
func (st *mapState) nestedValue(orig, leaf string, x any, depth int) braze.Value {
	switch t := x.(type) {
	case map[string]any:
		if depth >= maxFlattenDepth {
			st.diag(Stringified, orig, "object nested too deep; sent as JSON text", "")
			return st.stringValue(orig, marshalCompact(t), false)
		}
		np := st.newNestedProps(len(t))
		for _, k := range sortedKeys(t) {
			if t[k] == nil {
				st.diag(Dropped, orig, "null value at "+strconv.Quote(k)+"; Braze properties cannot be null", "")
				continue
			}
			np.set(k, k, st.nestedValue(orig, k, t[k], depth+1))
		}
		return st.objectOf(np.finish())
	case []any:
		out := make([]braze.Value, 0, len(t))
		for _, e := range t {
			switch e := e.(type) {
			case nil:
				st.diag(Dropped, orig, "null array element dropped", "")
			case string:
				// Braze takes no dates inside arrays: no type detection here.
				out = append(out, st.stringValue(orig, e, false))
			default:
				out = append(out, st.nestedValue(orig, "", e, depth+1))
			}
		}
		return braze.Array(out)
	case []string:
		out := make([]braze.Value, len(t))
		for i, e := range t {
			out[i] = st.stringValue(orig, e, false)
		}
		return braze.Array(out)
	}
	return st.scalarValue(orig, x, detectable(leaf))
}

// stringValue is a string value after type detection (when enabled and
// detect is true) and the 255-character limit.
func (st *mapState) stringValue(key, s string, detect bool) (v braze.Value) {
	st.stringValueInto(&v, key, s, detect)
	return v
}

// isWord reports whether stringValueInto sets the string s as it is,
// whatever its detect and the settings: a string of at most 255 bytes
// (truncate leaves it) that type detection cannot turn into anything
// else (mayDetect). Most values are such, and the hot callers set them
// without stringValueInto's call.
func isWord(s string) bool { return len(s) <= maxLen && !mayDetect(s) }

// stringValueInto sets *dst to stringValue(key, s, detect).
func (st *mapState) stringValueInto(dst *braze.Value, key, s string, detect bool) {
	if detect && st.m.s.EnableTypeDetection && mayDetect(s) && detectedInto(dst, s) {
		return
	}
	if t, cut := truncate(s); cut {
		st.diag(Truncated, key, "string longer than 255 characters cut to 255", s)
		s = t
	}
	*dst = braze.String(s)
}

// detected returns the typed value of s, if type detection finds one.
func detected(s string) (v braze.Value, ok bool) {
	ok = detectedInto(&v, s)
	return v, ok
}

// detectedInto sets *dst to the typed value of s and reports true, if
// type detection finds one.
func detectedInto(dst *braze.Value, s string) bool {
	if !mayDetect(s) {
		return false
	}
	// A "t" or "f" (any case) can start nothing but a boolean, which
	// Detect settles with this one comparison: words such as "footwear"
	// or "trail shoes" skip plainNumberInto and Detect's 80-byte result.
	switch s[0] {
	case 't', 'T':
		if !strings.EqualFold(s, "true") {
			return false
		}
		*dst = braze.Bool(true)
		return true
	case 'f', 'F':
		if !strings.EqualFold(s, "false") {
			return false
		}
		*dst = braze.Bool(false)
		return true
	}
	if plainNumberInto(dst, s) {
		return true
	}
	d := typedetect.Detect(s)
	switch d.Kind {
	case typedetect.KindBool:
		*dst = braze.Bool(d.Bool)
	case typedetect.KindInt:
		*dst = braze.Int(d.Int)
	case typedetect.KindFloat:
		*dst = braze.Float(d.Float)
	case typedetect.KindTime:
		if y := d.Time.Year(); y < 0 || y > 9999 {
			return false // not a date Braze can carry
		}
		*dst = braze.Time(d.Time)
	default:
		return false
	}
	return true
}

// plainNumberInto sets *dst to the value typedetect.Detect finds in s, and
// reports true, when s is a plain number: an integer of at most 18 digits,
// or a decimal of at most 15 digits ("-" optional, no redundant leading
// zero, digits on both sides of the "."), the usual numbers in text
// attributes. Both are computed exactly without the parsers: such an
// integer fits an int64, and such a decimal is m / 10^k with m and 10^k
// exact in a float64, so one division rounds it correctly, as
// strconv.ParseFloat does. Anything else is left to Detect.
func plainNumberInto(dst *braze.Value, s string) bool {
	digits := s
	neg := s != "" && s[0] == '-'
	if neg {
		digits = s[1:]
	}
	if digits == "" || (digits[0] == '0' && len(digits) > 1 && digits[1] != '.') {
		return false // "-", or a redundant leading zero
	}
	// The digits before a ".", then those after it: a loop each, with one
	// comparison per byte (a byte below '0' wraps around past 9).
	var m uint64
	i := 0
	for ; i < len(digits); i++ {
		c := digits[i] - '0'
		if c > 9 {
			break
		}
		m = m*10 + uint64(c)
	}
	point := -1
	if i < len(digits) {
		if digits[i] != '.' || i == 0 {
			return false
		}
		point = i
		for i++; i < len(digits); i++ {
			c := digits[i] - '0'
			if c > 9 {
				return false
			}
			m = m*10 + uint64(c)
		}
	}
	if point < 0 { // an integer
		if len(digits) > 18 || (neg && digits == "0") {
			return false // "-0" stays a string, as Detect has it
		}
		n := int64(m)
		if neg {
			n = -n
		}
		*dst = braze.Int(n)
		return true
	}
	frac := len(digits) - point - 1
	if frac == 0 || len(digits)-1 > 15 {
		return false
	}
	f := float64(m) / pow10[frac]
	if neg {
		f = -f
	}
	*dst = braze.Float(f)
	return true
}

// pow10 holds the powers of ten plainNumberInto divides by, all exact.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// mayDetect reports whether typedetect.Detect can find a type in s: only
// a "t" or "f" (any case) can start a boolean, and a digit or "-" a number
// or a date, as Detect documents. Most strings are words, settled here
// without the call and its result.
//
// It looks the first byte up in detectStart: small enough to inline, so
// that stringValueInto settles a word without calling detectedInto.
func mayDetect(s string) bool {
	return s != "" && detectStart[s[0]]
}

// detectStart reports, by byte, whether a string starting with it may be
// detected (see mayDetect).
var detectStart = [256]bool{
	't': true, 'T': true, 'f': true, 'F': true, '-': true,
	'0': true, '1': true, '2': true, '3': true, '4': true,
	'5': true, '6': true, '7': true, '8': true, '9': true,
}

// shortInt returns the value of lit when it is an optional "-" and 1 to 18
// decimal digits, which strconv.ParseInt(lit, 10, 64) reads the same and
// without error (18 digits never overflow). Most numbers are such, and the
// one pass over them here costs a fifth of ContainsAny plus ParseInt.
func shortInt(lit string) (int64, bool) {
	digits := lit
	neg := lit != "" && lit[0] == '-'
	if neg {
		digits = lit[1:]
	}
	if digits == "" || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func (st *mapState) numberLiteral(key, lit string) (v braze.Value) {
	st.numberLiteralInto(&v, key, lit)
	return v
}

// numberLiteralInto sets *dst to numberLiteral(key, lit).
func (st *mapState) numberLiteralInto(dst *braze.Value, key, lit string) {
	if n, ok := shortInt(lit); ok {
		*dst = braze.Int(n)
		return
	}
	integral := !strings.ContainsAny(lit, ".eE")
	if integral {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			*dst = braze.Int(n)
			return
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		st.diag(ValueChanged, key, "number outside the range Braze stores; sent as a string", lit)
		*dst = braze.String(lit)
		return
	}
	if integral {
		st.diag(ValueChanged, key, "integer outside the 64-bit range; sent as a float", lit)
	}
	*dst = braze.Float(f)
}

// compactJSON returns the compact JSON text of a value (raw values keep the
// sender's whitespace otherwise).
func compactJSON(v mparticle.AttributeValue) string {
	raw := v.JSON()
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// marshalCompact returns the compact JSON of decoded JSON.
func marshalCompact(x any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(x) != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}
