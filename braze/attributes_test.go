package braze

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceAttributesJSON encodes a with encoding/json (the tagged standard
// fields, through attributesFields) and appends the custom attributes in
// their order: the independent reference the hand encoder must match.
func referenceAttributesJSON(t testing.TB, a Attributes) string {
	t.Helper()
	std, err := json.Marshal(attributesFields(a))
	require.NoError(t, err)
	var b strings.Builder
	b.Write(std[:len(std)-1])
	for _, m := range a.Custom {
		k := m.Key
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(m.Value)
		require.NoError(t, err)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.String()
}

func fullAttributes() Attributes {
	utc := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	return Attributes{
		Identifier:                 Identifier{ExternalID: "cust-42", Email: "ada@example.com", Phone: "+441234567890"},
		UpdateExistingOnly:         new(false),
		MergeObjects:               true,
		FirstName:                  Set("Ada"),
		LastName:                   Set("Lovelace <3"),
		HomeCity:                   Null[string](),
		Country:                    Set("GB"),
		Language:                   Set("en"),
		TimeZone:                   Set("Europe/London"),
		DOB:                        Set(NewDate(1990, time.April, 1)),
		Gender:                     Set(GenderFemale),
		EmailSubscribe:             Set(SubscriptionOptedIn),
		PushSubscribe:              Set(SubscriptionUnsubscribed),
		PushTokens:                 []PushToken{{AppID: "app-ios-1", Token: "abc", DeviceID: "device-0001"}, {AppID: "app-android", Token: "def"}},
		SubscriptionGroups:         []SubscriptionGroupState{{SubscriptionGroupID: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", SubscriptionState: SubscriptionSubscribed, UseDoubleOptInLogic: true}},
		CurrentLocation:            Set(Location{Latitude: 51.5, Longitude: -0.12}),
		DateOfFirstSession:         Set(utc),
		DateOfLastSession:          Null[time.Time](),
		MarkedEmailAsSpamAt:        Set(utc.Add(time.Hour)),
		EmailOpenTrackingDisabled:  Set(true),
		EmailClickTrackingDisabled: Set(false),
		ImageURL:                   Set("https://example.com/a.png"),
		Facebook:                   Set(Facebook{ID: "fb1", Likes: []string{"go"}, NumFriends: 3}),
		Twitter:                    Set(Twitter{ID: 99, ScreenName: "ada"}),
		Custom: Properties{
			Prop("Zip", String("N1 9GU")),
			Prop("address", Object(map[string]Value{"city": String("London"), "zip": String("N1")})),
			Prop("genres", AddRemove([]string{"jazz"}, nil)),
			Prop("last_seen", Time(utc)),
			Prop("loyalty_points", Inc(5)),
			Prop("nickname", NullValue()),
			Prop("pets", Strings([]string{"cat", "dog"})),
			Prop("score", Float(9.75)),
			Prop("vip", Bool(true)),
		},
	}
}

func TestAttributesEncodingMatchesReference(t *testing.T) {
	cases := map[string]Attributes{
		"full":         fullAttributes(),
		"empty":        {},
		"only custom":  {Custom: Properties{Prop("a", Int(2)), Prop("b", Int(1))}},
		"only alias":   {Identifier: Alias("8217361", "mparticle_id"), UpdateExistingOnly: new(false)},
		"nulls":        {Identifier: ExternalID("x"), Gender: Null[Gender](), DOB: Null[Date](), CurrentLocation: Null[Location](), EmailSubscribe: Null[SubscriptionState]()},
		"braze id":     {Identifier: BrazeID("5e8f"), PushTokenImport: true},
		"email lookup": {Identifier: EmailAddress("a@b.c"), FirstName: Set("")},
		"phone lookup": {Identifier: PhoneNumber("+15550100")},
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(a)
			require.NoError(t, err)
			assert.Equal(t, referenceAttributesJSON(t, a), string(got))
			assert.True(t, json.Valid(got))
		})
	}
}

func TestAttributesGoldenSpecExample(t *testing.T) {
	a := Attributes{
		Identifier:         ExternalID("cust-42"),
		UpdateExistingOnly: new(false),
		FirstName:          Set("Ada"),
		DOB:                Set(NewDate(1990, time.April, 1)),
		Country:            Set("GB"),
		EmailSubscribe:     Set(SubscriptionOptedIn),
		Custom:             Properties{Prop("genres", AddRemove([]string{"jazz"}, nil)), Prop("loyalty_points", Inc(5))},
	}
	got, err := json.Marshal(a)
	require.NoError(t, err)
	assert.Equal(t, `{"external_id":"cust-42","_update_existing_only":false,"first_name":"Ada","country":"GB","dob":"1990-04-01","email_subscribe":"opted_in","genres":{"add":["jazz"]},"loyalty_points":{"inc":5}}`, string(got))
}

func TestAttributesThreeStateFields(t *testing.T) {
	cases := []struct {
		name string
		a    Attributes
		want string
	}{
		{"absent", Attributes{Identifier: ExternalID("u")}, `{"external_id":"u"}`},
		{"set", Attributes{Identifier: ExternalID("u"), Gender: Set(GenderMale), FirstName: Set("A")}, `{"external_id":"u","first_name":"A","gender":"M"}`},
		{"null", Attributes{Identifier: ExternalID("u"), Gender: Null[Gender](), FirstName: Null[string]()}, `{"external_id":"u","first_name":null,"gender":null}`},
		{"clear email and phone", Attributes{Identifier: ExternalID("u"), ClearEmail: true, ClearPhone: true}, `{"external_id":"u","email":null,"phone":null}`},
		{"custom null deletes", Attributes{Identifier: ExternalID("u"), Custom: Properties{Prop("gone", NullValue())}}, `{"external_id":"u","gone":null}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.a)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(got))
			var back Attributes
			require.NoError(t, json.Unmarshal(got, &back))
			again, err := json.Marshal(back)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(again), "round trip keeps the state")
		})
	}
}

func TestAttributesRoundTrip(t *testing.T) {
	a := fullAttributes()
	b, err := json.Marshal(a)
	require.NoError(t, err)
	var back Attributes
	require.NoError(t, json.Unmarshal(b, &back))
	b2, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(b2))
	assert.Equal(t, a.Identifier, back.Identifier)
	assert.Equal(t, a.DOB, back.DOB)
	assert.Equal(t, a.PushTokens, back.PushTokens)
	assert.Equal(t, a.SubscriptionGroups, back.SubscriptionGroups)
	assert.Len(t, back.Custom, len(a.Custom))
	assert.True(t, propValue(back.Custom, "loyalty_points").Equal(Inc(5)))
	assert.True(t, propValue(back.Custom, "nickname").Equal(NullValue()))
	// A time custom attribute comes back as its string: JSON has no time type.
	assert.Equal(t, KindString, propValue(back.Custom, "last_seen").Kind())
}

func TestAttributesUnmarshalRejectsBadStandardField(t *testing.T) {
	var a Attributes
	assert.Error(t, json.Unmarshal([]byte(`{"dob":"1 April 1990"}`), &a))
	assert.Error(t, json.Unmarshal([]byte(`{"x":tru}`), &a))
	assert.Error(t, json.Unmarshal([]byte(`[]`), &a))
}

func TestAttributesEncodingErrors(t *testing.T) {
	a := Attributes{Identifier: ExternalID("u"), Custom: Properties{Prop("zero", Value{})}}
	_, err := json.Marshal(a)
	assert.ErrorContains(t, err, `custom attribute key "zero"`)
	a = Attributes{Identifier: ExternalID("u"), DateOfFirstSession: Set(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC))}
	_, err = json.Marshal(a)
	assert.ErrorIs(t, err, errTimeRange)
}

func TestSetCustom(t *testing.T) {
	var a Attributes
	a.SetCustom("a", Int(1)).SetCustom("b", String("x"))
	assert.Len(t, a.Custom, 2)
	assert.True(t, IsStandardAttribute("first_name"))
	assert.False(t, IsStandardAttribute("First Name"))
}

func TestDate(t *testing.T) {
	d, err := ParseDate("1990-04-01")
	require.NoError(t, err)
	assert.Equal(t, NewDate(1990, time.April, 1), d)
	assert.Equal(t, "1990-04-01", d.String())
	assert.True(t, d.IsValid())
	_, err = ParseDate("1990-02-30")
	assert.Error(t, err)
	_, err = ParseDate("04/01/1990")
	assert.Error(t, err)
	assert.False(t, NewDate(2023, time.February, 29).IsValid())
	assert.True(t, NewDate(2024, time.February, 29).IsValid())
	assert.False(t, NewDate(2024, 13, 1).IsValid())
	assert.False(t, NewDate(10000, 1, 1).IsValid())
	assert.Equal(t, "0005-01-02", NewDate(5, 1, 2).String())
	assert.Equal(t, "-1-01-01", NewDate(-1, 1, 1).String())
	assert.Equal(t, "2024-123-01", NewDate(2024, 123, 1).String())
	assert.Equal(t, NewDate(2025, 3, 1), DateOf(time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)))
	var back Date
	assert.Error(t, json.Unmarshal([]byte(`19900401`), &back))
}

// Every optional standard field, each absent, set or null at random (the
// writers test only for absent fields inline), encodes as encoding/json
// encodes the tagged fields.
func TestAttributesOptionalFieldsInEveryState(t *testing.T) {
	utc := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	rng := rand.New(rand.NewPCG(21, 22))
	pick := func(set, null func()) {
		switch rng.IntN(3) {
		case 1:
			set()
		case 2:
			null()
		}
	}
	str := func(o *Optional[string], v string) { pick(func() { *o = Set(v) }, func() { *o = Null[string]() }) }
	tm := func(o *Optional[time.Time], v time.Time) {
		pick(func() { *o = Set(v) }, func() { *o = Null[time.Time]() })
	}
	bl := func(o *Optional[bool], v bool) { pick(func() { *o = Set(v) }, func() { *o = Null[bool]() }) }
	for range 3000 {
		a := Attributes{Identifier: ExternalID("u")}
		str(&a.FirstName, "Ada")
		str(&a.LastName, "Love <3")
		str(&a.HomeCity, "Denver")
		str(&a.Country, "GB")
		str(&a.Language, "en")
		str(&a.TimeZone, "Europe/London")
		str(&a.ImageURL, "https://example.com/a.png")
		pick(func() { a.Gender = Set(GenderOther) }, func() { a.Gender = Null[Gender]() })
		pick(func() { a.EmailSubscribe = Set(SubscriptionOptedIn) }, func() { a.EmailSubscribe = Null[SubscriptionState]() })
		pick(func() { a.PushSubscribe = Set(SubscriptionUnsubscribed) }, func() { a.PushSubscribe = Null[SubscriptionState]() })
		tm(&a.DateOfFirstSession, utc)
		tm(&a.DateOfLastSession, utc.Add(time.Second))
		tm(&a.MarkedEmailAsSpamAt, utc.Add(time.Hour))
		bl(&a.EmailOpenTrackingDisabled, true)
		bl(&a.EmailClickTrackingDisabled, false)
		pick(func() { a.Facebook = Set(Facebook{ID: "fb1", NumFriends: 3}) }, func() { a.Facebook = Null[Facebook]() })
		pick(func() { a.Twitter = Set(Twitter{ID: 99}) }, func() { a.Twitter = Null[Twitter]() })
		got, err := json.Marshal(a)
		require.NoError(t, err)
		require.Equal(t, referenceAttributesJSON(t, a), string(got))
	}
}
