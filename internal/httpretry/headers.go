package httpretry

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names a server may use to say when to come back. Lookups through
// http.Header are case-insensitive, which matters because HTTP/2 lower-cases
// them.
const (
	HeaderXRetryAfter   = "X-Ratelimit-Retry-After" // Braze (MAU pricing) on 429: integer seconds
	HeaderRetryAfter    = "Retry-After"             // RFC 9110: seconds or an HTTP date
	HeaderRateLimitRst  = "X-Ratelimit-Reset"       // epoch seconds, or seconds left
	HeaderRateLimit     = "X-Ratelimit-Limit"
	HeaderRateRemaining = "X-Ratelimit-Remaining"
)

// epochThreshold separates the two meanings of X-RateLimit-Reset: values
// above it (September 2001 onwards) are Unix times, values below are a
// number of seconds left in the window.
const epochThreshold = 1_000_000_000

// RetryableStatus reports whether an HTTP status is worth retrying: 408
// (request timeout), 429 (rate limited) and every 5xx except 501 (not
// implemented, which will not change). All other 4xx are final.
func RetryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code >= 500 && code <= 599:
		return code != http.StatusNotImplemented
	}
	return false
}

// ParseRetryAfter reads the explicit "come back in" headers, in order of
// precedence: X-Ratelimit-Retry-After (integer seconds), then Retry-After
// (delay-seconds or an HTTP date, relative to now). It reports false when
// neither header holds a usable value. Negative results are clamped to 0.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := parseSeconds(h.Get(HeaderXRetryAfter)); ok {
		return d, true
	}
	v := strings.TrimSpace(h.Get(HeaderRetryAfter))
	if v == "" {
		return 0, false
	}
	if d, ok := parseSeconds(v); ok {
		return d, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// ParseReset reads X-RateLimit-Reset: a value above 1e9 is a Unix time
// (Braze's documented form) and becomes the time left until it; a smaller
// value is already the number of seconds left (Braze's MAU-pricing form).
// Fractional seconds are accepted. It reports false when the header is
// absent or malformed.
func ParseReset(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get(HeaderRateLimitRst))
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f != f || f > 1e12 {
		return 0, false
	}
	if f > epochThreshold {
		sec := int64(f)
		at := time.Unix(sec, int64((f-float64(sec))*1e9))
		return max(0, at.Sub(now)), true
	}
	return time.Duration(f * float64(time.Second)), true
}

// ServerHint returns how long the server asked the client to wait before
// retrying resp: X-Ratelimit-Retry-After, then Retry-After, and, for a 429
// only, X-RateLimit-Reset (on other statuses the reset header just describes
// the quota window and says nothing about the failure). ok is false when the
// response carries no hint; resp may be nil.
func ServerHint(resp *http.Response, now time.Time) (d time.Duration, ok bool) {
	if resp == nil {
		return 0, false
	}
	if d, ok := ParseRetryAfter(resp.Header, now); ok {
		return d, true
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return ParseReset(resp.Header, now)
	}
	return 0, false
}

func parseSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > 1<<32 {
		return 0, false
	}
	return max(0, time.Duration(n)*time.Second), true
}
