package braze

import (
	"fmt"
	"strconv"
)

// The input_array names Braze uses in per-object errors.
const (
	InputAttributes = "attributes"
	InputEvents     = "events"
	InputPurchases  = "purchases"
)

// TrackRequest is the body of POST /users/track. Braze applies a request's
// attributes first, then its events, then its purchases, whatever their
// order in the JSON.
type TrackRequest struct {
	// Attributes are profile updates.
	Attributes []Attributes `json:"attributes,omitempty"`
	// Events are custom events.
	Events []Event `json:"events,omitempty"`
	// Purchases are purchases.
	Purchases []Purchase `json:"purchases,omitempty"`
}

// Len returns the number of objects in the request.
func (r *TrackRequest) Len() int {
	return len(r.Attributes) + len(r.Events) + len(r.Purchases)
}

// MarshalJSON encodes the request with the package's hand-written encoder;
// the bytes equal what encoding/json would produce for the same data.
func (r TrackRequest) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// AppendJSON appends the request body to dst. Reusing dst across requests
// keeps encoding allocation-free apart from growth.
func (r *TrackRequest) AppendJSON(dst []byte) ([]byte, error) {
	var chk trackCheck
	return r.appendJSON(dst, &chk)
}

// trackCheck is the state of one request's encoding: the encoder state its
// objects share and, when enc.check is set, the objects holding a property
// or custom attribute that is not plain (see appendValidated).
type trackCheck struct {
	enc memberEncoder
	// attributes, events and purchases list the irregular objects.
	attributes, events, purchases []int
}

// appendJSON is AppendJSON; with chk.enc.check set it collects the
// irregular objects in chk.
func (r *TrackRequest) appendJSON(dst []byte, chk *trackCheck) ([]byte, error) {
	w := beginObject(dst)
	enc := &chk.enc
	if len(r.Attributes) > 0 {
		w.key(`"attributes":[`)
		for i := range r.Attributes {
			enc.irregular = false
			var err error
			w.buf, err = r.Attributes[i].appendJSON(w.buf, enc)
			if err != nil {
				return w.buf, fmt.Errorf("braze: encoding attributes[%d]: %w", i, err)
			}
			if enc.irregular {
				chk.attributes = append(chk.attributes, i)
			}
			w.comma()
		}
		w.buf[len(w.buf)-1] = ']'
		w.comma()
	}
	if len(r.Events) > 0 {
		w.key(`"events":[`)
		for i := range r.Events {
			enc.irregular = false
			var err error
			w.buf, err = r.Events[i].appendJSON(w.buf, enc)
			if err != nil {
				return w.buf, fmt.Errorf("braze: encoding events[%d]: %w", i, err)
			}
			if enc.irregular {
				chk.events = append(chk.events, i)
			}
			w.comma()
		}
		w.buf[len(w.buf)-1] = ']'
		w.comma()
	}
	if len(r.Purchases) > 0 {
		w.key(`"purchases":[`)
		for i := range r.Purchases {
			enc.irregular = false
			var err error
			w.buf, err = r.Purchases[i].appendJSON(w.buf, enc)
			if err != nil {
				return w.buf, fmt.Errorf("braze: encoding purchases[%d]: %w", i, err)
			}
			if enc.irregular {
				chk.purchases = append(chk.purchases, i)
			}
			w.comma()
		}
		w.buf[len(w.buf)-1] = ']'
		w.comma()
	}
	return w.finish()
}

// TrackResponse is the body of a /users/track answer. A 201 may carry
// per-object Errors; objects not listed there were accepted.
type TrackResponse struct {
	// Message is "success" or the fatal error text.
	Message string `json:"message"`
	// AttributesProcessed counts queued attribute objects (0 when the
	// request had none).
	AttributesProcessed int `json:"attributes_processed,omitempty"`
	// EventsProcessed counts queued events.
	EventsProcessed int `json:"events_processed,omitempty"`
	// PurchasesProcessed counts queued purchases.
	PurchasesProcessed int `json:"purchases_processed,omitempty"`
	// Errors lists the objects Braze rejected.
	Errors []ObjectError `json:"errors,omitempty"`
}

// ObjectError is Braze's report of one rejected object: Index is the
// 0-based position within the array named by InputArray ("attributes",
// "events" or "purchases").
type ObjectError struct {
	// Type is Braze's description or code of the problem.
	Type string `json:"type"`
	// InputArray is "attributes", "events" or "purchases".
	InputArray string `json:"input_array"`
	// Index is the object's 0-based position in that array.
	Index int `json:"index"`
}

// Error formats the error as "events[1]: <type>", so an ObjectError can be
// reported as the reason an object failed.
func (e ObjectError) Error() string {
	return e.InputArray + "[" + strconv.Itoa(e.Index) + "]: " + e.Type
}
