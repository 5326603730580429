package mparticle

import "encoding/json"

// Batch is one mParticle Events API batch: the events and state of one user
// (spec §A2). It is what POST /events takes and what each element of a POST
// /bulkevents array is.
//
// Decoding is lossless: int64 ids never pass through float64, a field that
// was present with a zero value or as null is written back that way, and
// fields this model does not know are kept in Unknown and written back.
// Attribute objects (user attributes, custom attributes, custom flags) are
// [Attributes] lists written in their order (for decoded input, the order of
// the input); other map fields are written with their keys in sorted order,
// then unknown fields in sorted order, so the output of a given Batch is
// deterministic.
type Batch struct {
	// Events in the order they happened.
	Events []Event `json:"events"`
	// Environment is production (the server default when absent) or
	// development.
	Environment Environment `json:"environment"`
	// SourceRequestID lets mParticle drop a batch it already received (per
	// API key, for 30-60 days).
	SourceRequestID string `json:"source_request_id"`
	// SchemaVersion is set by mParticle on outbound data (2).
	SchemaVersion int64 `json:"schema_version"`
	// MPID is the mParticle user id. It is a full int64 (negative and >2^53
	// values occur), absent, or null.
	MPID Optional[int64] `json:"mpid"`
	// MPDeviceID is the mParticle device id (a UUID).
	MPDeviceID string `json:"mp_deviceid"`
	// IP is the client IP (input only).
	IP string `json:"ip"`
	// UserIdentities are the user's identities (customer id, email, ...).
	UserIdentities *UserIdentities `json:"user_identities"`
	// UserAttributes are the user's attributes; values are strings, string
	// lists or null (null removes the attribute), written in order.
	UserAttributes Attributes `json:"user_attributes"`
	// DeletedUserAttributes names attributes removed from the user.
	DeletedUserAttributes []string `json:"deleted_user_attributes"`
	// DeviceInfo describes the device and its ids.
	DeviceInfo *DeviceInfo `json:"device_info"`
	// ApplicationInfo describes the app.
	ApplicationInfo *ApplicationInfo `json:"application_info"`
	// ConsentState holds GDPR and CCPA consent.
	ConsentState *ConsentState `json:"consent_state"`
	// Context carries the data plan and batch location.
	Context *BatchContext `json:"context"`
	// IntegrationAttributes holds per-integration (module id) string maps.
	IntegrationAttributes map[string]map[string]string `json:"integration_attributes"`
	// PartnerIdentities maps Partner_IdentityName keys to ids.
	PartnerIdentities map[string]string `json:"partner_identities"`
	// PartnerIdentity is an undocumented partner identity field, kept as sent.
	PartnerIdentity AttributeValue `json:"partner_identity"`
	// APIKey is the input key the batch arrived with (outbound data).
	APIKey string `json:"api_key"`
	// APIKeys is an undocumented field of outbound data, kept as sent.
	APIKeys AttributeValue `json:"api_keys"`
	// JobID is set on outbound data produced by a job.
	JobID string `json:"job_id"`
	// SDKVersion is the version of the SDK that sent the batch.
	SDKVersion string `json:"sdk_version"`
	// AttributionInfo names the attribution provider, publisher and campaign.
	AttributionInfo *AttributionInfo `json:"attribution_info"`
	// SourceInfo is set by mParticle on outbound data.
	SourceInfo *SourceInfo `json:"source_info"`
	// TimestampUnixtimeMS is when mParticle received the batch (outbound).
	TimestampUnixtimeMS int64 `json:"timestamp_unixtime_ms"`
	// BatchID is set by mParticle on outbound data.
	BatchID int64 `json:"batch_id"`
	// OriginMPID is the MPID the batch was first received for (outbound).
	OriginMPID Optional[int64] `json:"origin_mpid"`
	// UniqueID is an undocumented outbound field, kept as sent.
	UniqueID AttributeValue `json:"unique_id"`

	// Unknown holds fields this model does not know, as raw JSON, written
	// back after the known fields in sorted key order.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
	// sizeHint is the decoded JSON size, used to size the encode buffer.
	sizeHint int
}

// Environment is a batch's environment.
type Environment string

// Environments of spec §A2.
const (
	EnvironmentProduction  Environment = "production"
	EnvironmentDevelopment Environment = "development"
	EnvironmentUnknown     Environment = "unknown"
)

// BatchContext is the batch "context" object (data plan, location, and the
// Go SDK's batching hints).
type BatchContext struct {
	// DataPlan names the data plan the batch conforms to.
	DataPlan *DataPlan `json:"data_plan"`
	// Location is the batch-level location.
	Location *Location `json:"location"`
	// Batching carries the Go SDK's batching hints.
	Batching *Batching `json:"batching"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// DataPlan is context.data_plan.
type DataPlan struct {
	// PlanID is required when data_plan is present.
	PlanID string `json:"plan_id"`
	// PlanVersion is the plan version.
	PlanVersion Optional[int64] `json:"plan_version"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// Batching is context.batching, sent by mParticle's Go SDK.
type Batching struct {
	// Bypass asks mParticle not to batch.
	Bypass Optional[bool] `json:"bypass"`
	// PartitionKey is the partition key.
	PartitionKey string `json:"partition_key"`
	// RequestIDs lists request ids.
	RequestIDs []string `json:"request_ids"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// AttributionInfo is the batch "attribution_info" object (all three fields
// are required by the schema).
type AttributionInfo struct {
	// ServiceProvider is the attribution provider.
	ServiceProvider string `json:"service_provider"`
	// Publisher is the attributed publisher.
	Publisher string `json:"publisher"`
	// Campaign is the attributed campaign.
	Campaign string `json:"campaign"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// SourceInfo is set by mParticle on outbound batches.
type SourceInfo struct {
	// Channel is one of native, javascript, pixel, desktop, partner,
	// server_to_server, unknown.
	Channel string `json:"channel"`
	// Partner names the partner feed.
	Partner string `json:"partner"`
	// ReplayRequestID is set on replayed data.
	ReplayRequestID string `json:"replay_request_id"`
	// ReplayJobID is set on replayed data.
	ReplayJobID string `json:"replay_job_id"`
	// IsHistorical marks historical uploads.
	IsHistorical Optional[bool] `json:"is_historical"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// Location is a geographic location (on an event or in the batch context).
type Location struct {
	// Latitude is required; always written, 0 included.
	Latitude float64 `json:"latitude,always"`
	// Longitude is required; always written, 0 included.
	Longitude float64 `json:"longitude,always"`
	// Accuracy is in metres.
	Accuracy Optional[float64] `json:"accuracy"`
	// CountryCode is an ISO country code.
	CountryCode string `json:"country_code"`
	// RegionCode is a region code.
	RegionCode string `json:"region_code"`
	// CityName is the city.
	CityName string `json:"city_name"`
	// PostalCode is the postal code.
	PostalCode string `json:"postal_code"`
	// DMACode is the Nielsen designated market area.
	DMACode Optional[int64] `json:"dma_code"`
	// LocationSource is unknown, ip_lookup or lat_long.
	LocationSource string `json:"location_source"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}
