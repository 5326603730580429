package mpbraze_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	mpbraze "github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// The secrets of this file: distinctive values that must never show up in
// a log record (captured at Debug), an error, an HTTP answer, or the
// %v/%+v/%#v/%s form of any value, on success and on every failure path.
const (
	secretBrazeKey      = "brz-REST-KEY-0a1b2c3d4e5f"
	secretMPKey         = "mp-INPUT-KEY-9f8e7d6c5b4a"
	secretMPSecret      = "mp-INPUT-SECRET-5a4b3c2d1e0f"
	secretCurrentsToken = "cur-TOKEN-77aa88bb99cc"
	secretAudienceToken = "aud-TOKEN-1234abcd5678"
	// secretWrongToken is what an impostor presents; a server must not
	// echo that either (it may be a real token of another endpoint).
	secretWrongToken = "wrong-TOKEN-feedfacecafe"
)

// secretLeaks collects everything a test printed or logged and checks it
// for the secrets.
type secretLeaks struct {
	mu   sync.Mutex
	logs bytes.Buffer
	text []string
}

func (l *secretLeaks) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.logs.Write(p)
}

// logger logs everything, Debug included, in both of slog's formats.
func (l *secretLeaks) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
	return slog.New(secretTee{slog.NewJSONHandler(l, opts), slog.NewTextHandler(l, opts)})
}

// print records every printed form of each value.
func (l *secretLeaks) print(vals ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range vals {
		l.text = append(l.text, fmt.Sprintf("%v|%+v|%#v|%s", v, v, v, v))
		if err, ok := v.(error); ok && err != nil {
			l.text = append(l.text, err.Error())
			for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
				l.text = append(l.text, fmt.Sprintf("%v|%+v|%#v", u, u, u))
			}
		}
	}
}

// check fails the test for every secret found.
func (l *secretLeaks) check(t *testing.T, where string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	all := l.logs.String() + "\n" + strings.Join(l.text, "\n")
	forbidden := []string{
		secretBrazeKey, secretMPKey, secretMPSecret, secretCurrentsToken, secretAudienceToken, secretWrongToken,
		base64.StdEncoding.EncodeToString([]byte(secretMPKey + ":" + secretMPSecret)),
	}
	for _, s := range forbidden {
		if i := strings.Index(all, s); i >= 0 {
			lo, hi := max(0, i-200), min(len(all), i+len(s)+100)
			t.Errorf("%s: secret %q leaked in: …%s…", where, s, all[lo:hi])
		}
	}
	require.NotZero(t, len(all), "%s: nothing was captured, the check proves nothing", where)
}

// secretTee sends every record to two handlers.
type secretTee [2]slog.Handler

func (h secretTee) Enabled(ctx context.Context, l slog.Level) bool { return h[0].Enabled(ctx, l) }
func (h secretTee) Handle(ctx context.Context, r slog.Record) error {
	return errors.Join(h[0].Handle(ctx, r.Clone()), h[1].Handle(ctx, r.Clone()))
}
func (h secretTee) WithAttrs(a []slog.Attr) slog.Handler {
	return secretTee{h[0].WithAttrs(a), h[1].WithAttrs(a)}
}
func (h secretTee) WithGroup(n string) slog.Handler {
	return secretTee{h[0].WithGroup(n), h[1].WithGroup(n)}
}

// secretKitConfig is a kit sending to url with the secret REST key, quick
// retries and the leak collector's logger on every component.
func secretKitConfig(l *secretLeaks, url string, hc *http.Client) mpbraze.Config {
	log := l.logger()
	return mpbraze.Config{
		BrazeKey:   secretBrazeKey,
		BrazeURL:   url,
		AllowHTTP:  true,
		HTTPClient: hc,
		Logger:     log,
		ClientOptions: []braze.Option{
			braze.WithLogger(log),
			braze.WithRateLimits(braze.RateLimits{Disabled: true}),
			braze.WithRetryPolicy(braze.RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
				Budget: braze.RetryBudget{Disabled: true}}),
		},
		Batch:        braze.BatchOptions{FlushInterval: -1},
		OnResult:     func(r braze.Result) { l.print(r, r.Err) },
		OnDiagnostic: func(d mapping.Diagnostic) { l.print(d) },
	}
}

func secretBatch(t *testing.T, customerID string) *mparticle.Batch {
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.UserIdentities = &mparticle.UserIdentities{CustomerID: customerID}
	require.NoError(t, b.SetUserAttribute("plan", "gold"))
	ev, err := mparticle.NewCustomEvent("Secret Test", mparticle.CustomOther, map[string]any{"n": 1})
	require.NoError(t, err)
	b.AddEvent(ev)
	return b
}

// TestSecretsBrazeKeyNeverLeaks runs the kit, its client and its audience
// handler through success and every failure path and checks that the REST
// key (and the audience token) never shows.
func TestSecretsBrazeKeyNeverLeaks(t *testing.T) {
	closed := brazetest.NewServer()
	closedURL := closed.URL()
	closed.Close()

	cases := []struct {
		name string
		opts []brazetest.Option
		url  func(*brazetest.Server) string
	}{
		{"success", nil, nil},
		{"401 wrong key", []brazetest.Option{brazetest.WithKey("the-server-expects-another-key")}, nil},
		{"5xx retries exhausted", []brazetest.Option{brazetest.WithFaults(brazetest.Faults{ServerErrorRate: 1})}, nil},
		{"429 wait too long", []brazetest.Option{brazetest.WithFaults(brazetest.Faults{RateLimitRate: 1, RetryAfter: time.Hour})}, nil},
		{"dropped connections", []brazetest.Option{brazetest.WithFaults(brazetest.Faults{DropRate: 1})}, nil},
		{"connection refused", nil, func(*brazetest.Server) string { return closedURL }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &secretLeaks{}
			srv := brazetest.NewServer(tc.opts...)
			defer srv.Close()
			url := srv.URL()
			if tc.url != nil {
				url = tc.url(srv)
			}
			hc := srv.Client()
			defer hc.CloseIdleConnections()
			cfg := secretKitConfig(l, url, hc)
			k, err := mpbraze.New(cfg)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()

			l.print(cfg, &cfg, k, k.Client(), k.Settings(), k.Stats())
			l.print(k.Forward(ctx, secretBatch(t, "c-1")))
			u := k.User(mparticle.UserIdentities{CustomerID: "c-2"})
			l.print(u, u.LogEvent(ctx, "Kit Call", mparticle.CustomOther, map[string]any{"k": "v"}))
			rep, err := k.Flush(ctx)
			l.print(rep, err, rep.Err())
			for _, f := range rep.Failures {
				l.print(f, f.Err)
			}

			// The client directly, for the errors it returns itself.
			c := k.Client()
			resp, err := c.Track(ctx, &braze.TrackRequest{Events: []braze.Event{{
				Identifier: braze.ExternalID("c-3"), Name: "Direct", Time: time.Unix(1714600000, 0).UTC()}}})
			l.print(resp, err)
			idResp, err := c.Identify(ctx, &braze.IdentifyRequest{AliasesToIdentify: []braze.AliasToIdentify{{
				ExternalID: "c-3", UserAlias: braze.UserAlias{AliasName: "1", AliasLabel: "mparticle_id"}}}})
			l.print(idResp, err)
			var apiErr *braze.APIError
			if errors.As(err, &apiErr) {
				l.print(*apiErr, apiErr.Errors)
			}

			// The audience handler, with a message whose account settings
			// carry a key too (mParticle sends the partner's settings).
			h, err := k.AudienceHandler(secretAudienceToken, mpbraze.AudienceHandlerOptions{MaxBodyBytes: 4096})
			require.NoError(t, err)
			l.print(h, *h)
			msg := `{"type":"audience_membership_change_request","id":"m-1","timestamp_ms":1714600000000,` +
				`"account":{"account_id":1,"account_settings":{"apiKey":"` + secretBrazeKey + `"}},` +
				`"user_profiles":[{"mpid":"1","user_identities":[{"type":"customer","encoding":"raw","value":"c-4"}],` +
				`"audiences":[{"audience_id":7,"audience_name":"VIP","action":"add"}]}]}`
			for _, req := range []struct {
				token, body string
			}{
				{secretAudienceToken, msg},
				{secretWrongToken, msg},
				{"", msg},
				{secretAudienceToken, `{"type":"audience_membership_change_request","user_profiles":[` + strings.Repeat(" ", 5000) + `]}`},
				{secretAudienceToken, `{"type": "` + secretBrazeKey},
			} {
				rec := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodPost, "/audience", strings.NewReader(req.body))
				r.Header.Set("Content-Type", "application/json")
				if req.token != "" {
					r.Header.Set("Authorization", "Bearer "+req.token)
				}
				h.ServeHTTP(rec, r)
				// The answer may quote what the sender sent, but never a
				// secret it did not send itself... and not even that.
				body := rec.Body.String()
				if strings.Contains(req.body, secretBrazeKey) && req.token == secretAudienceToken && rec.Code == http.StatusBadRequest {
					// A malformed body may be quoted back to its sender;
					// only the token must not be.
					body = strings.ReplaceAll(body, secretBrazeKey, "<body>")
				}
				l.print(rec.Code, body, rec.Header())
			}

			rep, err = k.Close(ctx)
			l.print(rep, err, k.Stats(), k)
			assert.Positive(t, l.logs.Len(), "the kit logged")
			l.check(t, tc.name)
		})
	}
}

// TestSecretsBrazeKeyNotInConfigErrors: every invalid Config is an error that
// does not quote the key, whatever else is wrong.
func TestSecretsBrazeKeyNotInConfigErrors(t *testing.T) {
	l := &secretLeaks{}
	bad := []mpbraze.Config{
		{BrazeKey: secretBrazeKey},                                   // no endpoint
		{BrazeKey: secretBrazeKey, BrazeURL: "http://127.0.0.1:1"},   // http without AllowHTTP
		{BrazeKey: secretBrazeKey, Instance: "XX-99"},                // unknown instance
		{BrazeKey: secretBrazeKey, BrazeURL: "::not a url::"},        // malformed URL
		{BrazeKey: secretBrazeKey + "\n", Instance: braze.US03},      // a key with a newline
		{BrazeKey: " " + secretBrazeKey + " ", Instance: braze.US03}, // a key with spaces
		{BrazeKey: secretBrazeKey, Instance: braze.US03, KitConfig: map[string]string{"userIdentificationType": "Nonsense"}},
		{BrazeKey: secretBrazeKey, Instance: braze.US03, Batch: braze.BatchOptions{MaxQueuedObjects: -1}},
		// Errors that show the offending value (ConfigError.Value).
		{BrazeKey: secretBrazeKey, Instance: braze.US03, MaxRememberedAliases: -1},
		{BrazeKey: secretBrazeKey, Instance: braze.US03, Mapping: mapping.Settings{ExternalIdentityType: mparticle.IdentityEmail},
			Audience: mapping.AudienceSettings{ExternalIdentityType: "customer"}},
	}
	errs, values := 0, 0
	for i, cfg := range bad {
		k, err := mpbraze.New(cfg)
		if err == nil {
			// A key with surrounding spaces may be accepted; close it.
			_, _ = k.Close(context.Background())
			continue
		}
		errs++
		l.print(err, cfg, fmt.Sprint(i))
		var ce *mpbraze.ConfigError
		if errors.As(err, &ce) && ce.Value != "" {
			values++
			l.print(ce.Value)
		}
	}
	assert.GreaterOrEqual(t, errs, 8, "the invalid configurations are refused")
	assert.GreaterOrEqual(t, values, 2, "errors with a Value were checked")
	for _, opts := range [][]braze.Option{
		nil,
		{braze.WithBaseURL("http://127.0.0.1:1")},
		{braze.WithInstance("nowhere")},
		{braze.WithInstance(braze.US03), braze.WithBaseURL("https://example.com")},
	} {
		c, err := braze.NewClient(secretBrazeKey, opts...)
		require.Error(t, err)
		l.print(err, c)
	}
	l.check(t, "config errors")
}

// TestSecretsBrazeURLCredentialsNotPrinted: a BrazeURL carrying a
// credential in its userinfo or query (a common mistake) is never printed,
// neither by Config's String/%v/%#v/slog forms nor by New's error.
func TestSecretsBrazeURLCredentialsNotPrinted(t *testing.T) {
	l := &secretLeaks{}
	log := l.logger()
	for _, raw := range []string{
		"https://user:" + secretBrazeKey + "@rest.example.braze.com/prefix?api_key=" + secretMPSecret,
		"https://rest.example.braze.com/?api_key=" + secretBrazeKey + "#" + secretMPKey,
		"http://user:" + secretBrazeKey + "@127.0.0.1:1",         // refused: plain http
		"https://rest.example.braze.com/%zz?k=" + secretBrazeKey, // refused: unparseable
	} {
		cfg := mpbraze.Config{BrazeKey: secretBrazeKey, BrazeURL: raw}
		l.print(cfg, &cfg, cfg.String())
		log.Info("config", "cfg", cfg)
		k, err := mpbraze.New(cfg)
		if err == nil {
			_, _ = k.Close(context.Background())
			continue
		}
		var ce *mpbraze.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "BrazeURL", ce.Field, "%v", err)
		l.print(err)
		log.Error("new", "err", err)
	}
	cfg := mpbraze.Config{BrazeURL: "https://u:p@rest.example.braze.com/prefix?q=1#f"}
	assert.Contains(t, cfg.String(), `"https://rest.example.braze.com/prefix"`, "scheme, host and path stay")
	l.check(t, "Config with a credential in BrazeURL")
}

// TestSecretsMParticleCredentialsNeverLeak drives the mParticle client and the
// Currents forwarder through rejected credentials, server errors, dropped
// connections and a dead endpoint, and the Currents handler through wrong
// tokens, malformed and oversized bodies and a failing sink.
func TestSecretsMParticleCredentialsNeverLeak(t *testing.T) {
	dead := mparticletest.NewServer()
	deadURL := dead.URL()
	dead.Close()

	cases := []struct {
		name   string
		opts   []mparticletest.Option
		inject []mparticletest.Fault
		url    string
	}{
		{name: "success"},
		{name: "403 wrong credentials", opts: []mparticletest.Option{mparticletest.WithCredentials("other-key", "other-secret")}},
		{name: "5xx exhausted", inject: []mparticletest.Fault{
			mparticletest.ServerError(503), mparticletest.ServerError(503), mparticletest.ServerError(500),
			mparticletest.ServerError(503), mparticletest.ServerError(503), mparticletest.ServerError(500)}},
		{name: "dropped connections", inject: []mparticletest.Fault{
			mparticletest.DropConnection(), mparticletest.DropConnection(), mparticletest.DropConnection(),
			mparticletest.DropConnection(), mparticletest.DropConnection(), mparticletest.DropConnection()}},
		{name: "400 refused", inject: []mparticletest.Fault{mparticletest.Respond(400, `{"errors":[{"code":"BAD_REQUEST","message":"no"}]}`)}},
		{name: "connection refused", url: deadURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &secretLeaks{}
			log := l.logger()
			fake := mparticletest.NewServer(tc.opts...)
			defer fake.Close()
			fake.InjectNext(tc.inject...)
			url := fake.URL()
			if tc.url != "" {
				url = tc.url
			}
			c, err := mparticle.NewClient(secretMPKey, secretMPSecret,
				mparticle.WithBaseURL(url), mparticle.WithAllowHTTP(), mparticle.WithHTTPClient(fake.Client()),
				mparticle.WithLogger(log), mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}),
				mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
					Budget: mparticle.RetryBudget{Disabled: true}}))
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			l.print(c, c.Stats())
			l.print(c.Upload(ctx, secretBatch(t, "c-1")))
			l.print(c.BulkUpload(ctx, []*mparticle.Batch{secretBatch(t, "c-2"), nil, secretBatch(t, "c-3")}))

			// The Currents path: handler → forwarder → this client.
			var failures []error
			var mu sync.Mutex
			cfg := mpbraze.CurrentsConfig{
				Client: c, Logger: log, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
				OnFailure: func(b *mparticle.Batch, err error) {
					mu.Lock()
					defer mu.Unlock()
					failures = append(failures, err)
				},
			}
			fwd, err := mpbraze.NewCurrentsForwarder(cfg)
			require.NoError(t, err)
			l.print(cfg, fwd) // a running forwarder prints without racing its workers
			sinkErr := errors.New("sink refused")
			failing := currents.SinkFunc(func(context.Context, []currents.Event) error { return sinkErr })
			for _, sink := range []currents.Sink{fwd, failing} {
				h, err := currents.NewHandler(sink, currents.WithToken(secretCurrentsToken), currents.WithLogger(log),
					currents.WithMaxBodyBytes(2048))
				require.NoError(t, err)
				l.print(h)
				if _, isFunc := sink.(currents.SinkFunc); isFunc {
					// The handler's fields (printing them with the
					// forwarder inside would race with its workers).
					l.print(*h)
				}
				good := `{"events":[{"event_type":"users.messages.email.Open","id":"e-1","time":1714600000,` +
					`"user":{"user_id":"u","external_user_id":"c-5"},"properties":{"platform":"ios"}}]}`
				for _, req := range []struct{ token, body string }{
					{secretCurrentsToken, good},
					{secretWrongToken, good},
					{"", good},
					{secretCurrentsToken, `{"events":[{"time":"soon"}]}`},
					{secretCurrentsToken, `{"events":[` + strings.Repeat(" ", 4096) + `]}`},
				} {
					rec := httptest.NewRecorder()
					r := httptest.NewRequest(http.MethodPost, "/currents", strings.NewReader(req.body))
					r.Header.Set("Content-Type", "application/json")
					if req.token != "" {
						r.Header.Set("Authorization", "Bearer "+req.token)
					}
					h.ServeHTTP(rec, r)
					l.print(rec.Code, rec.Body.String(), rec.Header(), sink) // sink: the forwarder, delivering
				}
			}
			closeCtx, cancelClose := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancelClose()
			l.print(fwd.Close(closeCtx), fwd.Stats(), fwd)
			mu.Lock()
			l.print(failures)
			for _, err := range failures {
				l.print(err)
			}
			mu.Unlock()
			l.print(c.Stats())
			assert.Positive(t, l.logs.Len(), "the client, forwarder and handler logged")
			l.check(t, tc.name)
		})
	}
}

// TestSecretsMParticleCredentialsNotInConfigErrors: client configuration
// errors never quote the key or secret.
func TestSecretsMParticleCredentialsNotInConfigErrors(t *testing.T) {
	l := &secretLeaks{}
	for _, opts := range [][]mparticle.Option{
		nil,
		{mparticle.WithBaseURL("http://127.0.0.1:1")},
		{mparticle.WithBaseURL("::bad::")},
		{mparticle.WithPod("nowhere")},
	} {
		c, err := mparticle.NewClient(secretMPKey, secretMPSecret, opts...)
		require.Error(t, err)
		l.print(err, c)
	}
	for _, creds := range [][2]string{{secretMPKey, ""}, {"", secretMPSecret}, {secretMPKey + "\n", secretMPSecret}, {secretMPKey, secretMPSecret + "\x00"}} {
		c, err := mparticle.NewClient(creds[0], creds[1], mparticle.WithPod(mparticle.Pods()[0]))
		if err == nil {
			c.CloseIdleConnections()
			continue
		}
		l.print(err)
	}
	c, err := mparticle.NewClient(secretMPKey, secretMPSecret, mparticle.WithPod(mparticle.Pods()[0]),
		mparticle.WithRateLimit(mparticle.RateLimit{Per: -time.Second}))
	var mce *mparticle.ConfigError
	require.ErrorAs(t, err, &mce, "a rate limit error shows its value")
	assert.Equal(t, "-1s", mce.Value)
	l.print(err, c)
	_, err = mpbraze.NewCurrentsForwarder(mpbraze.CurrentsConfig{})
	l.print(err)
	// CurrentsConfig errors that show a value, with a client holding the
	// credentials in the config.
	mp, err := mparticle.NewClient(secretMPKey, secretMPSecret, mparticle.WithPod(mparticle.Pods()[0]))
	require.NoError(t, err)
	defer mp.CloseIdleConnections()
	for _, cfg := range []mpbraze.CurrentsConfig{
		{Client: mp, QueueSize: -1},
		{Client: mp, MaxBackoff: -time.Second},
		{Client: mp, Feeds: map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{"Roku": mp}},
	} {
		_, err = mpbraze.NewCurrentsForwarder(cfg)
		var ce *mpbraze.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.NotEmpty(t, ce.Value, "%v", err)
		l.print(err, cfg)
	}
	_, err = currents.NewHandler(currents.SinkFunc(func(context.Context, []currents.Event) error { return nil }))
	l.print(err)
	l.check(t, "config errors")
}
