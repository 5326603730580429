package mparticle

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCustomerIDSpellings(t *testing.T) {
	var u UserIdentities
	require.NoError(t, json.Unmarshal([]byte(`{"customerid":"c-1","email":"a@b"}`), &u))
	id, ok := u.Get(IdentityCustomerID)
	assert.True(t, ok)
	assert.Equal(t, "c-1", id)
	out, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"customerid":"c-1","email":"a@b"}`, string(out), "spelling read is written back")

	u = UserIdentities{}
	require.NoError(t, json.Unmarshal([]byte(`{"customer_id":"c-2"}`), &u))
	out, err = json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"customer_id":"c-2"}`, string(out))

	built := UserIdentities{CustomerID: "c-3"}
	out, err = json.Marshal(built)
	require.NoError(t, err)
	assert.JSONEq(t, `{"customer_id":"c-3"}`, string(out), "Go-built identities use customer_id")

	// Both spellings in one object: nothing is lost.
	in := `{"customer_id":"a","customerid":"b"}`
	u = UserIdentities{}
	require.NoError(t, json.Unmarshal([]byte(in), &u))
	assert.Equal(t, "a", u.CustomerID)
	out, err = json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}

func TestIdentityGetSet(t *testing.T) {
	var u *UserIdentities
	_, ok := u.Get(IdentityEmail)
	assert.False(t, ok, "nil receiver has no identities")
	assert.Equal(t, 0, u.Len())

	u = &UserIdentities{}
	for i, typ := range IdentityTypes() {
		require.True(t, u.Set(typ, "v"+string(rune('a'+i))), typ)
	}
	assert.Equal(t, 22, u.Len())
	v, ok := u.Get(IdentityOther10)
	assert.True(t, ok)
	assert.Equal(t, "v"+string(rune('a'+11)), v)
	assert.Equal(t, u.OtherID10, v)
	v, _ = u.Get("customerid")
	assert.Equal(t, u.CustomerID, v)
	assert.False(t, u.Set("nope", "x"))

	out, err := json.Marshal(u)
	require.NoError(t, err)
	var m map[string]string
	require.NoError(t, json.Unmarshal(out, &m))
	for _, typ := range IdentityTypes() {
		assert.Contains(t, m, string(typ))
	}

	// Set("") removes the identity from output, even one read as null.
	require.NoError(t, json.Unmarshal([]byte(`{"email":null}`), u))
	u.Set(IdentityEmail, "")
	out, err = json.Marshal(u)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "email")
}

func TestUnknownIdentityKeysKept(t *testing.T) {
	in := `{"email":"a@b","future_id":{"x":1}}`
	var u UserIdentities
	require.NoError(t, json.Unmarshal([]byte(in), &u))
	assert.Contains(t, u.Unknown, "future_id")
	out, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}

func TestBatchSetIdentity(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	require.NoError(t, b.SetIdentity(IdentityEmail, "a@b"))
	assert.Error(t, b.SetIdentity("bogus", "x"))
	v, ok := b.UserIdentities.Get(IdentityEmail)
	assert.True(t, ok)
	assert.Equal(t, "a@b", v)
}

// TestCommonIdentityAtExactly: commonIdentityAt takes `"customer_id":`
// and `"email":` wherever the input ends after them, and none of their
// one-byte changes (a longer or shorter key, another quote or colon), nor
// a member the input cuts short: those go to objectKey.
func TestCommonIdentityAtExactly(t *testing.T) {
	for member, want := range map[string]IdentityType{`"customer_id":`: IdentityCustomerID, `"email":`: IdentityEmail} {
		for _, tail := range []string{"", `"v"}`, `"a longer value","other":"x"}`} {
			in := []byte("x" + member + tail)
			if got, next := commonIdentityAt(in, 1); got != want || next != 1+len(member) {
				t.Errorf("%q: %q, %d; want %q, %d", in, got, next, want, 1+len(member))
			}
			if _, next := commonIdentityAt(in[:len(member)], 1); next != 0 {
				t.Errorf("%q: took a member cut short", in[:len(member)])
			}
			for i := range member {
				for c := range 256 {
					if byte(c) == member[i] {
						continue
					}
					mut := []byte("x" + member + tail)
					mut[1+i] = byte(c)
					if got, next := commonIdentityAt(mut, 1); next != 0 {
						t.Errorf("%q: %q, %d; want 0", mut, got, next)
					}
				}
			}
		}
	}
}

// TestUserIdentitiesCompactEqualsSpaced: the identities read through
// commonIdentityAt (compact JSON) decode as through objectKey (a space
// before each colon), including both spellings of customer id in either
// order, where the second is kept verbatim.
func TestUserIdentitiesCompactEqualsSpaced(t *testing.T) {
	for _, in := range []string{
		`{"customer_id":"c-1","email":"a@b","other":"o"}`,
		`{"customerid":"c-1","customer_id":"c-2","email":null}`,
		`{"customer_id":"c-1","customerid":"c-2","email":"e","email":"f"}`,
		`{"email":"a\u0040b","customer_id":"c"}`,
	} {
		batch := []byte(`{"user_identities":` + in + `}`)
		got := decodeOutcome(batch)
		require.Equal(t, got, decodeOutcome(spacedColons(batch)), in)
		require.NotContains(t, got, "error", in)
	}
	for _, bad := range []string{`{"customer_id":1}`, `{"email":[]}`} {
		batch := []byte(`{"user_identities":` + bad + `}`)
		got := decodeOutcome(batch)
		require.Equal(t, got, decodeOutcome(spacedColons(batch)), bad)
		require.Contains(t, got, "error at user_identities.", bad)
	}
}
