package braze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// errNilRequest is returned for a nil request pointer.
var errNilRequest = errors.New("braze: nil request")

// Track sends a /users/track request (attributes, then events, then
// purchases, in Braze's processing order).
//
// The request is validated first (req.Validate with the client's Limits,
// done in the same pass over the property and custom attribute maps as the
// encoding); an invalid request returns the ValidationErrors without any
// HTTP call.
//
// A 201 answer returns the response and a nil error even when Braze
// rejected some objects: resp.Errors lists them and resp.FailedObjects(req)
// maps them to the request's objects; every object not listed was accepted.
// A 400 in which every object was invalid returns an *APIError carrying the
// per-object Errors. Other failures return *APIError (Braze answered),
// *TransportError (no answer) or the context's error.
//
// Retries resend the same body. After a 5xx or 429 Braze has stored
// nothing, but Braze has no idempotency key: if a connection fails after
// Braze received the request (a timeout while it was processing), a retry
// can store those events and purchases twice. Size the HTTP client's
// timeout generously to keep that window small.
func (c *Client) Track(ctx context.Context, req *TrackRequest) (*TrackResponse, error) {
	if req == nil {
		return nil, errNilRequest
	}
	buf := c.bodyBuffer(req.Len())
	body, err := req.appendValidated(c.limits, buf.b[:0])
	var encErr *encodeError
	if errors.As(err, &encErr) {
		c.releaseBody(buf, nil)
		return nil, fmt.Errorf("braze: encoding /users/track request: %w", encErr.err)
	}
	if err != nil {
		c.releaseBody(buf, nil)
		return nil, markBodyTooLarge(err)
	}
	c.bytesPerObject.Store(int64(len(body) / max(1, req.Len())))
	return c.trackEncoded(ctx, buf, body)
}

// trackEncoded sends an encoded /users/track body held in buf (from
// bodyBufferOf) and recycles buf once the HTTP layer no longer reads body.
// Track sends what it encoded through it, and the Batcher the body it laid
// out from objects it validated and encoded as they were added.
func (c *Client) trackEncoded(ctx context.Context, buf *bodyBuf, body []byte) (*TrackResponse, error) {
	resp := new(TrackResponse)
	if err := c.trackEncodedInto(ctx, buf, body, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// trackEncodedInto is trackEncoded with the answer decoded into resp,
// which it zeroes first (a 2xx answer's fields are decoded over it): the
// Batcher passes one of its recycled requestIndexes' instead of a new
// TrackResponse per request.
func (c *Client) trackEncodedInto(ctx context.Context, buf *bodyBuf, body []byte, resp *TrackResponse) error {
	*resp = TrackResponse{}
	idle, err := c.send(ctx, epTrack, body, resp, true)
	if idle {
		c.releaseBody(buf, body)
	}
	return err
}

// bodyBuf is a recycled /users/track body buffer (see Client.bodies).
type bodyBuf struct{ b []byte }

// maxPooledBody bounds the buffers kept for reuse, so that one unusually
// large request does not pin its memory.
const maxPooledBody = 1 << 20

// bodyBuffer returns a buffer for encoding a request of n objects: a
// recycled one when it is large enough for the expected size, else one of
// that size.
func (c *Client) bodyBuffer(n int) *bodyBuf {
	return c.bodyBufferOf(c.bodyCapacity(n))
}

// bodyBufferOf returns a buffer of at least want bytes' capacity.
func (c *Client) bodyBufferOf(want int) *bodyBuf {
	buf, _ := c.bodies.Get().(*bodyBuf)
	if buf == nil {
		buf = new(bodyBuf)
	}
	if cap(buf.b) < want {
		buf.b = make([]byte, 0, want)
	}
	return buf
}

// releaseBody recycles buf, keeping body's memory when encoding outgrew
// buf. The caller must know that nothing reads body any more: it was never
// sent, or the HTTP layer reported it idle.
func (c *Client) releaseBody(buf *bodyBuf, body []byte) {
	if cap(body) > cap(buf.b) {
		buf.b = body
	}
	if cap(buf.b) > maxPooledBody {
		return
	}
	buf.b = buf.b[:0]
	c.bodies.Put(buf)
}

// AliasNew sends /users/alias/new: each alias is added to the user with the
// given external_id, or creates an alias-only user when it has none.
func (c *Client) AliasNew(ctx context.Context, req *AliasNewRequest) (*AliasNewResponse, error) {
	var resp AliasNewResponse
	if err := c.sendJSON(ctx, epAliasNew, req, asRequestValidator(req), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Identify sends /users/identify: anonymous (alias, email or phone) profiles
// are merged into the profile with the given external_id.
func (c *Client) Identify(ctx context.Context, req *IdentifyRequest) (*IdentifyResponse, error) {
	var resp IdentifyResponse
	if err := c.sendJSON(ctx, epIdentify, req, asRequestValidator(req), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Merge sends /users/merge. Braze answers 202 and merges asynchronously.
func (c *Client) Merge(ctx context.Context, req *MergeRequest) (*MergeResponse, error) {
	var resp MergeResponse
	if err := c.sendJSON(ctx, epMerge, req, asRequestValidator(req), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Delete sends /users/delete. Deletion is irreversible; the response counts
// the users queued for deletion.
func (c *Client) Delete(ctx context.Context, req *DeleteRequest) (*DeleteResponse, error) {
	var resp DeleteResponse
	if err := c.sendJSON(ctx, epDelete, req, asRequestValidator(req), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// SetSubscriptionStatus sends /v2/subscription/status/set, updating one or
// more subscription groups for the listed users.
func (c *Client) SetSubscriptionStatus(ctx context.Context, req *SubscriptionStatusSetRequest) (*SubscriptionStatusSetResponse, error) {
	var resp SubscriptionStatusSetResponse
	if err := c.sendJSON(ctx, epSubscription, req, asRequestValidator(req), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// RenameExternalIDs sends /users/external_ids/rename. Renames Braze refuses
// individually are listed in the response's RenameErrors with a nil error.
func (c *Client) RenameExternalIDs(ctx context.Context, req *ExternalIDRenameRequest) (*ExternalIDRenameResponse, error) {
	var resp ExternalIDRenameResponse
	if err := c.sendJSON(ctx, epRename, req, asRequestValidator(req), &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// bodyCapacity guesses the encoded size of a request of n objects from the
// last one (12% headroom), so that encoding usually allocates once.
func (c *Client) bodyCapacity(n int) int {
	per := c.bytesPerObject.Load()
	if per <= 0 {
		per = 320
	}
	return min(int(per)*max(1, n)*9/8+64, c.limits.MaxBodyBytes)
}

// bodyTooLargeError is a validation failure that includes the body-size
// check, so that errors.Is(err, ErrBodyTooLarge) holds as it does for a 413.
// Its message is the validation error's.
type bodyTooLargeError struct{ error }

func (e bodyTooLargeError) Unwrap() []error { return []error{e.error, ErrBodyTooLarge} }

// markBodyTooLarge tags a validation error whose problems include the
// request-wide body-size check (the one with no object path).
func markBodyTooLarge(err error) error {
	var ves ValidationErrors
	if !errors.As(err, &ves) {
		return err
	}
	for _, ve := range ves {
		if ve != nil && ve.Path == "" && strings.Contains(ve.Reason, "body limit") {
			return bodyTooLargeError{err}
		}
	}
	return err
}

type requestValidator interface{ Validate() error }

// asRequestValidator returns v as a validator, or nil for a nil pointer (so that
// sendJSON can refuse it instead of calling a method on nil).
func asRequestValidator[T any, P interface {
	*T
	requestValidator
}](p P) requestValidator {
	if p == nil {
		return nil
	}
	return p
}

func (c *Client) sendJSON(ctx context.Context, ep endpoint, req any, v requestValidator, out any) error {
	if v == nil {
		return errNilRequest
	}
	if err := v.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("braze: encoding %s request: %w", ep.path, err)
	}
	return c.post(ctx, ep, body, out)
}

// FailedObject is one object Braze rejected, found from its ObjectError:
// exactly one of Attributes, Event and Purchase points into the request,
// unless Braze cited an index the request does not have (then all are nil
// and the error still says which one).
type FailedObject struct {
	// Error is Braze's report (type, input_array, index).
	Error ObjectError
	// Attributes is the rejected attributes object, if InputArray is
	// "attributes".
	Attributes *Attributes
	// Event is the rejected event, if InputArray is "events".
	Event *Event
	// Purchase is the rejected purchase, if InputArray is "purchases".
	Purchase *Purchase
}

// Found reports whether the error was matched to an object of the request.
func (f FailedObject) Found() bool {
	return f.Attributes != nil || f.Event != nil || f.Purchase != nil
}

// FailedObjects maps the response's per-object errors to the objects of
// req, the request that produced the response. Objects not returned were
// accepted.
func (r *TrackResponse) FailedObjects(req *TrackRequest) []FailedObject {
	if r == nil {
		return nil
	}
	return MatchObjectErrors(req, r.Errors)
}

// MatchObjectErrors maps per-object errors (from a TrackResponse or an
// APIError) to the objects of req, in the order of errs.
func MatchObjectErrors(req *TrackRequest, errs []ObjectError) []FailedObject {
	if len(errs) == 0 {
		return nil
	}
	out := make([]FailedObject, len(errs))
	for i, e := range errs {
		out[i].Error = e
		if req == nil || e.Index < 0 {
			continue
		}
		switch e.InputArray {
		case "attributes":
			if e.Index < len(req.Attributes) {
				out[i].Attributes = &req.Attributes[e.Index]
			}
		case "events":
			if e.Index < len(req.Events) {
				out[i].Event = &req.Events[e.Index]
			}
		case "purchases":
			if e.Index < len(req.Purchases) {
				out[i].Purchase = &req.Purchases[e.Index]
			}
		}
	}
	return out
}
