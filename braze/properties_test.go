package braze

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// propValue returns the value of key in ps (the zero Value when absent).
func propValue(ps Properties, key string) Value {
	v, _ := ps.Get(key)
	return v
}

func TestPropertiesMethods(t *testing.T) {
	var ps Properties
	assert.Equal(t, 0, ps.Len())
	_, ok := ps.Get("a")
	assert.False(t, ok)
	ps.Delete("a") // no-op on nil

	ps.Set("b", Int(1))
	ps.Set("a", Int(2))
	ps.Set("b", Int(3)) // replaced in place
	assert.Equal(t, Properties{Prop("b", Int(3)), Prop("a", Int(2))}, ps)
	v, ok := ps.Get("a")
	assert.True(t, ok)
	assert.True(t, v.Equal(Int(2)))

	var keys []string
	for k, v := range ps.All() {
		keys = append(keys, k+"="+v.String())
	}
	assert.Equal(t, []string{"b=3", "a=2"}, keys)
	for range ps.All() {
		break // the iterator stops when asked
	}

	ps = append(ps, Prop("b", Int(4)), Prop("c", Int(5)))
	ps.Delete("b") // every entry named b
	assert.Equal(t, Properties{Prop("a", Int(2)), Prop("c", Int(5))}, ps)
	assert.Equal(t, 2, ps.Len())
}

func TestPropertiesFromMap(t *testing.T) {
	assert.Nil(t, PropertiesFromMap(nil))
	assert.Nil(t, PropertiesFromMap(map[string]Value{}))
	ps := PropertiesFromMap(map[string]Value{"c": Int(3), "a": Int(1), "b": Int(2)})
	assert.Equal(t, Properties{Prop("a", Int(1)), Prop("b", Int(2)), Prop("c", Int(3))}, ps)
}

func TestPropertiesJSON(t *testing.T) {
	ps := Properties{Prop("z", Int(1)), Prop("a", String("x")), Prop("m", Bool(true))}
	b, err := json.Marshal(ps)
	require.NoError(t, err)
	assert.Equal(t, `{"z":1,"a":"x","m":true}`, string(b), "slice order, not sorted")

	var back Properties
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, ps, back)

	// A repeated key keeps its first position and takes its last value.
	require.NoError(t, json.Unmarshal([]byte(`{"b":1,"a":2,"b":3}`), &back))
	assert.Equal(t, Properties{Prop("b", Int(3)), Prop("a", Int(2))}, back)

	require.NoError(t, json.Unmarshal([]byte(`null`), &back))
	assert.Nil(t, back)
	b, err = json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, "null", string(b))
	b, err = json.Marshal(Properties{})
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b))
	require.NoError(t, json.Unmarshal([]byte(`{}`), &back))
	assert.Equal(t, Properties{}, back)

	for _, bad := range []string{`[]`, `"x"`, `{"a":}`, `{"a":1} {}`, `{"a":{"b":tru}}`} {
		assert.Error(t, back.UnmarshalJSON([]byte(bad)), bad)
	}

	_, err = json.Marshal(Properties{Prop("k", Value{})})
	assert.ErrorContains(t, err, `key "k"`)
}

func TestPropertiesJSONManyKeys(t *testing.T) {
	// Past linearMembers the repeated-key lookup uses an index.
	var doc []byte
	doc = append(doc, '{')
	for i := range 40 {
		doc = append(doc, `"k`+strconv.Itoa(i%30)+`":`+strconv.Itoa(i)+`,`...)
	}
	doc[len(doc)-1] = '}'
	var ps Properties
	require.NoError(t, json.Unmarshal(doc, &ps))
	require.Len(t, ps, 30)
	assert.Equal(t, "k0", ps[0].Key)
	assert.True(t, ps[0].Value.Equal(Int(30)))
	assert.True(t, ps[29].Value.Equal(Int(29)))
}

func TestEventDecodeKeepsDocumentOrder(t *testing.T) {
	var e Event
	require.NoError(t, json.Unmarshal([]byte(`{"external_id":"u","name":"n","time":"2025-03-01T10:15:00Z","properties":{"plan":"pro","a":1,"plan":"max"}}`), &e))
	assert.Equal(t, Properties{Prop("plan", String("max")), Prop("a", Int(1))}, e.Properties)
	b, err := json.Marshal(e)
	require.NoError(t, err)
	assert.Equal(t, `{"external_id":"u","name":"n","time":"2025-03-01T10:15:00Z","properties":{"plan":"max","a":1}}`, string(b))

	var a Attributes
	require.NoError(t, json.Unmarshal([]byte(`{"external_id":"u","zeta":1,"first_name":"A","alpha":2,"zeta":3}`), &a))
	assert.Equal(t, Properties{Prop("zeta", Int(3)), Prop("alpha", Int(2))}, a.Custom)
	assert.Equal(t, Set("A"), a.FirstName)
}

func TestDuplicateKeys(t *testing.T) {
	mk := func(keys ...string) Properties {
		ps := make(Properties, len(keys))
		for i, k := range keys {
			ps[i] = Prop(k, Int(int64(i)))
		}
		return ps
	}
	assert.Nil(t, duplicateKeys(nil))
	assert.Nil(t, duplicateKeys(mk("a", "b", "c")))
	assert.Nil(t, duplicateKeys(mk("c", "b", "a")))
	assert.Equal(t, []string{"b", "a"}, duplicateKeys(mk("b", "a", "b", "a", "b")))

	// The same answer through the sorted index.
	var many []string
	for i := range 50 {
		many = append(many, "k"+strconv.Itoa(49-i))
	}
	assert.Nil(t, duplicateKeys(mk(many...)))
	many = append(many, "k7", "k3", "k7")
	assert.Equal(t, []string{"k7", "k3"}, duplicateKeys(mk(many...)))
	assert.Equal(t, []string{"b", "a"}, duplicateKeysSorted(mk("b", "a", "b", "a", "b")))
	assert.Nil(t, duplicateKeysSorted(mk("b", "a")))
}

func TestKeyAfter(t *testing.T) {
	x15, x16 := strings.Repeat("x", 15), strings.Repeat("x", 16)
	keys := []string{"", "a", "ab", "b", "B", "é", "\x00", "\xff", "aa", "ba",
		x15, x15 + "a", x15 + "\xff", x16, x16 + "a", x16 + "b", x16 + "ab", "position", "premium", "price"}
	for _, k := range keys {
		for _, p := range keys {
			assert.Equal(t, k > p, keyAfter(k, p), "%q > %q", k, p)
		}
	}
}

func TestValidateRejectsDuplicateKeys(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	r := TrackRequest{
		Attributes: []Attributes{{Identifier: ExternalID("u"), Custom: Properties{Prop("plan", String("a")), Prop("x", Int(1)), Prop("plan", String("b"))}}},
		Events:     []Event{{Identifier: ExternalID("u"), Name: "n", Time: t0, Properties: Properties{Prop("plan", String("a")), Prop("plan", String("b"))}}},
		Purchases: []Purchase{{Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Time: t0,
			Properties: Properties{Prop("o", ObjectOf(Properties{Prop("k", Int(1)), Prop("k", Int(2))}))}}},
	}
	err := r.Validate(Limits{})
	require.Error(t, err)
	assert.Equal(t, `braze: invalid request: 3 problems: attributes[0].custom: duplicate key "plan"; `+
		`events[0].properties: duplicate key "plan"; purchases[0].properties["o"]: duplicate key "k"`, err.Error())
	var verrs ValidationErrors
	require.ErrorAs(t, err, &verrs)
	assert.Equal(t, "events", verrs[1].Array)

	// The client's one-pass check finds them too, in or out of order.
	for _, ps := range []Properties{
		{Prop("a", Int(1)), Prop("b", Int(1)), Prop("a", Int(1))},
		{Prop("b", Int(1)), Prop("a", Int(1)), Prop("b", Int(1))},
	} {
		r := TrackRequest{Events: []Event{{Identifier: ExternalID("u"), Name: "n", Time: t0, Properties: ps}}}
		_, err := r.appendValidated(Limits{}, nil)
		assert.ErrorContains(t, err, "events[0].properties: duplicate key")
	}
	// Out of order but unique passes.
	r = TrackRequest{Events: []Event{{Identifier: ExternalID("u"), Name: "n", Time: t0, Properties: Properties{Prop("b", Int(1)), Prop("a", Int(2))}}}}
	body, err := r.appendValidated(Limits{}, nil)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"properties":{"b":1,"a":2}`)
	assert.NoError(t, r.Validate(Limits{}))
}

func TestObjectOfKeepsOrder(t *testing.T) {
	ps := Properties{Prop("z", Int(1)), Prop("a", Int(2))}
	o := ObjectOf(ps)
	ps[0].Value = Int(9) // ObjectOf copied
	assert.Equal(t, `{"z":1,"a":2}`, o.String())
	assert.Equal(t, `{"a":2,"z":1}`, Object(map[string]Value{"z": Int(1), "a": Int(2)}).String())
	assert.True(t, o.Equal(Object(map[string]Value{"z": Int(1), "a": Int(2)})), "member order does not matter")
	assert.False(t, o.Equal(Object(map[string]Value{"z": Int(1), "a": Int(3)})))
	assert.False(t, o.Equal(Object(map[string]Value{"z": Int(1)})))
	m, ok := ObjectOf(Properties{Prop("k", Int(1)), Prop("k", Int(2))}).Object()
	assert.True(t, ok)
	assert.Equal(t, map[string]Value{"k": Int(1)}, m)

	var v Value
	require.NoError(t, json.Unmarshal([]byte(`{"z":1,"a":{"y":2,"b":3}}`), &v))
	assert.Equal(t, `{"z":1,"a":{"y":2,"b":3}}`, v.String(), "decoded objects keep the document's order")
}

// Batcher.Add's per-object one pass refuses a duplicate key too, in or out
// of order, and keeps unique keys in their order.
func TestItemEncoderRejectsDuplicateKeys(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	items := []Item{
		{Event: &Event{Identifier: ExternalID("u"), Name: "n", Time: t0, Properties: Properties{Prop("a", Int(1)), Prop("b", Int(2)), Prop("a", Int(3))}}},
		{Attributes: &Attributes{Identifier: ExternalID("u"), Custom: Properties{Prop("z", Int(1)), Prop("y", Int(2)), Prop("z", Int(3))}}},
		{Event: &Event{Identifier: ExternalID("u"), Name: "n", Time: t0, Properties: Properties{Prop("b", Int(1)), Prop("a", Int(2))}}},
	}
	var e itemEncoder
	err := e.encode(items, DefaultLimits())
	var refused ItemErrors
	require.ErrorAs(t, err, &refused)
	require.Len(t, refused, 2)
	assert.ErrorContains(t, refused[0], `properties: duplicate key "a"`)
	assert.ErrorContains(t, refused[1], `custom: duplicate key "z"`)
	assert.Equal(t, `{"external_id":"u","name":"n","time":"2025-03-01T10:15:00Z","properties":{"b":1,"a":2}}`,
		string(e.buf[e.ends[1]:e.ends[2]]))
}
