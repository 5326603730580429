package mparticle

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAttributeValueKinds(t *testing.T) {
	s := StringAttr("4")
	n, _ := NumberAttr("4.0")
	assert.Equal(t, KindString, s.Kind())
	assert.Equal(t, KindNumber, n.Kind())
	assert.False(t, s.Equal(n))
	assert.Equal(t, `"4"`, s.String())
	assert.Equal(t, `4.0`, n.String())
	f, ok := n.Float64()
	assert.True(t, ok)
	assert.Equal(t, 4.0, f)
	_, ok = n.Int64()
	assert.False(t, ok, "4.0 is not an integer literal")

	l := ListAttr("a", "b")
	got, ok := l.List()
	assert.True(t, ok)
	assert.Equal(t, []string{"a", "b"}, got)
	got[0] = "changed"
	again, _ := l.List()
	assert.Equal(t, "a", again[0], "List returns a copy")
	assert.Equal(t, 2, l.Len())
	assert.Equal(t, `["a","b"]`, l.Text())
	assert.Equal(t, `[]`, ListAttr().String())

	assert.True(t, NullAttr().IsNull())
	assert.Equal(t, "null", NullAttr().String())
	assert.False(t, AttributeValue{}.IsDefined())
	assert.Equal(t, "null", AttributeValue{}.String())
	assert.Equal(t, "", NullAttr().Text())

	b := BoolAttr(false)
	v, ok := b.Bool()
	assert.True(t, ok)
	assert.False(t, v)
	assert.Equal(t, "false", b.Text())
	assert.Equal(t, "7", IntAttr(7).Text())

	_, err := FloatAttr(math.NaN())
	assert.Error(t, err)
	_, err = FloatAttr(math.Inf(1))
	assert.Error(t, err)
	_, err = NumberAttr("0x10")
	assert.Error(t, err)
}

func TestAttrOf(t *testing.T) {
	type custom struct{ A int }
	for _, tc := range []struct {
		in   any
		kind AttributeKind
		json string
	}{
		{nil, KindNull, `null`},
		{"x", KindString, `"x"`},
		{true, KindBool, `true`},
		{int(3), KindNumber, `3`},
		{int8(-3), KindNumber, `-3`},
		{uint64(math.MaxUint64), KindNumber, `18446744073709551615`},
		{float32(1.5), KindNumber, `1.5`},
		{2.25, KindNumber, `2.25`},
		{json.Number("1e3"), KindNumber, `1e3`},
		{[]string{"a"}, KindList, `["a"]`},
		{json.RawMessage(`{"a":1}`), KindRaw, `{"a":1}`},
		{custom{A: 1}, KindRaw, `{"A":1}`},
		{[]any{"a", 1}, KindRaw, `["a",1]`},
		{[]any{"a", "b"}, KindList, `["a","b"]`},
		{StringAttr("s"), KindString, `"s"`},
	} {
		v, err := AttrOf(tc.in)
		require.NoError(t, err, "%#v", tc.in)
		assert.Equal(t, tc.kind, v.Kind(), "%#v", tc.in)
		assert.Equal(t, tc.json, v.String(), "%#v", tc.in)
	}
	_, err := AttrOf(math.NaN())
	assert.Error(t, err)
	_, err = AttrOf(make(chan int))
	assert.Error(t, err)
}

func TestAttributeValueInterface(t *testing.T) {
	raw, err := RawAttr(json.RawMessage(`{"a":[1,"b"]}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": []any{json.Number("1"), "b"}}, raw.Interface())
	assert.Equal(t, json.Number("12345678901234567890"), mustAttr(t, `12345678901234567890`).Interface())
	assert.Equal(t, "x", StringAttr("x").Interface())
	assert.Equal(t, true, BoolAttr(true).Interface())
	assert.Equal(t, []string{"a"}, ListAttr("a").Interface())
	assert.Nil(t, NullAttr().Interface())

	_, err = RawAttr(json.RawMessage(`{`))
	assert.Error(t, err)
}

func mustAttr(t *testing.T, s string) AttributeValue {
	t.Helper()
	v, err := RawAttr(json.RawMessage(s))
	require.NoError(t, err)
	return v
}

func TestAttributeValueJSON(t *testing.T) {
	var m map[string]AttributeValue
	require.NoError(t, json.Unmarshal([]byte(`{"a":"4","b":4,"c":4.0,"d":null,"e":["x"],"f":{"g":1}}`), &m))
	assert.Equal(t, KindString, m["a"].Kind())
	assert.Equal(t, "4.0", m["c"].Text())
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"4","b":4,"c":4.0,"d":null,"e":["x"],"f":{"g":1}}`, string(out))
	assert.Contains(t, string(out), `"c":4.0`, "number literal kept")
}

func TestReservedAttribute(t *testing.T) {
	for in, want := range map[string]string{
		"$FirstName": AttrFirstName, "$firstname": AttrFirstName, "$FIRSTNAME": AttrFirstName,
		"$lastname": AttrLastName, "$age": AttrAge, "$gender": AttrGender, "$mobile": AttrMobile,
		"$address": AttrAddress, "$city": AttrCity, "$state": AttrState, "$zip": AttrZip, "$country": AttrCountry,
	} {
		got, ok := ReservedAttribute(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"FirstName", "$First", "", "$", "tier"} {
		_, ok := ReservedAttribute(in)
		assert.False(t, ok, in)
	}
}

func TestBatchSetUserAttribute(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	require.NoError(t, b.SetUserAttribute("$FirstName", "Ada"))
	require.NoError(t, b.SetUserAttribute("tags", []string{"a", "b"}))
	require.NoError(t, b.SetUserAttribute("gone", nil))
	assert.Error(t, b.SetUserAttribute("bad", math.Inf(-1)))
	out, err := b.Encode()
	require.NoError(t, err)
	assert.JSONEq(t, `{"environment":"production","user_attributes":{"$FirstName":"Ada","gone":null,"tags":["a","b"]}}`, string(out))
}

func TestAttributeValueAccessorsOnOtherKinds(t *testing.T) {
	for k := KindUndefined; k <= KindRaw; k++ {
		assert.NotEmpty(t, k.String())
	}
	assert.Equal(t, "AttributeKind(99)", AttributeKind(99).String())

	s := StringAttr("x")
	_, ok := s.List()
	assert.False(t, ok)
	_, ok = s.Number()
	assert.False(t, ok)
	_, ok = s.Float64()
	assert.False(t, ok)
	_, ok = s.Int64()
	assert.False(t, ok)
	_, ok = s.Bool()
	assert.False(t, ok)
	n, ok := IntAttr(-12).Number()
	assert.True(t, ok)
	assert.Equal(t, json.Number("-12"), n)

	assert.True(t, ListAttr("a", "b").Equal(ListAttr("a", "b")))
	assert.False(t, ListAttr("a", "b").Equal(ListAttr("a", "c")))
	assert.False(t, ListAttr("a").Equal(StringAttr("a")))

	for _, in := range []any{int16(1), int32(1), uint(1), uint8(1), uint16(1), uint32(1)} {
		v, err := AttrOf(in)
		require.NoError(t, err)
		assert.Equal(t, "1", v.Text())
	}
	_, err := AttrOf(json.Number("abc"))
	assert.Error(t, err)
	_, err = AttrOf(json.RawMessage(`[`))
	assert.Error(t, err)

	var v AttributeValue
	assert.Error(t, json.Unmarshal([]byte(`{"a":}`), &v))
	require.NoError(t, json.Unmarshal([]byte(`"ok"`), &v))
	assert.Equal(t, "ok", v.Text())
	assert.Equal(t, KindRaw, mustAttr(t, `[1]`).Kind())
	assert.Equal(t, json.RawMessage(`not json`), AttributeValue{kind: KindRaw, s: "not json"}.Interface())
}
