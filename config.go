package mpbraze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
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
	// Audience configures cohort import (ApplyAudienceChange). Its
	// ExternalIdentityType and EmailIdentityType, when empty, are derived
	// from the identity types the mapping sets (Mapping or KitConfig),
	// translated to their Firehose names (CustomerId → "customer", Email →
	// "email", Other2 → "other2", MobileNumber → "mobile_number", MPID →
	// "mpid", …), so that audience attributes reach the same Braze users as
	// events. Setting one that disagrees with an identity type the mapping
	// sets is a ConfigError. When the mapping sets none, the audience
	// defaults ("customer", "email") match the mapping's. Identities with
	// no Firehose name (Alias, FacebookCustomAudienceId) and an email
	// identity of mapping.IdentityNone leave the audience default in place
	// (with a warning in the log for the external id).
	Audience mapping.AudienceSettings

	// Batch configures delivery (request packing, flush interval,
	// concurrency, queue bound). Batch.Logger defaults to Logger (when both
	// are set, Batch.Logger receives the batcher's logs and Logger the
	// rest); Batch.Limits, when set, is also the client's validation limit.
	Batch braze.BatchOptions
	// OnResult receives the result of every Braze object the kit sends
	// (delivered or failed with the reason). For the objects of Forward
	// (and the User helpers) Item.Ref is a *BatchRef naming the batch the
	// object came from; for ApplyAudienceChange it is the message. It is
	// Batch.OnResult; set one of the two. See braze.BatchOptions.OnResult
	// for the rules.
	OnResult func(braze.Result)
	// RetainBatches puts the forwarded *mparticle.Batch itself in each
	// object's BatchRef.Batch. Off by default: the decoded batch (every
	// event, attribute and device field) then stays in memory until its
	// last object has its result, which with a full queue multiplies the
	// live heap and the garbage collector's work; BatchRef's ids are
	// enough to log or retry a failure by batch.
	RetainBatches bool
	// RetainObjects keeps each mapped Braze object in its result
	// (Result.Item.Attributes, .Event or .Purchase). Off by default:
	// results then carry the object's JSON as sent (Result.Object) and its
	// Ref, and the kit reuses the objects' memory for the next batches as
	// soon as they are queued, which saves most of the forward path's
	// allocations. The kit sets Batch.ForgetObjects to the opposite of
	// RetainObjects; setting both is a ConfigError.
	RetainObjects bool
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
	// from the fields above. Use them for what Config has no field for
	// (braze.WithRateLimits, WithRetryPolicy, WithClock, WithUserAgent, …).
	// Do not repeat a Config field here: an option that changes the
	// endpoint (WithInstance, WithBaseURL) or, when Batch.Limits is set, the
	// limits (WithLimits) is rejected with a ConfigError for ClientOptions.
	// WithHTTPClient and WithLogger cannot be told apart from the fields'
	// own options; if given anyway they win over HTTPClient and Logger, as
	// the later option does.
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

// ConfigError reports an invalid Config (or CurrentsConfig) field. Like
// braze.ConfigError and mparticle.ConfigError it names the field and shows
// the offending value; it never holds the REST key, the mParticle key or
// secret, or a token.
type ConfigError struct {
	// Field is the Config field path, e.g. "BrazeURL" or "Mapping".
	Field string
	// Value is the offending value, when there is one to show (never a
	// credential, and never a URL, which may carry one); empty otherwise.
	Value string
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error formats the error as `mpbraze: Config.<Field> "<Value>": <Reason>`
// (without the value when Value is empty), followed by the underlying
// error.
func (e *ConfigError) Error() string {
	s := "mpbraze: Config." + e.Field
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	s += ": " + e.Reason
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

// newClient builds the braze client from the endpoint fields and
// ClientOptions. Its errors name the Config field at fault.
func (c *Config) newClient(log *slog.Logger) (*braze.Client, error) {
	opts, err := c.clientOptions(log)
	if err != nil {
		return nil, err
	}
	// The client built from the Config fields alone tells apart a fault of
	// those fields from one of ClientOptions, and shows what ClientOptions
	// would silently override.
	own, err := braze.NewClient(c.BrazeKey, opts[:len(opts)-len(c.ClientOptions)]...)
	if err != nil {
		return nil, c.clientError(err)
	}
	if len(c.ClientOptions) == 0 {
		return own, nil
	}
	client, err := braze.NewClient(c.BrazeKey, opts...)
	if err != nil {
		return nil, fieldError("ClientOptions", err)
	}
	switch {
	case own.BaseURL() != client.BaseURL():
		return nil, &ConfigError{Field: "ClientOptions", Reason: "an option changes the Braze endpoint set by Instance or BrazeURL; set the endpoint only there"}
	case c.Batch.Limits != (braze.Limits{}) && own.Limits() != client.Limits():
		return nil, &ConfigError{Field: "ClientOptions", Reason: "a WithLimits option conflicts with Batch.Limits; set the limits only in Batch.Limits"}
	}
	return client, nil
}

// clientError maps the error of a braze.NewClient call made without
// ClientOptions to the Config field it came from: the REST key, the
// endpoint fields, or Batch.Limits.
func (c *Config) clientError(err error) error {
	field := "BrazeURL"
	var be *braze.ConfigError
	if errors.As(err, &be) {
		switch be.Option {
		case "restKey":
			field = "BrazeKey"
		case "WithInstance":
			field = "Instance"
		case "WithBaseURL", "WithAllowHTTP":
			field = "BrazeURL"
		case "WithLimits":
			field = "Batch.Limits"
		case "WithHTTPClient":
			field = "HTTPClient"
		case "WithLogger":
			field = "Logger"
		}
	}
	return fieldError(field, err)
}

// clientOptions turns the endpoint fields into braze client options,
// followed by ClientOptions.
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
	if c.RetainObjects && o.ForgetObjects {
		return o, &ConfigError{Field: "RetainObjects", Reason: "set RetainObjects or Batch.ForgetObjects, not both"}
	}
	o.ForgetObjects = !c.RetainObjects
	return o, nil
}

// firehoseIdentities translates the mapping's identity types (Events API
// names) to the Firehose names AudienceSettings uses. Alias and
// facebook_custom_audience_id have no Firehose name.
var firehoseIdentities = map[mparticle.IdentityType]string{
	mparticle.IdentityCustomerID:   mparticle.UserIdentityCustomer,
	mparticle.IdentityEmail:        mparticle.UserIdentityEmail,
	mparticle.IdentityOther:        mparticle.UserIdentityOther,
	mparticle.IdentityOther2:       mparticle.UserIdentityOther2,
	mparticle.IdentityOther3:       mparticle.UserIdentityOther3,
	mparticle.IdentityOther4:       mparticle.UserIdentityOther4,
	mparticle.IdentityOther5:       mparticle.UserIdentityOther5,
	mparticle.IdentityOther6:       mparticle.UserIdentityOther6,
	mparticle.IdentityOther7:       mparticle.UserIdentityOther7,
	mparticle.IdentityOther8:       mparticle.UserIdentityOther8,
	mparticle.IdentityOther9:       mparticle.UserIdentityOther9,
	mparticle.IdentityOther10:      mparticle.UserIdentityOther10,
	mparticle.IdentityMobileNumber: mparticle.UserIdentityMobileNumber,
	mparticle.IdentityPhoneNumber2: mparticle.UserIdentityPhoneNumber2,
	mparticle.IdentityPhoneNumber3: mparticle.UserIdentityPhoneNumber3,
	mparticle.IdentityFacebook:     mparticle.UserIdentityFacebook,
	mparticle.IdentityTwitter:      mparticle.UserIdentityTwitter,
	mparticle.IdentityGoogle:       mparticle.UserIdentityGoogle,
	mparticle.IdentityMicrosoft:    mparticle.UserIdentityMicrosoft,
	mparticle.IdentityYahoo:        mparticle.UserIdentityYahoo,
	mapping.IdentityMPID:           mapping.AudienceIdentityMPID,
}

// audienceSettings returns Audience with its identity types derived from
// the ones the mapping settings ms set (before defaults) when empty, and
// rejects ones that disagree: otherwise events and audience attributes of
// one person would be keyed by different identities, and reach different
// Braze users without any error. An identity type ms leaves empty is the
// mapping's default, which the audience default matches.
func (c *Config) audienceSettings(ms mapping.Settings, log *slog.Logger) (mapping.AudienceSettings, error) {
	a := c.Audience
	pick := func(field string, set *string, kit mparticle.IdentityType) error {
		name, ok := firehoseIdentities[kit]
		switch {
		case kit == "":
			return nil // the defaults of both agree (customer, email)
		case !ok && kit == mapping.IdentityNone:
			return nil // no email in the mapping: nothing to agree with
		case !ok && *set == "":
			log.LogAttrs(context.Background(), slog.LevelWarn, "mpbraze: the mapping's identity has no Firehose name; the audience import keeps its default",
				slog.String("field", "Audience."+field), slog.String("mapping_identity", string(kit)))
			return nil
		case !ok:
			return &ConfigError{Field: "Audience." + field, Value: *set, Reason: fmt.Sprintf("cannot match the mapping's identity %q, which has no Firehose name; leave it empty", kit)}
		case *set == "":
			*set = name
			return nil
		case *set != name:
			return &ConfigError{Field: "Audience." + field, Value: *set, Reason: fmt.Sprintf("disagrees with the mapping's identity %q (Firehose name %q): audience attributes and events would reach different Braze users; leave it empty to derive it", kit, name)}
		}
		return nil
	}
	if err := pick("ExternalIdentityType", &a.ExternalIdentityType, ms.ExternalIdentityType); err != nil {
		return a, err
	}
	if err := pick("EmailIdentityType", &a.EmailIdentityType, ms.EmailIdentityType); err != nil {
		return a, err
	}
	return a, nil
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

// String describes the configuration without the REST key and without
// BrazeURL's query and userinfo, so that a Config can be printed or logged
// safely.
func (c Config) String() string {
	endpoint := string(c.Instance)
	if endpoint == "" {
		endpoint = redactedURL(c.BrazeURL)
	}
	key := "unset"
	if c.BrazeKey != "" {
		key = "[redacted]"
	}
	return fmt.Sprintf("mpbraze.Config{Braze: %q, BrazeKey: %s, AllowHTTP: %t, KitConfig: %d keys}",
		endpoint, key, c.AllowHTTP, len(c.KitConfig))
}

// redactedURL returns scheme://host/path of raw: a query or userinfo may
// hold a credential (…?api_key=…, https://user:key@…), so neither is shown.
func redactedURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[invalid URL]"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// GoString is String: %#v must not print the key either.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, …).
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes slog print String.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }
