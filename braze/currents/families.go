package currents

import "encoding/json"

// Common holds the properties most Currents events share: app, device,
// campaign/canvas and abort/retry details. Each family view embeds it.
type Common struct {
	AppGroupID string `json:"app_group_id"`
	AppID      string `json:"app_id"`

	// Platform is ios, android, kindle, web, tvos or roku.
	Platform    string `json:"platform"`
	OSVersion   string `json:"os_version"`
	DeviceModel string `json:"device_model"`
	AdID        string `json:"ad_id"`
	// AdIDType is ios_idfa, google_ad_id, windows_ad_id or roku_ad_id.
	AdIDType string `json:"ad_id_type"`
	// AdTrackingEnabled is nil when the event does not say.
	AdTrackingEnabled *bool `json:"ad_tracking_enabled"`

	CampaignID                   string `json:"campaign_id"`
	CampaignName                 string `json:"campaign_name"`
	MessageVariationID           string `json:"message_variation_id"`
	MessageVariationName         string `json:"message_variation_name"`
	CanvasID                     string `json:"canvas_id"`
	CanvasName                   string `json:"canvas_name"`
	CanvasVariationID            string `json:"canvas_variation_id"`
	CanvasVariationName          string `json:"canvas_variation_name"`
	CanvasStepID                 string `json:"canvas_step_id"`
	CanvasStepName               string `json:"canvas_step_name"`
	CanvasStepMessageVariationID string `json:"canvas_step_message_variation_id"`
	SendID                       string `json:"send_id"`
	DispatchID                   string `json:"dispatch_id"`
	// MessageExtras is a JSON string of key-value pairs set in the message.
	MessageExtras string `json:"message_extras"`

	// AbortType and AbortLog describe why a message was aborted (*.Abort).
	AbortType string `json:"abort_type"`
	AbortLog  string `json:"abort_log"`
	// RetryType and RetryLog describe a delivery retry (*.Retry).
	RetryType string `json:"retry_type"`
	RetryLog  string `json:"retry_log"`
}

// EmailProperties are the properties of users.messages.email.* events.
type EmailProperties struct {
	Common
	EmailAddress string `json:"email_address"`
	IPPool       string `json:"ip_pool"`
	FromDomain   string `json:"from_domain"`
	ESP          string `json:"esp"`
	SendingIP    string `json:"sending_ip"`
	// Open and Click.
	UserAgent       string `json:"user_agent"`
	Browser         string `json:"browser"`
	DeviceClass     string `json:"device_class"`
	DeviceOS        string `json:"device_os"`
	MailboxProvider string `json:"mailbox_provider"`
	IsAMP           *bool  `json:"is_amp"`
	// Open: whether the open was a machine (privacy-proxy) open.
	MachineOpen string `json:"machine_open"`
	// Click.
	URL                 string `json:"url"`
	LinkID              string `json:"link_id"`
	LinkAlias           string `json:"link_alias"`
	IsSuspectedBotClick *bool  `json:"is_suspected_bot_click"`
	// Bounce and SoftBounce.
	BounceReason string `json:"bounce_reason"`
}

// PushProperties are the properties of users.messages.pushnotification.*
// events.
type PushProperties struct {
	Common
	// Send and Bounce.
	PushToken string `json:"push_token"`
	// Open: uri, deep_link, none or close.
	ButtonActionType string `json:"button_action_type"`
	ButtonString     string `json:"button_string"`
}

// InAppProperties are the properties of users.messages.inappmessage.*
// events.
type InAppProperties struct {
	Common
	CardID   string `json:"card_id"`
	ButtonID string `json:"button_id"`
}

// ContentCardProperties are the properties of users.messages.contentcard.*
// events.
type ContentCardProperties struct {
	Common
	ContentCardID string `json:"content_card_id"`
}

// BannerProperties are the properties of users.messages.banner.* events.
type BannerProperties struct {
	Common
	BannerPlacementID string `json:"banner_placement_id"`
	ButtonID          string `json:"button_id"`
}

// SMSProperties are the properties of users.messages.sms.* events.
type SMSProperties struct {
	Common
	ToPhoneNumber       string `json:"to_phone_number"`
	FromPhoneNumber     string `json:"from_phone_number"`
	SubscriptionGroupID string `json:"subscription_group_id"`
	Category            string `json:"category"`
	IsSMSFallback       *bool  `json:"is_sms_fallback"`
	Error               string `json:"error"`
	ProviderErrorCode   string `json:"provider_error_code"`
	// InboundReceive and ShortLinkClick.
	InboundPhoneNumber string   `json:"inbound_phone_number"`
	UserPhoneNumber    string   `json:"user_phone_number"`
	Action             string   `json:"action"`
	MessageBody        string   `json:"message_body"`
	MediaURLs          []string `json:"media_urls"`
	URL                string   `json:"url"`
	ShortURL           string   `json:"short_url"`
}

// WhatsAppProperties are the properties of users.messages.whatsapp.* events.
type WhatsAppProperties struct {
	Common
	ToPhoneNumber       string   `json:"to_phone_number"`
	FromPhoneNumber     string   `json:"from_phone_number"`
	SubscriptionGroupID string   `json:"subscription_group_id"`
	Error               string   `json:"error"`
	ProviderErrorCode   string   `json:"provider_error_code"`
	InboundPhoneNumber  string   `json:"inbound_phone_number"`
	UserPhoneNumber     string   `json:"user_phone_number"`
	MessageBody         string   `json:"message_body"`
	MediaURLs           []string `json:"media_urls"`
	QuickReplyText      string   `json:"quick_reply_text"`
	URL                 string   `json:"url"`
}

// WebhookProperties are the properties of users.messages.webhook.* events.
type WebhookProperties struct {
	Common
	// Error describes a failed delivery (Failure).
	Error string `json:"error"`
}

// CampaignProperties are the properties of users.campaigns.* events.
type CampaignProperties struct {
	Common
	// ConversionBehavior is a JSON string describing the conversion event.
	ConversionBehavior      string `json:"conversion_behavior"`
	ConversionBehaviorIndex int64  `json:"conversion_behavior_index"`
}

// CanvasProperties are the properties of users.canvas.* and
// users.canvasstep.* events.
type CanvasProperties struct {
	Common
	InControlGroup          *bool  `json:"in_control_group"`
	ConversionBehavior      string `json:"conversion_behavior"`
	ConversionBehaviorIndex int64  `json:"conversion_behavior_index"`
	ExperimentStepID        string `json:"experiment_step_id"`
	ExperimentSplitID       string `json:"experiment_split_id"`
	ExperimentSplitName     string `json:"experiment_split_name"`
	NextStepID              string `json:"next_step_id"`
	NextStepName            string `json:"next_step_name"`
}

// SubscriptionProperties are the properties of subscription and
// subscription-group state changes.
type SubscriptionProperties struct {
	Common
	// SubscriptionStatus is Subscribed or Unsubscribed.
	SubscriptionStatus  string `json:"subscription_status"`
	StateChangeSource   string `json:"state_change_source"`
	Channel             string `json:"channel"`
	ChannelIdentifier   string `json:"channel_identifier"`
	EmailAddress        string `json:"email_address"`
	SubscriptionGroupID string `json:"subscription_group_id"`
	PhoneNumber         string `json:"phone_number"`
}

// UninstallProperties are the properties of users.behaviors.Uninstall.
type UninstallProperties struct {
	Common
}

// CustomEventProperties are the properties of users.behaviors.CustomEvent.
type CustomEventProperties struct {
	Common
	Name string `json:"name"`
	// CustomProperties are the event's own properties, raw.
	CustomProperties map[string]json.RawMessage `json:"custom_properties"`
}

// PurchaseProperties are the properties of users.behaviors.Purchase.
type PurchaseProperties struct {
	Common
	ProductID string  `json:"product_id"`
	Price     float64 `json:"price"`
	Currency  string  `json:"currency"`
	// PurchaseProperties are the purchase's own properties, raw.
	PurchaseProperties map[string]json.RawMessage `json:"purchase_properties"`
}

// SessionProperties are the properties of users.behaviors.app.* events.
type SessionProperties struct {
	Common
	SessionID string `json:"session_id"`
	// Duration is the session length in seconds (SessionEnd).
	Duration float64 `json:"duration"`
}

// LocationProperties are the properties of users.behaviors.Location.
type LocationProperties struct {
	Common
	Latitude    float64 `json:"latitude"`
	Longitude   float64 `json:"longitude"`
	Altitude    float64 `json:"altitude"`
	LLAccuracy  float64 `json:"ll_accuracy"`
	AltAccuracy float64 `json:"alt_accuracy"`
}

// InstallAttributionProperties are the properties of
// users.behaviors.InstallAttribution.
type InstallAttributionProperties struct {
	Common
	Source string `json:"source"`
}

// PushTokenProperties are the properties of
// users.behaviors.pushnotification.TokenStateChange.
type PushTokenProperties struct {
	Common
	PushToken                string `json:"push_token"`
	PushTokenStateChangeType string `json:"push_token_state_change_type"`
	// The other push_token_* details stay in [Event.Properties].
}

// view decodes the event's properties into a new T; see [Properties.Decode]
// for how wrong-typed properties are reported.
func view[T any](e *Event) (T, error) {
	var v T
	err := e.Properties.Decode(&v)
	return v, err
}

// Common decodes the properties every family shares. The error lists
// properties of the wrong type (their fields stay zero); the raw values
// remain in [Event.Properties].
func (e *Event) Common() (Common, error) { return view[Common](e) }

// Email decodes the properties of an email event (see [Event.Common] for
// errors).
func (e *Event) Email() (EmailProperties, error) { return view[EmailProperties](e) }

// Push decodes the properties of a push notification event.
func (e *Event) Push() (PushProperties, error) { return view[PushProperties](e) }

// InApp decodes the properties of an in-app message event.
func (e *Event) InApp() (InAppProperties, error) { return view[InAppProperties](e) }

// ContentCard decodes the properties of a content card event.
func (e *Event) ContentCard() (ContentCardProperties, error) {
	return view[ContentCardProperties](e)
}

// Banner decodes the properties of a banner event.
func (e *Event) Banner() (BannerProperties, error) { return view[BannerProperties](e) }

// SMS decodes the properties of an SMS event.
func (e *Event) SMS() (SMSProperties, error) { return view[SMSProperties](e) }

// WhatsApp decodes the properties of a WhatsApp event.
func (e *Event) WhatsApp() (WhatsAppProperties, error) { return view[WhatsAppProperties](e) }

// Webhook decodes the properties of a webhook event.
func (e *Event) Webhook() (WebhookProperties, error) { return view[WebhookProperties](e) }

// Campaign decodes the properties of a campaign event.
func (e *Event) Campaign() (CampaignProperties, error) { return view[CampaignProperties](e) }

// Canvas decodes the properties of a canvas event.
func (e *Event) Canvas() (CanvasProperties, error) { return view[CanvasProperties](e) }

// Subscription decodes the properties of a subscription state change.
func (e *Event) Subscription() (SubscriptionProperties, error) {
	return view[SubscriptionProperties](e)
}

// Uninstall decodes the properties of an uninstall event.
func (e *Event) Uninstall() (UninstallProperties, error) { return view[UninstallProperties](e) }

// CustomEvent decodes the properties of a custom event.
func (e *Event) CustomEvent() (CustomEventProperties, error) {
	return view[CustomEventProperties](e)
}

// Purchase decodes the properties of a purchase.
func (e *Event) Purchase() (PurchaseProperties, error) { return view[PurchaseProperties](e) }

// Session decodes the properties of a session event.
func (e *Event) Session() (SessionProperties, error) { return view[SessionProperties](e) }

// Location decodes the properties of a location event.
func (e *Event) Location() (LocationProperties, error) { return view[LocationProperties](e) }

// InstallAttribution decodes the properties of an install attribution.
func (e *Event) InstallAttribution() (InstallAttributionProperties, error) {
	return view[InstallAttributionProperties](e)
}

// PushToken decodes the properties of a push token state change.
func (e *Event) PushToken() (PushTokenProperties, error) { return view[PushTokenProperties](e) }
