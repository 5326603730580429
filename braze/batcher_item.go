package braze

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrClosed is returned by a Batcher that has been closed, and wraps the
// reason of every object that a Close deadline cut off before delivery.
var ErrClosed = errors.New("braze: batcher closed")

// ErrQueueFull is returned by Batcher.Add when the queue holds
// BatchOptions.MaxQueuedObjects objects and the policy is QueueFullError.
var ErrQueueFull = errors.New("braze: batcher queue full")

// ObjectKind says which /users/track array an object belongs to. The values
// are in Braze's processing order: inside one request Braze applies every
// attributes object, then every event, then every purchase.
type ObjectKind uint8

// The three kinds of /users/track object, in Braze's processing order.
// They are named Object… so they cannot be mistaken for the value kinds
// (KindString, KindInt, …) of the same package.
const (
	ObjectAttributes ObjectKind = iota + 1
	ObjectEvent
	ObjectPurchase
)

// String returns the name of the request array of the kind ("attributes",
// "events", "purchases").
func (k ObjectKind) String() string {
	switch k {
	case ObjectAttributes:
		return "attributes"
	case ObjectEvent:
		return "events"
	case ObjectPurchase:
		return "purchases"
	}
	return "ObjectKind(" + strconv.Itoa(int(k)) + ")"
}

// Item is one /users/track object handed to a Batcher: exactly one of
// Attributes, Event and Purchase is set. Batcher.Add encodes the object, so
// changes made to it after Add are not sent. By default the batcher keeps
// the pointer until the object's Result, which hands it back; with
// BatchOptions.ForgetObjects it keeps only Ref, and the caller may reuse
// the object's memory as soon as Add returns.
type Item struct {
	// Attributes is an attributes object (profile fields, custom
	// attributes, push tokens, …).
	Attributes *Attributes
	// Event is a custom event.
	Event *Event
	// Purchase is a purchase.
	Purchase *Purchase
	// Ref is any value of the caller's (a message id, a batch pointer, …);
	// the batcher never looks at it and returns it in the item's Result.
	Ref any
}

// AttributesItem returns an Item carrying a.
func AttributesItem(a *Attributes) Item { return Item{Attributes: a} }

// EventItem returns an Item carrying e.
func EventItem(e *Event) Item { return Item{Event: e} }

// PurchaseItem returns an Item carrying p.
func PurchaseItem(p *Purchase) Item { return Item{Purchase: p} }

// Kind reports which object the item carries, or 0 when it does not carry
// exactly one.
func (it Item) Kind() ObjectKind {
	var k ObjectKind
	n := 0
	if it.Attributes != nil {
		k, n = ObjectAttributes, n+1
	}
	if it.Event != nil {
		k, n = ObjectEvent, n+1
	}
	if it.Purchase != nil {
		k, n = ObjectPurchase, n+1
	}
	if n != 1 {
		return 0
	}
	return k
}

// identifier returns the carried object's identifier, in place; kind is
// it.Kind() and must not be 0.
func (it *Item) identifier(kind ObjectKind) *Identifier {
	switch kind {
	case ObjectAttributes:
		return &it.Attributes.Identifier
	case ObjectEvent:
		return &it.Event.Identifier
	}
	return &it.Purchase.Identifier
}

// Identifier returns the identifier of the carried object (zero when the item
// carries none).
func (it Item) Identifier() Identifier {
	switch it.Kind() {
	case ObjectAttributes:
		return it.Attributes.Identifier
	case ObjectEvent:
		return it.Event.Identifier
	case ObjectPurchase:
		return it.Purchase.Identifier
	}
	return Identifier{}
}

// Result is the outcome of one Item: Err is nil when Braze accepted the
// object (HTTP 201 without an error for it), otherwise the reason it was not
// delivered. Reasons are a *RejectedError (Braze refused this object), a
// *APIError or *TransportError (the request failed, after the client's
// retries), or an error wrapping ErrClosed (Close's deadline cut delivery
// off). An object that breaks Braze's rules has no Result: Batcher.Add
// refused it (ItemErrors).
//
// Kind and Object describe the object whatever BatchOptions.ForgetObjects
// says, so a Result can be logged, counted by kind or dead-lettered without
// the object itself.
type Result struct {
	// Item is the item as it was added (its Ref included). With
	// BatchOptions.ForgetObjects its Attributes, Event and Purchase are
	// nil and only Ref is set.
	Item Item
	// Kind is the kind of the object (always set).
	Kind ObjectKind
	// Object is the object's JSON exactly as it was sent (or would have
	// been): Add's encoding of the object as it was during Add, one JSON
	// object as it appears in the request's "attributes", "events" or
	// "purchases" array. Always set. The batcher never changes or reuses
	// these bytes, so they stay valid for as long as the caller keeps
	// them, after Flush, Close and later Adds (keeping them may keep
	// alive the memory of the JSON of other objects added about the same
	// time, which shares their allocation). Treat them as read-only:
	// OnResult and the FlushReport hand out the same bytes.
	Object json.RawMessage
	// Err is nil when the object was delivered, else the reason.
	Err error
}

// Delivered reports whether Braze accepted the object.
func (r Result) Delivered() bool { return r.Err == nil }

// RejectedError reports that Braze refused one object of a /users/track
// request; the other objects of that request were processed (HTTP 201) or,
// with StatusCode 400, the whole request was refused.
type RejectedError struct {
	// StatusCode is the HTTP status of the response that listed the object.
	StatusCode int
	// ObjectError is Braze's entry for the object; InputArray and Index refer
	// to the request the batcher sent, not to the caller's calls.
	ObjectError ObjectError
}

// Error describes the refusal with Braze's reason text.
func (e *RejectedError) Error() string {
	return fmt.Sprintf("braze: object refused (%s[%d], HTTP %d): %s",
		e.ObjectError.InputArray, e.ObjectError.Index, e.StatusCode, e.ObjectError.Type)
}

// Unwrap returns the ObjectError, so errors.As finds it too.
func (e *RejectedError) Unwrap() error { return e.ObjectError }

// FlushReport summarises the results completed since the previous report
// (Flush and Close each take one). Delivered and Failed count every object;
// Failures holds the failed results themselves, oldest first, up to
// BatchOptions.MaxReportedFailures of them (OnResult sees every one).
type FlushReport struct {
	// Delivered counts objects Braze accepted.
	Delivered int
	// Failed counts objects not delivered.
	Failed int
	// Failures are the failed results, oldest first, at most
	// BatchOptions.MaxReportedFailures of them.
	Failures []Result
}

// Err returns nil when no object failed, otherwise an error that counts the
// failures and quotes the first few reasons.
func (r FlushReport) Err() error {
	if r.Failed == 0 {
		return nil
	}
	return &DeliveryError{Failed: r.Failed, Delivered: r.Delivered, Failures: r.Failures}
}

// DeliveryError is FlushReport.Err's error: some objects were not delivered.
// errors.As on it reaches the individual reasons through Unwrap.
type DeliveryError struct {
	// Failed and Delivered are the report's counts.
	Failed, Delivered int
	// Failures are the report's failed results.
	Failures []Result
}

// Error counts the failures and quotes up to three reasons.
func (e *DeliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "braze: %d of %d objects not delivered", e.Failed, e.Failed+e.Delivered)
	for i, f := range e.Failures {
		if i == 3 {
			fmt.Fprintf(&b, "; …")
			break
		}
		sep := ": "
		if i > 0 {
			sep = "; "
		}
		b.WriteString(sep)
		b.WriteString(f.Err.Error())
	}
	return b.String()
}

// Unwrap returns the reasons of the reported failures.
func (e *DeliveryError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failures))
	for _, f := range e.Failures {
		errs = append(errs, f.Err)
	}
	return errs
}
