package mpbraze

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/internal/secret"
	"github.com/mpbraze/mpbraze/mparticle"
)

// DefaultAudienceMaxBodyBytes is the request body limit of an
// AudienceHandler when AudienceHandlerOptions.MaxBodyBytes is zero. A
// Firehose membership message carries at most a few thousand profiles;
// 16 MiB leaves ample room without inviting abuse.
const DefaultAudienceMaxBodyBytes int64 = 16 << 20

// ErrNoAudienceToken is returned by NewAudienceHandler when the token is
// empty and AllowUnauthenticated is not set: an open endpoint must be a
// deliberate choice.
var ErrNoAudienceToken = errors.New("mpbraze: audience handler: empty bearer token (set AudienceHandlerOptions.AllowUnauthenticated to accept unauthenticated requests)")

// AudienceHandlerOptions configures an AudienceHandler. The zero value
// means the documented defaults. It holds no secret: the token is an
// argument of NewAudienceHandler.
type AudienceHandlerOptions struct {
	// MaxBodyBytes limits the request body (after gzip decompression when
	// the body is compressed); larger bodies get 413. Zero or less means
	// DefaultAudienceMaxBodyBytes.
	MaxBodyBytes int64
	// AllowUnauthenticated accepts requests without a bearer token. Only
	// for endpoints protected some other way (a private network, mTLS at a
	// proxy).
	AllowUnauthenticated bool
}

// AudienceHandler is an http.Handler that receives mParticle audience
// messages (Firehose JSON) as POST requests and applies them through a Kit:
//
//   - audience_membership_change_request: ApplyAudienceChange; the answer is
//     200 with an audience_membership_change_response only after the
//     updates are queued, so a failure (503 when the queue is full or the
//     kit is closed, 500 when the membership store fails) makes the sender
//     retry the message, which is safe.
//   - audience_subscription_request: 200 with an
//     audience_subscription_response and no change in Braze (disconnecting
//     an audience never removes attributes; see Kit.ClearAudience).
//
// Requests need "Authorization: Bearer <token>" (401 otherwise; compared in
// constant time), a JSON body (Content-Type application/json, *+json,
// text/plain or none; 415 otherwise; gzip accepted) within the size limit
// (413). Malformed JSON and other message types get 400; messages are not
// rejected for odd content (unknown identity types, missing names): the
// mapper reports those per user. The token never appears in logs, errors
// or the handler's printed form.
type AudienceHandler struct {
	kit     *Kit
	token   secret.Secret
	noAuth  bool
	maxBody int64
}

// NewAudienceHandler returns a handler that applies audience messages
// through k. token is the bearer token senders must present; an empty token
// is an error (ErrNoAudienceToken) unless opts.AllowUnauthenticated is set.
func NewAudienceHandler(k *Kit, token string, opts AudienceHandlerOptions) (*AudienceHandler, error) {
	if k == nil {
		return nil, errors.New("mpbraze: NewAudienceHandler: kit is nil")
	}
	if token == "" && !opts.AllowUnauthenticated {
		return nil, ErrNoAudienceToken
	}
	h := &AudienceHandler{kit: k, token: secret.New(token), noAuth: opts.AllowUnauthenticated && token == "", maxBody: opts.MaxBodyBytes}
	if h.maxBody <= 0 {
		h.maxBody = DefaultAudienceMaxBodyBytes
	}
	return h, nil
}

// AudienceHandler is NewAudienceHandler(k, token, opts).
func (k *Kit) AudienceHandler(token string, opts AudienceHandlerOptions) (*AudienceHandler, error) {
	return NewAudienceHandler(k, token, opts)
}

// String describes the handler without its token.
func (h *AudienceHandler) String() string {
	return fmt.Sprintf("mpbraze.AudienceHandler{token: %s, maxBody: %d}", secret.Redacted, h.maxBody)
}

// GoString is String, so %#v prints no internal fields either.
func (h *AudienceHandler) GoString() string { return h.String() }

// Format writes String for every verb (%v, %+v, %#v, %s, …).
func (h *AudienceHandler) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, h.String()) }

// LogValue logs the handler as String.
func (h *AudienceHandler) LogValue() slog.Value { return slog.StringValue(h.String()) }

// audienceStatus is an HTTP answer that is not a success.
type audienceStatus struct {
	code   int
	reason string
}

// ServeHTTP implements http.Handler.
func (h *AudienceHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.kit.now() // the kit's clock (Config.Now), like its timestamps
	msgID, users, code, reason := h.serve(w, r)
	level := slog.LevelDebug
	if code >= 400 {
		level = slog.LevelWarn
	}
	h.kit.log.LogAttrs(r.Context(), level, "mpbraze: audience request",
		slog.Int("status", code), slog.String("message", msgID), slog.Int("users", users),
		slog.Duration("duration", h.kit.now().Sub(start)), slog.String("reason", reason))
}

// serve answers one request and returns what to log.
func (h *AudienceHandler) serve(w http.ResponseWriter, r *http.Request) (msgID string, users, code int, reason string) {
	fail := func(s audienceStatus) (string, int, int, string) {
		writeAudienceError(w, s.code, s.reason)
		return msgID, users, s.code, s.reason
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return fail(audienceStatus{http.StatusMethodNotAllowed, "method " + r.Method + " not allowed; use POST"})
	}
	if !h.noAuth && !h.authorized(r.Header.Get("Authorization")) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mpbraze-audience"`)
		return fail(audienceStatus{http.StatusUnauthorized, "missing or wrong bearer token"})
	}
	body, st := h.readBody(w, r)
	if st != nil {
		return fail(*st)
	}
	m, err := mparticle.DecodeAudienceMessage(body)
	if err != nil {
		return fail(audienceStatus{http.StatusBadRequest, "malformed audience message: " + err.Error()})
	}
	now := h.kit.now().UnixMilli()
	switch msg := m.(type) {
	case *mparticle.AudienceMembershipChangeRequest:
		msgID, users = msg.ID, len(msg.UserProfiles)
		res, err := h.kit.ApplyAudienceChange(r.Context(), msg)
		if err != nil {
			return fail(audienceFailure(w, err))
		}
		writeAudienceJSON(w, map[string]any{
			"type":             mparticle.MessageAudienceMembershipChangeResponse,
			"id":               newMessageID(),
			"timestamp_ms":     now,
			"firehose_version": msg.FirehoseVersion,
			"mpbraze": map[string]int{
				"updated": len(res.Attributes), "skipped": len(res.Skipped), "errors": len(res.Errors),
			},
		})
		return msgID, users, http.StatusOK, ""
	case *mparticle.AudienceSubscriptionRequest:
		msgID = msg.ID
		h.kit.log.LogAttrs(r.Context(), slog.LevelInfo, "mpbraze: audience subscription changed; Braze attributes are left as they are",
			slog.Int64("audience_id", msg.AudienceID), slog.String("action", string(msg.Action)))
		writeAudienceJSON(w, map[string]any{
			"type":             mparticle.MessageAudienceSubscriptionResponse,
			"id":               newMessageID(),
			"timestamp_ms":     now,
			"firehose_version": msg.FirehoseVersion,
		})
		return msgID, 0, http.StatusOK, ""
	}
	return fail(audienceStatus{http.StatusBadRequest, fmt.Sprintf("unsupported message type %q", m.MessageType())})
}

// authorized checks "Bearer <token>" in constant time (the digests have a
// fixed length, so not even the token's length leaks).
func (h *AudienceHandler) authorized(header string) bool {
	scheme, got, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	want := sha256.Sum256([]byte(h.token.Reveal()))
	have := sha256.Sum256([]byte(strings.TrimSpace(got)))
	return subtle.ConstantTimeCompare(want[:], have[:]) == 1
}

// readBody checks the content type and encoding and reads the body within
// the size limit.
func (h *AudienceHandler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *audienceStatus) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json") && mt != "text/plain") {
			return nil, &audienceStatus{http.StatusUnsupportedMediaType, "content type " + ct + " is not JSON"}
		}
	}
	var src io.Reader = http.MaxBytesReader(w, r.Body, h.maxBody)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, bodyError(err, "gzip body")
		}
		defer zr.Close()
		src = io.LimitReader(zr, h.maxBody+1)
	default:
		return nil, &audienceStatus{http.StatusUnsupportedMediaType, "content encoding " + enc + " is not supported (use gzip or none)"}
	}
	body, err := io.ReadAll(src)
	if err != nil {
		return nil, bodyError(err, "body")
	}
	if int64(len(body)) > h.maxBody {
		return nil, &audienceStatus{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", h.maxBody)}
	}
	return body, nil
}

// bodyError classifies a body read error.
func bodyError(err error, what string) *audienceStatus {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &audienceStatus{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", mbe.Limit)}
	}
	return &audienceStatus{http.StatusBadRequest, "cannot read " + what + ": " + err.Error()}
}

// audienceFailure maps an ApplyAudienceChange error to a status that makes
// the sender retry when retrying can help.
func audienceFailure(w http.ResponseWriter, err error) audienceStatus {
	switch {
	case errors.Is(err, braze.ErrQueueFull):
		w.Header().Set("Retry-After", "1")
		return audienceStatus{http.StatusServiceUnavailable, "queue full: " + err.Error()}
	case errors.Is(err, ErrClosed):
		return audienceStatus{http.StatusServiceUnavailable, "kit closed"}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return audienceStatus{http.StatusServiceUnavailable, "request ended before the updates were queued: " + err.Error()}
	}
	return audienceStatus{http.StatusInternalServerError, err.Error()}
}

// writeAudienceError writes {"error": reason} with the status.
func writeAudienceError(w http.ResponseWriter, code int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": reason})
}

// writeAudienceJSON writes v as a 200 JSON response.
func writeAudienceJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// newMessageID returns a random (version 4) UUID for a response message.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
