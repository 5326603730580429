package mpbraze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/internal/clock"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Currents → mParticle delivery.
//
// A CurrentsForwarder is the [currents.Sink] behind a [currents.Handler]:
// Accept translates the events (package mapping) and puts the batches in a
// bounded in-memory queue, one per mParticle feed; a worker per feed
// uploads them with [mparticle.Client.BulkUpload]. Accepting returns only
// after the batches are queued, so Braze gets its 2xx only for events that
// the forwarder has taken responsibility for; when the queue is full Accept
// fails and the handler answers 503, so Braze keeps them and retries later.
// Through an mParticle outage the workers keep retrying with backoff (and
// honour Retry-After), and the queue fills up; nothing accepted is dropped
// until Close gives up. A request mParticle refuses as a whole is resent
// batch by batch, so only the batches at fault fail.
//
// Delivery is at least once, like Currents itself: Braze may resend a batch
// whose acknowledgement it did not see, and a retried upload may have
// reached mParticle. Every batch carries the Currents event id as its
// source_request_id, which mParticle uses to drop repeats.

// Sentinel errors of the Currents forwarder. Each also matches the kit's
// sentinel for the same state with errors.Is, so one check covers both
// paths: errors.Is(err, ErrClosed) and errors.Is(err, braze.ErrQueueFull).
var (
	// ErrCurrentsQueueFull is returned by [CurrentsForwarder.Accept] when the
	// batches do not fit in the queue; nothing was queued, and Braze retries.
	// errors.Is(ErrCurrentsQueueFull, braze.ErrQueueFull) is true.
	ErrCurrentsQueueFull error = &aliasedError{msg: "mpbraze: currents queue full", alias: braze.ErrQueueFull}
	// ErrCurrentsClosed is returned by [CurrentsForwarder.Accept] after Close.
	// errors.Is(ErrCurrentsClosed, ErrClosed) is true.
	ErrCurrentsClosed error = &aliasedError{msg: "mpbraze: currents forwarder closed", alias: ErrClosed}
)

// aliasedError is a sentinel with its own message that also matches
// another sentinel (alias) with errors.Is.
type aliasedError struct {
	msg   string
	alias error
}

func (e *aliasedError) Error() string { return e.msg }

// Is reports whether target is the sentinel e stands in for.
func (e *aliasedError) Is(target error) bool { return target == e.alias }

// CurrentsUploader uploads mParticle batches; *[mparticle.Client] is one.
// BulkUpload must report undelivered batches with a *[mparticle.BulkError]
// (or fail as a whole with any other error).
type CurrentsUploader interface {
	// BulkUpload sends batches to one mParticle input. It returns nil when
	// all were accepted, a *mparticle.BulkError listing the ones that were
	// not (by index in batches), or another error when the call failed as
	// a whole (then every batch is retried). It must honour ctx.
	BulkUpload(ctx context.Context, batches []*mparticle.Batch) error
}

// Defaults of [CurrentsConfig].
const (
	// DefaultCurrentsQueueSize is the default queue capacity in batches
	// (one batch per Currents event, a few KB each).
	DefaultCurrentsQueueSize = 10_000
	// DefaultCurrentsUploadSize is the default number of batches per
	// BulkUpload call (the Events API takes 100 per bulk request).
	DefaultCurrentsUploadSize = 100
	// DefaultCurrentsMinBackoff and DefaultCurrentsMaxBackoff bound the
	// jittered exponential wait between delivery attempts of a batch that
	// the client could not deliver (its own retries are used up).
	DefaultCurrentsMinBackoff = time.Second
	DefaultCurrentsMaxBackoff = time.Minute
)

// CurrentsConfig configures a [CurrentsForwarder]. Zero fields mean the
// documented defaults; Client or Feeds is required.
type CurrentsConfig struct {
	// Client uploads every feed that has no entry in Feeds. mParticle's
	// Braze feed has four inputs (iOS, Android, Web, Unbound), each with its
	// own key and secret; one client for all of them is fine when a single
	// input should receive everything.
	Client CurrentsUploader
	// Feeds holds per-feed clients, chosen by the event's platform
	// (mapping.CurrentsFeedOf: ios/tvos → iOS, android/kindle → Android,
	// web → Web, anything else or none → Unbound).
	Feeds map[mapping.CurrentsFeed]CurrentsUploader
	// Mapping configures the translation (environment, behaviour events,
	// event names).
	Mapping mapping.CurrentsOptions
	// QueueSize is the most batches held (queued or being uploaded) across
	// all feeds; 0 means DefaultCurrentsQueueSize.
	QueueSize int
	// UploadSize is the most batches per BulkUpload call; 0 means
	// DefaultCurrentsUploadSize.
	UploadSize int
	// MinBackoff and MaxBackoff bound the wait between attempts; 0 means
	// the defaults.
	MinBackoff, MaxBackoff time.Duration
	// MaxAttempts, when above zero, is the most upload attempts per batch:
	// a batch still failing after that many (a 5xx or 429 that does not
	// end, a revoked key's 401/403, a transport error) is given up on and
	// reported to OnFailure. Zero retries until delivered or until Close
	// gives up.
	MaxAttempts int
	// MaxAge, when above zero, bounds how long a batch is retried: no
	// attempt starts later than MaxAge after its first one; a batch that
	// would need one is given up on and reported to OnFailure. Zero means
	// no bound.
	MaxAge time.Duration
	// OnFailure, when set, is called (from the feeds' worker goroutines,
	// possibly concurrently) with every
	// batch given up on: one mParticle refused as invalid (400, too large),
	// one past MaxAttempts or MaxAge, or one still undelivered when Close's
	// context ended. Use it to keep a dead-letter copy; the failure is
	// logged and counted either way. Authentication failures (401, 403)
	// are retried, not given up on, so without MaxAttempts or MaxAge they
	// never reach OnFailure: a revoked key fills the queue until Accept
	// refuses events with ErrCurrentsQueueFull (and the log shows why).
	OnFailure func(b *mparticle.Batch, err error)
	// Logger receives delivery failures, retries and skipped events; nil
	// discards. Secrets are never logged.
	Logger *slog.Logger
	// Clock is used for backoff waits; nil means the wall clock. It is
	// mparticle.Clock (the same interface as braze.Clock), so a test clock
	// made for either client fits.
	Clock mparticle.Clock
}

// CurrentsStats are a forwarder's counters since it was created.
type CurrentsStats struct {
	// Received counts events given to Accept, Skipped those that produced
	// no batch (no external id, behaviour events), and Refused those in
	// Accept calls that failed (queue full, closed): Braze sends them again.
	Received, Skipped, Refused uint64
	// Accepted counts batches queued (one per translated event).
	Accepted uint64
	// Delivered counts batches mParticle accepted; Failed those given up on
	// (see CurrentsConfig.OnFailure).
	Delivered, Failed uint64
	// Retries counts batches that had to be sent again after a failure.
	Retries uint64
	// Queued is the number of batches held now (queued or in flight).
	Queued int
}

// CurrentsForwarder delivers Braze Currents events to mParticle. It
// implements [currents.Sink]; create it with [NewCurrentsForwarder] and
// stop it with Close.
type CurrentsForwarder struct {
	mapper     *mapping.CurrentsMapper
	uploaders  map[mapping.CurrentsFeed]CurrentsUploader
	capacity   int
	uploadSize int
	minBackoff time.Duration
	maxBackoff time.Duration
	maxTries   int           // 0: no bound
	maxAge     time.Duration // 0: no bound
	onFailure  func(*mparticle.Batch, error)
	log        *slog.Logger
	clock      clock.Clock

	// ctx ends when Close gives up; workers then stop retrying.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	queues map[mapping.CurrentsFeed]*currentsQueue
	held   int // batches queued or in flight, all feeds
	closed bool
	stats  CurrentsStats
}

// currentsQueue is one feed's queue; wake has room for one signal so that
// senders never block.
type currentsQueue struct {
	items []*mparticle.Batch
	wake  chan struct{}
}

var currentsFeeds = [...]mapping.CurrentsFeed{mapping.FeedIOS, mapping.FeedAndroid, mapping.FeedWeb, mapping.FeedUnbound}

// NewCurrentsForwarder validates cfg and starts one upload worker per feed.
// Errors are *ConfigError values whose Field is the CurrentsConfig field
// path ("CurrentsConfig.QueueSize", "CurrentsConfig.Feeds[iOS]", …).
func NewCurrentsForwarder(cfg CurrentsConfig) (*CurrentsForwarder, error) {
	bad := func(field, value, reason string) error {
		return &ConfigError{Field: "CurrentsConfig." + field, Value: value, Reason: reason}
	}
	const negative = "must not be negative (0 means the default)"
	uploaders := map[mapping.CurrentsFeed]CurrentsUploader{}
	for feed, u := range cfg.Feeds {
		if !validCurrentsFeed(feed) {
			return nil, bad("Feeds", string(feed), "not a feed (iOS, Android, Web, Unbound)")
		}
		if u == nil {
			return nil, bad("Feeds["+string(feed)+"]", "", "nil client")
		}
		uploaders[feed] = u
	}
	for _, feed := range currentsFeeds {
		if uploaders[feed] != nil {
			continue
		}
		if cfg.Client == nil {
			return nil, bad("Client", "", fmt.Sprintf("nil, and Feeds has no client for %s", feed))
		}
		uploaders[feed] = cfg.Client
	}
	switch {
	case cfg.QueueSize < 0:
		return nil, bad("QueueSize", strconv.Itoa(cfg.QueueSize), negative)
	case cfg.UploadSize < 0:
		return nil, bad("UploadSize", strconv.Itoa(cfg.UploadSize), negative)
	case cfg.MinBackoff < 0:
		return nil, bad("MinBackoff", cfg.MinBackoff.String(), negative)
	case cfg.MaxBackoff < 0:
		return nil, bad("MaxBackoff", cfg.MaxBackoff.String(), negative)
	case cfg.MaxAttempts < 0:
		return nil, bad("MaxAttempts", strconv.Itoa(cfg.MaxAttempts), "must not be negative (0 means no limit)")
	case cfg.MaxAge < 0:
		return nil, bad("MaxAge", cfg.MaxAge.String(), "must not be negative (0 means no limit)")
	}
	f := &CurrentsForwarder{
		mapper:     mapping.NewCurrentsMapper(cfg.Mapping),
		uploaders:  uploaders,
		capacity:   currentsOrDefault(cfg.QueueSize, DefaultCurrentsQueueSize),
		uploadSize: currentsOrDefault(cfg.UploadSize, DefaultCurrentsUploadSize),
		minBackoff: currentsOrDefault(cfg.MinBackoff, DefaultCurrentsMinBackoff),
		maxBackoff: currentsOrDefault(cfg.MaxBackoff, DefaultCurrentsMaxBackoff),
		maxTries:   cfg.MaxAttempts,
		maxAge:     cfg.MaxAge,
		onFailure:  cfg.OnFailure,
		log:        cfg.Logger,
		clock:      clock.OrReal(cfg.Clock),
		queues:     map[mapping.CurrentsFeed]*currentsQueue{},
	}
	if f.maxBackoff < f.minBackoff {
		return nil, bad("MaxBackoff", f.maxBackoff.String(), "is below MinBackoff "+f.minBackoff.String())
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	for _, feed := range currentsFeeds {
		q := &currentsQueue{wake: make(chan struct{}, 1)}
		f.queues[feed] = q
		f.wg.Add(1)
		go f.work(feed, q)
	}
	return f, nil
}

func validCurrentsFeed(feed mapping.CurrentsFeed) bool {
	for _, f := range currentsFeeds {
		if f == feed {
			return true
		}
	}
	return false
}

func currentsOrDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Accept translates events and queues their batches, all or none: it
// returns [ErrCurrentsQueueFull] when they do not all fit and
// [ErrCurrentsClosed] after Close, and then nothing was queued. Events that
// translate to nothing (no external user id, behaviour events) are counted
// as skipped and logged; they are not an error, so Braze does not resend
// them. Accept never blocks on mParticle.
func (f *CurrentsForwarder) Accept(ctx context.Context, events []currents.Event) error {
	// Closed first: after Close nothing is mapped or logged, whatever the
	// events hold (the check under the lock below covers a concurrent Close).
	f.mu.Lock()
	if f.closed {
		f.stats.Received += uint64(len(events))
		f.stats.Refused += uint64(len(events))
		f.mu.Unlock()
		return ErrCurrentsClosed
	}
	f.mu.Unlock()
	res := f.mapper.Map(events)
	for _, d := range res.Diagnostics {
		// Skipped events are worth seeing in normal operation; the small
		// fixes made to fit the Events API only when debugging.
		level := slog.LevelDebug
		if d.Code == mapping.UserSkipped || d.Code == mapping.EventSkipped {
			level = slog.LevelInfo
		}
		f.log.LogAttrs(ctx, level, "currents mapping", slog.String("code", string(d.Code)),
			slog.String("id", d.BatchID), slog.String("type", d.EventName), slog.String("key", d.Key), slog.String("reason", d.Reason))
	}

	f.mu.Lock()
	f.stats.Received += uint64(len(events))
	switch {
	case f.closed:
		f.stats.Refused += uint64(len(events))
		f.mu.Unlock()
		return ErrCurrentsClosed
	case f.held+len(res.Batches) > f.capacity:
		f.stats.Refused += uint64(len(events))
		held := f.held
		f.mu.Unlock()
		return fmt.Errorf("%w: %d batches held, %d more do not fit in %d", ErrCurrentsQueueFull, held, len(res.Batches), f.capacity)
	}
	woken := map[mapping.CurrentsFeed]bool{}
	for _, cb := range res.Batches {
		q := f.queues[cb.Feed]
		q.items = append(q.items, cb.Batch)
		woken[cb.Feed] = true
	}
	f.held += len(res.Batches)
	f.stats.Accepted += uint64(len(res.Batches))
	f.stats.Skipped += uint64(res.Skipped)
	f.mu.Unlock()

	for feed := range woken {
		select {
		case f.queues[feed].wake <- struct{}{}:
		default: // a signal is already pending
		}
	}
	return nil
}

// work uploads one feed's queue until Close.
//
// It takes everything queued (up to uploadSize) as soon as it is free and
// does not wait for a full request: Accept queues a call's batches under
// one lock, so a take never splits a call, but a worker that is idle sends
// what one call gave its feed. Against a server that answers faster than
// Currents bodies arrive, requests therefore carry about one body's share
// (perfreport: 100-event bodies, about 47/24/24 batches to the Unbound,
// iOS and Android feeds, 211-248 requests for 9500 batches where 96 would
// do); when the server is slower than the input, a backlog builds during
// each request and the next one is full (5 ms a request: 96-98 requests).
// Waiting for fuller requests would add latency for no gain in what
// mParticle accepts: its quota counts batches, not requests.
func (f *CurrentsForwarder) work(feed mapping.CurrentsFeed, q *currentsQueue) {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		n := min(len(q.items), f.uploadSize)
		batch := q.items[:n:n]
		q.items = q.items[n:]
		closed := f.closed
		f.mu.Unlock()

		if n == 0 {
			if closed {
				return
			}
			select {
			case <-q.wake:
			case <-f.ctx.Done():
				return
			}
			continue
		}
		f.deliver(feed, batch)
		if f.ctx.Err() != nil {
			f.abandonQueue(feed, q)
			return
		}
	}
}

// deliver uploads batches until each is delivered or given up on, waiting
// with backoff between attempts. It returns early when f.ctx ends (Close
// gave up) or MaxAttempts/MaxAge is reached; the batches still pending are
// then reported failed.
func (f *CurrentsForwarder) deliver(feed mapping.CurrentsFeed, pending []*mparticle.Batch) {
	up := f.uploaders[feed]
	start := f.clock.Now()
	for attempt := 0; len(pending) > 0; attempt++ {
		err := up.BulkUpload(f.ctx, pending)
		retry, given := f.sortOut(pending, err)
		var isolate []*mparticle.Batch
		if len(pending) > 1 && len(given) > 1 && currentsRefusedTogether(given) {
			// mParticle refused a whole request, which one bad batch can
			// cause: send those batches one by one so that only the
			// culprits fail, not their neighbours.
			for _, g := range given {
				isolate = append(isolate, g.batch)
			}
			given = nil
		}
		f.mu.Lock()
		f.stats.Delivered += uint64(len(pending) - len(retry) - len(given) - len(isolate))
		f.stats.Failed += uint64(len(given))
		f.held -= len(pending) - len(retry) - len(isolate)
		f.mu.Unlock()
		for _, g := range given {
			f.fail(feed, g.batch, g.err)
		}
		for _, b := range isolate {
			f.deliver(feed, []*mparticle.Batch{b})
		}
		if len(retry) == 0 {
			return
		}
		wait := max(f.backoff(attempt), currentsRetryAfter(err, f.maxBackoff))
		if reason := f.exhausted(attempt+1, f.clock.Now().Sub(start)+wait); reason != "" {
			f.mu.Lock()
			f.stats.Failed += uint64(len(retry))
			f.held -= len(retry)
			f.mu.Unlock()
			for _, b := range retry {
				f.fail(feed, b, fmt.Errorf("mpbraze: currents batch given up (%s): %w", reason, err))
			}
			return
		}
		f.log.LogAttrs(f.ctx, slog.LevelWarn, "currents delivery failed; retrying",
			slog.String("feed", string(feed)), slog.Int("batches", len(retry)),
			slog.Int("attempt", attempt+1), slog.Duration("wait", wait), slog.String("error", err.Error()))
		if f.clock.Sleep(f.ctx, wait) != nil {
			f.mu.Lock()
			f.stats.Failed += uint64(len(retry))
			f.held -= len(retry)
			f.mu.Unlock()
			for _, b := range retry {
				f.fail(feed, b, fmt.Errorf("mpbraze: currents batch not delivered before Close gave up: %w", err))
			}
			return
		}
		f.mu.Lock()
		f.stats.Retries += uint64(len(retry))
		f.mu.Unlock()
		pending = retry
	}
}

// exhausted says why a batch that failed its attempts-th attempt and would
// next be tried age after its first attempt is not retried, or "" if it
// is.
func (f *CurrentsForwarder) exhausted(attempts int, age time.Duration) string {
	switch {
	case f.maxTries > 0 && attempts >= f.maxTries:
		return fmt.Sprintf("%d attempts, MaxAttempts %d", attempts, f.maxTries)
	case f.maxAge > 0 && age > f.maxAge:
		return fmt.Sprintf("next attempt %s after the first, MaxAge %s", age.Round(time.Millisecond), f.maxAge)
	}
	return ""
}

// currentsRefusedTogether reports whether the failures all come from one refused
// request (the same error value), as opposed to batches refused one by one
// (too large, nil).
func currentsRefusedTogether(given []currentsGivenUp) bool {
	var api *mparticle.APIError
	if !errors.As(given[0].err, &api) {
		return false
	}
	for _, g := range given[1:] {
		if g.err != given[0].err {
			return false
		}
	}
	return true
}

// currentsRetryAfter returns the longest Retry-After mParticle asked for in err
// (one the client did not wait out itself), capped at limit.
func currentsRetryAfter(err error, limit time.Duration) time.Duration {
	var longest time.Duration
	var bulk *mparticle.BulkError
	if errors.As(err, &bulk) {
		for _, fb := range bulk.Failed {
			var api *mparticle.APIError
			if errors.As(fb.Err, &api) {
				longest = max(longest, api.RetryAfter)
			}
		}
	} else {
		var api *mparticle.APIError
		if errors.As(err, &api) {
			longest = api.RetryAfter
		}
	}
	return min(longest, limit)
}

type currentsGivenUp struct {
	batch *mparticle.Batch
	err   error
}

// sortOut splits the batches of a failed upload into those to retry and
// those that can never be delivered (refused as invalid or too large).
func (f *CurrentsForwarder) sortOut(batches []*mparticle.Batch, err error) (retry []*mparticle.Batch, given []currentsGivenUp) {
	if err == nil {
		return nil, nil
	}
	var bulk *mparticle.BulkError
	if !errors.As(err, &bulk) {
		// The call failed as a whole (transport, context): all again.
		return batches, nil
	}
	for _, fb := range bulk.Failed {
		if fb.Index < 0 || fb.Index >= len(batches) {
			continue
		}
		if currentsPermanent(fb.Err) {
			given = append(given, currentsGivenUp{batches[fb.Index], fb.Err})
		} else {
			retry = append(retry, batches[fb.Index])
		}
	}
	return retry, given
}

// currentsPermanent reports whether a batch failure will repeat however
// often the batch is sent: the batch is too large, or mParticle refused it
// as invalid. Everything else (5xx, 429, transport errors, and also 401/403,
// which an operator can fix) is retried, so that an outage or a credential
// rotation loses nothing.
func currentsPermanent(err error) bool {
	if errors.Is(err, mparticle.ErrBatchTooLarge) || errors.Is(err, mparticle.ErrNilBatch) {
		return true
	}
	var api *mparticle.APIError
	if errors.As(err, &api) {
		switch api.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
			return false
		}
		return api.StatusCode >= 400 && api.StatusCode < 500
	}
	return false
}

func (f *CurrentsForwarder) fail(feed mapping.CurrentsFeed, b *mparticle.Batch, err error) {
	f.log.LogAttrs(f.ctx, slog.LevelError, "currents batch not delivered",
		slog.String("feed", string(feed)), slog.String("source_request_id", b.SourceRequestID), slog.String("error", err.Error()))
	if f.onFailure != nil {
		f.onFailure(b, err)
	}
}

// abandonQueue reports every batch left in q as failed (Close gave up).
func (f *CurrentsForwarder) abandonQueue(feed mapping.CurrentsFeed, q *currentsQueue) {
	f.mu.Lock()
	left := q.items
	q.items = nil
	f.held -= len(left)
	f.stats.Failed += uint64(len(left))
	f.mu.Unlock()
	for _, b := range left {
		f.fail(feed, b, fmt.Errorf("mpbraze: currents batch not sent before Close gave up: %w", context.Canceled))
	}
}

// backoff returns the jittered exponential wait before attempt+1: between
// half and all of min(MaxBackoff, MinBackoff·2^attempt).
func (f *CurrentsForwarder) backoff(attempt int) time.Duration {
	d := f.maxBackoff
	if attempt < 30 {
		if e := f.minBackoff << attempt; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Close stops accepting events and waits until every queued batch is
// delivered or given up on. When ctx ends first, the workers stop retrying,
// the batches still held are reported failed (OnFailure, Stats.Failed), and
// Close returns an error wrapping ctx.Err() that says how many.
//
// Closing is idempotent, with the rule Kit.Close follows too: a second (or
// concurrent) Close waits until the workers have stopped and returns nil
// (or an error if its own ctx ends first and batches are lost then).
// Accept returns ErrCurrentsClosed once Close has started.
func (f *CurrentsForwarder) Close(ctx context.Context) error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	for _, q := range f.queues {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		f.cancel()
		return nil
	case <-ctx.Done():
	}
	f.mu.Lock()
	failedBefore := f.stats.Failed
	f.mu.Unlock()
	f.cancel() // workers stop retrying and report what they still hold
	<-done
	f.mu.Lock()
	lost := f.stats.Failed - failedBefore
	f.mu.Unlock()
	if lost == 0 {
		return nil // everything was delivered just in time
	}
	return fmt.Errorf("mpbraze: currents forwarder closed with %d batches undelivered: %w", lost, ctx.Err())
}

// Stats returns a snapshot of the counters.
func (f *CurrentsForwarder) Stats() CurrentsStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Queued = f.held
	return s
}

// String describes the forwarder by its feeds and queue size. It reads no
// mutable state, so printing or logging a running forwarder is race-free,
// and it never shows a client's credentials.
func (f *CurrentsForwarder) String() string {
	feeds := make([]string, 0, len(f.uploaders))
	for feed := range f.uploaders {
		feeds = append(feeds, string(feed))
	}
	slices.Sort(feeds)
	return fmt.Sprintf("mpbraze.CurrentsForwarder{feeds: %v, queueSize: %d}", feeds, f.capacity)
}

// Format prints String for every verb, so that %+v and %#v do not walk
// the forwarder's fields (its queues and counters change under its workers).
func (f *CurrentsForwarder) Format(s fmt.State, _ rune) { _, _ = io.WriteString(s, f.String()) }

// LogValue makes slog print String.
func (f *CurrentsForwarder) LogValue() slog.Value { return slog.StringValue(f.String()) }
