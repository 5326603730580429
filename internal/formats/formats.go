// Package formats checks the shapes of identifiers the Braze and mParticle
// APIs share, so that packages braze and mapping accept exactly the same
// values.
package formats

// IsCurrencyCode reports whether s has the shape of an ISO 4217 alphabetic
// code: three upper-case ASCII letters. Whether the code is assigned is not
// checked; Braze does not check it either.
func IsCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// IsUUID reports whether s has the 8-4-4-4-12 hexadecimal shape of a UUID
// (either case), which Braze subscription group ids have. The version and
// variant bits are not checked.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range 36 {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
