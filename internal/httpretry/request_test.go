package httpretry

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewRequestMatchesNetHTTP: a request from newRequest (a template's
// copy in front of net/http's Transport, a new request otherwise) has the
// method, URL, protocol and context http.NewRequestWithContext gives, and
// writes the same bytes on the wire; bad methods and URLs fail alike.
func TestNewRequestMatchesNetHTTP(t *testing.T) {
	urls := []string{
		"https://rest.iad-03.braze.com/users/track",
		"http://127.0.0.1:8080/v2/bulkevents?x=1&y=%20",
		"http://example.com:/p", // empty port, removed by both
		"http://[::1]:9/p",
		"https://user:secret@h.example/p",
		"http://h.example/a%2Fb#frag",
		"HTTP://H.Example/Path",
	}
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, 1)
	h := http.Header{"Authorization": {"Bearer k"}, "Content-Type": {"application/json"}}
	clients := map[string]*Client{
		"net/http":    New(Config{}),
		"other":       New(Config{HTTPClient: &http.Client{Transport: roundTripFunc(nil)}}),
		"cookie jar":  New(Config{HTTPClient: &http.Client{Jar: newJar(t)}}),
		"nil default": New(Config{HTTPClient: &http.Client{}}),
	}
	for name, c := range clients {
		for _, method := range []string{http.MethodPost, http.MethodGet, "PATCH"} {
			for _, u := range urls {
				for range 2 { // the first builds the template, the second copies it
					want, err := http.NewRequestWithContext(ctx, method, u, nil)
					require.NoError(t, err)
					got, err := c.newRequest(ctx, method, u)
					require.NoError(t, err)
					require.Same(t, ctx, got.Context())
					assert.Equal(t, *want.URL, *got.URL, "%s %s %s", name, method, u)
					assert.Equal(t, [4]any{want.Method, want.Proto, want.ProtoMajor, want.ProtoMinor},
						[4]any{got.Method, got.Proto, got.ProtoMajor, got.ProtoMinor})
					assert.Nil(t, got.Header, "left for setHeader")
					assert.Nil(t, got.Body)
					c.setHeader(got, h)
					want.Header = h.Clone()
					var wb, gb bytes.Buffer
					require.NoError(t, want.Write(&wb))
					require.NoError(t, got.Write(&gb))
					assert.Equal(t, wb.String(), gb.String(), "%s %s %s", name, method, u)
				}
			}
		}
		for _, bad := range [][2]string{{"GET", "http://h/\x7f"}, {"BAD METHOD", "http://h/"}, {"GET", ":"}} {
			_, want := http.NewRequestWithContext(ctx, bad[0], bad[1], nil)
			require.Error(t, want)
			_, got := c.newRequest(ctx, bad[0], bad[1])
			assert.Equal(t, want.Error(), got.Error(), "%s %q %q", name, bad[0], bad[1])
		}
	}
}

func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return jar
}

// TestNewRequestTemplates: requests from one template are distinct, so a
// body set on one is not seen by the next, and share only the parsed URL;
// behind another RoundTripper, with a cookie jar or a redirect hook
// nothing is shared; at most maxTemplates are
// kept however many URLs are called.
func TestNewRequestTemplates(t *testing.T) {
	c := New(Config{})
	ctx := context.Background()
	a, err := c.newRequest(ctx, http.MethodPost, "http://h.example/x")
	require.NoError(t, err)
	a.Body, a.ContentLength = http.NoBody, 5
	b, err := c.newRequest(ctx, http.MethodPost, "http://h.example/x")
	require.NoError(t, err)
	assert.NotSame(t, a, b)
	assert.Same(t, a.URL, b.URL)
	assert.Nil(t, b.Body)
	assert.Zero(t, b.ContentLength)

	for name, hc := range map[string]*http.Client{
		"other transport": {Transport: roundTripFunc(nil)},
		"cookie jar":      {Jar: newJar(t)},
		"redirect hook":   {CheckRedirect: func(*http.Request, []*http.Request) error { return nil }},
	} {
		other := New(Config{HTTPClient: hc})
		a, _ = other.newRequest(ctx, http.MethodPost, "http://h.example/x")
		b, _ = other.newRequest(ctx, http.MethodPost, "http://h.example/x")
		assert.NotSame(t, a.URL, b.URL, name)
		assert.Equal(t, "h.example", b.Host, name)
	}

	for i := range maxTemplates + 20 {
		u := fmt.Sprintf("http://h.example/%d", i)
		r, err := c.newRequest(ctx, http.MethodGet, u)
		require.NoError(t, err)
		require.Equal(t, u, r.URL.String())
	}
	kept := 0
	c.templates.Range(func(any, any) bool { kept++; return true })
	assert.Equal(t, maxTemplates, kept)
}
