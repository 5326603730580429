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

// sender sends the requests the queue's owner dispatches until a finished
// Close closes sendCh.
func (b *Batcher) sender() {
	defer b.workers.Done()
	for p := range b.sendCh {
		b.send(p)
	}
}

// send delivers p, reports every object to OnResult and then books the
// outcome under the lock.
func (b *Batcher) send(p *packed) {
	p.errs = slices.Grow(p.errs[:0], len(p.entries))[:len(p.entries)]
	errs := p.errs
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
	var failed uint64
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	p.failed = int(failed)
	delivered := uint64(len(errs)) - failed
	if b.onResult != nil {
		for i := range p.entries {
			b.onResult(p.entries[i].result(errs[i]))
		}
	} else if b.slabs != nil {
		b.slabs.release(p.entries, errs)
	}
	b.stats.delivered.Add(delivered)
	b.stats.failed.Add(failed)
	b.complete(p)
}

// deliver sends entries as one /users/track request and fills errs
// (parallel to entries). The objects were validated and encoded by Add; the
// body is their JSON side by side. On the rare paths it splits the request:
//   - HTTP 413, or a body over the client's cap (which packing prevents):
//     halves are sent one after the other until the offending objects
//     stand alone;
//   - HTTP 400 listing some objects: those fail with Braze's reason and the
//     rest is sent once more on its own (subset is then true).
//
// Halves keep the packing order, and the first half completes before the
// second is sent, so each user's objects still reach Braze in order.
func (b *Batcher) deliver(ctx context.Context, entries []entry, errs []error, subset bool) {
	x, _ := b.indexes.Get().(*requestIndex)
	if x == nil {
		x = new(requestIndex)
	}
	defer func() { x.reset(); b.indexes.Put(x) }()
	buf := b.client.bodyBufferOf(bodySize(entries))
	body := appendBody(buf.b[:0], entries, x)
	err := b.client.trackEncodedInto(ctx, buf, body, &x.resp)
	if err == nil {
		b.stats.requests.Add(1)
		b.stats.sent.Add(uint64(len(entries)))
		b.markRejected(http.StatusCreated, x.resp.Errors, x, errs)
		return
	}
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		b.stats.requests.Add(1)
		b.stats.sent.Add(uint64(len(entries)))
		switch {
		case apiErr.StatusCode == http.StatusBadRequest && len(apiErr.Errors) > 0:
			b.markRejected(apiErr.StatusCode, apiErr.Errors, x, errs)
			b.resendRest(ctx, entries, errs, err, subset)
			return
		case apiErr.StatusCode == http.StatusRequestEntityTooLarge && len(entries) > 1:
			b.split(ctx, entries, errs)
			return
		}
	case errors.Is(err, ErrBodyTooLarge) && len(entries) > 1:
		b.split(ctx, entries, errs)
		return
	}
	b.log.Warn("braze: /users/track request failed", "objects", len(entries), "error", err)
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
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
func (b *Batcher) markRejected(status int, objErrs []ObjectError, index *requestIndex, errs []error) {
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

// requestIndex maps each array position of a sent request back to the
// entry it came from, and holds the request's answer (resp), so that a
// request decodes it into recycled memory.
type requestIndex struct {
	attributes, events, purchases []int
	resp                          TrackResponse
}

// of returns the positions of kind's array.
func (x *requestIndex) of(kind ObjectKind) *[]int {
	switch kind {
	case ObjectAttributes:
		return &x.attributes
	case ObjectEvent:
		return &x.events
	}
	return &x.purchases
}

// reset empties the index and keeps its memory; the answer goes (the
// pool keeps none of its errors).
func (x *requestIndex) reset() {
	x.attributes, x.events, x.purchases = x.attributes[:0], x.events[:0], x.purchases[:0]
	x.resp = TrackResponse{}
}

func (x *requestIndex) lookup(oe ObjectError) int {
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
