// Package typedetect turns string values into typed values, the way
// mParticle's Braze kits do when "enableTypeDetection" is on.
//
// The order is fixed by the project's mapping rules: a boolean ("true" or
// "false" in any case), then an integer, then a decimal, then an RFC 3339
// date-time, else the string stays a string.
//
// Detection is deliberately stricter than the kits where the kits lose data:
// a number with a leading zero ("02139", "007") stays a string because
// turning it into 2139 or 7 would change the value, and a decimal whose
// digits a float64 cannot hold exactly ("0.12345678901234567890") stays a
// string for the same reason. Exponents ("1e5"), a leading "+" and a bare
// leading "." (".5") are not numbers here, as on both mobile kits.
package typedetect

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind says which type Detect found.
type Kind uint8

// The kinds Detect can return, in detection order after KindString.
const (
	KindString Kind = iota // not detected; use Value.Str
	KindBool               // Value.Bool
	KindInt                // Value.Int
	KindFloat              // Value.Float
	KindTime               // Value.Time (UTC)
)

// String returns the kind's lower-case name.
func (k Kind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindTime:
		return "time"
	default:
		return "string"
	}
}

// Value is the result of Detect. Only the field named by Kind is meaningful;
// Str always holds the input.
type Value struct {
	Kind  Kind      // what was detected
	Bool  bool      // KindBool
	Int   int64     // KindInt
	Float float64   // KindFloat
	Time  time.Time // KindTime, in UTC
	Str   string    // always the input
}

// Detect returns the typed value of s. It never fails: anything that is not
// recognised is returned as KindString.
func Detect(s string) Value {
	v := Value{Kind: KindString, Str: s}
	if s == "" {
		return v
	}
	// The first byte decides which kinds are possible: only "t"/"T" and
	// "f"/"F" start a boolean (no other character folds to those letters),
	// and numbers and dates start with a digit or "-". Most strings are
	// therefore settled by one comparison.
	switch c := s[0]; {
	case c == 't' || c == 'T':
		if strings.EqualFold(s, "true") {
			v.Kind, v.Bool = KindBool, true
		}
		return v
	case c == 'f' || c == 'F':
		if strings.EqualFold(s, "false") {
			v.Kind, v.Bool = KindBool, false
		}
		return v
	case c != '-' && (c < '0' || c > '9'):
		return v
	}
	if isInteger(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v.Kind, v.Int = KindInt, n
		}
		// Out of int64 range: keep the digits as a string rather than
		// round them through a float.
		return v
	}
	if isDecimal(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && exactDecimal(s, f) {
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

// isInteger reports whether s is an optional "-" followed by digits with no
// leading zero (other than "0" itself).
func isInteger(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || (digits != s && digits == "0") {
		return false // "-" alone, or "-0" (which would come back as "0")
	}
	if len(digits) > 1 && digits[0] == '0' {
		return false
	}
	return allDigits(digits)
}

// isDecimal reports whether s is an optional "-", an integer part without a
// redundant leading zero, a ".", and at least one digit.
func isDecimal(s string) bool {
	body := strings.TrimPrefix(s, "-")
	intPart, frac, ok := strings.Cut(body, ".")
	if !ok || intPart == "" || frac == "" {
		return false
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return false
	}
	return allDigits(intPart) && allDigits(frac)
}

// maxExactDigits is the number of decimal digits every float64 carries
// exactly (DBL_DIG): a decimal with at most this many digits converts to
// the nearest float64 and prints back as the same digits, because two
// different such decimals never share a float64.
const maxExactDigits = 15

// exactDecimal reports whether f prints back as the same decimal as s once
// trailing zeros of the fraction are ignored, i.e. nothing was rounded away.
// s is a decimal as isDecimal accepts it.
func exactDecimal(s string, f float64) bool {
	// Digits of s: all of it but the "." and an optional "-". With at
	// most 15 the magnitude is within 1e-14..1e15, far from the
	// subnormals, so the DBL_DIG guarantee holds without printing f.
	if digits := len(strings.TrimPrefix(s, "-")) - 1; digits <= maxExactDigits {
		return true
	}
	want := strings.TrimRight(s, "0")
	want = strings.TrimSuffix(want, ".")
	var buf [32]byte
	return string(strconv.AppendFloat(buf[:0], f, 'f', -1, 64)) == want
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// looksLikeDate is a cheap pre-check so that ordinary strings do not pay for
// a failed time.Parse: RFC 3339 starts with "dddd-dd-ddT".
func looksLikeDate(s string) bool {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return false
	}
	return allDigits(s[:4]) && s[4] == '-' && allDigits(s[5:7]) && s[7] == '-' &&
		allDigits(s[8:10]) && (s[10] == 'T' || s[10] == 't')
}
