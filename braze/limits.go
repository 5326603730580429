package braze

import "strconv"

// Fixed limits Braze documents for its REST API (spec §0–§1, §6).
const (
	// MaxBodyBytes is the payload cap of every Braze REST endpoint (4 MB);
	// a larger body is answered with 413.
	MaxBodyBytes = 4 << 20
	// DefaultMaxObjects is the /users/track cap: 75 objects, combined across
	// attributes, events and purchases under Braze's current rate limits, or
	// per array under the legacy ones.
	DefaultMaxObjects = 75
	// MaxItemsPerRequest is the cap of /users/alias/new, /users/identify,
	// /users/merge, /users/delete, /users/external_ids/rename and of each
	// id list of /v2/subscription/status/set.
	MaxItemsPerRequest = 50
	// MaxStringLength is the limit, in characters, of custom attribute and
	// property keys and string values, and of product ids.
	MaxStringLength = 255
	// MaxExternalIDBytes is the longest external_id Braze accepts.
	MaxExternalIDBytes = 987
	// MaxAliasBytes is the longest alias_name or alias_label Braze accepts.
	MaxAliasBytes = 236
	// MaxNestedBytes is the size limit of event or purchase properties that
	// hold arrays or objects, and of one nested custom attribute (100 KB).
	MaxNestedBytes = 100 << 10
	// MaxQuantity is the largest purchase quantity Braze accepts.
	MaxQuantity = 100
)

// Limits are the request caps TrackRequest.Validate enforces. Braze changed
// them over time and by contract (spec §1.1), so they are settings rather
// than constants.
//
// Every zero field means its default, so a zero Limits is DefaultLimits()
// and a partly filled one (Limits{MaxObjects: 50}) changes only what it
// sets: the cap stays combined unless PerArray is set.
type Limits struct {
	// MaxObjects caps the objects of one /users/track request. Default 75.
	MaxObjects int
	// PerArray applies MaxObjects to each of attributes, events and
	// purchases on its own (Braze's legacy limits, up to 3×MaxObjects per
	// request; see LegacyLimits). False, the default, applies it to
	// attributes+events+purchases together, as Braze's current limits do.
	PerArray bool
	// MaxBodyBytes caps the encoded request body. Default MaxBodyBytes (4 MB).
	MaxBodyBytes int
	// MaxNestedBytes caps properties holding arrays or objects, and each
	// nested custom attribute. Default MaxNestedBytes (100 KB).
	MaxNestedBytes int
}

// DefaultLimits returns Braze's current limits: 75 objects combined, 4 MB
// body, 100 KB nested properties.
func DefaultLimits() Limits {
	return Limits{
		MaxObjects:     DefaultMaxObjects,
		MaxBodyBytes:   MaxBodyBytes,
		MaxNestedBytes: MaxNestedBytes,
	}
}

// LegacyLimits returns the legacy limits: 75 objects per array.
func LegacyLimits() Limits {
	l := DefaultLimits()
	l.PerArray = true
	return l
}

// normalized fills the defaults described on Limits.
func (l Limits) normalized() Limits {
	if l.MaxObjects <= 0 {
		l.MaxObjects = DefaultMaxObjects
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = MaxBodyBytes
	}
	if l.MaxNestedBytes <= 0 {
		l.MaxNestedBytes = MaxNestedBytes
	}
	return l
}

// validate refuses negative caps, naming the field and its value.
func (l Limits) validate() error {
	for _, f := range [...]struct {
		name string
		v    int
	}{{"MaxObjects", l.MaxObjects}, {"MaxBodyBytes", l.MaxBodyBytes}, {"MaxNestedBytes", l.MaxNestedBytes}} {
		if f.v < 0 {
			return &ConfigError{Option: "WithLimits", Field: f.name, Value: strconv.Itoa(f.v), Reason: "must not be negative (0 means the default)"}
		}
	}
	return nil
}

// Fits reports whether a request with the given array lengths stays within
// the object cap, so a batcher can ask before adding one more object.
func (l Limits) Fits(attributes, events, purchases int) bool {
	l = l.normalized()
	if l.PerArray {
		return attributes <= l.MaxObjects && events <= l.MaxObjects && purchases <= l.MaxObjects
	}
	return attributes+events+purchases <= l.MaxObjects
}
