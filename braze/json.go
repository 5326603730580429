package braze

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/mpbraze/mpbraze/internal/jsonenc"
)

// This file holds the append-style JSON primitives behind the hand-written
// encoders of Event, Purchase, Attributes, Value and TrackRequest. They exist
// because /users/track encoding sits on the hot path of every forwarded
// object; each primitive produces exactly the bytes encoding/json produces for
// the same Go value (the tests compare them), so the wire format does not
// depend on which encoder ran.

// errNonFiniteFloat is returned when a NaN or ±Inf would have to be encoded;
// JSON has no representation for them (encoding/json refuses them too).
var errNonFiniteFloat = errors.New("braze: cannot encode NaN or infinite number as JSON")

// appendString appends s as a JSON string literal, escaping exactly as
// encoding/json.Marshal does (HTML-safe, invalid UTF-8 as U+FFFD, U+2028 and
// U+2029 escaped). The escaper is shared with package mparticle.
func appendString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s) }

// appendFloat appends f the way encoding/json formats a float64: the
// shortest representation, in exponent form only for very small or very large
// magnitudes, with a two-digit exponent trimmed to one ("1e-7", not "1e-07").
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, errNonFiniteFloat
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendInt appends a decimal integer.
func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// appendBool appends true or false.
func appendBool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// errTimeRange mirrors the refusal of encoding/json to encode a time whose
// year cannot be written in four RFC 3339 digits.
var errTimeRange = errors.New("braze: time year outside 0..9999 cannot be encoded as RFC 3339")

// appendTime appends t in UTC as a quoted RFC 3339 timestamp with "Z" and
// only as many fractional digits as needed: the bytes encoding/json writes
// for t.UTC().
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return dst, errTimeRange
	}
	h, mi, s := t.Clock()
	dst = append(dst, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, 'Z', '"'), nil
}

// fieldWriter appends `"key":value,` pairs of one JSON object; finish turns
// the trailing comma into the closing brace. Writing the comma after every
// member keeps each field's code free of "is this the first one" checks.
type fieldWriter struct {
	buf   []byte
	start int
	err   error
}

func beginObject(dst []byte) fieldWriter {
	return fieldWriter{buf: append(dst, '{'), start: len(dst)}
}

// key appends a pre-quoted key literal such as `"name":`.
func (w *fieldWriter) key(k string) { w.buf = append(w.buf, k...) }

// anyKey appends an arbitrary key, escaped.
func (w *fieldWriter) anyKey(k string) {
	w.buf = appendString(w.buf, k)
	w.buf = append(w.buf, ':')
}

func (w *fieldWriter) comma() { w.buf = append(w.buf, ',') }

func (w *fieldWriter) str(k, v string) {
	w.key(k)
	w.buf = appendString(w.buf, v)
	w.comma()
}

func (w *fieldWriter) float(k string, f float64) {
	w.key(k)
	var err error
	w.buf, err = appendFloat(w.buf, f)
	w.setErr(err)
	w.comma()
}

func (w *fieldWriter) time(k string, t time.Time) {
	w.key(k)
	var err error
	w.buf, err = appendTime(w.buf, t)
	w.setErr(err)
	w.comma()
}

func (w *fieldWriter) setErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

func (w *fieldWriter) finish() ([]byte, error) {
	if w.buf[len(w.buf)-1] == ',' {
		w.buf[len(w.buf)-1] = '}'
	} else {
		w.buf = append(w.buf, '}')
	}
	return w.buf, w.err
}
