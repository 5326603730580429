package mapping

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// sortedTwin returns a mapper with m's settings that applies attribute maps
// in sorted key order straight away: the reference for Map's first try in
// the maps' own order.
func sortedTwin(t testing.TB, s Settings) (fast, sorted *Mapper) {
	t.Helper()
	fast, err := New(s)
	require.NoError(t, err)
	sorted, err = New(s)
	require.NoError(t, err)
	sorted.sortedOnly = true
	return fast, sorted
}

// resultJSON is r as JSON: property and custom attribute keys sorted, so
// equal results give equal text.
func resultJSON(t testing.TB, r Result) string {
	t.Helper()
	raw, err := json.Marshal(r)
	require.NoError(t, err)
	return string(raw)
}

// requireSameAsSorted maps b with both mappers, the fast one several times
// (first in the attributes' own order, then with every attribute list of b
// shuffled in place), and requires equal results.
func requireSameAsSorted(t *testing.T, fast, sorted *Mapper, b *mparticle.Batch, label string) {
	t.Helper()
	want := resultJSON(t, sorted.Map(b))
	rng := rand.New(rand.NewPCG(uint64(len(label)), 1))
	for i := range 6 {
		if i > 0 {
			shuffleAttrs(rng, b)
		}
		require.Equal(t, want, resultJSON(t, fast.Map(b)), label)
	}
}

// shuffleAttrs shuffles every attribute list of b in place.
func shuffleAttrs(rng *rand.Rand, b *mparticle.Batch) {
	shuffle := func(a mparticle.Attributes) {
		rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	}
	shuffleProducts := func(ps []mparticle.Product) {
		for i := range ps {
			shuffle(ps[i].CustomAttributes)
		}
	}
	shuffle(b.UserAttributes)
	for i := range b.Events {
		d := b.Events[i].Data
		if d == nil {
			continue
		}
		shuffle(d.Common().CustomAttributes)
		if ce, ok := d.(*mparticle.CommerceEvent); ok {
			if ce.ProductAction != nil {
				shuffleProducts(ce.ProductAction.Products)
			}
			for j := range ce.ProductImpressions {
				shuffleProducts(ce.ProductImpressions[j].Products)
			}
		}
	}
}

// orderSettings are the settings the order tests run under: every property
// policy, type detection on, two subscription groups.
func orderSettings() []Settings {
	var out []Settings
	for _, policy := range []PropertyPolicy{PropertyFlatten, PropertyStringify, PropertyDrop, PropertyReject} {
		s := fuzzSettings(1 | 8 | 16)
		s.PropertyPolicy = policy
		s.SubscriptionGroupMapping = map[string]string{
			"newsletter": "9b2f6c2e-0000-4000-8000-000000000001",
			"promos":     "9b2f6c2e-0000-4000-8000-000000000002",
			"Promo":      "9b2f6c2e-0000-4000-8000-000000000002",
		}
		out = append(out, s)
	}
	return out
}

// TestMapOrderGoldens: on every golden batch and the benchmark batch,
// under every fuzz setting combination, Map's result equals that of
// applying attribute maps in sorted order.
func TestMapOrderGoldens(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "batch.json"))
	require.NoError(t, err)
	paths = append(paths, filepath.Join("testdata", "bench", "batch.json"))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		b, err := mparticle.DecodeBatch(raw)
		require.NoError(t, err)
		for flags := uint16(0); flags < 1024; flags += 37 {
			fast, sorted := sortedTwin(t, fuzzSettings(flags))
			requireSameAsSorted(t, fast, sorted, b, fmt.Sprintf("%s flags %d", p, flags))
		}
	}
}

// orderKeys are attribute keys that collide after the key rules ("$" strip,
// reserved names, nested "." and "$", 255-character cut), or map to one
// user attribute or subscription group, so that the order they are
// applied in shows.
var orderKeys = []string{
	"a", "$a", "$$a", "$$$a", "b", "time", "$time", "time_", "event_name", "$event_name",
	"x.y", "x", "$", "", "$FirstName", "first_name", "$firstname", "FIRST_NAME",
	"$Gender", "gender", "$Age", "dob", "newsletter", "Newsletter", "promos", "Promo",
	"$Zip", "Zip", "$zip", "email_subscribe", "country", "$Country", "color", "$color",
	strings.Repeat("k", 255) + "1", strings.Repeat("k", 255) + "2", "$" + strings.Repeat("k", 255),
	"list", "price", "Name", "$Name", "Quantity", "Transaction Id", "$Transaction Id",
	// Keys the event-attribute mappings of fuzzSettings name.
	"channel", "Channel", "b", "B",
}

// orderEventNames include those the event-attribute mappings of
// fuzzSettings name.
var orderEventNames = []string{"E", "Wishlist Shared", "wishlist shared", "a", "A"}

// orderValues are JSON values of every kind the rules treat differently.
var orderValues = []string{
	`"v"`, `"42"`, `"4.5"`, `"true"`, `"2024-05-01T12:30:00Z"`, `null`, `7`, `1.25`, `true`,
	`["p","q"]`, `[1,"r"]`, `{"y":1,"z":{"w":"s"}}`, `{"y":"t"}`, `[{"o":1}]`, `[]`, `{}`,
	`"` + strings.Repeat("é", 300) + `"`, `"yes"`, `"0"`, `"opted_in"`, `"M"`, `"33"`, `"1990-02-03"`,
}

// cleanValues are values that are usually not reported, so that the first
// try in map order is kept.
var cleanValues = []string{`"v"`, `"42"`, `"4.5"`, `true`, `7`, `"yes"`, `"0"`, `"no"`}

// randomAttrs writes a JSON object of up to n random keys and values.
func randomAttrs(rng *rand.Rand, n int) string {
	values := orderValues
	if rng.IntN(2) == 0 {
		values = cleanValues
	}
	var b strings.Builder
	b.WriteByte('{')
	seen := map[string]bool{}
	for i := range 1 + rng.IntN(n) {
		k := orderKeys[rng.IntN(len(orderKeys))]
		if seen[k] {
			continue
		}
		seen[k] = true
		if i > 0 && b.Len() > 1 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		b.Write(kj)
		b.WriteByte(':')
		b.WriteString(values[rng.IntN(len(values))])
	}
	b.WriteByte('}')
	return b.String()
}

// randomOrderBatch writes a batch whose attribute maps are drawn from
// orderKeys and orderValues.
func randomOrderBatch(rng *rand.Rand) string {
	var events []string
	for i := range 1 + rng.IntN(5) {
		ts := 1714590000000 + int64(rng.IntN(3))*1000
		switch rng.IntN(4) {
		case 0:
			events = append(events, fmt.Sprintf(`{"event_type":"custom_event","data":{"event_name":"%s","custom_event_type":"other","custom_attributes":%s,"timestamp_unixtime_ms":%d}}`,
				orderEventNames[rng.IntN(len(orderEventNames))], randomAttrs(rng, 8+rng.IntN(2)*30), ts))
		case 1:
			events = append(events, fmt.Sprintf(`{"event_type":"commerce_event","data":{"currency_code":"USD","custom_attributes":%s,"product_action":{"action":"purchase","transaction_id":"T%d","products":[{"id":"s1","name":"n1","price":2,"quantity":1,"custom_attributes":%s},{"id":"s2","name":"n2","price":3,"quantity":2,"custom_attributes":%s}]},"timestamp_unixtime_ms":%d}}`,
				randomAttrs(rng, 6), i, randomAttrs(rng, 4), randomAttrs(rng, 4), ts))
		case 2:
			events = append(events, fmt.Sprintf(`{"event_type":"commerce_event","data":{"custom_attributes":%s,"product_action":{"action":"add_to_cart","products":[{"id":"s1","name":"n1","price":2,"custom_attributes":%s}]},"timestamp_unixtime_ms":%d}}`,
				randomAttrs(rng, 6), randomAttrs(rng, 4), ts))
		default:
			events = append(events, fmt.Sprintf(`{"event_type":"screen_view","data":{"screen_name":"S%d","custom_attributes":%s,"timestamp_unixtime_ms":%d}}`,
				i, randomAttrs(rng, 6), ts))
		}
	}
	return fmt.Sprintf(`{"mpid":7,"user_identities":{"customer_id":"c1","email":"a@example.org"},"user_attributes":%s,"events":[%s]}`,
		randomAttrs(rng, 10+rng.IntN(2)*30), strings.Join(events, ","))
}

// TestMapOrderRandom: on random batches full of colliding keys and values
// that are reported, Map's result equals that of applying attribute maps in
// sorted order, under every property policy and bundled or not.
func TestMapOrderRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 3))
	var mappers [][2]*Mapper
	for _, s := range orderSettings() {
		for _, bundle := range []bool{false, true} {
			s.BundleCommerceEventData = bundle
			fast, sorted := sortedTwin(t, s)
			mappers = append(mappers, [2]*Mapper{fast, sorted})
		}
	}
	fixed := []string{
		// Two subscription groups: their order in the attributes object
		// is that of the sorted keys.
		`{"user_identities":{"customer_id":"c1"},"user_attributes":{"promos":"no","newsletter":true,"tier":"x"}}`,
		`{"user_identities":{"customer_id":"c1"},"user_attributes":{"newsletter":"1","promos":"yes"}}`,
		// One group set twice, under two spellings.
		`{"user_identities":{"customer_id":"c1"},"user_attributes":{"Promo":"no","promos":"yes"}}`,
		// Fixed keys colliding with each other and with a clean one.
		`{"user_identities":{"customer_id":"c1"},"events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other","custom_attributes":{"$$a":"1","$a":"2","b":"3"}}}]}`,
		`{"user_identities":{"customer_id":"c1"},"events":[{"event_type":"commerce_event","data":{"custom_attributes":{"color":"red","x":"1"},"product_action":{"action":"purchase","products":[{"id":"s","price":1,"quantity":1,"custom_attributes":{"$color":"green","y":"2"}}]}}}]}`,
	}
	n := 400
	if testing.Short() {
		n = 100
	}
	for i := range n + len(fixed) {
		var raw string
		if i < len(fixed) {
			raw = fixed[i]
		} else {
			raw = randomOrderBatch(rng)
		}
		b, err := mparticle.DecodeBatch([]byte(raw))
		require.NoError(t, err, raw)
		for j, m := range mappers {
			requireSameAsSorted(t, m[0], m[1], b, fmt.Sprintf("batch %d mapper %d: %s", i, j, raw))
		}
	}
}

// TestMapResultsOwnTheirMemory: Map recycles its working state, so a Result
// must share nothing with it. Results kept from earlier calls stay as they
// were while the same Mapper maps other batches, from many goroutines at
// once, and concurrent calls agree with sequential ones.
func TestMapResultsOwnTheirMemory(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "batch.json"))
	require.NoError(t, err)
	paths = append(paths, filepath.Join("testdata", "bench", "batch.json"))
	var batches []*mparticle.Batch
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		b, err := mparticle.DecodeBatch(raw)
		require.NoError(t, err)
		batches = append(batches, b)
	}
	rng := rand.New(rand.NewPCG(5, 9))
	for range 50 {
		raw := randomOrderBatch(rng)
		b, err := mparticle.DecodeBatch([]byte(raw))
		require.NoError(t, err)
		batches = append(batches, b)
	}
	for _, s := range orderSettings() {
		m, err := New(s)
		require.NoError(t, err)
		kept := make([]Result, len(batches))
		want := make([]string, len(batches))
		for i, b := range batches {
			kept[i] = m.Map(b)
			want[i] = resultJSON(t, kept[i])
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range 3 {
					for i := range batches {
						j := (i*7 + g + r) % len(batches)
						if got := resultJSON(t, m.Map(batches[j])); got != want[j] {
							assert.Equal(t, want[j], got, "batch %d", j)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		for i := range kept {
			require.Equal(t, want[i], resultJSON(t, kept[i]), "kept result %d changed", i)
		}
	}
}

// TestMapManyKeys: attribute maps beyond the sizes that are scanned
// linearly (props and the attributes builder switch to an index), and a
// batch larger than the scratch a Mapper keeps, map as the sorted-order
// reference does, and the Mapper maps the next batch as before.
func TestMapManyKeys(t *testing.T) {
	var attrs, userAttrs []string
	for i := range 40 {
		attrs = append(attrs, fmt.Sprintf(`"k%02d":"v%d"`, i, i))
		userAttrs = append(userAttrs, fmt.Sprintf(`"u%02d":"%d"`, i, i))
	}
	// Collisions past the first 16 keys: a fixed key against a clean one,
	// two attributes into one user attribute, a reserved name.
	attrs = append(attrs, `"$k30":"dup"`, `"$$k31":"dup"`, `"time":"t"`, `"time_":"t2"`)
	userAttrs = append(userAttrs, `"$u30":"dup"`, `"$FirstName":"A"`, `"first_name":"B"`)
	custom := `{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other","custom_attributes":{` +
		strings.Join(attrs, ",") + `}}}`
	uac := `{"event_type":"user_attribute_change","data":{"user_attribute_name":"u05","new":"x"}}`
	var events []string
	for i := range 300 {
		if i%10 == 0 {
			events = append(events, uac)
		} else {
			events = append(events, custom)
		}
	}
	big := `{"user_identities":{"customer_id":"c1"},"user_attributes":{` + strings.Join(userAttrs, ",") +
		`},"events":[` + strings.Join(events, ",") + `]}`
	small := `{"user_identities":{"customer_id":"c1"},"user_attributes":{"a":"1","b":"2"},"events":[` + custom + `]}`
	for _, s := range orderSettings() {
		fast, sorted := sortedTwin(t, s)
		for _, raw := range []string{small, big, small, big} {
			b, err := mparticle.DecodeBatch([]byte(raw))
			require.NoError(t, err)
			requireSameAsSorted(t, fast, sorted, b, raw[:60])
		}
	}
}

// TestEventAttributeMappingsApplyInKeyOrder: when several attributes of an
// event are mapped, they are applied in sorted key order (here both set
// one user attribute, so the later one starts a second object).
func TestEventAttributeMappingsApplyInKeyOrder(t *testing.T) {
	s := Settings{EventAttributeMappings: []EventAttributeMapping{
		{Action: SetAttribute, EventName: "E", AttributeKey: "b", UserAttribute: "x"},
		{Action: SetAttribute, EventName: "E", AttributeKey: "a", UserAttribute: "x"},
		{Action: AddToArray, EventName: "E", AttributeKey: "c", UserAttribute: "list"},
	}, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	raw := `{"user_identities":{"customer_id":"c1"},"events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other","custom_attributes":{"c":"3","b":"2","a":"1","z":"0"}}}]}`
	b, err := mparticle.DecodeBatch([]byte(raw))
	require.NoError(t, err)
	fast, sorted := sortedTwin(t, s)
	for _, m := range []*Mapper{fast, sorted} {
		for range 5 {
			res := m.Map(b)
			require.Len(t, res.Attributes, 2)
			assert.Equal(t, braze.String("1"), propMap(res.Attributes[0].Custom)["x"])
			assert.Equal(t, braze.String("2"), propMap(res.Attributes[1].Custom)["x"])
			assert.Contains(t, propMap(res.Attributes[1].Custom), "list")
		}
	}
	// One mapped attribute among others: no sort needed, same result.
	one := `{"user_identities":{"customer_id":"c1"},"events":[{"event_type":"custom_event","data":{"event_name":"e","custom_event_type":"other","custom_attributes":{"y":"3","B":"2","z":"0"}}}]}`
	b, err = mparticle.DecodeBatch([]byte(one))
	require.NoError(t, err)
	requireSameAsSorted(t, fast, sorted, b, one)
	res := fast.Map(b)
	require.Len(t, res.Attributes, 1)
	assert.Equal(t, braze.String("2"), propMap(res.Attributes[0].Custom)["x"])
}

// TestMapRepeatedAttributeKeys: a list built by hand that repeats a key maps
// as the list holding the key once with its last value, the fast way and
// the sorted way, whatever the value kinds (an undefined last value
// included).
func TestMapRepeatedAttributeKeys(t *testing.T) {
	v := mparticle.StringAttr
	at := func(k string, v mparticle.AttributeValue) mparticle.Attribute {
		return mparticle.Attribute{Key: k, Value: v}
	}
	cases := []struct{ in, want mparticle.Attributes }{
		{mparticle.Attributes{at("a", v("x")), at("b", v("y")), at("a", v("z"))}, mparticle.Attributes{at("a", v("z")), at("b", v("y"))}},
		{mparticle.Attributes{at("a", v("x")), at("b", v("y")), at("a", mparticle.AttributeValue{})}, mparticle.Attributes{at("b", v("y"))}},
		{mparticle.Attributes{at("a", mparticle.AttributeValue{}), at("b", v("y")), at("a", v("x"))}, mparticle.Attributes{at("a", v("x")), at("b", v("y"))}},
		{mparticle.Attributes{at("$a", v("x")), at("a", v("y")), at("$a", mparticle.NullAttr())}, mparticle.Attributes{at("$a", mparticle.NullAttr()), at("a", v("y"))}},
	}
	batch := func(attrs mparticle.Attributes) *mparticle.Batch {
		return &mparticle.Batch{
			UserIdentities: &mparticle.UserIdentities{CustomerID: "c1"},
			UserAttributes: attrs,
			Events: []mparticle.Event{{Data: &mparticle.CustomEvent{EventName: "E", CustomEventType: mparticle.CustomOther,
				CommonEventData: mparticle.CommonEventData{CustomAttributes: attrs}}}},
		}
	}
	for _, s := range orderSettings() {
		fast, sorted := sortedTwin(t, s)
		for i, c := range cases {
			want := resultJSON(t, sorted.Map(batch(c.want)))
			assert.Equal(t, want, resultJSON(t, fast.Map(batch(c.in))), "case %d fast", i)
			assert.Equal(t, want, resultJSON(t, sorted.Map(batch(c.in))), "case %d sorted", i)
		}
	}
}
