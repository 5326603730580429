package mapping

import (
	"fmt"
	"strconv"
	"time"

	"github.com/mpbraze/mpbraze/internal/formats"
	"github.com/mpbraze/mpbraze/mparticle"
)

// IdentityMPID is the ExternalIdentityType that uses the batch's MPID, as a
// decimal string, as the Braze external_id (the kits' "MPID" setting).
const IdentityMPID mparticle.IdentityType = "mpid"

// IdentityNone is the EmailIdentityType that sets no Braze email at all
// (what the iOS kit does when "emailIdentificationType" is unset).
const IdentityNone mparticle.IdentityType = "none"

// DefaultCurrency is the purchase currency used when a commerce event has
// none and Settings.DefaultCurrency is empty.
const DefaultCurrency = "USD"

// PropertyPolicy says what happens to an event property or custom user
// attribute whose value is an object or an array, which Braze event
// properties do not take (outside bundled commerce).
type PropertyPolicy uint8

// The property policies. The zero value is PropertyFlatten.
const (
	// PropertyFlatten turns objects into dotted keys ("address.city") and
	// arrays of scalars into comma-joined strings. Arrays holding objects are
	// stringified as compact JSON. Each change is reported (Flattened).
	PropertyFlatten PropertyPolicy = iota
	// PropertyStringify replaces the value by its compact JSON text
	// (Stringified).
	PropertyStringify
	// PropertyDrop leaves the key out (Dropped).
	PropertyDrop
	// PropertyReject drops the whole event or purchase (Rejected). For user
	// attributes, where there is no event to reject, the attribute is dropped.
	PropertyReject
)

// String returns the policy's name as FromKitConfig accepts it.
func (p PropertyPolicy) String() string {
	switch p {
	case PropertyFlatten:
		return "flatten"
	case PropertyStringify:
		return "stringify"
	case PropertyDrop:
		return "drop"
	case PropertyReject:
		return "reject"
	}
	return "PropertyPolicy(" + strconv.Itoa(int(p)) + ")"
}

// AnonymousMode says what happens to a batch without the external identity.
type AnonymousMode uint8

// The anonymous-user modes. The zero value is AnonymousSkip.
const (
	// AnonymousSkip skips the whole batch and reports it (UserSkipped), as
	// mParticle does.
	AnonymousSkip AnonymousMode = iota
	// AnonymousAliasByMPID tracks the user under the user alias
	// {alias_label: "mparticle_id", alias_name: <mpid>} with
	// _update_existing_only false, so Braze creates an alias-only profile.
	// Batches without an MPID are still skipped.
	AnonymousAliasByMPID
)

// String returns the mode's name as FromKitConfig accepts it.
func (a AnonymousMode) String() string {
	switch a {
	case AnonymousSkip:
		return "skip"
	case AnonymousAliasByMPID:
		return "alias_by_mpid"
	}
	return "AnonymousMode(" + strconv.Itoa(int(a)) + ")"
}

// MPIDAliasLabel is the alias_label of the user alias that anonymous users are
// tracked under in AnonymousAliasByMPID mode.
const MPIDAliasLabel = "mparticle_id"

// EventAttributeAction is what an EventAttributeMapping does with the event
// attribute's value.
type EventAttributeAction uint8

// The event-attribute actions of the kits' "eaa", "ear" and "eas" settings.
const (
	// AddToArray adds the value to a custom array attribute ("eaa").
	AddToArray EventAttributeAction = iota + 1
	// RemoveFromArray removes the value from a custom array attribute ("ear").
	RemoveFromArray
	// SetAttribute sets the user attribute to the value ("eas"), through the
	// user-attribute rules (reserved keys map, type detection applies).
	SetAttribute
)

// String returns the kit setting name of the action ("eaa", "ear", "eas").
func (a EventAttributeAction) String() string {
	switch a {
	case AddToArray:
		return "eaa"
	case RemoveFromArray:
		return "ear"
	case SetAttribute:
		return "eas"
	}
	return "EventAttributeAction(" + strconv.Itoa(int(a)) + ")"
}

// EventAttributeMapping copies an event attribute into a user attribute.
//
// A mapping matches either by the kit's hash (KitHash, as the "eaa", "ear"
// and "eas" kit settings carry it; see KitAttributeHash) or, when EventName
// is set, by the event name and attribute key, compared case-insensitively
// (the kit hash is case-insensitive too) for events of any type.
type EventAttributeMapping struct {
	// Action is what to do with the value. Required.
	Action EventAttributeAction
	// KitHash is the kit's hash of "<eventTypeNumber><eventName><attrKey>",
	// used when EventName is empty.
	KitHash int32
	// EventName selects the event by name (any event type).
	EventName string
	// AttributeKey selects the event attribute by its raw key.
	AttributeKey string
	// UserAttribute is the user attribute to change. Required.
	UserAttribute string
}

// Settings configures a Mapper. The zero value is valid and means the
// documented defaults (those of mParticle's Braze kit); see the package
// documentation for the matching kit settings.
type Settings struct {
	// ExternalIdentityType is the mParticle identity that becomes the Braze
	// external_id. Zero means mparticle.IdentityCustomerID. IdentityMPID uses
	// the MPID.
	ExternalIdentityType mparticle.IdentityType
	// EmailIdentityType is the mParticle identity that becomes the Braze
	// email attribute. Zero means mparticle.IdentityEmail; IdentityNone sets no
	// email.
	EmailIdentityType mparticle.IdentityType
	// EnableTypeDetection turns string values into booleans, integers,
	// decimals and dates (in that order) in event properties and custom user
	// attributes. "$Zip" is never detected.
	EnableTypeDetection bool
	// BundleCommerceEventData sends one Braze event (or purchase) per commerce
	// event, with nested products, promotions and impressions, instead of
	// one per product.
	BundleCommerceEventData bool
	// ReplaceSkuWithProductName makes a purchase's product_id the product
	// name instead of its SKU.
	ReplaceSkuWithProductName bool
	// DefaultCurrency is the purchase currency when the commerce event has
	// none. Empty means "USD".
	DefaultCurrency string
	// ForwardScreenViews forwards screen views as custom events named after
	// the screen.
	ForwardScreenViews bool
	// ScreenViewPrefix is put before the screen name of forwarded screen views
	// (for example "Viewed ", as mParticle's server-side integration does).
	ScreenViewPrefix string
	// ForwardSessionEvents forwards session starts and ends as custom events
	// "Session Start" and "Session End" with a session_id property.
	ForwardSessionEvents bool
	// UserAttributeListsAsStrings sends user attribute lists as one
	// comma-joined string (mParticle's server-side default) instead of a Braze
	// string array.
	UserAttributeListsAsStrings bool
	// PropertyPolicy says what happens to object and array values. The zero
	// value is PropertyFlatten.
	PropertyPolicy PropertyPolicy
	// SubscriptionGroupMapping maps a user attribute key (matched
	// case-insensitively) to a Braze subscription group id; the attribute's
	// value (true/false, 1/0, yes/no) subscribes or unsubscribes the user.
	SubscriptionGroupMapping map[string]string
	// AppIDs maps an mParticle platform (as in device_info.platform, matched
	// case-insensitively: "iOS", "Android", "tvOS", ...) to the Braze app id
	// that push tokens of that platform are registered under. Tokens of the
	// "web" platform are never sent (Braze takes no web push tokens through
	// /users/track), whatever this map says.
	AppIDs map[string]string
	// AppID is the Braze app id used when AppIDs has no entry for the batch's
	// platform (the kit's "apiKey"); not used for web.
	AppID string
	// AnonymousUsers says what happens to batches without the external
	// identity. The zero value is AnonymousSkip.
	AnonymousUsers AnonymousMode
	// EventAttributeMappings copy event attributes into user attributes.
	EventAttributeMappings []EventAttributeMapping
	// Now is the clock used for "$Age" and for events without any timestamp.
	// Nil means time.Now. Set it in tests to make output reproducible.
	Now func() time.Time
}

// SettingsError reports an invalid setting. Field names the Settings field
// (or the kit key, for FromKitConfig), Value the offending value.
type SettingsError struct {
	// Field is the Settings field or kit key, e.g. "Settings.DefaultCurrency".
	Field string
	// Value is the offending value ("" when empty).
	Value string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "mapping: <field>: <value> <reason>".
func (e *SettingsError) Error() string {
	if e.Value == "" {
		return "mapping: " + e.Field + ": " + e.Reason
	}
	return "mapping: " + e.Field + ": " + strconv.Quote(e.Value) + " " + e.Reason
}

func settingsErr(field, value, format string, args ...any) *SettingsError {
	return &SettingsError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// withDefaults returns s with zero values replaced by the defaults.
func (s Settings) withDefaults() Settings {
	if s.ExternalIdentityType == "" {
		s.ExternalIdentityType = mparticle.IdentityCustomerID
	}
	if s.EmailIdentityType == "" {
		s.EmailIdentityType = mparticle.IdentityEmail
	}
	if s.DefaultCurrency == "" {
		s.DefaultCurrency = DefaultCurrency
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s
}

// Validate checks s (after applying defaults) and returns the first problem
// as a *SettingsError naming the field and value.
func (s Settings) Validate() error {
	s = s.withDefaults()
	if s.ExternalIdentityType != IdentityMPID && !knownIdentity(s.ExternalIdentityType) {
		return settingsErr("Settings.ExternalIdentityType", string(s.ExternalIdentityType), "is not an mParticle identity type or IdentityMPID")
	}
	if s.EmailIdentityType != IdentityNone && !knownIdentity(s.EmailIdentityType) {
		return settingsErr("Settings.EmailIdentityType", string(s.EmailIdentityType), "is not an mParticle identity type or IdentityNone")
	}
	if !formats.IsCurrencyCode(s.DefaultCurrency) {
		return settingsErr("Settings.DefaultCurrency", s.DefaultCurrency, "is not a 3-letter upper-case ISO 4217 code")
	}
	if s.PropertyPolicy > PropertyReject {
		return settingsErr("Settings.PropertyPolicy", s.PropertyPolicy.String(), "is not a known policy")
	}
	if s.AnonymousUsers > AnonymousAliasByMPID {
		return settingsErr("Settings.AnonymousUsers", s.AnonymousUsers.String(), "is not a known mode")
	}
	if n := len([]rune(s.ScreenViewPrefix)); n > maxLen {
		return settingsErr("Settings.ScreenViewPrefix", s.ScreenViewPrefix, "is %d characters long, more than %d", n, maxLen)
	}
	for _, k := range sortedKeys(s.SubscriptionGroupMapping) {
		v := s.SubscriptionGroupMapping[k]
		if k == "" {
			return settingsErr("Settings.SubscriptionGroupMapping", v, "has an empty user attribute key")
		}
		if !formats.IsUUID(v) {
			return settingsErr("Settings.SubscriptionGroupMapping["+strconv.Quote(k)+"]", v, "is not a subscription group id (a UUID)")
		}
	}
	for _, k := range sortedKeys(s.AppIDs) {
		if s.AppIDs[k] == "" {
			return settingsErr("Settings.AppIDs["+strconv.Quote(k)+"]", "", "is an empty app id")
		}
	}
	for i, m := range s.EventAttributeMappings {
		field := "Settings.EventAttributeMappings[" + strconv.Itoa(i) + "]"
		if m.Action < AddToArray || m.Action > SetAttribute {
			return settingsErr(field+".Action", m.Action.String(), "is not AddToArray, RemoveFromArray or SetAttribute")
		}
		if m.UserAttribute == "" {
			return settingsErr(field+".UserAttribute", "", "is empty")
		}
		if m.EventName == "" && m.AttributeKey != "" {
			return settingsErr(field+".EventName", "", "is empty while AttributeKey is set")
		}
		if m.EventName != "" && m.AttributeKey == "" {
			return settingsErr(field+".AttributeKey", "", "is empty while EventName is set")
		}
	}
	return nil
}
