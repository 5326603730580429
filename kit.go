package mpbraze

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
)

// ErrClosed is returned by a Kit's Forward, User calls and audience calls
// after Close. It is braze.ErrClosed, so errors.Is works with either name;
// errors.Is(ErrCurrentsClosed, ErrClosed) holds too.
var ErrClosed = braze.ErrClosed

// Kit is mParticle's Braze kit as a Go library: it maps mParticle data the
// way the kit does (package mapping) and delivers the result to Braze
// through a batching, rate-limited, retrying client (package braze).
//
// Use Forward for mParticle batches (server to server), User for kit-style
// calls from Go code. Every Braze object the kit produces ends delivered or
// reported failed (Config.OnResult, Flush's report); every change or
// omission made while mapping is reported as a diagnostic
// (Config.OnDiagnostic, the logger).
//
// Create one with [New]; the zero Kit is not usable. A Kit is safe for
// concurrent use. Close it to deliver what is queued.
type Kit struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	client  *braze.Client
	batcher *braze.Batcher
	mapper  *mapping.Mapper
	// settings are the mapping settings in effect (after KitConfig).
	settings mapping.Settings
	// audience maps audience membership messages (audience*.go); it shares
	// mapper's user-attribute rules and owns the membership store.
	audience *mapping.AudienceMapper
	aliases  *aliasTracker
	stats    kitCounters
	// itemBufs holds *[]braze.Item slices for enqueue to reuse: the
	// batcher copies a call's items, so the slice is free once Add returns.
	itemBufs sync.Pool
	// scratches holds *scratch values: the decode and mapping memory of
	// Forward and ForwardJSON, reused once the batcher has encoded the
	// objects (unless Config.RetainObjects keeps them for results).
	scratches sync.Pool

	// closed is set as Close starts; Forward and the other producers check
	// it first, so that nothing is accepted (or silently skipped) after.
	closed atomic.Bool
	// closeMu guards closing; closeDone is closed when the first Close
	// has returned, so a second Close can wait for it.
	closeMu   sync.Mutex
	closing   bool
	closeDone chan struct{}
}

// New validates cfg and returns a running Kit. Errors are *ConfigError
// values naming the offending field.
func New(cfg Config) (*Kit, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	settings, err := cfg.mappingSettings()
	if err != nil {
		return nil, err
	}
	field := "Mapping"
	if cfg.KitConfig != nil {
		field = "KitConfig"
	}
	mapper, err := mapping.New(settings)
	if err != nil {
		return nil, fieldError(field, err)
	}
	audienceSettings, err := cfg.audienceSettings(settings, log)
	if err != nil {
		return nil, err
	}
	audience, err := mapping.NewAudienceMapper(audienceSettings, mapper)
	if err != nil {
		return nil, fieldError("Audience", err)
	}
	client, err := cfg.newClient(log)
	if err != nil {
		return nil, err
	}
	bopts, err := cfg.batchOptions(log)
	if err != nil {
		return nil, err
	}
	maxAliases := cfg.MaxRememberedAliases
	if maxAliases < 0 {
		return nil, &ConfigError{Field: "MaxRememberedAliases", Value: strconv.Itoa(maxAliases), Reason: "must not be negative (0 means DefaultMaxRememberedAliases)"}
	}
	if maxAliases == 0 {
		maxAliases = DefaultMaxRememberedAliases
	}
	// Last: the batcher starts a goroutine, so nothing may fail after it.
	batcher, err := braze.NewBatcher(client, bopts)
	if err != nil {
		return nil, fieldError("Batch", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	cfg.BrazeKey = "" // the client holds it, redacted; the kit keeps no copy
	return &Kit{
		cfg:      cfg,
		log:      log,
		now:      now,
		client:   client,
		batcher:  batcher,
		mapper:   mapper,
		settings: mapper.Settings(),
		audience: audience,
		aliases:  newAliasTracker(maxAliases),

		closeDone: make(chan struct{}),
	}, nil
}

// String describes the kit by its Braze endpoint; it never shows the key.
func (k *Kit) String() string { return "mpbraze.Kit{" + k.client.BaseURL() + "}" }

// GoString is String.
func (k *Kit) GoString() string { return k.String() }

// Format prints String for every verb, so no field (and no secret) leaks
// through %+v or %#v.
func (k *Kit) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue makes slog print String.
func (k *Kit) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Client returns the Braze client the kit sends through, for the endpoints
// the kit does not cover (delete, merge, subscription status, …). It
// shares the kit's rate limits.
func (k *Kit) Client() *braze.Client { return k.client }

// Settings returns the mapping settings in effect (after KitConfig).
func (k *Kit) Settings() mapping.Settings { return k.settings }

// Flush sends everything queued, partly filled requests included, and waits
// until every object forwarded before the call has its result. The report
// lists the failures since the previous report. If ctx ends first, the
// objects stay queued.
func (k *Kit) Flush(ctx context.Context) (braze.FlushReport, error) {
	return k.batcher.Flush(ctx)
}

// Close stops accepting data, delivers everything queued and waits for the
// results, like http.Server.Shutdown. If ctx ends first, what is still
// queued fails with an error wrapping ErrClosed (reported to OnResult and
// in the returned report) and Close returns ctx's error. No goroutine of the
// kit outlives Close.
//
// Closing is idempotent, with the rule CurrentsForwarder.Close follows too:
// a second (or concurrent) Close waits until the first has finished and
// returns an empty report and nil (or ctx's error if ctx ends first). Every
// Forward, User call and audience call that starts after Close has started
// returns ErrClosed.
func (k *Kit) Close(ctx context.Context) (braze.FlushReport, error) {
	k.closed.Store(true)
	k.closeMu.Lock()
	if k.closing {
		k.closeMu.Unlock()
		select {
		case <-k.closeDone:
			return braze.FlushReport{}, nil
		case <-ctx.Done():
			return braze.FlushReport{}, ctx.Err()
		}
	}
	k.closing = true
	k.closeMu.Unlock()
	defer close(k.closeDone)
	rep, err := k.batcher.Close(ctx)
	if err == braze.ErrClosed { //nolint:errorlint // exactly "already closed", not a wrapped failure
		// The batcher was closed already (it only is by this method): the
		// same idempotent answer as above.
		return rep, nil
	}
	return rep, err
}
