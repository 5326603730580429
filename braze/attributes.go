package braze

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mpbraze/mpbraze/internal/jsonenc"
)

// Gender is the value of the standard gender field. Unknown is sent as null:
// use Null[Gender]().
type Gender string

// The gender letters Braze accepts.
const (
	GenderMale           Gender = "M"
	GenderFemale         Gender = "F"
	GenderOther          Gender = "O"
	GenderNotApplicable  Gender = "N"
	GenderPreferNotToSay Gender = "P"
)

// Valid reports whether g is one of the letters Braze accepts.
func (g Gender) Valid() bool {
	switch g {
	case GenderMale, GenderFemale, GenderOther, GenderNotApplicable, GenderPreferNotToSay:
		return true
	}
	return false
}

// SubscriptionState is an email_subscribe or push_subscribe state, or
// (subscribed/unsubscribed only) the state of a subscription group.
type SubscriptionState string

// The subscription states.
const (
	// SubscriptionOptedIn: the user explicitly opted in (email and push only).
	SubscriptionOptedIn SubscriptionState = "opted_in"
	// SubscriptionSubscribed: the user may be messaged.
	SubscriptionSubscribed SubscriptionState = "subscribed"
	// SubscriptionUnsubscribed: the user unsubscribed.
	SubscriptionUnsubscribed SubscriptionState = "unsubscribed"
)

// Valid reports whether s is one of the three global subscription states.
func (s SubscriptionState) Valid() bool {
	return s == SubscriptionOptedIn || s == SubscriptionSubscribed || s == SubscriptionUnsubscribed
}

// ValidForGroup reports whether s is a subscription group state
// (subscribed or unsubscribed).
func (s SubscriptionState) ValidForGroup() bool {
	return s == SubscriptionSubscribed || s == SubscriptionUnsubscribed
}

// PushToken registers a push token for one app of the user.
type PushToken struct {
	// AppID is the Braze app identifier the token belongs to.
	AppID string `json:"app_id"`
	// Token is the APNs/FCM token. Web push tokens are not accepted.
	Token string `json:"token"`
	// DeviceID optionally names the device (8–255 bytes).
	DeviceID string `json:"device_id,omitempty"`
}

// SubscriptionGroupState sets the user's state in one subscription group.
type SubscriptionGroupState struct {
	// SubscriptionGroupID is the group's id (a UUID).
	SubscriptionGroupID string `json:"subscription_group_id"`
	// SubscriptionState is SubscriptionSubscribed or SubscriptionUnsubscribed.
	SubscriptionState SubscriptionState `json:"subscription_state"`
	// UseDoubleOptInLogic sends SMS groups through double opt-in.
	UseDoubleOptInLogic bool `json:"use_double_opt_in_logic,omitempty"`
}

// Location is a geographic position for current_location.
type Location struct {
	// Latitude in degrees, -90..90.
	Latitude float64 `json:"latitude"`
	// Longitude in degrees, -180..180.
	Longitude float64 `json:"longitude"`
}

// Facebook is the legacy facebook profile field.
type Facebook struct {
	// ID is the Facebook user id.
	ID string `json:"id,omitempty"`
	// Likes lists liked pages.
	Likes []string `json:"likes,omitempty"`
	// NumFriends is the friend count.
	NumFriends int `json:"num_friends,omitempty"`
}

// Twitter is the legacy twitter profile field.
type Twitter struct {
	// ID is the numeric Twitter user id.
	ID int64 `json:"id,omitempty"`
	// ScreenName is the handle without '@'.
	ScreenName string `json:"screen_name,omitempty"`
	// FollowersCount is the follower count.
	FollowersCount int `json:"followers_count,omitempty"`
	// FriendsCount is the followed-accounts count.
	FriendsCount int `json:"friends_count,omitempty"`
	// StatusesCount is the tweet count.
	StatusesCount int `json:"statuses_count,omitempty"`
}

// Attributes is one user-attributes object of /users/track: standard
// profile fields and custom attributes for one user.
//
// Standard fields are Optional: absent fields are left out, set ones are
// sent, null ones delete the field. Custom attributes live in Custom and are
// flattened into the same JSON object after the standard fields, in their
// order. A Custom key must not be the name of a standard field, nor appear
// twice; Validate rejects both.
//
// Email and Phone are set through the embedded Identifier: with a primary
// identifier they are plain attributes. ClearEmail and ClearPhone send them
// as null (delete) instead.
type Attributes struct {
	Identifier

	// UpdateExistingOnly sets _update_existing_only. nil leaves it out:
	// Braze then creates unknown external ids but only updates existing
	// aliases; send new(false) to create an alias-only profile.
	UpdateExistingOnly *bool `json:"_update_existing_only,omitempty"`
	// PushTokenImport marks an object that imports push tokens for
	// anonymous users (push_token_import: true): no external_id or braze_id,
	// PushTokens required.
	PushTokenImport bool `json:"push_token_import,omitempty"`
	// MergeObjects sends _merge_objects: true, so nested-object custom
	// attributes are deep-merged instead of replaced.
	MergeObjects bool `json:"_merge_objects,omitempty"`
	// ClearEmail sends "email": null (only without Identifier.Email).
	ClearEmail bool `json:"-"`
	// ClearPhone sends "phone": null (only without Identifier.Phone).
	ClearPhone bool `json:"-"`

	// FirstName is the user's first name.
	FirstName Optional[string] `json:"first_name,omitzero"`
	// LastName is the user's last name.
	LastName Optional[string] `json:"last_name,omitzero"`
	// HomeCity is the user's home city.
	HomeCity Optional[string] `json:"home_city,omitzero"`
	// Country is an ISO-3166-1 alpha-2 code; Braze maps some names.
	Country Optional[string] `json:"country,omitzero"`
	// Language is an ISO-639-1 code.
	Language Optional[string] `json:"language,omitzero"`
	// TimeZone is an IANA name ("Europe/London") or a Rails-style name.
	TimeZone Optional[string] `json:"time_zone,omitzero"`
	// DOB is the date of birth ("YYYY-MM-DD").
	DOB Optional[Date] `json:"dob,omitzero"`
	// Gender is one of the Gender letters; Null means unknown.
	Gender Optional[Gender] `json:"gender,omitzero"`

	// EmailSubscribe is the global email subscription state.
	EmailSubscribe Optional[SubscriptionState] `json:"email_subscribe,omitzero"`
	// PushSubscribe is the global push subscription state.
	PushSubscribe Optional[SubscriptionState] `json:"push_subscribe,omitzero"`
	// PushTokens registers push tokens (no web push tokens).
	PushTokens []PushToken `json:"push_tokens,omitempty"`
	// SubscriptionGroups sets subscription group states.
	SubscriptionGroups []SubscriptionGroupState `json:"subscription_groups,omitempty"`
	// CurrentLocation is the user's last known position.
	CurrentLocation Optional[Location] `json:"current_location,omitzero"`

	// DateOfFirstSession is when the user first used the app.
	DateOfFirstSession Optional[time.Time] `json:"date_of_first_session,omitzero"`
	// DateOfLastSession is when the user last used the app.
	DateOfLastSession Optional[time.Time] `json:"date_of_last_session,omitzero"`
	// MarkedEmailAsSpamAt is when the user marked an email as spam.
	MarkedEmailAsSpamAt Optional[time.Time] `json:"marked_email_as_spam_at,omitzero"`

	// EmailOpenTrackingDisabled stops open tracking (SparkPost/SendGrid).
	EmailOpenTrackingDisabled Optional[bool] `json:"email_open_tracking_disabled,omitzero"`
	// EmailClickTrackingDisabled stops click tracking (SparkPost/SendGrid).
	EmailClickTrackingDisabled Optional[bool] `json:"email_click_tracking_disabled,omitzero"`

	// ImageURL is the profile picture URL (older Braze revisions).
	ImageURL Optional[string] `json:"image_url,omitzero"`
	// Facebook is the legacy Facebook profile data.
	Facebook Optional[Facebook] `json:"facebook,omitzero"`
	// Twitter is the legacy Twitter profile data.
	Twitter Optional[Twitter] `json:"twitter,omitzero"`

	// Custom holds the custom attributes, encoded in their order.
	Custom Properties `json:"-"`
}

// isStandardKey reports the JSON names Attributes encodes itself (and two
// names Braze ignores or rejects); a custom attribute with one of these
// names would collide. A switch, not a map: it sits on the validation fast
// path of every custom attribute.
func isStandardKey(k string) bool {
	switch k {
	case "external_id", "user_alias", "braze_id", "email", "phone",
		"_update_existing_only", "push_token_import", "_merge_objects",
		"first_name", "last_name", "home_city", "country", "language",
		"time_zone", "dob", "gender", "email_subscribe", "push_subscribe",
		"push_tokens", "subscription_groups", "current_location",
		"date_of_first_session", "date_of_last_session", "marked_email_as_spam_at",
		"email_open_tracking_disabled", "email_click_tracking_disabled",
		"image_url", "facebook", "twitter",
		// Rejected or ignored by Braze; never sent as custom attributes.
		"bio", "email_subscription_info":
		return true
	}
	return false
}

// IsStandardAttribute reports whether key is the JSON name of a standard
// profile field (or an identifier or control field) of an attributes
// object, and so cannot be used as a custom attribute name.
func IsStandardAttribute(key string) bool { return isStandardKey(key) }

// SetCustom sets custom attribute key to v (replacing its value in place,
// or appending it to Custom; see Properties.Set) and returns a for
// chaining.
func (a *Attributes) SetCustom(key string, v Value) *Attributes {
	a.Custom.Set(key, v)
	return a
}

// MarshalJSON encodes the object: identifiers, control fields, standard
// fields in declaration order, then custom attributes in their order.
func (a Attributes) MarshalJSON() ([]byte, error) { return a.AppendJSON(nil) }

// AppendJSON appends the object's JSON encoding to dst.
func (a *Attributes) AppendJSON(dst []byte) ([]byte, error) {
	var enc memberEncoder
	return a.appendJSON(dst, &enc)
}

// appendJSON is AppendJSON with the request's shared encoder state (see
// TrackRequest.appendValidated).
func (a *Attributes) appendJSON(dst []byte, enc *memberEncoder) ([]byte, error) {
	if enc.check && !enc.irregular && !a.plainFields() {
		enc.irregular = true
	}
	w := beginObject(dst)
	writeIdentifier(&w, &a.Identifier)
	if a.ClearEmail && a.Email == "" {
		w.key(`"email":null,`)
	}
	if a.ClearPhone && a.Phone == "" {
		w.key(`"phone":null,`)
	}
	if a.UpdateExistingOnly != nil {
		w.key(`"_update_existing_only":`)
		w.buf = appendBool(w.buf, *a.UpdateExistingOnly)
		w.comma()
	}
	if a.PushTokenImport {
		w.key(`"push_token_import":true,`)
	}
	if a.MergeObjects {
		w.key(`"_merge_objects":true,`)
	}
	optString(&w, `"first_name":`, a.FirstName)
	optString(&w, `"last_name":`, a.LastName)
	optString(&w, `"home_city":`, a.HomeCity)
	optString(&w, `"country":`, a.Country)
	optString(&w, `"language":`, a.Language)
	optString(&w, `"time_zone":`, a.TimeZone)
	if !a.DOB.IsAbsent() {
		w.key(`"dob":`)
		if d, ok := a.DOB.Get(); ok {
			w.buf = d.appendJSON(w.buf)
		} else {
			w.buf = append(w.buf, "null"...)
		}
		w.comma()
	}
	optString(&w, `"gender":`, a.Gender)
	optString(&w, `"email_subscribe":`, a.EmailSubscribe)
	optString(&w, `"push_subscribe":`, a.PushSubscribe)
	if len(a.PushTokens) > 0 {
		w.key(`"push_tokens":[`)
		for i := range a.PushTokens {
			t := &a.PushTokens[i]
			t2 := beginObject(w.buf)
			t2.str(`"app_id":`, t.AppID)
			t2.str(`"token":`, t.Token)
			if t.DeviceID != "" {
				t2.str(`"device_id":`, t.DeviceID)
			}
			w.buf, _ = t2.finish()
			w.comma()
		}
		w.buf[len(w.buf)-1] = ']'
		w.comma()
	}
	if len(a.SubscriptionGroups) > 0 {
		w.key(`"subscription_groups":[`)
		for i := range a.SubscriptionGroups {
			g := &a.SubscriptionGroups[i]
			g2 := beginObject(w.buf)
			g2.str(`"subscription_group_id":`, g.SubscriptionGroupID)
			g2.str(`"subscription_state":`, string(g.SubscriptionState))
			if g.UseDoubleOptInLogic {
				g2.key(`"use_double_opt_in_logic":true,`)
			}
			w.buf, _ = g2.finish()
			w.comma()
		}
		w.buf[len(w.buf)-1] = ']'
		w.comma()
	}
	if !a.CurrentLocation.IsAbsent() {
		w.key(`"current_location":`)
		if l, ok := a.CurrentLocation.Get(); ok {
			l2 := beginObject(w.buf)
			l2.float(`"latitude":`, l.Latitude)
			l2.float(`"longitude":`, l.Longitude)
			var err error
			w.buf, err = l2.finish()
			w.setErr(err)
		} else {
			w.buf = append(w.buf, "null"...)
		}
		w.comma()
	}
	optTime(&w, `"date_of_first_session":`, &a.DateOfFirstSession)
	optTime(&w, `"date_of_last_session":`, &a.DateOfLastSession)
	optTime(&w, `"marked_email_as_spam_at":`, &a.MarkedEmailAsSpamAt)
	optBool(&w, `"email_open_tracking_disabled":`, a.EmailOpenTrackingDisabled)
	optBool(&w, `"email_click_tracking_disabled":`, a.EmailClickTrackingDisabled)
	optString(&w, `"image_url":`, a.ImageURL)
	optReflect(&w, `"facebook":`, &a.Facebook)
	optReflect(&w, `"twitter":`, &a.Twitter)
	if len(a.Custom) > 0 {
		if err := appendMembers(&w, a.Custom, customMember, enc); err != nil {
			return w.buf, fmt.Errorf("custom attribute %w", err)
		}
	}
	return w.finish()
}

// writeIdentifier writes the identifier fields that are set, building in
// a local slice (stores through w cost a write barrier while GC runs).
func writeIdentifier(w *fieldWriter, id *Identifier) {
	buf := w.buf
	if id.ExternalID != "" {
		buf = append(jsonenc.AppendString(append(buf, `"external_id":`...), id.ExternalID), ',')
	}
	if id.UserAlias != nil {
		buf = append(buf, `"user_alias":{"alias_name":`...)
		buf = jsonenc.AppendString(buf, id.UserAlias.AliasName)
		buf = append(buf, `,"alias_label":`...)
		buf = append(jsonenc.AppendString(buf, id.UserAlias.AliasLabel), '}', ',')
	}
	if id.BrazeID != "" {
		buf = append(jsonenc.AppendString(append(buf, `"braze_id":`...), id.BrazeID), ',')
	}
	if id.Email != "" {
		buf = append(jsonenc.AppendString(append(buf, `"email":`...), id.Email), ',')
	}
	if id.Phone != "" {
		buf = append(jsonenc.AppendString(append(buf, `"phone":`...), id.Phone), ',')
	}
	w.buf = buf
}

// optString, optBool, optTime and optReflect write an optional field that
// is set (its value) or null. Only the test for an absent field, what most
// fields of an object are, is inlined into Attributes.appendJSON: a call
// per field to find it absent cost more than the fields written.
func optString[S ~string](w *fieldWriter, key string, o Optional[S]) {
	if o.state != optAbsent {
		writeOptString(w, key, string(o.v), o.state)
	}
}

func writeOptString(w *fieldWriter, key, v string, state optState) {
	if state == optSet {
		w.str(key, v)
		return
	}
	w.key(key)
	w.buf = append(w.buf, "null,"...)
}

func optBool(w *fieldWriter, key string, o Optional[bool]) {
	if o.state != optAbsent {
		writeOptBool(w, key, o)
	}
}

// writeOptBool is kept out of line: inlined into optBool, it made optBool
// too big to be inlined itself, so that every attributes object paid two
// calls to find its two tracking flags absent.
//
//go:noinline
func writeOptBool(w *fieldWriter, key string, o Optional[bool]) {
	switch o.state {
	case optSet:
		w.key(key)
		w.buf = appendBool(w.buf, o.v)
		w.comma()
	case optNull:
		w.key(key)
		w.buf = append(w.buf, "null,"...)
	}
}

func optTime(w *fieldWriter, key string, o *Optional[time.Time]) {
	if o.state != optAbsent {
		writeOptTime(w, key, o)
	}
}

func writeOptTime(w *fieldWriter, key string, o *Optional[time.Time]) {
	switch o.state {
	case optSet:
		w.time(key, o.v)
	case optNull:
		w.key(key)
		w.buf = append(w.buf, "null,"...)
	}
}

// optReflect encodes the rarely used legacy fields with encoding/json.
func optReflect[T any](w *fieldWriter, key string, o *Optional[T]) {
	if o.state != optAbsent {
		writeOptReflect(w, key, o)
	}
}

func writeOptReflect[T any](w *fieldWriter, key string, o *Optional[T]) {
	b, err := o.MarshalJSON()
	w.setErr(err)
	w.key(key)
	w.buf = append(w.buf, b...)
	w.comma()
}

// attributesFields is Attributes without its methods, so encoding/json
// handles the tagged fields when decoding.
type attributesFields Attributes

// UnmarshalJSON decodes an attributes object: known keys into their fields,
// "email": null / "phone": null into ClearEmail / ClearPhone, and every other
// key into Custom, in the document's order.
func (a *Attributes) UnmarshalJSON(data []byte) error {
	var f attributesFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	ms, err := objectMembers(data)
	if err != nil {
		return err
	}
	for _, m := range ms {
		k, r := m.key, m.raw
		if isStandardKey(k) && k != "bio" && k != "email_subscription_info" {
			if (k == "email" || k == "phone") && string(r) == "null" {
				if k == "email" {
					f.ClearEmail = true
				} else {
					f.ClearPhone = true
				}
			}
			continue
		}
		var v Value
		if err := v.UnmarshalJSON(r); err != nil {
			return fmt.Errorf("braze: attribute %q: %w", k, err)
		}
		f.Custom = append(f.Custom, Property{Key: k, Value: v})
	}
	*a = Attributes(f)
	return nil
}

// Date is a calendar date without time or zone, as used by dob. It encodes
// as "YYYY-MM-DD".
type Date struct {
	Year  int        // four digits, 0..9999
	Month time.Month // 1..12
	Day   int        // 1..31
}

// NewDate returns the date y-m-d (not normalised; see IsValid).
func NewDate(year int, month time.Month, day int) Date {
	return Date{Year: year, Month: month, Day: day}
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses "YYYY-MM-DD" and rejects impossible dates.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("braze: date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsValid reports whether d is a real calendar date with a four-digit year.
func (d Date) IsValid() bool {
	if d.Year < 0 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	if d.Day <= 28 {
		return true // every month has 28 days; no calendar arithmetic needed
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Day() == d.Day
}

// String returns "YYYY-MM-DD" (a year outside 0..9999 is written as is).
func (d Date) String() string {
	return string(d.appendDigits(nil))
}

func (d Date) appendDigits(dst []byte) []byte {
	if d.Year < 0 || d.Year > 9999 {
		return fmt.Appendf(dst, "%d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	m, day := int(d.Month), d.Day
	if m < 0 || m > 99 || day < 0 || day > 99 {
		return fmt.Appendf(dst, "%04d-%02d-%02d", d.Year, m, day)
	}
	y := d.Year
	return append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+day/10), byte('0'+day%10))
}

func (d Date) appendJSON(dst []byte) []byte {
	dst = append(dst, '"')
	dst = d.appendDigits(dst)
	return append(dst, '"')
}

// MarshalJSON encodes the date as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return d.appendJSON(nil), nil }

// UnmarshalJSON decodes "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("braze: date: %w", err)
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}
