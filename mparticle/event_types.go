package mparticle

import "encoding/json"

// CustomEventType is custom_event.custom_event_type.
type CustomEventType string

// Custom event types of spec §A3.
const (
	CustomNavigation     CustomEventType = "navigation"
	CustomLocation       CustomEventType = "location"
	CustomSearch         CustomEventType = "search"
	CustomTransaction    CustomEventType = "transaction"
	CustomUserContent    CustomEventType = "user_content"
	CustomUserPreference CustomEventType = "user_preference"
	CustomSocial         CustomEventType = "social"
	CustomOther          CustomEventType = "other"
	CustomMedia          CustomEventType = "media"
	CustomAttribution    CustomEventType = "attribution"
)

// CustomEvent is the data of a custom_event.
type CustomEvent struct {
	CommonEventData
	// EventName is required, at most 256 characters.
	EventName string `json:"event_name"`
	// CustomEventType is required.
	CustomEventType CustomEventType `json:"custom_event_type"`
	// CustomFlags are per-integration flags (documented as strings; kept as
	// sent), written in order.
	CustomFlags Attributes `json:"custom_flags"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventCustom.
func (*CustomEvent) EventType() EventType { return EventCustom }

// ScreenView is the data of a screen_view.
type ScreenView struct {
	CommonEventData
	// ScreenName is required.
	ScreenName string `json:"screen_name"`
	// ActivityType is the Android activity type.
	ActivityType string `json:"activity_type"`
	// CustomFlags are per-integration flags, written in order.
	CustomFlags Attributes `json:"custom_flags"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventScreenView.
func (*ScreenView) EventType() EventType { return EventScreenView }

// SessionStart is the data of a session_start (common fields only).
type SessionStart struct {
	CommonEventData

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventSessionStart.
func (*SessionStart) EventType() EventType { return EventSessionStart }

// SessionEnd is the data of a session_end.
type SessionEnd struct {
	CommonEventData
	// SessionDurationMS is the session length.
	SessionDurationMS int64 `json:"session_duration_ms"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventSessionEnd.
func (*SessionEnd) EventType() EventType { return EventSessionEnd }

// FirstRun is the data of a first_run (common fields only).
type FirstRun struct {
	CommonEventData

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventFirstRun.
func (*FirstRun) EventType() EventType { return EventFirstRun }

// Uninstall is the data of an uninstall (common fields only).
type Uninstall struct {
	CommonEventData

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventUninstall.
func (*Uninstall) EventType() EventType { return EventUninstall }

// PreAttribution is the data of a pre_attribution (common fields only).
type PreAttribution struct {
	CommonEventData

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventPreAttribution.
func (*PreAttribution) EventType() EventType { return EventPreAttribution }

// PushReaction is the data of a push_reaction (no documented fields beyond
// the common ones; everything else is kept in Unknown).
type PushReaction struct {
	CommonEventData

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventPushReaction.
func (*PushReaction) EventType() EventType { return EventPushReaction }

// CrashReport is the data of a crash_report.
type CrashReport struct {
	CommonEventData
	// Breadcrumbs are the breadcrumbs leading to the crash.
	Breadcrumbs []string `json:"breadcrumbs"`
	// ClassName is the exception class.
	ClassName string `json:"class_name"`
	// Severity is the severity.
	Severity string `json:"severity"`
	// Message is the exception message.
	Message string `json:"message"`
	// StackTrace is the stack trace.
	StackTrace string `json:"stack_trace"`
	// ExceptionHandled says whether the exception was caught.
	ExceptionHandled Optional[bool] `json:"exception_handled"`
	// TopmostContext is the topmost context.
	TopmostContext string `json:"topmost_context"`
	// PLCrashReportFileBase64 is a base64 PLCrashReporter file.
	PLCrashReportFileBase64 string `json:"pl_crash_report_file_base64"`
	// IOSImageBaseAddress is the iOS image base address.
	IOSImageBaseAddress Optional[int64] `json:"ios_image_base_address"`
	// IOSImageSize is the iOS image size.
	IOSImageSize Optional[int64] `json:"ios_image_size"`
	// SessionNumber is the session number.
	SessionNumber Optional[int64] `json:"session_number"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventCrashReport.
func (*CrashReport) EventType() EventType { return EventCrashReport }

// OptOut is the data of an opt_out.
type OptOut struct {
	CommonEventData
	// IsOptedOut is required; always written.
	IsOptedOut bool `json:"is_opted_out,always"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventOptOut.
func (*OptOut) EventType() EventType { return EventOptOut }

// PushRegistration is the data of a push_registration.
type PushRegistration struct {
	CommonEventData
	// Register is true to register the token, false to unregister it;
	// required, always written.
	Register bool `json:"register,always"`
	// RegistrationToken is the push token; required.
	RegistrationToken string `json:"registration_token"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventPushRegistration.
func (*PushRegistration) EventType() EventType { return EventPushRegistration }

// ApplicationTransitionType is application_state_transition's
// application_transition_type.
type ApplicationTransitionType string

// Application transition types.
const (
	TransitionInitialized ApplicationTransitionType = "application_initialized"
	TransitionExit        ApplicationTransitionType = "application_exit"
	TransitionBackground  ApplicationTransitionType = "application_background"
	TransitionForeground  ApplicationTransitionType = "application_foreground"
)

// ApplicationStateTransition is the data of an application_state_transition.
type ApplicationStateTransition struct {
	CommonEventData
	// ApplicationTransitionType is required.
	ApplicationTransitionType ApplicationTransitionType `json:"application_transition_type"`
	// IsFirstRun is set on application_initialized only.
	IsFirstRun Optional[bool] `json:"is_first_run"`
	// IsUpgrade is set on application_initialized only.
	IsUpgrade Optional[bool] `json:"is_upgrade"`
	// SuccessfullyClosed says whether the previous run closed cleanly.
	SuccessfullyClosed Optional[bool] `json:"successfully_closed"`
	// PushNotificationPayload is a JSON string.
	PushNotificationPayload string `json:"push_notification_payload"`
	// LaunchReferral is the launch referral.
	LaunchReferral string `json:"launch_referral"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventApplicationStateTransition.
func (*ApplicationStateTransition) EventType() EventType {
	return EventApplicationStateTransition
}

// Breadcrumb is the data of a breadcrumb.
type Breadcrumb struct {
	CommonEventData
	// Label is required.
	Label string `json:"label"`
	// SessionNumber is the session number.
	SessionNumber Optional[int64] `json:"session_number"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventBreadcrumb.
func (*Breadcrumb) EventType() EventType { return EventBreadcrumb }

// PushMessageType is push_message.push_message_type.
type PushMessageType string

// Push message types.
const (
	PushMessageSent     PushMessageType = "sent"
	PushMessageReceived PushMessageType = "received"
	PushMessageAction   PushMessageType = "action"
)

// PushMessage is the data of a push_message.
type PushMessage struct {
	CommonEventData
	// PushMessageType is required: sent, received or action.
	PushMessageType PushMessageType `json:"push_message_type"`
	// PushMessageToken is required.
	PushMessageToken string `json:"push_message_token"`
	// PushNotificationPayload is required (a JSON string).
	PushNotificationPayload string `json:"push_notification_payload"`
	// Message is the message text.
	Message string `json:"message"`
	// Network is apn or gcm.
	Network string `json:"network"`
	// ApplicationState is not_running, background or foreground.
	ApplicationState string `json:"application_state"`
	// ActionIdentifier is at most 100 characters.
	ActionIdentifier string `json:"action_identifier"`
	// PushMessageBehavior is an int bitmask per the JSON reference and a
	// string enum per the OpenAPI file; kept as sent.
	PushMessageBehavior AttributeValue `json:"push_message_behavior"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventPushMessage.
func (*PushMessage) EventType() EventType { return EventPushMessage }

// NetworkPerformance is the data of a network_performance.
type NetworkPerformance struct {
	CommonEventData
	// URL is required.
	URL string `json:"url"`
	// ResponseCode is required; an int per the schema and a string per the
	// JSON reference, kept as sent.
	ResponseCode AttributeValue `json:"response_code"`
	// HTTPVerb is the HTTP method.
	HTTPVerb string `json:"http_verb"`
	// TimeElapsed is the duration in milliseconds.
	TimeElapsed Optional[int64] `json:"time_elapsed"`
	// BytesIn is the response size.
	BytesIn Optional[int64] `json:"bytes_in"`
	// BytesOut is the request size.
	BytesOut Optional[int64] `json:"bytes_out"`
	// Data is base64 request data.
	Data string `json:"data"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventNetworkPerformance.
func (*NetworkPerformance) EventType() EventType { return EventNetworkPerformance }

// ProfileEventType is profile.profile_event_type.
type ProfileEventType string

// Profile event types.
const (
	ProfileSignup ProfileEventType = "signup"
	ProfileLogin  ProfileEventType = "login"
	ProfileLogout ProfileEventType = "logout"
	ProfileUpdate ProfileEventType = "update"
	ProfileDelete ProfileEventType = "delete"
)

// Profile is the data of a profile event.
type Profile struct {
	CommonEventData
	// PreviousMPID is the MPID before the change.
	PreviousMPID Optional[int64] `json:"previous_mpid"`
	// CurrentMPID is the MPID after the change.
	CurrentMPID Optional[int64] `json:"current_mpid"`
	// ProfileEventType is signup, login, logout, update or delete.
	ProfileEventType ProfileEventType `json:"profile_event_type"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventProfile.
func (*Profile) EventType() EventType { return EventProfile }

// UserAttributeChange is the data of a user_attribute_change.
type UserAttributeChange struct {
	CommonEventData
	// UserAttributeName is the attribute key; required.
	UserAttributeName string `json:"user_attribute_name"`
	// New is the new value (string, list or null); required, always written.
	New AttributeValue `json:"new,always"`
	// Old is the previous value (string, list or null); required, always
	// written.
	Old AttributeValue `json:"old,always"`
	// Deleted marks a removed attribute.
	Deleted Optional[bool] `json:"deleted"`
	// IsNewAttribute marks a newly created attribute.
	IsNewAttribute Optional[bool] `json:"is_new_attribute"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventUserAttributeChange.
func (*UserAttributeChange) EventType() EventType { return EventUserAttributeChange }

// UserIdentityChange is the data of a user_identity_change.
type UserIdentityChange struct {
	CommonEventData
	// New is the new identity; nil is written as null.
	New *IdentityChange `json:"new,always"`
	// Old is the previous identity; nil is written as null.
	Old *IdentityChange `json:"old,always"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns EventUserIdentityChange.
func (*UserIdentityChange) EventType() EventType { return EventUserIdentityChange }

// IdentityChange is one side of a user_identity_change.
type IdentityChange struct {
	// IdentityType is the Events API identity key (customer_id, email, ...).
	IdentityType IdentityType `json:"identity_type"`
	// Identity is the identity value.
	Identity string `json:"identity"`
	// TimestampUnixtimeMS is when the identity was set.
	TimestampUnixtimeMS int64 `json:"timestamp_unixtime_ms"`
	// CreatedThisBatch says whether the identity is new in this batch.
	CreatedThisBatch Optional[bool] `json:"created_this_batch"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}
