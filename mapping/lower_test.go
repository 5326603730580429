package mapping

import (
	"strconv"
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

// TestShortInt checks shortInt against strconv.ParseInt: whatever it
// accepts, ParseInt reads the same; what it declines goes to ParseInt.
func TestShortInt(t *testing.T) {
	for _, lit := range []string{"0", "-0", "7", "-7", "007", "123456789012345678", "-123456789012345678",
		"1234567890123456789", "9223372036854775807", "-9223372036854775808", "", "-", "+5", "1.5", "1e3", "1_000", " 1", "--1", "12a"} {
		n, ok := shortInt(lit)
		want, err := strconv.ParseInt(lit, 10, 64)
		if ok {
			assert.NoError(t, err, lit)
			assert.Equal(t, want, n, lit)
		}
		if len(strings.TrimPrefix(lit, "-")) <= 18 && err == nil && !strings.HasPrefix(lit, "+") {
			assert.True(t, ok, "declined %q", lit)
		}
	}
}
