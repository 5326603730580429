// Package testhttp holds the request helpers that the handler tests of
// several packages share (the Currents handler, the audience handler): a
// gzip encoder and an authenticated JSON POST request.
package testhttp

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
)

// Gzip returns data gzip-compressed. Writing to memory cannot fail.
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return buf.Bytes()
}

// NewRequest returns a POST of wire to path with a bearer token and a JSON
// content type; gzipped adds Content-Encoding: gzip (wire must already be
// compressed, see Gzip, or deliberately not be).
func NewRequest(path, token string, wire []byte, gzipped bool) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(wire))
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Content-Type", "application/json")
	if gzipped {
		r.Header.Set("Content-Encoding", "gzip")
	}
	return r
}

// PostStatus sends an authenticated JSON POST of body to url through c and
// returns the answer's status, the body discarded. An error means no answer.
func PostStatus(c *http.Client, url, token string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
