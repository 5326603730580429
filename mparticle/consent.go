package mparticle

import "encoding/json"

// ConsentState is the batch "consent_state" object.
type ConsentState struct {
	// GDPR maps a consent purpose (e.g. "marketing") to its state; a nil
	// value is an explicit null. Keys are written sorted.
	GDPR map[string]*ConsentRecord `json:"gdpr"`
	// CCPA holds the CCPA data-sale opt-out.
	CCPA *CCPAConsent `json:"ccpa"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// CCPAConsent is consent_state.ccpa.
type CCPAConsent struct {
	// DataSaleOptOut is the CCPA data sale opt-out state.
	DataSaleOptOut *ConsentRecord `json:"data_sale_opt_out"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}

// ConsentRecord is one consent state.
type ConsentRecord struct {
	// Regulation names the regulation (optional).
	Regulation string `json:"regulation"`
	// Document is the consent document version.
	Document string `json:"document"`
	// Consented is required; always written.
	Consented bool `json:"consented,always"`
	// TimestampUnixtimeMS is when consent was given or withdrawn.
	TimestampUnixtimeMS int64 `json:"timestamp_unixtime_ms"`
	// Location is where consent was collected (free text).
	Location string `json:"location"`
	// HardwareID is the device id consent was collected on.
	HardwareID string `json:"hardware_id"`

	// Unknown holds fields this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage `json:"-"`
	present fieldSet
}
