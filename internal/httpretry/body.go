package httpretry

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
)

// bodyWatch tells when net/http is done reading one call's request body,
// so that the caller may reuse its memory (Outcome.BodyIdle).
//
// The body goes to net/http as a []byte (a *bytes.Reader per attempt),
// which net/http treats as in-memory: headers and body leave in one write
// and a body that fits the connection's write buffer is copied there with
// one Read. A tracking reader of our own would lose both (net/http would
// flush the headers first and copy the body through a fresh buffer), so
// the transport's progress is observed through httptrace instead:
//
//   - net/http reads a request body only while it writes that request on a
//     connection it got for it: HTTP/1 calls GotConn once per connection
//     handed to an attempt and writes the request at most once on it;
//     HTTP/2 calls GotConn before each attempt on a client connection;
//   - WroteRequest is called once that write is over, the body read to its
//     end or abandoned (HTTP/1 calls it when Request.write returns, after
//     the body was copied; HTTP/2 after its body-writing loop has ended);
//   - after Do returns no new attempt starts, but net/http may still be
//     writing an earlier one (an early answer) or may not even have begun
//     (a write queued on a connection that then failed), and Do returning
//     proves nothing about either.
//
// So the body is idle when every GotConn has had its WroteRequest. A write
// that was never made leaves the counts unequal forever, which only means
// the memory is not reused. A failed write also marks the body as not
// idle, out of caution, and so does a call in which no connection was
// reported at all: an http.Client whose RoundTripper is not net/http's
// Transport (a test double, a wrapper that answers itself) calls no hooks,
// and may, as RoundTripper's contract allows, read the body after
// returning.
type bodyWatch struct {
	conns, written atomic.Int32
	failed         atomic.Bool
}

// context returns ctx with the watch's hooks set in trace (composed with
// any trace already in ctx). trace is the call's own, held with the watch
// in the call's state.
func (w *bodyWatch) context(ctx context.Context, trace *httptrace.ClientTrace) context.Context {
	trace.GotConn = func(httptrace.GotConnInfo) { w.conns.Add(1) }
	trace.WroteRequest = func(info httptrace.WroteRequestInfo) {
		if info.Err != nil {
			w.failed.Store(true)
		}
		w.written.Add(1)
	}
	return httptrace.WithClientTrace(ctx, trace)
}

// idle reports whether every write of the body has ended. It is only
// meaningful once Do has returned (no attempt can start after that).
// written is loaded before conns: each write's GotConn comes before its
// WroteRequest, so a write still running when written is loaded keeps conns
// above the value read.
func (w *bodyWatch) idle() bool {
	written := w.written.Load()
	conns := w.conns.Load()
	return conns > 0 && conns == written && !w.failed.Load()
}
