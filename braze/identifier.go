package braze

import (
	"strconv"
	"strings"

	"github.com/mpbraze/mpbraze/internal/jsonenc"
)

// UserAlias identifies a user by a (label, name) pair instead of an external
// id, for example {AliasLabel: "mparticle_id", AliasName: "8217361"}. Braze
// keeps at most one name per label per user; both parts are case-sensitive,
// non-empty and at most 236 bytes.
type UserAlias struct {
	// AliasName is the user's id within the label's namespace.
	AliasName string `json:"alias_name"`
	// AliasLabel names the namespace, e.g. "mparticle_id".
	AliasLabel string `json:"alias_label"`
}

// Identifier names the user a /users/track object applies to. Braze needs
// exactly one primary identifier (ExternalID, UserAlias or BrazeID) or, with
// no primary, Email or Phone (Email wins when both are given). With a primary
// identifier present, Email and Phone are ordinary profile attributes: that
// is how Braze treats them, so Attributes sets the email address and phone
// number through these fields.
//
// Identifier is embedded in Attributes, Event and Purchase; its fields are
// encoded inline and omitted when empty.
type Identifier struct {
	// ExternalID is the caller's user id (at most 987 bytes).
	ExternalID string `json:"external_id,omitempty"`
	// UserAlias identifies an alias-only (anonymous) user.
	UserAlias *UserAlias `json:"user_alias,omitempty"`
	// BrazeID is the id Braze generated for the profile.
	BrazeID string `json:"braze_id,omitempty"`
	// Email is a lookup key without a primary id, an attribute with one.
	Email string `json:"email,omitempty"`
	// Phone is a lookup key without a primary id, an attribute with one.
	// Braze recommends E.164 (+14155550100).
	Phone string `json:"phone,omitempty"`
}

// ExternalID returns an Identifier for the given external id.
func ExternalID(id string) Identifier { return Identifier{ExternalID: id} }

// Alias returns an Identifier for the user alias (name, label).
func Alias(name, label string) Identifier {
	return Identifier{UserAlias: &UserAlias{AliasName: name, AliasLabel: label}}
}

// BrazeID returns an Identifier for a Braze-generated user id.
func BrazeID(id string) Identifier { return Identifier{BrazeID: id} }

// EmailAddress returns an Identifier that looks the user up by email address.
func EmailAddress(email string) Identifier { return Identifier{Email: email} }

// PhoneNumber returns an Identifier that looks the user up by phone number.
func PhoneNumber(phone string) Identifier { return Identifier{Phone: phone} }

// primaries counts the primary identifiers that are set.
func (id Identifier) primaries() int {
	n := 0
	if id.ExternalID != "" {
		n++
	}
	if id.UserAlias != nil {
		n++
	}
	if id.BrazeID != "" {
		n++
	}
	return n
}

// Key returns a stable string naming the user this identifier resolves to in
// Braze, e.g. "external_id:cust-1", "user_alias:12:mparticle_id:8217361"
// (the label's byte length keeps label and name apart), "braze_id:…",
// "email:…" or "phone:…". The primary identifier wins; without one, email
// wins over phone, as in Braze. Two objects with the same key update the same
// profile, which is what the batcher needs to keep one user's objects in
// order. An empty Identifier has the key "".
func (id Identifier) Key() string {
	switch {
	case id.ExternalID != "":
		return "external_id:" + id.ExternalID
	case id.UserAlias != nil:
		var b strings.Builder
		b.Grow(len("user_alias:") + 4 + len(id.UserAlias.AliasLabel) + len(id.UserAlias.AliasName))
		b.WriteString("user_alias:")
		b.WriteString(strconv.Itoa(len(id.UserAlias.AliasLabel)))
		b.WriteByte(':')
		b.WriteString(id.UserAlias.AliasLabel)
		b.WriteByte(':')
		b.WriteString(id.UserAlias.AliasName)
		return b.String()
	case id.BrazeID != "":
		return "braze_id:" + id.BrazeID
	case id.Email != "":
		return "email:" + id.Email
	case id.Phone != "":
		return "phone:" + id.Phone
	}
	return ""
}

// Validate checks Braze's identifier rules: exactly one primary identifier
// (external_id, user_alias, braze_id) or, without one, an email or phone;
// external_id at most 987 bytes; alias name and label non-empty and at most
// 236 bytes. The error is a ValidationErrors listing every problem.
func (id Identifier) Validate() error {
	var errs ValidationErrors
	id.validate(loc{}, &errs)
	return errs.err()
}

// plain reports an identifier that passes validate, by cheap checks that
// settle the common forms (an external id or a user alias, with or without
// an ordinary email address and phone number, or an email address alone,
// with or without a phone number); false means only that validate must
// look.
func (id *Identifier) plain() bool {
	switch {
	case id.ExternalID != "":
		if id.UserAlias != nil || id.BrazeID != "" || len(id.ExternalID) > MaxExternalIDBytes || !startsPrintable(id.ExternalID) {
			return false
		}
	case id.UserAlias != nil:
		n, l := len(id.UserAlias.AliasName), len(id.UserAlias.AliasLabel)
		if id.BrazeID != "" || n == 0 || l == 0 || n > MaxAliasBytes || l > MaxAliasBytes {
			return false
		}
	case id.BrazeID != "" || id.Email == "":
		return false
	default:
		// No primary identifier: the email identifies the user (with or
		// without a phone number), the common form of an identifier
		// mapped from an email identity.
	}
	return (id.Email == "" || plainEmail(id.Email)) && (id.Phone == "" || plainPhone(id.Phone))
}

// startsPrintable reports a string whose first byte is printable ASCII
// other than space, so it is not blank.
func startsPrintable(s string) bool { return s != "" && s[0] > ' ' && s[0] < 0x7f }

// plainEmail reports an address checkEmail accepts: at most 255 bytes, an
// '@' neither first nor last (the last '@' counts), no space, tab or line
// break. That last '@' is neither first nor last exactly when the final
// byte is not '@' and an '@' lies strictly inside, which words of eight
// bytes answer without finding where: an address of 10 bytes or more with
// no byte below '!' (where the space, tab and line breaks are) is settled
// so, in a few operations per word instead of a table load and two tests
// per byte; any other string takes the byte loop (plainEmailBytes).
func plainEmail(s string) bool {
	n := len(s)
	if n < 10 || n > MaxStringLength {
		return plainEmailBytes(s)
	}
	var low uint64
	for i := 0; i+8 <= n; i += 8 {
		low |= bytesBelowBang(jsonenc.Load64(s, i))
	}
	if low|bytesBelowBang(jsonenc.Load64(s, n-8)) != 0 {
		return plainEmailBytes(s) // which of them matter is the loop's to say
	}
	if s[n-1] == '@' {
		return false
	}
	inner := s[1 : n-1] // 8 bytes or more
	var at uint64
	for i := 0; i+8 <= len(inner); i += 8 {
		at |= zeroBytes(jsonenc.Load64(inner, i) ^ 0x4040404040404040)
	}
	return at|zeroBytes(jsonenc.Load64(inner, len(inner)-8)^0x4040404040404040) != 0
}

// bytesBelowBang is non-zero exactly when some byte of w is below '!'
// (0x21): the classic test for a byte below n (n ≤ 0x80), exact as to
// whether there is one.
func bytesBelowBang(w uint64) uint64 { return (w - 0x2121212121212121) &^ w & 0x8080808080808080 }

// zeroBytes is non-zero exactly when some byte of w is zero.
func zeroBytes(w uint64) uint64 { return (w - 0x0101010101010101) &^ w & 0x8080808080808080 }

// plainEmailBytes is plainEmail byte by byte, for the strings its words
// do not settle.
func plainEmailBytes(s string) bool {
	if len(s) > MaxStringLength {
		return false
	}
	at := -1
	for i := 0; i < len(s); i++ {
		// One table load per byte: a switch compared each byte four or
		// five times.
		switch emailBytes[s[i]] {
		case emailAt:
			at = i
		case emailSpace:
			return false
		}
	}
	return at > 0 && at < len(s)-1
}

// emailBytes classes the bytes plainEmail looks for. It is never written.
var emailBytes = [256]uint8{'@': emailAt, ' ': emailSpace, '\t': emailSpace, '\r': emailSpace, '\n': emailSpace}

const (
	emailAt    = 1 // '@'
	emailSpace = 2 // what checkEmail refuses: space, tab, line breaks
)

// plainPhone reports a number checkPhone accepts: at most 255 bytes, not
// blank, no control characters.
func plainPhone(s string) bool {
	if len(s) > MaxStringLength || !startsPrintable(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// validate appends the identifier's problems to errs, with paths under l
// (the object's location, e.g. events[3]).
func (id *Identifier) validate(l loc, errs *ValidationErrors) {
	if id.plain() {
		return
	}
	switch n := id.primaries(); {
	case n > 1:
		errs.at(l, primaryNames(*id), "has more than one primary identifier (external_id, user_alias, braze_id); Braze rejects the object")
	case n == 0 && id.Email == "" && id.Phone == "":
		errs.at(l, nil, "has no identifier: one of external_id, user_alias, braze_id, email or phone is required")
	}
	if id.ExternalID != "" {
		checkExternalID(l.f("external_id"), id.ExternalID, errs)
	}
	if id.UserAlias != nil {
		id.UserAlias.validate(l.f("user_alias"), errs)
	}
	if id.BrazeID != "" && strings.TrimSpace(id.BrazeID) == "" {
		errs.at(l.f("braze_id"), id.BrazeID, "is blank")
	}
	if id.Email != "" {
		checkEmail(l.f("email"), id.Email, errs)
	}
	if id.Phone != "" {
		checkPhone(l.f("phone"), id.Phone, errs)
	}
}

// primaryNames lists the primary identifier fields that are set, for the
// error message of a doubly identified object.
func primaryNames(id Identifier) string {
	var names []string
	if id.ExternalID != "" {
		names = append(names, "external_id")
	}
	if id.UserAlias != nil {
		names = append(names, "user_alias")
	}
	if id.BrazeID != "" {
		names = append(names, "braze_id")
	}
	return strings.Join(names, "+")
}

// Validate checks that both alias parts are non-empty and at most 236 bytes.
func (a UserAlias) Validate() error {
	var errs ValidationErrors
	a.validate(at("user_alias"), &errs)
	return errs.err()
}

func (a UserAlias) validate(l loc, errs *ValidationErrors) {
	checkAliasPart(l.f("alias_name"), a.AliasName, errs)
	checkAliasPart(l.f("alias_label"), a.AliasLabel, errs)
}

func checkAliasPart(path loc, s string, errs *ValidationErrors) {
	switch {
	case s == "":
		errs.at(path, nil, "is empty")
	case len(s) > MaxAliasBytes:
		errs.at(path, s, "is "+strconv.Itoa(len(s))+" bytes, over the "+strconv.Itoa(MaxAliasBytes)+"-byte limit")
	}
}

func checkExternalID(path loc, s string, errs *ValidationErrors) {
	switch {
	case strings.TrimSpace(s) == "":
		errs.at(path, s, "is blank")
	case len(s) > MaxExternalIDBytes:
		errs.at(path, s, "is "+strconv.Itoa(len(s))+" bytes, over the "+strconv.Itoa(MaxExternalIDBytes)+"-byte limit (EXTERNAL_USER_ID_TOO_LARGE)")
	}
}

// checkEmail applies a shape check only (something@something, no spaces):
// Braze's own validation (EMAIL_BAD_FORMAT) is stricter and undocumented, so
// anything subtler is left to Braze's per-object errors.
func checkEmail(path loc, s string, errs *ValidationErrors) {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n") {
		errs.at(path, s, "is not an email address (EMAIL_BAD_FORMAT)")
		return
	}
	checkStringLen(path, s, errs)
}

// checkPhone rejects blank numbers and control characters; E.164 is only
// recommended for /users/track, so other formats pass.
func checkPhone(path loc, s string, errs *ValidationErrors) {
	if strings.TrimSpace(s) == "" {
		errs.at(path, s, "is blank")
		return
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			errs.at(path, s, "contains control characters")
			return
		}
	}
	checkStringLen(path, s, errs)
}
