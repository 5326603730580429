package mapping

import (
	"strconv"
	"strings"
)

// DiagnosticCode classifies a Diagnostic.
type DiagnosticCode string

// Diagnostic codes. Every change the mapper makes to the data it is given,
// and everything it does not forward, is reported with one of them.
const (
	// ValueChanged: a value was converted to fit Braze (for example a
	// fractional purchase quantity, an unknown gender, a non-numeric $Age).
	ValueChanged DiagnosticCode = "value_changed"
	// Renamed: a key was renamed (reserved property keys "time" and
	// "event_name").
	Renamed DiagnosticCode = "renamed"
	// Flattened: an object or array value was flattened into dotted keys or a
	// comma-joined string (PropertyFlatten).
	Flattened DiagnosticCode = "flattened"
	// Stringified: an object or array value was replaced by its compact JSON
	// (PropertyStringify).
	Stringified DiagnosticCode = "stringified"
	// Truncated: a key or string value longer than 255 characters was cut to
	// 255 characters.
	Truncated DiagnosticCode = "truncated"
	// Split: a purchase with a quantity above Braze's maximum of 100 was split
	// into several purchases.
	Split DiagnosticCode = "split"
	// Dropped: a key or value was not forwarded (PropertyDrop, empty key, a
	// value Braze cannot store, a key collision after a fix).
	Dropped DiagnosticCode = "dropped"
	// Rejected: a whole event was not forwarded because one of its values
	// broke the rules under PropertyReject.
	Rejected DiagnosticCode = "rejected"
	// EventSkipped: an event type that Braze does not take, or one that the
	// settings turn off (screen views, sessions), was not forwarded.
	EventSkipped DiagnosticCode = "event_skipped"
	// UserSkipped: the batch had no usable user identity and produced nothing.
	UserSkipped DiagnosticCode = "user_skipped"
	// LoopGuard: the event came from Braze Currents and was not sent back.
	LoopGuard DiagnosticCode = "loop_guard"
)

// Diagnostic reports one change or omission made while mapping a batch.
type Diagnostic struct {
	// BatchID identifies the batch: its source_request_id, else its batch_id,
	// else "" when the batch carries neither.
	BatchID string `json:"batch_id,omitempty"`
	// EventIndex is the index of the event in the batch's events array, or -1
	// for batch-level data (identities, user attributes).
	EventIndex int `json:"event_index"`
	// EventName is the name of the event or of the Braze object concerned,
	// when there is one.
	EventName string `json:"event_name,omitempty"`
	// Key is the attribute or property key concerned, if any.
	Key string `json:"key,omitempty"`
	// Code classifies the diagnostic.
	Code DiagnosticCode `json:"code"`
	// Reason explains what happened, in words.
	Reason string `json:"reason"`
	// Value is the offending value, shortened to 64 characters, if useful.
	Value string `json:"value,omitempty"`
}

// String formats d on one line, for logs.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(string(d.Code))
	if d.BatchID != "" {
		b.WriteString(" batch=")
		b.WriteString(strconv.Quote(d.BatchID))
	}
	if d.EventIndex >= 0 {
		b.WriteString(" event=")
		b.WriteString(strconv.Itoa(d.EventIndex))
	}
	if d.EventName != "" {
		b.WriteString(" name=")
		b.WriteString(strconv.Quote(d.EventName))
	}
	if d.Key != "" {
		b.WriteString(" key=")
		b.WriteString(strconv.Quote(d.Key))
	}
	b.WriteString(": ")
	b.WriteString(d.Reason)
	if d.Value != "" {
		b.WriteString(" (value ")
		b.WriteString(strconv.Quote(d.Value))
		b.WriteString(")")
	}
	return b.String()
}

// maxDiagValue bounds Diagnostic.Value so diagnostics stay small.
const maxDiagValue = 64

// shortValue shortens s for Diagnostic.Value.
func shortValue(s string) string {
	if len(s) <= maxDiagValue {
		return s
	}
	r := []rune(s)
	if len(r) <= maxDiagValue {
		return s
	}
	return string(r[:maxDiagValue-1]) + "…"
}
