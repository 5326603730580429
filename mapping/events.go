package mapping

import (
	"strings"

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

// emitEvent appends a Braze event unless its properties were rejected.
func (st *mapState) emitEvent(name string, c *mparticle.CommonEventData, p *props) {
	if p != nil && p.rejected {
		return
	}
	name = st.eventName(name)
	if name == "" {
		return
	}
	e := braze.Event{Identifier: st.res.Identifier, Name: name, Time: st.evTime, UpdateExistingOnly: st.ueo}
	if p != nil {
		e.Properties = p.result()
	}
	st.res.Events = append(st.res.Events, e)
}

// eventName checks a Braze event or product name: it must not be empty
// and is cut to 255 characters.
func (st *mapState) eventName(name string) string {
	if strings.TrimSpace(name) == "" {
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
	p := st.newPropsFor(len(d.CustomAttributes))
	p.addCustom(d.CustomAttributes)
	st.emitEvent(d.EventName, &d.CommonEventData, p)
	if p.rejected {
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
	if strings.TrimSpace(d.ScreenName) == "" {
		st.diag(Dropped, "", "screen view without a screen name; not sent", "")
		return
	}
	p := st.newProps()
	p.addCustom(d.CustomAttributes)
	st.emitEvent(st.m.s.ScreenViewPrefix+d.ScreenName, &d.CommonEventData, p)
	if !p.rejected {
		st.eventAttributeMappings(screenViewTypeNumber, d.ScreenName, d.CustomAttributes)
	}
}

// sessionEvent maps a session start or end (only with
// ForwardSessionEvents) with a session_id property: the session UUID, else
// the numeric session id.
func (st *mapState) sessionEvent(name string, c *mparticle.CommonEventData) {
	st.evName = name
	if !st.m.s.ForwardSessionEvents {
		st.diag(EventSkipped, "", "session event not forwarded (ForwardSessionEvents is off)", "")
		return
	}
	p := st.newProps()
	switch {
	case c.SessionUUID != "":
		p.setOwn("session_id", st.stringValue("session_id", c.SessionUUID, false))
	case c.SessionID != 0:
		p.setOwn("session_id", braze.Int(c.SessionID))
	}
	p.addCustom(c.CustomAttributes)
	st.emitEvent(name, c, p)
}
