package secret

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBaseURL(t *testing.T) {
	base, shown, problems := BaseURL(" https://rest.example/api/ ", false)
	assert.Equal(t, "https://rest.example/api", base)
	assert.Equal(t, "https://rest.example/api/", shown)
	assert.Nil(t, problems)

	base, _, problems = BaseURL("http://127.0.0.1:1", true)
	assert.Equal(t, "http://127.0.0.1:1", base)
	assert.Nil(t, problems)

	// Every problem is reported, in a fixed order, and the value shown
	// keeps only scheme, host and path.
	base, shown, problems = BaseURL("ftp://u:SECRET@h.example/p?key=SECRET", false)
	assert.Empty(t, base)
	assert.Equal(t, "ftp://h.example/p", shown)
	assert.Equal(t, []string{
		"must not contain user info (credentials); pass the keys to NewClient",
		"scheme must be https (or http with WithAllowHTTP)",
		"must not have a query or fragment",
	}, problems)

	_, shown, problems = BaseURL("https://h.example:SECRET/", false)
	assert.Empty(t, shown, "an unparseable URL is not shown")
	assert.Len(t, problems, 1)
	assert.NotContains(t, problems[0], "SECRET")

	_, _, problems = BaseURL("https:///v2", false)
	assert.Equal(t, []string{"no host (not an absolute URL)"}, problems)
	_, _, problems = BaseURL("http://h.example", false)
	assert.Equal(t, []string{"plain http is refused; use https, or WithAllowHTTP for tests and fakes"}, problems)
}
