package mapping

import (
	"encoding/json"

	"github.com/mpbraze/mpbraze/mparticle"
)

// Loop guard.
//
// Batches that the Currents path builds from Braze engagement events are
// marked on every event with custom_flags[OriginFlag] = OriginBrazeCurrents.
// The forward path (Mapper.Map) recognises the mark and produces no Braze
// objects for such events, so data that came from Braze is never sent back to
// Braze, even when the same mParticle workspace forwards to Braze.
const (
	// OriginFlag is the custom_flags key that records where an event came from.
	OriginFlag = "mpbraze_origin"
	// OriginBrazeCurrents is the OriginFlag value of events built from Braze
	// Currents.
	OriginBrazeCurrents = "braze_currents"
)

// IsFromBrazeCurrents reports whether b came from Braze Currents: whether any
// of its events carries custom_flags[OriginFlag] == OriginBrazeCurrents.
// Mapper.Map produces no Braze objects for such a batch.
func IsFromBrazeCurrents(b *mparticle.Batch) bool {
	if b == nil {
		return false
	}
	for i := range b.Events {
		if isFromBrazeCurrents(b.Events[i].Data) {
			return true
		}
	}
	return false
}

// isFromBrazeCurrents reports whether one event carries the loop-guard mark,
// in its custom_flags or, for event types without custom_flags (uninstall),
// in a custom_flags object kept among its unknown fields.
func isFromBrazeCurrents(d mparticle.EventData) bool {
	var flags mparticle.Attributes
	var unknown map[string]json.RawMessage
	switch e := any(d).(type) {
	case *mparticle.CustomEvent:
		flags, unknown = e.CustomFlags, e.Unknown
	case *mparticle.ScreenView:
		flags, unknown = e.CustomFlags, e.Unknown
	case *mparticle.CommerceEvent:
		flags, unknown = e.CustomFlags, e.Unknown
	case *mparticle.UnknownEvent:
		flags, unknown = e.CustomFlags, e.Unknown
	case *mparticle.Uninstall:
		unknown = e.Unknown
	case nil:
		return false
	}
	return carriesMark(flags, unknown)
}

// carriesMark reports whether an event with these custom_flags and unknown
// fields carries the loop-guard mark (see isFromBrazeCurrents). Callers
// that know the event's type already pass its fields straight here.
func carriesMark(flags mparticle.Attributes, unknown map[string]json.RawMessage) bool {
	if v, ok := flags.Get(OriginFlag); ok {
		s, _ := v.Str()
		return s == OriginBrazeCurrents
	}
	if len(unknown) == 0 { // the usual case: no lookup (a call, even into a nil map)
		return false
	}
	if raw, ok := unknown["custom_flags"]; ok {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			s, _ := m[OriginFlag].(string)
			return s == OriginBrazeCurrents
		}
	}
	return false
}
