package mparticle

import "encoding/json"

// EventType is the "event_type" discriminator of an event envelope.
type EventType string

// The 19 event types of spec §A3.
const (
	EventSessionStart               EventType = "session_start"
	EventSessionEnd                 EventType = "session_end"
	EventScreenView                 EventType = "screen_view"
	EventCustom                     EventType = "custom_event"
	EventCrashReport                EventType = "crash_report"
	EventOptOut                     EventType = "opt_out"
	EventFirstRun                   EventType = "first_run"
	EventPreAttribution             EventType = "pre_attribution"
	EventPushRegistration           EventType = "push_registration"
	EventApplicationStateTransition EventType = "application_state_transition"
	EventPushMessage                EventType = "push_message"
	EventNetworkPerformance         EventType = "network_performance"
	EventBreadcrumb                 EventType = "breadcrumb"
	EventProfile                    EventType = "profile"
	EventPushReaction               EventType = "push_reaction"
	EventCommerce                   EventType = "commerce_event"
	EventUserAttributeChange        EventType = "user_attribute_change"
	EventUserIdentityChange         EventType = "user_identity_change"
	EventUninstall                  EventType = "uninstall"
)

// Event is one element of Batch.Events: the {"event_type", "data"} envelope.
//
// Data holds a pointer to the struct of the event's type, so a type switch
// reads naturally:
//
//	switch d := ev.Data.(type) {
//	case *mparticle.CustomEvent:
//	case *mparticle.CommerceEvent:
//	case *mparticle.UnknownEvent: // an event type this package does not know
//	}
//
// When writing, Type is used if set, else Data.EventType(); Validate reports
// a Type that disagrees with Data. Data is nil only when the envelope had no
// data object (or data was null).
type Event struct {
	// Type is the event_type string.
	Type EventType
	// Data is the event data, one of the *XxxEvent types of this package.
	Data EventData

	// Unknown holds envelope fields other than event_type and data (outbound
	// message_id, message_type, system_notifications ...), as raw JSON.
	Unknown map[string]json.RawMessage
	present fieldSet
}

// EventData is implemented by the data struct of every event type:
// *CustomEvent, *ScreenView, *CommerceEvent, *SessionStart, *SessionEnd,
// *UserAttributeChange, *UserIdentityChange, *PushRegistration, *OptOut,
// *ApplicationStateTransition, *CrashReport, *Breadcrumb, *PushMessage,
// *NetworkPerformance, *Profile, *FirstRun, *Uninstall, *PreAttribution,
// *PushReaction and *UnknownEvent. The interface is sealed.
type EventData interface {
	// EventType returns the event_type this data is written with.
	EventType() EventType
	// Common returns the fields every event type shares.
	Common() *CommonEventData

	decodeJSON(d *decoder) error
	encodeJSON(e *encoder)
}

// CommonEventData holds the data fields every event type shares (spec §A3
// "common data"). Each event struct embeds it.
type CommonEventData struct {
	// TimestampUnixtimeMS is the event time in Unix milliseconds (the server
	// uses its receipt time when absent).
	TimestampUnixtimeMS int64 `json:"timestamp_unixtime_ms"`
	// EventID is set by the server.
	EventID int64 `json:"event_id"`
	// SourceMessageID is a client-generated UUID used for deduplication; on
	// session_start it equals SessionUUID.
	SourceMessageID string `json:"source_message_id"`
	// SessionID is the int64 session id (hashed from SessionUUID).
	SessionID int64 `json:"session_id"`
	// SessionUUID is the session UUID.
	SessionUUID string `json:"session_uuid"`
	// SessionStartUnixtimeMS is when the session started.
	SessionStartUnixtimeMS int64 `json:"session_start_unixtime_ms"`
	// EventStartUnixtimeMS is when a timed event started.
	EventStartUnixtimeMS int64 `json:"event_start_unixtime_ms"`
	// EventNum is the event's sequence number.
	EventNum int64 `json:"event_num"`
	// CustomAttributes are the event attributes (string, number, bool, null,
	// or whatever else the sender put there, kept exactly), written in
	// order.
	CustomAttributes Attributes `json:"custom_attributes"`
	// Location is where the event happened.
	Location *Location `json:"location"`
	// DeviceCurrentState is the device state when the event happened.
	DeviceCurrentState *DeviceCurrentState `json:"device_current_state"`
	// IsGoalDefined is an SDK flag.
	IsGoalDefined Optional[bool] `json:"is_goal_defined"`
	// LifetimeValueChange is a number per the schema and a bool in the Go
	// SDK; kept as sent.
	LifetimeValueChange AttributeValue `json:"lifetime_value_change"`
	// LifetimeValueAttributeName names the LTV attribute.
	LifetimeValueAttributeName string `json:"lifetime_value_attribute_name"`
	// DataConnectionType is offline, wifi or mobile.
	DataConnectionType string `json:"data_connection_type"`
	// ViewController is the iOS view controller.
	ViewController string `json:"view_controller"`
	// IsMainThread is an SDK flag.
	IsMainThread Optional[bool] `json:"is_main_thread"`
	// CanonicalName is the canonical event name.
	CanonicalName string `json:"canonical_name"`
	// EventSystemNotificationInfo is {"type":"gdpr_change"} or null.
	EventSystemNotificationInfo *EventSystemNotificationInfo `json:"event_system_notification_info"`

	present fieldSet
}

// Common returns c itself; it lets every event struct satisfy EventData
// through embedding.
func (c *CommonEventData) Common() *CommonEventData { return c }

// EventSystemNotificationInfo is the event_system_notification_info object.
type EventSystemNotificationInfo struct {
	// Type is for example "gdpr_change".
	Type string `json:"type"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// DeviceCurrentState is the device_current_state object (spec §A4).
type DeviceCurrentState struct {
	// TimeSinceStartMS is the time since app start.
	TimeSinceStartMS Optional[int64] `json:"time_since_start_ms"`
	// BatteryLevel is the battery level.
	BatteryLevel Optional[float64] `json:"battery_level"`
	// DataConnectionType is offline, wifi or mobile.
	DataConnectionType string `json:"data_connection_type"`
	// DataConnectionTypeDetail is the connection detail.
	DataConnectionTypeDetail string `json:"data_connection_type_detail"`
	// GPSState is documented as a boolean but samples send ""; kept as sent.
	GPSState AttributeValue `json:"gps_state"`
	// TotalSystemMemoryUsageBytes is the system memory in use.
	TotalSystemMemoryUsageBytes Optional[int64] `json:"total_system_memory_usage_bytes"`
	// DiskSpaceFreeBytes is the free disk space.
	DiskSpaceFreeBytes Optional[int64] `json:"disk_space_free_bytes"`
	// ExternalDiskSpaceFreeBytes is the free external disk space.
	ExternalDiskSpaceFreeBytes Optional[int64] `json:"external_disk_space_free_bytes"`
	// CPU is the CPU usage.
	CPU string `json:"cpu"`
	// SystemMemoryAvailableBytes is the available memory.
	SystemMemoryAvailableBytes Optional[float64] `json:"system_memory_available_bytes"`
	// SystemMemoryLow is the low-memory flag.
	SystemMemoryLow Optional[bool] `json:"system_memory_low"`
	// SystemMemoryThresholdBytes is the low-memory threshold.
	SystemMemoryThresholdBytes Optional[float64] `json:"system_memory_threshold_bytes"`
	// ApplicationMemoryAvailableBytes is the app's available memory.
	ApplicationMemoryAvailableBytes Optional[float64] `json:"application_memory_available_bytes"`
	// ApplicationMemoryMaxBytes is the app's maximum memory.
	ApplicationMemoryMaxBytes Optional[float64] `json:"application_memory_max_bytes"`
	// ApplicationMemoryTotalBytes is the app's total memory.
	ApplicationMemoryTotalBytes Optional[float64] `json:"application_memory_total_bytes"`
	// DeviceOrientation is an enum string per the docs but samples send
	// integers; kept as sent.
	DeviceOrientation AttributeValue `json:"device_orientation"`
	// StatusBarOrientation is like DeviceOrientation.
	StatusBarOrientation AttributeValue `json:"status_bar_orientation"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// UnknownEvent is the data of an event whose event_type this package does
// not know. It is not an error: the common fields are decoded, everything
// else is kept in Unknown, and the event is written back unchanged.
type UnknownEvent struct {
	// Type is the event_type as received.
	Type EventType `json:"-"`
	CommonEventData
	// CustomFlags are kept like on the known event types.
	CustomFlags Attributes `json:"custom_flags"`

	// Unknown holds every other field, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// EventType returns the received event type.
func (e *UnknownEvent) EventType() EventType { return e.Type }
