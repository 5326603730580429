package braze_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
)

// A base URL holding a credential (user info, query, fragment, or text
// that does not even parse) must not be echoed by the config error.
func TestNewClientBaseURLErrorsHideSecrets(t *testing.T) {
	cases := map[string]string{
		"https://u:SECRET@rest.example/?api_key=SECRET2": "credentials",
		"https://rest.example/?api_key=SECRET":           "query",
		"https://rest.example/#SECRET":                   "query or fragment",
		"http://rest.example/?api_key=SECRET":            "query",
		"ftp://u:SECRET@rest.example":                    "credentials",
		"https://rest.example:SECRET/":                   "not an absolute URL",
		"https://u:SECRET@rest.example/%zz":              "not an absolute URL",
		"rest.example?api_key=SECRET":                    "not an absolute URL",
	}
	for raw, reason := range cases {
		t.Run(raw, func(t *testing.T) {
			_, err := braze.NewClient("k", braze.WithBaseURL(raw))
			require.Error(t, err)
			var ce *braze.ConfigError
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "WithBaseURL", ce.Option)
			assert.Contains(t, err.Error(), reason)
			assert.NotContains(t, err.Error(), "SECRET")
			var ue *url.Error
			assert.False(t, errors.As(err, &ue))
		})
	}
	// The value shown is scheme, host and path, so the field is still
	// identifiable.
	_, err := braze.NewClient("k", braze.WithBaseURL("http://rest.example/braze"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `WithBaseURL "http://rest.example/braze"`)
}
