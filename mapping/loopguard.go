package mapping

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
