package httpretry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// Config configures a Client. Every field is optional.
type Config struct {
	// HTTPClient sends the requests. nil means NewHTTPClient().
	HTTPClient *http.Client
	// Logger receives retry decisions (Debug), give-ups (Warn) and
	// go-retryablehttp's own messages (Debug/Warn). nil discards. Nothing
	// logged here contains request headers or bodies.
	Logger *slog.Logger
	// Clock is used for every wait. nil means clock.Real().
	Clock clock.Clock
	// Policy sets retry counts, backoff and the budget (zero = defaults).
	Policy Policy
	// Budget, when set, is shared instead of a new bucket built from
	// Policy.Budget (e.g. one budget across several clients).
	Budget *Budget
	// Seed makes the backoff jitter deterministic; 0 picks a random seed.
	Seed uint64
	// OnRetry, when set, is called synchronously before every retry wait.
	OnRetry func(Retry)
	// OnGiveUp, when set, is called when a retryable failure is not retried
	// (retries or budget exhausted, or a server hint above MaxRetryAfter).
	OnGiveUp func(Retry, error)
}

// Retry describes one failed attempt that the client handles: the next
// attempt follows after Wait (OnRetry) or none follows (OnGiveUp).
type Retry struct {
	// Endpoint is Request.Endpoint, a label such as "/users/track".
	Endpoint string
	// Attempt is the 1-based number of the attempt that failed.
	Attempt int
	// StatusCode is the response status, 0 for a transport error.
	StatusCode int
	// Err is the transport error, nil when a response arrived.
	Err error
	// Wait is the delay before the next attempt (0 when giving up).
	Wait time.Duration
	// ServerHint is the wait the server asked for, if it sent one.
	ServerHint time.Duration
	// HasServerHint reports whether ServerHint is set.
	HasServerHint bool
}

// Request is one logical call, sent once and then retried as needed.
type Request struct {
	// Method and URL of the call.
	Method, URL string
	// Header is sent with every attempt. Do does not modify it, so one map
	// may serve many concurrent calls (see SharedHeader); it is copied per
	// call when the HTTP client has a cookie jar (whose cookies net/http
	// adds to the request's header) or another RoundTripper than
	// net/http's Transport (see Client.setHeader).
	Header http.Header
	// Body is replayed on every attempt.
	Body []byte
	// WatchBody asks for Outcome.BodyIdle, for a caller that wants to
	// reuse Body's memory (it costs a few small allocations per call).
	WatchBody bool
	// Endpoint labels logs and observer events (no secrets, please).
	Endpoint string
	// BeforeAttempt, when set, runs before every attempt including the
	// first, typically a rate limiter's wait. An error ends the call.
	BeforeAttempt func(ctx context.Context) error
}

// Outcome reports how a call went, whatever Do returned.
type Outcome struct {
	// Attempts is how many times the request was sent (or tried to be).
	Attempts int
	// GaveUp is ErrMaxRetries, ErrBudgetExhausted or ErrRetryAfterTooLong
	// when the final answer was retryable but no further attempt was made;
	// nil otherwise.
	GaveUp error
	// RetryAfter is the last server hint seen, 0 if none.
	RetryAfter time.Duration
	// BodyIdle reports, when Request.WatchBody was set, that net/http will
	// not read Request.Body any more, so the caller may reuse its memory
	// (see bodyWatch for how that is known). It is false whenever that
	// cannot be proven, and without WatchBody.
	BodyIdle bool
}

// Retries is Attempts-1 (never negative).
func (o Outcome) Retries() int { return max(0, o.Attempts-1) }

// Client sends requests with retries. It is safe for concurrent use.
type Client struct {
	rc       *retryablehttp.Client
	http     *http.Client
	clock    clock.Clock
	policy   Policy
	budget   *Budget
	logger   *slog.Logger
	onRetry  func(Retry)
	onGiveUp func(Retry, error)

	randMu sync.Mutex
	rand   *rand.Rand
}

// NewHTTPClient returns the default HTTP client: its own pooled transport
// (a clone of http.DefaultTransport with up to 64 idle connections per
// host, since a batcher sends in parallel to one host) and a 30 s timeout
// per attempt.
//
// Its connections' write buffers (WriteBufferSize) hold a whole typical
// request: net/http copies a []byte body into that buffer and sends headers
// and body with one write. With net/http's default of 4 KB, a full
// /users/track body (15–60 KB) overflowed it, and the rest was copied
// through a fresh buffer of up to 32 KB per request (the transport hides the
// body behind an io.LimitReader, so no copy shortcut applies): the largest
// allocation of a request after the body itself.
//
// It does not ask for compressed answers (no Accept-Encoding: gzip, and no
// transparent gunzip): the answers of the APIs it talks to are a few dozen
// bytes of JSON, or empty, and the header and its bookkeeping cost three
// allocations per request.
func NewHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 128
	tr.MaxIdleConnsPerHost = 64
	tr.WriteBufferSize = WriteBufferSize
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// WriteBufferSize is the per-connection write buffer of NewHTTPClient's
// transport: 64 KB, room for a /users/track body of 75 objects of up to
// about 850 bytes each.
const WriteBufferSize = 64 << 10

// New returns a Client configured by cfg.
func New(cfg Config) *Client {
	c := &Client{
		http:     cfg.HTTPClient,
		clock:    clock.OrReal(cfg.Clock),
		policy:   cfg.Policy.WithDefaults(),
		budget:   cfg.Budget,
		logger:   cfg.Logger,
		onRetry:  cfg.OnRetry,
		onGiveUp: cfg.OnGiveUp,
	}
	if c.http == nil {
		c.http = NewHTTPClient()
	}
	if c.budget == nil {
		c.budget = NewBudget(c.policy.Budget)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	c.rand = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c.rc = c.newRetryable()
	return c
}

// Budget returns the client's retry budget.
func (c *Client) Budget() *Budget { return c.budget }

// Policy returns the effective policy (defaults applied).
func (c *Client) Policy() Policy { return c.policy }

// HTTPClient returns the underlying *http.Client.
func (c *Client) HTTPClient() *http.Client { return c.http }

// Retryable returns the wired *retryablehttp.Client. Its CheckRetry,
// Backoff and PrepareRetry hooks need the per-call state that Do puts in the
// request context, so send through Do; this accessor exists for inspection.
func (c *Client) Retryable() *retryablehttp.Client { return c.rc }

// newRetryable builds the go-retryablehttp client. The library supplies the
// loop (attempt, check, drain, prepare); the decisions are ours:
//   - CheckRetry classifies the answer, consults MaxRetries, the server hint
//     and the budget, and computes the wait;
//   - Backoff returns 0 so retryablehttp never sleeps on the wall clock;
//   - PrepareRetry sleeps on our clock (honouring ctx) and then runs the
//     caller's BeforeAttempt hook (the rate limiter);
//   - ErrorHandler passes the last response/error through untouched.
func (c *Client) newRetryable() *retryablehttp.Client {
	rc := &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryWaitMin: 0,
		RetryWaitMax: 0,
		// Our CheckRetry stops the loop; this is only a backstop.
		RetryMax:     math.MaxInt32,
		CheckRetry:   c.checkRetry,
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		PrepareRetry: c.prepareRetry,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if c.logger.Handler() != slog.DiscardHandler {
		rc.Logger = leveled{c.logger.With("component", "retryablehttp")}
	}
	return rc
}

type stateKey struct{}

// callState is the per-call bookkeeping carried in the request context
// between retryablehttp's hooks. It is that context itself (the caller's,
// answering stateKey with the state), and it holds the call's body watch
// and trace, its retryablehttp.Request and its first body reader (see
// openBody), so that a call costs one allocation for all of them instead
// of one each plus a context.WithValue.
type callState struct {
	context.Context // the caller's
	req             Request
	attempts        int
	wait            time.Duration
	gaveUp          error
	hint            time.Duration
	watch           bodyWatch
	trace           httptrace.ClientTrace
	rreq            retryablehttp.Request

	body     bytes.Reader // req.Body for the first attempt
	built    bool         // rreq has its body: openBody's next caller reads
	bodyLent atomic.Bool  // body was handed out for reading
}

// openBody is the call's retryablehttp.ReaderFunc, called for the request
// body's length when the request is built, then for each attempt (and by
// net/http's GetBody to rewind a body). The first reader handed out for
// reading is the call state's own, so that the first attempt costs no
// reader; any later one is a new *bytes.Reader, because an earlier attempt
// may still be reading its own (net/http may write a request after the
// answer to it came back). The readers are *bytes.Readers either way,
// which net/http recognises as in-memory (one write for headers and body)
// and whose Len gives the request's Content-Length.
func (st *callState) openBody() (io.Reader, error) {
	if !st.built { // Request.SetBody asking for the length
		return &st.body, nil
	}
	if st.bodyLent.CompareAndSwap(false, true) {
		st.body.Reset(st.req.Body) // whatever the length probe did
		return &st.body, nil
	}
	return bytes.NewReader(st.req.Body), nil
}

// Value answers stateKey with the state and asks the caller's context for
// every other key.
func (st *callState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return st
	}
	return st.Context.Value(key)
}

// Do sends req, retrying as the policy allows. It returns the final response
// (the caller must read and close its body) or the final transport or
// context error, plus the Outcome. A retryable response that is not retried
// any further (see Outcome.GaveUp) is returned as a response, not an error,
// so the caller can read its body.
func (c *Client) Do(ctx context.Context, req Request) (*http.Response, Outcome, error) {
	st := &callState{Context: ctx, req: req}
	if req.BeforeAttempt != nil {
		if err := req.BeforeAttempt(st); err != nil {
			return nil, Outcome{BodyIdle: req.WatchBody}, err
		}
	}
	var reqCtx context.Context = st
	watched := req.WatchBody && len(req.Body) > 0
	if watched {
		reqCtx = st.watch.context(st, &st.trace)
	}
	// What retryablehttp.NewRequestWithContext does, with the request and
	// the body's reader held in the call state and the body given as a
	// ReaderFunc (a []byte would be boxed, wrapped in a closure and read
	// through a new *bytes.Reader per attempt).
	hreq, err := http.NewRequestWithContext(reqCtx, req.Method, req.URL, nil)
	if err != nil {
		return nil, Outcome{BodyIdle: req.WatchBody}, err
	}
	st.body.Reset(req.Body)
	st.rreq.Request = hreq
	if err := st.rreq.SetBody(retryablehttp.ReaderFunc(st.openBody)); err != nil {
		return nil, Outcome{BodyIdle: req.WatchBody}, err
	}
	st.built = true
	c.setHeader(st.rreq.Request, req.Header)
	resp, err := c.rc.Do(&st.rreq)
	out := Outcome{Attempts: max(1, st.attempts), GaveUp: st.gaveUp, RetryAfter: st.hint,
		BodyIdle: req.WatchBody && (!watched || st.watch.idle())}
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		// net/http wraps transport failures in *url.Error, whose text
		// quotes the whole URL; callers name the endpoint themselves, and
		// errors must never carry URL text (a proxy URL may hold a
		// credential), so only the cause is returned.
		var urlErr *url.Error
		if errors.As(err, &urlErr) && urlErr.Err != nil {
			err = urlErr.Err
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = errors.Join(ctxErr, err)
		}
		return nil, out, err
	}
	return resp, out, nil
}

func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil { // not sent through Do: behave like the library default
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	st.attempts++
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	var retryable bool
	if err != nil {
		// The library's default refuses what cannot heal: TLS verification,
		// bad scheme, invalid header, redirect loops.
		retryable, _ = retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	} else {
		retryable = RetryableStatus(resp.StatusCode)
	}
	if !retryable {
		switch {
		case err != nil:
		case st.attempts > 1:
			c.budget.Refund() // the last retry got an answer
		default:
			c.budget.Refill()
		}
		return false, nil
	}

	ev := Retry{Endpoint: st.req.Endpoint, Attempt: st.attempts, Err: err}
	if resp != nil {
		ev.StatusCode = resp.StatusCode
	}
	ev.ServerHint, ev.HasServerHint = ServerHint(resp, c.clock.Now())
	if ev.HasServerHint {
		st.hint = ev.ServerHint
	}
	var wait time.Duration
	if ev.HasServerHint && ev.ServerHint > 0 {
		wait = ev.ServerHint
	} else {
		wait = c.policy.Backoff(st.attempts-1, c.jitter())
	}
	// The budget is charged last, only for a retry that will happen.
	switch {
	case ev.HasServerHint && ev.ServerHint > c.policy.MaxRetryAfter:
		st.gaveUp = ErrRetryAfterTooLong
	case st.attempts > c.policy.MaxRetries:
		st.gaveUp = ErrMaxRetries
	case deadlineTooSoon(ctx, wait):
		st.gaveUp = ErrDeadlineTooSoon
	case !c.budget.TryCharge():
		st.gaveUp = ErrBudgetExhausted
	}
	if st.gaveUp != nil {
		c.logger.LogAttrs(ctx, slog.LevelWarn, "giving up on retryable failure",
			slog.String("endpoint", ev.Endpoint), slog.Int("attempts", ev.Attempt),
			slog.Int("status", ev.StatusCode), slog.Any("error", err),
			slog.Duration("server_hint", ev.ServerHint), slog.String("reason", st.gaveUp.Error()))
		if c.onGiveUp != nil {
			c.onGiveUp(ev, st.gaveUp)
		}
		return false, nil
	}
	ev.Wait = wait
	st.wait = wait
	c.logger.LogAttrs(ctx, slog.LevelDebug, "retrying",
		slog.String("endpoint", ev.Endpoint), slog.Int("attempt", ev.Attempt),
		slog.Int("status", ev.StatusCode), slog.Any("error", err), slog.Duration("wait", ev.Wait))
	if c.onRetry != nil {
		c.onRetry(ev)
	}
	return true, nil
}

// deadlineTooSoon reports whether ctx's deadline comes before wait is over.
// Deadlines are wall-clock times, so the real time left is compared even
// when the client sleeps on a fake clock.
func deadlineTooSoon(ctx context.Context, wait time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < wait
}

func (c *Client) prepareRetry(req *http.Request) error {
	ctx := req.Context()
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil {
		return nil
	}
	if err := c.clock.Sleep(ctx, st.wait); err != nil {
		return err
	}
	if st.req.BeforeAttempt != nil {
		return st.req.BeforeAttempt(ctx)
	}
	return nil
}

func (c *Client) jitter() float64 {
	c.randMu.Lock()
	defer c.randMu.Unlock()
	return c.rand.Float64()
}

// leveled adapts *slog.Logger to retryablehttp.LeveledLogger, demoting the
// library's per-attempt "request failed" errors to warnings: a failed
// attempt that is then retried is not an error of the program.
type leveled struct{ l *slog.Logger }

// Error logs at Warn (see leveled).
func (l leveled) Error(msg string, kv ...any) { l.l.Warn(msg, kv...) }

// Warn logs at Warn.
func (l leveled) Warn(msg string, kv ...any) { l.l.Warn(msg, kv...) }

// Info logs at Debug: per-request chatter.
func (l leveled) Info(msg string, kv ...any) { l.l.Debug(msg, kv...) }

// Debug logs at Debug.
func (l leveled) Debug(msg string, kv ...any) { l.l.Debug(msg, kv...) }
