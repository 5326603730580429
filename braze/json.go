package braze

import (
	"encoding/binary"
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
	// The common case first, without a call: a non-zero f below 2⁴⁰·10⁻⁶
	// in magnitude that is a decimal of at most 6 fractional digits (see
	// shortDecimal: one test at 6 digits settles it, and if it fails no
	// shorter decimal reads back as f either), written from its millionths.
	if x := f * 1e6; x < 1<<40 && x > -(1<<40) && f != 0 {
		r := math.RoundToEven(x)
		if d := x - r; d <= 1.0/1024 && d >= -1.0/1024 && r/1e6 == f {
			return appendMillionths(dst, int64(r)), nil
		}
	} else if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, errNonFiniteFloat
	} else if m, k, ok := shortDecimal(f); ok {
		return appendDecimal(dst, m, k), nil
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

// pow10 holds the exact float64 powers of ten shortDecimal tries.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}

// shortDecimal finds the shortest decimal m·10⁻ᵏ (k ≤ 6) that reads back
// as f, for the prices, amounts and counts that make up most numbers sent:
// strconv's general shortest-digits search costs several times more. It
// reports false for zero (whose sign matters), for magnitudes of 2⁴⁰·10⁻ᵏ
// and more, and when no k up to 6 works; appendFloat then asks strconv.
//
// Why the answer equals strconv's: m and 10ᵏ are exact in float64, so
// float64(m)/10ᵏ is the correctly rounded value of the decimal m·10⁻ᵏ,
// the float that parsing it gives; the first k that reads back has the
// fewest digits. Below 2⁴⁰ the spacing of k-digit decimals (10⁻ᵏ) is far
// wider than the gap between neighbouring floats, so exactly one k-digit
// decimal can read back as f and there is no tie for strconv to break
// differently; and f·10ᵏ, rounded, lands on that decimal's m.
//
// Below 2⁴⁰·10⁻⁶ one test settles it: if a decimal of k ≤ 6 fractional
// digits reads back as f, so does the same decimal written with 6 (the same
// number), and it is the only 6-digit one that does; f·10⁶ rounds to its
// m·10⁶⁻ᵏ, and removing the trailing zeros gives the first k the loop
// below would find (a smaller k whose decimal reads back would be that
// decimal with fewer zeros). If the 6-digit test fails, every k fails.
func shortDecimal(f float64) (m int64, k int, ok bool) {
	if f == 0 {
		return 0, 0, false
	}
	if x := f * 1e6; x < 1<<40 && x > -(1<<40) {
		r := math.RoundToEven(x)
		if d := x - r; d > 1.0/1024 || d < -1.0/1024 || r/1e6 != f {
			return 0, 0, false
		}
		// Trailing zeros off, four, two and one at a time.
		m, k = int64(r), 6
		if m%10000 == 0 {
			m, k = m/10000, 2
		}
		if m%100 == 0 {
			m, k = m/100, k-2
		}
		if k > 0 && m%10 == 0 {
			m, k = m/10, k-1
		}
		return m, k, true
	}
	for k, p := range pow10 {
		x := f * p
		if x >= 1<<40 || x <= -(1<<40) {
			return 0, 0, false
		}
		// RoundToEven is one instruction on amd64 (Round is not); the
		// two differ only on halves, which the next test rejects.
		r := math.RoundToEven(x)
		// A decimal that reads back as f is within 2⁻¹² of x: r/p and
		// then f·p are each rounded once, by at most 2⁻⁵³ relative, and
		// |r| < 2⁴⁰. The cheap test skips the division for most k.
		if d := x - r; d > 1.0/1024 || d < -1.0/1024 {
			continue
		}
		if r/p == f {
			return int64(r), k, true
		}
	}
	return 0, 0, false
}

// appendMillionths writes m·10⁻⁶ (m ≠ 0, |m| < 2⁴⁰) as appendDecimal
// writes it once shortDecimal has taken the trailing zeros off: the
// integer part, then the fraction without its trailing zeros, if any. The
// fractional digits are written two at a time, only as many pairs as the
// trailing zeros leave, and the number, at most 15 bytes, is copied out
// as jsonenc copies a short string: a few word stores instead of a call to
// copy.
func appendMillionths(dst []byte, m int64) []byte {
	u := uint64(m)
	if m < 0 {
		u = -u
	}
	ip, fr := u/1e6, u%1e6
	var b [24]byte
	i, end := 16, 16 // the number is b[i:end]; a fraction goes at b[16:23]
	if fr != 0 {
		// Two, four or six digits as the trailing zeros allow, then the
		// one zero that may remain.
		switch {
		case fr%10000 == 0:
			put2(b[17:], int(fr/10000))
			end = 19
		case fr%100 == 0:
			q := fr / 100
			put2(b[17:], int(q/100))
			put2(b[19:], int(q%100))
			end = 21
		default:
			q := fr / 100
			put2(b[17:], int(q/100))
			put2(b[19:], int(q%100))
			put2(b[21:], int(fr-q*100))
			end = 23
		}
		if b[end-1] == '0' {
			end--
		}
		b[16] = '.'
	}
	// The integer part, as appendDecimal writes its own: a twin kept on
	// purpose, as a shared function (loop, pairs, last digit) costs 94
	// against the inliner's budget of 80 and would put a call back on
	// this path.
	for ip >= 100 {
		i -= 2
		q := ip / 100
		put2(b[i:], int(ip-q*100))
		ip = q
	}
	if ip >= 10 {
		i -= 2
		put2(b[i:], int(ip))
	} else {
		i--
		b[i] = byte('0' + ip)
	}
	if m < 0 {
		i--
		b[i] = '-'
	}
	n := end - i
	d := len(dst)
	if cap(dst)-d < 16 {
		dst = append(dst[:cap(dst)], make([]byte, 16)...)
	}
	o := (*[16]byte)(dst[d : d+16])
	switch {
	case n >= 8:
		binary.LittleEndian.PutUint64(o[0:], binary.LittleEndian.Uint64(b[i:]))
		binary.LittleEndian.PutUint64(o[n-8:], binary.LittleEndian.Uint64(b[end-8:]))
	case n >= 4:
		binary.LittleEndian.PutUint32(o[0:], binary.LittleEndian.Uint32(b[i:]))
		binary.LittleEndian.PutUint32(o[n-4:], binary.LittleEndian.Uint32(b[end-4:]))
	default:
		o[0], o[n>>1], o[n-1] = b[i], b[i+n>>1], b[end-1]
	}
	return dst[:d+n]
}

// appendDecimal writes m·10⁻ᵏ in plain notation: the integer part (at
// least "0"), then k fractional digits. Digits are produced two at a time
// from the twoDigits table.
func appendDecimal(dst []byte, m int64, k int) []byte {
	u := uint64(m)
	if m < 0 {
		u = uint64(-m)
	}
	var digits [24]byte
	i := len(digits)
	if k > 0 {
		for ; k >= 2; k -= 2 {
			i -= 2
			q := u / 100
			put2(digits[i:], int(u-q*100))
			u = q
		}
		if k == 1 {
			i--
			digits[i] = byte('0' + u%10)
			u /= 10
		}
		i--
		digits[i] = '.'
	}
	for u >= 100 {
		i -= 2
		q := u / 100
		put2(digits[i:], int(u-q*100))
		u = q
	}
	if u >= 10 {
		i -= 2
		put2(digits[i:], int(u))
	} else {
		i--
		digits[i] = byte('0' + u)
	}
	if m < 0 {
		i--
		digits[i] = '-'
	}
	return append(dst, digits[i:]...)
}

// appendInt appends a decimal integer. A digit (positions, counts,
// quantities: most integers sent) is written inline: appendInt is small
// enough to be inlined into its callers, and the rest is appendIntSlow's.
func appendInt(dst []byte, n int64) []byte {
	if uint64(n) < 10 {
		return append(dst, byte('0'+n))
	}
	return appendIntSlow(dst, n)
}

// appendIntSlow is appendInt for the numbers from 10 up and the negative
// ones. Numbers under 100 are written here: strconv gets to its table of
// small numbers through two calls and copies from it with a third.
func appendIntSlow(dst []byte, n int64) []byte {
	if uint64(n) < 100 {
		return append(dst, twoDigits[2*n], twoDigits[2*n+1])
	}
	return strconv.AppendInt(dst, n, 10)
}

// appendBool appends true or false.
func appendBool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// errTimeRange mirrors the refusal of encoding/json to encode a time whose
// year cannot be written in four RFC 3339 digits.
var errTimeRange = errors.New("braze: time year outside 0..9999 cannot be encoded as RFC 3339")

// appendTime appends t in UTC as a quoted RFC 3339 timestamp with "Z" and
// only as many fractional digits as needed: the bytes encoding/json writes
// for t.UTC().
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	return appendUnixTime(dst, t.Unix(), t.Nanosecond())
}

// Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range
// RFC 3339 can carry.
const (
	minRFC3339Unix = -62167219200
	maxRFC3339Unix = 253402300799
)

// appendUnixTime is appendTime for the instant sec seconds and nsec
// nanoseconds (0 ≤ nsec < 10⁹) after the Unix epoch. The calendar date is
// computed from the day number directly (days since 0000-03-01, in 400-year
// eras, so leap days fall at the end of a year), which is several times
// cheaper than going through time.Time's Date and Clock.
func appendUnixTime(dst []byte, sec int64, nsec int) ([]byte, error) {
	if sec < minRFC3339Unix || sec > maxRFC3339Unix {
		return dst, errTimeRange
	}
	// Shift to days since 0000-03-01 (non-negative from 0000-03-01 on; the
	// two months before it are handled by the floor division).
	days := (sec - minRFC3339Unix) / 86400
	secOfDay := int((sec - minRFC3339Unix) % 86400)
	z := days - 60 // 0000-01-01 + 60 days = 0000-03-01 (year 0 is a leap year)
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := int(z - era*146097)                             // day of era, 0..146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of era, 0..399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of year from March 1, 0..365
	mp := (5*doy + 2) / 153                                // month from March, 0..11
	d := doy - (153*mp+2)/5 + 1                            // 1..31
	mo := mp + 3                                           // March = 3
	y := int(era)*400 + yoe
	if mo > 12 {
		mo -= 12
		y++
	}
	h, mi, s := secOfDay/3600, secOfDay/60%60, secOfDay%60
	var b [32]byte // `"YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"`
	b[0] = '"'
	put2(b[1:], y/100)
	put2(b[3:], y%100)
	b[5] = '-'
	put2(b[6:], mo)
	b[8] = '-'
	put2(b[9:], d)
	b[11] = 'T'
	put2(b[12:], h)
	b[14] = ':'
	put2(b[15:], mi)
	b[17] = ':'
	put2(b[18:], s)
	n := 20 + putFraction(b[20:], nsec)
	b[n] = 'Z'
	b[n+1] = '"'
	return append(dst, b[:n+2]...), nil
}

// putFraction writes the fractional seconds of nsec (0 ≤ nsec < 10⁹) as
// RFC 3339 needs them, ".d…" without trailing zeros and nothing for 0,
// into b (at least 10 bytes) and returns how many bytes it wrote. Whole
// milliseconds, the common case, are three digits written at once; any
// other value is written as nine digits, two at a time. Either way the
// trailing zeros are then dropped by looking at the digits written (the
// last is not zero), which costs less than dividing them off.
func putFraction(b []byte, nsec int) int {
	if nsec == 0 {
		return 0
	}
	b = b[:10]
	b[0] = '.'
	n := 9
	if ms := nsec / 1e6; ms*1e6 == nsec {
		b[1] = byte('0' + ms/100)
		put2(b[2:], ms%100)
		n = 3
	} else {
		b[9] = byte('0' + nsec%10)
		u := nsec / 10
		for i := 7; i > 0; i -= 2 {
			q := u / 100
			put2(b[i:], u-q*100)
			u = q
		}
	}
	for b[n] == '0' {
		n--
	}
	return n + 1
}

// timeStamp remembers the formatted date and clock (`"YYYY-MM-DDTHH:MM:SS`)
// of the last second appendTime wrote for a request or a Batcher.Add: the
// times of one batch's events mostly fall in few seconds, and the calendar
// arithmetic is most of a timestamp's cost. Another second of the same day
// only rewrites the clock.
type timeStamp struct {
	sec   int64
	day   int64 // days from 0000-01-01 of sec
	valid bool
	text  [20]byte
}

// timeKey is `"time":"` (the member's key and the stamp's opening quote)
// as a little-endian word, for appendTimeField's one store.
const timeKey = 0x223a22656d697422

// appendTimeField appends the member `"time":<t>,` of an event or a
// purchase: t as the package's appendTime writes it, reusing the stamp's
// text when t falls in the same second, and its date when t falls in the
// same day. The key and the comma are written with the stamp, through one
// room check. A time out of range appends `"time":,` (the key and comma
// around no value, as the encoders wrote them before) and errTimeRange:
// the object is refused.
func (ts *timeStamp) appendTimeField(dst []byte, t time.Time) ([]byte, error) {
	sec, nsec := t.Unix(), t.Nanosecond()
	if !ts.valid || sec != ts.sec {
		if sec < minRFC3339Unix || sec > maxRFC3339Unix {
			return append(dst, `"time":,`...), errTimeRange
		}
		off := sec - minRFC3339Unix // ≥ 0: whole days from 0000-01-01
		if day := off / 86400; ts.valid && day == ts.day {
			s := int(off % 86400)
			put2(ts.text[12:], s/3600)
			put2(ts.text[15:], s/60%60)
			put2(ts.text[18:], s%60)
		} else {
			var b [32]byte
			appendUnixTime(b[:0], sec, 0) // in range: no error
			copy(ts.text[:], b[:20])
			ts.day, ts.valid = day, true
		}
		ts.sec = sec
	}
	// The member is written through a fixed-size view of 40 bytes from d
	// (it takes at most 7+32+1), as jsonenc writes short strings: array
	// copies and stores, no call to copy or append. Only the member's own
	// bytes are written: the key's word ends with the stamp's first byte,
	// its opening quote, which the stamp's copy writes again.
	d := len(dst)
	if cap(dst)-d < 40 {
		dst = append(dst[:cap(dst)], make([]byte, 40)...)
	}
	b := (*[40]byte)(dst[d : d+40])
	binary.LittleEndian.PutUint64(b[:8], timeKey)
	*(*[20]byte)(b[7:27]) = ts.text
	n := 27 + putFraction(b[27:], nsec)
	b[n], b[n+1], b[n+2] = 'Z', '"', ','
	return dst[:d+n+3], nil
}

// twoDigits holds "00" to "99".
const twoDigits = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// put2 writes v (0..99) as two digits at b[0:2].
func put2(b []byte, v int) {
	b[1], b[0] = twoDigits[2*v+1], twoDigits[2*v]
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

func (w *fieldWriter) comma() { w.buf = append(w.buf, ',') }

// str, float and time store w.buf once: a store through w costs a GC
// write barrier while a collection runs.
func (w *fieldWriter) str(k, v string) {
	w.buf = append(jsonenc.AppendString(append(w.buf, k...), v), ',')
}

func (w *fieldWriter) float(k string, f float64) {
	buf, err := appendFloat(append(w.buf, k...), f)
	w.buf = append(buf, ',')
	w.setErr(err)
}

func (w *fieldWriter) time(k string, t time.Time) {
	buf, err := appendTime(append(w.buf, k...), t)
	w.buf = append(buf, ',')
	w.setErr(err)
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
