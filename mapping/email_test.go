package mapping

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mpbraze/mpbraze/braze"
)

// TestPlainEmail holds plainEmail to braze's own check: it may accept only
// what braze.EmailAddress(s).Validate accepts, and up to 255 bytes (all it
// looks at) it must decide as Validate does.
func TestPlainEmail(t *testing.T) {
	check := func(s string) {
		t.Helper()
		valid := braze.EmailAddress(s).Validate() == nil
		fast := plainEmail(s)
		if fast && !valid {
			t.Fatalf("plainEmail(%q) accepts what Validate refuses", s)
		}
		if len(s) <= braze.MaxStringLength && fast != valid {
			t.Fatalf("plainEmail(%q) = %v, Validate accepts: %v", s, fast, valid)
		}
	}
	for _, s := range []string{"", "@", "a@", "@b", "a@b", "a@b@", "a@@b", "@a@b", "a b@c", "a@b\tc", "a@b\n", "\ra@b",
		"user@example.com", "ü@é.de", strings.Repeat("a", 250) + "@b.co", strings.Repeat("a", 251) + "@b.co",
		strings.Repeat("é", 120) + "@b.co", strings.Repeat("é", 127) + "@b"} {
		check(s)
	}
	alphabet := []string{"a", "Z", "0", ".", "@", "@", " ", "\t", "\r", "\n", "\v", "\x00", "é", "\xff"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := rng.IntN(12)
		if rng.IntN(50) == 0 {
			n = 240 + rng.IntN(30)
		}
		var b strings.Builder
		for range n {
			if n > 200 && rng.IntN(8) != 0 {
				b.WriteByte('x')
				continue
			}
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		check(b.String())
	}
}
