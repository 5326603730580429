package currents

import "encoding/json"

// Common holds the properties most Currents events share: app, device,
// campaign/canvas and abort/retry details. Each family view embeds it.
type Common struct {
	// AppGroupID is the Braze workspace (app group) id.
	AppGroupID string `json:"app_group_id"`
	// AppID is the Braze app identifier the event came from.
	AppID string `json:"app_id"`

	// Platform is ios, android, kindle, web, tvos or roku.
	Platform string `json:"platform"`
	// OSVersion is the device's operating system version.
	OSVersion string `json:"os_version"`
	// DeviceModel is the device's hardware model.
	DeviceModel string `json:"device_model"`
	// AdID is the device's advertising identifier (see AdIDType).
	AdID string `json:"ad_id"`
	// AdIDType is ios_idfa, google_ad_id, windows_ad_id or roku_ad_id.
	AdIDType string `json:"ad_id_type"`
	// AdTrackingEnabled is nil when the event does not say.
	AdTrackingEnabled *bool `json:"ad_tracking_enabled"`

	// CampaignID is the Braze id of the campaign that sent the message.
	CampaignID string `json:"campaign_id"`
	// CampaignName is the campaign's name.
	CampaignName string `json:"campaign_name"`
	// MessageVariationID is the id of the campaign's message variation.
	MessageVariationID string `json:"message_variation_id"`
	// MessageVariationName is the message variation's name.
	MessageVariationName string `json:"message_variation_name"`
	// CanvasID is the Braze id of the Canvas that sent the message.
	CanvasID string `json:"canvas_id"`
	// CanvasName is the Canvas's name.
	CanvasName string `json:"canvas_name"`
	// CanvasVariationID is the id of the Canvas variant the user is in.
	CanvasVariationID string `json:"canvas_variation_id"`
	// CanvasVariationName is the Canvas variant's name.
	CanvasVariationName string `json:"canvas_variation_name"`
	// CanvasStepID is the id of the Canvas step.
	CanvasStepID string `json:"canvas_step_id"`
	// CanvasStepName is the Canvas step's name.
	CanvasStepName string `json:"canvas_step_name"`
	// CanvasStepMessageVariationID is the id of the Canvas step's message variation.
	CanvasStepMessageVariationID string `json:"canvas_step_message_variation_id"`
	// SendID identifies one send of a message (for tracking).
	SendID string `json:"send_id"`
	// DispatchID identifies the dispatch the message belongs to.
	DispatchID string `json:"dispatch_id"`
	// MessageExtras is a JSON string of key-value pairs set in the message.
	MessageExtras string `json:"message_extras"`

	// AbortType and AbortLog describe why a message was aborted (*.Abort).
	AbortType string `json:"abort_type"`
	// AbortLog is the detail of the abort.
	AbortLog string `json:"abort_log"`
	// RetryType and RetryLog describe a delivery retry (*.Retry).
	RetryType string `json:"retry_type"`
	// RetryLog is the detail of the retry.
	RetryLog string `json:"retry_log"`
}

// EmailProperties are the properties of users.messages.email.* events.
type EmailProperties struct {
	Common
	// EmailAddress is the address the message concerns.
	EmailAddress string `json:"email_address"`
	// IPPool is the IP pool the email was sent from.
	IPPool string `json:"ip_pool"`
	// FromDomain is the sending domain.
	FromDomain string `json:"from_domain"`
	// ESP is the email service provider (sendgrid, sparkpost, amazon_ses).
	ESP string `json:"esp"`
	// SendingIP is the IP address the email was sent from.
	SendingIP string `json:"sending_ip"`
	// UserAgent is the user agent that opened or clicked (Open and Click).
	UserAgent string `json:"user_agent"`
	// Browser is the browser that opened or clicked (Open and Click).
	Browser string `json:"browser"`
	// DeviceClass is the class of device that opened or clicked (Open and Click).
	DeviceClass string `json:"device_class"`
	// DeviceOS is the operating system that opened or clicked (Open and Click).
	DeviceOS string `json:"device_os"`
	// MailboxProvider is the recipient's mailbox provider (Open and Click).
	MailboxProvider string `json:"mailbox_provider"`
	// IsAMP is true for an AMP email (Open and Click); nil when the event does not say.
	IsAMP *bool `json:"is_amp"`
	// MachineOpen says whether the open was a machine (privacy-proxy)
	// open (Open).
	MachineOpen string `json:"machine_open"`
	// URL is the URL clicked (Click).
	URL string `json:"url"`
	// LinkID is the id of the clicked link (Click).
	LinkID string `json:"link_id"`
	// LinkAlias is the alias of the clicked link (Click).
	LinkAlias string `json:"link_alias"`
	// IsSuspectedBotClick is true when Braze suspects a bot click (Click); nil when the event does not say.
	IsSuspectedBotClick *bool `json:"is_suspected_bot_click"`
	// BounceReason is why the email bounced (Bounce and SoftBounce).
	BounceReason string `json:"bounce_reason"`
}

// PushProperties are the properties of users.messages.pushnotification.*
// events.
type PushProperties struct {
	Common
	// PushToken is the device's push token (Send and Bounce).
	PushToken string `json:"push_token"`
	// ButtonActionType is the action of the button pressed (Open): uri,
	// deep_link, none or close.
	ButtonActionType string `json:"button_action_type"`
	// ButtonString is the text of the button pressed (Open).
	ButtonString string `json:"button_string"`
}

// InAppProperties are the properties of users.messages.inappmessage.*
// events.
type InAppProperties struct {
	Common
	// CardID is the id of the in-app message card.
	CardID string `json:"card_id"`
	// ButtonID is the id of the button clicked, if any.
	ButtonID string `json:"button_id"`
}

// ContentCardProperties are the properties of users.messages.contentcard.*
// events.
type ContentCardProperties struct {
	Common
	// ContentCardID is the id of the content card.
	ContentCardID string `json:"content_card_id"`
}

// BannerProperties are the properties of users.messages.banner.* events.
type BannerProperties struct {
	Common
	// BannerPlacementID is the id of the banner's placement.
	BannerPlacementID string `json:"banner_placement_id"`
	// ButtonID is the id of the button clicked, if any.
	ButtonID string `json:"button_id"`
}

// SMSProperties are the properties of users.messages.sms.* events.
type SMSProperties struct {
	Common
	// ToPhoneNumber is the recipient's phone number (E.164).
	ToPhoneNumber string `json:"to_phone_number"`
	// FromPhoneNumber is the sending phone number.
	FromPhoneNumber string `json:"from_phone_number"`
	// SubscriptionGroupID is the id of the subscription group.
	SubscriptionGroupID string `json:"subscription_group_id"`
	// Category is the keyword category of an inbound message (opt-in, opt-out, help, …).
	Category string `json:"category"`
	// IsSMSFallback is true when the SMS was sent as a fallback; nil when the event does not say.
	IsSMSFallback *bool `json:"is_sms_fallback"`
	// Error is the error Braze or the provider reported (delivery failures).
	Error string `json:"error"`
	// ProviderErrorCode is the provider's own error code (delivery failures).
	ProviderErrorCode string `json:"provider_error_code"`
	// InboundPhoneNumber is the number an inbound message was sent to
	// (InboundReceive and ShortLinkClick).
	InboundPhoneNumber string `json:"inbound_phone_number"`
	// UserPhoneNumber is the user's phone number.
	UserPhoneNumber string `json:"user_phone_number"`
	// Action is what the inbound message did (subscribed, unsubscribed, none).
	Action string `json:"action"`
	// MessageBody is the text of the inbound message.
	MessageBody string `json:"message_body"`
	// MediaURLs are the URLs of the media attached to the message.
	MediaURLs []string `json:"media_urls"`
	// URL is the URL clicked.
	URL string `json:"url"`
	// ShortURL is the shortened link clicked (ShortLinkClick).
	ShortURL string `json:"short_url"`
}

// WhatsAppProperties are the properties of users.messages.whatsapp.* events.
type WhatsAppProperties struct {
	Common
	// ToPhoneNumber is the recipient's phone number (E.164).
	ToPhoneNumber string `json:"to_phone_number"`
	// FromPhoneNumber is the sending phone number.
	FromPhoneNumber string `json:"from_phone_number"`
	// SubscriptionGroupID is the id of the subscription group.
	SubscriptionGroupID string `json:"subscription_group_id"`
	// Error is the error Braze or the provider reported (delivery failures).
	Error string `json:"error"`
	// ProviderErrorCode is the provider's own error code (delivery failures).
	ProviderErrorCode string `json:"provider_error_code"`
	// InboundPhoneNumber is the number an inbound message was sent to.
	InboundPhoneNumber string `json:"inbound_phone_number"`
	// UserPhoneNumber is the user's phone number.
	UserPhoneNumber string `json:"user_phone_number"`
	// MessageBody is the text of the inbound message.
	MessageBody string `json:"message_body"`
	// MediaURLs are the URLs of the media attached to the message.
	MediaURLs []string `json:"media_urls"`
	// QuickReplyText is the text of the quick-reply button pressed.
	QuickReplyText string `json:"quick_reply_text"`
	// URL is the URL clicked.
	URL string `json:"url"`
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
	ConversionBehavior string `json:"conversion_behavior"`
	// ConversionBehaviorIndex is the index of the conversion behavior reached.
	ConversionBehaviorIndex int64 `json:"conversion_behavior_index"`
}

// CanvasProperties are the properties of users.canvas.* and
// users.canvasstep.* events.
type CanvasProperties struct {
	Common
	// InControlGroup is true when the user is in the control group; nil when the event does not say.
	InControlGroup *bool `json:"in_control_group"`
	// ConversionBehavior is a JSON string describing the conversion event.
	ConversionBehavior string `json:"conversion_behavior"`
	// ConversionBehaviorIndex is the index of the conversion behavior reached.
	ConversionBehaviorIndex int64 `json:"conversion_behavior_index"`
	// ExperimentStepID is the id of the experiment step.
	ExperimentStepID string `json:"experiment_step_id"`
	// ExperimentSplitID is the id of the experiment path the user took.
	ExperimentSplitID string `json:"experiment_split_id"`
	// ExperimentSplitName is that experiment path's name.
	ExperimentSplitName string `json:"experiment_split_name"`
	// NextStepID is the id of the step the user moves to.
	NextStepID string `json:"next_step_id"`
	// NextStepName is that step's name.
	NextStepName string `json:"next_step_name"`
}

// SubscriptionProperties are the properties of subscription and
// subscription-group state changes.
type SubscriptionProperties struct {
	Common
	// SubscriptionStatus is Subscribed or Unsubscribed.
	SubscriptionStatus string `json:"subscription_status"`
	// StateChangeSource is where the change came from (REST API, SDK, dashboard, …).
	StateChangeSource string `json:"state_change_source"`
	// Channel is the messaging channel (email, sms, …).
	Channel string `json:"channel"`
	// ChannelIdentifier is the user's address on the channel.
	ChannelIdentifier string `json:"channel_identifier"`
	// EmailAddress is the email address whose subscription changed.
	EmailAddress string `json:"email_address"`
	// SubscriptionGroupID is the id of the subscription group.
	SubscriptionGroupID string `json:"subscription_group_id"`
	// PhoneNumber is the phone number whose subscription changed.
	PhoneNumber string `json:"phone_number"`
}

// UninstallProperties are the properties of users.behaviors.Uninstall.
type UninstallProperties struct {
	Common
}

// CustomEventProperties are the properties of users.behaviors.CustomEvent.
type CustomEventProperties struct {
	Common
	// Name is the custom event's name.
	Name string `json:"name"`
	// CustomProperties are the event's own properties, raw.
	CustomProperties map[string]json.RawMessage `json:"custom_properties"`
}

// PurchaseProperties are the properties of users.behaviors.Purchase.
type PurchaseProperties struct {
	Common
	// ProductID is the purchased product's id.
	ProductID string `json:"product_id"`
	// Price is the purchase price.
	Price float64 `json:"price"`
	// Currency is the ISO 4217 currency code of Price.
	Currency string `json:"currency"`
	// PurchaseProperties are the purchase's own properties, raw.
	PurchaseProperties map[string]json.RawMessage `json:"purchase_properties"`
}

// SessionProperties are the properties of users.behaviors.app.* events.
type SessionProperties struct {
	Common
	// SessionID identifies the session.
	SessionID string `json:"session_id"`
	// Duration is the session length in seconds (SessionEnd).
	Duration float64 `json:"duration"`
}

// LocationProperties are the properties of users.behaviors.Location.
type LocationProperties struct {
	Common
	// Latitude is the latitude in degrees.
	Latitude float64 `json:"latitude"`
	// Longitude is the longitude in degrees.
	Longitude float64 `json:"longitude"`
	// Altitude is the altitude in metres.
	Altitude float64 `json:"altitude"`
	// LLAccuracy is the latitude/longitude accuracy in metres.
	LLAccuracy float64 `json:"ll_accuracy"`
	// AltAccuracy is the altitude accuracy in metres.
	AltAccuracy float64 `json:"alt_accuracy"`
}

// InstallAttributionProperties are the properties of
// users.behaviors.InstallAttribution.
type InstallAttributionProperties struct {
	Common
	// Source is the attribution source (the install's network).
	Source string `json:"source"`
}

// PushTokenProperties are the properties of
// users.behaviors.pushnotification.TokenStateChange.
type PushTokenProperties struct {
	Common
	// PushToken is the device's push token.
	PushToken string `json:"push_token"`
	// PushTokenStateChangeType is what happened to the token (add, remove, update).
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
