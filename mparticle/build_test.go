package mparticle

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConstructorsBuildValidEvents(t *testing.T) {
	at := time.Date(2024, 5, 1, 19, 0, 0, 0, time.UTC)
	custom, err := NewCustomEvent("Shared", CustomSocial, map[string]any{"n": 4, "s": "4", "f": 4.5, "b": true, "nil": nil},
		At(at), WithSourceMessageID("m-1"), WithSession(42, "s-uuid"), WithLocation(42.36, -71.06),
		WithCustomFlags(map[string]string{"mpbraze.source": "braze_currents"}), nil)
	require.NoError(t, err)
	screen, err := NewScreenView("Home", nil, At(at), WithCustomFlags(map[string]string{"a": "b"}))
	require.NoError(t, err)
	purchase, err := NewPurchase("T-1", 20, "USD", []Product{NewProduct("SKU", "Tent", 10, 2)}, map[string]any{"c": "x"},
		WithCustomFlags(map[string]string{"a": "b"}))
	require.NoError(t, err)
	promo, err := NewPromotionEvent(PromotionClick, []Promotion{{ID: "P"}}, nil)
	require.NoError(t, err)
	impr, err := NewImpressionEvent("Search", []Product{{ID: "A"}}, nil)
	require.NoError(t, err)
	cart, err := NewCommerceEvent(&ProductAction{Action: ActionAddToCart, Products: []Product{{ID: "A"}}}, "EUR", nil)
	require.NoError(t, err)

	b := NewBatch(EnvironmentDevelopment).AddEvent(
		custom, screen, purchase, promo, impr, cart,
		NewUserAttributeChange("tier", StringAttr("gold"), AttributeValue{}),
		NewUserAttributeChange("tier", NullAttr(), StringAttr("gold")),
		NewUserIdentityChange(IdentityEmail, "new@x", ""),
		NewPushRegistration("tok"), NewPushUnregistration("tok"),
		NewOptOut(true), NewSessionStart("s-uuid", At(at)), NewSessionEnd("s-uuid", 90*time.Second),
		NewUninstall(), NewFirstRun(), NewBreadcrumb("tap"), NewApplicationStateTransition(TransitionBackground),
		nil, (*CustomEvent)(nil),
	)
	require.Len(t, b.Events, 18, "nil events are skipped")
	require.NoError(t, b.Validate())

	assert.Equal(t, at.UnixMilli(), custom.TimestampUnixtimeMS)
	assert.Equal(t, "m-1", custom.SourceMessageID)
	assert.Equal(t, int64(42), custom.SessionID)
	assert.Equal(t, 42.36, custom.Location.Latitude)
	flag, _ := attrGet(custom.CustomFlags, "mpbraze.source").Str()
	assert.Equal(t, "braze_currents", flag)
	n, _ := attrGet(custom.CustomAttributes, "n").Int64()
	assert.Equal(t, int64(4), n)
	assert.True(t, attrGet(custom.CustomAttributes, "nil").IsNull())
	assert.Zero(t, purchase.TimestampUnixtimeMS, "no hidden clock")
	assert.Len(t, purchase.CustomFlags, 1)
	assert.Equal(t, 20.0, purchase.ProductAction.TotalAmount.Or(0))

	ss := b.Events[12].Data.(*SessionStart)
	assert.Equal(t, "s-uuid", ss.SourceMessageID)
	se := b.Events[13].Data.(*SessionEnd)
	assert.Equal(t, int64(90000), se.SessionDurationMS)

	uac := b.Events[6].Data.(*UserAttributeChange)
	assert.True(t, uac.IsNewAttribute.Or(false))
	assert.True(t, uac.Old.IsNull())
	del := b.Events[7].Data.(*UserAttributeChange)
	assert.True(t, del.Deleted.Or(false))

	// Everything built survives a round trip.
	out, err := b.Encode()
	require.NoError(t, err)
	b2, err := DecodeBatch(out)
	require.NoError(t, err)
	out2, err := b2.Encode()
	require.NoError(t, err)
	assert.Equal(t, string(out), string(out2))
	assert.Contains(t, string(out), `"new":null`)
	assert.Contains(t, string(out), `"register":false`)
}

func TestConstructorAttributeErrors(t *testing.T) {
	bad := map[string]any{"x": math.NaN()}
	_, err := NewCustomEvent("E", CustomOther, bad)
	assert.ErrorContains(t, err, `custom attribute "x"`)
	_, err = NewScreenView("S", bad)
	assert.Error(t, err)
	_, err = NewPurchase("T", 1, "USD", nil, bad)
	assert.Error(t, err)
	_, err = NewPromotionEvent(PromotionView, nil, bad)
	assert.Error(t, err)
	_, err = NewImpressionEvent("L", nil, bad)
	assert.Error(t, err)
}
