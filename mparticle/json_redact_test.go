package mparticle

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretsNeverPrinted(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"environment":"production","api_key":"us1-secret-key","api_keys":["k1"],"mpid":5}`))
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(b), fmt.Sprintf("%v %+v %#v %s", *b, b, b, b)} {
		assert.NotContains(t, s, "secret-key")
		assert.NotContains(t, s, "k1")
		assert.Contains(t, s, redacted)
	}
	// Encoding is untouched.
	out, err := b.Encode()
	require.NoError(t, err)
	assert.Contains(t, string(out), "us1-secret-key")

	m, err := DecodeAudienceMembershipChangeRequest(mustRead(t, "testdata/audience_membership_change_request.json"))
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(m), fmt.Sprintf("%+v %#v %v %s", m, m, *m.Account, m.Account)} {
		assert.NotContains(t, s, "partner-app-key-redacted")
	}
	raw, err := json.Marshal(m.Account)
	require.NoError(t, err)
	assert.Contains(t, string(raw), "partner-app-key-redacted", "JSON keeps the settings")
}
