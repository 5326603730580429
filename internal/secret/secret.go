// Package secret holds credentials (API keys, shared secrets, tokens) in a
// type that refuses to print them.
//
// A Secret formats as "[redacted]" through fmt (every verb, including %v,
// %+v, %#v, %s, %q and %x), String, GoString, encoding/json, encoding.TextMarshaler
// and log/slog. The only way to read the value is Reveal, which keeps every
// use that puts the credential on the wire easy to find.
//
// Secret is a struct holding a pointer rather than a named string type on
// purpose: fmt cannot call methods on unexported struct fields, so a
// `key string`-kind field inside another struct (a client, an option set)
// would be printed verbatim by %v/%+v. A pointer field prints only as an
// address, so a Secret stays hidden even when embedded unexported.
package secret

import (
	"fmt"
	"log/slog"
	"net/url"
)

// Redacted is what every printed form of a Secret shows.
const Redacted = "[redacted]"

// Secret is a credential that never prints its value. The zero value is an
// empty secret. Secrets are immutable and safe to copy and share.
type Secret struct {
	v *string
}

// New wraps s in a Secret.
func New(s string) Secret { return Secret{v: &s} }

// Reveal returns the credential. Call it only where the value goes on the
// wire (an Authorization header), never to log or wrap in an error.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// Equal reports whether s and o hold the same credential.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// String returns "[redacted]".
func (s Secret) String() string { return Redacted }

// GoString returns "[redacted]" so that %#v does not show the value.
func (s Secret) GoString() string { return Redacted }

// Format writes "[redacted]" for every fmt verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON encodes the secret as the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns "[redacted]" (used by slog's text handler and others).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes log/slog print "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// URL describes u for an error message or a log line: scheme, host and
// path only. User info, query and fragment are dropped because they are
// where credentials hide ("https://user:key@host", "?api_key=…"), and the
// raw text of an unparseable URL must not be echoed for the same reason
// (pass nil: the result is then empty).
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	safe := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	if u.Opaque != "" {
		// "scheme:opaque" (no //host): the opaque part may be anything,
		// credentials included; show only the scheme.
		return u.Scheme + ":" + Redacted
	}
	return safe.String()
}
