package mapping

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
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

// detectedByDetect is detected without plainNumberInto: typedetect.Detect's
// value, as the mapper converts it.
func detectedByDetect(s string) (braze.Value, bool) {
	d := typedetect.Detect(s)
	switch d.Kind {
	case typedetect.KindBool:
		return braze.Bool(d.Bool), true
	case typedetect.KindInt:
		return braze.Int(d.Int), true
	case typedetect.KindFloat:
		return braze.Float(d.Float), true
	case typedetect.KindTime:
		if y := d.Time.Year(); y < 0 || y > 9999 {
			return braze.Value{}, false
		}
		return braze.Time(d.Time), true
	}
	return braze.Value{}, false
}

// requirePlainNumberAsDetect checks that whatever plainNumberInto settles
// is what typedetect.Detect finds, bit for bit, and that detected always
// agrees with Detect.
func requirePlainNumberAsDetect(t *testing.T, s string) {
	t.Helper()
	want, wantOK := detectedByDetect(s)
	var v braze.Value
	if plainNumberInto(&v, s) {
		if !wantOK || !reflect.DeepEqual(v, want) {
			t.Fatalf("plainNumberInto(%q) = %v (%s), Detect gives %v (%s, %v)", s, v, v.Kind(), want, want.Kind(), wantOK)
		}
	}
	got, ok := detected(s)
	if ok != wantOK || !reflect.DeepEqual(got, want) {
		t.Fatalf("detected(%q) = %v, %v; Detect gives %v, %v", s, got, ok, want, wantOK)
	}
}

var plainNumberCases = []string{
	"0", "-0", "00", "01", "-01", "7", "-7", "42", "123456789012345678", "-123456789012345678",
	"1234567890123456789", "9223372036854775807", "-9223372036854775808", "99999999999999999999",
	"0.5", "-0.5", "0.0", "-0.0", "00.5", "0.", ".5", "-.5", "5.", "1.2.3", "1..2", "-", "--1",
	"123.45", "199.99", "0.1", "0.3", "9.999999999999999", "123456789012.345", "1234567890123.456",
	"0.000000000000001", "0.0000000000000001", "1e5", "1E5", "+1", "1_000", "1,5", "12a", "2026-05-01",
	"2026-05-01T10:00:00Z", "1.7976931348623157", "4503599627370497.5", "999999999999999.9",
}

// TestPlainNumberMatchesDetect: the mapper's shortcut for plain numbers
// gives exactly typedetect.Detect's values, and leaves everything else to
// it.
func TestPlainNumberMatchesDetect(t *testing.T) {
	for _, s := range plainNumberCases {
		requirePlainNumberAsDetect(t, s)
	}
	var v braze.Value
	for _, s := range []string{"0", "-7", "123456789012345678", "0.5", "-0.0", "123.45", "99999999999999.9"} {
		assert.True(t, plainNumberInto(&v, s), s)
	}
	for _, s := range []string{"-0", "01", "1234567890123456789", "00.5", "0.", ".5", "1e5", "0.0000000000000001", "999999999999999.9"} {
		assert.False(t, plainNumberInto(&v, s), s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteByte('-')
		}
		for range 1 + rng.IntN(20) {
			switch r := rng.IntN(14); {
			case r < 10:
				b.WriteByte(byte('0' + r))
			case r < 12:
				b.WriteByte('0')
			default:
				b.WriteByte('.')
			}
		}
		requirePlainNumberAsDetect(t, b.String())
	}
}

// FuzzPlainNumber: on any text, the shortcut agrees with typedetect.Detect.
func FuzzPlainNumber(f *testing.F) {
	for _, s := range plainNumberCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { requirePlainNumberAsDetect(t, s) })
}

// TestDetectedBooleansMatchDetect: detectedInto settles a string starting
// with "t" or "f" (any case) itself; it must give what typedetect.Detect
// gives, for the booleans in any case, for runes that fold to their
// letters ("falſe" is EqualFold to "false"), and for words, near misses
// and random texts of those letters.
func TestDetectedBooleansMatchDetect(t *testing.T) {
	for _, s := range []string{"true", "TRUE", "True", "tRuE", "false", "FALSE", "False", "fAlSe", "falſe",
		"t", "f", "T", "F", "tru", "truee", "true ", "fals", "falsee", "false\x00", "trail shoes size 40",
		"footwear", "f1", "t.5", "fa\xffse", "tr\u212aue"} {
		requirePlainNumberAsDetect(t, s)
	}
	letters := []string{"t", "r", "u", "e", "f", "a", "l", "s", "T", "R", "U", "E", "F", "A", "L", "S", "ſ", "\u212a", "x", " ", "1"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		var b strings.Builder
		b.WriteString([]string{"t", "T", "f", "F"}[rng.IntN(4)])
		for range rng.IntN(6) {
			b.WriteString(letters[rng.IntN(len(letters))])
		}
		requirePlainNumberAsDetect(t, b.String())
	}
}

// TestIsWordSetAsItIs: whatever isWord accepts, stringValueInto sets as
// braze.String of itself, without a diagnostic, with type detection on or
// off and detect either way (the hot callers set such strings themselves).
// Strings it turns away include every one detection may change or
// truncate may cut.
func TestIsWordSetAsItIs(t *testing.T) {
	alphabet := []string{"a", "Z", "t", "f", "T", "F", "0", "7", "-", ".", " ", "é", "\xff", "e", "2026-05-01T10:00:00Z"}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, detection := range []bool{false, true} {
		m, err := New(Settings{EnableTypeDetection: detection})
		require.NoError(t, err)
		st := m.getState(nil)
		for n := range 50000 {
			var b strings.Builder
			for range rng.IntN(8) {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			if n%500 == 0 {
				b.WriteString(strings.Repeat("x", 250+rng.IntN(10)))
			}
			s := b.String()
			for _, detect := range []bool{false, true} {
				var v braze.Value
				st.stringValueInto(&v, "k", s, detect)
				if isWord(s) {
					require.Equal(t, braze.String(s), v, "%q", s)
					require.Empty(t, st.res.Diagnostics, "%q", s)
				}
				if detection && detect && v.Kind() != braze.KindString {
					require.False(t, isWord(s), "%q is detected", s)
				}
			}
			if len(s) > maxLen {
				require.False(t, isWord(s), "%q", s)
			}
			st.res.Diagnostics = nil
		}
		m.putState(st)
	}
}
