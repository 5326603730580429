package mparticle

import "encoding/json"

// MessageType is the "type" of a Firehose message envelope (spec §B1).
type MessageType string

// Firehose message types used for audiences.
const (
	MessageAudienceMembershipChangeRequest  MessageType = "audience_membership_change_request"
	MessageAudienceMembershipChangeResponse MessageType = "audience_membership_change_response"
	MessageAudienceSubscriptionRequest      MessageType = "audience_subscription_request"
	MessageAudienceSubscriptionResponse     MessageType = "audience_subscription_response"
)

// Account is the partner account of a Firehose message.
type Account struct {
	// AccountID is required.
	AccountID int64 `json:"account_id,always"`
	// AccountSettings are the partner's configured settings (may hold
	// secrets such as API keys; never log them). Keys are written sorted.
	AccountSettings map[string]string `json:"account_settings"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// AudienceMembershipChangeRequest is the message mParticle sends when users
// join or leave audiences (spec §B3). Periodic verification requests carry no
// UserProfiles.
type AudienceMembershipChangeRequest struct {
	// Type is "audience_membership_change_request".
	Type MessageType `json:"type"`
	// ID is the message UUID.
	ID string `json:"id"`
	// TimestampMS is the message time in Unix milliseconds.
	TimestampMS int64 `json:"timestamp_ms"`
	// FirehoseVersion is e.g. "3.2.0".
	FirehoseVersion string `json:"firehose_version"`
	// Account is required.
	Account *Account `json:"account"`
	// UserProfiles are the users whose membership changed.
	UserProfiles []UserProfile `json:"user_profiles"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// UserProfile is one user of an audience membership change.
type UserProfile struct {
	// MPID is the mParticle id, as a decimal string in this protocol.
	MPID string `json:"mpid"`
	// UserIdentities are the user's identities (Firehose type names).
	UserIdentities []Identity `json:"user_identities"`
	// DeviceIdentities are the user's device ids and push tokens.
	DeviceIdentities []Identity `json:"device_identities"`
	// PartnerIdentities are partner-registered identities.
	PartnerIdentities []Identity `json:"partner_identities"`
	// Audiences are the membership changes.
	Audiences []Audience `json:"audiences"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// Identity is a Firehose identity: {type, encoding, value}.
type Identity struct {
	// Type is a UserIdentityType, a DeviceIdentityType, or a partner's
	// registered name.
	Type string `json:"type"`
	// Encoding is raw, md5, sha1 or sha256 (hashes of the trimmed,
	// lower-cased value).
	Encoding IdentityEncoding `json:"encoding"`
	// Value is the identity or its hash.
	Value string `json:"value"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// IdentityEncoding is a Firehose identity encoding.
type IdentityEncoding string

// Identity encodings.
const (
	EncodingRaw    IdentityEncoding = "raw"
	EncodingMD5    IdentityEncoding = "md5"
	EncodingSHA1   IdentityEncoding = "sha1"
	EncodingSHA256 IdentityEncoding = "sha256"
)

// Firehose user identity types (spec §B3). They differ from the Events API
// names of IdentityType ("customer" vs "customer_id", "other2" vs
// "other_id_2").
const (
	UserIdentityOther        = "other"
	UserIdentityCustomer     = "customer"
	UserIdentityFacebook     = "facebook"
	UserIdentityTwitter      = "twitter"
	UserIdentityGoogle       = "google"
	UserIdentityMicrosoft    = "microsoft"
	UserIdentityYahoo        = "yahoo"
	UserIdentityEmail        = "email"
	UserIdentityOther2       = "other2"
	UserIdentityOther3       = "other3"
	UserIdentityOther4       = "other4"
	UserIdentityOther5       = "other5"
	UserIdentityOther6       = "other6"
	UserIdentityOther7       = "other7"
	UserIdentityOther8       = "other8"
	UserIdentityOther9       = "other9"
	UserIdentityOther10      = "other10"
	UserIdentityMobileNumber = "mobile_number"
	UserIdentityPhoneNumber2 = "phone_number_2"
	UserIdentityPhoneNumber3 = "phone_number_3"
)

// Firehose device identity types (spec §B3).
const (
	DeviceIdentityAndroidID                  = "android_id"
	DeviceIdentityGoogleAdvertisingID        = "google_advertising_id"
	DeviceIdentityIOSAdvertisingID           = "ios_advertising_id"
	DeviceIdentityIOSVendorID                = "ios_vendor_id"
	DeviceIdentityGoogleCloudMessagingToken  = "google_cloud_messaging_token"
	DeviceIdentityApplePushNotificationToken = "apple_push_notification_token"
	DeviceIdentityRokuAdvertisingID          = "roku_advertising_id"
	DeviceIdentityRokuPublisherID            = "roku_publisher_id"
	DeviceIdentityMicrosoftAdvertisingID     = "microsoft_advertising_id"
	DeviceIdentityMicrosoftPublisherID       = "microsoft_publisher_id"
	DeviceIdentityFireAdvertisingID          = "fire_advertising_id"
)

// AudienceAction is what happened to a user's membership.
type AudienceAction string

// Audience actions.
const (
	AudienceAdd             AudienceAction = "add"
	AudienceDelete          AudienceAction = "delete"
	AudienceAttributeUpdate AudienceAction = "attribute_update"
)

// Audience is one membership change of a user.
type Audience struct {
	// AudienceID is required.
	AudienceID int64 `json:"audience_id,always"`
	// AudienceName is the audience's external name.
	AudienceName string `json:"audience_name"`
	// Action is add (joined), delete (left) or attribute_update.
	Action AudienceAction `json:"action"`
	// AudienceSubscriptionSettings are the settings returned when the
	// audience was subscribed. Keys are written sorted.
	AudienceSubscriptionSettings map[string]string `json:"audience_subscription_settings"`
	// UserAttributes are shared audience attributes (only with the
	// attribute-sharing permission).
	UserAttributes []AudienceUserAttribute `json:"user_attributes"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// AudienceAttributeAction is an audience user attribute's action.
type AudienceAttributeAction string

// Audience user attribute actions.
const (
	AttributeUpsert AudienceAttributeAction = "upsert"
	AttributeDelete AudienceAttributeAction = "delete"
)

// AudienceUserAttribute is one shared attribute of an audience change.
type AudienceUserAttribute struct {
	// Key is required.
	Key string `json:"key"`
	// Value is the scalar value; nil when absent (or null).
	Value *string `json:"value"`
	// ListValue is the list value.
	ListValue []string `json:"list_value"`
	// Action is upsert or delete.
	Action AudienceAttributeAction `json:"action"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// SubscriptionAction is an audience subscription's action.
type SubscriptionAction string

// Audience subscription actions.
const (
	SubscriptionAdd    SubscriptionAction = "add"
	SubscriptionUpdate SubscriptionAction = "update"
	SubscriptionRemove SubscriptionAction = "remove"
)

// AudienceSubscriptionRequest is the message mParticle sends when an
// audience is connected to, updated on, or removed from the partner (spec
// §B2).
type AudienceSubscriptionRequest struct {
	// Type is "audience_subscription_request".
	Type MessageType `json:"type"`
	// ID is the message UUID.
	ID string `json:"id"`
	// TimestampMS is the message time in Unix milliseconds.
	TimestampMS int64 `json:"timestamp_ms"`
	// FirehoseVersion is e.g. "3.2.0".
	FirehoseVersion string `json:"firehose_version"`
	// Account is required.
	Account *Account `json:"account"`
	// AudienceID is the audience id.
	AudienceID int64 `json:"audience_id"`
	// AudienceName is the audience name.
	AudienceName string `json:"audience_name"`
	// Action is add, update or remove; required.
	Action SubscriptionAction `json:"action"`
	// AudienceDescription describes the audience.
	AudienceDescription string `json:"audience_description"`
	// AudienceSubscriptionSettings are the audience's settings. Keys are
	// written sorted.
	AudienceSubscriptionSettings map[string]string `json:"audience_subscription_settings"`
	// PreviousAudienceSubscriptionSettings are the settings before an
	// update.
	PreviousAudienceSubscriptionSettings map[string]string `json:"previous_audience_subscription_settings"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}
