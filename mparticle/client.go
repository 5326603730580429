package mparticle

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/internal/httpretry"
	sec "github.com/mpbraze/mpbraze/internal/secret"
)

// Client sends batches to the mParticle Events API: [Client.Upload] posts
// one batch to /events, [Client.BulkUpload] posts many to /bulkevents, split
// to the API's limits. Requests are authenticated with HTTP Basic auth (input
// key and secret), rate limited on the client side, and retried on transport
// errors, 408, 429 (honouring Retry-After) and 5xx other than 501; other 4xx
// are final.
//
// Create one with [NewClient]; the zero Client is not usable. A Client is
// safe for concurrent use. Its key and secret never appear in logs, errors,
// or the printed form of the Client.
type Client struct {
	baseURL    string
	key        sec.Secret
	secret     sec.Secret
	authHeader sec.Secret // "Basic base64(key:secret)", built once
	userAgent  string
	header     httpretry.SharedHeader // sent with every request, built once
	maxBatches int                    // per /bulkevents request
	limiter    *httpretry.Limiter
	clock      clock.Clock
	logger     *slog.Logger
	retry      *httpretry.Client
	onRetry    func(RetryEvent)
	requestIDs func() string // nil: leave source_request_id as given
	validate   bool
	stats      httpretry.Counters
	// batches and batchesFailed count batches, which only this client has.
	batches, batchesFailed atomic.Uint64
}

// NewClient returns a client for the Events API input identified by key
// and secret. It needs [WithPod] or [WithBaseURL]. Configuration errors are
// a *[ConfigError] naming the option at fault; none of them ever contains
// the key or secret.
func NewClient(key, secret string, opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := checkCredential("key", key); err != nil {
		return nil, err
	}
	if strings.Contains(key, ":") {
		// HTTP Basic auth cannot carry a user name with a colon.
		return nil, &ConfigError{Option: "key", Reason: "contains a colon, which HTTP Basic auth cannot carry"}
	}
	if err := checkCredential("secret", secret); err != nil {
		return nil, err
	}
	base, err := cfg.resolveBaseURL()
	if err != nil {
		return nil, err
	}
	if err := cfg.rateLimit.validate(); err != nil {
		return nil, err
	}
	if err := cfg.retry.validate(); err != nil {
		return nil, err
	}
	ua := cfg.userAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		baseURL:    base,
		key:        sec.New(key),
		secret:     sec.New(secret),
		authHeader: sec.New("Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))),
		userAgent:  ua,
		clock:      clock.OrReal(cfg.clock),
		logger:     logger,
		onRetry:    cfg.onRetry,
		requestIDs: cfg.requestIDs,
		validate:   cfg.validate,
	}
	c.header = httpretry.NewJSONHeader(c.authHeader.Reveal(), c.userAgent)
	c.limiter, c.maxBatches = cfg.rateLimit.withDefaults().limiter(c.clock)
	var hc *http.Client
	if cfg.httpClient != nil {
		copied := *cfg.httpClient // never mutate the caller's client
		hc = &copied
	}
	c.retry = httpretry.New(httpretry.Config{
		HTTPClient: hc,
		Logger:     logger,
		Clock:      c.clock,
		Policy:     cfg.retry.policy(),
		Seed:       cfg.jitterSeed,
		OnRetry:    func(r httpretry.Retry) { c.observeRetry(r, nil) },
		OnGiveUp:   c.observeRetry,
	})
	return c, nil
}

// checkCredential rejects an empty credential or one with control
// characters (which could never be a valid key and might split a header).
func checkCredential(name, v string) error {
	if v == "" {
		return &ConfigError{Option: name, Reason: "required"}
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return &ConfigError{Option: name, Reason: "contains a control character"}
	}
	return nil
}

// resolveBaseURL turns the pod / base URL options into the base URL,
// validating them.
func (cfg *config) resolveBaseURL() (string, error) {
	switch {
	case cfg.podSet && cfg.baseURLSet:
		return "", &ConfigError{Option: "WithPod", Value: string(cfg.pod), Reason: "conflicts with WithBaseURL; set one of them"}
	case cfg.podSet:
		if !cfg.pod.Valid() {
			return "", &ConfigError{Option: "WithPod", Value: string(cfg.pod), Reason: "not one of US1, US2, EU1, AU1"}
		}
		return cfg.pod.BaseURL(), nil
	case !cfg.baseURLSet:
		return "", &ConfigError{Option: "WithPod", Reason: "required: use WithPod(US1|US2|EU1|AU1) or WithBaseURL (the pod is a property of the workspace, so there is no default)"}
	}
	base, shown, problems := sec.BaseURL(cfg.baseURL, cfg.allowHTTP)
	if problems != nil {
		return "", &ConfigError{Option: "WithBaseURL", Value: shown, Reason: strings.Join(problems, "; ")}
	}
	return base, nil
}

// BaseURL returns the Events API base URL the client posts to.
func (c *Client) BaseURL() string { return c.baseURL }

// CloseIdleConnections closes the idle keep-alive connections of the
// client's HTTP transport. Call it when done with a Client (tests, short-lived
// programs); the Client stays usable afterwards.
func (c *Client) CloseIdleConnections() { c.retry.HTTPClient().CloseIdleConnections() }

// String describes the client by its base URL; the credentials are never
// shown.
func (c *Client) String() string {
	if c == nil {
		return "mparticle.Client(nil)"
	}
	return "mparticle.Client(" + c.baseURL + ", key " + sec.Redacted + ")"
}

// GoString is String, so that %#v cannot print the credentials either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so that %v, %+v, %s and %#v of a
// Client, or of a struct holding one, never reveal its fields.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes log/slog print the client as String.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Upload sends one batch to POST /events. The batch is encoded once; a batch
// over [MaxBatchBytes] is refused with a *[BatchSizeError] without any
// request. Failures are an *[APIError] (errors.As), a *[TransportError]
// after the retries, or the context's error (errors.Is).
//
// A retry after a lost answer may deliver a batch twice unless it carries a
// source_request_id: set Batch.SourceRequestID, or use [WithSourceRequestIDs].
func (c *Client) Upload(ctx context.Context, b *Batch) error {
	if b == nil {
		return ErrNilBatch
	}
	body, err := c.encodeBatch(b)
	if err != nil {
		return err
	}
	return c.post(ctx, "/events", body, 1)
}

// BulkUpload sends batches to POST /bulkevents, in their order, splitting
// them into as few requests as the limits allow (at most 100 batches and
// 256 KB per request, fewer batches when the rate-limit burst is smaller).
// Each batch is encoded once.
//
// A batch that cannot be sent (nil, unencodable, over [MaxBatchBytes], or
// invalid with [WithValidation]) does not stop the others. A request that fails fails the batches it
// carried, and the following requests are still sent, unless the failure
// will repeat for them too (401 or 403, or the context ended); then the
// remaining batches are reported as not sent. The result is nil when every
// batch was accepted, else a *[BulkError] listing each failed batch by index
// with its reason.
//
// A 202 from /bulkevents means the request was accepted; the Events API may
// still drop an individual batch it finds invalid without saying so, so
// validate batches first (see [Batch.Validate]) when that matters. Requests
// are sent one after the other: the Events API's default quota (about 270
// batches/s) is far below what one sequential client sends. As with Upload,
// give batches a source_request_id ([WithSourceRequestIDs]) to make retries
// after a lost answer safe.
func (c *Client) BulkUpload(ctx context.Context, batches []*Batch) error {
	if len(batches) == 0 {
		return nil
	}
	var failed []BatchFailure
	encoded := make([]encodedBatch, 0, len(batches))
	for i, b := range batches {
		if b == nil {
			failed = append(failed, BatchFailure{Index: i, Err: ErrNilBatch})
			continue
		}
		body, err := c.encodeBatch(b)
		if err != nil {
			failed = append(failed, BatchFailure{Index: i, Err: err})
			continue
		}
		encoded = append(encoded, encodedBatch{index: i, json: body})
	}
	chunks := split(encoded, c.maxBatches, MaxRequestBytes)
	for n, ch := range chunks {
		err := c.post(ctx, "/bulkevents", ch.body(), len(ch))
		if err == nil {
			continue
		}
		for _, b := range ch {
			failed = append(failed, BatchFailure{Index: b.index, Err: err})
		}
		if repeats(ctx, err) {
			notSent := fmt.Errorf("mparticle: not sent after an earlier request failed: %w", err)
			for _, rest := range chunks[n+1:] {
				for _, b := range rest {
					failed = append(failed, BatchFailure{Index: b.index, Err: notSent})
				}
			}
			break
		}
	}
	if len(failed) == 0 {
		return nil
	}
	sortFailures(failed)
	return &BulkError{Total: len(batches), Failed: failed}
}

// repeats reports whether err would fail every later request too: the
// context ended, or the credentials were refused.
func repeats(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden)
}

// encodeBatch validates b when asked, encodes it, with a generated
// source_request_id when asked, and checks it against the per-batch limit.
func (c *Client) encodeBatch(b *Batch) ([]byte, error) {
	if c.validate {
		if err := b.Validate(); err != nil {
			return nil, err
		}
	}
	if c.requestIDs != nil && b.SourceRequestID == "" {
		withID := *b // a shallow copy: the caller's batch stays as it was
		withID.SourceRequestID = c.requestIDs()
		b = &withID
	}
	// The model's own encoder, called directly: json.Marshal would copy and
	// re-scan its output, doubling the bytes allocated per batch. json.Valid
	// keeps the guarantee that only well-formed JSON goes on the wire, where
	// one bad batch would fail a whole bulk request.
	body, err := b.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("mparticle: encoding batch: %w", err)
	}
	if !json.Valid(body) {
		return nil, errors.New("mparticle: encoding batch: the encoder produced invalid JSON")
	}
	if len(body) > MaxBatchBytes {
		return nil, &BatchSizeError{Size: len(body), Limit: MaxBatchBytes}
	}
	return body, nil
}

// post sends body to endpoint with retries, after waiting for n batches'
// worth of rate-limit tokens before every attempt.
func (c *Client) post(ctx context.Context, endpoint string, body []byte, n int) error {
	res := c.retry.Send(ctx, httpretry.Request{
		Method:   http.MethodPost,
		URL:      c.baseURL + endpoint,
		Header:   c.header.Header(),
		Body:     body,
		Endpoint: endpoint,
		BeforeAttempt: func(ctx context.Context) error {
			return c.wait(ctx, n)
		},
	})
	c.stats.Call(res)
	if res.Failure != httpretry.Answered {
		c.stats.Failed.Add(1)
		c.batchesFailed.Add(uint64(n))
	}
	switch res.Failure {
	case httpretry.ContextEnded:
		c.logger.LogAttrs(ctx, slog.LevelDebug, "mparticle request abandoned",
			slog.String("endpoint", endpoint), slog.Any("error", ctx.Err()))
		return fmt.Errorf("mparticle: POST %s: %w", endpoint, res.Err)
	case httpretry.LimiterRefused:
		// Nothing was sent for this attempt, so it is not a transport
		// failure.
		c.logger.LogAttrs(ctx, slog.LevelDebug, "mparticle request abandoned",
			slog.String("endpoint", endpoint), slog.Any("error", res.Err))
		return fmt.Errorf("mparticle: POST %s: waiting for the rate limiter: %w", endpoint, res.Err)
	case httpretry.TransportFailed:
		te := &TransportError{Endpoint: endpoint, Attempts: res.Attempts, Err: res.Err, GaveUp: res.GaveUp}
		c.logger.LogAttrs(ctx, slog.LevelWarn, "mparticle request failed",
			slog.String("endpoint", endpoint), slog.Int("batches", n), slog.Int("attempts", res.Attempts),
			slog.String("error", te.Error()))
		return te
	}
	resp := res.Response
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		c.batches.Add(uint64(n))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		c.logger.LogAttrs(ctx, slog.LevelDebug, "mparticle request accepted",
			slog.String("endpoint", endpoint), slog.Int("batches", n), slog.Int("bytes", len(body)),
			slog.Int("status", resp.StatusCode), slog.Int("attempts", res.Attempts))
		return nil
	}
	c.stats.Failed.Add(1)
	c.batchesFailed.Add(uint64(n))
	apiErr := c.apiError(endpoint, resp, res)
	c.logger.LogAttrs(ctx, slog.LevelWarn, "mparticle request failed",
		slog.String("endpoint", endpoint), slog.Int("batches", n), slog.Int("status", resp.StatusCode),
		slog.Int("attempts", res.Attempts), slog.String("error", apiErr.Error()))
	return apiErr
}

// wait takes one rate-limit token per batch, sleeping on the client's clock.
// Tokens are taken one by one so that a request never needs more than the
// limiter's burst at once.
func (c *Client) wait(ctx context.Context, n int) error {
	for range n {
		if err := c.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// apiError builds the *APIError of a non-2xx response.
func (c *Client) apiError(endpoint string, resp *http.Response, res httpretry.Result) *APIError {
	e := &APIError{
		Endpoint:   endpoint,
		StatusCode: resp.StatusCode,
		Retryable:  httpretry.RetryableStatus(resp.StatusCode),
		Attempts:   res.Attempts,
		RetryAfter: res.RetryAfter,
		cause:      res.GaveUp,
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RateLimitScope = resp.Header.Get("X-MP-Rate-Limit-Exceeded")
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Errors []ErrorDetail `json:"errors"`
	}
	if json.Unmarshal(raw, &body) == nil && len(body.Errors) > 0 {
		for _, d := range body.Errors {
			e.Errors = append(e.Errors, ErrorDetail{Code: c.redact(d.Code), Message: c.redact(d.Message)})
		}
		return e
	}
	msg := strings.TrimSpace(string(raw))
	if len(msg) > 256 {
		msg = msg[:256] + "…"
	}
	e.Message = c.redact(msg)
	return e
}

// redact removes the credentials from text that came from elsewhere (a
// response body, a transport error), in case a proxy or server echoes them.
func (c *Client) redact(s string) string {
	for _, v := range []string{c.authHeader.Reveal()[len("Basic "):], c.secret.Reveal(), c.key.Reveal()} {
		if v != "" {
			s = strings.ReplaceAll(s, v, sec.Redacted)
		}
	}
	return s
}

// sortFailures orders failures by batch index (stable, so equal indexes keep
// their order).
func sortFailures(f []BatchFailure) {
	slices.SortStableFunc(f, func(a, b BatchFailure) int { return cmp.Compare(a.Index, b.Index) })
}

// observeRetry counts a retry decision and passes it to the observer.
func (c *Client) observeRetry(r httpretry.Retry, gaveUp error) {
	c.stats.Observe(r, gaveUp)
	if c.onRetry != nil {
		ev := RetryEvent{Endpoint: r.Endpoint, Attempt: r.Attempt, StatusCode: r.StatusCode, Err: r.Err,
			Wait: r.Wait, GaveUp: gaveUp}
		if r.HasServerHint {
			ev.RetryAfter = r.ServerHint
		}
		c.onRetry(ev)
	}
}

// ClientStats are cumulative counters of a Client (see [Client.Stats]); the
// fields match the braze client's, plus batch counts.
type ClientStats struct {
	// Requests is the number of HTTP calls made (each counted once however
	// many attempts it took).
	Requests uint64
	// Attempts is the number of HTTP attempts, retries included.
	Attempts uint64
	// Retries is the number of retries made.
	Retries uint64
	// RateLimited counts 429 answers, retried or not.
	RateLimited uint64
	// ServerErrors counts retryable 5xx answers, retried or not.
	ServerErrors uint64
	// TransportErrors counts attempts without an answer, retried or not.
	TransportErrors uint64
	// GaveUp counts retryable failures not retried further (policy, budget,
	// or a too-long Retry-After).
	GaveUp uint64
	// Failed counts calls that ended in an error.
	Failed uint64
	// Batches counts batches accepted by the Events API.
	Batches uint64
	// BatchesFailed counts batches in calls that failed; batches refused
	// before sending (nil, too large) are not counted.
	BatchesFailed uint64
	// RetryBudget is the retry budget's current token count.
	RetryBudget int
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() ClientStats {
	return ClientStats{
		Requests:        c.stats.Requests.Load(),
		Attempts:        c.stats.Attempts.Load(),
		Retries:         c.stats.Retries.Load(),
		RateLimited:     c.stats.RateLimited.Load(),
		ServerErrors:    c.stats.ServerErrors.Load(),
		TransportErrors: c.stats.TransportErrors.Load(),
		GaveUp:          c.stats.GaveUp.Load(),
		Failed:          c.stats.Failed.Load(),
		Batches:         c.batches.Load(),
		BatchesFailed:   c.batchesFailed.Load(),
		RetryBudget:     c.retry.Budget().Tokens(),
	}
}
