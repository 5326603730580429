package mpbraze

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
)

// DefaultMaxRememberedAliases is the number of anonymous MPIDs a Kit
// remembers in alias mode when Config.MaxRememberedAliases is zero.
const DefaultMaxRememberedAliases = 100_000

// Config configures a Kit. Only BrazeKey and one of Instance or BrazeURL are
// required; every other zero value means a documented default.
type Config struct {
	// BrazeKey is the Braze REST API key (permissions users.track, and
	// users.identify in alias mode). It never appears in logs or errors.
	BrazeKey string
	// Instance is the Braze instance (braze.US03, …). Set Instance or
	// BrazeURL, not both.
	Instance braze.Instance
	// BrazeURL is a custom REST endpoint base URL, such as a brazetest
	// server's. It must be https:// unless AllowHTTP is set.
	BrazeURL string
	// AllowHTTP permits a plain http:// BrazeURL (tests, fakes, proxies on
	// loopback).
	AllowHTTP bool

	// Mapping configures the mParticle → Braze translation. Set Mapping or
	// KitConfig, not both; both zero means the kit's defaults.
	Mapping mapping.Settings
	// KitConfig is the mParticle kit settings map (as mParticle's dashboard
	// stores it: "userIdentificationType" → "CustomerId", …), read with
	// mapping.FromKitConfig.
	KitConfig map[string]string
	// Audience configures cohort import (ApplyAudienceChange).
	Audience mapping.AudienceSettings

	// Batch configures delivery (request packing, flush interval,
	// concurrency, queue bound). Batch.Logger defaults to Logger;
	// Batch.Limits, when set, is also the client's validation limit.
	Batch braze.BatchOptions
	// OnResult receives the result of every Braze object the kit sends
	// (delivered or failed with the reason); Item.Ref is the
	// *mparticle.Batch the object came from. It is Batch.OnResult; set one
	// of the two. See braze.BatchOptions.OnResult for the rules.
	OnResult func(braze.Result)
	// OnDiagnostic receives every mapping diagnostic: each change made to
	// the data and everything not forwarded, with its reason. Diagnostics
	// are also logged (Debug; skipped users and rejected or dropped data at
	// Info).
	OnDiagnostic func(mapping.Diagnostic)

	// Logger receives the kit's logs. Nil discards them.
	Logger *slog.Logger
	// HTTPClient sends the Braze requests. Nil means a client with sane
	// timeouts (see braze.NewClient).
	HTTPClient *http.Client
	// ClientOptions are passed to braze.NewClient after the options derived
	// from the fields above (rate limits, retry policy, clock, …).
	ClientOptions []braze.Option

	// MaxRememberedAliases bounds how many anonymous MPIDs alias mode
	// remembers so that it can merge them (once) when the user is
	// identified. The oldest are forgotten first. Zero means
	// DefaultMaxRememberedAliases.
	MaxRememberedAliases int
	// Now is the clock for the timestamps of kit-style calls. Nil means
	// time.Now.
	Now func() time.Time
}

// ConfigError reports an invalid Config field.
type ConfigError struct {
	// Field is the Config field path, e.g. "BrazeURL" or "Mapping".
	Field string
	// Reason says what is wrong; it never quotes the REST key.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error formats the error as "mpbraze: Config.<Field>: <Reason>".
func (e *ConfigError) Error() string {
	s := "mpbraze: Config." + e.Field + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// mappingSettings resolves Mapping / KitConfig.
func (c *Config) mappingSettings() (mapping.Settings, error) {
	hasMapping := !reflect.ValueOf(c.Mapping).IsZero()
	switch {
	case hasMapping && c.KitConfig != nil:
		return mapping.Settings{}, &ConfigError{Field: "KitConfig", Reason: "set Mapping or KitConfig, not both"}
	case c.KitConfig != nil:
		s, err := mapping.FromKitConfig(c.KitConfig)
		if err != nil {
			return mapping.Settings{}, &ConfigError{Field: "KitConfig", Reason: "invalid kit settings", Err: err}
		}
		if s.Now == nil && c.Now != nil {
			s.Now = c.Now
		}
		return s, nil
	}
	s := c.Mapping
	if s.Now == nil && c.Now != nil {
		s.Now = c.Now
	}
	return s, nil
}

// clientOptions turns the endpoint fields into braze client options.
func (c *Config) clientOptions(log *slog.Logger) ([]braze.Option, error) {
	if c.BrazeKey == "" {
		return nil, &ConfigError{Field: "BrazeKey", Reason: "is empty"}
	}
	var opts []braze.Option
	switch {
	case c.Instance != "" && c.BrazeURL != "":
		return nil, &ConfigError{Field: "BrazeURL", Reason: "set Instance or BrazeURL, not both"}
	case c.Instance != "":
		opts = append(opts, braze.WithInstance(c.Instance))
	case c.BrazeURL != "":
		opts = append(opts, braze.WithBaseURL(c.BrazeURL))
	default:
		return nil, &ConfigError{Field: "Instance", Reason: "is empty: set Instance (e.g. braze.US03) or BrazeURL"}
	}
	if c.AllowHTTP {
		opts = append(opts, braze.WithAllowHTTP())
	}
	if c.HTTPClient != nil {
		opts = append(opts, braze.WithHTTPClient(c.HTTPClient))
	}
	opts = append(opts, braze.WithLogger(log))
	if c.Batch.Limits != (braze.Limits{}) {
		// The client validates requests against its limits: give it the
		// ones the batcher packs for.
		opts = append(opts, braze.WithLimits(c.Batch.Limits))
	}
	opts = append(opts, c.ClientOptions...)
	return opts, nil
}

// batchOptions merges the kit-level delivery fields into Batch.
func (c *Config) batchOptions(log *slog.Logger) (braze.BatchOptions, error) {
	o := c.Batch
	if c.OnResult != nil {
		if o.OnResult != nil {
			return o, &ConfigError{Field: "OnResult", Reason: "set OnResult or Batch.OnResult, not both"}
		}
		o.OnResult = c.OnResult
	}
	if o.Logger == nil {
		o.Logger = log
	}
	return o, nil
}

// fieldError wraps a constructor error from a sub-package with the Config
// field it came from, unless it already names one.
func fieldError(field string, err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return err
	}
	return &ConfigError{Field: field, Reason: "rejected", Err: err}
}

// String describes the configuration without the REST key, so that a
// Config can be printed or logged safely.
func (c Config) String() string {
	endpoint := string(c.Instance)
	if endpoint == "" {
		endpoint = c.BrazeURL
	}
	key := "unset"
	if c.BrazeKey != "" {
		key = "[redacted]"
	}
	return fmt.Sprintf("mpbraze.Config{Braze: %q, BrazeKey: %s, AllowHTTP: %t, KitConfig: %d keys}",
		endpoint, key, c.AllowHTTP, len(c.KitConfig))
}

// GoString is String: %#v must not print the key either.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, …).
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes slog print String.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }
