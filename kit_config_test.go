package mpbraze

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// newOrField returns the Field of New's *ConfigError, or "" after closing
// the kit when New succeeded.
func newOrField(t *testing.T, cfg Config) string {
	t.Helper()
	k, err := New(cfg)
	if err == nil {
		_, _ = k.Close(context.Background())
		return ""
	}
	var ce *ConfigError
	require.ErrorAs(t, err, &ce, "%v", err)
	return ce.Field
}

// TestNewClientErrorsNameTheField: every braze.NewClient error is
// reported against the Config field the bad value came from.
func TestNewClientErrorsNameTheField(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	base := func() Config {
		c := testConfig(srv)
		c.ClientOptions = nil
		return c
	}
	cases := []struct {
		name  string
		edit  func(c *Config)
		field string
	}{
		{"valid", func(*Config) {}, ""},
		{"key with a line break", func(c *Config) { c.BrazeKey = "k\nx" }, "BrazeKey"},
		{"unknown instance", func(c *Config) { c.BrazeURL, c.Instance = "", "US-99" }, "Instance"},
		{"URL with a query", func(c *Config) { c.BrazeURL += "/?q=1" }, "BrazeURL"},
		{"plain http refused", func(c *Config) { c.AllowHTTP = false }, "BrazeURL"},
		{"negative limits", func(c *Config) { c.Batch.Limits = braze.Limits{MaxObjects: -1} }, "Batch.Limits"},
		{"bad client option", func(c *Config) {
			c.ClientOptions = []braze.Option{braze.WithRetryPolicy(braze.RetryPolicy{MinBackoff: -1})}
		}, "ClientOptions"},
		{"client option adds an instance", func(c *Config) {
			c.ClientOptions = []braze.Option{braze.WithInstance(braze.US03)}
		}, "ClientOptions"},
		{"client option replaces the URL", func(c *Config) {
			c.ClientOptions = []braze.Option{braze.WithBaseURL("https://rest.other.example")}
		}, "ClientOptions"},
		{"client option replaces Batch.Limits", func(c *Config) {
			c.Batch.Limits = braze.Limits{MaxObjects: 50}
			c.ClientOptions = []braze.Option{braze.WithLimits(braze.Limits{MaxObjects: 20})}
		}, "ClientOptions"},
		{"client limits without Batch.Limits", func(c *Config) {
			c.ClientOptions = []braze.Option{braze.WithLimits(braze.Limits{MaxObjects: 20})}
		}, ""},
		{"client options that overlap nothing", func(c *Config) {
			c.ClientOptions = []braze.Option{braze.WithRateLimits(braze.RateLimits{Disabled: true}), braze.WithRetryPolicy(fastRetries)}
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.edit(&cfg)
			assert.Equal(t, tc.field, newOrField(t, cfg))
		})
	}
}

// TestNewDerivesAudienceIdentities: empty audience identity types follow
// the mapping's (as Firehose names), explicit ones must agree with it.
func TestNewDerivesAudienceIdentities(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cases := []struct {
		name          string
		kit           map[string]string
		mapping       mapping.Settings
		audience      mapping.AudienceSettings
		field         string // ConfigError field, or "" for success
		external, eml string
	}{
		{name: "defaults", external: "customer", eml: "email"},
		{name: "kit CustomerId", kit: map[string]string{"userIdentificationType": "CustomerId"}, external: "customer", eml: "email"},
		{name: "kit Email", kit: map[string]string{"userIdentificationType": "Email"}, external: "email", eml: "email"},
		{name: "kit Other2", kit: map[string]string{"userIdentificationType": "Other2", "emailIdentificationType": "Other3"}, external: "other2", eml: "other3"},
		{name: "kit MobileNumber", kit: map[string]string{"userIdentificationType": "MobileNumber"}, external: "mobile_number", eml: "email"},
		{name: "kit MPID", kit: map[string]string{"userIdentificationType": "MPID"}, external: "mpid", eml: "email"},
		{name: "mapping Other10", mapping: mapping.Settings{ExternalIdentityType: mparticle.IdentityOther10}, external: "other10", eml: "email"},
		{name: "no email in the mapping keeps the audience default",
			mapping: mapping.Settings{EmailIdentityType: mapping.IdentityNone}, external: "customer", eml: "email"},
		{name: "agreeing explicit settings", mapping: mapping.Settings{ExternalIdentityType: mparticle.IdentityEmail},
			audience: mapping.AudienceSettings{ExternalIdentityType: "email", EmailIdentityType: "email"}, external: "email", eml: "email"},
		{name: "audience disagrees with the mapping", mapping: mapping.Settings{ExternalIdentityType: mparticle.IdentityEmail},
			audience: mapping.AudienceSettings{ExternalIdentityType: "customer"}, field: "Audience.ExternalIdentityType"},
		{name: "a mapping that sets nothing leaves the audience alone",
			audience: mapping.AudienceSettings{ExternalIdentityType: "other"}, external: "other", eml: "email"},
		{name: "kit config without identity keys", kit: map[string]string{"enableTypeDetection": "True"},
			audience: mapping.AudienceSettings{ExternalIdentityType: "email"}, external: "email", eml: "email"},
		{name: "no Firehose name keeps the audience default",
			mapping: mapping.Settings{ExternalIdentityType: mparticle.IdentityAlias}, external: "customer", eml: "email"},
		{name: "no Firehose name cannot agree with an explicit audience identity",
			mapping:  mapping.Settings{ExternalIdentityType: mparticle.IdentityAlias},
			audience: mapping.AudienceSettings{ExternalIdentityType: "customer"}, field: "Audience.ExternalIdentityType"},
		{name: "audience email disagrees", kit: map[string]string{"emailIdentificationType": "Other"},
			audience: mapping.AudienceSettings{EmailIdentityType: "email"}, field: "Audience.EmailIdentityType"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(srv)
			cfg.KitConfig, cfg.Mapping, cfg.Audience = tc.kit, tc.mapping, tc.audience
			k, err := New(cfg)
			if tc.field != "" {
				var ce *ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tc.field, ce.Field)
				set := map[string]string{"Audience.ExternalIdentityType": tc.audience.ExternalIdentityType,
					"Audience.EmailIdentityType": tc.audience.EmailIdentityType}[tc.field]
				assert.Equal(t, set, ce.Value, "the offending value is the audience setting")
				assert.Contains(t, err.Error(), "mpbraze: Config."+tc.field+" "+strconv.Quote(set)+": ")
				return
			}
			require.NoError(t, err)
			defer func() { _, _ = k.Close(context.Background()) }()
			got := k.AudienceSettings()
			assert.Equal(t, tc.external, got.ExternalIdentityType)
			assert.Equal(t, tc.eml, got.EmailIdentityType)
		})
	}
}

// TestAudienceFollowsMappingIdentity: with the mapping keyed by email and
// no audience identity set, an audience change reaches the same Braze
// user (external_id = the email) as the person's events.
func TestAudienceFollowsMappingIdentity(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.Mapping = mapping.Settings{ExternalIdentityType: mparticle.IdentityEmail}
	k, err := New(cfg)
	require.NoError(t, err)
	defer func() { _, _ = k.Close(context.Background()) }()

	msg := audienceChange("m-1", mparticle.UserProfile{
		MPID: "1",
		UserIdentities: []mparticle.Identity{
			{Type: mparticle.UserIdentityCustomer, Value: "c-1", Encoding: mparticle.EncodingRaw},
			{Type: mparticle.UserIdentityEmail, Value: "ada@example.org", Encoding: mparticle.EncodingRaw},
		},
		Audiences: []mparticle.Audience{{AudienceID: 7, AudienceName: "Seven", Action: mparticle.AudienceAdd}},
	})
	_, err = k.ApplyAudienceChange(context.Background(), msg)
	require.NoError(t, err)
	_, err = k.Flush(context.Background())
	require.NoError(t, err)
	bodies := trackBodies(t, srv)
	require.Len(t, bodies, 1)
	attrs := bodies[0].(map[string]any)["attributes"].([]any)
	require.Len(t, attrs, 1)
	assert.Equal(t, "ada@example.org", attrs[0].(map[string]any)["external_id"])
}

func audienceChange(id string, profiles ...mparticle.UserProfile) *mparticle.AudienceMembershipChangeRequest {
	return &mparticle.AudienceMembershipChangeRequest{
		Type: mparticle.MessageAudienceMembershipChangeRequest, ID: id, FirehoseVersion: "3.2.0",
		Account: &mparticle.Account{AccountID: 1}, UserProfiles: profiles,
	}
}

// TestCloseIsIdempotentAndRefusesAfter: concurrent and repeated Close
// calls return nil; every producer returns ErrClosed afterwards.
func TestCloseIsIdempotentAndRefusesAfter(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	k, err := New(testConfig(srv))
	require.NoError(t, err)
	require.NoError(t, k.Forward(context.Background(), customerBatch("c-1", customEvent(t, "Opened", nil))))

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = k.Close(context.Background())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, trackBodies(t, srv), 1, "the queued object was delivered once")

	ctx := context.Background()
	_, err = k.ApplyAudienceChange(ctx, audienceChange("m-2"))
	assert.ErrorIs(t, err, ErrClosed)
	_, err = k.ClearAudience(ctx, 7, "Seven")
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, k.User(mparticle.UserIdentities{CustomerID: "c-1"}).LogEvent(ctx, "x", mparticle.CustomOther, nil), ErrClosed)
}

// TestSetUserAttributeValuesAsDocumented: the value kinds SetUserAttribute
// documents beyond scalars — a struct is flattened (reported), a value
// AttrOf cannot convert is an error and nothing is sent.
func TestSetUserAttributeValuesAsDocumented(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t)
	cfg := testConfig(srv)
	var diags []mapping.Diagnostic
	cfg.OnDiagnostic = func(d mapping.Diagnostic) { diags = append(diags, d) }
	k, err := New(cfg)
	require.NoError(t, err)
	defer func() { _, _ = k.Close(context.Background()) }()
	u := k.User(mparticle.UserIdentities{CustomerID: "c-1"})
	ctx := context.Background()

	type address struct {
		City string `json:"city"`
		Zip  string `json:"zip"`
	}
	require.NoError(t, u.SetUserAttribute(ctx, "address", address{City: "Lyon", Zip: "69001"}))
	assert.Error(t, u.SetUserAttribute(ctx, "bad", make(chan int)))
	_, err = k.Flush(ctx)
	require.NoError(t, err)

	bodies := trackBodies(t, srv)
	require.Len(t, bodies, 1, "one request: the channel was never queued")
	attrs := bodies[0].(map[string]any)["attributes"].([]any)
	require.Len(t, attrs, 1)
	a := attrs[0].(map[string]any)
	assert.Equal(t, "Lyon", a["address.city"])
	assert.Equal(t, "69001", a["address.zip"])
	var flattened bool
	for _, d := range diags {
		flattened = flattened || d.Code == mapping.Flattened
	}
	assert.True(t, flattened, "the flattening is reported: %v", diags)
}
