package typedetect

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetect(t *testing.T) {
	date := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want Value
	}{
		{"", Value{Kind: KindString}},
		{"true", Value{Kind: KindBool, Bool: true}},
		{"TRUE", Value{Kind: KindBool, Bool: true}},
		{"False", Value{Kind: KindBool}},
		{"yes", Value{Kind: KindString}},
		{"0", Value{Kind: KindInt}},
		{"42", Value{Kind: KindInt, Int: 42}},
		{"-42", Value{Kind: KindInt, Int: -42}},
		{"9223372036854775807", Value{Kind: KindInt, Int: 9223372036854775807}},
		{"9223372036854775808", Value{Kind: KindString}}, // out of int64 range
		{"-0", Value{Kind: KindString}},
		{"02139", Value{Kind: KindString}}, // leading zero would be lost
		{"+1", Value{Kind: KindString}},
		{"1e5", Value{Kind: KindString}},
		{"1.5", Value{Kind: KindFloat, Float: 1.5}},
		{"-0.25", Value{Kind: KindFloat, Float: -0.25}},
		{"1.0", Value{Kind: KindFloat, Float: 1}},
		{"4.50", Value{Kind: KindFloat, Float: 4.5}},
		{".5", Value{Kind: KindString}},
		{"5.", Value{Kind: KindString}},
		{"01.5", Value{Kind: KindString}},
		{"1.2.3", Value{Kind: KindString}},
		{"0.12345678901234567890", Value{Kind: KindString}}, // float64 would round it
		{"2024-05-01T12:30:00Z", Value{Kind: KindTime, Time: date}},
		{"2024-05-01T14:30:00+02:00", Value{Kind: KindTime, Time: date}},
		{"2024-05-01", Value{Kind: KindString}},
		{"2024-13-01T12:30:00Z", Value{Kind: KindString}},
		{"hello", Value{Kind: KindString}},
		{"-", Value{Kind: KindString}},
		{"falſe", Value{Kind: KindBool}}, // ſ folds to s, as strings.EqualFold has it
		{"tru", Value{Kind: KindString}},
		{"Truex", Value{Kind: KindString}},
		{"ſalse", Value{Kind: KindString}},
		{"-1.5", Value{Kind: KindFloat, Float: -1.5}},
		{"123456789012345.5", Value{Kind: KindFloat, Float: 123456789012345.5}},
		{"0.1234567890123456", Value{Kind: KindFloat, Float: 0.1234567890123456}},
		{"9007199254740993.0", Value{Kind: KindString}}, // 2^53+1 has no float64
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := Detect(c.in)
			c.want.Str = c.in
			assert.Equal(t, c.want, got)
		})
	}
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "string", KindString.String())
	assert.Equal(t, "bool", KindBool.String())
	assert.Equal(t, "int", KindInt.String())
	assert.Equal(t, "float", KindFloat.String())
	assert.Equal(t, "time", KindTime.String())
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"true", "12", "-3.5", "2024-05-01T12:30:00Z", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := Detect(s)
		if v.Str != s {
			t.Fatalf("Str = %q, want %q", v.Str, s)
		}
		if want := detectReference(s); v != want {
			t.Fatalf("Detect(%q) = %+v, reference %+v", s, v, want)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	in := []string{"gold", "42", "4.5", "true", "2024-05-01T12:30:00Z", "Ridge 2P Tent"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Detect(in[i%len(in)])
	}
}

// TestExactDecimalShortcut checks the 15-digit shortcut of exactDecimal
// against printing the float back, on random decimals of every length up
// to 15 digits and on the boundary lengths around it.
func TestExactDecimalShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	printed := func(s string, f float64) bool {
		want := strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
		return strconv.FormatFloat(f, 'f', -1, 64) == want
	}
	for range 200000 {
		intLen := 1 + rng.IntN(15)
		fracLen := 1 + rng.IntN(16-intLen+1)
		if intLen+fracLen > 16 {
			fracLen = 16 - intLen
		}
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteByte('-')
		}
		for i := range intLen {
			d := byte('0' + rng.IntN(10))
			if i == 0 && intLen > 1 && d == '0' {
				d = '1'
			}
			b.WriteByte(d)
		}
		b.WriteByte('.')
		for range fracLen {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		s := b.String()
		require.True(t, isDecimal(s), s)
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		require.Equal(t, printed(s, f), exactDecimal(s, f), s)
	}
	// 16 and more digits still take the printing path.
	for _, s := range []string{"0.1234567890123456", "1234567890123456.7", "9007199254740993.0", "0.12345678901234567890"} {
		f, _ := strconv.ParseFloat(s, 64)
		assert.Equal(t, printed(s, f), exactDecimal(s, f), s)
	}
}

// detectReference is Detect without its shortcuts (every check in order,
// the float printed back): the fuzz target holds Detect to it.
func detectReference(s string) Value {
	v := Value{Kind: KindString, Str: s}
	switch {
	case s == "":
		return v
	case strings.EqualFold(s, "true"):
		v.Kind, v.Bool = KindBool, true
		return v
	case strings.EqualFold(s, "false"):
		v.Kind, v.Bool = KindBool, false
		return v
	}
	if isInteger(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v.Kind, v.Int = KindInt, n
		}
		return v
	}
	if isDecimal(s) {
		f, err := strconv.ParseFloat(s, 64)
		want := strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
		if err == nil && !math.IsInf(f, 0) && strconv.FormatFloat(f, 'f', -1, 64) == want {
			v.Kind, v.Float = KindFloat, f
		}
		return v
	}
	if looksLikeDate(s) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			v.Kind, v.Time = KindTime, t.UTC()
		}
	}
	return v
}

// TestDetectMatchesReference runs Detect and detectReference on strings of
// every kind, cases and near misses.
func TestDetectMatchesReference(t *testing.T) {
	for _, s := range []string{
		"", "t", "T", "true", "TRUE", "tRuE", "truE ", "false", "FALSE", "falſe", "ſalse", "f", "x", "-", "--1",
		"0", "-0", "00", "7", "-7", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"1.5", "-1.5", "0.0", "-0.0", "1.", ".1", "1.2.3", "123456789012345.6", "0.1234567890123456",
		"1e5", "+1", " 1", "1 ", "2024-05-01T12:30:00Z", "2024-05-01t12:30:00z", "2024-05-01T12:30:00.123456789+02:00",
		"2024-05-01", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "Ridge 2P Tent", "é", "\xff",
	} {
		assert.Equal(t, detectReference(s), Detect(s), "%q", s)
	}
}
