package braze

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The requests of these tests are decoded from JSON, so that they do not
// depend on how the model types spell their members.

// trackItems lists r's objects as Items in Braze's processing order.
func trackItems(r *TrackRequest) []Item {
	var items []Item
	for i := range r.Attributes {
		items = append(items, Item{Attributes: &r.Attributes[i]})
	}
	for i := range r.Events {
		items = append(items, Item{Event: &r.Events[i]})
	}
	for i := range r.Purchases {
		items = append(items, Item{Purchase: &r.Purchases[i]})
	}
	return items
}

// oneObject returns the request holding only it's object.
func oneObject(it Item) *TrackRequest {
	var r TrackRequest
	switch it.Kind() {
	case ObjectAttributes:
		r.Attributes = []Attributes{*it.Attributes}
	case ObjectEvent:
		r.Events = []Event{*it.Event}
	case ObjectPurchase:
		r.Purchases = []Purchase{*it.Purchase}
	}
	return &r
}

// checkPreencoded encodes r's objects one by one as Batcher.Add does and
// checks the outcome against the request-level code: an object is refused
// exactly when it does not validate alone; when none is refused, the body
// laid out from the encoded objects, in a shuffled entry order, is byte for
// byte what TrackRequest.AppendJSON writes for the same objects in that
// order, and requestIndex maps every array position back to its entry.
// It returns whether every object was accepted.
func checkPreencoded(t *testing.T, r *TrackRequest, rng *rand.Rand) bool {
	t.Helper()
	items := trackItems(r)
	var e itemEncoder
	err := e.encode(items, DefaultLimits())
	refused := map[int]bool{}
	if err != nil {
		var ies ItemErrors
		require.ErrorAs(t, err, &ies)
		for _, ie := range ies {
			refused[ie.Index] = true
			require.Equal(t, items[ie.Index].Kind(), ie.Kind)
			require.NotEmpty(t, ie.Error())
		}
	}
	for i, it := range items {
		alone := oneObject(it).Validate(DefaultLimits())
		require.Equal(t, alone != nil, refused[i], "items[%d]: alone: %v; Add: %v", i, alone, err)
		if alone != nil {
			// Add names the same problems, with paths from the object.
			var ie *ItemError
			for _, x := range err.(ItemErrors) {
				if x.Index == i {
					ie = x
				}
			}
			var ves, want ValidationErrors
			require.ErrorAs(t, ie, &ves)
			require.ErrorAs(t, alone, &want)
			require.Len(t, ves, len(want), "items[%d]: %v vs %v", i, ves, want)
			for j := range ves {
				require.Equal(t, want[j].Reason, ves[j].Reason)
				require.True(t, strings.HasSuffix(want[j].Path, ves[j].Path), "%q vs %q", ves[j].Path, want[j].Path)
			}
		}
	}
	if err != nil {
		return false
	}
	entries := make([]entry, len(items))
	start := 0
	for i := range items {
		entries[i] = entry{item: items[i], kind: items[i].Kind(), enc: e.buf[start:e.ends[i]]}
		start = e.ends[i]
	}
	rng.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	var want TrackRequest
	for _, en := range entries {
		switch en.kind {
		case ObjectAttributes:
			want.Attributes = append(want.Attributes, *en.item.Attributes)
		case ObjectEvent:
			want.Events = append(want.Events, *en.item.Event)
		case ObjectPurchase:
			want.Purchases = append(want.Purchases, *en.item.Purchase)
		}
	}
	wantBody, werr := want.AppendJSON(nil)
	require.NoError(t, werr)
	var x requestIndex
	body := appendBody(nil, entries, &x)
	require.Equal(t, string(wantBody), string(body))
	require.Equal(t, len(body), bodySize(entries))
	for kind := ObjectAttributes; kind <= ObjectPurchase; kind++ {
		for pos, i := range *x.of(kind) {
			require.Equal(t, i, x.lookup(ObjectError{InputArray: kind.String(), Index: pos}))
			require.Equal(t, kind, entries[i].kind)
		}
	}
	return true
}

func TestPreencodedWorkloadMatchesAppendJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/workload_track.json")
	require.NoError(t, err)
	var reqs []TrackRequest
	require.NoError(t, json.Unmarshal(data, &reqs))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range reqs {
		require.True(t, checkPreencoded(t, &reqs[i], rng), "request %d", i)
	}
}

// TestPreencodedGeneratedRequestsMatchAppendJSON runs checkPreencoded on
// thousands of generated requests, valid and invalid.
func TestPreencodedGeneratedRequestsMatchAppendJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 3000
	if testing.Short() {
		n = 600
	}
	valid, decoded := 0, 0
	for range n {
		body, err := json.Marshal(genRequest(rng))
		require.NoError(t, err)
		var r TrackRequest
		if json.Unmarshal(body, &r) != nil {
			continue
		}
		decoded++
		if checkPreencoded(t, &r, rng) {
			valid++
		}
	}
	// The generator must exercise both sides.
	require.Greater(t, valid, decoded/4, "valid %d of %d", valid, decoded)
	require.Less(t, valid, decoded, "no invalid request generated")
}

// FuzzPreencodedMatchesAppendJSON is checkPreencoded on any request decoded
// from JSON.
func FuzzPreencodedMatchesAppendJSON(f *testing.F) {
	f.Add([]byte(`{"events":[{"external_id":"u1","name":"n","time":"2025-03-01T10:15:00.5Z","properties":{"b":1,"a":"x","c":[1,"y"]}},{"external_id":"u1","name":"m","time":"2025-03-01T10:15:00.25+01:00"}]}`))
	f.Add([]byte(`{"attributes":[{"external_id":"u","email":"a@b.c","tier":"gold","n":{"inc":2},"tags":{"add":["x"]},"first_name":null}],"purchases":[{"user_alias":{"alias_name":"1","alias_label":"l"},"product_id":"p","currency":"USD","price":70.22,"quantity":3,"time":"2026-11-28T09:00:00.002Z","properties":{"Total Amount":176.51000000000002}}]}`))
	f.Add([]byte(`{"events":[{"external_id":"u","name":"n","time":"2025-03-01T10:15:00Z","properties":{"time":"reserved","$x":1}}]}`))
	f.Add([]byte(`{"attributes":[{"user_alias":{"alias_name":"1","alias_label":"mparticle_id"},"gender":null,"current_location":{"latitude":1,"longitude":2},"push_tokens":[{"app_id":"a","token":"t"}],"nested":{"a":{"$time":"2020-01-01"}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r TrackRequest
		if json.Unmarshal(data, &r) != nil || r.Len() > 200 {
			return
		}
		checkPreencoded(t, &r, rand.New(rand.NewPCG(uint64(len(data)), 1)))
	})
}

// genRequest builds a random /users/track body as generic JSON: objects of
// every kind with standard fields, properties and custom attributes of
// every value form; about one object in eight carries one fault (a missing
// identifier or name, a '$' key, a null property, a bad currency or
// quantity, a long string, …).
func genRequest(rng *rand.Rand) map[string]any {
	r := map[string]any{}
	for _, kind := range []string{"attributes", "events", "purchases"} {
		n := rng.IntN(4)
		if n == 0 {
			continue
		}
		objs := make([]any, n)
		for i := range objs {
			objs[i] = genObject(rng, kind)
		}
		r[kind] = objs
	}
	if len(r) == 0 {
		r["events"] = []any{genObject(rng, "events")}
	}
	return r
}

func genObject(rng *rand.Rand, kind string) map[string]any {
	o := map[string]any{}
	switch rng.IntN(8) {
	case 0:
		o["user_alias"] = map[string]any{"alias_name": genString(rng) + "a", "alias_label": "mparticle_id"}
	case 1:
		o["braze_id"] = "b" + genString(rng)
	default:
		o["external_id"] = fmt.Sprintf("cust-%d", rng.IntN(50))
	}
	if rng.IntN(4) == 0 {
		o["email"] = fmt.Sprintf("u%d@example.org", rng.IntN(9))
	}
	if rng.IntN(5) == 0 {
		o["phone"] = "+1415555" + fmt.Sprint(1000+rng.IntN(9000))
	}
	ts := fmt.Sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ", 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000))
	members := genMembers(rng, kind == "attributes")
	switch kind {
	case "attributes":
		for _, f := range []string{"first_name", "last_name", "home_city", "language"} {
			if rng.IntN(3) == 0 {
				o[f] = genString(rng)
			}
		}
		if rng.IntN(4) == 0 {
			o["gender"] = []any{"M", "F", "O", nil}[rng.IntN(4)]
		}
		if rng.IntN(4) == 0 {
			o["dob"] = []string{"1990-04-01", "1980-12-31"}[rng.IntN(2)]
		}
		if rng.IntN(5) == 0 {
			o["email_subscribe"] = []string{"opted_in", "unsubscribed"}[rng.IntN(2)]
		}
		for k, v := range members {
			o[k] = v
		}
	case "events":
		o["name"] = genString(rng) + "e"
		o["time"] = ts
		if rng.IntN(3) == 0 {
			o["app_id"] = "app-1"
		}
		if rng.IntN(4) != 0 {
			o["properties"] = members
		}
	case "purchases":
		o["product_id"] = genString(rng) + "p"
		o["currency"] = []string{"USD", "EUR", "GBP"}[rng.IntN(3)]
		o["price"] = float64(rng.IntN(100000)) / 100
		o["quantity"] = 1 + rng.IntN(100)
		o["time"] = ts
		if rng.IntN(3) == 0 {
			o["properties"] = members
		}
	}
	if rng.IntN(8) == 0 {
		injectFault(rng, kind, o, members)
	}
	return o
}

// injectFault makes o invalid in one of several ways.
func injectFault(rng *rand.Rand, kind string, o, members map[string]any) {
	switch rng.IntN(6) {
	case 0:
		delete(o, "external_id")
		delete(o, "user_alias")
		delete(o, "braze_id")
		delete(o, "email")
		delete(o, "phone")
	case 1:
		members["$op"] = 1
	case 2:
		members["long"] = strings.Repeat("é", 256)
	case 3:
		o["email"] = "not an email"
	case 4:
		members["k"] = nil
		if kind == "attributes" {
			members["nested"] = map[string]any{"a b": 1}
		}
	default:
		switch kind {
		case "attributes":
			o["gender"] = "bogus"
		case "events":
			o["name"] = ""
		default:
			o["quantity"] = 150
		}
	}
	if kind != "attributes" {
		o["properties"] = members
	}
}

// genMembers returns property or custom attribute members of every value
// form Braze accepts there.
func genMembers(rng *rand.Rand, custom bool) map[string]any {
	m := map[string]any{}
	for range rng.IntN(20) {
		k := genString(rng) + "k"
		if strings.HasPrefix(k, "$") || k == "time" {
			k = "x" + k
		}
		m[k] = genMemberValue(rng, custom, 0)
	}
	return m
}

func genMemberValue(rng *rand.Rand, custom bool, depth int) any {
	switch rng.IntN(10) {
	case 0:
		return rng.Int64N(1<<53) - 1<<52
	case 1:
		return float64(rng.IntN(1e6)) / 7
	case 2:
		return rng.IntN(2) == 0
	case 3:
		return "2026-11-28T10:00:00Z"
	case 4:
		return strings.Repeat("x", []int{1, 200, 255}[rng.IntN(3)])
	case 5:
		return []any{genString(rng), genString(rng)}
	case 6:
		if custom && depth == 0 {
			return map[string]any{"inc": rng.IntN(10)}
		}
		return "s"
	case 7:
		if depth < 2 {
			return map[string]any{fmt.Sprintf("n%d", rng.IntN(9)): genMemberValue(rng, custom, depth+1), "z": 1}
		}
		return 1
	default:
		return genString(rng)
	}
}

func genString(rng *rand.Rand) string {
	const alphabet = "abcXYZ _-.<>&\"\\\n\u00e9\u2028🎉"
	rs := []rune(alphabet)
	out := make([]rune, rng.IntN(10))
	for i := range out {
		out[i] = rs[rng.IntN(len(rs))]
	}
	if rng.IntN(50) == 0 {
		return string(out) + "\xff"
	}
	return string(out)
}

// An object too large for any request on its own is refused by Add, with
// its encoded size; one that fits alone is accepted.
func TestPreencodeRefusesAnObjectLargerThanABody(t *testing.T) {
	var r TrackRequest
	require.NoError(t, json.Unmarshal([]byte(`{"events":[{"external_id":"u","name":"n","time":"2026-11-28T10:00:00Z","properties":{"a":"`+strings.Repeat("x", 200)+`"}}]}`), &r))
	lim := DefaultLimits()
	var e itemEncoder
	require.NoError(t, e.encode(trackItems(&r), lim))
	size := len(e.buf)
	lim.MaxBodyBytes = size + 1 + maxBodyOverhead // just fits, with its comma
	require.NoError(t, e.encode(trackItems(&r), lim))
	lim.MaxBodyBytes--
	err := e.encode(trackItems(&r), lim)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "%v", err)
	require.Equal(t, size, ve.Value)
	require.Contains(t, err.Error(), "items[0] (events): ")
	require.Contains(t, err.Error(), "body limit")
}
