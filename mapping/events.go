package mapping

import (
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Names of the session events (ForwardSessionEvents).
const (
	// SessionStartEventName is the Braze event of a session start.
	SessionStartEventName = "Session Start"
	// SessionEndEventName is the Braze event of a session end.
	SessionEndEventName = "Session End"
)

// emitEvent appends a Braze event unless its properties were rejected. It
// ends p.
func (st *mapState) emitEvent(name string, c *mparticle.CommonEventData, p *props) {
	if p.rejected {
		p.release()
		return
	}
	name = st.eventName(name)
	if name == "" {
		p.release()
		return
	}
	// The event is set up in place in the slice's zeroed spare room (make
	// and append zero it, and Events is never shortened) rather than built
	// and copied in: a 160-byte copy, with a write barrier per pointer
	// while GC runs.
	evs := st.res.Events
	if evs == nil {
		evs = make([]braze.Event, 0, max(st.est.events, 1))
	}
	evs, ev := appendZeroed(evs)
	ev.Identifier, ev.Name, ev.Time, ev.UpdateExistingOnly = st.res.Identifier, name, st.evTime, st.ueo
	ev.Properties = p.finish()
	st.res.Events = evs
}

// eventName checks a Braze event or product name: it must not be empty
// and is cut to 255 characters.
func (st *mapState) eventName(name string) string {
	if isBlank(name) {
		st.diag(Dropped, "", "event without a name; Braze requires one", "")
		return ""
	}
	if t, cut := truncate(name); cut {
		st.diag(Truncated, "", "name longer than 255 characters cut to 255", name)
		return t
	}
	return name
}

// customEvent maps a custom event: same name, properties from the custom
// attributes with one leading "$" stripped.
func (st *mapState) customEvent(d *mparticle.CustomEvent) {
	st.evName = d.EventName
	p := st.newProps(len(d.CustomAttributes))
	p.addCustom(d.CustomAttributes)
	st.emitEvent(d.EventName, &d.CommonEventData, p)
	if p.rejected || !st.m.hasEventMappings() {
		return
	}
	typeNum, ok := eventTypeNumbers[d.CustomEventType]
	if !ok {
		typeNum = otherTypeNumber
	}
	st.eventAttributeMappings(typeNum, d.EventName, d.CustomAttributes)
}

// screenView maps a screen view (only with ForwardScreenViews), like a
// custom event named ScreenViewPrefix + screen name.
func (st *mapState) screenView(d *mparticle.ScreenView) {
	st.evName = d.ScreenName
	if !st.m.s.ForwardScreenViews {
		st.diag(EventSkipped, "", "screen view not forwarded (ForwardScreenViews is off)", "")
		return
	}
	if isBlank(d.ScreenName) {
		st.diag(Dropped, "", "screen view without a screen name; not sent", "")
		return
	}
	p := st.newProps(len(d.CustomAttributes))
	p.addCustom(d.CustomAttributes)
	// Without a prefix (the default) the name is the screen name itself:
	// no call to the runtime's concatenation.
	name := d.ScreenName
	if pre := st.m.s.ScreenViewPrefix; pre != "" {
		name = pre + name
	}
	st.emitEvent(name, &d.CommonEventData, p)
	if !p.rejected {
		st.eventAttributeMappings(screenViewTypeNumber, d.ScreenName, d.CustomAttributes)
	}
}

// sessionEvent maps a session start or end (only with
// ForwardSessionEvents) with a session_id property, so that a session's
// start and end can be joined on it: the numeric session id; when the event
// has none, the numeric id of another event of the batch with the same
// session UUID; else the session UUID itself. The session UUID, when
// present, is also sent as session_uuid, a join key that does not depend on
// which of the two ids an event carries.
func (st *mapState) sessionEvent(name string, c *mparticle.CommonEventData) {
	st.evName = name
	if !st.m.s.ForwardSessionEvents {
		st.diag(EventSkipped, "", "session event not forwarded (ForwardSessionEvents is off)", "")
		return
	}
	id := c.SessionID
	if id == 0 && c.SessionUUID != "" {
		id = st.sessionIDOf(c.SessionUUID)
	}
	own := 0 // session_id and session_uuid
	if c.SessionUUID != "" {
		own = 2
	} else if id != 0 {
		own = 1
	}
	p := st.newProps(own + len(c.CustomAttributes))
	switch {
	case id != 0:
		p.setOwn("session_id", braze.Int(id))
	case c.SessionUUID != "":
		p.setOwn("session_id", st.stringValue("session_id", c.SessionUUID, false))
	}
	if c.SessionUUID != "" {
		p.setOwn("session_uuid", st.stringValue("session_uuid", c.SessionUUID, false))
	}
	p.addCustom(c.CustomAttributes)
	st.emitEvent(name, c, p)
}

// sessionIDOf returns the numeric session id that another event of the
// batch pairs with the session UUID, or 0.
func (st *mapState) sessionIDOf(uuid string) int64 {
	for i := range st.b.Events {
		if d := st.b.Events[i].Data; d != nil {
			if c := d.Common(); c != nil && c.SessionID != 0 && c.SessionUUID == uuid {
				return c.SessionID
			}
		}
	}
	return 0
}

// appendZeroed extends s by one element and returns it, for the caller to
// set up in place. The element is s's spare room when it has some, which
// the mapper keeps zeroed (make zeroes it, and recycling clears what it
// drops), so nothing is built on the stack and copied in: objects are
// large (an Attributes is 672 bytes on 64-bit) and the copy costs a write
// barrier per pointer while GC runs.
func appendZeroed[T any](s []T) ([]T, *T) {
	n := len(s)
	if n < cap(s) {
		s = s[:n+1]
	} else {
		var zero T
		s = append(s, zero)
	}
	return s, &s[n]
}
