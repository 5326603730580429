package braze

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The encoder checks each object's fields (plainFields) instead of a
// validation pass before it: an object with any one field broken, alone or
// next to a plain one, is refused by Batcher.Add's encoder with exactly the
// problems Validate names, and Client.Track's one pass ends as Validate.
func TestEncoderFieldCheckRefusesWhatValidateRefuses(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	event := func() *Event {
		return &Event{Identifier: ExternalID("u"), Name: "n", Time: at, Properties: Properties{Prop("a", Int(1))}}
	}
	purchase := func() *Purchase {
		return &Purchase{Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Price: 1.5, Quantity: 2, Time: at}
	}
	attrs := func() *Attributes {
		a := &Attributes{Identifier: ExternalID("u"), FirstName: Set("Ann")}
		a.SetCustom("tier", String("gold"))
		return a
	}
	long := strings.Repeat("x", 300)
	var items []Item
	for _, f := range []func(*Event){
		func(e *Event) { e.Name = "" },
		func(e *Event) { e.Name = " " },
		func(e *Event) { e.Name = long },
		func(e *Event) { e.Time = time.Time{} },
		func(e *Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(e *Event) { e.Identifier = Identifier{} },
		func(e *Event) { e.BrazeID = "b" },
		func(e *Event) { e.Email = "no-at" },
		func(e *Event) { e.Phone = "\x01" },
		func(e *Event) { e.ExternalID = strings.Repeat("u", MaxExternalIDBytes+1) },
		func(e *Event) { e.Identifier = Alias("", "l") },
	} {
		e := event()
		f(e)
		items = append(items, Item{Event: e})
	}
	for _, f := range []func(*Purchase){
		func(p *Purchase) { p.ProductID = "" },
		func(p *Purchase) { p.Currency = "usd" },
		func(p *Purchase) { p.Price = math.NaN() },
		func(p *Purchase) { p.Price = math.Inf(-1) },
		func(p *Purchase) { p.Quantity = MaxQuantity + 1 },
		func(p *Purchase) { p.Quantity = -1 },
		func(p *Purchase) { p.Time = time.Time{} },
		func(p *Purchase) { p.Identifier = Identifier{} },
	} {
		p := purchase()
		f(p)
		items = append(items, Item{Purchase: p})
	}
	for _, f := range []func(*Attributes){
		func(a *Attributes) { a.Identifier = Identifier{} },
		func(a *Attributes) { a.DOB = Set(Date{Year: 2026, Month: 2, Day: 30}) },
		func(a *Attributes) { a.Gender = Set(Gender("X")) },
		func(a *Attributes) { a.EmailSubscribe = Set(SubscriptionState("maybe")) },
		func(a *Attributes) { a.PushSubscribe = Set(SubscriptionState("maybe")) },
		func(a *Attributes) { a.DateOfFirstSession = Set(time.Time{}) },
		func(a *Attributes) { a.DateOfLastSession = Set(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)) },
		func(a *Attributes) { a.MarkedEmailAsSpamAt = Set(time.Time{}) },
		func(a *Attributes) { a.Email, a.ClearEmail = "a@b.c", true },
		func(a *Attributes) { a.Phone, a.ClearPhone = "+1", true },
		func(a *Attributes) { a.PushTokenImport = true },
		func(a *Attributes) { a.PushTokens = []PushToken{{AppID: "app", Token: " "}} },
		func(a *Attributes) {
			a.SubscriptionGroups = []SubscriptionGroupState{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionSubscribed}}
		},
		func(a *Attributes) { a.CurrentLocation = Set(Location{Latitude: 91}) },
	} {
		a := attrs()
		f(a)
		items = append(items, Item{Attributes: a})
	}
	plain := []Item{{Event: event()}, {Purchase: purchase()}, {Attributes: attrs()}}
	for _, it := range plain {
		var e itemEncoder
		require.NoError(t, e.encode([]Item{it}, DefaultLimits()))
	}
	for i, it := range items {
		want := oneObject(it)
		wantErr := want.Validate(DefaultLimits())
		require.Error(t, wantErr, "item %d", i)
		var e itemEncoder
		err := e.encode([]Item{plain[i%3], it}, DefaultLimits())
		require.Error(t, err, "item %d", i)
		ies := err.(ItemErrors)
		require.Len(t, ies, 1, "item %d", i)
		require.Equal(t, 1, ies[0].Index)
		var onlyObj ValidationErrors
		switch it.Kind() {
		case ObjectAttributes:
			it.Attributes.validate(loc{}, DefaultLimits(), true, &onlyObj)
		case ObjectEvent:
			it.Event.validate(loc{}, DefaultLimits(), true, &onlyObj)
		case ObjectPurchase:
			it.Purchase.validate(loc{}, DefaultLimits(), true, &onlyObj)
		}
		require.Equal(t, onlyObj.Error(), ies[0].Err.Error(), "item %d", i)
		checkOnePassMatchesTwoPass(t, want)
	}
}
