package braze

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOptionalThreeStates pins every predicate on each state, including a
// value that is its type's zero value: set to "" is set, not absent. IsSet
// means "holds a value" (as in package mparticle); "sent at all", which the
// encoders need, is !IsAbsent.
func TestOptionalThreeStates(t *testing.T) {
	cases := []struct {
		name                        string
		o                           Optional[string]
		set, null, absent, zero, ok bool
		get, or, str                string
	}{
		{name: "absent", o: Optional[string]{}, absent: true, zero: true, get: "", or: "def", str: "absent"},
		{name: "null", o: Null[string](), null: true, get: "", or: "def", str: "null"},
		{name: "set", o: Set("Ada"), set: true, ok: true, get: "Ada", or: "Ada", str: `"Ada"`},
		{name: "set to the zero value", o: Set(""), set: true, ok: true, get: "", or: "", str: `""`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.set, c.o.IsSet(), "IsSet")
			assert.Equal(t, c.null, c.o.IsNull(), "IsNull")
			assert.Equal(t, c.absent, c.o.IsAbsent(), "IsAbsent")
			assert.Equal(t, c.zero, c.o.IsZero(), "IsZero")
			v, ok := c.o.Get()
			assert.Equal(t, c.ok, ok, "Get's bool")
			assert.Equal(t, c.get, v, "Get's value")
			assert.Equal(t, c.or, c.o.Or("def"), "Or")
			assert.Equal(t, c.str, c.o.String(), "String")
		})
	}
}

// A user struct with Optional fields behaves with plain encoding/json too.
type optionalHolder struct {
	Name Optional[string]    `json:"name,omitzero"`
	When Optional[time.Time] `json:"when,omitzero"`
	Num  Optional[int]       `json:"num,omitzero"`
}

func TestOptionalJSONGolden(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		in   optionalHolder
		want string
	}{
		{"absent", optionalHolder{}, `{}`},
		{"set", optionalHolder{Name: Set("x"), When: Set(time.Date(2025, 1, 1, 1, 0, 0, 0, cet)), Num: Set(0)}, `{"name":"x","when":"2025-01-01T00:00:00Z","num":0}`},
		{"null", optionalHolder{Name: Null[string](), When: Null[time.Time](), Num: Null[int]()}, `{"name":null,"when":null,"num":null}`},
		{"set to empty string", optionalHolder{Name: Set("")}, `{"name":""}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, string(b))
			var back optionalHolder
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, c.in.Name, back.Name)
			assert.Equal(t, c.in.Num, back.Num)
			assert.Equal(t, c.in.When.IsSet(), back.When.IsSet())
			assert.Equal(t, c.in.When.IsNull(), back.When.IsNull())
		})
	}
}

func TestOptionalAbsentAloneIsAnError(t *testing.T) {
	_, err := json.Marshal(Optional[string]{})
	assert.ErrorIs(t, err, errAbsentOptional)
	type noOmit struct {
		X Optional[string] `json:"x"`
	}
	_, err = json.Marshal(noOmit{})
	assert.Error(t, err, "an absent field without omitzero must not silently become null")
}

func TestOptionalUnmarshalErrors(t *testing.T) {
	var o Optional[int]
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &o))
	assert.True(t, o.IsAbsent(), "a failed decode leaves the Optional absent")
}
