package currents

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/mpbraze/mpbraze/internal/secret"
)

// tokenMatches reports, in constant time, whether presented equals the
// expected token. Both sides are hashed first so that the comparison takes
// the same time whatever the presented token's length (ConstantTimeCompare
// returns early on a length mismatch).
func tokenMatches(expected secret.Secret, presented string) bool {
	want := sha256.Sum256([]byte(expected.Reveal()))
	got := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1 && !expected.IsZero()
}
