package braze

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidationError is one problem found before sending a request. Path names
// the object and field in request terms ("events[3].quantity",
// "attributes[0].custom[\"favorite color\"]"), Value is the offending value
// (nil when the problem is a missing value) and Reason says what is wrong.
//
// Error() reads like "events[3].quantity: 150 outside 1..100".
type ValidationError struct {
	Path   string
	Value  any
	Reason string
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

// checkStringLen reports strings over MaxStringLength characters.
func checkStringLen(path, s string, errs *ValidationErrors) {
	if len(s) > MaxStringLength { // fast path: bytes ≥ characters
		if n := utf8.RuneCountInString(s); n > MaxStringLength {
			errs.add(path, s, "is "+strconv.Itoa(n)+" characters, over the "+strconv.Itoa(MaxStringLength)+"-character limit")
		}
	}
}

// Validate checks the request against Braze's rules and the given caps
// (Limits{} means DefaultLimits()): object count, encoded body size, and
// every object's identifier and fields. It returns nil or a ValidationErrors
// listing every problem, each naming its path, e.g.
// "purchases[2].currency: \"usdollar\" is not a 3-letter ISO 4217 code".
func (r *TrackRequest) Validate(l Limits) error {
	l = l.normalized()
	var errs ValidationErrors
	n := r.Len()
	switch {
	case n == 0:
		errs.add("", nil, "request has no attributes, events or purchases")
	case l.Combined && n > l.MaxObjects:
		errs.add("", n, "objects, over the limit of "+strconv.Itoa(l.MaxObjects)+" per request (attributes+events+purchases combined)")
	case !l.Combined:
		for _, c := range []struct {
			name string
			n    int
		}{{InputAttributes, len(r.Attributes)}, {InputEvents, len(r.Events)}, {InputPurchases, len(r.Purchases)}} {
			if c.n > l.MaxObjects {
				errs.add(c.name, c.n, "objects, over the limit of "+strconv.Itoa(l.MaxObjects)+" per array")
			}
		}
	}
	for i := range r.Attributes {
		r.Attributes[i].validate(indexPath(InputAttributes, i), l, &errs)
	}
	for i := range r.Events {
		r.Events[i].validate(indexPath(InputEvents, i), l, &errs)
	}
	for i := range r.Purchases {
		r.Purchases[i].validate(indexPath(InputPurchases, i), l, &errs)
	}
	if len(errs) == 0 {
		r.checkBodySize(l, &errs)
	}
	return errs.err()
}

// checkBodySize reports a body over l.MaxBodyBytes. An upper bound computed
// without encoding settles almost every request; only a request that could
// be too large is encoded to measure it exactly.
func (r *TrackRequest) checkBodySize(l Limits, errs *ValidationErrors) {
	if r.sizeBound() <= l.MaxBodyBytes {
		return
	}
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
func (a *Attributes) Validate() error {
	var errs ValidationErrors
	a.validate("", DefaultLimits(), &errs)
	return errs.err()
}

// Validate checks the event alone under DefaultLimits.
func (e *Event) Validate() error {
	var errs ValidationErrors
	e.validate("", DefaultLimits(), &errs)
	return errs.err()
}

// Validate checks the purchase alone under DefaultLimits.
func (p *Purchase) Validate() error {
	var errs ValidationErrors
	p.validate("", DefaultLimits(), &errs)
	return errs.err()
}

func (a *Attributes) validate(prefix string, l Limits, errs *ValidationErrors) {
	if a.PushTokenImport {
		// Anonymous push-token import: the token identifies the device.
		if a.ExternalID != "" || a.BrazeID != "" {
			errs.add(joinPath(prefix, "push_token_import"), nil, "cannot be combined with external_id or braze_id (BAD_PUSH_TOKEN_IMPORT)")
		}
		if len(a.PushTokens) == 0 {
			errs.add(joinPath(prefix, "push_tokens"), nil, "are required with push_token_import (BAD_PUSH_TOKEN_IMPORT)")
		}
		if a.primaries() > 1 {
			a.Identifier.validate(prefix, errs)
		}
	} else {
		a.Identifier.validate(prefix, errs)
	}
	if a.ClearEmail && a.Email != "" {
		errs.add(joinPath(prefix, "email"), a.Email, "is set while ClearEmail asks to delete it")
	}
	if a.ClearPhone && a.Phone != "" {
		errs.add(joinPath(prefix, "phone"), a.Phone, "is set while ClearPhone asks to delete it")
	}
	if d, ok := a.DOB.Value(); ok && !d.IsValid() {
		errs.add(joinPath(prefix, "dob"), d.String(), "is not a valid date (want YYYY-MM-DD)")
	}
	if g, ok := a.Gender.Value(); ok && !g.Valid() {
		errs.add(joinPath(prefix, "gender"), string(g), "is not a gender Braze accepts (M, F, O, N, P, or null for unknown)")
	}
	if s, ok := a.EmailSubscribe.Value(); ok && !s.Valid() {
		errs.add(joinPath(prefix, "email_subscribe"), string(s), "is not opted_in, subscribed or unsubscribed (BAD_EMAIL_SUBSCRIPTION_STATE)")
	}
	if s, ok := a.PushSubscribe.Value(); ok && !s.Valid() {
		errs.add(joinPath(prefix, "push_subscribe"), string(s), "is not opted_in, subscribed or unsubscribed (BAD_PUSH_SUBSCRIPTION_STATE)")
	}
	for i, t := range a.PushTokens {
		p := indexPath(joinPath(prefix, "push_tokens"), i)
		if strings.TrimSpace(t.AppID) == "" {
			errs.add(joinPath(p, "app_id"), nil, "is empty (BAD_PUSH_TOKEN_APP_ID)")
		}
		if strings.TrimSpace(t.Token) == "" {
			errs.add(joinPath(p, "token"), nil, "is empty (BAD_PUSH_TOKEN_STRING)")
		}
		if t.DeviceID != "" && (len(t.DeviceID) < 8 || len(t.DeviceID) > 255) {
			errs.add(joinPath(p, "device_id"), t.DeviceID, "is "+strconv.Itoa(len(t.DeviceID))+" bytes, outside 8..255 (BAD_DEVICE_ID)")
		}
	}
	for i, g := range a.SubscriptionGroups {
		p := indexPath(joinPath(prefix, "subscription_groups"), i)
		if !isUUID(g.SubscriptionGroupID) {
			errs.add(joinPath(p, "subscription_group_id"), g.SubscriptionGroupID, "is not a UUID (BAD_SUBSCRIPTION_GROUP_ID)")
		}
		if !g.SubscriptionState.ValidForGroup() {
			errs.add(joinPath(p, "subscription_state"), string(g.SubscriptionState), "is not subscribed or unsubscribed (BAD_SUBSCRIPTION_GROUP_STATE)")
		}
	}
	if loc, ok := a.CurrentLocation.Value(); ok {
		if math.IsNaN(loc.Latitude) || loc.Latitude < -90 || loc.Latitude > 90 {
			errs.add(joinPath(prefix, "current_location.latitude"), loc.Latitude, "outside -90..90 (BAD_LOCATION_UPDATE)")
		}
		if math.IsNaN(loc.Longitude) || loc.Longitude < -180 || loc.Longitude > 180 {
			errs.add(joinPath(prefix, "current_location.longitude"), loc.Longitude, "outside -180..180 (BAD_LOCATION_UPDATE)")
		}
	}
	checkOptTime(joinPath(prefix, "date_of_first_session"), a.DateOfFirstSession, errs)
	checkOptTime(joinPath(prefix, "date_of_last_session"), a.DateOfLastSession, errs)
	checkOptTime(joinPath(prefix, "marked_email_as_spam_at"), a.MarkedEmailAsSpamAt, errs)
	if len(a.Custom) == 0 {
		return
	}
	customPath := joinPath(prefix, "custom")
	var scratch [32]string
	for _, k := range sortedKeys(a.Custom, &scratch) {
		p := keyPath(customPath, k)
		checkKey(p, k, errs)
		if standardAttributeKeys[k] {
			errs.add(p, nil, "is the name of a standard field; set the Attributes field instead")
		}
		v := a.Custom[k]
		checkValue(p, v, ctxAttribute, errs)
		if v.kind == KindObject || v.kind == KindArray {
			checkNestedSize(p, v, l, errs)
		}
	}
}

func (e *Event) validate(prefix string, l Limits, errs *ValidationErrors) {
	e.Identifier.validate(prefix, errs)
	switch {
	case strings.TrimSpace(e.Name) == "":
		errs.add(joinPath(prefix, "name"), e.Name, "is empty")
	default:
		checkStringLen(joinPath(prefix, "name"), e.Name, errs)
	}
	checkTime(joinPath(prefix, "time"), e.Time, errs)
	checkProperties(joinPath(prefix, "properties"), e.Properties, l, errs)
}

func (p *Purchase) validate(prefix string, l Limits, errs *ValidationErrors) {
	p.Identifier.validate(prefix, errs)
	switch {
	case strings.TrimSpace(p.ProductID) == "":
		errs.add(joinPath(prefix, "product_id"), p.ProductID, "is empty")
	default:
		checkStringLen(joinPath(prefix, "product_id"), p.ProductID, errs)
	}
	if !isCurrencyCode(p.Currency) {
		errs.add(joinPath(prefix, "currency"), p.Currency, "is not a 3-letter ISO 4217 code (e.g. \"USD\")")
	}
	if math.IsNaN(p.Price) || math.IsInf(p.Price, 0) {
		errs.add(joinPath(prefix, "price"), p.Price, "is not a finite number")
	}
	if p.Quantity != 0 && (p.Quantity < 1 || p.Quantity > MaxQuantity) {
		errs.add(joinPath(prefix, "quantity"), p.Quantity, "outside 1..100")
	}
	checkTime(joinPath(prefix, "time"), p.Time, errs)
	checkProperties(joinPath(prefix, "properties"), p.Properties, l, errs)
}

// isCurrencyCode checks the shape of an ISO 4217 alphabetic code: three
// upper-case ASCII letters.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isUUID checks the 8-4-4-4-12 hexadecimal shape.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func checkTime(path string, t time.Time, errs *ValidationErrors) {
	if t.IsZero() {
		errs.add(path, nil, "is missing")
		return
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		errs.add(path, y, "is not a year RFC 3339 can carry (0..9999)")
	}
}

func checkOptTime(path string, o Optional[time.Time], errs *ValidationErrors) {
	if t, ok := o.Value(); ok {
		checkTime(path, t, errs)
	}
}

// checkKey applies the key rules shared by custom attributes and
// properties: non-empty, at most 255 characters, no leading '$' (Braze
// reserves '$' for operators).
func checkKey(path, k string, errs *ValidationErrors) {
	switch {
	case k == "":
		errs.add(path, nil, "key is empty")
	case k[0] == '$':
		errs.add(path, nil, "key starts with '$', which Braze reserves for operators")
	default:
		if n := utf8.RuneCountInString(k); n > MaxStringLength {
			errs.add(path, nil, "key is "+strconv.Itoa(n)+" characters, over the "+strconv.Itoa(MaxStringLength)+"-character limit")
		}
	}
}

// checkProperties applies the event/purchase property rules.
func checkProperties(path string, props map[string]Value, l Limits, errs *ValidationErrors) {
	if len(props) == 0 {
		return
	}
	nested := false
	var scratch [32]string
	for _, k := range sortedKeys(props, &scratch) {
		p := keyPath(path, k)
		checkKey(p, k, errs)
		if k == "time" || k == "event_name" {
			errs.add(p, nil, "is a reserved property name")
		}
		v := props[k]
		checkValue(p, v, ctxProperty, errs)
		nested = nested || v.kind == KindObject || v.kind == KindArray
	}
	if nested {
		checkNestedSize(path, Value{kind: KindObject, ext: &valueExt{obj: props}}, l, errs)
	}
}

// checkNestedSize enforces the size cap on nested data.
func checkNestedSize(path string, v Value, l Limits, errs *ValidationErrors) {
	if v.sizeBound() <= l.MaxNestedBytes {
		return
	}
	b, err := v.appendJSON(nil)
	if err == nil && len(b) > l.MaxNestedBytes {
		errs.add(path, len(b), "bytes of nested data, over the "+strconv.Itoa(l.MaxNestedBytes)+"-byte limit")
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

func checkValue(path string, v Value, ctx valueContext, errs *ValidationErrors) {
	switch v.kind {
	case KindInvalid:
		errs.add(path, nil, "is the zero Value; build values with braze.String, braze.Int, … or braze.NullValue")
	case KindNull:
		if ctx == ctxProperty || ctx == ctxPropertyArray {
			errs.add(path, nil, "is null, which is not a property value (leave the property out instead)")
		}
	case KindString:
		checkStringLen(path, v.str, errs)
	case KindFloat:
		if f := math.Float64frombits(v.num); math.IsNaN(f) || math.IsInf(f, 0) {
			errs.add(path, f, "is not a finite number")
		}
	case KindTime:
		t, _ := v.Time()
		if y := t.Year(); y < 0 || y > 9999 {
			errs.add(path, y, "is not a year RFC 3339 can carry (0..9999)")
		} else if ctx == ctxPropertyArray {
			errs.add(path, nil, "is a time inside an array, which Braze does not accept")
		}
	case KindStrings:
		for i, s := range v.ext.strs {
			checkStringLen(indexPath(path, i), s, errs)
		}
	case KindIncrement, KindAddRemove:
		if ctx != ctxAttribute {
			errs.add(path, v.kind.String(), "operator is only valid as a top-level custom attribute value")
		}
		if v.kind == KindAddRemove {
			if len(v.ext.strs) == 0 && len(v.ext.remove) == 0 {
				errs.add(path, nil, "add/remove has nothing to add or remove")
			}
			for i, s := range v.ext.strs {
				checkStringLen(indexPath(joinPath(path, "add"), i), s, errs)
			}
			for i, s := range v.ext.remove {
				checkStringLen(indexPath(joinPath(path, "remove"), i), s, errs)
			}
		}
	case KindObject:
		inner := ctxNestedProperty
		if ctx == ctxAttribute || ctx == ctxNestedAttribute {
			inner = ctxNestedAttribute
		}
		var scratch [32]string
		for _, k := range sortedKeys(v.ext.obj, &scratch) {
			p := keyPath(path, k)
			checkNestedKey(p, k, inner, errs)
			checkValue(p, v.ext.obj[k], inner, errs)
		}
	case KindArray:
		inner := ctxNestedProperty
		switch ctx {
		case ctxAttribute, ctxNestedAttribute:
			inner = ctxNestedAttribute
		case ctxProperty, ctxPropertyArray:
			inner = ctxPropertyArray
		}
		for i, e := range v.ext.arr {
			checkValue(indexPath(path, i), e, inner, errs)
		}
	}
}

// checkNestedKey applies the rules for keys inside nested objects: non-empty,
// at most 255 characters, and for nested custom attributes no spaces, '.' or
// '$' (except the "$time" operator).
func checkNestedKey(path, k string, ctx valueContext, errs *ValidationErrors) {
	switch {
	case k == "":
		errs.add(path, nil, "key is empty")
		return
	case utf8.RuneCountInString(k) > MaxStringLength:
		errs.add(path, nil, "key is over the "+strconv.Itoa(MaxStringLength)+"-character limit")
		return
	}
	if ctx == ctxNestedAttribute && k != "$time" && strings.ContainsAny(k, " .$") {
		errs.add(path, nil, "nested attribute keys may not contain spaces, '.' or '$'")
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
		return mapBound(v.ext.obj)
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

func mapBound(m map[string]Value) int {
	n := 2
	for k, v := range m {
		n += 6*len(k) + 4 + v.sizeBound()
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

func (a *Attributes) sizeBound() int {
	n := fixedAttributesBound + identifierBound(&a.Identifier)
	for _, o := range []Optional[string]{a.FirstName, a.LastName, a.HomeCity, a.Country, a.Language, a.TimeZone, a.ImageURL} {
		n += 6 * len(o.v)
	}
	for _, t := range a.PushTokens {
		n += 6*(len(t.AppID)+len(t.Token)+len(t.DeviceID)) + 64
	}
	for _, g := range a.SubscriptionGroups {
		n += 6*(len(g.SubscriptionGroupID)+len(g.SubscriptionState)) + 96
	}
	for _, o := range []interface{ IsSet() bool }{a.Facebook, a.Twitter} {
		if o.IsSet() {
			b, _ := o.(json.Marshaler).MarshalJSON()
			n += len(b)
		}
	}
	return n + mapBound(a.Custom)
}

func (e *Event) sizeBound() int {
	return 128 + identifierBound(&e.Identifier) + 6*(len(e.AppID)+len(e.Name)) + mapBound(e.Properties)
}

func (p *Purchase) sizeBound() int {
	return 192 + identifierBound(&p.Identifier) + 6*(len(p.AppID)+len(p.ProductID)+len(p.Currency)) + mapBound(p.Properties)
}

// sizeBound bounds the encoded request from above.
func (r *TrackRequest) sizeBound() int {
	n := 64
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
