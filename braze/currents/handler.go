package currents

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/internal/secret"
)

// Sink receives the events of one accepted request. Accept must either take
// responsibility for all events (return nil: the handler answers 2xx and
// Braze will not send them again) or for none (return an error: the handler
// answers 503 and Braze retries the whole batch). Accept is called
// concurrently from different requests.
type Sink interface {
	// Accept takes responsibility for all of events (nil) or none of them
	// (an error). It should return soon: Braze waits for the answer. ctx
	// is the request's context.
	Accept(ctx context.Context, events []Event) error
}

// SinkFunc adapts a function to [Sink].
type SinkFunc func(ctx context.Context, events []Event) error

// Accept calls f.
func (f SinkFunc) Accept(ctx context.Context, events []Event) error { return f(ctx, events) }

// DefaultMaxBodyBytes is the default body limit: Braze sends at most 100
// events per request by default and an event is at most 900 KB, but real
// batches are far smaller; 8 MiB leaves room without inviting abuse.
const DefaultMaxBodyBytes int64 = 8 << 20

// ErrNoToken is returned by [NewHandler] when neither [WithToken] nor
// [WithoutAuth] was given: an open endpoint must be a deliberate choice.
var ErrNoToken = errors.New("currents: no bearer token configured (use WithToken, or WithoutAuth to accept unauthenticated requests)")

// Option configures a [Handler].
type Option func(*Handler)

// WithToken sets the bearer token Braze sends ("Authorization: Bearer
// <token>"), as configured on the Current. Requests without it get 401.
func WithToken(token string) Option {
	return func(h *Handler) {
		h.token = secret.New(token)
	}
}

// WithoutAuth accepts requests without checking a token. Only for endpoints
// protected some other way (a private network, mTLS at a proxy).
func WithoutAuth() Option { return func(h *Handler) { h.noAuth = true } }

// WithMaxBodyBytes limits the request body (after gzip decompression when
// the body is compressed); larger bodies get 413. n <= 0 means
// [DefaultMaxBodyBytes].
func WithMaxBodyBytes(n int64) Option {
	return func(h *Handler) {
		if n > 0 {
			h.maxBody = n
		}
	}
}

// WithLogger logs one record per response: status, events decoded and
// accepted, path, size, remote address, duration, and the reason of a
// refusal (with the sink's error for a 503). Never the token or the
// Authorization header. Level: Info for 2xx, Warn for 4xx, Error for 5xx.
// nil discards.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// Handler receives Custom HTTP connector requests from Braze Currents.
// Create one with [NewHandler]; the zero Handler is not usable.
type Handler struct {
	sink    Sink
	token   secret.Secret // never printed; see internal/secret
	noAuth  bool
	maxBody int64
	log     *slog.Logger
}

// NewHandler returns a Handler that authenticates each POST by its bearer
// token, decodes the body and passes the events to sink. Responses:
//
//   - 200 {"accepted": n} once sink accepted the n events (an empty batch
//     is accepted without calling sink);
//   - 400 {"error": reason} for a malformed body (the reason names the
//     field, e.g. "events[2].time: \"x\" is not an integer");
//   - 401 for a missing or wrong token, 405 for other methods, 413 for a
//     body over the limit, 415 for an unsupported Content-Encoding;
//   - 503 when sink returned an error, so Braze retries the batch.
//
// It fails with [ErrNoToken] unless a token or [WithoutAuth] was given, and
// when sink is nil.
func NewHandler(sink Sink, opts ...Option) (*Handler, error) {
	h := &Handler{sink: sink, maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(h)
	}
	if sink == nil {
		return nil, errors.New("currents: NewHandler: sink is nil")
	}
	if h.token.IsZero() && !h.noAuth {
		return nil, ErrNoToken
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// String describes the handler without its token.
func (h *Handler) String() string {
	auth := "bearer token"
	if h.token.IsZero() {
		auth = "none"
	}
	return fmt.Sprintf("currents.Handler{auth: %s, maxBodyBytes: %d}", auth, h.maxBody)
}

// GoString is String.
func (h *Handler) GoString() string { return h.String() }

// response is what one request ends with; it is written and logged once.
type response struct {
	status   int
	accepted int    // events the sink accepted (in the 2xx body)
	decoded  int    // events decoded, accepted or not (logged)
	reason   string // shown to the caller
	err      error  // logged only (may hold details of the sink)
}

// ServeHTTP implements [net/http.Handler].
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	res := h.serve(w, r)
	h.write(w, res)
	level := slog.LevelInfo
	switch {
	case res.status >= 500:
		level = slog.LevelError
	case res.status >= 400:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.Int("status", res.status),
		slog.Int("events", res.decoded),
		slog.Int("accepted", res.accepted),
		slog.String("path", r.URL.Path),
		slog.Int64("content_length", r.ContentLength),
		slog.String("remote", r.RemoteAddr),
		slog.Duration("duration", time.Since(start)),
	}
	if res.reason != "" {
		attrs = append(attrs, slog.String("reason", res.reason))
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	h.log.LogAttrs(r.Context(), level, "currents request", attrs...)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) response {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return response{status: http.StatusMethodNotAllowed, reason: "method " + r.Method + " not allowed; use POST"}
	}
	if res, ok := h.authenticate(w, r); !ok {
		return res
	}
	if r.ContentLength > h.maxBody {
		return tooLarge(h.maxBody)
	}
	body := io.Reader(http.MaxBytesReader(w, r.Body, h.maxBody))
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			if isTooLarge(err) {
				return tooLarge(h.maxBody)
			}
			return response{status: http.StatusBadRequest, reason: "body: invalid gzip data"}
		}
		defer zr.Close()
		body = &limitedReader{r: zr, left: h.maxBody, limit: h.maxBody}
	default:
		return response{status: http.StatusUnsupportedMediaType, reason: "Content-Encoding " + enc + " not supported; use gzip or none"}
	}

	events, err := readAll(NewDecoder(body))
	if err != nil {
		if isTooLarge(err) {
			return tooLarge(h.maxBody)
		}
		return response{status: http.StatusBadRequest, reason: err.Error()}
	}
	if len(events) == 0 {
		return response{status: http.StatusOK}
	}
	if err := h.sink.Accept(r.Context(), events); err != nil {
		// The sink's error may describe internals; Braze only needs to know
		// to retry, the log gets the details.
		return response{status: http.StatusServiceUnavailable, decoded: len(events), reason: "events not accepted; retry later", err: err}
	}
	return response{status: http.StatusOK, accepted: len(events), decoded: len(events)}
}

// authenticate checks the bearer token; ok is false when the request must
// be refused with res.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (res response, ok bool) {
	if h.noAuth {
		return response{}, true
	}
	scheme, presented, found := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	presented = strings.TrimSpace(presented)
	if !found || !strings.EqualFold(scheme, "Bearer") || presented == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="currents"`)
		return response{status: http.StatusUnauthorized, reason: "missing bearer token"}, false
	}
	if !tokenMatches(h.token, presented) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="currents", error="invalid_token"`)
		return response{status: http.StatusUnauthorized, reason: "invalid bearer token"}, false
	}
	return response{}, true
}

func (h *Handler) write(w http.ResponseWriter, res response) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(res.status)
	var body any
	if res.status < 300 {
		body = struct {
			Accepted int `json:"accepted"`
		}{res.accepted}
	} else {
		body = struct {
			Error string `json:"error"`
		}{res.reason}
	}
	_ = json.NewEncoder(w).Encode(body) // the client may be gone; nothing to do then
}

func readAll(d *Decoder) ([]Event, error) {
	var events []Event
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return events, nil
		}
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
}

func tooLarge(limit int64) response {
	return response{status: http.StatusRequestEntityTooLarge, reason: fmt.Sprintf("body larger than %d bytes", limit)}
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// limitedReader fails with *http.MaxBytesError once more than limit bytes
// were read, so a small gzip body cannot expand without bound.
type limitedReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &http.MaxBytesError{Limit: l.limit}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n + int(l.left), &http.MaxBytesError{Limit: l.limit}
	}
	return n, err
}
