package braze

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mpbraze/mpbraze/internal/jsonenc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValueJSONByKind(t *testing.T) {
	when := time.Date(2025, 3, 1, 11, 15, 0, 500000000, time.FixedZone("CET", 3600))
	cases := []struct {
		name string
		v    Value
		kind Kind
		want string
	}{
		{"string", String("jazz <3"), KindString, `"jazz \u003c3"`},
		{"empty string", String(""), KindString, `""`},
		{"int", Int(-42), KindInt, `-42`},
		{"float", Float(9.5), KindFloat, `9.5`},
		{"whole float", Float(19), KindFloat, `19`},
		{"bool true", Bool(true), KindBool, `true`},
		{"bool false", Bool(false), KindBool, `false`},
		{"time in UTC", Time(when), KindTime, `"2025-03-01T10:15:00.5Z"`},
		{"strings", Strings([]string{"a", "b"}), KindStrings, `["a","b"]`},
		{"nil strings", Strings(nil), KindStrings, `[]`},
		{"inc", Inc(5), KindIncrement, `{"inc":5}`},
		{"negative inc", Inc(-3), KindIncrement, `{"inc":-3}`},
		{"add and remove", AddRemove([]string{"jazz"}, []string{"rock", "pop"}), KindAddRemove, `{"add":["jazz"],"remove":["rock","pop"]}`},
		{"add only", AddRemove([]string{"jazz"}, nil), KindAddRemove, `{"add":["jazz"]}`},
		{"remove only", AddRemove(nil, []string{"rock"}), KindAddRemove, `{"remove":["rock"]}`},
		{"null", NullValue(), KindNull, `null`},
		{"object sorted", Object(map[string]Value{"z": Int(1), "a": String("x"), "m": Object(map[string]Value{"b": Bool(true), "a": NullValue()})}), KindObject, `{"a":"x","m":{"a":null,"b":true},"z":1}`},
		{"empty object", Object(nil), KindObject, `{}`},
		{"nested time", NestedTime(when), KindObject, `{"$time":"2025-03-01T10:15:00.5Z"}`},
		{"array", Array([]Value{Int(1), String("two"), Object(map[string]Value{"k": Float(0.5)})}), KindArray, `[1,"two",{"k":0.5}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.kind, c.v.Kind())
			got, err := json.Marshal(c.v)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(got))
			app, err := c.v.AppendJSON([]byte("prefix:"))
			require.NoError(t, err)
			assert.Equal(t, "prefix:"+c.want, string(app))
			assert.Equal(t, c.want, c.v.String())
		})
	}
}

func TestValueUnmarshalRecognisesForms(t *testing.T) {
	cases := []struct {
		in   string
		kind Kind
	}{
		{`null`, KindNull},
		{`"s"`, KindString},
		{`12`, KindInt},
		{`-9223372036854775808`, KindInt},
		{`9223372036854775808`, KindFloat},
		{`1.5`, KindFloat},
		{`1e3`, KindFloat},
		{`true`, KindBool},
		{`["a","b"]`, KindStrings},
		{`[]`, KindStrings},
		{`[1,"a"]`, KindArray},
		{`{"inc":3}`, KindIncrement},
		{`{"inc":1.5}`, KindObject},
		{`{"inc":3,"x":1}`, KindObject},
		{`{"add":["a"]}`, KindAddRemove},
		{`{"remove":["a"],"add":["b"]}`, KindAddRemove},
		{`{"add":[1]}`, KindObject},
		{`{"add":[]}`, KindObject},
		{`{}`, KindObject},
		{` {"k": {"$time": "2025-01-01"}} `, KindObject},
	}
	for _, c := range cases {
		var v Value
		require.NoError(t, json.Unmarshal([]byte(c.in), &v), c.in)
		assert.Equal(t, c.kind, v.Kind(), c.in)
	}
	for _, bad := range []string{`nul`, `tru`, `"unterminated`, `[1,`, `{"a":}`, `1.2.3`, `-`} {
		var v Value
		assert.Error(t, v.UnmarshalJSON([]byte(bad)), bad)
	}
}

func TestValueRoundTrip(t *testing.T) {
	vs := Properties{
		Prop("ar", AddRemove([]string{"a"}, []string{"b"})),
		Prop("b", Bool(true)),
		Prop("f", Float(2.25)),
		Prop("i", Int(7)),
		Prop("inc", Inc(2)),
		Prop("n", NullValue()),
		Prop("o", Object(map[string]Value{"k": Array([]Value{Int(1), Bool(false)})})),
		Prop("s", String("x")),
		Prop("ss", Strings([]string{"a"})),
	}
	b, err := json.Marshal(vs)
	require.NoError(t, err)
	var back Properties
	require.NoError(t, json.Unmarshal(b, &back))
	require.Len(t, back, len(vs))
	for i, p := range vs {
		assert.Equal(t, p.Key, back[i].Key)
		assert.True(t, p.Value.Equal(back[i].Value), "%s: %v != %v", p.Key, p.Value, back[i].Value)
	}
	b2, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(b2))
}

func TestValueAccessors(t *testing.T) {
	s, ok := String("x").Str()
	assert.True(t, ok)
	assert.Equal(t, "x", s)
	_, ok = Int(1).Str()
	assert.False(t, ok)

	n, ok := Inc(-4).Int()
	assert.True(t, ok)
	assert.EqualValues(t, -4, n)
	f, ok := Int(3).Float()
	assert.True(t, ok)
	assert.Equal(t, 3.0, f)
	_, ok = String("3").Float()
	assert.False(t, ok)

	b, ok := Bool(true).Bool()
	assert.True(t, b && ok)

	when := time.Date(2024, 2, 29, 12, 0, 0, 7, time.FixedZone("X", -7200))
	tm, ok := Time(when).Time()
	assert.True(t, ok)
	assert.True(t, tm.Equal(when))
	assert.Equal(t, time.UTC, tm.Location())

	src := []string{"a", "b"}
	v := Strings(src)
	src[0] = "changed"
	ss, _ := v.Strings()
	assert.Equal(t, []string{"a", "b"}, ss, "constructor copies its input")
	ss[1] = "changed"
	ss2, _ := v.Strings()
	assert.Equal(t, []string{"a", "b"}, ss2, "accessor returns a copy")

	add, rm, ok := AddRemove([]string{"x"}, nil).AddRemove()
	assert.True(t, ok)
	assert.Equal(t, []string{"x"}, add)
	assert.Empty(t, rm)

	m := map[string]Value{"k": Int(1)}
	o := Object(m)
	m["k"] = Int(2)
	got, _ := o.Object()
	assert.True(t, got["k"].Equal(Int(1)))

	arr, ok := Array([]Value{Int(1)}).Array()
	assert.True(t, ok)
	assert.Len(t, arr, 1)

	assert.False(t, Value{}.IsValid())
	assert.True(t, NullValue().IsValid())
	assert.Equal(t, "add/remove", KindAddRemove.String())
	assert.Equal(t, "Kind(99)", Kind(99).String())
}

func TestValueEqual(t *testing.T) {
	assert.True(t, Float(math.Copysign(0, -1)).Equal(Float(0)))
	assert.False(t, Int(1).Equal(Float(1)))
	assert.False(t, String("a").Equal(String("b")))
	assert.True(t, Time(time.Unix(10, 5)).Equal(Time(time.Unix(10, 5).In(time.FixedZone("Y", 60)))))
	assert.False(t, Time(time.Unix(10, 5)).Equal(Time(time.Unix(10, 6))))
	assert.False(t, AddRemove([]string{"a"}, nil).Equal(AddRemove(nil, []string{"a"})))
	assert.False(t, Array([]Value{Int(1)}).Equal(Array([]Value{Int(2)})))
}

func TestInvalidValuesCannotBeEncoded(t *testing.T) {
	_, err := json.Marshal(Value{})
	assert.ErrorIs(t, err, errInvalidValue)
	_, err = json.Marshal(Float(math.NaN()))
	assert.ErrorIs(t, err, errNonFiniteFloat)
	_, err = json.Marshal(Object(map[string]Value{"bad": Float(math.Inf(1))}))
	assert.ErrorContains(t, err, `key "bad"`)
	_, err = json.Marshal(Array([]Value{Value{}}))
	assert.ErrorIs(t, err, errInvalidValue)
	assert.Contains(t, Value{}.String(), "invalid")
}

// FuzzValueJSON: decoding any bytes never panics, and whatever decodes
// re-encodes, and the encoding is stable under another round trip.
func FuzzValueJSON(f *testing.F) {
	for _, s := range []string{`null`, `"s"`, `12`, `-0.0`, `1e400`, `[1,"a",{"b":null}]`, `{"inc":3}`, `{"add":["a"],"remove":["b"]}`,
		`{"k":{"$time":"2025-01-01"}}`, `"\u2028<&>"`, `[[],{}]`, `9223372036854775808`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Value
		if err := v.UnmarshalJSON(data); err != nil {
			return
		}
		first, err := v.MarshalJSON()
		if err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", data, err)
		}
		var w Value
		if err := w.UnmarshalJSON(first); err != nil {
			t.Fatalf("cannot decode own output %s: %v", first, err)
		}
		second, err := w.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(first) != string(second) {
			t.Fatalf("unstable round trip: %s then %s", first, second)
		}
	})
}

// toAny converts v into the plain Go value encoding/json would need to
// produce the same JSON: an independent reference for Value's encoder.
func toAny(v Value) any {
	switch v.Kind() {
	case KindNull:
		return nil
	case KindString:
		s, _ := v.Str()
		return s
	case KindInt:
		n, _ := v.Int()
		return n
	case KindFloat:
		f, _ := v.Float()
		return f
	case KindBool:
		b, _ := v.Bool()
		return b
	case KindTime:
		t, _ := v.Time()
		return t
	case KindStrings:
		ss, _ := v.Strings()
		return ss
	case KindIncrement:
		n, _ := v.Int()
		return map[string]int64{"inc": n}
	case KindAddRemove:
		add, rm, _ := v.AddRemove()
		m := map[string][]string{}
		if len(add) > 0 {
			m["add"] = add
		}
		if len(rm) > 0 {
			m["remove"] = rm
		}
		return m
	case KindObject:
		o, _ := v.Object()
		m := make(map[string]any, len(o))
		for k, e := range o {
			m[k] = toAny(e)
		}
		return m
	case KindArray:
		a, _ := v.Array()
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = toAny(e)
		}
		return out
	}
	panic("invalid value")
}

func randString(rng *rand.Rand) string {
	const alphabet = "abcXYZ _-$.<>&\"\\\n\t\u00e9\u2028🎉"
	rs := []rune(alphabet)
	n := rng.IntN(12)
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[rng.IntN(len(rs))]
	}
	if rng.IntN(20) == 0 {
		return string(out) + "\xff"
	}
	return string(out)
}

func randValue(rng *rand.Rand, depth int) Value {
	k := rng.IntN(12)
	if depth > 2 && k >= 9 {
		k = rng.IntN(9)
	}
	switch k {
	case 0:
		return NullValue()
	case 1:
		return String(randString(rng))
	case 2:
		return Int(rng.Int64() - rng.Int64())
	case 3:
		return Float((rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(60)-30)))
	case 4:
		return Bool(rng.IntN(2) == 0)
	case 5:
		return Time(time.Unix(rng.Int64N(1e11)-1e10, rng.Int64N(1e9)))
	case 6:
		return Strings([]string{randString(rng), randString(rng)})
	case 7:
		return Inc(rng.Int64N(1000) - 500)
	case 8:
		return AddRemove([]string{randString(rng)}, []string{randString(rng), randString(rng)}[:rng.IntN(3)])
	case 9, 10:
		m := map[string]Value{}
		for range rng.IntN(80) {
			m[randString(rng)] = randValue(rng, depth+1)
		}
		return Object(m)
	default:
		a := make([]Value, rng.IntN(4))
		for i := range a {
			a[i] = randValue(rng, depth+1)
		}
		return Array(a)
	}
}

func TestRandomValuesMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		v := randValue(rng, 0)
		got, err := v.MarshalJSON()
		require.NoError(t, err)
		ref := toAny(v)
		if tm, ok := ref.(time.Time); ok {
			ref = tm.UTC()
		}
		want, err := json.Marshal(ref)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "value of kind %s", v.Kind())
	}
}

// Keys of an Object built from a map (and of PropertiesFromMap) that agree
// in a long prefix, differ only in length, hold zero bytes or non-ASCII,
// in maps of many sizes, come out in encoding/json's order.
func TestObjectKeysSortLikeEncodingJSON(t *testing.T) {
	stems := []string{"", "a", "ab", "abcdef", "abcdefg", "abcdefgh", "abcdefg\x00", "abcdefg\xff", "Total Amount", "Total Amounts",
		"\x00", "\x00\x00", "é", "\xff\xff\xff\xff\xff\xff\xff\xff", "zzzzzzzzz"}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 40, 63, 64, 65, 130} {
		m := map[string]Value{}
		for len(m) < n {
			k := stems[rng.IntN(len(stems))]
			for range rng.IntN(3) {
				k += string(rune('a' + rng.IntN(3)))
			}
			m[k] = Int(int64(len(m)))
		}
		got, err := Object(m).MarshalJSON()
		require.NoError(t, err)
		want, err := json.Marshal(toAny(Object(m)))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%d keys", n)
		if n == 0 {
			continue // an event leaves empty properties out
		}
		e := Event{Identifier: ExternalID("u"), Name: "n", Time: time.Unix(0, 0), Properties: PropertiesFromMap(m)}
		got, err = e.MarshalJSON()
		require.NoError(t, err)
		assert.Contains(t, string(got), `"properties":`+string(want), "%d keys", n)
	}
}

// For strings, ints, bools and floats the encoder's inline check (plainKey,
// a string's length, a float's finiteness) gives the answer of
// validation's fast path (plainProperty, plainCustom).
func TestInlineMemberCheckMatchesPlain(t *testing.T) {
	keys := []string{"", "$x", "time", "event_name", "email", "first_name", "bio", "k", strings.Repeat("k", 255), strings.Repeat("k", 256)}
	vals := []Value{String(""), String(strings.Repeat("s", 255)), String(strings.Repeat("s", 256)), String(strings.Repeat("é", 200)),
		Int(-1), Bool(true), Bool(false), Float(1.5), Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1))}
	plain := map[memberRule]func(string, *Value) bool{propertyMember: plainProperty, customMember: plainCustom}
	for _, rule := range []memberRule{propertyMember, customMember} {
		for _, k := range keys {
			for _, v := range vals {
				f, _ := v.Float()
				inline := rule.plainKey(k) && (v.kind != KindString || len(v.str) <= MaxStringLength) &&
					(v.kind != KindFloat || !math.IsNaN(f) && !math.IsInf(f, 0))
				assert.Equal(t, plain[rule](k, &v), inline, "rule %d key %q value %s", rule, k, v.Kind())
			}
		}
	}
}

// appendMembers checks its members in a loop of its own (plainProperties,
// plainMembersSlow) before writing them: on random lists, sorted or not,
// with every kind of member, the flag it sets is the full fast-path answer
// (every member plainKey and plainValue under the rule, no key twice), it
// leaves the flag alone when not asked to check or when it is already
// set, and it writes each member as AppendKey and the value's own
// appendJSON do, stopping with the error of the first member that cannot
// be encoded.
func TestAppendMembersCheckAndBytes(t *testing.T) {
	keys := []string{"a", "b", "ab", "price", "premium", "position", "time", "event_name", "$op", "", "email", "first_name",
		"Total Amount", "k<>", strings.Repeat("k", 255), strings.Repeat("k", 256), "z"}
	values := []Value{String("x"), String(""), String("a \"quoted\" <b>"), String(strings.Repeat("s", 255)), String(strings.Repeat("s", 256)),
		Int(3), Int(-12345678901), Bool(true), Bool(false), Float(1.5), Float(176.51000000000002), Float(math.NaN()), Float(math.Inf(-1)),
		Time(testTime), NullValue(), Inc(2), {}, Strings([]string{"a"}), Strings([]string{strings.Repeat("s", 256)}),
		AddRemove([]string{"a"}, nil), AddRemove(nil, nil), ObjectOf(Properties{Prop("n", Int(1))}), Array([]Value{Int(1)})}
	rng := rand.New(rand.NewPCG(7, 8))
	flagged := map[bool]int{}
	for range 20000 {
		ps := randomMembers(rng, keys, values, 7)
		want := []byte("{")
		var wantErr error
		for i := range ps {
			b, err := ps[i].Value.appendJSON(jsonenc.AppendKey(want, ps[i].Key))
			if err != nil {
				wantErr = err
				break
			}
			want = append(b, ',')
		}
		for _, rule := range []memberRule{propertyMember, customMember} {
			plain := fullPlainCheck(ps, rule)
			flagged[plain]++
			for _, start := range []memberEncoder{{check: true}, {}, {check: true, irregular: true}} {
				enc := start
				w := beginObject(nil)
				err := appendMembers(&w, ps, rule, &enc)
				wantIrregular := start.irregular || start.check && !plain
				require.Equal(t, wantIrregular, enc.irregular, "rule %d check %v %v", rule, start.check, ps)
				if wantErr != nil {
					require.ErrorIs(t, err, wantErr, "%v", ps)
					continue
				}
				require.NoError(t, err, "%v", ps)
				require.Equal(t, string(want), string(w.buf), "%v", ps)
			}
		}
	}
	assert.Greater(t, flagged[true], 1000)
	assert.Greater(t, flagged[false], 1000)
}

// randomMembers returns a list of fewer than n members drawn from keys and
// values, sorted by key half the time: the random lists on which the
// fast-path member checks are compared with fullPlainCheck.
func randomMembers(rng *rand.Rand, keys []string, values []Value, n int) Properties {
	ps := make(Properties, rng.IntN(n))
	for i := range ps {
		ps[i] = Prop(keys[rng.IntN(len(keys))], values[rng.IntN(len(values))])
	}
	if rng.IntN(2) == 0 {
		slices.SortFunc(ps, compareKeys)
	}
	return ps
}

// fullPlainCheck is the answer the fast-path member checks must give,
// computed the long way: no key twice, and every member rule.plainKey and
// rule.plainValue.
func fullPlainCheck(ps Properties, rule memberRule) bool {
	plain := !hasDuplicateKey(ps)
	for i := range ps {
		plain = plain && rule.plainKey(ps[i].Key) && rule.plainValue(&ps[i].Value)
	}
	return plain
}
