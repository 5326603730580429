package braze

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// randomEmailish returns short strings over the bytes an email check
// looks at, and now and then one near the 255-byte limit.
func randomEmailish(rng *rand.Rand) string {
	alphabet := []string{"a", "Z", "0", ".", "@", "@", " ", "\t", "\r", "\n", "\v", "\x00", "é", "\xff"}
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
	return b.String()
}

var emailEdgeCases = []string{"", "@", "a@", "@b", "a@b", "a@b@", "a@@b", "@a@b", "a b@c", "a@b\tc", "a@b\n", "\ra@b",
	"user@example.com", "ü@é.de", strings.Repeat("a", 250) + "@b.co", strings.Repeat("a", 251) + "@b.co",
	strings.Repeat("é", 120) + "@b.co", strings.Repeat("é", 127) + "@b"}

// TestPlainEmailMatchesCheckEmail holds plainEmail to checkEmail, the rule
// it shortcuts: it may accept only what checkEmail accepts, and up to 255
// bytes (all it looks at) it must decide the same.
func TestPlainEmailMatchesCheckEmail(t *testing.T) {
	check := func(s string) {
		t.Helper()
		var errs ValidationErrors
		checkEmail(loc{}, s, &errs)
		valid, fast := len(errs) == 0, plainEmail(s)
		if fast && !valid {
			t.Fatalf("plainEmail(%q) accepts what checkEmail refuses", s)
		}
		if len(s) <= MaxStringLength && fast != valid {
			t.Fatalf("plainEmail(%q) = %v, checkEmail accepts: %v", s, fast, valid)
		}
	}
	for _, s := range emailEdgeCases {
		check(s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(randomEmailish(rng))
	}
}

// TestPlainEmailWordsMatchBytes holds plainEmail's word test to the byte
// loop it shortcuts, on every length: addresses with each special byte
// ('@', the space class, other bytes below '!', '!', non-ASCII bytes whose
// XOR with '@' has no zero byte or has one only after a borrow) at every
// offset, and random strings over an alphabet rich in them.
func TestPlainEmailWordsMatchBytes(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := plainEmail(s), plainEmailBytes(s); got != want {
			t.Fatalf("plainEmail(%q) = %v, the byte loop says %v", s, got, want)
		}
	}
	specials := []string{"@", " ", "\t", "\r", "\n", "\x00", "\x01", "\v", "\x1f", "!", "\x80", "\xc0", "\x41", "\x3f", "é", "\xff"}
	for n := range 40 {
		for _, sp := range specials {
			for off := 0; off <= n; off++ {
				base := []byte(strings.Repeat("a", n))
				if n > 4 {
					base[n/2] = '@' // an address, whose '@' the special may join
				}
				check(string(base[:off]) + sp + string(base[off:]))
				check(string(base[:off]) + sp)
				check(sp + string(base[off:]))
			}
		}
	}
	for _, n := range []int{250, 254, 255, 256, 300} {
		check(strings.Repeat("a", n/2) + "@" + strings.Repeat("b", n-n/2-1))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", ".", "@", "@", " ", "\t", "\n", "\x00", "!", "\x80", "\xc0", "é"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(4) == 0 {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			} else {
				b.WriteByte('x')
			}
		}
		check(b.String())
	}
}

// TestPlainIdentifierAcceptsOnlyValid holds Identifier.plain, email-only
// forms included, to the full checks it skips: whatever it accepts, the
// full validation (plain bypassed) accepts too, and an ordinary email
// address alone, with or without a phone, takes the cheap path.
func TestPlainIdentifierAcceptsOnlyValid(t *testing.T) {
	full := func(id Identifier) bool {
		var errs ValidationErrors
		switch n := id.primaries(); {
		case n > 1:
			return false
		case n == 0 && id.Email == "" && id.Phone == "":
			return false
		}
		if id.Email != "" {
			checkEmail(loc{}, id.Email, &errs)
		}
		if id.Phone != "" {
			checkPhone(loc{}, id.Phone, &errs)
		}
		if id.ExternalID != "" || id.UserAlias != nil || id.BrazeID != "" {
			// Primary identifiers: validate's own rules decide (plain's
			// forms with them are covered by the encoder's tests).
			v := id
			v.Email, v.Phone = "", ""
			return len(errs) == 0 && v.Validate() == nil
		}
		return len(errs) == 0
	}
	rng := rand.New(rand.NewPCG(3, 4))
	phones := []string{"", "", "+14155550123", " ", "12\x01", "555"}
	for i := range 20000 {
		id := Identifier{Email: randomEmailish(rng), Phone: phones[rng.IntN(len(phones))]}
		if i < len(emailEdgeCases) {
			id.Email = emailEdgeCases[i]
		}
		switch rng.IntN(8) {
		case 0:
			id.BrazeID = "b-1"
		case 1:
			id.ExternalID = "u-1"
		}
		if id.plain() && !full(id) {
			t.Fatalf("plain accepts %+v, which the full checks refuse", id)
		}
	}
	for _, id := range []Identifier{EmailAddress("user@example.com"), {Email: "a@b.co", Phone: "+14155550123"}} {
		if !id.plain() {
			t.Errorf("an ordinary email identifier %+v misses the cheap path", id)
		}
	}
	for _, id := range []Identifier{{}, {Phone: "+14155550123"}, {BrazeID: "b-1", Email: "a@b.co"}, EmailAddress("a b@c")} {
		if id.plain() {
			t.Errorf("plain accepts %+v, which validate must look at", id)
		}
	}
}
