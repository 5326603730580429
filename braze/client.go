package braze

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/internal/httpretry"
	"github.com/mpbraze/mpbraze/internal/secret"
)

// Version is the library version sent in the default User-Agent.
const Version = "0.1.0"

// DefaultUserAgent is the User-Agent header sent unless WithUserAgent is set.
const DefaultUserAgent = "mpbraze-go/" + Version

// Client calls Braze's REST API: one method per endpoint, each validating
// its request, waiting on the endpoint family's client-side rate limiter
// before every attempt, and retrying what can be retried (see RetryPolicy).
// It is safe for concurrent use; create one per REST key with [NewClient]
// (the zero Client is not usable) and reuse it.
//
// Printing a Client (fmt, slog) shows its endpoint, never the key.
type Client struct {
	key       secret.Secret
	baseURL   string
	userAgent string
	// urls maps each endpoint's path to its full URL (see url).
	urls map[string]string
	// header is sent with every request, built once (it holds the key).
	header   httpretry.SharedHeader
	limits   Limits
	clock    clock.Clock
	logger   *slog.Logger
	retry    *httpretry.Client
	limiters [numFamilies]*httpretry.Limiter
	// waits are the limiters' Wait methods as BeforeAttempt hooks (nil
	// for an unlimited family), made once: a method value made per
	// request escapes into the call's state, an allocation each time.
	waits   [numFamilies]func(context.Context) error
	onRetry func(RetryEvent)
	stats   httpretry.Counters
	// bytesPerObject is the last /users/track body size per object, used
	// to size the next encoding buffer.
	bytesPerObject atomic.Int64
	// bodies recycles /users/track body buffers (*bodyBuf) once the HTTP
	// layer is provably done with them (httpretry's Outcome.BodyIdle): a
	// full body is 15–60 KB, the largest allocation of a request.
	bodies sync.Pool
	// answers recycles the buffers answers are read into (*[]byte): an
	// answer is a few dozen bytes, decoded into copies before send
	// returns, so reading it into a fresh buffer is waste.
	answers sync.Pool
}

// NewClient returns a client that authenticates with restKey (a Braze REST
// API key with the permissions of the endpoints you call).
//
// Exactly one of WithInstance or WithBaseURL is required; there is no
// default instance, because guessing one would send data to the wrong
// region. Errors are *ConfigError values naming the option at fault.
func NewClient(restKey string, opts ...Option) (*Client, error) {
	var s settings
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if strings.TrimSpace(restKey) == "" {
		return nil, &ConfigError{Option: "restKey", Reason: "empty; pass the Braze REST API key"}
	}
	if strings.ContainsAny(restKey, "\r\n") {
		return nil, &ConfigError{Option: "restKey", Reason: "contains a line break"}
	}
	base, err := resolveBaseURL(&s)
	if err != nil {
		return nil, err
	}
	for name, rl := range map[string]RateLimit{"Track": s.rateLimits.Track, "Users": s.rateLimits.Users,
		"Subscription": s.rateLimits.Subscription, "Rename": s.rateLimits.Rename} {
		if err := rl.validate(name); err != nil {
			return nil, err
		}
	}
	if err := s.retry.validate(); err != nil {
		return nil, err
	}
	if err := s.limits.validate(); err != nil {
		return nil, err
	}

	c := &Client{
		key:       secret.New(restKey),
		baseURL:   base,
		userAgent: s.userAgent,
		limits:    s.limits.normalized(),
		clock:     clock.OrReal(s.clock),
		logger:    s.logger,
		onRetry:   s.onRetry,
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	c.header = httpretry.NewJSONHeader("Bearer "+restKey, c.userAgent)
	c.urls = make(map[string]string, len(endpoints))
	for _, ep := range endpoints {
		c.urls[ep.path] = c.baseURL + ep.path
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.limiters = newLimiters(s.rateLimits, c.clock)
	for f, lim := range c.limiters {
		if lim != nil {
			c.waits[f] = lim.Wait
		}
	}
	c.retry = httpretry.New(httpretry.Config{
		HTTPClient: s.httpClient,
		Logger:     s.logger,
		Clock:      c.clock,
		Policy:     s.retry.internal(),
		Seed:       s.jitterSeed,
		OnRetry:    func(r httpretry.Retry) { c.observeRetry(r, nil) },
		OnGiveUp:   func(r httpretry.Retry, why error) { c.observeRetry(r, why) },
	})
	return c, nil
}

func resolveBaseURL(s *settings) (string, error) {
	switch {
	case s.instanceSet && s.baseURLSet:
		return "", &ConfigError{Option: "WithInstance", Value: string(s.instance), Reason: "conflicts with WithBaseURL; set one of them"}
	case s.instanceSet:
		if !s.instance.Valid() {
			return "", &ConfigError{Option: "WithInstance", Value: string(s.instance), Reason: "unknown instance (see braze.Instances)"}
		}
		return s.instance.BaseURL(), nil
	case !s.baseURLSet:
		return "", &ConfigError{Option: "WithInstance", Reason: "no Braze endpoint: set WithInstance (e.g. braze.US03) or WithBaseURL"}
	}
	base, shown, problems := secret.BaseURL(s.baseURL, s.allowHTTP)
	if problems != nil {
		return "", &ConfigError{Option: "WithBaseURL", Value: shown, Reason: strings.Join(problems, "; ")}
	}
	return base, nil
}

// BaseURL returns the REST endpoint the client calls.
func (c *Client) BaseURL() string { return c.baseURL }

// Limits returns the caps Track validates against.
func (c *Client) Limits() Limits { return c.limits }

// String describes the client without its key.
func (c *Client) String() string { return "braze.Client{" + c.baseURL + "}" }

// Format prints String for every verb, so %v/%+v/%#v of a Client never
// walk its fields.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes slog print the endpoint only.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// clk, clientLimits and clientRetryCounts are the hooks the Batcher uses.
func (c *Client) clk() clock.Clock { return c.clock }

func clientLimits(c *Client) Limits { return c.limits }

func clientRetryCounts(c *Client) (retries, rateLimited uint64) {
	s := c.Stats()
	return s.Retries, s.RateLimited
}

// endpoint describes one REST path.
type endpoint struct {
	path   string
	family family
}

var (
	epTrack        = endpoint{"/users/track", familyTrack}
	epAliasNew     = endpoint{"/users/alias/new", familyUsers}
	epIdentify     = endpoint{"/users/identify", familyUsers}
	epMerge        = endpoint{"/users/merge", familyUsers}
	epDelete       = endpoint{"/users/delete", familyUsers}
	epSubscription = endpoint{"/v2/subscription/status/set", familySubscription}
	epRename       = endpoint{"/users/external_ids/rename", familyRename}
)

// endpoints lists every endpoint, for the URLs a client builds once.
var endpoints = [...]endpoint{epTrack, epAliasNew, epIdentify, epMerge, epDelete, epSubscription, epRename}

// url returns ep's full URL, built once per client.
func (c *Client) url(ep endpoint) string {
	if u, ok := c.urls[ep.path]; ok {
		return u
	}
	return c.baseURL + ep.path
}

// errorBody is the shape of Braze's fatal answers.
type errorBody struct {
	Message string        `json:"message"`
	Errors  []ObjectError `json:"errors"`
}

// post sends body to ep and decodes a 2xx answer into out. Non-2xx answers
// become *APIError, unanswered requests *TransportError, and a context end
// returns the context's error (wrapped).
func (c *Client) post(ctx context.Context, ep endpoint, body []byte, out any) error {
	_, err := c.send(ctx, ep, body, out, false)
	return err
}

// send is post; with watch set it also reports whether body is idle: the
// HTTP layer will not read it any more, so its memory may be reused.
func (c *Client) send(ctx context.Context, ep endpoint, body []byte, out any, watch bool) (idle bool, err error) {
	if ctx == nil {
		return watch, errors.New("braze: nil context")
	}
	if len(body) > c.limits.MaxBodyBytes {
		return watch, fmt.Errorf("braze: POST %s: %d-byte body over the %d-byte limit: %w", ep.path, len(body), c.limits.MaxBodyBytes, ErrBodyTooLarge)
	}
	start := c.clock.Now()
	res := c.retry.Send(ctx, httpretry.Request{
		Method:        http.MethodPost,
		URL:           c.url(ep),
		Header:        c.header.Header(),
		Body:          body,
		WatchBody:     watch,
		Endpoint:      ep.path,
		BeforeAttempt: c.waitFunc(ep.family),
	})
	c.stats.Call(res)
	idle = res.BodyIdle
	switch res.Failure {
	case httpretry.ContextEnded:
		c.stats.Failed.Add(1)
		c.logger.LogAttrs(ctx, slog.LevelDebug, "braze request abandoned", slog.String("endpoint", ep.path), slog.Any("error", ctx.Err()))
		return idle, fmt.Errorf("braze: POST %s: %w", ep.path, res.Err)
	case httpretry.LimiterRefused:
		// Nothing was sent for this attempt, so it is not a transport
		// failure.
		c.stats.Failed.Add(1)
		c.logger.LogAttrs(ctx, slog.LevelDebug, "braze request abandoned", slog.String("endpoint", ep.path), slog.Any("error", res.Err))
		return idle, fmt.Errorf("braze: POST %s: waiting for the rate limiter: %w", ep.path, res.Err)
	case httpretry.TransportFailed:
		c.stats.Failed.Add(1)
		te := &TransportError{Endpoint: ep.path, Attempts: res.Attempts, Err: res.Err, GaveUp: res.GaveUp}
		c.logger.LogAttrs(ctx, slog.LevelWarn, "braze request failed", slog.String("endpoint", ep.path),
			slog.Int("attempts", res.Attempts), slog.String("error", te.Error()))
		return idle, te
	}
	resp := res.Response
	defer resp.Body.Close()
	ab, _ := c.answers.Get().(*[]byte)
	if ab == nil {
		b := make([]byte, 0, 512) // what io.ReadAll starts with
		ab = &b
	}
	data, readErr := readAtMost(resp.Body, (*ab)[:0], MaxResponseBytes+1)
	// Nothing below keeps data: decodeSimple and json.Unmarshal copy what
	// they keep.
	defer c.recycleAnswer(ab, data)
	elapsed := c.clock.Now().Sub(start)
	if readErr == nil && len(data) > MaxResponseBytes {
		readErr = ErrResponseTooLarge
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "braze request done", slog.String("endpoint", ep.path),
			slog.Int("status", resp.StatusCode), slog.Int("attempts", res.Attempts), slog.Duration("elapsed", elapsed))
		if readErr != nil {
			c.stats.Failed.Add(1)
			return idle, fmt.Errorf("braze: POST %s: %d answer unreadable: %w", ep.path, resp.StatusCode, readErr)
		}
		if tr, ok := out.(*TrackResponse); ok && tr.decodeSimple(data) {
			return idle, nil
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				c.stats.Failed.Add(1)
				return idle, fmt.Errorf("braze: POST %s: %d answer is not the expected JSON: %w", ep.path, resp.StatusCode, err)
			}
		}
		return idle, nil
	}

	c.stats.Failed.Add(1)
	apiErr := &APIError{
		StatusCode: resp.StatusCode,
		Retryable:  httpretry.RetryableStatus(resp.StatusCode),
		RetryAfter: res.RetryAfter,
		Endpoint:   ep.path,
		Attempts:   res.Attempts,
		cause:      res.GaveUp,
	}
	var eb errorBody
	if readErr == nil && json.Unmarshal(data, &eb) == nil {
		apiErr.Message, apiErr.Errors = eb.Message, eb.Errors
	}
	if apiErr.Message == "" {
		apiErr.Message = http.StatusText(resp.StatusCode)
	}
	c.logger.LogAttrs(ctx, slog.LevelWarn, "braze request rejected", slog.String("endpoint", ep.path),
		slog.Int("status", resp.StatusCode), slog.String("message", apiErr.Message),
		slog.Int("object_errors", len(apiErr.Errors)), slog.Int("attempts", res.Attempts))
	return idle, apiErr
}

// readAtMost appends to buf what r yields until EOF or until buf holds
// limit bytes, as io.ReadAll(io.LimitReader(r, limit)) returns it, and
// returns it with the first error other than io.EOF.
func readAtMost(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // room to read into
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// maxPooledAnswer bounds the answer buffers kept for reuse.
const maxPooledAnswer = 64 << 10

// recycleAnswer keeps data's memory (read into *ab, perhaps grown) for the
// next answer; the caller no longer uses data.
func (c *Client) recycleAnswer(ab *[]byte, data []byte) {
	if cap(data) > maxPooledAnswer {
		return
	}
	*ab = data[:0]
	c.answers.Put(ab)
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

// ClientStats are cumulative counters of a Client (see Client.Stats).
type ClientStats struct {
	// Requests is the number of calls that reached the network layer
	// (validation failures are not counted).
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
	// GaveUp counts retryable failures not retried further (policy,
	// budget, or a too-long Retry-After).
	GaveUp uint64
	// Failed counts calls that returned an error.
	Failed uint64
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
		RetryBudget:     c.retry.Budget().Tokens(),
	}
}
