package mpbraze

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

var kitNow = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

// checkLeaks verifies, after every cleanup of the test has run, that the
// test left no goroutine behind.
func checkLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// fastRetries keeps tests quick: millisecond backoff, no retry budget.
var fastRetries = braze.RetryPolicy{
	MaxRetries: 10, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
	Budget: braze.RetryBudget{Disabled: true},
}

// testConfig is a Config for srv with fast retries, no client-side rate
// limit, no timer flush and a fixed clock.
func testConfig(srv *brazetest.Server) Config {
	return Config{
		BrazeKey:   brazetest.DefaultKey,
		BrazeURL:   srv.URL(),
		AllowHTTP:  true,
		HTTPClient: srv.Client(),
		ClientOptions: []braze.Option{
			braze.WithRateLimits(braze.RateLimits{Disabled: true}),
			braze.WithRetryPolicy(fastRetries),
		},
		Batch: braze.BatchOptions{FlushInterval: -1},
		Now:   func() time.Time { return kitNow },
	}
}

func newKit(t *testing.T, cfg Config) *Kit {
	k, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = k.Close(context.Background()) })
	return k
}

// collectRefs sets cfg.OnResult to collect the *BatchRef of every result
// and returns a function that gives a copy of those collected so far.
func collectRefs(cfg *Config) func() []*BatchRef {
	var mu sync.Mutex
	var refs []*BatchRef
	cfg.OnResult = func(r braze.Result) {
		mu.Lock()
		defer mu.Unlock()
		if ref, ok := r.Item.Ref.(*BatchRef); ok {
			refs = append(refs, ref)
		}
	}
	return func() []*BatchRef {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(refs)
	}
}

func newServer(t *testing.T, opts ...brazetest.Option) *brazetest.Server {
	srv := brazetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// trackBodies returns the bodies of the /users/track requests srv answered
// 201, as generic JSON.
func trackBodies(t *testing.T, srv *brazetest.Server) []any {
	var out []any
	for _, r := range srv.Requests() {
		if r.Path != "/users/track" || r.Status != 201 {
			continue
		}
		var v any
		require.NoError(t, json.Unmarshal(r.Body, &v))
		out = append(out, v)
	}
	return out
}

func customerBatch(customerID string, events ...mparticle.EventData) *mparticle.Batch {
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.UserIdentities = &mparticle.UserIdentities{CustomerID: customerID}
	b.TimestampUnixtimeMS = kitNow.UnixMilli()
	b.AddEvent(events...)
	return b
}

func customEvent(t *testing.T, name string, attrs map[string]any) *mparticle.CustomEvent {
	ev, err := mparticle.NewCustomEvent(name, mparticle.CustomOther, attrs, mparticle.At(kitNow))
	require.NoError(t, err)
	return ev
}

func TestNewNamesTheBadField(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	base := testConfig(srv)
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string
	}{
		{"no key", func(c *Config) { c.BrazeKey = "" }, "Config.BrazeKey"},
		{"no endpoint", func(c *Config) { c.BrazeURL = "" }, "Config.Instance"},
		{"both endpoints", func(c *Config) { c.Instance = braze.US03 }, "Config.BrazeURL"},
		{"plain http", func(c *Config) { c.AllowHTTP = false }, "Config.BrazeURL"},
		{"kit config and mapping", func(c *Config) {
			c.KitConfig = map[string]string{}
			c.Mapping.EnableTypeDetection = true
		}, "Config.KitConfig"},
		{"bad kit config", func(c *Config) { c.KitConfig = map[string]string{"userIdentificationType": "Nonsense"} }, "Config.KitConfig"},
		{"two result callbacks", func(c *Config) {
			c.OnResult = func(braze.Result) {}
			c.Batch.OnResult = func(braze.Result) {}
		}, "Config.OnResult"},
		{"bad batch options", func(c *Config) { c.Batch.MaxQueuedObjects = -1 }, "Config.Batch"},
		{"negative alias memory", func(c *Config) { c.MaxRememberedAliases = -1 }, `Config.MaxRememberedAliases "-1": must not be negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.mutate(&cfg)
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
			assert.NotContains(t, err.Error(), brazetest.DefaultKey, "the key never appears in errors")
		})
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	var logs bytes.Buffer
	cfg := testConfig(srv)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		assert.NotContains(t, s, brazetest.DefaultKey)
	}
	k := newKit(t, cfg)
	cfg.Logger.Info("config", "cfg", cfg, "kit", k)
	require.NoError(t, k.Forward(context.Background(), customerBatch("c-1", customEvent(t, "Opened", nil))))
	_, err := k.Flush(context.Background())
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), logs.String()} {
		assert.NotContains(t, s, brazetest.DefaultKey)
	}
}

func TestForwardDeliversTheMappedObjects(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	var results []braze.Result
	var mu sync.Mutex
	cfg := testConfig(srv)
	cfg.OnResult = func(r braze.Result) { mu.Lock(); results = append(results, r); mu.Unlock() }
	k := newKit(t, cfg)
	ctx := context.Background()

	b := customerBatch("c-1", customEvent(t, "Shared", map[string]any{"channel": "sms", "$count": 3}))
	b.UserIdentities.Email = "ada@example.org"
	b.SourceRequestID = "req-1"
	b.MPID = mparticle.Set(int64(42))
	require.NoError(t, b.SetUserAttribute("$FirstName", "Ada"))
	require.NoError(t, k.Forward(ctx, b))
	rep, err := k.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Delivered)
	assert.Zero(t, rep.Failed)

	u, ok := srv.User("c-1")
	require.True(t, ok)
	assert.Equal(t, "Ada", u.Attributes["first_name"])
	assert.Equal(t, "ada@example.org", u.Attributes["email"])
	require.Len(t, u.Events, 1)
	assert.Equal(t, "Shared", u.Events[0].Name)
	assert.Equal(t, map[string]any{"channel": "sms", "count": int64(3)}, u.Events[0].Properties)
	require.Len(t, results, 2)
	for _, r := range results {
		ref, ok := r.Item.Ref.(*BatchRef)
		require.True(t, ok, "Ref is a *BatchRef, got %T", r.Item.Ref)
		assert.Equal(t, "req-1", ref.BatchID, "Ref names the batch the object came from")
		assert.Equal(t, "42", ref.MPID)
		assert.Nil(t, ref.Batch, "the batch is not retained unless Config.RetainBatches")
	}
	assert.Same(t, results[0].Item.Ref, results[1].Item.Ref, "one BatchRef per batch")
	st := k.Stats()
	assert.Equal(t, uint64(1), st.Batches)
	assert.Equal(t, uint64(2), st.Objects)
	assert.Equal(t, uint64(2), st.Delivery.Delivered)
}

func TestForwardRetainBatchesPutsTheBatchInTheRef(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.RetainBatches = true
	batchRefs := collectRefs(&cfg)
	k := newKit(t, cfg)
	b := customerBatch("c-1", customEvent(t, "Opened", nil))
	b.BatchID = 7
	require.NoError(t, k.Forward(context.Background(), b))
	_, err := k.Flush(context.Background())
	require.NoError(t, err)
	refs := batchRefs()
	require.Len(t, refs, 1)
	assert.Same(t, b, refs[0].Batch)
	assert.Equal(t, "7", refs[0].BatchID, "batch_id when there is no source_request_id")
}

func TestForwardReportsDiagnosticsToCallbackAndLogger(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	var logs bytes.Buffer
	var diags []mapping.Diagnostic
	cfg := testConfig(srv)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.OnDiagnostic = func(d mapping.Diagnostic) { diags = append(diags, d) }
	k := newKit(t, cfg)

	anonymous := customerBatch("", customEvent(t, "Opened", nil))
	anonymous.UserIdentities = nil
	anonymous.SourceRequestID = "req-anon"
	require.NoError(t, k.Forward(context.Background(), anonymous))
	_, err := k.Flush(context.Background())
	require.NoError(t, err)

	require.NotEmpty(t, diags)
	assert.Equal(t, mapping.UserSkipped, diags[0].Code)
	assert.Equal(t, "req-anon", diags[0].BatchID)
	assert.Contains(t, logs.String(), "user_skipped")
	assert.Empty(t, trackBodies(t, srv), "nothing is sent for a user without the identity")
	st := k.Stats()
	assert.Equal(t, uint64(1), st.SkippedBatches)
	assert.Equal(t, uint64(1), st.Diagnostics[mapping.UserSkipped])
}

func TestForwardNeverSendsCurrentsDataBack(t *testing.T) {
	// Both ways Forward maps: into reused memory (the default) and into
	// fresh memory (RetainObjects).
	for _, retain := range []bool{false, true} {
		t.Run(fmt.Sprintf("RetainObjects=%v", retain), func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t)
			var diags []mapping.Diagnostic
			cfg := testConfig(srv)
			cfg.RetainObjects = retain
			cfg.OnDiagnostic = func(d mapping.Diagnostic) { diags = append(diags, d) }
			k := newKit(t, cfg)

			ev, err := mparticle.NewCustomEvent("Email Opens", mparticle.CustomOther, map[string]any{"campaign": "spring"},
				mparticle.At(kitNow), mparticle.WithCustomFlags(map[string]string{mapping.OriginFlag: mapping.OriginBrazeCurrents}))
			require.NoError(t, err)
			b := customerBatch("c-1", ev)
			b.UserIdentities.Email = "ada@example.org" // would otherwise become an attributes object
			require.NoError(t, k.Forward(context.Background(), b))
			_, err = k.Flush(context.Background())
			require.NoError(t, err)

			assert.Empty(t, srv.Requests(), "nothing of a Currents batch goes back to Braze")
			assert.Equal(t, uint64(1), k.Stats().LoopGuarded)
			require.NotEmpty(t, diags)
			assert.Equal(t, mapping.LoopGuard, diags[0].Code)
		})
	}
}

func TestForwardAfterCloseIsErrClosed(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k, err := New(testConfig(srv))
	require.NoError(t, err)
	_, err = k.Close(context.Background())
	require.NoError(t, err)
	err = k.Forward(context.Background(), customerBatch("c-1", customEvent(t, "Opened", nil)))
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, err, braze.ErrClosed)
	rep, err := k.Close(context.Background())
	assert.NoError(t, err, "a second Close is harmless")
	assert.Zero(t, rep)
	assert.Error(t, k.Forward(context.Background(), nil))
	// A batch that maps to nothing (no identity) is refused too: the
	// closed check comes before mapping.
	assert.ErrorIs(t, k.Forward(context.Background(), mparticle.NewBatch(mparticle.EnvironmentProduction)), ErrClosed)
	assert.ErrorIs(t, k.User(mparticle.UserIdentities{CustomerID: "c-1"}).IncrementUserAttribute(context.Background(), "n", 1), ErrClosed)
}

// TestKitCallsMatchTheEquivalentBatch sends each kit-style call through
// one kit and the batch an mParticle SDK would send for it through
// another, and compares what the two fake Brazes received.
func TestKitCallsMatchTheEquivalentBatch(t *testing.T) {
	checkLeaks(t)
	ctx := context.Background()
	ids := mparticle.UserIdentities{CustomerID: "c-7", Email: "grace@example.org"}
	device := &mparticle.DeviceInfo{Platform: "iOS"}
	batch := func(t *testing.T, build func(b *mparticle.Batch)) *mparticle.Batch {
		b := mparticle.NewBatch(mparticle.EnvironmentProduction)
		idsCopy := ids
		b.UserIdentities = &idsCopy
		b.MPID = mparticle.Set(int64(8217361))
		b.DeviceInfo = device
		b.TimestampUnixtimeMS = kitNow.UnixMilli()
		build(b)
		return b
	}
	purchase, err := mparticle.NewPurchase("T-1", 30, "EUR",
		[]mparticle.Product{mparticle.NewProduct("SKU-1", "Mug", 10, 3)}, map[string]any{"coupon": "X"}, mparticle.At(kitNow))
	require.NoError(t, err)

	tests := []struct {
		name  string
		call  func(u *User) error
		build func(b *mparticle.Batch)
	}{
		{"LogEvent", func(u *User) error {
			return u.LogEvent(ctx, "Shared", mparticle.CustomSocial, map[string]any{"channel": "sms", "n": 2, "ok": true})
		}, func(b *mparticle.Batch) {
			ev, _ := mparticle.NewCustomEvent("Shared", mparticle.CustomSocial, map[string]any{"channel": "sms", "n": 2, "ok": true}, mparticle.At(kitNow))
			b.AddEvent(ev)
		}},
		{"LogScreen", func(u *User) error { return u.LogScreen(ctx, "Home", map[string]any{"tab": "feed"}) },
			func(b *mparticle.Batch) {
				ev, _ := mparticle.NewScreenView("Home", map[string]any{"tab": "feed"}, mparticle.At(kitNow))
				b.AddEvent(ev)
			}},
		{"LogCommerceEvent", func(u *User) error { return u.LogCommerceEvent(ctx, purchase) },
			func(b *mparticle.Batch) { b.AddEvent(purchase) }},
		{"SetUserAttribute", func(u *User) error { return u.SetUserAttribute(ctx, "$FirstName", "Grace") },
			func(b *mparticle.Batch) { _ = b.SetUserAttribute("$FirstName", "Grace") }},
		{"SetUserAttribute number", func(u *User) error { return u.SetUserAttribute(ctx, "visits", 12) },
			func(b *mparticle.Batch) { _ = b.SetUserAttribute("visits", 12) }},
		{"SetUserAttributeList", func(u *User) error { return u.SetUserAttributeList(ctx, "colors", []string{"red", "blue"}) },
			func(b *mparticle.Batch) { _ = b.SetUserAttribute("colors", []string{"red", "blue"}) }},
		{"SetUserTag", func(u *User) error { return u.SetUserTag(ctx, "beta") },
			func(b *mparticle.Batch) { _ = b.SetUserAttribute("beta", "true") }},
		{"RemoveUserAttribute", func(u *User) error { return u.RemoveUserAttribute(ctx, "colors") },
			func(b *mparticle.Batch) { b.DeletedUserAttributes = []string{"colors"} }},
		{"RegisterPushToken", func(u *User) error { return u.RegisterPushToken(ctx, "apns-token-1") },
			func(b *mparticle.Batch) {
				b.AddEvent(mparticle.NewPushRegistration("apns-token-1", mparticle.At(kitNow)))
			}},
		{"SetOptOut", func(u *User) error { return u.SetOptOut(ctx, true) },
			func(b *mparticle.Batch) { b.AddEvent(mparticle.NewOptOut(true, mparticle.At(kitNow))) }},
	}
	settings := mapping.Settings{ForwardScreenViews: true, AppIDs: map[string]string{"iOS": "ios-app-id"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kitSrv, batchSrv := newServer(t), newServer(t)
			kc, bc := testConfig(kitSrv), testConfig(batchSrv)
			kc.Mapping, bc.Mapping = settings, settings
			viaKit, viaBatch := newKit(t, kc), newKit(t, bc)

			u := viaKit.User(ids, WithMPID(8217361), WithDevice(device))
			require.NoError(t, tt.call(u))
			require.NoError(t, viaBatch.Forward(ctx, batch(t, tt.build)))
			for _, k := range []*Kit{viaKit, viaBatch} {
				rep, err := k.Flush(ctx)
				require.NoError(t, err)
				require.Zero(t, rep.Failed, "%v", rep.Err())
			}
			got, want := trackBodies(t, kitSrv), trackBodies(t, batchSrv)
			assert.Equal(t, want, got)
			if tt.name != "SetOptOut" {
				assert.NotEmpty(t, got, "the call reaches Braze")
			}
			assert.Equal(t, viaBatch.Stats().Diagnostics, viaKit.Stats().Diagnostics)
		})
	}
}

func TestIncrementUserAttribute(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k := newKit(t, testConfig(srv))
	ctx := context.Background()
	u := k.User(mparticle.UserIdentities{CustomerID: "c-1"})
	require.NoError(t, u.SetUserAttribute(ctx, "visits", 2))
	require.NoError(t, u.IncrementUserAttribute(ctx, "$visits", 5))
	require.NoError(t, u.IncrementUserAttribute(ctx, "visits", 1))
	_, err := k.Flush(ctx)
	require.NoError(t, err)
	got, ok := srv.User("c-1")
	require.True(t, ok)
	assert.EqualValues(t, 8, got.Attributes["visits"])
	assert.ErrorContains(t, u.IncrementUserAttribute(ctx, "$Age", 1), "reserved")
	assert.Error(t, u.IncrementUserAttribute(ctx, "$", 1))
}

// TestIdentityChangesBehaveAsTheKits follows kit-mapping §6: identify,
// login and modify switch Braze's user when the configured identity is
// present; logout (and an identify without it) leave Braze on the previous
// external id.
func TestIdentityChangesBehaveAsTheKits(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k := newKit(t, testConfig(srv))
	ctx := context.Background()
	u := k.User(mparticle.UserIdentities{CustomerID: "c-1"})
	log := func(name string) { require.NoError(t, u.LogEvent(ctx, name, mparticle.CustomOther, nil)) }

	log("as c-1")
	require.NoError(t, u.Login(ctx, mparticle.UserIdentities{CustomerID: "c-2", Email: "two@example.org"}))
	log("as c-2")
	require.NoError(t, u.Modify(ctx, mparticle.UserIdentities{Email: "new@example.org"}))
	require.NoError(t, u.Logout(ctx, mparticle.UserIdentities{}))
	log("after logout")
	require.NoError(t, u.Identify(ctx, mparticle.UserIdentities{Email: "other@example.org"}))
	log("after identify without customer id")
	require.NoError(t, u.Identify(ctx, mparticle.UserIdentities{CustomerID: "c-3"}))
	log("as c-3")
	_, err := k.Flush(ctx)
	require.NoError(t, err)

	names := func(id string) []string {
		got, ok := srv.User(id)
		require.True(t, ok, id)
		var out []string
		for _, e := range got.Events {
			out = append(out, e.Name)
		}
		return out
	}
	assert.Equal(t, []string{"as c-1"}, names("c-1"))
	assert.Equal(t, []string{"as c-2", "after logout", "after identify without customer id"}, names("c-2"))
	assert.Equal(t, []string{"as c-3"}, names("c-3"))
	c2, _ := srv.User("c-2")
	assert.Equal(t, "new@example.org", c2.Attributes["email"], "modify changed the email; the later identify without customer id did not")
}

func aliasConfig(srv *brazetest.Server) Config {
	cfg := testConfig(srv)
	cfg.Mapping.AnonymousUsers = mapping.AnonymousAliasByMPID
	return cfg
}

func countPath(srv *brazetest.Server, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// TestAliasModeMergesBeforeTracking: anonymous batches go to the MPID
// alias; the first batch with the customer id merges the alias
// (/users/identify) after the alias's objects were delivered and before its
// own objects are sent; identify is sent once.
func TestAliasModeMergesBeforeTracking(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k := newKit(t, aliasConfig(srv))
	ctx := context.Background()

	anon := customerBatch("", customEvent(t, "Browsed", nil))
	anon.UserIdentities = nil
	anon.MPID = mparticle.Set(int64(42))
	require.NoError(t, k.Forward(ctx, anon)) // queued, not flushed: the merge must wait for it

	known := customerBatch("c-42", customEvent(t, "Bought", nil))
	known.MPID = mparticle.Set(int64(42))
	require.NoError(t, k.Forward(ctx, known))
	again := customerBatch("c-42", customEvent(t, "Bought again", nil))
	again.MPID = mparticle.Set(int64(42))
	require.NoError(t, k.Forward(ctx, again))
	_, err := k.Flush(ctx)
	require.NoError(t, err)

	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{"/users/track", "/users/identify", "/users/track"}, paths)
	u, ok := srv.User("c-42")
	require.True(t, ok)
	var names []string
	for _, e := range u.Events {
		names = append(names, e.Name)
	}
	assert.Equal(t, []string{"Browsed", "Bought", "Bought again"}, names)
	assert.Contains(t, u.Aliases, brazetest.Alias{Name: "42", Label: mapping.MPIDAliasLabel})
	st := k.Stats()
	assert.Equal(t, uint64(1), st.AliasMerges)
	assert.Zero(t, st.AliasesRemembered)
}

func TestAliasMergeFailureQueuesNothingAndIsRetried(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := aliasConfig(srv)
	cfg.ClientOptions = append(cfg.ClientOptions, braze.WithRetryPolicy(braze.RetryPolicy{MaxRetries: -1}))
	k := newKit(t, cfg)
	ctx := context.Background()

	anon := customerBatch("", customEvent(t, "Browsed", nil))
	anon.UserIdentities = nil
	anon.MPID = mparticle.Set(int64(7))
	require.NoError(t, k.Forward(ctx, anon))
	_, err := k.Flush(ctx)
	require.NoError(t, err)

	known := customerBatch("c-7", customEvent(t, "Bought", nil))
	known.MPID = mparticle.Set(int64(7))
	srv.InjectNext(brazetest.ServerError(503))
	err = k.Forward(ctx, known)
	var mergeErr *AliasMergeError
	require.ErrorAs(t, err, &mergeErr)
	assert.Equal(t, "7", mergeErr.MPID)
	_, err = k.Flush(ctx)
	require.NoError(t, err)
	_, ok := srv.User("c-7")
	assert.False(t, ok, "nothing of the batch was queued")

	require.NoError(t, k.Forward(ctx, known), "forwarding again retries the merge")
	_, err = k.Flush(ctx)
	require.NoError(t, err)
	u, ok := srv.User("c-7")
	require.True(t, ok)
	assert.Len(t, u.Events, 2)
	assert.Equal(t, uint64(1), k.Stats().AliasMergeFailures)
}

func TestKitUserInAliasModeMergesOnLogin(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k := newKit(t, aliasConfig(srv))
	ctx := context.Background()
	u := k.User(mparticle.UserIdentities{}, WithMPID(99))
	require.NoError(t, u.LogEvent(ctx, "Browsed", mparticle.CustomNavigation, nil))
	require.NoError(t, u.Login(ctx, mparticle.UserIdentities{CustomerID: "c-99"}))
	require.NoError(t, u.LogEvent(ctx, "Bought", mparticle.CustomTransaction, nil))
	_, err := k.Flush(ctx)
	require.NoError(t, err)
	got, ok := srv.User("c-99")
	require.True(t, ok)
	require.Len(t, got.Events, 2)
	assert.Equal(t, "Browsed", got.Events[0].Name)
	assert.Equal(t, 1, countPath(srv, "/users/identify"))
}

func TestAliasTrackerForgetsTheOldest(t *testing.T) {
	tr := newAliasTracker(2)
	tr.remember("1")
	tr.remember("2")
	tr.remember("1") // refreshed
	tr.remember("3") // evicts 2
	n, evicted := tr.counts()
	assert.Equal(t, 2, n)
	assert.Equal(t, uint64(1), evicted)
	claimed, _ := tr.claim("2")
	assert.False(t, claimed)
	claimed, _ = tr.claim("1")
	assert.True(t, claimed)
	_, wait := tr.claim("1")
	assert.NotNil(t, wait, "a second caller waits for the merge in progress")
	tr.finish("1", true)
	<-wait
	claimed, _ = tr.claim("1")
	assert.False(t, claimed, "merged once")
}

func TestConfigStringHidesTheKey(t *testing.T) {
	cfg := Config{BrazeKey: "super-secret", Instance: braze.US03}
	assert.False(t, strings.Contains(fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), "super-secret"))
}

func TestUserWithMPIDAsExternalID(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Mapping.ExternalIdentityType = mapping.IdentityMPID
	k := newKit(t, cfg)
	ctx := context.Background()
	assert.Equal(t, mapping.IdentityMPID, k.Settings().ExternalIdentityType)
	assert.NotNil(t, k.Client())

	u := k.User(mparticle.UserIdentities{}, WithMPID(1234), WithEnvironment(mparticle.EnvironmentDevelopment))
	require.NoError(t, u.LogEvent(ctx, "First", mparticle.CustomOther, nil))
	u.SetMPID(5678) // mParticle's identity API returned another user
	require.NoError(t, u.LogEvent(ctx, "Second", mparticle.CustomOther, nil))
	require.NoError(t, u.IncrementUserAttribute(ctx, "count", 1))
	assert.Error(t, u.LogCommerceEvent(ctx, nil))
	_, err := k.Flush(ctx)
	require.NoError(t, err)
	first, ok := srv.User("1234")
	require.True(t, ok)
	assert.Len(t, first.Events, 1)
	second, ok := srv.User("5678")
	require.True(t, ok)
	assert.Len(t, second.Events, 1)
	assert.EqualValues(t, 1, second.Attributes["count"])
}

func TestAnonymousKitCallsAreSkippedAndReported(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	var diags []mapping.Diagnostic
	cfg := testConfig(srv)
	cfg.OnDiagnostic = func(d mapping.Diagnostic) { diags = append(diags, d) }
	k := newKit(t, cfg)
	ctx := context.Background()
	u := k.User(mparticle.UserIdentities{Email: "visitor@example.org"})
	require.NoError(t, u.LogEvent(ctx, "Browsed", mparticle.CustomNavigation, nil))
	require.NoError(t, u.IncrementUserAttribute(ctx, "visits", 1))
	_, err := k.Flush(ctx)
	require.NoError(t, err)
	assert.Empty(t, srv.Requests())
	require.Len(t, diags, 2)
	assert.Equal(t, mapping.UserSkipped, diags[1].Code)
	assert.Equal(t, uint64(2), k.Stats().SkippedBatches)
	e := &AliasMergeError{MPID: "42", Err: braze.ErrClosed}
	assert.ErrorIs(t, e, braze.ErrClosed)
	assert.Contains(t, e.Error(), "MPID 42")
}

func TestLegacyPerArrayLimitsReachTheClient(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, brazetest.WithPerArrayCap())
	cfg := testConfig(srv)
	cfg.Batch.Limits = braze.LegacyLimits()
	k := newKit(t, cfg)
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		b := customerBatch(fmt.Sprintf("c-%d", i), customEvent(t, "Opened", nil))
		require.NoError(t, b.SetUserAttribute("n", i))
		require.NoError(t, k.Forward(ctx, b))
	}
	rep, err := k.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 200, rep.Delivered)
	st := k.Stats().Delivery
	assert.Equal(t, uint64(2), st.Requests, "75 attributes + 75 events, then the rest")
}

// BenchmarkForward measures the kit path, mParticle batch to Braze: Map,
// the batcher, the client and a minimal loopback server that reads each
// body and answers 201 (brazetest's validation cost is left out; see
// braze.BenchmarkBatcher for both). Each batch is one user's user
// attribute change and 24 custom events (25 Braze objects); 1,000 users.
// Reports objects/s and process CPU per object.
func BenchmarkForward(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"message":"success"}`)
	}))
	defer srv.Close()
	k, err := New(Config{
		BrazeKey: "bench", BrazeURL: srv.URL, AllowHTTP: true, HTTPClient: srv.Client(),
		ClientOptions: []braze.Option{braze.WithRateLimits(braze.RateLimits{Disabled: true})},
	})
	if err != nil {
		b.Fatal(err)
	}
	batches := make([]*mparticle.Batch, b.N)
	for i := range batches {
		bt := mparticle.NewBatch(mparticle.EnvironmentProduction)
		bt.UserIdentities = &mparticle.UserIdentities{CustomerID: fmt.Sprintf("user-%d", i%1000)}
		_ = bt.SetUserAttribute("tier", "gold")
		for j := 0; j < 24; j++ {
			ev, _ := mparticle.NewCustomEvent("Product Viewed", mparticle.CustomOther,
				map[string]any{"sku": "SKU-1234", "price": 19.99, "quantity": 2, "in_stock": true},
				mparticle.At(kitNow.Add(time.Duration(j)*time.Second)))
			bt.AddEvent(ev)
		}
		batches[i] = bt
	}
	ctx := context.Background()
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for _, bt := range batches {
		if err := k.Forward(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	rep, err := k.Flush(ctx)
	if err != nil || rep.Failed > 0 {
		b.Fatal(err, rep.Err())
	}
	elapsed := time.Since(start)
	b.StopTimer()
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	st := k.Stats()
	if _, err := k.Close(ctx); err != nil {
		b.Fatal(err)
	}
	objects := float64(st.Objects)
	b.ReportMetric(objects/elapsed.Seconds(), "objects/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/objects, "cpu-ns/object")
	b.ReportMetric(st.Delivery.PackingEfficiency, "packing")
}
