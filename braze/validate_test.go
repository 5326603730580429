package braze

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func okEvent() Event {
	return Event{Identifier: ExternalID("u1"), Name: "opened", Time: t0, Properties: Properties{Prop("k", String("v"))}}
}

func okPurchase() Purchase {
	return Purchase{Identifier: ExternalID("u1"), ProductID: "sku-1", Currency: "USD", Price: 9.99, Quantity: 2, Time: t0}
}

func okAttributes() Attributes {
	return Attributes{Identifier: ExternalID("u1"), FirstName: Set("Ada"), Custom: Properties{Prop("k", String("v"))}}
}

func TestValidRequestsPass(t *testing.T) {
	r := TrackRequest{
		Attributes: []Attributes{okAttributes(), fullAttributes(), {Identifier: Alias("n", "l"), UpdateExistingOnly: new(false)}},
		Events:     []Event{okEvent(), sampleEvent(1), {Identifier: EmailAddress("a@b.co"), Name: "n", Time: t0}},
		Purchases:  []Purchase{okPurchase(), samplePurchase(), {Identifier: PhoneNumber("+15550100"), ProductID: "p", Currency: "EUR", Price: -1, Time: t0}},
	}
	require.NoError(t, r.Validate(DefaultLimits()))
	require.NoError(t, r.Validate(Limits{}))
	e := okEvent()
	require.NoError(t, e.Validate())
	p := okPurchase()
	require.NoError(t, p.Validate())
	a := okAttributes()
	require.NoError(t, a.Validate())
	a = Attributes{Identifier: ExternalID("u"), Custom: Properties{Prop("addr", Object(map[string]Value{"since": NestedTime(t0)}))}}
	require.NoError(t, a.Validate(), "dates in nested attributes use $time")
	a = Attributes{PushTokenImport: true, PushTokens: []PushToken{{AppID: "app", Token: "tok"}}}
	require.NoError(t, a.Validate(), "push token import needs no identifier")
}

// validationCase mutates a valid one-object request so exactly one rule
// breaks, and names the path and message fragment the error must carry.
type validationCase struct {
	name   string
	req    func() TrackRequest
	path   string
	reason string
}

func withEvent(f func(*Event)) func() TrackRequest {
	return func() TrackRequest { e := okEvent(); f(&e); return TrackRequest{Events: []Event{okEvent(), e}} }
}

func withPurchase(f func(*Purchase)) func() TrackRequest {
	return func() TrackRequest { p := okPurchase(); f(&p); return TrackRequest{Purchases: []Purchase{p}} }
}

func withAttributes(f func(*Attributes)) func() TrackRequest {
	return func() TrackRequest { a := okAttributes(); f(&a); return TrackRequest{Attributes: []Attributes{a}} }
}

func TestTrackValidationErrors(t *testing.T) {
	long := strings.Repeat("é", 256) // 256 characters, 512 bytes
	cases := []validationCase{
		// request level
		{"empty request", func() TrackRequest { return TrackRequest{} }, "", "request has no attributes, events or purchases"},
		{"too many objects combined", func() TrackRequest {
			r := TrackRequest{}
			for range 40 {
				r.Events = append(r.Events, okEvent())
				r.Purchases = append(r.Purchases, okPurchase())
			}
			return r
		}, "", "80 objects, over the limit of 75 per request (attributes+events+purchases combined)"},

		// identifiers
		{"missing identifier", withEvent(func(e *Event) { e.Identifier = Identifier{} }), "events[1]", "has no identifier"},
		{"two primaries", withEvent(func(e *Event) { e.BrazeID = "b1" }), "events[1]", `"external_id+braze_id" has more than one primary identifier`},
		{"three primaries", withPurchase(func(p *Purchase) { p.BrazeID = "b"; p.UserAlias = &UserAlias{"n", "l"} }), "purchases[0]", `"external_id+user_alias+braze_id" has more than one`},
		{"external id too long", withEvent(func(e *Event) { e.ExternalID = strings.Repeat("x", 988) }), "events[1].external_id", "is 988 bytes, over the 987-byte limit (EXTERNAL_USER_ID_TOO_LARGE)"},
		{"blank external id", withEvent(func(e *Event) { e.ExternalID = "  " }), "events[1].external_id", `"  " is blank`},
		{"alias name empty", withEvent(func(e *Event) { e.Identifier = Alias("", "l") }), "events[1].user_alias.alias_name", "is empty"},
		{"alias label empty", withEvent(func(e *Event) { e.Identifier = Alias("n", "") }), "events[1].user_alias.alias_label", "is empty"},
		{"alias name too long", withEvent(func(e *Event) { e.Identifier = Alias(strings.Repeat("n", 237), "l") }), "events[1].user_alias.alias_name", "is 237 bytes, over the 236-byte limit"},
		{"alias label too long", withAttributes(func(a *Attributes) { a.Identifier = Alias("n", strings.Repeat("l", 237)) }), "attributes[0].user_alias.alias_label", "over the 236-byte limit"},
		{"blank braze id", withEvent(func(e *Event) { e.Identifier = BrazeID(" ") }), "events[1].braze_id", "is blank"},
		{"bad email", withEvent(func(e *Event) { e.Identifier = EmailAddress("not-an-email") }), "events[1].email", `"not-an-email" is not an email address (EMAIL_BAD_FORMAT)`},
		{"email with space", withAttributes(func(a *Attributes) { a.Email = "a b@c.d" }), "attributes[0].email", "is not an email address"},
		{"blank phone", withEvent(func(e *Event) { e.Identifier = PhoneNumber(" ") }), "events[1].phone", "is blank"},
		{"phone control char", withEvent(func(e *Event) { e.Identifier = PhoneNumber("+1\n555") }), "events[1].phone", "contains control characters"},

		// events
		{"empty event name", withEvent(func(e *Event) { e.Name = "" }), "events[1].name", "is empty"},
		{"long event name", withEvent(func(e *Event) { e.Name = long }), "events[1].name", "is 256 characters, over the 255-character limit"},
		{"missing event time", withEvent(func(e *Event) { e.Time = time.Time{} }), "events[1].time", "is missing"},
		{"event time out of range", withEvent(func(e *Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), "events[1].time", "10000 is not a year"},
		{"reserved property time", withEvent(func(e *Event) { e.Properties.Set("time", Int(1)) }), `events[1].properties["time"]`, "is a reserved property name"},
		{"reserved property event_name", withEvent(func(e *Event) { e.Properties.Set("event_name", String("x")) }), `events[1].properties["event_name"]`, "is a reserved property name"},
		{"dollar property key", withEvent(func(e *Event) { e.Properties.Set("$price", Int(1)) }), `events[1].properties["$price"]`, "key starts with '$'"},
		{"empty property key", withEvent(func(e *Event) { e.Properties.Set("", Int(1)) }), `events[1].properties[""]`, "key is empty"},
		{"long property key", withEvent(func(e *Event) { e.Properties.Set(long, Int(1)) }), `events[1].properties`, "key is 256 characters"},
		{"long property value", withEvent(func(e *Event) { e.Properties.Set("k", String(long)) }), `events[1].properties["k"]`, "is 256 characters, over the 255-character limit"},
		{"zero value property", withEvent(func(e *Event) { e.Properties.Set("k", Value{}) }), `events[1].properties["k"]`, "is the zero Value"},
		{"null property", withEvent(func(e *Event) { e.Properties.Set("k", NullValue()) }), `events[1].properties["k"]`, "is null, which is not a property value"},
		{"inc property", withEvent(func(e *Event) { e.Properties.Set("k", Inc(1)) }), `events[1].properties["k"]`, `"increment" operator is only valid as a top-level custom attribute value`},
		{"NaN property", withEvent(func(e *Event) { e.Properties.Set("k", Float(math.NaN())) }), `events[1].properties["k"]`, "NaN is not a finite number"},
		{"time in property array", withEvent(func(e *Event) { e.Properties.Set("k", Array([]Value{Time(t0)})) }), `events[1].properties["k"][0]`, "is a time inside an array"},
		{"long string in nested property", withEvent(func(e *Event) {
			e.Properties.Set("products", Array([]Value{Object(map[string]Value{"Name": String(long)})}))
		}), `events[1].properties["products"][0]["Name"]`, "over the 255-character limit"},
		{"empty nested property key", withEvent(func(e *Event) { e.Properties.Set("o", Object(map[string]Value{"": Int(1)})) }), `events[1].properties["o"][""]`, "key is empty"},
		{"nested properties too large", withEvent(func(e *Event) {
			items := make([]Value, 0, 600)
			for range 600 {
				items = append(items, String(strings.Repeat("x", 200)))
			}
			e.Properties.Set("big", Array(items))
		}), "events[1].properties", "bytes of nested data, over the 102400-byte limit"},

		// purchases
		{"empty product id", withPurchase(func(p *Purchase) { p.ProductID = "" }), "purchases[0].product_id", "is empty"},
		{"long product id", withPurchase(func(p *Purchase) { p.ProductID = long }), "purchases[0].product_id", "over the 255-character limit"},
		{"lower-case currency", withPurchase(func(p *Purchase) { p.Currency = "usd" }), "purchases[0].currency", `"usd" is not a 3-letter ISO 4217 code`},
		{"long currency", withPurchase(func(p *Purchase) { p.Currency = "USDX" }), "purchases[0].currency", "is not a 3-letter ISO 4217 code"},
		{"missing currency", withPurchase(func(p *Purchase) { p.Currency = "" }), "purchases[0].currency", "is not a 3-letter ISO 4217 code"},
		{"quantity over 100", withPurchase(func(p *Purchase) { p.Quantity = 150 }), "purchases[0].quantity", "150 outside 1..100"},
		{"negative quantity", withPurchase(func(p *Purchase) { p.Quantity = -1 }), "purchases[0].quantity", "-1 outside 1..100"},
		{"infinite price", withPurchase(func(p *Purchase) { p.Price = math.Inf(1) }), "purchases[0].price", "+Inf is not a finite number"},
		{"missing purchase time", withPurchase(func(p *Purchase) { p.Time = time.Time{} }), "purchases[0].time", "is missing"},
		{"purchase reserved property", withPurchase(func(p *Purchase) { p.Properties = Properties{Prop("time", Int(1))} }), `purchases[0].properties["time"]`, "is a reserved property name"},

		// attributes: standard fields
		{"bad dob", withAttributes(func(a *Attributes) { a.DOB = Set(NewDate(1990, 2, 30)) }), "attributes[0].dob", `"1990-02-30" is not a valid date (want YYYY-MM-DD)`},
		{"bad gender", withAttributes(func(a *Attributes) { a.Gender = Set(Gender("male")) }), "attributes[0].gender", `"male" is not a gender Braze accepts`},
		{"bad email_subscribe", withAttributes(func(a *Attributes) { a.EmailSubscribe = Set(SubscriptionState("yes")) }), "attributes[0].email_subscribe", "(BAD_EMAIL_SUBSCRIPTION_STATE)"},
		{"bad push_subscribe", withAttributes(func(a *Attributes) { a.PushSubscribe = Set(SubscriptionState("")) }), "attributes[0].push_subscribe", "(BAD_PUSH_SUBSCRIPTION_STATE)"},
		{"push token without app id", withAttributes(func(a *Attributes) { a.PushTokens = []PushToken{{Token: "t"}} }), "attributes[0].push_tokens[0].app_id", "is empty (BAD_PUSH_TOKEN_APP_ID)"},
		{"push token without token", withAttributes(func(a *Attributes) { a.PushTokens = []PushToken{{AppID: "a"}} }), "attributes[0].push_tokens[0].token", "is empty (BAD_PUSH_TOKEN_STRING)"},
		{"short device id", withAttributes(func(a *Attributes) { a.PushTokens = []PushToken{{AppID: "a", Token: "t", DeviceID: "d1"}} }), "attributes[0].push_tokens[0].device_id", `"d1" is 2 bytes, outside 8..255 (BAD_DEVICE_ID)`},
		{"push token import with external id", withAttributes(func(a *Attributes) {
			a.PushTokenImport = true
			a.PushTokens = []PushToken{{AppID: "a", Token: "t"}}
		}), "attributes[0].push_token_import", "cannot be combined with external_id or braze_id"},
		{"push token import without tokens", withAttributes(func(a *Attributes) { a.Identifier = Identifier{}; a.PushTokenImport = true }), "attributes[0].push_tokens", "are required with push_token_import"},
		{"subscription group id not a uuid", withAttributes(func(a *Attributes) {
			a.SubscriptionGroups = []SubscriptionGroupState{{SubscriptionGroupID: "group-1", SubscriptionState: SubscriptionSubscribed}}
		}), "attributes[0].subscription_groups[0].subscription_group_id", `"group-1" is not a UUID (BAD_SUBSCRIPTION_GROUP_ID)`},
		{"subscription group opted_in", withAttributes(func(a *Attributes) {
			a.SubscriptionGroups = []SubscriptionGroupState{{SubscriptionGroupID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", SubscriptionState: SubscriptionOptedIn}}
		}), "attributes[0].subscription_groups[0].subscription_state", `"opted_in" is not subscribed or unsubscribed (BAD_SUBSCRIPTION_GROUP_STATE)`},
		{"latitude out of range", withAttributes(func(a *Attributes) { a.CurrentLocation = Set(Location{Latitude: 91}) }), "attributes[0].current_location.latitude", "91 outside -90..90 (BAD_LOCATION_UPDATE)"},
		{"longitude NaN", withAttributes(func(a *Attributes) { a.CurrentLocation = Set(Location{Longitude: math.NaN()}) }), "attributes[0].current_location.longitude", "outside -180..180"},
		{"session date out of range", withAttributes(func(a *Attributes) { a.DateOfLastSession = Set(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)) }), "attributes[0].date_of_last_session", "is not a year"},
		{"clear email with email", withAttributes(func(a *Attributes) { a.Email = "a@b.co"; a.ClearEmail = true }), "attributes[0].email", "is set while ClearEmail asks to delete it"},
		{"clear phone with phone", withAttributes(func(a *Attributes) { a.Phone = "+1555"; a.ClearPhone = true }), "attributes[0].phone", "is set while ClearPhone asks to delete it"},

		// attributes: custom
		{"custom key collides with standard field", withAttributes(func(a *Attributes) { a.Custom.Set("first_name", String("x")) }), `attributes[0].custom["first_name"]`, "is the name of a standard field"},
		{"custom key bio", withAttributes(func(a *Attributes) { a.Custom.Set("bio", String("x")) }), `attributes[0].custom["bio"]`, "is a field Braze ignores or rejects"},
		{"custom dollar key", withAttributes(func(a *Attributes) { a.Custom.Set("$FirstName", String("x")) }), `attributes[0].custom["$FirstName"]`, "key starts with '$'"},
		{"custom empty key", withAttributes(func(a *Attributes) { a.Custom.Set("", String("x")) }), `attributes[0].custom[""]`, "key is empty"},
		{"custom long key", withAttributes(func(a *Attributes) { a.Custom.Set(long, String("x")) }), `attributes[0].custom`, "key is 256 characters"},
		{"custom long value", withAttributes(func(a *Attributes) { a.Custom.Set("k", String(long)) }), `attributes[0].custom["k"]`, "is 256 characters"},
		{"custom long array element", withAttributes(func(a *Attributes) { a.Custom.Set("k", Strings([]string{"ok", long})) }), `attributes[0].custom["k"][1]`, "is 256 characters"},
		{"custom long add element", withAttributes(func(a *Attributes) { a.Custom.Set("k", AddRemove([]string{long}, nil)) }), `attributes[0].custom["k"].add[0]`, "is 256 characters"},
		{"custom long remove element", withAttributes(func(a *Attributes) { a.Custom.Set("k", AddRemove(nil, []string{long})) }), `attributes[0].custom["k"].remove[0]`, "is 256 characters"},
		{"custom empty add/remove", withAttributes(func(a *Attributes) { a.Custom.Set("k", AddRemove(nil, nil)) }), `attributes[0].custom["k"]`, "add/remove has nothing to add or remove"},
		{"custom zero value", withAttributes(func(a *Attributes) { a.Custom.Set("k", Value{}) }), `attributes[0].custom["k"]`, "is the zero Value"},
		{"custom time out of range", withAttributes(func(a *Attributes) { a.Custom.Set("k", Time(time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC))) }), `attributes[0].custom["k"]`, "10001 is not a year"},
		{"nested attribute key with space", withAttributes(func(a *Attributes) { a.Custom.Set("addr", Object(map[string]Value{"post code": String("N1")})) }), `attributes[0].custom["addr"]["post code"]`, "may not contain spaces, '.' or '$'"},
		{"nested attribute key with dot", withAttributes(func(a *Attributes) { a.Custom.Set("addr", Object(map[string]Value{"a.b": String("N1")})) }), `attributes[0].custom["addr"]["a.b"]`, "may not contain"},
		{"bare time in nested attribute", withAttributes(func(a *Attributes) { a.Custom.Set("addr", Object(map[string]Value{"since": Time(t0)})) }), `attributes[0].custom["addr"]["since"]`, "use braze.NestedTime"},
		{"nested inc", withAttributes(func(a *Attributes) { a.Custom.Set("addr", Object(map[string]Value{"n": Inc(1)})) }), `attributes[0].custom["addr"]["n"]`, "operator is only valid as a top-level custom attribute value"},
		{"nested attribute too large", withAttributes(func(a *Attributes) {
			m := map[string]Value{}
			for i := range 500 {
				m["k"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = String(strings.Repeat("v", 250))
			}
			a.Custom.Set("big", Object(m))
		}), `attributes[0].custom["big"]`, "bytes of nested data, over the 102400-byte limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := c.req()
			err := req.Validate(DefaultLimits())
			require.Error(t, err)
			body, oneErr := req.appendValidated(DefaultLimits(), nil)
			assert.Nil(t, body)
			require.Error(t, oneErr)
			assert.Equal(t, err.Error(), oneErr.Error(), "Track's one-pass validation fails the same way")
			var errs ValidationErrors
			require.True(t, errors.As(err, &errs), "error is ValidationErrors")
			var match *ValidationError
			for _, e := range errs {
				if e.Path == c.path || strings.HasPrefix(e.Path, c.path) && c.path != "" {
					match = e
					break
				}
			}
			require.NotNil(t, match, "no error with path %q in: %v", c.path, err)
			assert.Contains(t, match.Error(), c.reason)
			if c.path != "" {
				assert.True(t, strings.HasPrefix(match.Error(), c.path+": ") || strings.HasPrefix(match.Error(), c.path+"["), "message starts with the path: %s", match.Error())
			}
			assert.Contains(t, err.Error(), match.Error(), "the list names every problem")
			var single *ValidationError
			assert.True(t, errors.As(err, &single), "errors.As finds a *ValidationError")
		})
	}
}

func TestLegacyPerArrayLimits(t *testing.T) {
	r := TrackRequest{}
	for range 75 {
		r.Events = append(r.Events, okEvent())
		r.Purchases = append(r.Purchases, okPurchase())
		r.Attributes = append(r.Attributes, okAttributes())
	}
	require.NoError(t, r.Validate(LegacyLimits()), "225 objects are fine per array")
	err := r.Validate(DefaultLimits())
	require.ErrorContains(t, err, "225 objects, over the limit of 75 per request")

	r.Events = append(r.Events, okEvent())
	err = r.Validate(LegacyLimits())
	require.Error(t, err)
	assert.Equal(t, "braze: invalid request: events: 76 objects, over the limit of 75 per array", err.Error())

	small := Limits{MaxObjects: 2} // combined: the zero PerArray
	r2 := TrackRequest{Events: []Event{okEvent(), okEvent(), okEvent()}}
	assert.ErrorContains(t, r2.Validate(small), "3 objects, over the limit of 2")
}

func TestLimitsFits(t *testing.T) {
	assert.True(t, DefaultLimits().Fits(25, 25, 25))
	assert.False(t, DefaultLimits().Fits(25, 25, 26))
	assert.True(t, Limits{}.Fits(75, 0, 0))
	assert.True(t, LegacyLimits().Fits(75, 75, 75))
	assert.False(t, LegacyLimits().Fits(76, 0, 0))
	n := Limits{MaxObjects: 10}.normalized()
	assert.Equal(t, MaxBodyBytes, n.MaxBodyBytes)
	assert.False(t, n.PerArray, "a partly filled Limits keeps the combined cap")
	assert.False(t, Limits{MaxObjects: 10}.Fits(5, 5, 1), "11 objects combined are over 10")
	assert.Equal(t, DefaultLimits(), Limits{}.normalized())
}

func TestBodySizeLimit(t *testing.T) {
	// 75 attribute objects with 60 custom attributes of 250 characters each
	// encode to about 1.2 MB: under the default cap, over a 1 MB cap.
	r := TrackRequest{}
	for i := range 75 {
		a := Attributes{Identifier: ExternalID("u" + strings.Repeat("x", i)), Custom: Properties{}}
		for j := range 60 {
			a.Custom.Set("attr_"+string(rune('a'+j%26))+strings.Repeat("z", j/26), String(strings.Repeat("v", 250)))
		}
		r.Attributes = append(r.Attributes, a)
	}
	require.NoError(t, r.Validate(DefaultLimits()))
	l := DefaultLimits()
	l.MaxBodyBytes = 1 << 20
	err := r.Validate(l)
	require.Error(t, err)
	assert.Regexp(t, `^braze: invalid request: \d+ bytes encoded, over the 1048576-byte body limit \(Braze answers 413\)$`, err.Error())
	_, oneErr := r.appendValidated(l, nil)
	assert.Equal(t, err, oneErr, "Track's one-pass validation measures the body too")

	// The bound is an upper bound: it never under-estimates.
	body, err := r.AppendJSON(nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, r.sizeBound(), len(body))
	full := TrackRequest{Attributes: []Attributes{fullAttributes()}, Events: []Event{sampleEvent(0)}, Purchases: []Purchase{samplePurchase()}}
	body, err = full.AppendJSON(nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, full.sizeBound(), len(body))
}

func TestValidationErrorFormatting(t *testing.T) {
	e := &ValidationError{Path: "events[3].quantity", Value: 150, Reason: "outside 1..100"}
	assert.Equal(t, "events[3].quantity: 150 outside 1..100", e.Error())
	e = &ValidationError{Path: "x", Reason: "is missing"}
	assert.Equal(t, "x: is missing", e.Error())
	e = &ValidationError{Value: strings.Repeat("a", 100), Reason: "r"}
	assert.Equal(t, `"`+strings.Repeat("a", 64)+`"… r`, e.Error())
	e = &ValidationError{Path: "g", Value: GenderMale, Reason: "r"}
	assert.Equal(t, `g: M r`, e.Error())
	e = &ValidationError{Path: "k", Value: KindInt, Reason: "r"}
	assert.Equal(t, `k: "int" r`, e.Error())
	assert.Equal(t, "braze: no validation errors", ValidationErrors(nil).Error())
	assert.Nil(t, ValidationErrors(nil).err())
	two := ValidationErrors{{Path: "a", Reason: "x"}, {Path: "b", Reason: "y"}}
	assert.Equal(t, "braze: invalid request: 2 problems: a: x; b: y", two.Error())
	assert.Len(t, two.Unwrap(), 2)
}

func TestIdentifierKey(t *testing.T) {
	cases := []struct {
		id   Identifier
		want string
	}{
		{ExternalID("cust-1"), "external_id:cust-1"},
		{Alias("8217361", "mparticle_id"), "user_alias:12:mparticle_id:8217361"},
		{BrazeID("b1"), "braze_id:b1"},
		{EmailAddress("a@b.c"), "email:a@b.c"},
		{PhoneNumber("+1"), "phone:+1"},
		{Identifier{Email: "a@b.c", Phone: "+1"}, "email:a@b.c"},
		{Identifier{ExternalID: "x", Email: "a@b.c"}, "external_id:x"},
		{Identifier{}, ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.id.Key())
	}
	// The label length keeps aliases with colons apart.
	assert.NotEqual(t, Alias("c", "a:b").Key(), Alias("b:c", "a").Key())
	e := Event{Identifier: ExternalID("cust-1")}
	assert.Equal(t, "external_id:cust-1", e.Key(), "promoted to the objects")
}

func TestIdentifierValidate(t *testing.T) {
	assert.NoError(t, ExternalID("x").Validate())
	assert.NoError(t, Identifier{ExternalID: "x", Email: "a@b.co", Phone: "+1"}.Validate())
	err := Identifier{}.Validate()
	require.Error(t, err)
	assert.Equal(t, "braze: invalid request: has no identifier: one of external_id, user_alias, braze_id, email or phone is required", err.Error())
	err = Identifier{ExternalID: "x", BrazeID: "y"}.Validate()
	assert.ErrorContains(t, err, `"external_id+braze_id" has more than one primary identifier`)
	assert.ErrorContains(t, UserAlias{}.Validate(), "user_alias.alias_name: is empty")
	assert.NoError(t, UserAlias{AliasName: "n", AliasLabel: "l"}.Validate())
}

func TestObjectValidateMethodsShadowIdentifierValidate(t *testing.T) {
	e := Event{Identifier: ExternalID("u")}
	err := e.Validate()
	require.Error(t, err, "Event.Validate checks the whole event, not only its identifier")
	assert.ErrorContains(t, err, "name: ")
	p := Purchase{Identifier: ExternalID("u")}
	assert.ErrorContains(t, p.Validate(), "currency: ")
	a := Attributes{Identifier: ExternalID("u"), Gender: Set(Gender("x"))}
	assert.ErrorContains(t, a.Validate(), "gender: ")
}

func TestValidationErrorsNameTheObject(t *testing.T) {
	bad := okEvent()
	bad.Properties.Set("o", Object(map[string]Value{"k": Array([]Value{String(strings.Repeat("x", 300))})}))
	badP := okPurchase()
	badP.Quantity = 101
	r := TrackRequest{Events: []Event{okEvent(), okEvent(), bad}, Purchases: []Purchase{badP}}
	var errs ValidationErrors
	require.True(t, errors.As(r.Validate(DefaultLimits()), &errs))
	require.Len(t, errs, 2)
	assert.Equal(t, `events[2].properties["o"]["k"][0]`, errs[0].Path)
	assert.Equal(t, InputEvents, errs[0].Array)
	assert.Equal(t, 2, errs[0].Index)
	assert.Equal(t, "purchases[0].quantity", errs[1].Path)
	assert.Equal(t, InputPurchases, errs[1].Array)
	assert.Equal(t, 0, errs[1].Index)

	var tooMany ValidationErrors
	big := TrackRequest{Events: make([]Event, 76)}
	for i := range big.Events {
		big.Events[i] = okEvent()
	}
	require.True(t, errors.As(big.Validate(DefaultLimits()), &tooMany))
	assert.Empty(t, tooMany[0].Array, "request-level problems name no object")
}

func TestValidationErrorOrderIsDeterministic(t *testing.T) {
	e := okEvent()
	for _, k := range []string{"$z", "$a", "$m", "time", "$b"} {
		e.Properties.Set(k, NullValue())
	}
	r := TrackRequest{Events: []Event{e}}
	first := r.Validate(DefaultLimits()).Error()
	for range 20 {
		assert.Equal(t, first, r.Validate(DefaultLimits()).Error())
	}
	assert.Less(t, strings.Index(first, `["$a"]`), strings.Index(first, `["$z"]`))
}

// TestAppendValidatedMatchesValidateThenEncode checks Track's one-pass
// validation against Validate followed by AppendJSON on valid requests of
// every shape, plain and irregular (nested values, $-free but long keys,
// null custom attributes, a request at the object cap), under both limits.
func TestAppendValidatedMatchesValidateThenEncode(t *testing.T) {
	nested := okEvent()
	nested.Properties = Properties{Prop("list", Array([]Value{String("x"), Int(2)})), Prop("obj", Object(map[string]Value{"a": Int(1)}))}
	attrs := okAttributes()
	attrs.Custom = Properties{Prop("count", Inc(2)), Prop("n", NullValue()), Prop("plain", String("v")), Prop("tags", Strings([]string{"a", "b"}))}
	full := TrackRequest{}
	for range 25 {
		full.Attributes = append(full.Attributes, okAttributes())
		full.Events = append(full.Events, okEvent())
		full.Purchases = append(full.Purchases, okPurchase())
	}
	reqs := map[string]TrackRequest{
		"plain":          {Attributes: []Attributes{okAttributes()}, Events: []Event{okEvent()}, Purchases: []Purchase{okPurchase()}},
		"nested":         {Events: []Event{nested}},
		"custom kinds":   {Attributes: []Attributes{attrs}},
		"full":           full,
		"sample objects": {Attributes: []Attributes{fullAttributes()}, Events: []Event{sampleEvent(0)}, Purchases: []Purchase{samplePurchase()}},
	}
	for name, r := range reqs {
		for _, l := range []Limits{DefaultLimits(), LegacyLimits()} {
			require.NoError(t, r.Validate(l), name)
			want, err := r.AppendJSON(nil)
			require.NoError(t, err, name)
			got, err := r.appendValidated(l, nil)
			require.NoError(t, err, name)
			assert.Equal(t, string(want), string(got), name)
		}
	}
}

// FuzzAppendValidatedMatchesTwoPass: for any request decoded from JSON,
// Client.Track's one pass (appendValidated) ends exactly as Validate then
// AppendJSON: the same error text, or the same bytes. The seed corpus is
// in testdata/fuzz/FuzzAppendValidatedMatchesTwoPass.
func FuzzAppendValidatedMatchesTwoPass(f *testing.F) {
	f.Add([]byte(`{"events":[{"external_id":"u1","name":"n","time":"2025-03-01T10:15:00.5Z","properties":{"b":1,"a":"x","c":[1,"y"]}},{"external_id":"u1","name":"m","time":"2025-03-01T10:15:00.25+01:00"}]}`))
	f.Add([]byte(`{"attributes":[{"external_id":"u","email":"a@b.c","tier":"gold","n":{"inc":2},"tags":{"add":["x"]},"first_name":null}],"purchases":[{"user_alias":{"alias_name":"1","alias_label":"l"},"product_id":"p","currency":"USD","price":70.22,"quantity":3,"time":"2026-11-28T09:00:00.002Z","properties":{"Total Amount":176.51000000000002}}]}`))
	f.Add([]byte(`{"events":[{"external_id":"u","name":"n","time":"2025-03-01T10:15:00Z","properties":{"time":"reserved","$x":1}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r TrackRequest
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		checkOnePassMatchesTwoPass(t, &r)
		// JSON decoding keeps one member per key: repeat a key (the first
		// property or custom attribute) to reach the duplicate checks.
		dup := func(ps Properties) (Properties, bool) {
			if len(ps) == 0 {
				return ps, false
			}
			return append(ps[:len(ps):len(ps)], ps[0]), true
		}
		for i := range r.Attributes {
			if ps, ok := dup(r.Attributes[i].Custom); ok {
				r.Attributes[i].Custom = ps
				checkOnePassMatchesTwoPass(t, &r)
				return
			}
		}
		for i := range r.Events {
			if ps, ok := dup(r.Events[i].Properties); ok {
				r.Events[i].Properties = ps
				checkOnePassMatchesTwoPass(t, &r)
				return
			}
		}
	})
}

// checkOnePassMatchesTwoPass fails unless appendValidated ends exactly as
// Validate then AppendJSON under both limits.
func checkOnePassMatchesTwoPass(t *testing.T, r *TrackRequest) {
	t.Helper()
	for _, l := range []Limits{DefaultLimits(), LegacyLimits()} {
		got, oneErr := r.appendValidated(l, nil)
		if err := r.Validate(l); err != nil {
			if oneErr == nil || oneErr.Error() != err.Error() {
				t.Fatalf("one pass: %v; Validate: %v", oneErr, err)
			}
			continue
		}
		want, err := r.AppendJSON(nil)
		if err != nil {
			var enc *encodeError
			if !errors.As(oneErr, &enc) || enc.err.Error() != err.Error() {
				t.Fatalf("one pass: %v; AppendJSON: %v", oneErr, err)
			}
			continue
		}
		if oneErr != nil || string(got) != string(want) {
			t.Fatalf("one pass: %s, %v; two passes: %s", got, oneErr, want)
		}
	}
}

// TestPlainMembersBoundAgreesWithTheFullCheck: the fast path of the
// property and custom attribute checks accepts a list only when the full
// check (every member plain, no duplicate key) accepts it, and then
// returns the same size bound.
func TestPlainMembersBoundAgreesWithTheFullCheck(t *testing.T) {
	keys := []string{"a", "b", "ab", "price", "premium", "time", "event_name", "$op", "", "email", "first_name",
		strings.Repeat("k", 255), strings.Repeat("k", 256), "z"}
	values := []Value{String("x"), String(strings.Repeat("s", 255)), String(strings.Repeat("s", 256)), Int(3), Bool(true),
		Float(1.5), Float(math.NaN()), Float(math.Inf(-1)), Time(testTime), NullValue(), Inc(2), {},
		Strings([]string{"a"}), Strings([]string{strings.Repeat("s", 256)}), AddRemove([]string{"a"}, nil), AddRemove(nil, nil),
		ObjectOf(Properties{Prop("n", Int(1))}), Array([]Value{Int(1)})}
	rng := rand.New(rand.NewPCG(3, 4))
	accepted := map[memberRule]int{}
	for range 20000 {
		ps := randomMembers(rng, keys, values, 6)
		for _, rule := range []memberRule{propertyMember, customMember} {
			n, ok := plainMembersBound(ps, rule)
			plain := fullPlainCheck(ps, rule)
			if ok {
				accepted[rule]++
				require.True(t, plain, "rule %d accepted %v", rule, ps)
				require.Equal(t, propertiesBound(ps), n)
			}
			if plain && keysIncrease(ps) {
				require.True(t, ok, "rule %d refused a plain sorted list %v", rule, ps)
			}
		}
	}
	assert.Greater(t, accepted[propertyMember], 1000)
	assert.Greater(t, accepted[customMember], 1000)
}
