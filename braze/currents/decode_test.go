package currents

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

func TestDecodeBodyFixture(t *testing.T) {
	events, err := DecodeBody(readFile(t, "testdata/fixture_custom_http.json"))
	require.NoError(t, err)
	require.Len(t, events, 2)

	send := events[0]
	assert.Equal(t, EmailSend, send.Type)
	assert.Equal(t, FamilyEmail, send.Family())
	assert.Equal(t, "1d6f0a3e-8c2b-4f71-9e55-3b7a2c9d0e14", send.ID)
	assert.Equal(t, int64(1714601200), send.Time)
	assert.Equal(t, int64(1714601200000), send.UnixMilli())
	assert.Equal(t, "2024-05-01T22:06:40Z", send.Timestamp().Format("2006-01-02T15:04:05Z07:00"))
	assert.Equal(t, User{UserID: "65f0c1a2b3c4d5e6f7a8b9c0", ExternalUserID: "cust-88412", Timezone: "America/New_York"}, send.User)
	em, err := send.Email()
	require.NoError(t, err)
	assert.Equal(t, "ada.river@example.org", em.EmailAddress)
	assert.Equal(t, "mail.example.org", em.FromDomain)
	assert.Equal(t, "Spring Restock", em.CampaignName)
	assert.Equal(t, "spring-restock-0501", em.SendID)

	open := events[1]
	assert.Equal(t, PushOpen, open.Type)
	assert.Equal(t, FamilyPush, open.Family())
	assert.Equal(t, "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", open.User.DeviceID)
	push, err := open.Push()
	require.NoError(t, err)
	assert.Equal(t, "ios", push.Platform)
	assert.Equal(t, "deep_link", push.ButtonActionType)
	assert.Equal(t, "view_cart", push.ButtonString)
	require.NotNil(t, push.AdTrackingEnabled)
	assert.False(t, *push.AdTrackingEnabled)
	assert.Equal(t, "Onboarding", push.CanvasName)
}

// TestEveryFamily decodes one real-shaped event per family and checks the
// typed view of each.
func TestEveryFamily(t *testing.T) {
	events, err := DecodeBody(readFile(t, "testdata/all_families.json"))
	require.NoError(t, err)
	byType := map[string]*Event{}
	for i := range events {
		byType[events[i].Type] = &events[i]
	}
	get := func(typ string) *Event {
		ev, ok := byType[typ]
		require.True(t, ok, "testdata lacks %s", typ)
		return ev
	}

	em, err := get(EmailOpen).Email()
	require.NoError(t, err)
	assert.Equal(t, "Apple", em.MailboxProvider)
	assert.Equal(t, "true", em.MachineOpen)
	assert.Equal(t, "iPhone15,2", em.DeviceModel)
	require.NotNil(t, em.IsAMP)
	assert.False(t, *em.IsAMP)

	click := get(EmailClick)
	assert.Equal(t, int64(1714602400123), click.UnixMilli(), "time_ms wins over time")
	ec, err := click.Email()
	require.NoError(t, err)
	assert.Equal(t, "hero_cta", ec.LinkAlias)
	assert.Equal(t, "https://shop.example.org/restock?utm_source=braze", ec.URL)

	ps, err := get(PushSend).Push()
	require.NoError(t, err)
	assert.Equal(t, "fcm-token-abc123", ps.PushToken)
	assert.Equal(t, "google_ad_id", ps.AdIDType)
	assert.Equal(t, "Pixel 8", ps.DeviceModel)

	ia, err := get(InAppClick).InApp()
	require.NoError(t, err)
	assert.Equal(t, "card-19", ia.CardID)
	assert.Equal(t, "1", ia.ButtonID)
	assert.Equal(t, FamilyInApp, get(InAppClick).Family())

	cc, err := get(ContentCardClick).ContentCard()
	require.NoError(t, err)
	assert.Equal(t, "cc-42", cc.ContentCardID)
	assert.Equal(t, "ios_idfa", cc.AdIDType)

	sms, err := get(SMSDelivery).SMS()
	require.NoError(t, err)
	assert.Equal(t, "+15555550123", sms.ToPhoneNumber)
	assert.Equal(t, []string{"https://cdn.example.org/a.png", "https://cdn.example.org/b.png"}, sms.MediaURLs)

	wh, err := get(WebhookSend).Webhook()
	require.NoError(t, err)
	assert.Equal(t, `{"priority":"high"}`, wh.MessageExtras)

	wa, err := get(WhatsAppRead).WhatsApp()
	require.NoError(t, err)
	assert.Equal(t, "sg-wa-1", wa.SubscriptionGroupID)

	cp, err := get(CampaignConversion).Campaign()
	require.NoError(t, err)
	assert.Equal(t, int64(1), cp.ConversionBehaviorIndex)
	assert.Contains(t, cp.ConversionBehavior, "SKU-TENT-2P")

	cv, err := get(CanvasEntry).Canvas()
	require.NoError(t, err)
	require.NotNil(t, cv.InControlGroup)
	assert.False(t, *cv.InControlGroup)
	assert.Equal(t, "Onboarding", cv.CanvasName)

	sub, err := get(SubscriptionGlobalStateChange).Subscription()
	require.NoError(t, err)
	assert.Equal(t, "Unsubscribed", sub.SubscriptionStatus)
	assert.Equal(t, "email", sub.Channel)

	un, err := get(Uninstall).Uninstall()
	require.NoError(t, err)
	assert.Equal(t, "ios", un.Platform)
	assert.Equal(t, FamilyUninstall, get(Uninstall).Family())

	ce, err := get(CustomEvent).CustomEvent()
	require.NoError(t, err)
	assert.Equal(t, "Wishlist Shared", ce.Name)
	assert.JSONEq(t, `["outdoor","books"]`, string(ce.CustomProperties["tags"]))

	pu, err := get(Purchase).Purchase()
	require.NoError(t, err)
	assert.Equal(t, "SKU-TENT-2P", pu.ProductID)
	assert.InDelta(t, 150.25, pu.Price, 1e-9)
	assert.Equal(t, "USD", pu.Currency)
	assert.JSONEq(t, `2`, string(pu.PurchaseProperties["size"]))

	se, err := get(SessionEnd).Session()
	require.NoError(t, err)
	assert.Equal(t, "sess-0042", se.SessionID)
	assert.InDelta(t, 125.5, se.Duration, 1e-9)
	assert.Equal(t, FamilySession, get(SessionEnd).Family())

	lo, err := get(Location).Location()
	require.NoError(t, err)
	assert.InDelta(t, 42.3601, lo.Latitude, 1e-9)
	assert.InDelta(t, -71.0589, lo.Longitude, 1e-9)
	assert.InDelta(t, 25, lo.LLAccuracy, 1e-9)
}

func TestFamilyOf(t *testing.T) {
	cases := map[string]Family{
		EmailMarkAsSpam:                     FamilyEmail,
		PushIosForeground:                   FamilyPush,
		InAppAbort:                          FamilyInApp,
		ContentCardDismiss:                  FamilyContentCard,
		BannerClick:                         FamilyBanner,
		FeatureFlagImpression:               FamilyFeatureFlag,
		NewsFeedClick:                       FamilyNewsFeed,
		SMSInboundReceive:                   FamilySMS,
		WhatsAppFailure:                     FamilyWhatsApp,
		"users.messages.rcs.Send":           FamilyRCS,
		"users.messages.line.Click":         FamilyLine,
		WebhookFailure:                      FamilyWebhook,
		"users.messages.liveactivity.Send":  FamilyLiveActivity,
		CampaignEnrollInControl:             FamilyCampaign,
		CanvasExperimentSplitEntry:          FamilyCanvas,
		CanvasStepProgression:               FamilyCanvas,
		SubscriptionGroupStateChange:        FamilySubscription,
		Uninstall:                           FamilyUninstall,
		CustomEvent:                         FamilyCustomEvent,
		Purchase:                            FamilyPurchase,
		FirstSession:                        FamilySession,
		Location:                            FamilyLocation,
		InstallAttribution:                  FamilyInstallAttribution,
		PushTokenStateChange:                FamilyPushToken,
		"users.messages.carrierpigeon.Send": FamilyUnknown,
		"":                                  FamilyUnknown,
	}
	for typ, want := range cases {
		assert.Equal(t, want, FamilyOf(typ), typ)
	}
}

func TestUnknownTypesAndFieldsAreKept(t *testing.T) {
	body := `{"events":[{"event_type":"users.messages.carrierpigeon.Send","id":"p-1","time":1714600000,
	  "user":{"external_user_id":"u-1","loft":"north"},
	  "properties":{"pigeon":{"name":"Ada","speed_kmh":92.5},"big":12345678901234567890},
	  "schema_version":3}],
	  "batch_meta":{"n":1}}`
	events, err := DecodeBody([]byte(body))
	require.NoError(t, err)
	require.Len(t, events, 1)
	ev := events[0]
	assert.Equal(t, FamilyUnknown, ev.Family())
	assert.JSONEq(t, `3`, string(ev.Extra["schema_version"]))
	assert.JSONEq(t, `"north"`, string(ev.User.Extra["loft"]))
	assert.Equal(t, "12345678901234567890", string(ev.Properties["big"]), "big numbers keep every digit")
	txt, ok := ev.Properties.Text("pigeon")
	require.True(t, ok)
	assert.JSONEq(t, `{"name":"Ada","speed_kmh":92.5}`, txt)

	out, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, `{"event_type":"users.messages.carrierpigeon.Send","id":"p-1","time":1714600000,
	  "user":{"external_user_id":"u-1","loft":"north"},
	  "properties":{"pigeon":{"name":"Ada","speed_kmh":92.5},"big":12345678901234567890},
	  "schema_version":3}`, string(out))
}

// TestReencodeIsLossless decodes, encodes and decodes again every body we
// have: the events and their encodings must be equal.
func TestReencodeIsLossless(t *testing.T) {
	for _, name := range []string{"testdata/fixture_custom_http.json", "testdata/all_families.json"} {
		t.Run(name, func(t *testing.T) {
			orig := readFile(t, name)
			events, err := DecodeBody(orig)
			require.NoError(t, err)
			enc, err := EncodeBody(events)
			require.NoError(t, err)
			assert.JSONEq(t, string(orig), string(enc))
			again, err := DecodeBody(enc)
			require.NoError(t, err)
			enc2, err := EncodeBody(again)
			require.NoError(t, err)
			assert.Equal(t, string(enc), string(enc2))
		})
	}
}

func TestDecodeErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"empty", ``, "body: body ends early"},
		{"not json", `hello`, "body: invalid JSON"},
		{"array body", `[{"event_type":"x"}]`, "body: not a JSON object"},
		{"no events", `{"other":1}`, "events: missing"},
		{"events not array", `{"events":{"a":1}}`, "events: { is not an array"},
		{"event not object", `{"events":[{"event_type":"a","id":"1"},42]}`, "events[1]: not a JSON object"},
		{"missing type", `{"events":[{"id":"1"}]}`, "events[0].event_type: missing"},
		{"type not string", `{"events":[{"event_type":7}]}`, "events[0].event_type: 7 is not a string"},
		{"time not integer", `{"events":[{"event_type":"a","time":"soon"}]}`, `events[0].time: "soon" is not an integer`},
		{"fractional time", `{"events":[{"event_type":"a","time":1.5}]}`, `events[0].time: 1.5 is not an integer`},
		{"user not object", `{"events":[{"event_type":"a","user":"bob"}]}`, `events[0].user: not a JSON object`},
		{"external id not string", `{"events":[{"event_type":"a","user":{"external_user_id":5}}]}`, `events[0].user.external_user_id: 5 is not a string`},
		{"properties not object", `{"events":[{"event_type":"a","properties":[1]}]}`, `events[0].properties: not a JSON object`},
		{"truncated", `{"events":[{"event_type":"a"}`, "body ends early"},
		{"trailing data", `{"events":[]} {"events":[]}`, "body: unexpected data after the JSON object"},
		{"events twice", `{"events":[],"events":[]}`, "events: appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			events, err := DecodeBody([]byte(c.body))
			require.Error(t, err)
			assert.Nil(t, events)
			assert.Contains(t, err.Error(), c.want)
			var fe *FieldError
			assert.True(t, errors.As(err, &fe), "error is a *FieldError: %v", err)
		})
	}
}

func TestDecodeAcceptsNullsAndEmpty(t *testing.T) {
	events, err := DecodeBody([]byte(`{"events":[]}`))
	require.NoError(t, err)
	assert.Empty(t, events)
	events, err = DecodeBody([]byte(`{"events":null}`))
	require.NoError(t, err)
	assert.Empty(t, events)
	events, err = DecodeBody([]byte(`{"events":[{"event_type":"users.behaviors.Uninstall","id":null,"time":1.7146e9,"user":null,"properties":null}]}`))
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, int64(1714600000), events[0].Time)
	assert.Nil(t, events[0].Properties)
}

func TestDecoderStreams(t *testing.T) {
	d := NewDecoder(strings.NewReader(string(readFile(t, "testdata/all_families.json"))))
	n := 0
	for {
		ev, err := d.Next()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		assert.NotEmpty(t, ev.Type)
		n++
	}
	assert.Equal(t, 16, n)
	_, err := d.Next()
	assert.ErrorIs(t, err, io.EOF, "EOF is sticky")
}

func TestPropertiesDecodeIsLenient(t *testing.T) {
	ev := Event{Type: PushSend, Properties: Properties{
		"platform":            json.RawMessage(`"ios"`),
		"ad_tracking_enabled": json.RawMessage(`"yes"`),
		"push_token":          json.RawMessage(`42`),
		"os_version":          json.RawMessage(`null`),
	}}
	p, err := ev.Push()
	require.Error(t, err)
	assert.Equal(t, "ios", p.Platform, "good fields are filled despite bad ones")
	assert.Nil(t, p.AdTrackingEnabled)
	assert.Empty(t, p.PushToken)
	assert.Contains(t, err.Error(), `properties.ad_tracking_enabled: "yes" is not a boolean`)
	assert.Contains(t, err.Error(), `properties.push_token: 42 is not a string`)

	assert.Error(t, ev.Properties.Decode(p), "non-pointer is refused")
	var nilPtr *PushProperties
	assert.Error(t, ev.Properties.Decode(nilPtr))
}

func TestPropertyGetters(t *testing.T) {
	p := Properties{
		"s": json.RawMessage(`"x"`), "b": json.RawMessage(`true`), "i": json.RawMessage(`12`),
		"f": json.RawMessage(`1.25`), "n": json.RawMessage(`null`), "o": json.RawMessage(`{ "a" : 1 }`),
	}
	s, ok := p.String("s")
	assert.True(t, ok)
	assert.Equal(t, "x", s)
	_, ok = p.String("b")
	assert.False(t, ok)
	b, ok := p.Bool("b")
	assert.True(t, ok && b)
	i, ok := p.Int64("i")
	assert.True(t, ok)
	assert.Equal(t, int64(12), i)
	_, ok = p.Int64("f")
	assert.False(t, ok)
	f, ok := p.Float64("f")
	assert.True(t, ok)
	assert.InDelta(t, 1.25, f, 0)
	assert.False(t, p.Has("n"))
	assert.True(t, p.Has("o"))
	txt, ok := p.Text("o")
	assert.True(t, ok)
	assert.Equal(t, `{"a":1}`, txt)
	txt, _ = p.Text("b")
	assert.Equal(t, "true", txt)
	_, ok = p.Text("n")
	assert.False(t, ok)
	raw, ok := p.Raw("i")
	assert.True(t, ok)
	assert.Equal(t, "12", string(raw))
}

func TestUnixMilliFallbacks(t *testing.T) {
	ev := Event{Time: 10, Properties: Properties{"time_ms": json.RawMessage(`10500`)}}
	assert.Equal(t, int64(10500), ev.UnixMilli())
	ev = Event{Time: 10}
	assert.Equal(t, int64(10000), ev.UnixMilli())
	ev = Event{}
	assert.Equal(t, int64(0), ev.UnixMilli())
	assert.True(t, ev.Timestamp().IsZero())
	ev = Event{Time: 1 << 62}
	assert.Equal(t, int64(0), ev.UnixMilli(), "overflowing times are treated as absent")
}

// BenchmarkDecodeBody decodes a Custom HTTP body of 100 email opens.
func BenchmarkDecodeBody(b *testing.B) {
	var buf strings.Builder
	buf.WriteString(`{"events":[`)
	for i := range 100 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"event_type":"users.messages.email.Open","id":"7a9c1e3f-5b7d-4f9a-8c1e-3f5b7d9f1a3c","time":1714602310,
		  "user":{"user_id":"65f0c1a2b3c4d5e6f7a8b9c0","external_user_id":"cust-88412","timezone":"America/New_York"},
		  "properties":{"app_group_id":"3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9","campaign_id":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
		  "campaign_name":"Spring Restock","dispatch_id":"65f0c1a2b3c4d5e6f7a8b9d1","send_id":"spring-restock-0501",
		  "email_address":"ada.river@example.org","machine_open":"true","mailbox_provider":"Apple"}}`)
	}
	buf.WriteString(`]}`)
	body := []byte(buf.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		events, err := DecodeBody(body)
		if err != nil || len(events) != 100 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}
