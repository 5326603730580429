package httpretry

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hashicorp/go-retryablehttp"
)

// maxCachedURLs bounds urlCache: the clients call a handful of fixed
// endpoints, so more distinct URLs than this means the caller builds them
// per call, and those are parsed per call as net/http would.
const maxCachedURLs = 64

// urlCache keeps the parsed form of the URLs a client calls, so that a call
// copies a parsed URL instead of parsing its string again (two allocations).
type urlCache struct {
	mu   sync.RWMutex
	urls map[string]*url.URL // never modified once stored
}

// parsed returns rawURL parsed as http.NewRequest parses it (empty port
// removed from the host); the result must not be modified.
func (uc *urlCache) parsed(rawURL string) (*url.URL, error) {
	uc.mu.RLock()
	u := uc.urls[rawURL]
	uc.mu.RUnlock()
	if u != nil {
		return u, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Host = removeEmptyPort(u.Host)
	uc.mu.Lock()
	if len(uc.urls) < maxCachedURLs {
		if uc.urls == nil {
			uc.urls = make(map[string]*url.URL)
		}
		uc.urls[rawURL] = u
	}
	uc.mu.Unlock()
	return u, nil
}

// removeEmptyPort strips a trailing ":" (a port separator with no port),
// as net/http does for a request's host.
func removeEmptyPort(host string) string {
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// knownMethod reports whether method is one net/http accepts without
// checking (the fast path below skips net/http's method validation).
func knownMethod(method string) bool {
	switch method {
	case http.MethodPost, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead:
		return true
	}
	return false
}

// newRequest builds the call's retryablehttp request in st, with ctx as the
// request context: what retryablehttp.NewRequestWithContext builds, minus
// the URL parsing (cached), the header map (the caller's, see
// Request.Header) and the wrapper (held in st). An unknown method takes
// net/http's own path, with its validation and errors.
func (c *Client) newRequest(st *callState, ctx context.Context) (*retryablehttp.Request, error) {
	req := &st.req
	if !knownMethod(req.Method) {
		rreq, err := retryablehttp.NewRequestWithContext(ctx, req.Method, req.URL, req.Body)
		if err != nil {
			return nil, err
		}
		c.setHeader(rreq.Request, req.Header)
		return rreq, nil
	}
	u, err := c.urls.parsed(req.URL)
	if err != nil {
		return nil, err
	}
	st.url = *u
	tmpl := http.Request{
		Method:     req.Method,
		URL:        &st.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Host:       st.url.Host,
	}
	st.rreq.Request = tmpl.WithContext(ctx)
	c.setHeader(st.rreq.Request, req.Header)
	// A *bytes.Buffer (held in st) is replayed like a []byte, one
	// *bytes.Reader over its bytes per attempt, but it fits in an interface
	// without the allocation that boxing a slice takes. Nothing reads from
	// the buffer itself, so its bytes stay whole. (A nil Body is an empty
	// one, as a nil []byte is to retryablehttp.)
	st.body = *bytes.NewBuffer(req.Body)
	if err := st.rreq.SetBody(&st.body); err != nil {
		return nil, err
	}
	return &st.rreq, nil
}

// setHeader gives r the caller's header. Behind net/http's own Transport
// nothing modifies a request's header map (see SharedHeader) except
// net/http's Client adding a cookie jar's cookies, so the caller's map
// serves as is unless a jar is set. Any other RoundTripper (a user's
// middleware, which may write headers into the request although
// RoundTripper's contract forbids it) gets a copy: a write there must
// never reach a map that concurrent calls share.
func (c *Client) setHeader(r *http.Request, h http.Header) {
	switch {
	case h != nil && c.http.Jar == nil && c.netHTTPTransport():
		r.Header = h
	case r.Header == nil:
		r.Header = h.Clone()
		if r.Header == nil {
			r.Header = make(http.Header)
		}
	default:
		for k, v := range h {
			r.Header[k] = v
		}
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
