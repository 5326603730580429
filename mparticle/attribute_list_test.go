package mparticle

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func keysOf(a Attributes) []string {
	var ks []string
	for k := range a.All() {
		ks = append(ks, k)
	}
	return ks
}

func TestAttributesSetGetDelete(t *testing.T) {
	var a Attributes
	assert.Equal(t, 0, a.Len())
	_, ok := a.Get("x")
	assert.False(t, ok)

	a.Set("b", StringAttr("1"))
	a.Set("a", IntAttr(2))
	a.Set("c", NullAttr())
	a.Set("b", StringAttr("replaced")) // in place
	assert.Equal(t, []string{"b", "a", "c"}, keysOf(a))
	assert.Equal(t, 3, a.Len())
	v, ok := a.Get("b")
	require.True(t, ok)
	assert.Equal(t, StringAttr("replaced"), v)

	a.Delete("a")
	a.Delete("missing")
	assert.Equal(t, []string{"b", "c"}, keysOf(a))
	_, ok = a.Get("a")
	assert.False(t, ok)

	// A list built by hand with a repeated key: the last entry counts, Set
	// replaces it, Delete removes every entry.
	d := Attributes{{"k", StringAttr("first")}, {"x", StringAttr("y")}, {"k", StringAttr("last")}}
	v, _ = d.Get("k")
	assert.Equal(t, StringAttr("last"), v)
	d.Set("k", StringAttr("new"))
	assert.Equal(t, StringAttr("first"), d[0].Value)
	assert.Equal(t, StringAttr("new"), d[2].Value)
	d.Delete("k")
	assert.Equal(t, Attributes{{"x", StringAttr("y")}}, d)
}

func TestAttributesAllStops(t *testing.T) {
	a := Attributes{{"a", IntAttr(1)}, {"b", IntAttr(2)}, {"c", IntAttr(3)}}
	var seen []string
	for k := range a.All() {
		seen = append(seen, k)
		if k == "b" {
			break
		}
	}
	assert.Equal(t, []string{"a", "b"}, seen)
}

func TestAttributesFromMap(t *testing.T) {
	assert.Nil(t, AttributesFromMap(nil))
	a := AttributesFromMap(map[string]AttributeValue{"z": IntAttr(1), "a": StringAttr("x"), "m": NullAttr()})
	assert.Equal(t, Attributes{{"a", StringAttr("x")}, {"m", NullAttr()}, {"z", IntAttr(1)}}, a)
}

// Attribute objects decode in document order and encode in slice order.
func TestAttributesDecodeOrder(t *testing.T) {
	in := `{"environment":"production","user_attributes":{"z":"1","a":2,"m":null,"b":["x"]},` +
		`"events":[{"event_type":"custom_event","data":{"event_name":"e","custom_event_type":"other",` +
		`"custom_attributes":{"y":1,"x":{"k":[1]}},"custom_flags":{"f2":"a","f1":"b"}}}]}`
	b, err := DecodeBatch([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"z", "a", "m", "b"}, keysOf(b.UserAttributes))
	ev := b.Events[0].Data.(*CustomEvent)
	assert.Equal(t, []string{"y", "x"}, keysOf(ev.CustomAttributes))
	assert.Equal(t, []string{"f2", "f1"}, keysOf(ev.CustomFlags))
	out, err := b.Encode()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"user_attributes":{"z":"1","a":2,"m":null,"b":["x"]}`)
	assert.Contains(t, string(out), `"custom_attributes":{"y":1,"x":{"k":[1]}}`)
	assert.Contains(t, string(out), `"custom_flags":{"f2":"a","f1":"b"}`)
}

// A repeated key keeps its first position and takes the last value, as
// encoding/json does for a map, with few keys (scanned) and with many
// (indexed).
func TestAttributesDecodeDuplicateKeys(t *testing.T) {
	for _, n := range []int{2, linearAttrs - 1, linearAttrs, linearAttrs + 1, 3 * linearAttrs} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var sb strings.Builder
			sb.WriteString(`{`)
			for i := range n {
				fmt.Fprintf(&sb, `"k%d":%d,`, i, i)
			}
			// Repeat the first, a middle and the last key, then the first
			// again.
			fmt.Fprintf(&sb, `"k0":"a","k%d":"b","k%d":"c","k0":"d"}`, n/2, n-1)
			var got Attributes
			require.NoError(t, json.Unmarshal([]byte(sb.String()), &got))
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(sb.String()), &want))
			require.Len(t, got, n)
			require.Len(t, want, n)
			for i, a := range got {
				assert.Equal(t, "k"+strconv.Itoa(i), a.Key)
				assert.Equal(t, fmt.Sprint(want[a.Key]), strings.Trim(a.Value.Text(), `"`), a.Key)
			}
			v, _ := got.Get("k0")
			assert.Equal(t, StringAttr("d"), v)
		})
	}
}

// A batch repeating the user_attributes field merges the two objects, as
// encoding/json merges into a map.
func TestAttributesDecodeRepeatedField(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"environment":"production","user_attributes":{"a":"1","b":"2"},"user_attributes":{"c":"3","a":"4"}}`))
	require.NoError(t, err)
	assert.Equal(t, Attributes{{"a", StringAttr("4")}, {"b", StringAttr("2")}, {"c", StringAttr("3")}}, b.UserAttributes)
	b, err = DecodeBatch([]byte(`{"environment":"production","user_attributes":{"a":"1"},"user_attributes":null}`))
	require.NoError(t, err)
	assert.Nil(t, b.UserAttributes)
	out, err := b.Encode()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"user_attributes":null`)
}

func TestAttributesDecodeEmptyAndErrors(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"environment":"production","user_attributes":{}}`))
	require.NoError(t, err)
	assert.NotNil(t, b.UserAttributes)
	assert.Equal(t, 0, b.UserAttributes.Len())
	out, err := b.Encode()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"user_attributes":{}`)

	_, err = DecodeBatch([]byte(`{"environment":"production","user_attributes":{"a":"1","b":tru}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "user_attributes.b")
	_, err = DecodeBatch([]byte(`{"environment":"production","user_attributes":[]}`))
	require.Error(t, err)
}

func TestAttributesJSON(t *testing.T) {
	var a Attributes
	require.NoError(t, json.Unmarshal([]byte(` {"b" : 1, "a":"x\u00e9", "c":[ "1" ]} `), &a))
	assert.Equal(t, Attributes{{"b", IntAttr(1)}, {"a", StringAttr("xé")}, {"c", ListAttr("1")}}, a)
	out, err := json.Marshal(a)
	require.NoError(t, err)
	assert.Equal(t, `{"b":1,"a":"xé","c":["1"]}`, string(out))

	require.NoError(t, json.Unmarshal([]byte(`null`), &a))
	assert.Nil(t, a)
	out, err = json.Marshal(a)
	require.NoError(t, err)
	assert.Equal(t, `null`, string(out))
	out, err = json.Marshal(Attributes{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(out))

	assert.Error(t, json.Unmarshal([]byte(`{"a":1} x`), &a))
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &a))
}

func TestBuildersSortAttributes(t *testing.T) {
	ev, err := NewCustomEvent("e", CustomOther, map[string]any{"z": 1, "a": "x", "m": true},
		WithCustomFlags(map[string]string{"f2": "a", "f1": "b"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "m", "z"}, keysOf(ev.CustomAttributes))
	assert.Equal(t, []string{"f1", "f2"}, keysOf(ev.CustomFlags))

	b := NewBatch(EnvironmentProduction)
	require.NoError(t, b.SetUserAttribute("z", "1"))
	require.NoError(t, b.SetUserAttribute("a", "2"))
	require.NoError(t, b.SetUserAttribute("z", "3"))
	assert.Equal(t, Attributes{{"z", StringAttr("3")}, {"a", StringAttr("2")}}, b.UserAttributes)
}

// The validation report lists attribute problems in key order whatever the
// order of the attributes.
func TestValidateAttributesInKeyOrder(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	b.UserAttributes = Attributes{{"z", AttributeValue{}}, {"", StringAttr("x")}, {"m", mustAttr(t, `{"o":1}`)}}
	err := b.Validate()
	require.Error(t, err)
	msg := err.Error()
	iEmpty, iM, iZ := strings.Index(msg, "empty key"), strings.Index(msg, "user_attributes.m"), strings.Index(msg, "user_attributes.z")
	require.True(t, iEmpty >= 0 && iM >= 0 && iZ >= 0, msg)
	assert.Less(t, iEmpty, iM)
	assert.Less(t, iM, iZ)
}

// Decoded lists share a slab; growing one must not write over another.
func TestAttributesDecodedListsAreIndependent(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"environment":"production","user_attributes":{"a":"1"},` +
		`"events":[{"event_type":"custom_event","data":{"event_name":"e","custom_event_type":"other","custom_attributes":{"x":"2"}}}]}`))
	require.NoError(t, err)
	ev := b.Events[0].Data.(*CustomEvent)
	b.UserAttributes.Set("b", StringAttr("3"))
	b.UserAttributes = append(b.UserAttributes, Attribute{Key: "c", Value: StringAttr("4")})
	assert.Equal(t, Attributes{{"x", StringAttr("2")}}, ev.CustomAttributes)
	ev.CustomAttributes.Delete("x")
	assert.Equal(t, Attributes{{"a", StringAttr("1")}, {"b", StringAttr("3")}, {"c", StringAttr("4")}}, b.UserAttributes)
}

// TestAttributesDecodeSlabMoves decodes many attribute objects of growing
// size from one batch, so that lists fill the slab's tail and move to new
// slabs mid-object: every list must keep exactly its own members, and
// growing one must not write over the next.
func TestAttributesDecodeSlabMoves(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"events":[`)
	for i := range 12 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"event_type":"custom_event","data":{"event_name":"e","custom_attributes":{`)
		for j := range 3 * i {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":"v%d-%d"`, j%(2*i+1), i, j) // repeats keys past 2i
		}
		b.WriteString(`}}}`)
	}
	b.WriteString(`]}`)
	batch, err := DecodeBatch([]byte(b.String()))
	require.NoError(t, err)
	require.Len(t, batch.Events, 12)
	for i, ev := range batch.Events {
		attrs := ev.Data.Common().CustomAttributes
		n := min(3*i, 2*i+1)
		require.Len(t, attrs, n, "event %d", i)
		require.Equal(t, len(attrs), cap(attrs), "event %d: list capped", i)
		for j := range n {
			last := j
			for last+2*i+1 < 3*i {
				last += 2*i + 1
			}
			assert.Equal(t, "k"+strconv.Itoa(j), attrs[j].Key)
			assert.Equal(t, StringAttr(fmt.Sprintf("v%d-%d", i, last)), attrs[j].Value, "event %d key %d", i, j)
		}
	}
	first := &batch.Events[1].Data.Common().CustomAttributes
	first.Set("new", StringAttr("x"))
	assert.Equal(t, "k0", batch.Events[2].Data.Common().CustomAttributes[0].Key)
}

// TestAttributesDecodeLists covers every size newList allocates for.
func TestAttributesDecodeLists(t *testing.T) {
	in := `{"l0":[],"l1":["a"],"l2":["a","b"],"l3":["a","b","c"],"l4":["a","b","c","d"],"l5":["a","b","c","d","e"],"mixed":["a",1]}`
	var a Attributes
	require.NoError(t, json.Unmarshal([]byte(in), &a))
	all := []string{"a", "b", "c", "d", "e"}
	for n := range 6 {
		v, ok := a.Get("l" + strconv.Itoa(n))
		require.True(t, ok)
		assert.True(t, ListAttr(all[:n]...).Equal(v), "list of %d: %v", n, v)
		items, isList := v.List()
		assert.True(t, isList)
		assert.Len(t, items, n)
	}
	v, _ := a.Get("mixed")
	assert.Equal(t, KindRaw, v.Kind())
	out, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}
