package httpretry

import "net/http"

// setHeader gives r the caller's header. Behind net/http's own Transport
// nothing modifies a request's header map (see SharedHeader) except
// net/http's Client adding a cookie jar's cookies, so the caller's map
// serves as is unless a jar is set. Any other RoundTripper (a user's
// middleware, which may write headers into the request although
// RoundTripper's contract forbids it) gets a copy: a write there must
// never reach a map that concurrent calls share.
func (c *Client) setHeader(r *http.Request, h http.Header) {
	if h != nil && c.http.Jar == nil && c.netHTTPTransport() {
		r.Header = h
		return
	}
	for k, v := range h {
		r.Header[k] = v
	}
}

// netHTTPTransport reports whether requests go through net/http's own
// Transport, which never writes to a request's header.
func (c *Client) netHTTPTransport() bool {
	switch c.http.Transport.(type) {
	case *http.Transport:
		return true
	case nil:
		_, ok := http.DefaultTransport.(*http.Transport)
		return ok
	}
	return false
}
