package braze

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mpbraze/mpbraze/internal/formats"
)

// ValidationError is one problem found before sending a request. Path names
// the object and field in request terms ("events[3].quantity",
// "attributes[0].custom[\"favorite color\"]"), Value is the offending value
// (nil when the problem is a missing value) and Reason says what is wrong.
//
// Error() reads like "events[3].quantity: 150 outside 1..100".
//
// For a problem inside one object of a TrackRequest, Array and Index name
// that object ("events", 3) so a caller can map the problem back to the
// object without parsing Path; Array is empty for request-level problems
// and for the other endpoints.
type ValidationError struct {
	// Path locates the problem, e.g. `events[3].properties["sku"]`.
	Path string
	// Value is the offending value, nil when it is missing.
	Value any
	// Reason says what is wrong.
	Reason string
	// Array is "attributes", "events" or "purchases" for a problem inside
	// one TrackRequest object, else empty.
	Array string
	// Index is the object's position in Array.
	Index int
}

// Error formats the path, the value (long strings shortened) and the reason.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Value != nil {
		b.WriteString(formatValue(e.Value))
		b.WriteByte(' ')
	}
	b.WriteString(e.Reason)
	return b.String()
}

// maxShownValue bounds how much of a long value an error message repeats.
const maxShownValue = 64

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		if utf8.RuneCountInString(v) > maxShownValue {
			r := []rune(v)
			return strconv.Quote(string(r[:maxShownValue])) + "…"
		}
		return strconv.Quote(v)
	case fmt.Stringer:
		return formatValue(v.String())
	default:
		return fmt.Sprint(v)
	}
}

// ValidationErrors lists every problem found in one request. It implements
// error; errors.As finds the individual *ValidationError values through
// Unwrap.
type ValidationErrors []*ValidationError

// Error lists all problems, separated by "; ".
func (es ValidationErrors) Error() string {
	switch len(es) {
	case 0:
		return "braze: no validation errors"
	case 1:
		return "braze: invalid request: " + es[0].Error()
	}
	var b strings.Builder
	b.WriteString("braze: invalid request: ")
	b.WriteString(strconv.Itoa(len(es)))
	b.WriteString(" problems: ")
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, for errors.Is and errors.As.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es *ValidationErrors) add(path string, value any, reason string) {
	*es = append(*es, &ValidationError{Path: path, Value: value, Reason: reason})
}

// err returns nil for no problems, so a nil ValidationErrors never becomes a
// non-nil error interface.
func (es ValidationErrors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// joinPath appends a field name to an object path.
func joinPath(prefix, field string) string {
	if prefix == "" {
		return field
	}
	if field == "" {
		return prefix
	}
	return prefix + "." + field
}

// indexPath returns "name[i]".
func indexPath(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// keyPath returns prefix["key"] for a map member.
func keyPath(prefix, key string) string {
	return prefix + "[" + strconv.Quote(key) + "]"
}

// loc is a validation path that is only turned into a string when an error
// is reported, so validating a good request builds no strings. It reads
// array[index].field["key"], each part optional; once a path needs more
// than that (a field below a key, an array element) it is rendered into
// full, keeping array and index for ValidationError.
type loc struct {
	array  string
	index  int
	field  string
	key    string
	hasKey bool
	full   string
	isFull bool
}

// at returns a loc for a ready-made path string.
func at(path string) loc { return loc{full: path, isFull: true} }

// objLoc returns the location of array[index].
func objLoc(array string, index int) loc { return loc{array: array, index: index} }

// render returns l's object with the given rendered path.
func (l loc) render(path string) loc {
	return loc{array: l.array, index: l.index, full: path, isFull: true}
}

// f descends into a field.
func (l loc) f(name string) loc {
	if l.hasKey || l.isFull {
		return l.render(joinPath(l.String(), name))
	}
	l.field = joinPath(l.field, name)
	return l
}

// k descends into a map member.
func (l loc) k(key string) loc {
	if l.hasKey {
		l = l.render(l.String())
	}
	l.key, l.hasKey = key, true
	return l
}

// i descends into an array element.
func (l loc) i(index int) loc { return l.render(indexPath(l.String(), index)) }

// String renders the path.
func (l loc) String() string {
	var s string
	switch {
	case l.isFull:
		s = l.full
	case l.array != "":
		s = joinPath(indexPath(l.array, l.index), l.field)
	default:
		s = l.field
	}
	if l.hasKey {
		s = keyPath(s, l.key)
	}
	return s
}

// sortFrom sorts the problems from index i on by path: the problems found
// in one property list are reported in key order, whatever the list's
// order (as when the lists were maps).
func (es *ValidationErrors) sortFrom(i int) {
	if len(*es)-i > 1 {
		slices.SortStableFunc((*es)[i:], func(a, b *ValidationError) int { return strings.Compare(a.Path, b.Path) })
	}
}

// at records a problem at l.
func (es *ValidationErrors) at(l loc, value any, reason string) {
	*es = append(*es, &ValidationError{Path: l.String(), Value: value, Reason: reason, Array: l.array, Index: l.index})
}

// tooLong returns the character count of s when it is over
// MaxStringLength.
func tooLong(s string) (int, bool) {
	if len(s) <= MaxStringLength { // bytes ≥ characters
		return 0, false
	}
	n := utf8.RuneCountInString(s)
	return n, n > MaxStringLength
}

// checkStringLen reports strings over MaxStringLength characters.
func checkStringLen(l loc, s string, errs *ValidationErrors) {
	if n, bad := tooLong(s); bad {
		errs.at(l, s, "is "+strconv.Itoa(n)+" characters, over the "+strconv.Itoa(MaxStringLength)+"-character limit")
	}
}

// Validate checks the request against Braze's rules and the given caps
// (Limits{} means DefaultLimits()): object count, encoded body size, and
// every object's identifier and fields. It returns nil or a ValidationErrors
// listing every problem, each naming its path, e.g.
// "purchases[2].currency: \"usdollar\" is not a 3-letter ISO 4217 code".
//
// Validating a good request allocates nothing: paths are only built for
// problems, and the body-size bound is summed in the same pass.
func (r *TrackRequest) Validate(l Limits) error {
	l = l.normalized()
	var errs ValidationErrors
	n := r.Len()
	switch {
	case n == 0:
		errs.add("", nil, "request has no attributes, events or purchases")
	case !l.PerArray && n > l.MaxObjects:
		errs.add("", n, "objects, over the limit of "+strconv.Itoa(l.MaxObjects)+" per request (attributes+events+purchases combined)")
	case l.PerArray:
		checkArrayCap(InputAttributes, len(r.Attributes), l, &errs)
		checkArrayCap(InputEvents, len(r.Events), l, &errs)
		checkArrayCap(InputPurchases, len(r.Purchases), l, &errs)
	}
	// Each object's validation also returns an upper bound of its encoded
	// size, computed in the same pass over its maps.
	bound := r.validateObjects(l, true, &errs)
	if len(errs) == 0 && bound > l.MaxBodyBytes {
		r.checkBodySize(l, &errs)
	}
	return errs.err()
}

// validateObjects validates every object, their property and custom
// attribute maps only when maps is set, and returns an upper bound of the
// encoded request (meaningful only with maps).
func (r *TrackRequest) validateObjects(l Limits, maps bool, errs *ValidationErrors) int {
	bound := requestFixedBound
	for i := range r.Attributes {
		bound += r.Attributes[i].validate(objLoc(InputAttributes, i), l, maps, errs) + 1
	}
	for i := range r.Events {
		bound += r.Events[i].validate(objLoc(InputEvents, i), l, maps, errs) + 1
	}
	for i := range r.Purchases {
		bound += r.Purchases[i].validate(objLoc(InputPurchases, i), l, maps, errs) + 1
	}
	return bound
}

// appendValidated is Validate followed by AppendJSON with one pass over
// each object's fields instead of two: the encoder checks each field
// (plainFields) and each property and custom attribute against the fast
// path of validation as it writes it. Only the objects with something that
// is not plain (an operator, a list, a nested or long value, a '$'-keyed or
// reserved key, a second primary identifier, …) are validated in full
// afterwards.
// When anything is invalid, the body is over the size cap or encoding fails,
// it runs the full Validate, which decides (and names every problem in
// Validate's order).
//
// It returns the body, or the ValidationErrors of Validate, or an encoding
// error wrapped in encodeError.
func (r *TrackRequest) appendValidated(l Limits, dst []byte) ([]byte, error) {
	l = l.normalized()
	var errs ValidationErrors
	n := r.Len()
	fast := n > 0 && (l.PerArray || n <= l.MaxObjects) &&
		(!l.PerArray || (len(r.Attributes) <= l.MaxObjects && len(r.Events) <= l.MaxObjects && len(r.Purchases) <= l.MaxObjects))
	if fast {
		var chk trackCheck
		chk.enc.check = true
		body, err := r.appendJSON(dst, &chk)
		if err == nil && len(body) <= l.MaxBodyBytes {
			for _, i := range chk.attributes {
				r.Attributes[i].validate(objLoc(InputAttributes, i), l, true, &errs)
			}
			for _, i := range chk.events {
				r.Events[i].validate(objLoc(InputEvents, i), l, true, &errs)
			}
			for _, i := range chk.purchases {
				r.Purchases[i].validate(objLoc(InputPurchases, i), l, true, &errs)
			}
			if len(errs) == 0 {
				return body, nil
			}
		}
		dst = body[:0]
	}
	if err := r.Validate(l); err != nil {
		return nil, err
	}
	body, err := r.AppendJSON(dst)
	if err != nil {
		return nil, &encodeError{err}
	}
	return body, nil
}

// encodeError is a request that passed validation but could not be encoded.
type encodeError struct{ err error }

func (e *encodeError) Error() string { return e.err.Error() }
func (e *encodeError) Unwrap() error { return e.err }

func checkArrayCap(name string, n int, l Limits, errs *ValidationErrors) {
	if n > l.MaxObjects {
		errs.add(name, n, "objects, over the limit of "+strconv.Itoa(l.MaxObjects)+" per array")
	}
}

// checkBodySize reports a body over l.MaxBodyBytes. Validate calls it only
// when the upper bound of the encoded size is over the cap, so only a
// request that could be too large is encoded to measure it exactly.
func (r *TrackRequest) checkBodySize(l Limits, errs *ValidationErrors) {
	body, err := r.AppendJSON(nil)
	if err != nil {
		errs.add("", nil, "cannot be encoded: "+err.Error())
		return
	}
	if len(body) > l.MaxBodyBytes {
		errs.add("", len(body), "bytes encoded, over the "+strconv.Itoa(l.MaxBodyBytes)+"-byte body limit (Braze answers 413)")
	}
}

// Validate checks the object alone under DefaultLimits: identifier and
// fields. Paths start at the field ("custom[\"k\"]", "dob").
//
// It shadows the promoted Identifier.Validate, which checks only the
// identifier.
func (a *Attributes) Validate() error {
	var errs ValidationErrors
	a.validate(loc{}, DefaultLimits(), true, &errs)
	return errs.err()
}

// Validate checks the event alone under DefaultLimits.
func (e *Event) Validate() error {
	var errs ValidationErrors
	e.validate(loc{}, DefaultLimits(), true, &errs)
	return errs.err()
}

// Validate checks the purchase alone under DefaultLimits.
func (p *Purchase) Validate() error {
	var errs ValidationErrors
	p.validate(loc{}, DefaultLimits(), true, &errs)
	return errs.err()
}

// validate appends the object's problems and returns an upper bound of its
// encoded size. Without maps it leaves out the custom attributes (the
// encoder checks them; see TrackRequest.appendValidated) and their size.
func (a *Attributes) validate(at loc, l Limits, maps bool, errs *ValidationErrors) int {
	if a.PushTokenImport {
		// Anonymous push-token import: the token identifies the device.
		if a.ExternalID != "" || a.BrazeID != "" {
			errs.at(at.f("push_token_import"), nil, "cannot be combined with external_id or braze_id (BAD_PUSH_TOKEN_IMPORT)")
		}
		if len(a.PushTokens) == 0 {
			errs.at(at.f("push_tokens"), nil, "are required with push_token_import (BAD_PUSH_TOKEN_IMPORT)")
		}
		if a.primaries() > 1 {
			a.Identifier.validate(at, errs)
		}
	} else {
		a.Identifier.validate(at, errs)
	}
	if a.ClearEmail && a.Email != "" {
		errs.at(at.f("email"), a.Email, "is set while ClearEmail asks to delete it")
	}
	if a.ClearPhone && a.Phone != "" {
		errs.at(at.f("phone"), a.Phone, "is set while ClearPhone asks to delete it")
	}
	if d, ok := a.DOB.Get(); ok && !d.IsValid() {
		errs.at(at.f("dob"), d.String(), "is not a valid date (want YYYY-MM-DD)")
	}
	if g, ok := a.Gender.Get(); ok && !g.Valid() {
		errs.at(at.f("gender"), string(g), "is not a gender Braze accepts (M, F, O, N, P, or null for unknown)")
	}
	if s, ok := a.EmailSubscribe.Get(); ok && !s.Valid() {
		errs.at(at.f("email_subscribe"), string(s), "is not opted_in, subscribed or unsubscribed (BAD_EMAIL_SUBSCRIPTION_STATE)")
	}
	if s, ok := a.PushSubscribe.Get(); ok && !s.Valid() {
		errs.at(at.f("push_subscribe"), string(s), "is not opted_in, subscribed or unsubscribed (BAD_PUSH_SUBSCRIPTION_STATE)")
	}
	for i, t := range a.PushTokens {
		if strings.TrimSpace(t.AppID) == "" {
			errs.at(at.f("push_tokens").i(i).f("app_id"), nil, "is empty (BAD_PUSH_TOKEN_APP_ID)")
		}
		if strings.TrimSpace(t.Token) == "" {
			errs.at(at.f("push_tokens").i(i).f("token"), nil, "is empty (BAD_PUSH_TOKEN_STRING)")
		}
		if t.DeviceID != "" && (len(t.DeviceID) < 8 || len(t.DeviceID) > 255) {
			errs.at(at.f("push_tokens").i(i).f("device_id"), t.DeviceID, "is "+strconv.Itoa(len(t.DeviceID))+" bytes, outside 8..255 (BAD_DEVICE_ID)")
		}
	}
	for i, g := range a.SubscriptionGroups {
		if !formats.IsUUID(g.SubscriptionGroupID) {
			errs.at(at.f("subscription_groups").i(i).f("subscription_group_id"), g.SubscriptionGroupID, "is not a UUID (BAD_SUBSCRIPTION_GROUP_ID)")
		}
		if !g.SubscriptionState.ValidForGroup() {
			errs.at(at.f("subscription_groups").i(i).f("subscription_state"), string(g.SubscriptionState), "is not subscribed or unsubscribed (BAD_SUBSCRIPTION_GROUP_STATE)")
		}
	}
	if pos, ok := a.CurrentLocation.Get(); ok {
		if math.IsNaN(pos.Latitude) || pos.Latitude < -90 || pos.Latitude > 90 {
			errs.at(at.f("current_location.latitude"), pos.Latitude, "outside -90..90 (BAD_LOCATION_UPDATE)")
		}
		if math.IsNaN(pos.Longitude) || pos.Longitude < -180 || pos.Longitude > 180 {
			errs.at(at.f("current_location.longitude"), pos.Longitude, "outside -180..180 (BAD_LOCATION_UPDATE)")
		}
	}
	checkOptTime(at, "date_of_first_session", &a.DateOfFirstSession, errs)
	checkOptTime(at, "date_of_last_session", &a.DateOfLastSession, errs)
	checkOptTime(at, "marked_email_as_spam_at", &a.MarkedEmailAsSpamAt, errs)
	bound := a.fixedBound() + 2
	if len(a.Custom) == 0 || !maps {
		return bound
	}
	if n, ok := plainMembersBound(a.Custom, customMember); ok {
		return bound + n - 2
	}
	before := len(*errs)
	for i := range a.Custom {
		k, v := a.Custom[i].Key, a.Custom[i].Value
		bound += 6*len(k) + 4 + v.sizeBound()
		if plainCustom(k, &v) {
			continue // the common case, checked without building a path
		}
		p := at.f("custom").k(k)
		checkKey(p, k, errs)
		switch {
		case k == "bio" || k == "email_subscription_info":
			errs.at(p, nil, "is a field Braze ignores or rejects, not a custom attribute")
		case isStandardKey(k):
			errs.at(p, nil, "is the name of a standard field; set the Attributes field instead")
		}
		checkValue(p, v, ctxAttribute, errs)
		if v.kind == KindObject || v.kind == KindArray {
			checkNestedSize(p, v, l, errs)
		}
	}
	checkDuplicates(at.f("custom"), a.Custom, errs)
	errs.sortFrom(before)
	return bound
}

func (e *Event) validate(at loc, l Limits, maps bool, errs *ValidationErrors) int {
	e.Identifier.validate(at, errs)
	if !plainName(e.Name) {
		checkName(at, "name", e.Name, errs)
	}
	if !plainTime(e.Time) {
		checkTime(at, "time", e.Time, errs)
	}
	if !maps {
		return e.fixedBound()
	}
	return e.fixedBound() + checkProperties(at, e.Properties, l, errs)
}

func (p *Purchase) validate(at loc, l Limits, maps bool, errs *ValidationErrors) int {
	p.Identifier.validate(at, errs)
	if !plainName(p.ProductID) {
		checkName(at, "product_id", p.ProductID, errs)
	}
	if !formats.IsCurrencyCode(p.Currency) {
		errs.at(at.f("currency"), p.Currency, "is not a 3-letter ISO 4217 code (e.g. \"USD\")")
	}
	if math.IsNaN(p.Price) || math.IsInf(p.Price, 0) {
		errs.at(at.f("price"), p.Price, "is not a finite number")
	}
	if p.Quantity != 0 && (p.Quantity < 1 || p.Quantity > MaxQuantity) {
		errs.at(at.f("quantity"), p.Quantity, "outside 1..100")
	}
	if !plainTime(p.Time) {
		checkTime(at, "time", p.Time, errs)
	}
	if !maps {
		return p.fixedBound()
	}
	return p.fixedBound() + checkProperties(at, p.Properties, l, errs)
}

// The plainFields methods are the encoder's check of an object's fields
// other than its properties or custom attributes (see memberEncoder): true
// means validate finds nothing wrong with them; false only that validate
// must look. They read the fields the encoder writes anyway, so a checked
// encoding is one pass over each field instead of a validation pass and an
// encoding pass. A time's year range is left to the encoder, whose error
// also sends the object to validate.

func (e *Event) plainFields() bool {
	return e.Identifier.plain() && plainName(e.Name) && !e.Time.IsZero()
}

func (p *Purchase) plainFields() bool {
	return p.Identifier.plain() && plainName(p.ProductID) && formats.IsCurrencyCode(p.Currency) &&
		(p.Quantity == 0 || p.Quantity >= 1 && p.Quantity <= MaxQuantity) && !p.Time.IsZero()
}

// plainFields of an attributes object settles the common fields itself and
// asks validate, without the custom attributes, about an object with push
// tokens, subscription groups, a location or a ClearEmail/ClearPhone.
func (a *Attributes) plainFields() bool {
	if a.PushTokenImport || a.ClearEmail || a.ClearPhone || len(a.PushTokens) > 0 ||
		len(a.SubscriptionGroups) > 0 || !a.CurrentLocation.IsAbsent() {
		var errs ValidationErrors
		a.validate(loc{}, Limits{}, false, &errs)
		return len(errs) == 0
	}
	return a.Identifier.plain() &&
		(a.DOB.state != optSet || a.DOB.v.IsValid()) &&
		(a.Gender.state != optSet || a.Gender.v.Valid()) &&
		(a.EmailSubscribe.state != optSet || a.EmailSubscribe.v.Valid()) &&
		(a.PushSubscribe.state != optSet || a.PushSubscribe.v.Valid()) &&
		plainOptTime(&a.DateOfFirstSession) && plainOptTime(&a.DateOfLastSession) &&
		plainOptTime(&a.MarkedEmailAsSpamAt)
}

// plainOptTime reports an optional time checkOptTime accepts.
func plainOptTime(o *Optional[time.Time]) bool { return o.state != optSet || plainTime(o.v) }

// checkName requires a non-blank string of at most 255 characters.
func checkName(at loc, field, s string, errs *ValidationErrors) {
	if strings.TrimSpace(s) == "" {
		errs.at(at.f(field), s, "is empty")
	} else if n, bad := tooLong(s); bad {
		errs.at(at.f(field), s, "is "+strconv.Itoa(n)+" characters, over the "+strconv.Itoa(MaxStringLength)+"-character limit")
	}
}

// plainName reports a required string (event name, product id) that is
// valid: not blank, at most 255 bytes (so at most 255 characters).
func plainName(s string) bool { return len(s) <= MaxStringLength && startsPrintable(s) }

// plainTime reports a time checkTime accepts: set, with a year RFC 3339
// can carry.
func plainTime(t time.Time) bool {
	sec := t.Unix()
	return sec >= minRFC3339Unix && sec <= maxRFC3339Unix && !t.IsZero()
}

// checkTime requires t and a year RFC 3339 can carry.
func checkTime(at loc, field string, t time.Time, errs *ValidationErrors) {
	if t.IsZero() {
		errs.at(at.f(field), nil, "is missing")
		return
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		errs.at(at.f(field), y, "is not a year RFC 3339 can carry (0..9999)")
	}
}

func checkOptTime(at loc, field string, o *Optional[time.Time], errs *ValidationErrors) {
	if t, ok := o.Get(); ok && !plainTime(t) {
		checkTime(at, field, t, errs)
	}
}

// checkKey applies the key rules shared by custom attributes and
// properties: non-empty, at most 255 characters, no leading '$' (Braze
// reserves '$' for operators).
func checkKey(at loc, k string, errs *ValidationErrors) {
	switch {
	case k == "":
		errs.at(at, nil, "key is empty")
	case k[0] == '$':
		errs.at(at, nil, "key starts with '$', which Braze reserves for operators")
	default:
		if n, bad := tooLong(k); bad {
			errs.at(at, nil, "key is "+strconv.Itoa(n)+" characters, over the "+strconv.Itoa(MaxStringLength)+"-character limit")
		}
	}
}

// checkDuplicates reports each key that appears more than once in ps.
func checkDuplicates(at loc, ps Properties, errs *ValidationErrors) {
	for _, k := range duplicateKeys(ps) {
		errs.at(at, nil, "duplicate key "+strconv.Quote(k))
	}
}

// checkProperties applies the event/purchase property rules and returns an
// upper bound of the properties' encoded size.
func checkProperties(at loc, props Properties, l Limits, errs *ValidationErrors) int {
	if len(props) == 0 {
		return 0
	}
	if n, ok := plainMembersBound(props, propertyMember); ok {
		return n
	}
	nested := false
	bound := 2
	before := len(*errs)
	for i := range props {
		k, v := props[i].Key, props[i].Value
		bound += 6*len(k) + 4 + v.sizeBound()
		if plainProperty(k, &v) {
			continue // the common case, checked without building a path
		}
		p := at.f("properties").k(k)
		checkKey(p, k, errs)
		if k == "time" || k == "event_name" {
			errs.at(p, nil, "is a reserved property name")
		}
		checkValue(p, v, ctxProperty, errs)
		nested = nested || v.kind == KindObject || v.kind == KindArray
	}
	checkDuplicates(at.f("properties"), props, errs)
	errs.sortFrom(before)
	if nested {
		checkNestedSize(at.f("properties"), Value{kind: KindObject, ext: &valueExt{obj: props}}, l, errs)
	}
	return bound
}

// plainMembersBound is the fast path of the member checks of
// checkProperties (propertyMember) and Attributes.validate (customMember):
// ok when every member is plain under rule and the keys increase (so are
// unique), that is when the full check would find nothing; n is then
// propertiesBound(ps). It reads each member in place and settles the common
// kinds without calls; ok false means only that the full check must look.
func plainMembersBound(ps Properties, rule memberRule) (n int, ok bool) {
	n = 2
	for i := range ps {
		k, v := ps[i].Key, &ps[i].Value
		n += 6*len(k) + 4
		switch v.kind {
		case KindString:
			n += 6*len(v.str) + 2
			if len(v.str) > MaxStringLength {
				return 0, false
			}
		case KindInt, KindBool:
			n += 48
		case KindFloat:
			n += 48
			if !finiteBits(v.num) {
				return 0, false
			}
		default:
			n += v.sizeBound()
			if !rule.plainValue(v) {
				return 0, false
			}
		}
		// rule.plainKey(k), spelt out so that it inlines (a call per
		// member costs more than the tests).
		if !plainKey(k) || !rule.plainKeyName(k) ||
			i > 0 && !keyAfter(k, ps[i-1].Key) {
			return 0, false
		}
	}
	return n, true
}

// plainProperty reports an event or purchase property that passes every
// check: checkProperties' per-member shortcut once plainMembersBound has
// declined the whole list (the encoder's check is appendMembers's).
func plainProperty(k string, v *Value) bool {
	return propertyMember.plainKey(k) && propertyMember.plainValue(v)
}

// plainCustom reports a custom attribute that passes every check:
// Attributes.validate's per-member shortcut once plainMembersBound has
// declined the whole list (the encoder's check is appendMembers's).
func plainCustom(k string, v *Value) bool {
	return customMember.plainKey(k) && customMember.plainValue(v)
}

// shortStrings reports whether every string passes checkStringLen (at most
// 255 bytes, so at most 255 characters).
func shortStrings(ss []string) bool {
	for _, s := range ss {
		if len(s) > MaxStringLength {
			return false
		}
	}
	return true
}

// plainKey reports a key that passes checkKey: non-empty, no leading '$',
// at most 255 bytes (so at most 255 characters).
func plainKey(k string) bool {
	return k != "" && k[0] != '$' && len(k) <= MaxStringLength
}

// plainScalar reports a string, number, boolean or time that passes
// checkValue in any context: the fast path of property and custom attribute
// validation.
func plainScalar(v *Value) bool {
	switch v.kind {
	case KindString:
		return len(v.str) <= MaxStringLength
	case KindInt, KindBool:
		return true
	case KindFloat:
		f := math.Float64frombits(v.num)
		return !math.IsNaN(f) && !math.IsInf(f, 0)
	case KindTime:
		sec := int64(v.num)
		return sec >= minRFC3339Unix && sec <= maxRFC3339Unix
	}
	return false
}

// checkNestedSize enforces the size cap on nested data.
func checkNestedSize(at loc, v Value, l Limits, errs *ValidationErrors) {
	if v.sizeBound() <= l.MaxNestedBytes {
		return
	}
	b, err := v.appendJSON(nil)
	if err == nil && len(b) > l.MaxNestedBytes {
		errs.at(at, len(b), "bytes of nested data, over the "+strconv.Itoa(l.MaxNestedBytes)+"-byte limit")
	}
}

// valueContext says where a Value sits, since Braze allows different kinds
// in different places.
type valueContext uint8

const (
	ctxAttribute       valueContext = iota // top-level custom attribute
	ctxProperty                            // top-level event/purchase property
	ctxNestedAttribute                     // inside a nested custom attribute
	ctxNestedProperty                      // inside a nested property
	ctxPropertyArray                       // element of a property array
)

func checkValue(at loc, v Value, ctx valueContext, errs *ValidationErrors) {
	switch v.kind {
	case KindInvalid:
		errs.at(at, nil, "is the zero Value; build values with braze.String, braze.Int, … or braze.NullValue")
	case KindNull:
		if ctx == ctxProperty || ctx == ctxPropertyArray {
			errs.at(at, nil, "is null, which is not a property value (leave the property out instead)")
		}
	case KindString:
		checkStringLen(at, v.str, errs)
	case KindFloat:
		if f := math.Float64frombits(v.num); math.IsNaN(f) || math.IsInf(f, 0) {
			errs.at(at, f, "is not a finite number")
		}
	case KindTime:
		t, _ := v.Time()
		switch y := t.Year(); {
		case y < 0 || y > 9999:
			errs.at(at, y, "is not a year RFC 3339 can carry (0..9999)")
		case ctx == ctxPropertyArray:
			errs.at(at, nil, "is a time inside an array, which Braze does not accept")
		case ctx == ctxNestedAttribute && !nestedTimeOperand(at):
			errs.at(at, nil, "is a time inside a nested attribute, which Braze stores as a string; use braze.NestedTime")
		}
	case KindStrings:
		checkStringElems(at, "", v.ext.strs, errs)
	case KindIncrement, KindAddRemove:
		if ctx != ctxAttribute {
			errs.at(at, v.kind.String(), "operator is only valid as a top-level custom attribute value")
		}
		if v.kind == KindAddRemove {
			if len(v.ext.strs) == 0 && len(v.ext.remove) == 0 {
				errs.at(at, nil, "add/remove has nothing to add or remove")
			}
			checkStringElems(at, "add", v.ext.strs, errs)
			checkStringElems(at, "remove", v.ext.remove, errs)
		}
	case KindObject:
		inner := ctxNestedProperty
		if ctx == ctxAttribute || ctx == ctxNestedAttribute {
			inner = ctxNestedAttribute
		}
		before := len(*errs)
		for _, m := range v.ext.obj {
			p := at.k(m.Key)
			checkNestedKey(p, m.Key, inner, errs)
			checkValue(p, m.Value, inner, errs)
		}
		checkDuplicates(at, v.ext.obj, errs)
		errs.sortFrom(before)
	case KindArray:
		inner := ctxNestedProperty
		switch ctx {
		case ctxAttribute, ctxNestedAttribute:
			inner = ctxNestedAttribute
		case ctxProperty, ctxPropertyArray:
			inner = ctxPropertyArray
		}
		for i, e := range v.ext.arr {
			checkValue(at.i(i), e, inner, errs)
		}
	}
}

// nestedTimeOperand reports whether at is the value of a "$time" key.
func nestedTimeOperand(at loc) bool { return at.hasKey && at.key == "$time" }

// checkStringElems reports over-long elements of the string array at
// at.field, building the element's path only for an element that fails.
func checkStringElems(at loc, field string, ss []string, errs *ValidationErrors) {
	for i, s := range ss {
		if _, bad := tooLong(s); bad {
			if field != "" {
				at = at.f(field)
				field = ""
			}
			checkStringLen(at.i(i), s, errs)
		}
	}
}

// checkNestedKey applies the rules for keys inside nested objects: non-empty,
// at most 255 characters, and for nested custom attributes no spaces, '.' or
// '$' (except the "$time" operator).
func checkNestedKey(at loc, k string, ctx valueContext, errs *ValidationErrors) {
	switch {
	case k == "":
		errs.at(at, nil, "key is empty")
		return
	case utf8.RuneCountInString(k) > MaxStringLength:
		errs.at(at, nil, "key is over the "+strconv.Itoa(MaxStringLength)+"-character limit")
		return
	}
	if ctx == ctxNestedAttribute && k != "$time" && strings.ContainsAny(k, " .$") {
		errs.at(at, nil, "nested attribute keys may not contain spaces, '.' or '$'")
	}
}

// sizeBound returns an upper bound of the value's encoded size without
// encoding it: every string byte may become a 6-byte escape.
func (v Value) sizeBound() int {
	switch v.kind {
	case KindString:
		return 6*len(v.str) + 2
	case KindStrings:
		return stringsBound(v.ext.strs)
	case KindAddRemove:
		return stringsBound(v.ext.strs) + stringsBound(v.ext.remove) + 24
	case KindObject:
		return propertiesBound(v.ext.obj)
	case KindArray:
		n := 2
		for _, e := range v.ext.arr {
			n += e.sizeBound() + 1
		}
		return n
	}
	return 48 // numbers, booleans, null, times, {"inc":n}
}

func stringsBound(ss []string) int {
	n := 2
	for _, s := range ss {
		n += 6*len(s) + 3
	}
	return n
}

func propertiesBound(ps Properties) int {
	n := 2
	for i := range ps {
		n += 6*len(ps[i].Key) + 4 + ps[i].Value.sizeBound()
	}
	return n
}

func identifierBound(id *Identifier) int {
	n := 6*(len(id.ExternalID)+len(id.BrazeID)+len(id.Email)+len(id.Phone)) + 80
	if id.UserAlias != nil {
		n += 6*(len(id.UserAlias.AliasName)+len(id.UserAlias.AliasLabel)) + 48
	}
	return n
}

// fixedAttributesBound covers every non-custom key and scalar of an
// attributes object (about 30 keys of at most 32 bytes plus their values).
const fixedAttributesBound = 2048

func (a *Attributes) sizeBound() int { return a.fixedBound() + propertiesBound(a.Custom) }

// fixedBound bounds everything but the custom attributes.
func (a *Attributes) fixedBound() int {
	n := fixedAttributesBound + identifierBound(&a.Identifier)
	n += 6 * (len(a.FirstName.v) + len(a.LastName.v) + len(a.HomeCity.v) + len(a.Country.v) +
		len(a.Language.v) + len(a.TimeZone.v) + len(a.ImageURL.v))
	for _, t := range a.PushTokens {
		n += 6*(len(t.AppID)+len(t.Token)+len(t.DeviceID)) + 64
	}
	for _, g := range a.SubscriptionGroups {
		n += 6*(len(g.SubscriptionGroupID)+len(g.SubscriptionState)) + 96
	}
	if !a.Facebook.IsAbsent() {
		b, _ := a.Facebook.MarshalJSON()
		n += len(b)
	}
	if !a.Twitter.IsAbsent() {
		b, _ := a.Twitter.MarshalJSON()
		n += len(b)
	}
	return n
}

func (e *Event) sizeBound() int { return e.fixedBound() + propertiesBound(e.Properties) }

// fixedBound bounds everything but the properties.
func (e *Event) fixedBound() int {
	return 128 + identifierBound(&e.Identifier) + 6*(len(e.AppID)+len(e.Name))
}

func (p *Purchase) sizeBound() int { return p.fixedBound() + propertiesBound(p.Properties) }

// fixedBound bounds everything but the properties.
func (p *Purchase) fixedBound() int {
	return 192 + identifierBound(&p.Identifier) + 6*(len(p.AppID)+len(p.ProductID)+len(p.Currency))
}

// requestFixedBound covers the request's own keys and brackets.
const requestFixedBound = 64

// sizeBound bounds the encoded request from above.
func (r *TrackRequest) sizeBound() int {
	n := requestFixedBound
	for i := range r.Attributes {
		n += r.Attributes[i].sizeBound() + 1
	}
	for i := range r.Events {
		n += r.Events[i].sizeBound() + 1
	}
	for i := range r.Purchases {
		n += r.Purchases[i].sizeBound() + 1
	}
	return n
}
