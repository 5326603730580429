package currents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Body is the request body of the Custom HTTP connector: {"events": [...]}.
type Body struct {
	// Events are the body's events, in order.
	Events []Event `json:"events"`
}

// DecodeBody decodes a whole Custom HTTP connector body. Unknown top-level
// keys are ignored; a missing or malformed "events" array, malformed JSON and
// trailing data are errors, reported as [*FieldError] where a field is at
// fault (for example "events[3].time: \"soon\" is not an integer").
func DecodeBody(data []byte) ([]Event, error) {
	return readAll(NewDecoder(bytes.NewReader(data)))
}

// EncodeBody encodes events as a Custom HTTP connector body; DecodeBody of
// the result returns equal events.
func EncodeBody(events []Event) ([]byte, error) {
	if events == nil {
		events = []Event{}
	}
	return json.Marshal(Body{Events: events})
}

// Decoder reads the events of a Custom HTTP connector body one at a time,
// so a large body never needs to be held as a whole.
type Decoder struct {
	dec      *json.Decoder
	state    decoderState
	index    int
	sawArray bool
	err      error
}

type decoderState int

const (
	stateStart   decoderState = iota // before the opening brace
	stateKeys                        // between top-level keys
	stateInArray                     // inside the events array
	stateDone                        // body fully read
)

// NewDecoder returns a Decoder reading from r. Errors from r (for example
// [net/http.MaxBytesError]) are returned wrapped, so errors.As finds them.
func NewDecoder(r io.Reader) *Decoder {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return &Decoder{dec: dec}
}

// Next returns the next event, or io.EOF once the whole body has been read
// and found well-formed. After any other error, Next keeps returning it.
func (d *Decoder) Next() (Event, error) {
	if d.err != nil {
		return Event{}, d.err
	}
	ev, err := d.next()
	if err != nil {
		d.err = err
	}
	return ev, err
}

func (d *Decoder) next() (Event, error) {
	for {
		switch d.state {
		case stateStart:
			if err := d.expectDelim('{', "body"); err != nil {
				return Event{}, err
			}
			d.state = stateKeys
		case stateKeys:
			if !d.dec.More() {
				if err := d.expectDelim('}', "body"); err != nil {
					return Event{}, err
				}
				if !d.sawArray {
					return Event{}, &FieldError{Path: "events", Err: errors.New("missing")}
				}
				if _, err := d.dec.Token(); err != io.EOF {
					return Event{}, &FieldError{Path: "body", Err: errors.New("unexpected data after the JSON object")}
				}
				d.state = stateDone
				continue
			}
			key, err := d.token("body")
			if err != nil {
				return Event{}, err
			}
			k, _ := key.(string)
			if k != "events" {
				var skip json.RawMessage
				if err := d.dec.Decode(&skip); err != nil {
					return Event{}, d.syntax(k, err)
				}
				continue
			}
			if d.sawArray {
				return Event{}, &FieldError{Path: "events", Err: errors.New("appears twice")}
			}
			d.sawArray = true
			tok, err := d.token("events")
			if err != nil {
				return Event{}, err
			}
			if tok == nil { // "events": null carries no events
				continue
			}
			if delim, ok := tok.(json.Delim); !ok || delim != '[' {
				return Event{}, &FieldError{Path: "events", Err: fmt.Errorf("%v is not an array", tok)}
			}
			d.state = stateInArray
		case stateInArray:
			if !d.dec.More() {
				if err := d.expectDelim(']', "events"); err != nil {
					return Event{}, err
				}
				d.state = stateKeys
				continue
			}
			var raw json.RawMessage
			if err := d.dec.Decode(&raw); err != nil {
				return Event{}, d.syntax(fmt.Sprintf("events[%d]", d.index), err)
			}
			// raw is the decoder's validated copy: split it in place.
			var ev Event
			if err := ev.decodeOwned(raw); err != nil {
				return Event{}, prefixed(fmt.Sprintf("events[%d]", d.index), err)
			}
			d.index++
			return ev, nil
		case stateDone:
			return Event{}, io.EOF
		}
	}
}

// token reads the next JSON token, turning errors into FieldErrors at path.
func (d *Decoder) token(path string) (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(path, err)
	}
	return tok, nil
}

func (d *Decoder) expectDelim(want json.Delim, path string) error {
	tok, err := d.token(path)
	if err != nil {
		return err
	}
	if delim, ok := tok.(json.Delim); !ok || delim != want {
		if path == "body" && want == '{' {
			return &FieldError{Path: path, Err: errors.New("not a JSON object")}
		}
		return &FieldError{Path: path, Err: fmt.Errorf("unexpected %v", tok)}
	}
	return nil
}

// syntax wraps a decoding error: reader errors stay reachable through
// errors.As, JSON syntax errors get the byte offset, and a body that ends
// early says so.
func (d *Decoder) syntax(path string, err error) error {
	if path == "" {
		path = "body"
	}
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Path: path, Err: errors.New("body ends early (truncated JSON)")}
	case errors.As(err, &se):
		return &FieldError{Path: path, Err: fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)}
	}
	return &FieldError{Path: path, Err: err}
}
