package currents

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
)

// bearerToken holds the expected Currents token. Only its SHA-256 digest is
// kept: comparing digests takes the same time whatever the presented
// token's length, and there is no plain token in memory to leak. It prints
// as [REDACTED] in every format and in logs.
type bearerToken struct {
	digest [sha256.Size]byte
	set    bool
}

func newBearerToken(t string) bearerToken {
	return bearerToken{digest: sha256.Sum256([]byte(t)), set: true}
}

// matches reports, in constant time, whether presented is the token.
func (b bearerToken) matches(presented string) bool {
	d := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(d[:], b.digest[:]) == 1 && b.set
}

const redacted = "[REDACTED]"

func (bearerToken) String() string               { return redacted }
func (bearerToken) GoString() string             { return redacted }
func (bearerToken) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (bearerToken) MarshalText() ([]byte, error) { return []byte(redacted), nil }
