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
