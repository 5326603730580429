package httpretry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRemoveEmptyPort(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "example.com:": "example.com", "example.com:443": "example.com:443",
		"[::1]": "[::1]", "[::1]:": "[::1]", "[::1]:80": "[::1]:80", "": "",
	} {
		assert.Equal(t, want, removeEmptyPort(in), in)
	}
}

// The fast path (known method, cached URL) and net/http's own path send
// the same request, every time.
func TestRequestBuiltLikeNetHTTP(t *testing.T) {
	type seen struct {
		method, path, query, host, body string
		length                          int64
	}
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, string(b), r.ContentLength})
	}))
	defer srv.Close()
	c := New(Config{})
	for _, m := range []string{http.MethodPost, http.MethodPost, "REPORT"} {
		res := c.Send(context.Background(), Request{Method: m, URL: srv.URL + "/a/b?x=1", Body: []byte(`{"k":1}`)})
		require.Equal(t, Answered, res.Failure)
		require.NoError(t, res.Response.Body.Close())
	}
	res := c.Send(context.Background(), Request{Method: http.MethodPost, URL: srv.URL + "/empty"})
	require.Equal(t, Answered, res.Failure)
	require.NoError(t, res.Response.Body.Close())
	host := srv.Listener.Addr().String()
	want := seen{http.MethodPost, "/a/b", "x=1", host, `{"k":1}`, 7}
	report := want
	report.method = "REPORT"
	// An empty body goes out as before this path existed: net/http sees a
	// non-nil body of length 0, finds it empty and sends no length (-1).
	assert.Equal(t, []seen{want, want, report, {http.MethodPost, "/empty", "", host, "", -1}}, got)

	res = c.Send(context.Background(), Request{Method: http.MethodPost, URL: "http://bad host/", Body: []byte(`{}`)})
	assert.Equal(t, TransportFailed, res.Failure)
	assert.Error(t, res.Err)
	res = c.Send(context.Background(), Request{Method: "BAD METHOD", URL: srv.URL, Body: []byte(`{}`)})
	assert.Equal(t, TransportFailed, res.Failure)
	assert.ErrorContains(t, res.Err, "invalid method")
}
