package mapping

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// mpHash is mParticle's filtering hash (MPUtility.mpHash on Android): Java's
// String.hashCode over the UTF-16 code units of s, h = 31*h + c, wrapping at
// 32 bits.
func mpHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r < 0x10000 {
			h = 31*h + int32(r)
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		h = 31*h + int32(hi)
		h = 31*h + int32(lo)
	}
	return h
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
