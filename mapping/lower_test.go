package mapping

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLowerInto checks lowerInto against strings.ToLower, with a buffer
// that has the room (filled by index) and one that has not (appended),
// after a prefix that must stay.
func TestLowerInto(t *testing.T) {
	for _, s := range []string{"", "a", "Email", "FIRST_NAME", "mIxEd-09_z", "ÉCOLE", "straße", "İstanbul", "abc\xffDEF", strings.Repeat("Ab", 70)} {
		var room [256]byte
		got := lowerInto(append(room[:0], "pre:"...), s)
		assert.Equal(t, "pre:"+strings.ToLower(s), string(got), "with room: %q", s)
		got = lowerInto([]byte("pre:"), s)
		assert.Equal(t, "pre:"+strings.ToLower(s), string(got), "without room: %q", s)
	}
}
