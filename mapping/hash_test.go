package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMPHashMatchesJavaHashCode(t *testing.T) {
	// Values of java.lang.String#hashCode.
	assert.Equal(t, int32(0), mpHash(""))
	assert.Equal(t, int32(96354), mpHash("abc"))
	assert.Equal(t, int32(99162322), mpHash("hello"))
	assert.Equal(t, int32(1302335171), mpHash("the quick brown fox"))
	// Overflow wraps like Java's int.
	assert.Equal(t, int32(958031277), mpHash("abcdefghijklmnopqrstuvwxyz"))
	// A character outside the BMP counts as its two UTF-16 code units.
	assert.Equal(t, int32(1772899), mpHash("😀"))
}

func TestKitAttributeHashLowercases(t *testing.T) {
	assert.Equal(t, mpHash("7wishlist sharedchannel"), KitAttributeHash(7, "Wishlist Shared", "Channel"))
	assert.Equal(t, KitAttributeHash(8, "A", "B"), KitAttributeHash(8, "a", "b"))
	assert.NotEqual(t, KitAttributeHash(8, "a", "b"), KitAttributeHash(7, "a", "b"))
}

// TestKitHasherMatchesKitAttributeHash: the incremental hash equals
// KitAttributeHash on ASCII, other scripts, characters outside the BMP,
// case pairs that change length, and invalid UTF-8 split between name and
// key.
func TestKitHasherMatchesKitAttributeHash(t *testing.T) {
	names := []string{"", "Wishlist Shared", "ÉVÉNEMENT", "Σίσυφος", "😀 Party", "İstanbul", "K\u212a", "a\xe2", "\xff"}
	keys := []string{"", "Channel", "clé", "ΣΑΣ", "😀", "İ", "\x82\xac", "\xff\xfe", "$Zip"}
	for _, typeNum := range []int{0, 4, 8, 10, -1} {
		for _, n := range names {
			h := newKitHasher(typeNum, n)
			for _, k := range keys {
				assert.Equal(t, KitAttributeHash(typeNum, n, k), h.hash(k), "%d %q %q", typeNum, n, k)
			}
		}
	}
}
