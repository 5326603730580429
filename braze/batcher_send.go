package braze

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// This file sends one packed request and turns the outcome into a result
// per object. It runs on the sender goroutines (MaxConcurrentRequests of
// them, each sending one request at a time).

// sender sends the requests the owner dispatches until the owner closes
// sendCh.
func (b *Batcher) sender() {
	defer b.senders.Done()
	for p := range b.sendCh {
		b.send(p)
	}
}

// send delivers p, reports every object to OnResult and hands the outcome
// back to the owner.
func (b *Batcher) send(p *packed) {
	errs := make([]error, len(p.entries))
	b.deliver(b.sendCtx, p.entries, errs, false)
	if b.sendCtx.Err() != nil {
		// Close's deadline cancelled the request: say so, whatever error
		// the client produced. Braze may or may not have applied it.
		for i, err := range errs {
			if err != nil && !errors.Is(err, ErrClosed) {
				errs[i] = fmt.Errorf("%w: request cancelled by Close's deadline: %w", ErrClosed, err)
			}
		}
	}
	var delivered, failed uint64
	for i := range p.entries {
		if errs[i] == nil {
			delivered++
		} else {
			failed++
		}
		if b.onResult != nil {
			b.onResult(Result{Item: p.entries[i].item, Err: errs[i]})
		}
	}
	b.stats.delivered.Add(delivered)
	b.stats.failed.Add(failed)
	b.doneCh <- completion{p: p, errs: errs}
}

// deliver sends entries as one /users/track request and fills errs
// (parallel to entries). On the rare paths it splits the request:
//   - the client refused the request before sending it (validation): each
//     object is validated on its own, the invalid ones fail with their
//     reason and the rest is sent; when no object is invalid on its own
//     (the body as a whole is too large, say), halves are sent one after
//     the other until the offending objects stand alone;
//   - HTTP 413: the same halving;
//   - HTTP 400 listing some objects: those fail with Braze's reason and the
//     rest is sent once more on its own (subset is then true).
//
// Halves keep the packing order, and the first half completes before the
// second is sent, so each user's objects still reach Braze in order.
func (b *Batcher) deliver(ctx context.Context, entries []entry, errs []error, subset bool) {
	tb, _ := b.builds.Get().(*trackBuild)
	if tb == nil {
		tb = new(trackBuild)
	}
	defer func() { tb.reset(); b.builds.Put(tb) }()
	tb.fill(entries)
	req, index := &tb.req, tb.x
	resp, err := b.client.Track(ctx, req)
	if err == nil {
		b.stats.requests.Add(1)
		b.stats.sent.Add(uint64(len(entries)))
		if resp != nil {
			b.markRejected(http.StatusCreated, resp.Errors, index, errs)
		}
		return
	}
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		b.stats.requests.Add(1)
		b.stats.sent.Add(uint64(len(entries)))
		switch {
		case apiErr.StatusCode == http.StatusBadRequest && len(apiErr.Errors) > 0:
			b.markRejected(apiErr.StatusCode, apiErr.Errors, index, errs)
			b.resendRest(ctx, entries, errs, err, subset)
			return
		case apiErr.StatusCode == http.StatusRequestEntityTooLarge && len(entries) > 1:
			b.split(ctx, entries, errs)
			return
		}
	case refusedBeforeSending(err) && len(entries) > 1:
		b.isolate(ctx, entries, errs, subset)
		return
	}
	b.log.Warn("braze: /users/track request failed", "objects", len(entries), "error", err)
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
}

// refusedBeforeSending reports whether the client refused the request
// without sending it because of its content: a validation error, a body
// over the size cap, or a value JSON cannot encode.
func refusedBeforeSending(err error) bool {
	var ve ValidationErrors
	var one *ValidationError
	return errors.As(err, &ve) || errors.As(err, &one) ||
		errors.Is(err, ErrBodyTooLarge) || errors.Is(err, errNonFiniteFloat)
}

// isolate validates each entry on its own, fails the invalid ones and
// delivers the rest; without an invalid entry it halves the request.
func (b *Batcher) isolate(ctx context.Context, entries []entry, errs []error, subset bool) {
	lim := clientLimits(b.client)
	var rest []entry
	var pos []int
	for i := range entries {
		one, _ := buildTrackRequest(entries[i : i+1])
		if err := one.Validate(lim); err != nil {
			errs[i] = err
			continue
		}
		rest = append(rest, entries[i])
		pos = append(pos, i)
	}
	switch {
	case len(rest) == len(entries):
		b.split(ctx, entries, errs)
	case len(rest) > 0:
		restErrs := make([]error, len(rest))
		b.deliver(ctx, rest, restErrs, subset)
		for j, i := range pos {
			errs[i] = restErrs[j]
		}
	}
}

func (b *Batcher) split(ctx context.Context, entries []entry, errs []error) {
	mid := len(entries) / 2
	b.deliver(ctx, entries[:mid], errs[:mid], false)
	b.deliver(ctx, entries[mid:], errs[mid:], false)
}

// resendRest sends, once, the objects a 400 did not list; when this already
// is such a resend they fail with the 400.
func (b *Batcher) resendRest(ctx context.Context, entries []entry, errs []error, cause error, subset bool) {
	var rest []entry
	var pos []int
	for i := range entries {
		if errs[i] == nil {
			rest = append(rest, entries[i])
			pos = append(pos, i)
		}
	}
	if len(rest) == 0 {
		return
	}
	if subset {
		for _, i := range pos {
			errs[i] = cause
		}
		return
	}
	restErrs := make([]error, len(rest))
	b.deliver(ctx, rest, restErrs, true)
	for j, i := range pos {
		errs[i] = restErrs[j]
	}
}

// markRejected maps Braze's per-object errors back to the entries.
func (b *Batcher) markRejected(status int, objErrs []ObjectError, index requestIndex, errs []error) {
	for _, oe := range objErrs {
		i := index.lookup(oe)
		if i < 0 {
			b.log.Warn("braze: per-object error does not match an object of the request",
				"input_array", oe.InputArray, "index", oe.Index, "type", oe.Type)
			continue
		}
		if errs[i] == nil {
			errs[i] = &RejectedError{StatusCode: status, ObjectError: oe}
			b.log.Debug("braze: object refused", "input_array", oe.InputArray, "index", oe.Index, "type", oe.Type)
		}
	}
}

// requestIndex maps each array position of a built request back to the
// entry it came from.
type requestIndex struct {
	attributes, events, purchases []int
}

func (x requestIndex) lookup(oe ObjectError) int {
	var s []int
	switch oe.InputArray {
	case "attributes":
		s = x.attributes
	case "events":
		s = x.events
	case "purchases":
		s = x.purchases
	}
	if oe.Index < 0 || oe.Index >= len(s) {
		return -1
	}
	return s[oe.Index]
}

// buildTrackRequest lays entries out in a TrackRequest, keeping their order
// inside each array.
func buildTrackRequest(entries []entry) (*TrackRequest, requestIndex) {
	tb := new(trackBuild)
	tb.fill(entries)
	return &tb.req, tb.x
}

// trackBuild is a request laid out from entries, with its index. The
// batcher reuses them (Batcher.builds): a full request's arrays hold copies
// of up to 75 objects (an Attributes is 656 bytes), which were otherwise
// allocated, and scanned by the GC, once per request.
type trackBuild struct {
	req TrackRequest
	x   requestIndex
}

// reset empties the arrays, dropping their references to the objects'
// data, and keeps their memory.
func (tb *trackBuild) reset() {
	clear(tb.req.Attributes)
	clear(tb.req.Events)
	clear(tb.req.Purchases)
	tb.req = TrackRequest{Attributes: tb.req.Attributes[:0], Events: tb.req.Events[:0], Purchases: tb.req.Purchases[:0]}
	tb.x = requestIndex{attributes: tb.x.attributes[:0], events: tb.x.events[:0], purchases: tb.x.purchases[:0]}
}

// fill lays entries out in the (empty) build, keeping their order inside
// each array (an array without objects is empty).
func (tb *trackBuild) fill(entries []entry) {
	var n [4]int
	for i := range entries {
		n[entries[i].kind]++
	}
	req, x := &tb.req, &tb.x
	req.Attributes = slices.Grow(req.Attributes, n[ObjectAttributes])
	x.attributes = slices.Grow(x.attributes, n[ObjectAttributes])
	req.Events = slices.Grow(req.Events, n[ObjectEvent])
	x.events = slices.Grow(x.events, n[ObjectEvent])
	req.Purchases = slices.Grow(req.Purchases, n[ObjectPurchase])
	x.purchases = slices.Grow(x.purchases, n[ObjectPurchase])
	for i := range entries {
		it := &entries[i].item
		switch entries[i].kind {
		case ObjectAttributes:
			req.Attributes = append(req.Attributes, *it.Attributes)
			x.attributes = append(x.attributes, i)
		case ObjectEvent:
			req.Events = append(req.Events, *it.Event)
			x.events = append(x.events, i)
		case ObjectPurchase:
			req.Purchases = append(req.Purchases, *it.Purchase)
			x.purchases = append(x.purchases, i)
		}
	}
}
