package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mpbraze/mpbraze/internal/typedetect"
)

// mayDetect skips typedetect.Detect only for strings it leaves strings:
// every first byte, followed by texts that make a boolean, a number or a
// date with the right start.
func TestMayDetectSkipsOnlyStrings(t *testing.T) {
	tails := []string{"", "rue", "RUE", "alse", "ALSE", "1", "12", "2.5", ".5", "026-05-01T10:00:00Z", "x"}
	for c := range 256 {
		for _, tail := range tails {
			s := string([]byte{byte(c)}) + tail
			if !mayDetect(s) {
				assert.Equal(t, typedetect.KindString, typedetect.Detect(s).Kind, "%q", s)
			}
		}
	}
	for _, s := range []string{"true", "False", "42", "-1.5", "2026-05-01T10:00:00Z"} {
		assert.True(t, mayDetect(s), s)
		_, ok := detected(s)
		assert.True(t, ok, s)
	}
	assert.False(t, mayDetect(""))
}
