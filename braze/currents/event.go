package currents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// Event is one Currents event as the Custom HTTP connector delivers it.
//
// The envelope fields are typed; properties stay raw (see [Properties]).
// Unknown top-level fields are kept in Extra, so decoding and re-encoding an
// event loses nothing.
type Event struct {
	// Type is the "event_type", e.g. [EmailOpen]. Unknown types are kept.
	Type string
	// ID is the event's unique id; Currents is at-least-once, so consumers
	// deduplicate on it.
	ID string
	// Time is the event time in Unix seconds ("time"); 0 when absent.
	Time int64
	// TimeMS is the event time in Unix milliseconds when the event carries a
	// top-level "time_ms"; 0 when absent. See [Event.UnixMilli].
	TimeMS int64
	// User identifies the user the event is about.
	User User
	// Properties holds the event's properties, raw.
	Properties Properties
	// Extra holds unknown top-level fields, raw, re-encoded unchanged.
	Extra map[string]json.RawMessage
}

// User is the "user" object of a Currents event.
type User struct {
	// UserID is Braze's internal user id (24 hex characters).
	UserID string
	// ExternalUserID is the external id the app assigned to the user; events
	// without one cannot be attributed outside Braze.
	ExternalUserID string
	// DeviceID is the id of the device the event happened on, if any.
	DeviceID string
	// Timezone is the user's IANA time zone.
	Timezone string
	// Extra holds unknown fields of the user object, raw.
	Extra map[string]json.RawMessage
}

// Family reports the event's family; see [FamilyOf].
func (e *Event) Family() Family { return FamilyOf(e.Type) }

// UnixMilli returns the event time in Unix milliseconds: the top-level
// "time_ms" when present, else an integer "time_ms" property, else Time ×
// 1000; 0 when the event carries no time at all.
func (e *Event) UnixMilli() int64 {
	if e.TimeMS != 0 {
		return e.TimeMS
	}
	if ms, ok := e.Properties.Int64("time_ms"); ok && ms != 0 {
		return ms
	}
	if e.Time > math.MaxInt64/1000 || e.Time < math.MinInt64/1000 {
		return 0 // nonsense time; treat as absent rather than overflow
	}
	return e.Time * 1000
}

// Timestamp returns the event time (see [Event.UnixMilli]) in UTC, or the
// zero time when the event carries none.
func (e *Event) Timestamp() time.Time {
	ms := e.UnixMilli()
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// FieldError reports a malformed field of a Currents body: Path names the
// field, such as "events[3].time", and Err says what is wrong with it.
type FieldError struct {
	// Path is the field's path in the body, e.g. "events[3].time".
	Path string
	// Err says what is wrong with the field.
	Err error
}

// Error implements error.
func (e *FieldError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// prefixed returns err with its path prefixed by p (a FieldError keeps its
// own path below p).
func prefixed(p string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		if fe.Path == "" {
			return &FieldError{Path: p, Err: fe.Err}
		}
		sep := "."
		if fe.Path[0] == '[' {
			sep = ""
		}
		return &FieldError{Path: p + sep + fe.Path, Err: fe.Err}
	}
	return &FieldError{Path: p, Err: err}
}

// Names of the envelope fields.
const (
	keyType       = "event_type"
	keyID         = "id"
	keyTime       = "time"
	keyTimeMS     = "time_ms"
	keyUser       = "user"
	keyProperties = "properties"

	keyUserID         = "user_id"
	keyExternalUserID = "external_user_id"
	keyDeviceID       = "device_id"
	keyTimezone       = "timezone"
)

var jsonNull = []byte("null")

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), jsonNull)
}

// UnmarshalJSON decodes one Currents event. The envelope fields must have
// their documented JSON types (strings, integer times, objects); anything
// else is kept. Errors are [*FieldError]s naming the field.
func (e *Event) UnmarshalJSON(data []byte) error {
	fields, err := splitObject(data)
	return e.fromFields(fields, err)
}

// decodeOwned is UnmarshalJSON for data that is valid JSON owned by the
// caller (the Decoder's copy of one event): no second validation or copy.
func (e *Event) decodeOwned(data []byte) error {
	fields, err := splitOwned(data)
	return e.fromFields(fields, err)
}

// fromFields fills e from the event's members (split from valid JSON that
// e may keep).
func (e *Event) fromFields(fields map[string]json.RawMessage, splitErr error) error {
	if splitErr != nil {
		return &FieldError{Err: errors.New("not a JSON object")}
	}
	if fields == nil {
		return &FieldError{Err: errors.New("null, want an object")}
	}
	var ev Event
	var err error
	if ev.Type, err = stringField(fields, keyType); err != nil {
		return err
	}
	if ev.Type == "" {
		return &FieldError{Path: keyType, Err: errors.New("missing")}
	}
	if ev.ID, err = stringField(fields, keyID); err != nil {
		return err
	}
	if ev.Time, err = intField(fields, keyTime); err != nil {
		return err
	}
	if ev.TimeMS, err = intField(fields, keyTimeMS); err != nil {
		return err
	}
	if raw, ok := fields[keyUser]; ok && !isNull(raw) {
		ufields, err := splitOwned(raw)
		if err := ev.User.fromFields(ufields, err); err != nil {
			return prefixed(keyUser, err)
		}
	}
	if raw, ok := fields[keyProperties]; ok && !isNull(raw) {
		props, err := splitOwned(raw)
		if err != nil || props == nil {
			return &FieldError{Path: keyProperties, Err: errors.New("not a JSON object")}
		}
		ev.Properties = props
	}
	for _, k := range [...]string{keyType, keyID, keyTime, keyTimeMS, keyUser, keyProperties} {
		delete(fields, k)
	}
	if len(fields) > 0 {
		ev.Extra = fields
	}
	*e = ev
	return nil
}

// UnmarshalJSON decodes the user object of a Currents event.
func (u *User) UnmarshalJSON(data []byte) error {
	fields, err := splitObject(data)
	return u.fromFields(fields, err)
}

// fromFields fills u from the user object's members (split from valid JSON
// that u may keep).
func (u *User) fromFields(fields map[string]json.RawMessage, splitErr error) error {
	if splitErr != nil || fields == nil {
		return &FieldError{Err: errors.New("not a JSON object")}
	}
	var usr User
	var err error
	for _, f := range [...]struct {
		key string
		dst *string
	}{
		{keyUserID, &usr.UserID},
		{keyExternalUserID, &usr.ExternalUserID},
		{keyDeviceID, &usr.DeviceID},
		{keyTimezone, &usr.Timezone},
	} {
		if *f.dst, err = stringField(fields, f.key); err != nil {
			return err
		}
		delete(fields, f.key)
	}
	if len(fields) > 0 {
		usr.Extra = fields
	}
	*u = usr
	return nil
}

// stringField reads an optional string field; null and absent are "".
func stringField(fields map[string]json.RawMessage, key string) (string, error) {
	raw, ok := fields[key]
	if !ok || isNull(raw) {
		return "", nil
	}
	if s, ok := quotedString(raw); ok {
		return s, nil // the common case: no escapes to decode
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &FieldError{Path: key, Err: fmt.Errorf("%s is not a string", truncate(raw))}
	}
	return s, nil
}

// intField reads an optional integer field; null and absent are 0. Numbers
// written with an exponent are accepted when their value is integral.
func intField(fields map[string]json.RawMessage, key string) (int64, error) {
	raw, ok := fields[key]
	if !ok || isNull(raw) {
		return 0, nil
	}
	n, ok := parseInt(raw)
	if !ok {
		return 0, &FieldError{Path: key, Err: fmt.Errorf("%s is not an integer", truncate(raw))}
	}
	return n, nil
}

// parseInt parses a raw JSON number holding an integral value.
func parseInt(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, false
	}
	if f != math.Trunc(f) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// truncate shortens raw JSON for error messages, so a huge malformed value
// does not end up in logs and responses in full.
func truncate(raw json.RawMessage) string {
	const max = 40
	if len(raw) <= max {
		return string(raw)
	}
	return string(raw[:max]) + "…"
}

// MarshalJSON encodes the event in the Custom HTTP connector shape. Known
// fields come first in their documented order, then unknown ones; empty
// known fields are omitted. Decoding the output yields an equal Event.
func (e Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	w := objectWriter{buf: &b}
	w.str(keyType, e.Type)
	if e.ID != "" {
		w.str(keyID, e.ID)
	}
	if e.Time != 0 {
		w.raw(keyTime, strconv.AppendInt(nil, e.Time, 10))
	}
	if e.TimeMS != 0 {
		w.raw(keyTimeMS, strconv.AppendInt(nil, e.TimeMS, 10))
	}
	if !e.User.isZero() {
		u, err := e.User.MarshalJSON()
		if err != nil {
			return nil, err
		}
		w.raw(keyUser, u)
	}
	if e.Properties != nil {
		p, err := json.Marshal(map[string]json.RawMessage(e.Properties))
		if err != nil {
			return nil, prefixed(keyProperties, err)
		}
		w.raw(keyProperties, p)
	}
	if err := w.extra(e.Extra, keyType, keyID, keyTime, keyTimeMS, keyUser, keyProperties); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (u User) isZero() bool {
	return u.UserID == "" && u.ExternalUserID == "" && u.DeviceID == "" && u.Timezone == "" && len(u.Extra) == 0
}

// MarshalJSON encodes the user object; empty fields are omitted.
func (u User) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	w := objectWriter{buf: &b}
	for _, f := range [...]struct{ key, val string }{
		{keyUserID, u.UserID},
		{keyExternalUserID, u.ExternalUserID},
		{keyDeviceID, u.DeviceID},
		{keyTimezone, u.Timezone},
	} {
		if f.val != "" {
			w.str(f.key, f.val)
		}
	}
	if err := w.extra(u.Extra, keyUserID, keyExternalUserID, keyDeviceID, keyTimezone); err != nil {
		return nil, prefixed(keyUser, err)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// objectWriter appends "key":value pairs to a JSON object being built.
type objectWriter struct {
	buf *bytes.Buffer
	n   int
}

func (w *objectWriter) key(k string) {
	if w.n > 0 {
		w.buf.WriteByte(',')
	}
	w.n++
	kb, _ := json.Marshal(k) // strings always marshal
	w.buf.Write(kb)
	w.buf.WriteByte(':')
}

func (w *objectWriter) str(k, v string) {
	w.key(k)
	vb, _ := json.Marshal(v)
	w.buf.Write(vb)
}

func (w *objectWriter) raw(k string, v []byte) {
	w.key(k)
	w.buf.Write(v)
}

// extra writes unknown fields in key order, skipping keys that the typed
// fields own (a caller may have put one in Extra by hand).
func (w *objectWriter) extra(extra map[string]json.RawMessage, owned ...string) error {
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if slices.Contains(owned, k) {
			continue
		}
		v := extra[k]
		if len(v) == 0 {
			v = jsonNull
		}
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return &FieldError{Path: k, Err: errors.New("invalid raw JSON")}
		}
		w.raw(k, c.Bytes())
	}
	return nil
}
