package mapping

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// mpHash is mParticle's filtering hash (MPUtility.mpHash on Android): Java's
// String.hashCode over the UTF-16 code units of s, h = 31*h + c, wrapping at
// 32 bits.
func mpHash(s string) int32 {
	var h int32
	for _, r := range s {
		h = mpStep(h, r)
	}
	return h
}

// mpStep feeds one character into mpHash's state h.
func mpStep(h int32, r rune) int32 {
	if r < 0x10000 {
		return 31*h + int32(r)
	}
	hi, lo := utf16.EncodeRune(r)
	return 31*(31*h+int32(hi)) + int32(lo)
}

// kitHasher computes KitAttributeHash for one event and many attribute
// keys without building the lower-cased concatenation each time: the hash
// state after the event type number and name is kept, and each key's
// characters are fed after it, lower-cased one by one (strings.ToLower
// lowers valid UTF-8 character by character).
type kitHasher struct {
	typeNum   int
	eventName string
	// prefix is the state after the type number and event name; valid
	// is false when the name is not valid UTF-8 (then the bytes of name
	// and key could combine into other characters; KitAttributeHash
	// itself is used).
	prefix int32
	valid  bool
}

func newKitHasher(typeNum int, eventName string) kitHasher {
	h := kitHasher{typeNum: typeNum, eventName: eventName, valid: utf8.ValidString(eventName)}
	if !h.valid {
		return h
	}
	var buf [24]byte
	for _, c := range strconv.AppendInt(buf[:0], int64(typeNum), 10) {
		h.prefix = mpStep(h.prefix, rune(c)) // digits and "-": lower case already
	}
	for _, r := range eventName {
		h.prefix = mpStep(h.prefix, unicode.ToLower(r))
	}
	return h
}

// hash returns KitAttributeHash(h.typeNum, h.eventName, key).
func (h *kitHasher) hash(key string) int32 {
	if !h.valid || !utf8.ValidString(key) {
		return KitAttributeHash(h.typeNum, h.eventName, key)
	}
	x := h.prefix
	for _, r := range key {
		x = mpStep(x, unicode.ToLower(r))
	}
	return x
}

// KitAttributeHash returns the hash the kits use as the key of the "eaa",
// "ear" and "eas" settings: mpHash of the lower-cased concatenation of the
// event type number, the event name and the attribute key.
//
// Event type numbers are those of the Android SDK: navigation 1, location 2,
// search 3, transaction 4, user_content 5, user_preference 6, social 7,
// other 8, media 9, attribution 10; screen views use 0 (the iOS kit's choice).
func KitAttributeHash(eventType int, eventName, attributeKey string) int32 {
	return mpHash(strings.ToLower(strconv.Itoa(eventType) + eventName + attributeKey))
}
