package testhttp

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGzipRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte(`{"k":"v"}`), 100)
	zr, err := gzip.NewReader(bytes.NewReader(Gzip(data)))
	require.NoError(t, err)
	got, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func TestNewRequestHeaders(t *testing.T) {
	r := NewRequest("/p", "tok", []byte("{}"), true)
	require.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.Equal(t, "gzip", r.Header.Get("Content-Encoding"))
	require.Empty(t, NewRequest("/p", "tok", nil, false).Header.Get("Content-Encoding"))
}

func TestPostStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) != "{}" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	code, err := PostStatus(srv.Client(), srv.URL, "tok", []byte("{}"))
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, code)
	code, err = PostStatus(srv.Client(), srv.URL, "other", []byte("{}"))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, code)
	srv.Close()
	_, err = PostStatus(srv.Client(), srv.URL, "tok", []byte("{}"))
	require.Error(t, err)
}
