// Package brazetest is an in-process fake of Braze's REST API for tests,
// examples and benchmarks. It is a real HTTP server on loopback
// (net/http/httptest) that validates requests the way Braze documents it
// (spec §1–§3 of the project's braze-rest-api.md): Bearer key, POST only,
// JSON content type, 4 MB body cap, the /users/track object caps, identifier
// rules, standard-field formats with Braze's per-object error codes,
// property rules, and the 50-item caps of the other user endpoints. It
// answers with Braze's status codes and bodies and sends the rate-limit
// headers on every response.
//
// What it accepts it stores per user, applied in Braze's order (attributes,
// then events, then purchases, per request), so tests can assert on the
// outcome (Server.User, Server.Users) as well as on the raw requests
// (Server.Requests).
//
// Faults can be injected, deterministically for a given seed and request
// order: a share of 500/503 answers, a share of 429 answers with
// X-Ratelimit-Retry-After or Retry-After, added latency, dropped
// connections (WithFaults), scripted answers for the next requests
// (Server.InjectNext), and an enforced rate limit (WithRateLimit). A
// faulted request never stores anything. The fault API is the same as
// mparticletest's.
//
// The package parses request bodies itself, from raw JSON: it is an
// independent judge of what a client sends and does not use the braze
// package's model types.
package brazetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// DefaultKey is the REST key a Server accepts unless WithKey is used.
const DefaultKey = "brazetest-rest-key"

// MaxBodyBytes is Braze's payload cap (4 MB); larger bodies get 413.
const MaxBodyBytes = 4 << 20

// Messages Braze answers with (spec §0–§2).
const (
	MsgSuccess         = "success"
	MsgInvalidKey      = "Invalid API Key"
	MsgParseError      = "Error while parsing request body. Please check your syntax."
	MsgMaxInput        = "Max Input Length Exceeded"
	MsgValidData       = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."
	MsgIdentifierReq   = "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required"
	MsgTooManyIDs      = "The max number of ids per request was exceeded"
	MsgContentType     = "Content-Type must be application/json"
	MsgTooLarge        = "Request body exceeds the 4 MB limit"
	MsgRateLimited     = "API rate limit exceeded"
	MsgMethod          = "Method Not Allowed"
	MsgNotFound        = "Not Found"
	MsgInjected5xx     = "Internal Server Error (injected)"
	MsgInjectedUnavail = "Service Unavailable (injected)"
)

// Server is a fake Braze REST endpoint. Create it with NewServer and Close
// it when done. All methods are safe for concurrent use.
type Server struct {
	cfg   config
	httpS *httptest.Server

	mu       sync.Mutex
	rng      *rand.Rand
	queued   []Fault
	store    *store
	requests []Request
	reqCount int
	stats    Stats
	windows  map[string]*window
}

// config is assembled from the Options.
type config struct {
	key          string
	maxObjects   int
	perArray     bool
	maxItems     int
	faults       Faults
	enforce      bool
	limit        int
	window       time.Duration
	resetSeconds bool
	clock        clock.Clock
	recordLimit  int
	discard      bool
	maxArray     int
}

// Option configures a Server.
type Option func(*config)

// WithKey sets the REST key the server accepts (default DefaultKey); see
// Server.Key.
func WithKey(key string) Option { return func(c *config) { c.key = key } }

// WithMaxObjects sets the /users/track object cap (default 75). Use 50 to
// imitate older MAU-pricing contracts.
func WithMaxObjects(n int) Option { return func(c *config) { c.maxObjects = n } }

// WithPerArrayCap applies the object cap to each of attributes, events and
// purchases on its own (Braze's legacy limits: up to 3×75 per request)
// instead of to their total.
func WithPerArrayCap() Option { return func(c *config) { c.perArray = true } }

// WithMaxArrayItems sets how many items a custom string array keeps (default
// 500, Braze's newest default; older workspaces had 25). The oldest values
// are dropped when an add overflows it.
func WithMaxArrayItems(n int) Option { return func(c *config) { c.maxArray = n } }

// WithFaults makes the server fail a random share of requests, as
// configured by f (see Faults).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithRateLimit enforces a quota of requests per fixed window for each
// endpoint family (track; alias/identify/merge/delete; subscription;
// rename). Requests over it get 429 with X-RateLimit-* headers,
// X-Ratelimit-Retry-After and Retry-After (seconds to the window's end).
// Without it the headers report Braze's default quotas without enforcing
// them. A requests below 1 or a window of 0 or less turns it off. The shape
// is that of mparticletest.WithRateLimit, whose quota counts batches.
func WithRateLimit(requests int, window time.Duration) Option {
	return func(c *config) {
		if requests < 1 || window <= 0 {
			c.enforce = false
			return
		}
		c.enforce, c.limit, c.window = true, requests, window
	}
}

// WithResetAsSecondsLeft makes X-RateLimit-Reset carry the seconds left in
// the window (Braze's MAU-pricing form) instead of a Unix time.
func WithResetAsSecondsLeft() Option { return func(c *config) { c.resetSeconds = true } }

// Clock is the server's time source: Now, a Sleep that ends early when its
// context does, and a time.After-like After. It is the same type as
// braze.Clock and mparticletest.Clock; any type with these three methods
// fits.
type Clock = clock.Clock

// WithClock sets the clock used for rate-limit windows and latency (default
// the wall clock).
func WithClock(clk Clock) Option { return func(c *config) { c.clock = clk } }

// WithRecordLimit caps how many requests Requests keeps (default 10,000;
// later requests are still counted in Stats). 0 keeps none.
func WithRecordLimit(n int) Option { return func(c *config) { c.recordLimit = n } }

// WithoutStore validates and answers but stores no user data and records
// no requests: for benchmarks, where memory would grow without bound.
func WithoutStore() Option { return func(c *config) { c.discard = true } }

// Request is a recorded request.
type Request struct {
	// Seq is the 0-based arrival number.
	Seq int
	// Method, Path and ContentType as received.
	Method, Path, ContentType string
	// Body is the raw body (up to the 4 MB cap).
	Body []byte
	// Status is the answer's status, 0 for a dropped connection.
	Status int
	// Fault names the injected fault: "" for none, "script" for one queued
	// with InjectNext, "500", "503" (or ServerErrorStatus), "429" or
	// "drop" for a random one, "ratelimit" for a request refused by
	// WithRateLimit.
	Fault string
	// Response is the answer body.
	Response []byte
}

// Stats are counters over the server's lifetime.
type Stats struct {
	// Requests counts requests by path.
	Requests map[string]int
	// Statuses counts answers by status (0 = dropped).
	Statuses map[int]int
	// Faults counts injected faults by kind.
	Faults map[string]int
	// Accepted counts stored /users/track objects by array name.
	Accepted map[string]int
	// Rejected counts /users/track objects rejected with a per-object error.
	Rejected map[string]int
}

// NewServer starts a fake Braze on loopback.
func NewServer(opts ...Option) *Server {
	cfg := config{key: DefaultKey, maxObjects: 75, maxItems: 50, limit: 3000, window: 3 * time.Second, recordLimit: 10000, maxArray: 500}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.maxObjects <= 0 {
		cfg.maxObjects = 75
	}
	if cfg.maxArray <= 0 {
		cfg.maxArray = 500
	}
	cfg.faults = cfg.faults.withDefaults()
	cfg.clock = clock.OrReal(cfg.clock)
	s := &Server{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(cfg.faults.Seed, cfg.faults.Seed^0xda3e39cb94b95bdb)),
		store:   newStore(cfg.maxArray),
		windows: map[string]*window{},
		stats: Stats{Requests: map[string]int{}, Statuses: map[int]int{}, Faults: map[string]int{},
			Accepted: map[string]int{}, Rejected: map[string]int{}},
	}
	s.httpS = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL returns the server's base URL (http://127.0.0.1:port); pass it to
// braze.WithBaseURL together with braze.WithAllowHTTP.
func (s *Server) URL() string { return s.httpS.URL }

// Key returns the REST key the server accepts (Authorization: Bearer
// <key>).
func (s *Server) Key() string { return s.cfg.key }

// String describes the server without its key.
func (s *Server) String() string { return "brazetest.Server(" + s.URL() + ")" }

// Client returns an *http.Client configured for the server.
func (s *Server) Client() *http.Client { return s.httpS.Client() }

// Close shuts the server down, waiting for in-flight requests.
func (s *Server) Close() {
	s.httpS.CloseClientConnections()
	s.httpS.Close()
}

// Requests returns a copy of the recorded requests, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := func(m map[string]int) map[string]int {
		o := make(map[string]int, len(m))
		for k, v := range m {
			o[k] = v
		}
		return o
	}
	st := Stats{Requests: cp(s.stats.Requests), Faults: cp(s.stats.Faults), Accepted: cp(s.stats.Accepted),
		Rejected: cp(s.stats.Rejected), Statuses: make(map[int]int, len(s.stats.Statuses))}
	for k, v := range s.stats.Statuses {
		st.Statuses[k] = v
	}
	return st
}

// Reset forgets every stored user, recorded request, counter and queued
// fault (the fault generator and rate-limit windows keep their state).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store = newStore(s.cfg.maxArray)
	s.requests, s.queued = nil, nil
	s.stats = Stats{Requests: map[string]int{}, Statuses: map[int]int{}, Faults: map[string]int{},
		Accepted: map[string]int{}, Rejected: map[string]int{}}
}

// answer is what a handler decided.
type answer struct {
	status int
	header http.Header
	body   []byte
	drop   bool
	fault  string
}

func jsonAnswer(status int, v any) answer {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"message":"internal error"}`)
		status = http.StatusInternalServerError
	}
	return answer{status: status, body: b}
}

func msgAnswer(status int, msg string) answer {
	return jsonAnswer(status, map[string]any{"message": msg})
}

// families group endpoints that share a quota (spec §3).
var routes = map[string]struct {
	family string
	limit  int
	window time.Duration
}{
	"/users/track":                {"track", 3000, 3 * time.Second},
	"/users/alias/new":            {"users", 20000, time.Minute},
	"/users/identify":             {"users", 20000, time.Minute},
	"/users/merge":                {"users", 20000, time.Minute},
	"/users/delete":               {"users", 20000, time.Minute},
	"/v2/subscription/status/set": {"subscription", 5000, time.Minute},
	"/users/external_ids/rename":  {"rename", 1000, time.Minute},
}

// otherRoute is the quota of every endpoint the fake does not implement.
var otherRoute = struct {
	family string
	limit  int
	window time.Duration
}{"other", 250000, time.Hour}

type window struct {
	start time.Time
	count int
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Read the body first (bounded) so that it can be recorded even when
	// the answer is a fault.
	body, tooLarge := readBody(r)

	s.mu.Lock()
	seq := s.reqCount
	s.reqCount++
	s.stats.Requests[r.URL.Path]++
	latency := s.cfg.faults.Latency
	ans, faulted := s.pickFaultLocked()
	s.mu.Unlock()

	if latency > 0 {
		if err := s.cfg.clock.Sleep(ctx, latency); err != nil {
			return
		}
	}

	if !faulted {
		ans = s.handle(r, body, tooLarge, seq)
	}

	s.mu.Lock()
	s.decorateLocked(r.URL.Path, &ans)
	s.stats.Statuses[statusOf(ans)]++
	if ans.fault != "" {
		s.stats.Faults[ans.fault]++
	}
	if !s.cfg.discard && len(s.requests) < s.cfg.recordLimit {
		s.requests = append(s.requests, Request{Seq: seq, Method: r.Method, Path: r.URL.Path,
			ContentType: r.Header.Get("Content-Type"), Body: body, Status: statusOf(ans), Fault: ans.fault, Response: ans.body})
	}
	s.mu.Unlock()

	if ans.drop {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return
		}
		// Hijacking is impossible (HTTP/2): abort the handler instead.
		panic(http.ErrAbortHandler)
	}
	for k, v := range ans.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(ans.body)))
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
}

func statusOf(a answer) int {
	if a.drop {
		return 0
	}
	return a.status
}

func readBody(r *http.Request) (body []byte, tooLarge bool) {
	if r.Body == nil {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return b, false
	}
	if len(b) > MaxBodyBytes {
		return b[:MaxBodyBytes], true
	}
	return b, false
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// decorateLocked adds the rate-limit headers every Braze answer carries.
func (s *Server) decorateLocked(path string, a *answer) {
	if a.drop {
		return
	}
	if a.header == nil {
		a.header = http.Header{}
	}
	if a.fault == "429" {
		// Like Braze's MAU-pricing 429s, an injected 429 carries only its
		// hint (see HintStyle), not the X-RateLimit-* set.
		return
	}
	rt, ok := routes[path]
	if !ok {
		// Every other Braze endpoint shares 250,000 requests per hour.
		rt = otherRoute
	}
	limit, win := rt.limit, rt.window
	if s.cfg.enforce {
		limit, win = s.cfg.limit, s.cfg.window
	}
	wd := s.windowLocked(rt.family, win)
	now := s.cfg.clock.Now()
	end := wd.start.Add(win)
	if a.header.Get("X-RateLimit-Limit") == "" {
		a.header.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	}
	if a.header.Get("X-RateLimit-Remaining") == "" {
		a.header.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, limit-wd.count)))
	}
	if a.header.Get("X-RateLimit-Reset") == "" {
		if s.cfg.resetSeconds {
			a.header.Set("X-RateLimit-Reset", strconv.FormatInt(int64(max(0, (end.Sub(now)+time.Second-1)/time.Second)), 10))
		} else {
			a.header.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(end), 10))
		}
	}
}

func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

func (s *Server) windowLocked(fam string, win time.Duration) *window {
	now := s.cfg.clock.Now()
	wd := s.windows[fam]
	if wd == nil {
		wd = &window{start: now.Truncate(win)}
		s.windows[fam] = wd
	}
	if !now.Before(wd.start.Add(win)) {
		wd.start, wd.count = now.Truncate(win), 0
	}
	return wd
}

// handle runs the non-fault pipeline: auth, rate limit, method, path,
// content type, size, JSON, endpoint.
func (s *Server) handle(r *http.Request, body []byte, tooLarge bool, seq int) answer {
	if !s.authorized(r.Header.Get("Authorization")) {
		return msgAnswer(http.StatusUnauthorized, MsgInvalidKey)
	}
	rt, known := routes[r.URL.Path]
	if !known {
		return msgAnswer(http.StatusNotFound, MsgNotFound)
	}
	if r.Method != http.MethodPost {
		a := msgAnswer(http.StatusMethodNotAllowed, MsgMethod)
		a.header = http.Header{"Allow": {"POST"}}
		return a
	}
	if a, limited := s.rateLimit(rt.family); limited {
		return a
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return msgAnswer(http.StatusUnsupportedMediaType, MsgContentType)
	}
	if tooLarge {
		return msgAnswer(http.StatusRequestEntityTooLarge, MsgTooLarge)
	}
	doc, err := decodeObject(body)
	if err != nil {
		return msgAnswer(http.StatusBadRequest, MsgParseError)
	}
	if r.URL.Path == "/users/track" {
		plan, fatal := s.checkTrack(doc)
		if fatal != nil {
			return *fatal
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.applyTrackLocked(plan, seq)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/users/alias/new":
		return s.aliasNewLocked(doc)
	case "/users/identify":
		return s.identifyLocked(doc)
	case "/users/merge":
		return s.mergeLocked(doc)
	case "/users/delete":
		return s.deleteLocked(doc)
	case "/v2/subscription/status/set":
		return s.subscriptionLocked(doc)
	default:
		return s.renameLocked(doc)
	}
}

func (s *Server) authorized(h string) bool {
	scheme, key, ok := strings.Cut(strings.TrimSpace(h), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(key) == s.cfg.key && s.cfg.key != ""
}

// rateLimit counts the request in its family's window and, when enforcing,
// answers 429 over the quota.
func (s *Server) rateLimit(fam string) (answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := routes["/users/track"]
	for _, v := range routes {
		if v.family == fam {
			rt = v
			break
		}
	}
	limit, win := rt.limit, rt.window
	if s.cfg.enforce {
		limit, win = s.cfg.limit, s.cfg.window
	}
	wd := s.windowLocked(fam, win)
	if s.cfg.enforce && wd.count >= limit {
		a := msgAnswer(http.StatusTooManyRequests, MsgRateLimited)
		a.fault = "ratelimit"
		left := wd.start.Add(win).Sub(s.cfg.clock.Now())
		secs := int64((left + time.Second - 1) / time.Second)
		a.header = http.Header{}
		a.header.Set("X-Ratelimit-Retry-After", strconv.FormatInt(secs, 10))
		a.header.Set("Retry-After", strconv.FormatInt(secs, 10))
		a.header.Set("X-RateLimit-Remaining", "0")
		return a, true
	}
	wd.count++
	return answer{}, false
}

// decodeObject parses a JSON object body with numbers kept exact.
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	return normalizeMap(m), nil
}
