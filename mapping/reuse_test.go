package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// goldenCase is one golden batch with its mapper.
type goldenCase struct {
	name string
	m    *Mapper
	b    *mparticle.Batch
	want string // Map's result as JSON
}

func loadGoldenCases(t *testing.T) []goldenCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	var cases []goldenCase
	for _, dir := range dirs {
		m, err := New(loadGoldenSettings(t, dir))
		require.NoError(t, err)
		raw, err := os.ReadFile(filepath.Join(dir, "batch.json"))
		require.NoError(t, err)
		b, err := mparticle.DecodeBatch(raw)
		require.NoError(t, err)
		cases = append(cases, goldenCase{name: filepath.Base(dir), m: m, b: b, want: resultJSON(t, m.Map(b))})
	}
	return cases
}

// requireSameAsMap checks that r, filled by MapInto, is deep-equal to what
// Map gives for b, and that nothing of an earlier batch sits in r's spare
// room.
func requireSameAsMap(t testing.TB, m *Mapper, b *mparticle.Batch, r *Result, msg string) {
	t.Helper()
	want := m.Map(b)
	if !reflect.DeepEqual(*r, want) {
		t.Fatalf("%s: MapInto differs from Map:\n got %s\nwant %s", msg, resultJSON(t, *r), resultJSON(t, want))
	}
	requireZeroSpare(t, r.Attributes, msg+": attributes")
	requireZeroSpare(t, r.Events, msg+": events")
	requireZeroSpare(t, r.Purchases, msg+": purchases")
	requireZeroSpare(t, r.Diagnostics, msg+": diagnostics")
	for i := range r.Events {
		requireZeroSpare(t, r.Events[i].Properties, msg+": event properties")
	}
	for i := range r.Purchases {
		requireZeroSpare(t, r.Purchases[i].Properties, msg+": purchase properties")
	}
	for i := range r.Attributes {
		requireZeroSpare(t, r.Attributes[i].Custom, msg+": custom attributes")
	}
}

// requireZeroSpare checks that the room of s beyond its length is zero: it
// holds on to nothing of an earlier batch.
func requireZeroSpare[T any](t testing.TB, s []T, msg string) {
	t.Helper()
	var zero T
	for i, x := range s[len(s):cap(s)] {
		if !reflect.DeepEqual(x, zero) {
			t.Fatalf("%s: spare entry %d of %d is not zero: %+v", msg, len(s)+i, cap(s), x)
		}
	}
}

// TestMapIntoGoldens maps every golden batch, in one order and then the
// other, into one Result: each time it must equal Map's result, and encode
// to the golden's bytes.
func TestMapIntoGoldens(t *testing.T) {
	cases := loadGoldenCases(t)
	var r Result
	order := make([]int, 0, 3*len(cases))
	for i := range cases {
		order = append(order, i)
	}
	for i := len(cases) - 1; i >= 0; i-- {
		order = append(order, i)
	}
	for i := range cases { // every case after a bigger or smaller one
		order = append(order, i, (i*7+3)%len(cases))
	}
	for _, i := range order {
		c := cases[i]
		c.m.MapInto(&r, c.b)
		requireSameAsMap(t, c.m, c.b, &r, c.name)
		require.Equal(t, c.want, resultJSON(t, r), c.name)
	}
}

// bigBatch carries something of every kind a result can hold: attribute
// objects with custom attributes, lists, push tokens and subscription
// groups, events with many properties, split purchases, diagnostics, an
// MPID and a batch id.
func bigBatch(t testing.TB) *mparticle.Batch {
	t.Helper()
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.BatchID = 987654321
	b.MPID = mparticle.Set(int64(-8817263544))
	b.UserIdentities = &mparticle.UserIdentities{CustomerID: "big-user", Email: "big@example.org"}
	b.DeviceInfo = &mparticle.DeviceInfo{Platform: "iOS"}
	for k, v := range map[string]any{
		"$FirstName": "Ada", "$Gender": "f", "tier": "gold", "visits": 12, "newsletter": "yes",
		"favorite_colors": []string{"red", "green", "blue"}, "$Zip": "01234", "time": "x",
		"nested": map[string]any{"a": 1, "b": map[string]any{"c": true}},
	} {
		require.NoError(t, b.SetUserAttribute(k, v))
	}
	b.DeletedUserAttributes = []string{"old_attr", "$LastName"}
	attrs := map[string]any{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s"} {
		attrs[k] = k + "-value"
	}
	attrs["time"] = "reserved"
	attrs["$dollar"] = "renamed"
	attrs["obj"] = map[string]any{"x": 1, "y": []any{1, "two"}}
	ev, err := mparticle.NewCustomEvent("Big Event", mparticle.CustomOther, attrs, mparticle.At(goldenNow))
	require.NoError(t, err)
	b.AddEvent(ev)
	ev, err = mparticle.NewCustomEvent("", mparticle.CustomOther, map[string]any{"dropped": 1}, mparticle.At(goldenNow))
	require.NoError(t, err)
	b.AddEvent(ev)
	products := []mparticle.Product{
		mparticle.NewProduct("SKU-1", "One", 9.5, 250),
		mparticle.NewProduct("SKU-2", "Two", 1.25, 2),
	}
	products[0].CustomAttributes = mparticle.Attributes{{Key: "color", Value: mparticle.StringAttr("green")}}
	pe, err := mparticle.NewPurchase("T-1", 0, "usd", products, map[string]any{"channel": "app", "first": true}, mparticle.At(goldenNow))
	require.NoError(t, err)
	b.AddEvent(pe)
	b.AddEvent(mparticle.NewUserAttributeChange("tier", mparticle.StringAttr("gold"), mparticle.StringAttr("silver"), mparticle.At(goldenNow)))
	b.AddEvent(&mparticle.PushRegistration{Register: true, RegistrationToken: "tok-1"})
	return b
}

// smallBatch maps to one event with one property: no attributes object
// (no email), no purchases, no diagnostics, no MPID, no batch id.
func smallBatch(t testing.TB) *mparticle.Batch {
	t.Helper()
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.UserIdentities = &mparticle.UserIdentities{CustomerID: "small-user"}
	ev, err := mparticle.NewCustomEvent("Small", mparticle.CustomOther, map[string]any{"k": "v"}, mparticle.At(goldenNow))
	require.NoError(t, err)
	b.AddEvent(ev)
	return b
}

func reuseSettings() Settings {
	return Settings{
		EnableTypeDetection:      true,
		AppIDs:                   map[string]string{"iOS": "braze-ios-app"},
		SubscriptionGroupMapping: map[string]string{"newsletter": "9b2f6c2e-0000-4000-8000-000000000001"},
		Now:                      func() time.Time { return goldenNow },
	}
}

// TestMapIntoBigThenSmall maps a batch that fills every part of a result,
// then one that needs almost none of it: nothing of the first may be left
// in the second's result (a property list shrinking, optional fields and
// categories unset), and back.
func TestMapIntoBigThenSmall(t *testing.T) {
	m, err := New(reuseSettings())
	require.NoError(t, err)
	big, small := bigBatch(t), smallBatch(t)
	var r Result
	m.MapInto(&r, big)
	requireSameAsMap(t, m, big, &r, "big")
	require.NotEmpty(t, r.Attributes)
	require.NotEmpty(t, r.Purchases)
	require.NotEmpty(t, r.Diagnostics)
	require.NotEmpty(t, r.MPID)
	require.NotEmpty(t, r.Attributes[len(r.Attributes)-1].PushTokens)

	m.MapInto(&r, small)
	requireSameAsMap(t, m, small, &r, "small after big")
	assert.Nil(t, r.Attributes)
	assert.Nil(t, r.Purchases)
	assert.Nil(t, r.Diagnostics)
	assert.Empty(t, r.MPID)
	assert.Empty(t, r.BatchID)
	require.Len(t, r.Events, 1)
	assert.Equal(t, braze.Properties{braze.Prop("k", braze.String("v"))}, r.Events[0].Properties)

	for i := range 3 {
		m.MapInto(&r, big)
		requireSameAsMap(t, m, big, &r, "big again")
		m.MapInto(&r, small)
		requireSameAsMap(t, m, small, &r, "small again")
		_ = i
	}
	m.MapInto(&r, nil)
	requireSameAsMap(t, m, nil, &r, "nil batch")
	m.MapInto(nil, big) // does nothing
}

// TestMapIntoLeavesOtherResults checks that MapInto writes only into the
// Result it is given: a result of Map, and another Result filled by
// MapInto, stay as they were, strings included, while the first is
// reused again and again.
func TestMapIntoLeavesOtherResults(t *testing.T) {
	m, err := New(reuseSettings())
	require.NoError(t, err)
	big, small := bigBatch(t), smallBatch(t)
	kept := m.Map(big)
	keptJSON := resultJSON(t, kept)
	var other Result
	m.MapInto(&other, big)
	otherJSON := resultJSON(t, other)

	var r Result
	for range 4 {
		m.MapInto(&r, big)
		m.MapInto(&r, small)
	}
	assert.Equal(t, keptJSON, resultJSON(t, kept), "a Map result changed")
	assert.Equal(t, otherJSON, resultJSON(t, other), "another MapInto result changed")
	requireSameAsMap(t, m, big, &other, "other")

	// The old result is overwritten: that is the documented contract, and
	// this shows the test above could fail.
	before := resultJSON(t, r)
	m.MapInto(&r, big)
	assert.NotEqual(t, before, resultJSON(t, r))
}

// TestMapIntoConcurrent maps the goldens from several goroutines on one
// Mapper per case, each goroutine with its own Result (run with -race).
func TestMapIntoConcurrent(t *testing.T) {
	cases := loadGoldenCases(t)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Result
			for n := range 3 * len(cases) {
				c := cases[(n*(g+1))%len(cases)]
				c.m.MapInto(&r, c.b)
				raw, err := json.Marshal(r)
				if err != nil || string(raw) != c.want {
					errs <- c.name
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for name := range errs {
		t.Errorf("MapInto from several goroutines differs from Map on %s", name)
	}
}

// TestMapIntoAfterCallerShortened maps into a Result whose caller cut its
// slices short without clearing what it dropped: the objects left in the
// room past the ends must not show up in (or stay reachable from) the
// next result, which objects set up in that room would otherwise inherit.
func TestMapIntoAfterCallerShortened(t *testing.T) {
	m, err := New(reuseSettings())
	require.NoError(t, err)
	big := bigBatch(t)
	var r Result
	for _, cut := range []int{0, 1} {
		m.MapInto(&r, big)
		requireSameAsMap(t, m, big, &r, "big")
		require.NotEmpty(t, r.Attributes)
		require.NotEmpty(t, r.Events)
		require.NotEmpty(t, r.Purchases)
		r.Attributes = r.Attributes[:min(cut, len(r.Attributes)-1)]
		r.Events = r.Events[:min(cut, len(r.Events)-1)]
		r.Purchases = r.Purchases[:min(cut, len(r.Purchases)-1)]
		m.MapInto(&r, big)
		requireSameAsMap(t, m, big, &r, "big after the caller shortened its result")
		r.Attributes = r.Attributes[:min(cut, len(r.Attributes)-1)]
		r.Events = r.Events[:min(cut, len(r.Events)-1)]
		r.Purchases = r.Purchases[:min(cut, len(r.Purchases)-1)]
		m.MapInto(&r, smallBatch(t))
		requireSameAsMap(t, m, smallBatch(t), &r, "small after the caller shortened its result")
	}
}
