package mparticle

import "reflect"

// newEventData returns an empty data struct for t; unknown types get an
// UnknownEvent that remembers t.
func newEventData(t EventType) EventData {
	switch t {
	case EventCustom:
		return &CustomEvent{}
	case EventScreenView:
		return &ScreenView{}
	case EventCommerce:
		return &CommerceEvent{}
	case EventSessionStart:
		return &SessionStart{}
	case EventSessionEnd:
		return &SessionEnd{}
	case EventUserAttributeChange:
		return &UserAttributeChange{}
	case EventUserIdentityChange:
		return &UserIdentityChange{}
	case EventPushRegistration:
		return &PushRegistration{}
	case EventOptOut:
		return &OptOut{}
	case EventApplicationStateTransition:
		return &ApplicationStateTransition{}
	case EventCrashReport:
		return &CrashReport{}
	case EventBreadcrumb:
		return &Breadcrumb{}
	case EventPushMessage:
		return &PushMessage{}
	case EventNetworkPerformance:
		return &NetworkPerformance{}
	case EventProfile:
		return &Profile{}
	case EventFirstRun:
		return &FirstRun{}
	case EventUninstall:
		return &Uninstall{}
	case EventPreAttribution:
		return &PreAttribution{}
	case EventPushReaction:
		return &PushReaction{}
	}
	return &UnknownEvent{Type: t}
}

// eventData is newEventData taking the struct from the BatchBuffer's pools
// when the decoder reuses memory.
func (d *decoder) eventData(t EventType) EventData {
	if d.reuse == nil {
		return newEventData(t)
	}
	switch t {
	case EventCustom:
		return d.newCustomEvent()
	case EventScreenView:
		return d.newScreenView()
	case EventCommerce:
		return d.newCommerceEvent()
	case EventSessionStart:
		return d.newSessionStart()
	case EventSessionEnd:
		return d.newSessionEnd()
	case EventUserAttributeChange:
		return d.newUserAttributeChange()
	case EventUserIdentityChange:
		return d.newUserIdentityChange()
	case EventPushRegistration:
		return d.newPushRegistration()
	case EventOptOut:
		return d.newOptOut()
	case EventApplicationStateTransition:
		return d.newApplicationStateTransition()
	case EventCrashReport:
		return d.newCrashReport()
	case EventBreadcrumb:
		return d.newBreadcrumb()
	case EventPushMessage:
		return d.newPushMessage()
	case EventNetworkPerformance:
		return d.newNetworkPerformance()
	case EventProfile:
		return d.newProfile()
	case EventFirstRun:
		return d.newFirstRun()
	case EventUninstall:
		return d.newUninstall()
	case EventPreAttribution:
		return d.newPreAttribution()
	case EventPushReaction:
		return d.newPushReaction()
	}
	u := d.newUnknownEvent()
	u.Type = t
	return u
}

// KnownEventType reports whether t is one of the 19 event types this package
// models with its own struct.
func KnownEventType(t EventType) bool {
	_, unknown := newEventData(t).(*UnknownEvent)
	return !unknown
}

// Event presence indexes.
const (
	evFieldType = 0
	evFieldData = 1
)

// decodeJSON reads an envelope in one pass when event_type comes before
// data (the usual order); otherwise data is skipped first and decoded once
// the type is known.
func (ev *Event) decodeJSON(d *decoder) error {
	dataStart, dataEnd := -1, -1
	var err error
	more := d.enterObject()
	if !more {
		more, err = d.objectOpen()
	}
	for more {
		var key []byte
		n := envelopeKeyLen(d.data, d.pos)
		if n == 0 && d.pos < len(d.data) && d.data[d.pos] <= ' ' {
			d.ws() // indented JSON: try again at the key
			n = envelopeKeyLen(d.data, d.pos)
		}
		// n names the member by its key's length: 10 for event_type, 4
		// for data, 0 for any other key.
		if n > 0 {
			d.pos += n + 3
		} else {
			if key, err = d.objectKey(); err != nil {
				return err
			}
			switch string(key) {
			case "event_type", "data":
				n = len(key)
			}
		}
		var ferr error
		switch n {
		case len("event_type"):
			if t, next := eventTypeAt(d.data, d.pos); next > 0 {
				ev.Type = t
				d.pos = next
				ev.present.markPresent(evFieldType)
				break
			}
			var s string
			if start, end, ok := d.plainString(); ok {
				s = d.substr(start, end)
				ev.present.markPresent(evFieldType)
			} else {
				ferr = d.readStringRest(&s, &ev.present, evFieldType)
			}
			ev.Type = EventType(s)
			if ferr != nil {
				return withSeg(ferr, "event_type")
			}
		case len("data"):
			dataStart, dataEnd, ferr = ev.decodeData(d)
			if ferr != nil {
				return withSeg(ferr, "data")
			}
		default:
			if ferr = d.unknown(&ev.Unknown, key); ferr != nil {
				return withSeg(ferr, string(key))
			}
		}
		if !d.comma() {
			if more = !d.closes('}'); more {
				more, err = d.objectNext()
			}
		}
	}
	if err != nil || dataStart < 0 {
		return err
	}
	sub := d.sub(dataStart, dataEnd)
	ev.Data = d.eventData(ev.Type)
	err = ev.Data.decodeJSON(&sub)
	d.attrSlab = sub.attrSlab
	if err != nil {
		return withSeg(err, "data")
	}
	return nil
}

// decodeData reads the value of "data": null, or the data object decoded
// at once when event_type came first, or else skipped and returned as the
// bounds to decode once the type is known (start is -1 when nothing is
// left to do).
func (ev *Event) decodeData(d *decoder) (start, end int, err error) {
	// An object right here is not null: no need to ask null.
	if !d.at('{') {
		if isNull, err := d.null(); isNull || err != nil {
			ev.Data = nil
			ev.present.markNull(evFieldData)
			return -1, -1, err
		}
	}
	ev.present.markPresent(evFieldData)
	if ev.present.isPresent(evFieldType) {
		ev.Data = d.eventData(ev.Type)
		return -1, -1, ev.Data.decodeJSON(d)
	}
	d.ws()
	start = d.pos
	err = d.skip()
	return start, d.pos, err
}

// envelopeKeyLen recognises "event_type": and "data": written plainly at
// data[p] (like the generated match functions do for the model structs,
// a word at a time from the opening quote) and returns the key's length,
// or 0 for anything else. It is small enough to inline.
func envelopeKeyLen(data []byte, p int) int {
	const (
		quoteEventT = 0x745f746e65766522 // `"event_t`, little endian
		tTypeColon  = 0x3a22657079745f74 // `t_type":`, the member's last 8 bytes
		dataMember  = 0x3a226174616422   // `"data":`, 7 bytes
	)
	if p+8 > len(data) {
		return 0
	}
	switch w := keyWord(data, p); {
	case w == quoteEventT:
		if p+13 <= len(data) && keyWord(data, p+5) == tTypeColon {
			return len("event_type")
		}
	case w&0xffffffffffffff == dataMember:
		return len("data")
	}
	return 0
}

// eventTypeAt recognises a known event type written plainly at data[p],
// quotes included, and returns it and the position after its closing
// quote, or 0 for anything else (which the caller then reads as a
// string). No string scan, and the type is the package's constant, not a
// substring of the input: the first word after the opening quote picks
// the candidate, and the word that ends with its closing quote confirms
// it. The two words cover a name of up to 15 bytes; a longer one is
// compared whole.
func eventTypeAt(data []byte, p int) (EventType, int) {
	if p+9 > len(data) || data[p] != '"' {
		return "", 0
	}
	var t EventType
	var last uint64 // the name's last seven bytes and the closing quote
	switch keyWord(data, p+1) {
	case 0x5f6e6f6973736573: // session_: _start or _end
		t, last = EventSessionEnd, 0x22646e655f6e6f69 // `ion_end"`
		if p+9 < len(data) && data[p+9] == 's' {
			t, last = EventSessionStart, 0x2274726174735f6e // `n_start"`
		}
	case 0x765f6e6565726373: // `screen_v`
		t, last = EventScreenView, 0x22776569765f6e65 // `en_view"`
	case 0x655f6d6f74737563: // `custom_e`
		t, last = EventCustom, 0x22746e6576655f6d // `m_event"`
	case 0x65725f6873617263: // `crash_re`
		t, last = EventCrashReport, 0x2274726f7065725f // `_report"`
	case 0x2274756f5f74706f: // `opt_out"`
		t, last = EventOptOut, 0x2274756f5f74706f // `opt_out"`
	case 0x75725f7473726966: // `first_ru`
		t, last = EventFirstRun, 0x226e75725f747372 // `rst_run"`
	case 0x727474615f657270: // `pre_attr`
		t, last = EventPreAttribution, 0x226e6f6974756269 // `ibution"`
	case 0x6765725f68737570: // `push_reg`
		t, last = EventPushRegistration, 0x226e6f6974617274 // `tration"`
	case 0x746163696c707061: // `applicat`
		t, last = EventApplicationStateTransition, 0x226e6f697469736e // `nsition"`
	case 0x73656d5f68737570: // `push_mes`
		t, last = EventPushMessage, 0x226567617373656d // `message"`
	case 0x5f6b726f7774656e: // `network_`
		t, last = EventNetworkPerformance, 0x2265636e616d726f // `ormance"`
	case 0x7572636461657262: // `breadcru`
		t, last = EventBreadcrumb, 0x22626d7572636461 // `adcrumb"`
	case 0x22656c69666f7270: // `profile"`
		t, last = EventProfile, 0x22656c69666f7270 // `profile"`
	case 0x6165725f68737570: // `push_rea`
		t, last = EventPushReaction, 0x226e6f6974636165 // `eaction"`
	case 0x656372656d6d6f63: // `commerce`
		t, last = EventCommerce, 0x22746e6576655f65 // `e_event"`
	case 0x7474615f72657375: // `user_att`
		t, last = EventUserAttributeChange, 0x2265676e6168635f // `_change"`
	case 0x6564695f72657375: // `user_ide`
		t, last = EventUserIdentityChange, 0x2265676e6168635f // `_change"`
	case 0x6c6174736e696e75: // `uninstal`
		t, last = EventUninstall, 0x226c6c6174736e69 // `install"`
	default:
		return "", 0
	}
	end := p + 1 + len(t) // the closing quote; every name has 7 bytes or more
	if end >= len(data) || keyWord(data, end-7) != last || (len(t) > 15 && string(data[p+1:end]) != string(t)) {
		return "", 0
	}
	return t, end + 1
}

// isNilData reports whether data is nil or a typed nil pointer.
func isNilData(data EventData) bool {
	if data == nil {
		return true
	}
	v := reflect.ValueOf(data)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func (ev *Event) encodeJSON(e *encoder) {
	e.buf = append(e.buf, '{')
	t := ev.Type
	hasData := !isNilData(ev.Data)
	if t == "" && hasData {
		t = ev.Data.EventType()
	}
	e.fieldString(`"event_type":`, string(t), false, ev.present, evFieldType)
	if hasData {
		e.key(`"data":`)
		ev.Data.encodeJSON(e)
	} else if ev.present.isPresent(evFieldData) {
		e.key(`"data":`)
		e.null()
	}
	e.unknown(ev.Unknown)
	e.buf = append(e.buf, '}')
}

// MarshalJSON encodes the envelope losslessly: see the Batch documentation.
func (ev Event) MarshalJSON() ([]byte, error) { return marshalModel(&ev) }

// UnmarshalJSON decodes an envelope, choosing the data struct by event_type.
func (ev *Event) UnmarshalJSON(data []byte) error { return unmarshalModel(ev, data) }

// readEvents reads a batch's events. The slice's first allocation is sized
// from the bytes left in the input, at one event per 256 bytes (real events
// are rarely smaller), so that a typical batch's events take one allocation
// instead of growing from 4 to 8.
func (d *decoder) readEvents(p *[]Event, fs *fieldSet, i uint) error {
	return readStructSliceCap(d, p, fs, i, eventsCapacity(len(d.data)-d.pos), slabOfEvent)
}

// eventsCapacity guesses how many events n bytes of JSON hold, between 1
// and 64 (append grows the slice past that).
func eventsCapacity(n int) int {
	return min(max(n/256, 1), 64)
}

func (e *encoder) fieldEvents(k string, v []Event, always bool, fs fieldSet, i uint) {
	fieldStructSlice(e, k, v, always, fs, i)
}

// The UnknownEvent codec comes from json_gen.go; its data struct has the
// same shape as the known types.
