package mapping

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// maxAge bounds $Age; anything above is not a plausible age.
const maxAge = 150

// attrBuilder collects one user's attribute updates into Braze attributes
// objects.
//
// Batch-level user attributes go into one object. Updates that come from
// events (user_attribute_change, event-attribute mappings, push
// registrations) are applied in event order: when one of them touches a key
// the current object already sets, a new object is started, so Braze applies
// both in order and nothing is merged or lost.
type attrBuilder struct {
	st    *mapState
	id    braze.Identifier
	ueo   *bool
	email string
	// split: start a new object on a key collision (event-derived updates)
	// instead of replacing the value (batch-level attributes).
	split bool
	// objs are the objects so far, made with room for capHint.
	objs    []braze.Attributes
	capHint int
	// keys are the keys the last object sets (only the last one takes
	// more keys), and keySet the same once they are more than linearKeys.
	keys   []string
	keySet map[string]struct{}
	// push is 1 + the index of the object that holds push tokens only (0:
	// none yet). Tokens get an object of their own so that a token Braze
	// refuses (BAD_PUSH_TOKEN_*) cannot take other attributes down with it.
	push int
	// open is 1 + the index of the object whose Custom is backed by custom,
	// the scratch its custom attributes collect in (0: none; see
	// openCustom).
	open   int
	custom braze.Properties
}

// linearKeys is the key count up to which attrBuilder finds keys by
// scanning.
const linearKeys = 16

// hasKey reports whether the last object sets key.
func (b *attrBuilder) hasKey(key string) bool {
	if b.keySet != nil {
		_, ok := b.keySet[key]
		return ok
	}
	for _, k := range b.keys {
		if k == key {
			return true
		}
	}
	return false
}

// addKey records that the last object sets key (not recorded yet).
func (b *attrBuilder) addKey(key string) {
	b.keys = append(b.keys, key)
	switch {
	case b.keySet != nil:
		b.keySet[key] = struct{}{}
	case len(b.keys) > linearKeys:
		b.keySet = make(map[string]struct{}, 2*len(b.keys))
		for _, k := range b.keys {
			b.keySet[k] = struct{}{}
		}
	}
}

// resetKeys starts the key set of a new last object.
func (b *attrBuilder) resetKeys() {
	clear(b.keys)
	b.keys = b.keys[:0]
	b.keySet = nil
}

// newObj appends an empty object.
//
// An Attributes is 672 bytes on 64-bit, mostly zero: the object is set up in place
// in the slice's zeroed spare room (make zeroes it, and reset clears what
// it drops) instead of being built and copied in.
func (b *attrBuilder) newObj() {
	if b.objs == nil {
		b.objs = make([]braze.Attributes, 0, max(b.capHint, 1))
	}
	var a *braze.Attributes
	b.objs, a = appendZeroed(b.objs)
	a.Identifier, a.UpdateExistingOnly = b.id, b.ueo
	b.openCustom()
}

// setCustom sets custom attribute key of the object obj returns to *v. A
// key new to that object is appended without SetCustom's lookup: its
// custom attributes are all among the keys obj tracks for it.
func (b *attrBuilder) setCustom(key, orig string, v *braze.Value) {
	a, fresh := b.objFor(key, orig)
	if !fresh {
		a.SetCustom(key, *v)
		return
	}
	var e *braze.Property
	a.Custom, e = appendZeroed(a.Custom)
	e.Key, e.Value = key, *v
}

// obj returns the object to write key into.
func (b *attrBuilder) obj(key, orig string) *braze.Attributes {
	a, _ := b.objFor(key, orig)
	return a
}

// objFor is obj, also reporting whether the object did not set key yet.
func (b *attrBuilder) objFor(key, orig string) (a *braze.Attributes, fresh bool) {
	last := len(b.objs) - 1
	switch {
	case last < 0 || last == b.push-1:
		b.newObj()
		b.resetKeys()
		last++
	case !b.hasKey(key):
	case b.split:
		b.newObj()
		b.resetKeys()
		last++
	default:
		b.st.diag(Dropped, orig, "user attribute "+strconv.Quote(key)+" is set twice; the earlier value is replaced", "")
		return &b.objs[last], false
	}
	b.addKey(key)
	return &b.objs[last], true
}

// pushObj returns the object that collects the user's push tokens, and
// nothing else, creating it at the end on first use.
func (b *attrBuilder) pushObj() *braze.Attributes {
	if b.push == 0 {
		b.newObj() // obj never writes into this object
		b.push = len(b.objs)
	}
	return &b.objs[b.push-1]
}

// result returns the objects, the email attribute on the first one that
// does not hold push tokens (a new first object when there is none). The
// builder takes no more keys after it.
func (b *attrBuilder) result() []braze.Attributes {
	b.sealCustom()
	if b.email != "" {
		if len(b.objs) == 0 || b.push == 1 {
			b.objs = slices.Insert(b.objs, 0, braze.Attributes{Identifier: b.id, UpdateExistingOnly: b.ueo})
			if b.push > 0 {
				b.push++
			}
		}
		b.objs[0].Email = b.email
	}
	return b.objs
}

// reset drops every object, keeping their slice (and their lists, in the
// free lists).
func (b *attrBuilder) reset() {
	b.dropCustom() // the open object's list, which may be the builder's scratch
	for i := range b.objs {
		b.st.dropList(b.objs[i].Custom)
		putFree(&b.st.sc.free.tokens, b.objs[i].PushTokens)
		putFree(&b.st.sc.free.groups, b.objs[i].SubscriptionGroups)
	}
	clear(b.objs)
	b.objs = b.objs[:0]
	b.resetKeys()
	b.push = 0
}

// UserAttributes applies the user-attribute rules (reserved keys, gender,
// $Age, dob, subscription states, subscription groups, lists, type
// detection, PropertyPolicy, removals) to one set of changes for the user id
// and returns them as one attributes object, with diagnostics (EventIndex
// -1). set values that are null remove the attribute, like the names in
// deleted. Keys are applied in sorted order, then the removals.
func (m *Mapper) UserAttributes(id braze.Identifier, set map[string]mparticle.AttributeValue, deleted []string) (braze.Attributes, []Diagnostic) {
	st := &mapState{mapCall: mapCall{m: m, b: &mparticle.Batch{}, evIdx: -1}}
	st.attrs = attrBuilder{st: st, id: id}
	for _, k := range sortedKeys(set) {
		st.setUserAttribute(k, set[k])
	}
	for _, k := range deleted {
		st.removeUserAttribute(k)
	}
	objs := st.attrs.result()
	if len(objs) == 0 {
		return braze.Attributes{Identifier: id}, st.res.Diagnostics
	}
	return objs[0], st.res.Diagnostics
}

// batchUserAttributes applies the batch's user_attributes and
// deleted_user_attributes, as if in sorted key order.
//
// The order of user_attributes matters only when two keys set the same
// attribute or subscription group, or something is reported (diagnostics
// are in key order): a collision is always reported, and two groups are
// checked for. So the keys are first applied in their own order, into the
// still empty builder; if that reported nothing and set at most one group,
// it is the sorted result. Otherwise it is undone and redone sorted. An
// undefined value (only in a list built by hand) also sends it the sorted
// way: it sets nothing and reports nothing, so a repeated key whose last
// value is undefined would go unnoticed.
func (st *mapState) batchUserAttributes() {
	attrs := st.b.UserAttributes
	if len(attrs) > 1 && len(st.attrs.objs) == 0 && !st.m.sortedOnly {
		diags := len(st.res.Diagnostics)
		undefined := false
		for _, a := range attrs {
			if !a.Value.IsDefined() {
				undefined = true
				break
			}
			st.setUserAttribute(a.Key, a.Value)
			if len(st.res.Diagnostics) != diags {
				break
			}
		}
		if !undefined && len(st.res.Diagnostics) == diags && (len(st.attrs.objs) == 0 || len(st.attrs.objs[0].SubscriptionGroups) <= 1) {
			attrs = nil // done
		} else {
			st.truncateDiagnostics(diags)
			st.attrs.reset()
		}
	}
	if len(attrs) > 0 {
		for _, a := range st.sortedAttrs(attrs) {
			st.setUserAttribute(a.Key, a.Value)
		}
		st.doneSorted()
	}
	for _, k := range st.b.DeletedUserAttributes {
		st.removeUserAttribute(k)
	}
}

// userAttributeChange applies a user_attribute_change event.
func (st *mapState) userAttributeChange(d *mparticle.UserAttributeChange) {
	st.evName = string(mparticle.EventUserAttributeChange)
	name := d.UserAttributeName
	deleted, _ := d.Deleted.Get()
	switch {
	case name == "":
		st.diag(Dropped, "", "user_attribute_change without user_attribute_name", compactJSON(d.New))
	case deleted || d.New.IsNull():
		st.removeUserAttribute(name)
	case !d.New.IsDefined():
		st.diag(Dropped, name, "user_attribute_change without a new value", "")
	default:
		st.setUserAttribute(name, d.New)
	}
}

// standardField returns the Braze standard field a lower-cased user
// attribute key sets, if any. Both mParticle's reserved "$" keys and the
// Braze field names themselves (as the web kit accepts them) are listed.
// A switch, not a map: it settles the usual custom key on its length or a
// byte or two, where a map lookup hashed every key of every batch.
func standardFieldOf(lower []byte) (string, bool) {
	switch string(lower) {
	case "$firstname", "first_name":
		return "first_name", true
	case "$lastname", "last_name":
		return "last_name", true
	case "$city", "home_city":
		return "home_city", true
	case "$country", "country":
		return "country", true
	case "$mobile", "phone":
		return "phone", true
	case "$gender", "gender":
		return "gender", true
	case "$age":
		return "$age", true
	case "dob":
		return "dob", true
	case "email_subscribe":
		return "email_subscribe", true
	case "push_subscribe":
		return "push_subscribe", true
	}
	return "", false
}

// canonicalFieldOf is standardFieldOf for the reserved keys spelled as
// mParticle's SDKs and documentation spell them ("$FirstName"), matched
// as they come: the usual reserved key is settled without lowerInto.
// Every key here lower-cases to one that standardFieldOf maps to the same
// field (TestCanonicalFieldOf reads them from this switch).
func canonicalFieldOf(raw string) (string, bool) {
	switch raw {
	case "$FirstName":
		return "first_name", true
	case "$LastName":
		return "last_name", true
	case "$City":
		return "home_city", true
	case "$Country":
		return "country", true
	case "$Mobile":
		return "phone", true
	case "$Gender":
		return "gender", true
	case "$Age":
		return "$age", true
	}
	return "", false
}

// customReservedOf returns the Braze name of an mParticle reserved key
// (lower-cased) that becomes a custom attribute, if it is one. $Zip is
// never type-detected.
func customReservedOf(lower []byte) (string, bool) {
	switch string(lower) {
	case "$zip":
		return "Zip", true
	case "$state":
		return "State", true
	case "$address":
		return "Address", true
	}
	return "", false
}

// mayBeReserved reports whether raw may lower-case to a key that
// standardFieldOf or customReservedOf knows, by its first and last bytes
// and those keys' ("$", f, l, p, e, h, c, g or d first; e, y, r, b, p or
// s last): false settles most custom keys without lower-casing them.
// Lower-casing goes rune by rune, so an ASCII first or last byte of raw,
// lowered, is that of the lower-cased key. A first or last rune of more
// than one byte (or invalid UTF-8, which becomes U+FFFD) lower-cases to
// no ASCII letter but i and k, which no reserved key starts or ends with:
// its byte, not lowered, gives false. TestMayBeReserved holds this to the
// keys of both switches, read from this file, and to every rune.
func mayBeReserved(raw string) bool {
	if raw == "" {
		return false // lower-cases to "", no reserved key
	}
	first, last := lowerByte(raw[0]), lowerByte(raw[len(raw)-1])
	switch first {
	case '$':
		return last == 'e' || last == 'y' || last == 'r' || last == 'p' || last == 's'
	case 'f', 'l', 'p', 'e':
		return last == 'e'
	case 'h', 'c':
		return last == 'y'
	case 'g':
		return last == 'r'
	case 'd':
		return last == 'b'
	}
	return false
}

// lowerByte lower-cases an ASCII letter.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// setUserAttribute applies one user attribute.
func (st *mapState) setUserAttribute(raw string, v mparticle.AttributeValue) {
	switch v.Kind() {
	case mparticle.KindUndefined:
		return
	case mparticle.KindNull:
		st.removeUserAttribute(raw)
		return
	}
	if st.m.groups == nil {
		if !mayBeReserved(raw) {
			// The usual custom key: none of the lookups below can find
			// it, and lower-casing it was most of their cost.
			st.customAttribute(raw, stripDollar(raw), v, true)
			return
		}
		if field, ok := canonicalFieldOf(raw); ok {
			// The usual reserved key, spelled as mParticle spells it.
			st.standardField(raw, field, v)
			return
		}
	}
	var buf [64]byte
	lower := lowerInto(buf[:0], raw)
	// Most settings map no subscription groups: no lookup then (a call,
	// even into a nil map).
	if st.m.groups != nil {
		if gid, ok := st.m.groups[string(lower)]; ok {
			st.subscriptionGroup(raw, gid, v)
			return
		}
	}
	if field, ok := standardFieldOf(lower); ok {
		st.standardField(raw, field, v)
		return
	}
	if key, ok := customReservedOf(lower); ok {
		st.customAttribute(raw, key, v, key != "Zip")
		return
	}
	st.customAttribute(raw, stripDollar(raw), v, true)
}

// subscriptionStates are the global subscription states.
var subscriptionStates = [...]braze.SubscriptionState{
	braze.SubscriptionOptedIn, braze.SubscriptionSubscribed, braze.SubscriptionUnsubscribed,
}

// subscriptionState returns the global subscription state spelled lower
// (already lower-cased), if it is one.
func subscriptionState(lower []byte) (braze.SubscriptionState, bool) {
	for _, s := range subscriptionStates {
		if string(lower) == string(s) {
			return s, true
		}
	}
	return "", false
}

// standardField sets one Braze standard field from a reserved key.
func (st *mapState) standardField(raw, field string, v mparticle.AttributeValue) {
	switch field {
	case "gender":
		st.gender(raw, v)
	case "$age":
		st.age(raw, v)
	case "dob":
		s, ok := st.standardText(raw, v)
		if !ok {
			return
		}
		d, err := braze.ParseDate(strings.TrimSpace(s))
		if err != nil || !d.IsValid() {
			st.diag(Dropped, raw, "dob is not a YYYY-MM-DD date", s)
			return
		}
		st.attrs.obj("dob", raw).DOB = braze.Set(d)
	case "email_subscribe", "push_subscribe":
		s, ok := st.standardText(raw, v)
		if !ok {
			return
		}
		var buf [32]byte
		state, ok := subscriptionState(lowerInto(buf[:0], strings.TrimSpace(s)))
		if !ok {
			st.diag(Dropped, raw, field+" is not opted_in, subscribed or unsubscribed", s)
			return
		}
		a := st.attrs.obj(field, raw)
		if field == "email_subscribe" {
			a.EmailSubscribe = braze.Set(state)
		} else {
			a.PushSubscribe = braze.Set(state)
		}
	default:
		s, ok := st.standardText(raw, v)
		if !ok {
			return
		}
		if t, cut := truncate(s); cut {
			st.diag(Truncated, raw, "string longer than 255 characters cut to 255", s)
			s = t
		}
		a := st.attrs.obj(field, raw)
		switch field {
		case "first_name":
			a.FirstName = braze.Set(s)
		case "last_name":
			a.LastName = braze.Set(s)
		case "home_city":
			a.HomeCity = braze.Set(s)
		case "country":
			a.Country = braze.Set(s)
		case "phone":
			if err := braze.PhoneNumber(s).Validate(); err != nil {
				st.diag(Dropped, raw, "not a phone number Braze accepts", s)
				break
			}
			a.Phone, a.ClearPhone = s, false
		}
	}
}

// standardText returns the text of a value for a string standard field.
func (st *mapState) standardText(raw string, v mparticle.AttributeValue) (string, bool) {
	switch v.Kind() {
	case mparticle.KindString:
		s, _ := v.Str()
		return s, true
	case mparticle.KindNumber, mparticle.KindBool:
		st.diag(ValueChanged, raw, "non-string value sent as text", v.Text())
		return v.Text(), true
	case mparticle.KindList:
		items, _ := v.List()
		s := strings.Join(items, ",")
		st.diag(ValueChanged, raw, "list joined into a comma-separated string for a standard field", s)
		return s, true
	}
	st.diag(Dropped, raw, "object or array value for a standard field", compactJSON(v))
	return "", false
}

// genders is the gender table of the mapping rules (lower-cased input).
var genders = map[string]braze.Gender{
	"m": braze.GenderMale, "male": braze.GenderMale,
	"f": braze.GenderFemale, "female": braze.GenderFemale,
	"na": braze.GenderNotApplicable, "n": braze.GenderNotApplicable,
	"p": braze.GenderPreferNotToSay,
	"o": braze.GenderOther, "other": braze.GenderOther,
}

// gender applies $Gender: M/male, F/female, NA/N, P, O/other map to the
// Braze letters; U/unknown/empty mean unknown (null); anything else is
// Other, reported.
func (st *mapState) gender(raw string, v mparticle.AttributeValue) {
	s, ok := st.standardText(raw, v)
	if !ok {
		return
	}
	var buf [16]byte
	l := lowerInto(buf[:0], strings.TrimSpace(s))
	a := st.attrs.obj("gender", raw)
	if g, ok := genders[string(l)]; ok {
		a.Gender = braze.Set(g)
		return
	}
	if string(l) == "" || string(l) == "u" || string(l) == "unknown" {
		a.Gender = braze.Null[braze.Gender]()
		return
	}
	st.diag(ValueChanged, raw, "gender not in the table; sent as O (other)", s)
	a.Gender = braze.Set(braze.GenderOther)
}

// age applies $Age: dob = January 1 of (current year − age).
func (st *mapState) age(raw string, v mparticle.AttributeValue) {
	var f float64
	var ok bool
	switch v.Kind() {
	case mparticle.KindNumber:
		f, ok = v.Float64()
	case mparticle.KindString:
		s, _ := v.Str()
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
		ok = err == nil
	}
	if !ok || math.IsNaN(f) || f < 0 || f > maxAge {
		st.diag(Dropped, raw, "$Age is not a number of years between 0 and "+strconv.Itoa(maxAge), v.Text())
		return
	}
	year := st.clock().Year() - int(math.Floor(f))
	st.attrs.obj("dob", raw).DOB = braze.Set(braze.NewDate(year, time.January, 1))
}

// customAttribute sets one custom attribute.
func (st *mapState) customAttribute(raw, key string, v mparticle.AttributeValue, detect bool) {
	key, ok := st.attrKey(raw, key)
	if !ok {
		return
	}
	var val braze.Value
	switch v.Kind() {
	case mparticle.KindString:
		s, _ := v.Str()
		if isWord(s) {
			val = braze.String(s) // as stringValueInto would, without its call
		} else {
			st.stringValueInto(&val, raw, s, detect)
		}
	case mparticle.KindNumber:
		n, _ := v.Number()
		st.numberLiteralInto(&val, raw, string(n))
	case mparticle.KindBool:
		b, _ := v.Bool()
		val = braze.Bool(b)
	case mparticle.KindList, mparticle.KindRaw:
		// A list of scalars is a list, whatever its entries' JSON types;
		// only objects and lists holding objects, lists or nulls go
		// through PropertyPolicy.
		items, ok := st.scalarList(raw, v)
		if !ok {
			st.complexUserAttribute(raw, key, v)
			return
		}
		if st.m.s.UserAttributeListsAsStrings {
			val = st.stringValue(raw, strings.Join(items, ","), false)
			break
		}
		for i, it := range items {
			if t, cut := truncate(it); cut {
				st.diag(Truncated, raw, "list entry longer than 255 characters cut to 255", it)
				items[i] = t
			}
		}
		val = braze.Strings(items)
	default:
		st.diag(Dropped, raw, "value of unknown kind "+v.Kind().String(), compactJSON(v))
		return
	}
	st.attrs.setCustom(key, raw, &val)
}

// scalarList returns the entries of a list value as text: a list of
// strings, or a raw JSON array whose entries are all strings, numbers or
// booleans (numbers and booleans are reported, as they become text). It
// returns false for anything else.
func (st *mapState) scalarList(raw string, v mparticle.AttributeValue) ([]string, bool) {
	if items, ok := v.List(); ok {
		return items, true
	}
	if v.Kind() != mparticle.KindRaw {
		return nil, false
	}
	arr, ok := v.Interface().([]any)
	if !ok {
		return nil, false
	}
	items := make([]string, len(arr))
	for i, e := range arr {
		if items[i], ok = scalarText(e); !ok {
			return nil, false
		}
	}
	st.diag(ValueChanged, raw, "list entries that are numbers or booleans sent as text", compactJSON(v))
	return items, true
}

// attrKey checks a custom attribute key (after the one-"$" strip): not
// empty, no further leading "$" (Braze reserves it), at most 255
// characters, not a standard field name. It reports what it fixes and
// returns false when the attribute must be dropped.
func (st *mapState) attrKey(raw, key string) (string, bool) {
	if strings.HasPrefix(key, "$") {
		nk := strings.TrimLeft(key, "$")
		st.diag(Renamed, raw, "Braze keys may not start with '$'; renamed "+strconv.Quote(nk), "")
		key = nk
	}
	if key == "" {
		st.diag(Dropped, raw, "empty attribute key", "")
		return "", false
	}
	if t, cut := truncate(key); cut {
		st.diag(Truncated, raw, "key longer than 255 characters cut to 255", "")
		key = t
	}
	if braze.IsStandardAttribute(key) {
		st.diag(Dropped, raw, strconv.Quote(key)+" is a Braze standard field name, not usable as a custom attribute", "")
		return "", false
	}
	return key, true
}

// complexUserAttribute applies PropertyPolicy to an object or mixed-array
// user attribute (Braze custom attributes here take scalars and string
// arrays only).
func (st *mapState) complexUserAttribute(raw, key string, v mparticle.AttributeValue) {
	if st.m.s.PropertyPolicy == PropertyReject {
		st.diag(Dropped, raw, "object or array user attribute dropped (PropertyReject)", compactJSON(v))
		return
	}
	p := st.newProps(0)
	p.attr, p.scratch = true, true
	p.complex(raw, key, v)
	es := p.out
	sortProps(es)
	for _, e := range es {
		if braze.IsStandardAttribute(e.Key) {
			st.diag(Dropped, raw, strconv.Quote(e.Key)+" is a Braze standard field name, not usable as a custom attribute", "")
			continue
		}
		st.attrs.obj(e.Key, raw).SetCustom(e.Key, e.Value)
	}
	p.release()
}

// removeUserAttribute applies the removal of one user attribute.
func (st *mapState) removeUserAttribute(raw string) {
	var buf [64]byte
	lower := lowerInto(buf[:0], raw)
	if _, ok := st.m.groups[string(lower)]; ok {
		st.diag(Dropped, raw, "removing a subscription group attribute leaves the group state unchanged", "")
		return
	}
	if field, ok := standardFieldOf(lower); ok {
		switch field {
		case "email_subscribe", "push_subscribe":
			st.diag(Dropped, raw, field+" cannot be removed in Braze; state unchanged", "")
		case "first_name":
			st.attrs.obj(field, raw).FirstName = braze.Null[string]()
		case "last_name":
			st.attrs.obj(field, raw).LastName = braze.Null[string]()
		case "home_city":
			st.attrs.obj(field, raw).HomeCity = braze.Null[string]()
		case "country":
			st.attrs.obj(field, raw).Country = braze.Null[string]()
		case "phone":
			a := st.attrs.obj(field, raw)
			a.Phone, a.ClearPhone = "", true
		case "gender":
			st.attrs.obj(field, raw).Gender = braze.Null[braze.Gender]()
		case "$age", "dob":
			st.attrs.obj("dob", raw).DOB = braze.Null[braze.Date]()
		}
		return
	}
	key, ok := customReservedOf(lower)
	if !ok {
		if key, ok = st.attrKey(raw, stripDollar(raw)); !ok {
			return
		}
	}
	st.attrs.obj(key, raw).SetCustom(key, braze.NullValue())
}

// subscriptionGroup applies a user attribute mapped to a subscription group.
func (st *mapState) subscriptionGroup(raw, gid string, v mparticle.AttributeValue) {
	var state braze.SubscriptionState
	var buf [16]byte
	switch l := lowerInto(buf[:0], strings.TrimSpace(v.Text())); {
	case string(l) == "true" || string(l) == "1" || string(l) == "yes":
		state = braze.SubscriptionSubscribed
	case string(l) == "false" || string(l) == "0" || string(l) == "no":
		state = braze.SubscriptionUnsubscribed
	default:
		st.diag(Dropped, raw, "subscription group attribute is not true/false, 1/0 or yes/no", v.Text())
		return
	}
	// Two attributes may map to one group: within one object the later one
	// replaces the earlier entry (obj reports it), never a second,
	// contradicting entry for the same group.
	a := st.attrs.obj(st.m.groupKeys[gid], raw)
	for i := range a.SubscriptionGroups {
		if a.SubscriptionGroups[i].SubscriptionGroupID == gid {
			a.SubscriptionGroups[i].SubscriptionState = state
			return
		}
	}
	if a.SubscriptionGroups == nil && st.reuse {
		a.SubscriptionGroups = takeFree(&st.sc.free.groups, 1)
	}
	a.SubscriptionGroups = append(a.SubscriptionGroups, braze.SubscriptionGroupState{SubscriptionGroupID: gid, SubscriptionState: state})
}

// pushRegistration turns a push_registration into a push token for the app
// of the batch's platform.
func (st *mapState) pushRegistration(d *mparticle.PushRegistration) {
	st.evName = string(mparticle.EventPushRegistration)
	if !d.Register {
		st.diag(EventSkipped, "", "push unregistration has no Braze /users/track equivalent", "")
		return
	}
	if strings.TrimSpace(d.RegistrationToken) == "" {
		st.diag(Dropped, "registration_token", "push registration without a token", "")
		return
	}
	platform := ""
	if st.b.DeviceInfo != nil {
		platform = string(st.b.DeviceInfo.Platform)
	}
	if strings.EqualFold(strings.TrimSpace(platform), string(mparticle.PlatformWeb)) {
		st.diag(Dropped, "registration_token", "Braze takes no web push tokens via /users/track", "")
		return
	}
	var buf [32]byte
	app := st.m.appIDs[string(lowerInto(buf[:0], platform))]
	if app == "" {
		app = st.m.s.AppID
	}
	if app == "" {
		st.diag(Dropped, "registration_token", "no Braze app id configured for platform "+strconv.Quote(platform)+" (Settings.AppIDs / AppID)", "")
		return
	}
	a := st.attrs.pushObj()
	if a.PushTokens == nil && st.reuse {
		a.PushTokens = takeFree(&st.sc.free.tokens, 1)
	}
	a.PushTokens = append(a.PushTokens, braze.PushToken{AppID: app, Token: d.RegistrationToken})
}

// eventTypeNumbers are the Android SDK event type numbers used in the kit
// hash.
var eventTypeNumbers = map[mparticle.CustomEventType]int{
	mparticle.CustomNavigation: 1, mparticle.CustomLocation: 2, mparticle.CustomSearch: 3,
	mparticle.CustomTransaction: 4, mparticle.CustomUserContent: 5, mparticle.CustomUserPreference: 6,
	mparticle.CustomSocial: 7, mparticle.CustomOther: 8, mparticle.CustomMedia: 9, mparticle.CustomAttribution: 10,
}

// Event type numbers for events that are not custom events.
const (
	screenViewTypeNumber = 0
	commerceTypeNumber   = 4
	otherTypeNumber      = 8
)

// eventAttributeMappings applies Settings.EventAttributeMappings to the
// attributes of one event (raw keys, as the Android kit hashes them).
func (st *mapState) eventAttributeMappings(typeNum int, eventName string, attrs mparticle.Attributes) {
	if !st.m.hasEventMappings() || len(attrs) == 0 {
		return
	}
	em := st.newEventMatcher(typeNum, eventName)
	// Keys are applied in sorted order, but most events have no key that
	// any mapping names and some have one: the keys are sorted only when
	// two or more match (a key listed twice counts twice).
	matched, only := 0, -1
	if st.m.sortedOnly {
		matched = 2 // the reference: always sorted
	} else {
		for i := range attrs {
			if len(em.mappings(attrs[i].Key)) > 0 {
				if matched++; matched > 1 {
					break
				}
				only = i
			}
		}
	}
	switch matched {
	case 0:
		return
	case 1:
		a := &attrs[only]
		for _, m := range em.mappings(a.Key) {
			st.applyEventAttributeMapping(m, a.Key, a.Value)
		}
		return
	}
	for _, a := range st.sortedAttrs(attrs) {
		for _, m := range em.mappings(a.Key) {
			st.applyEventAttributeMapping(m, a.Key, a.Value)
		}
	}
	st.doneSorted()
}

// eventMatcher finds the EventAttributeMappings of one event's attribute
// keys.
type eventMatcher struct {
	m    *Mapper
	hash kitHasher
	// name is nameKey's lower-cased event name and separator, to which
	// each lower-cased key is appended for the byName lookup.
	name    []byte
	nameBuf [128]byte
}

func (st *mapState) newEventMatcher(typeNum int, eventName string) *eventMatcher {
	em := &eventMatcher{m: st.m, hash: newKitHasher(typeNum, eventName)}
	if st.m.byName != nil {
		em.name = append(lowerInto(em.nameBuf[:0], eventName), 0)
	}
	return em
}

// mappings returns the mappings of attribute key k: by kit hash, then by
// event name and key.
func (em *eventMatcher) mappings(k string) []EventAttributeMapping {
	ms := em.m.byHash[em.hash.hash(k)]
	if em.m.byName != nil {
		var buf [128]byte
		key := lowerInto(append(buf[:0], em.name...), k)
		if byName := em.m.byName[string(key)]; len(byName) > 0 {
			ms = append(ms[:len(ms):len(ms)], byName...)
		}
	}
	return ms
}

func (st *mapState) applyEventAttributeMapping(em EventAttributeMapping, key string, v mparticle.AttributeValue) {
	if em.Action == SetAttribute {
		st.setUserAttribute(em.UserAttribute, v)
		return
	}
	var items []string
	switch v.Kind() {
	case mparticle.KindString, mparticle.KindNumber, mparticle.KindBool:
		items = []string{v.Text()}
	default:
		var ok bool
		if items, ok = st.scalarList(key, v); !ok {
			st.diag(Dropped, key, "event attribute mapped to array attribute "+strconv.Quote(em.UserAttribute)+" is not a string or list", compactJSON(v))
			return
		}
	}
	for i, it := range items {
		if t, cut := truncate(it); cut {
			st.diag(Truncated, key, "array entry longer than 255 characters cut to 255", it)
			items[i] = t
		}
	}
	if len(items) == 0 {
		st.diag(Dropped, key, "empty list; nothing to add to or remove from "+strconv.Quote(em.UserAttribute), "")
		return
	}
	attr, ok := st.attrKey(key, em.UserAttribute)
	if !ok {
		return
	}
	if em.Action == AddToArray {
		st.attrs.obj(attr, key).SetCustom(attr, braze.AddRemove(items, nil))
	} else {
		st.attrs.obj(attr, key).SetCustom(attr, braze.AddRemove(nil, items))
	}
}
