package testhttp

import (
	"bytes"
	"compress/gzip"
	"io"
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
