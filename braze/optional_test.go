package braze

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionalThreeStates(t *testing.T) {
	var absent Optional[string]
	assert.False(t, absent.IsSet())
	assert.False(t, absent.IsNull())
	assert.True(t, absent.IsZero())
	_, ok := absent.Value()
	assert.False(t, ok)
	assert.Equal(t, "absent", absent.String())

	set := Set("Ada")
	assert.True(t, set.IsSet())
	assert.False(t, set.IsNull())
	v, ok := set.Value()
	assert.True(t, ok)
	assert.Equal(t, "Ada", v)
	assert.Equal(t, `"Ada"`, set.String())

	null := Null[string]()
	assert.True(t, null.IsSet())
	assert.True(t, null.IsNull())
	_, ok = null.Value()
	assert.False(t, ok)
	assert.Equal(t, "null", null.String())
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
	assert.False(t, o.IsSet())
}
