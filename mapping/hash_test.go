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
