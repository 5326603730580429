package mapping

import (
	"fmt"
	"strings"

	"github.com/mpbraze/mpbraze/mparticle"
)

// SegmentFormat selects how audience membership is written to Braze. The
// values are bits: combine them with | to send several forms at once, as
// mParticle's "Send Segments As" setting allows.
type SegmentFormat uint8

const (
	// SegmentsAsString writes the custom attribute SegmentMembership: the
	// comma-separated ids of every audience the user is in after the message.
	// It needs the user's full membership, kept by a MembershipStore. A user
	// who has left every audience gets "" (Braze stores a blank string), on
	// purpose rather than null: the attribute then still tells a user in no
	// audience from one the cohort import never reached, and Braze's "matches
	// regex" segment filters treat both the same.
	SegmentsAsString SegmentFormat = 1 << iota
	// SegmentsAsArray writes the custom array attribute
	// SegmentMembershipArray as {"add":[…],"remove":[…]} of audience ids. It
	// needs no state. Braze caps string arrays (500 items by default, 25 on
	// older accounts) and drops the oldest items beyond the cap.
	SegmentsAsArray
	// SegmentsPerAttribute writes one boolean custom attribute
	// "In <Audience Name>" per audience: true on join, false on leave.
	SegmentsPerAttribute

	// segmentFormatAll is the union of every known form (for validation).
	segmentFormatAll = SegmentsAsString | SegmentsAsArray | SegmentsPerAttribute
)

// DefaultSegmentFormat is the form used when AudienceSettings.SendSegmentsAs
// is zero: mParticle's default, the single string SegmentMembership.
const DefaultSegmentFormat = SegmentsAsString

// Has reports whether every form in o is selected in f.
func (f SegmentFormat) Has(o SegmentFormat) bool { return o != 0 && f&o == o }

// String returns the selected forms as a comma list of "string", "array" and
// "per-segment" (the names ParseSegmentFormat accepts), or "default" for 0.
func (f SegmentFormat) String() string {
	if f == 0 {
		return "default"
	}
	var parts []string
	if f.Has(SegmentsAsString) {
		parts = append(parts, "string")
	}
	if f.Has(SegmentsAsArray) {
		parts = append(parts, "array")
	}
	if f.Has(SegmentsPerAttribute) {
		parts = append(parts, "per-segment")
	}
	if rest := f &^ segmentFormatAll; rest != 0 {
		parts = append(parts, fmt.Sprintf("unknown(%#x)", uint8(rest)))
	}
	return strings.Join(parts, ",")
}

// ParseSegmentFormat parses a comma list of "string", "array" and
// "per-segment" (case-insensitive; "single-string", "single-array" and
// "per-attribute" are accepted too). An empty string gives 0, the default.
func ParseSegmentFormat(s string) (SegmentFormat, error) {
	var f SegmentFormat
	for _, part := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "":
		case "string", "single-string", "single_string":
			f |= SegmentsAsString
		case "array", "single-array", "single_array":
			f |= SegmentsAsArray
		case "per-segment", "per_segment", "per-attribute", "per_attribute", "boolean":
			f |= SegmentsPerAttribute
		default:
			return 0, fmt.Errorf("send segments as: unknown form %q (want string, array or per-segment)", strings.TrimSpace(part))
		}
	}
	return f, nil
}

// APIKeyOS is the operating system of the Braze app identifier key the
// audience output uses (mParticle's "API Key Operating System"). It decides
// which push tokens go out with audience updates: APNs tokens for iOS,
// FCM/GCM tokens for Android, none otherwise.
type APIKeyOS uint8

const (
	// APIKeyOSUnselected (the zero value, mParticle's default) forwards no push tokens.
	APIKeyOSUnselected APIKeyOS = iota
	// APIKeyOSiOS forwards apple_push_notification_token device identities.
	APIKeyOSiOS
	// APIKeyOSAndroid forwards google_cloud_messaging_token device identities.
	APIKeyOSAndroid
	// APIKeyOSWeb forwards no push tokens (Braze takes no web push tokens
	// through /users/track).
	APIKeyOSWeb
)

// String returns "Unselected", "iOS", "Android" or "Web".
func (o APIKeyOS) String() string {
	switch o {
	case APIKeyOSUnselected:
		return "Unselected"
	case APIKeyOSiOS:
		return "iOS"
	case APIKeyOSAndroid:
		return "Android"
	case APIKeyOSWeb:
		return "Web"
	}
	return fmt.Sprintf("APIKeyOS(%d)", uint8(o))
}

// ParseAPIKeyOS parses "iOS", "Android", "Web" or "Unselected"
// (case-insensitive; "" is Unselected).
func ParseAPIKeyOS(s string) (APIKeyOS, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unselected", "none":
		return APIKeyOSUnselected, nil
	case "ios":
		return APIKeyOSiOS, nil
	case "android":
		return APIKeyOSAndroid, nil
	case "web":
		return APIKeyOSWeb, nil
	}
	return 0, fmt.Errorf("api key os: unknown value %q (want iOS, Android, Web or Unselected)", s)
}

// AudienceIdentityMPID is the identity type name that makes the cohort
// import use the profile's mpid (a decimal string, never hashed) as the
// identity. The other accepted names are the Firehose user identity types,
// mparticle.UserIdentityCustomer ("customer", the external-id default),
// mparticle.UserIdentityEmail ("email", the email default), and the rest.
const AudienceIdentityMPID = "mpid"

// isAudienceIdentityType reports whether name is a Firehose user identity
// type (spec §B3) or AudienceIdentityMPID.
func isAudienceIdentityType(name string) bool {
	switch name {
	case mparticle.UserIdentityOther, mparticle.UserIdentityCustomer, mparticle.UserIdentityFacebook,
		mparticle.UserIdentityTwitter, mparticle.UserIdentityGoogle, mparticle.UserIdentityMicrosoft,
		mparticle.UserIdentityYahoo, mparticle.UserIdentityEmail, mparticle.UserIdentityOther2,
		mparticle.UserIdentityOther3, mparticle.UserIdentityOther4, mparticle.UserIdentityOther5,
		mparticle.UserIdentityOther6, mparticle.UserIdentityOther7, mparticle.UserIdentityOther8,
		mparticle.UserIdentityOther9, mparticle.UserIdentityOther10, mparticle.UserIdentityMobileNumber,
		mparticle.UserIdentityPhoneNumber2, mparticle.UserIdentityPhoneNumber3, AudienceIdentityMPID:
		return true
	}
	return false
}

// AudienceSettings configures the cohort import: how mParticle audience
// membership changes become Braze custom attributes. The zero value is
// mParticle's default configuration: the single string SegmentMembership,
// external_id from the customer identity, email from the email identity, no
// push tokens, and an in-memory membership store.
type AudienceSettings struct {
	// SendSegmentsAs selects the forms written (any combination of
	// SegmentsAsString, SegmentsAsArray and SegmentsPerAttribute). Zero means
	// DefaultSegmentFormat (the single string).
	SendSegmentsAs SegmentFormat

	// ExternalIdentityType is the Firehose user identity type (the
	// mparticle.UserIdentity* names) whose raw value becomes the Braze
	// external_id: "customer" (the default when empty),
	// "email", "other", "other2"…"other10", "mobile_number",
	// "phone_number_2", "phone_number_3", "facebook", "twitter", "google",
	// "microsoft", "yahoo", or "mpid" for the profile's mpid. Profiles
	// without it (or with only a hashed value) are skipped and reported.
	ExternalIdentityType string

	// EmailIdentityType is the Firehose user identity type whose raw value
	// is written as the Braze email attribute; "email" when empty ("mpid" is
	// not accepted here). Hashed values, and raw values Braze would not
	// accept as an email address, are not sent and are reported.
	EmailIdentityType string

	// APIKeyOS is the operating system of the Braze app key; it selects
	// which push tokens are forwarded (none for Unselected, the default, and
	// Web).
	APIKeyOS APIKeyOS

	// AppID is the Braze app identifier sent with forwarded push tokens.
	// Required when APIKeyOS is iOS or Android.
	AppID string

	// Store keeps each user's full audience membership for the string form
	// (and for ClearAudience). Nil means a new in-memory store owned by the
	// AudienceMapper built from these settings (lost on restart; use a
	// persistent implementation to survive restarts). Because of that, build
	// one AudienceMapper per process (mpbraze.New builds it once per Kit) and
	// keep it.
	Store MembershipStore
}

// withDefaults returns s with the documented defaults filled in.
func (s AudienceSettings) withDefaults() AudienceSettings {
	if s.SendSegmentsAs == 0 {
		s.SendSegmentsAs = DefaultSegmentFormat
	}
	if s.ExternalIdentityType == "" {
		s.ExternalIdentityType = mparticle.UserIdentityCustomer
	}
	if s.EmailIdentityType == "" {
		s.EmailIdentityType = mparticle.UserIdentityEmail
	}
	if s.Store == nil {
		s.Store = NewMemoryMembershipStore()
	}
	return s
}

// Validate reports the first invalid setting as a *SettingsError naming
// the field and value. Zero values are valid (they mean the documented
// defaults).
func (s AudienceSettings) Validate() error {
	if rest := s.SendSegmentsAs &^ segmentFormatAll; rest != 0 {
		return settingsErr("AudienceSettings.SendSegmentsAs", s.SendSegmentsAs.String(), "has unknown bits %#x", uint8(rest))
	}
	if s.ExternalIdentityType != "" && !isAudienceIdentityType(s.ExternalIdentityType) {
		return settingsErr("AudienceSettings.ExternalIdentityType", s.ExternalIdentityType, "is not a Firehose user identity type (customer, email, other, other2…other10, mobile_number, phone_number_2, phone_number_3, facebook, twitter, google, microsoft, yahoo) or mpid")
	}
	if s.EmailIdentityType != "" && (!isAudienceIdentityType(s.EmailIdentityType) || s.EmailIdentityType == AudienceIdentityMPID) {
		return settingsErr("AudienceSettings.EmailIdentityType", s.EmailIdentityType, "is not a Firehose user identity type (customer, email, other, other2…other10, mobile_number, phone_number_2, phone_number_3, facebook, twitter, google, microsoft, yahoo)")
	}
	if s.APIKeyOS > APIKeyOSWeb {
		return settingsErr("AudienceSettings.APIKeyOS", s.APIKeyOS.String(), "is not iOS, Android, Web or Unselected")
	}
	if (s.APIKeyOS == APIKeyOSiOS || s.APIKeyOS == APIKeyOSAndroid) && strings.TrimSpace(s.AppID) == "" {
		return settingsErr("AudienceSettings.AppID", "", "is required when APIKeyOS is %s (push tokens need a Braze app id)", s.APIKeyOS)
	}
	return nil
}
