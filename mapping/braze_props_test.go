package mapping

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
)

// propMap returns ps as a map, for tests that look values up by key.
func propMap(ps braze.Properties) map[string]braze.Value {
	m := make(map[string]braze.Value, len(ps))
	for k, v := range ps.All() {
		m[k] = v
	}
	return m
}

// sortedUnique reports whether the keys of ps strictly increase.
func sortedUnique(ps braze.Properties) bool {
	return slices.IsSortedFunc(ps, compareProps) &&
		len(slices.CompactFunc(slices.Clone(ps), func(a, b braze.Property) bool { return a.Key == b.Key })) == len(ps)
}

// Every list the mapper emits is sorted by key, the order the encoder used
// for maps, and has exactly the room it needs (one allocation each).
func TestMappedPropertiesAreSorted(t *testing.T) {
	b := decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},
		"user_attributes":{"zeta":"1","alpha":"2","$City":"Paris","mid":["x","y"]},
		"events":[
		{"event_type":"custom_event","data":{"event_name":"N","custom_event_type":"other","timestamp_unixtime_ms":1714590000000,
			"custom_attributes":{"z":"1","b":"2","time":"3","a.b":{"y":1,"x":2}}}},
		{"event_type":"user_attribute_change","data":{"user_attribute_name":"zeta","new":"gold","timestamp_unixtime_ms":1714590000001}},
		{"event_type":"commerce_event","data":{"timestamp_unixtime_ms":1714590000002,"currency_code":"USD",
			"product_action":{"action":"purchase","transaction_id":"T1","total_amount":3,
				"products":[{"id":"p1","name":"P","price":1.5,"quantity":2,"custom_attributes":{"size":"L","color":"red"}}]},
			"custom_attributes":{"channel":"web"}}}]}`)
	res := newTestMapper(t, Settings{}).Map(b)
	require.NotEmpty(t, res.Events)
	require.NotEmpty(t, res.Purchases)
	require.Len(t, res.Attributes, 2)
	for _, e := range res.Events {
		assert.True(t, sortedUnique(e.Properties), "%v", e.Properties)
		assert.Equal(t, len(e.Properties), cap(e.Properties))
	}
	for _, p := range res.Purchases {
		assert.True(t, sortedUnique(p.Properties), "%v", p.Properties)
		assert.Equal(t, len(p.Properties), cap(p.Properties))
	}
	for _, a := range res.Attributes {
		assert.True(t, sortedUnique(a.Custom), "%v", a.Custom)
		assert.Equal(t, len(a.Custom), cap(a.Custom))
	}
	assert.Equal(t, []string{"alpha", "mid", "zeta"}, keysOf(res.Attributes[0].Custom))
	assert.Equal(t, []string{"zeta"}, keysOf(res.Attributes[1].Custom))

	// The objects do not share storage: changing one leaves the other.
	res.Attributes[1].Custom[0].Value = braze.Int(1)
	assert.Equal(t, braze.String("2"), propMap(res.Attributes[0].Custom)["alpha"])
	raw, err := json.Marshal(res.Attributes[0])
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"alpha":"2","mid":["x","y"],"zeta":"1"`)
}

func keysOf(ps braze.Properties) []string {
	var ks []string
	for k := range ps.All() {
		ks = append(ks, k)
	}
	return ks
}

func TestSortProps(t *testing.T) {
	ps := braze.Properties{braze.Prop("b", braze.Int(1)), braze.Prop("a", braze.Int(2)), braze.Prop("c", braze.Int(3))}
	sortProps(ps)
	assert.Equal(t, []string{"a", "b", "c"}, keysOf(ps))
	sortProps(nil)
}

// sortInPlace and sortedCopy order every permutation of short lists (up to
// stackSort, where indices are sorted and entries permuted cycle by cycle)
// and long ones (sorted directly), keeping each key with its value.
func TestSortInPlaceAndSortedCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 5, 8, 16, stackSort - 1, stackSort, stackSort + 1, 70} {
		for range 50 {
			ps := make(braze.Properties, n)
			for i, j := range rng.Perm(n) {
				ps[i] = braze.Prop(fmt.Sprintf("k%03d", j), braze.Int(int64(j)))
			}
			src := slices.Clone(ps)
			cp := sortedCopy(src)
			assert.Equal(t, src, ps, "sortedCopy leaves its source alone")
			assert.Equal(t, n, cap(cp))
			sortInPlace(ps)
			require.True(t, sortedUnique(ps), "%v", keysOf(ps))
			assert.Equal(t, ps, cp)
			for i, p := range ps {
				assert.Equal(t, fmt.Sprintf("k%03d", i), p.Key)
				assert.Equal(t, braze.Int(int64(i)), p.Value)
			}
		}
	}
}

// A Mapper reused across batches hands each object custom attributes of
// its own, never its scratch.
func TestCustomScratchIsNotShared(t *testing.T) {
	m := newTestMapper(t, Settings{})
	var kept []braze.Attributes
	for _, v := range []string{"one", "two", "three"} {
		res := m.Map(decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},"user_attributes":{"k":"`+v+`","j":"x"}}`))
		require.Len(t, res.Attributes, 1)
		kept = append(kept, res.Attributes[0])
	}
	for i, v := range []string{"one", "two", "three"} {
		assert.Equal(t, braze.String(v), propMap(kept[i].Custom)["k"])
	}
}

// A key that needed no fix wins over one produced by a fix, in an event's
// list and in the nested objects of bundled commerce built while it is
// (each props keeps its own record of fixed keys), whatever the order.
func TestFixedKeyLosesCollision(t *testing.T) {
	raw := `{"environment":"production","user_identities":{"customer_id":"c"},"events":[
		{"event_type":"custom_event","data":{"event_name":"N","custom_event_type":"other","timestamp_unixtime_ms":1714590000000,
			"custom_attributes":{"$a":"fixed","a":"plain","time":"fixed","time_":"plain","zz":"z"}}},
		{"event_type":"commerce_event","data":{"timestamp_unixtime_ms":1714590000001,"currency_code":"USD",
			"product_action":{"action":"add_to_cart","products":[{"id":"p1","name":"P","price":1,
				"custom_attributes":{"s.t":"fixed","s_t":"plain"}}]},
			"custom_attributes":{"$b":"fixed","b":"plain","c.d":"fixed","c_d":"plain"}}}]}`
	for _, bundle := range []bool{false, true} {
		fast, sorted := sortedTwin(t, Settings{BundleCommerceEventData: bundle})
		b := decode(t, raw)
		res := fast.Map(b)
		require.Len(t, res.Events, 2)
		ev := propMap(res.Events[0].Properties)
		assert.Equal(t, braze.String("plain"), ev["a"])
		assert.Equal(t, braze.String("plain"), ev["time_"])
		assert.Len(t, ev, 3)
		js, err := json.Marshal(res.Events[1].Properties)
		require.NoError(t, err)
		if bundle { // nested keys may hold no '.': "c.d" and "s.t" are fixed
			assert.NotContains(t, string(js), "fixed")
			assert.Equal(t, 3, strings.Count(string(js), "plain"), "%s", js)
		} else {
			assert.Equal(t, braze.String("plain"), propMap(res.Events[1].Properties)["b"])
		}
		requireSameAsSorted(t, fast, sorted, b, "bundle="+fmt.Sprint(bundle))
	}
}

// TestSortInPlaceNearlySorted sorts lists shaped like the mapper's
// unsorted ones (two sorted runs, a few entries out of place) and ones
// far from sorted (reversed, shuffled), which run out of the move budget
// of sortInPlaceFrom's first pass and finish with the index sort, from
// any sorted prefix length a caller may pass: each comes out as
// slices.SortFunc sorts it, every key with its value.
func TestSortInPlaceNearlySorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	for iter := range 5000 {
		n := 2 + rng.IntN(stackSort-1)
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("%c%02d", 'A'+rng.IntN(40), i) // shared first bytes, unique keys
		}
		slices.Sort(keys)
		switch shape := iter % 5; shape {
		case 0: // two sorted runs
			cut := rng.IntN(n)
			a, b := slices.Clone(keys[:cut]), slices.Clone(keys[cut:])
			rng.Shuffle(n, func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			slices.Sort(a)
			slices.Sort(b)
			keys = append(a, b...)
		case 1: // a few entries out of place
			for range 1 + rng.IntN(3) {
				i, j := rng.IntN(n), rng.IntN(n)
				keys[i], keys[j] = keys[j], keys[i]
			}
		case 2:
			slices.Reverse(keys)
		case 3:
			rng.Shuffle(n, func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		}
		ps := make(braze.Properties, n)
		for i, k := range keys {
			ps[i] = braze.Prop(k, braze.String(k+"-value"))
		}
		prefix := 1
		for prefix < n && ps[prefix-1].Key < ps[prefix].Key {
			prefix++
		}
		want := slices.Clone(ps)
		slices.SortFunc(want, compareProps)
		sortInPlaceFrom(ps, 1+rng.IntN(prefix))
		require.Equal(t, want, ps, "iteration %d: %q", iter, keys)
	}
}
