package braze

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is one custom event of /users/track.
type Event struct {
	Identifier

	// AppID optionally names the Braze app the event belongs to.
	AppID string `json:"app_id,omitempty"`
	// Name is the event name (required, at most 255 characters).
	Name string `json:"name"`
	// Time is when the event happened (required); sent as RFC 3339 UTC.
	// Braze treats future times as now.
	Time time.Time `json:"time"`
	// Properties are the event properties, encoded in their order. Keys
	// are unique, non-empty, at most 255 characters, without a leading '$',
	// and not "time" or "event_name".
	Properties Properties `json:"properties,omitempty"`
	// UpdateExistingOnly sets _update_existing_only (nil leaves it out).
	UpdateExistingOnly *bool `json:"_update_existing_only,omitempty"`
}

// MarshalJSON encodes the event; properties are written in their order.
func (e Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(nil) }

// AppendJSON appends the event's JSON encoding to dst.
func (e *Event) AppendJSON(dst []byte) ([]byte, error) {
	var enc memberEncoder
	return e.appendJSON(dst, &enc)
}

// appendJSON is AppendJSON with the request's shared encoder state (see
// TrackRequest.appendValidated).
func (e *Event) appendJSON(dst []byte, enc *memberEncoder) ([]byte, error) {
	if enc.check && !enc.irregular && !e.plainFields() {
		enc.irregular = true
	}
	w := beginObject(dst)
	writeIdentifier(&w, &e.Identifier)
	if e.AppID != "" {
		w.str(`"app_id":`, e.AppID)
	}
	w.str(`"name":`, e.Name)
	var err error
	w.buf, err = enc.stamp.appendTimeField(w.buf, e.Time)
	w.setErr(err)
	writeProperties(&w, e.Properties, enc)
	if e.UpdateExistingOnly != nil {
		w.key(`"_update_existing_only":`)
		w.buf = appendBool(w.buf, *e.UpdateExistingOnly)
		w.comma()
	}
	return w.finish()
}

// writeProperties writes non-empty properties in their order, checking
// them when enc.check is set.
func writeProperties(w *fieldWriter, props Properties, enc *memberEncoder) {
	if len(props) == 0 {
		return
	}
	// The key and the object's brace in one append; appendMembers returns
	// its error rather than setting pw.err, and finish's turning of the
	// last comma into the closing brace is done here, followed by the
	// comma after the member, in one store of w.buf.
	pw := fieldWriter{buf: append(w.buf, `"properties":{`...)}
	err := appendMembers(&pw, props, propertyMember, enc)
	buf := pw.buf
	if buf[len(buf)-1] == ',' {
		buf[len(buf)-1] = '}'
	} else {
		buf = append(buf, '}')
	}
	w.buf = append(buf, ',')
	if err != nil {
		w.setErr(fmt.Errorf("properties: %w", err))
	}
}

// eventFields is Event without its methods, for decoding with encoding/json.
type eventFields Event

// UnmarshalJSON decodes an event object; the properties keep the
// document's order.
func (e *Event) UnmarshalJSON(data []byte) error {
	var f eventFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*e = Event(f)
	return nil
}
