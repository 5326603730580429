package mparticle_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
)

// A base URL holding a credential (user info, query, fragment, or text
// that does not even parse) must not be echoed by the config error, nor
// url.Parse's error text, which quotes the input.
func TestNewClientBaseURLErrorsHideSecrets(t *testing.T) {
	cases := map[string]string{
		"https://u:SECRET@s2s.example/v2?api_key=SECRET2": "user info",
		"https://s2s.example/v2?api_key=SECRET":           "query",
		"https://s2s.example/v2#SECRET":                   "query or fragment",
		"http://s2s.example/v2?api_key=SECRET":            "plain http",
		"ftp://s2s.example/v2?api_key=SECRET":             "scheme",
		"https://s2s.example:SECRET/v2":                   "invalid URL",
		"https://u:SECRET@s2s.example/%zz":                "invalid URL",
		"https:///v2?api_key=SECRET":                      "no host",
	}
	for raw, reason := range cases {
		t.Run(raw, func(t *testing.T) {
			_, err := mparticle.NewClient("k", "s", mparticle.WithBaseURL(raw))
			require.Error(t, err)
			var ce *mparticle.ConfigError
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "WithBaseURL", ce.Option)
			assert.Contains(t, err.Error(), reason)
			assert.NotContains(t, err.Error(), "SECRET")
			var ue *url.Error
			assert.False(t, errors.As(err, &ue))
		})
	}
	_, err := mparticle.NewClient("k", "s", mparticle.WithBaseURL("http://s2s.example/v2"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `WithBaseURL "http://s2s.example/v2"`)
}
