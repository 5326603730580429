package braze

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stdJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and backslash \`, "tab\tnew\nline\rcr", "\b\f\x00\x01\x1f\x7f",
		"<script>&amp;</script>", "héllo wörld", "emoji 🎉", "line sep \u2028 para \u2029",
		"bad utf8 \xff\xfe end", "\xc3", "trailing \xe2\x82", strings.Repeat("x", 300),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		assert.Equal(t, stdJSON(t, s), string(appendString(nil, s)), "string %q", s)
	}
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	cases := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 19.0, 9.5, 1e-6, 1e-7, 9.99e-7, 1e20, 1e21, 1.5e21, -2.5e-10,
		123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 1 << 53, 3.14159}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		cases = append(cases, math.Float64frombits(rng.Uint64()))
	}
	for _, f := range cases {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			_, err := appendFloat(nil, f)
			assert.ErrorIs(t, err, errNonFiniteFloat)
			continue
		}
		got, err := appendFloat(nil, f)
		require.NoError(t, err)
		assert.Equal(t, stdJSON(t, f), string(got), "float %v", f)
	}
}

// Prices, amounts and counts take appendFloat's short-decimal path: values
// m/10ᵏ, their float neighbours (which need 16–17 digits), sums that carry
// binary noise (0.1+0.2), and magnitudes around the path's 2⁴⁰·10⁻ᵏ bound.
func TestAppendFloatShortDecimalsMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var cases []float64
	for range 20000 {
		k := rng.IntN(8)
		m := rng.Int64N(1 << uint(10+rng.IntN(45)))
		if rng.IntN(2) == 0 {
			m = -m
		}
		f := float64(m) / math.Pow(10, float64(k))
		cases = append(cases, f, math.Nextafter(f, math.Inf(1)), math.Nextafter(f, math.Inf(-1)))
	}
	for _, e := range []float64{1 << 40, 1 << 39, 1 << 36, 1 << 33, 1 << 30, 1e12, 1e11, 1e10} {
		cases = append(cases, e, e-1, e+1, e-0.5, e/1e6, e/1e5-0.1, -e, math.Nextafter(e, 0))
	}
	cases = append(cases, 0.1+0.2, 176.51000000000002, 367.96000000000004, 1e-6, 1.5e-6, 0.000001, 0.0000015, 0.5, 99.99, 1e15+0.3)
	for _, f := range cases {
		got, err := appendFloat(nil, f)
		require.NoError(t, err)
		if want := stdJSON(t, f); string(got) != want {
			t.Fatalf("appendFloat(%v) = %s, encoding/json = %s", f, got, want)
		}
	}
}

func TestAppendTimeMatchesEncodingJSONInUTC(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	cases := []time.Time{
		time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC),
		time.Date(2025, 3, 1, 11, 15, 0, 0, paris),
		time.Date(1999, 12, 31, 23, 59, 59, 123000000, time.UTC),
		time.Date(2000, 1, 2, 3, 4, 5, 1, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		cases = append(cases, time.Unix(rng.Int64N(4e10)-1e10, rng.Int64N(1e9)))
	}
	// The whole range RFC 3339 can carry, leap days and era ends included.
	for range 20000 {
		cases = append(cases, time.Unix(minRFC3339Unix+rng.Int64N(maxRFC3339Unix-minRFC3339Unix+1), rng.Int64N(1e9)/1e6*1e6))
	}
	for _, y := range []int{0, 1, 4, 99, 100, 399, 400, 1600, 1900, 1970, 2000, 2024, 2100, 9996, 9999} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			cases = append(cases, time.Date(y, time.Month(md[0]), md[1], 23, 59, 59, 0, time.UTC), time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC))
		}
	}
	for _, tm := range cases {
		got, err := appendTime(nil, tm)
		require.NoError(t, err)
		assert.Equal(t, stdJSON(t, tm.UTC()), string(got), "time %v", tm)
	}
	_, err := appendTime(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.ErrorIs(t, err, errTimeRange)
	_, err = appendTime(nil, time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.ErrorIs(t, err, errTimeRange)
	_, err = appendTime(nil, time.Unix(minRFC3339Unix-1, 999999999))
	assert.ErrorIs(t, err, errTimeRange)
	_, err = appendTime(nil, time.Unix(maxRFC3339Unix+1, 0))
	assert.ErrorIs(t, err, errTimeRange)
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "\u2028", "\xff", "\"\\\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json = %s", s, got, want)
		}
	})
}

// FuzzAppendFloat: appendFloat's bytes equal encoding/json's for every
// finite float64 (the short-decimal path and strconv's alike). The seed
// corpus is in testdata/fuzz/FuzzAppendFloat.
func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1, 70.22, 176.51000000000002, 1e-7, 1 << 40, 0.1 + 0.2} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		got, err := appendFloat(nil, x)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if err == nil {
				t.Fatalf("appendFloat(%v) accepted a non-finite number", x)
			}
			return
		}
		want, jerr := json.Marshal(x)
		if err != nil || jerr != nil || string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, %v; encoding/json = %s, %v", x, got, err, want, jerr)
		}
	})
}

// FuzzAppendTime: appendTime's bytes equal encoding/json's for the UTC
// time of any Unix seconds and nanoseconds in RFC 3339's range, and it
// refuses the rest. The seed corpus is in testdata/fuzz/FuzzAppendTime.
func FuzzAppendTime(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(minRFC3339Unix), int64(1))
	f.Add(int64(maxRFC3339Unix), int64(999999999))
	f.Add(int64(951782400), int64(1000000)) // 2000-02-29
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec, nsec)
		got, err := appendTime(nil, tm)
		if y := tm.UTC().Year(); y < 0 || y > 9999 {
			if err == nil {
				t.Fatalf("appendTime(%v) accepted year %d", tm, y)
			}
			return
		}
		want, jerr := json.Marshal(tm.UTC())
		if err != nil || jerr != nil || string(got) != string(want) {
			t.Fatalf("appendTime(%v) = %s, %v; encoding/json = %s, %v", tm, got, err, want, jerr)
		}
	})
}

// A timeStamp writes the member `"time":<stamp>,` with the stamp
// appendTime writes, whether the second repeats (nanoseconds from none to
// nine digits), changes within the day or to another, or is out of range
// (`"time":,` and appendTime's error), after a prefix, into buffers with
// no room, a little and plenty, and writes nothing past the member.
func TestTimeStampMatchesAppendTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	var ts timeStamp
	sec := int64(1764320400)
	for range 5000 {
		switch rng.IntN(5) {
		case 0:
			sec += rng.Int64N(3)
		case 3:
			sec += rng.Int64N(86400) // the same day or the next
		case 1:
			sec = minRFC3339Unix + rng.Int64N(maxRFC3339Unix-minRFC3339Unix)
		case 2:
			sec = maxRFC3339Unix + 1 + rng.Int64N(10) // refused
		}
		nsec := []int64{0, 1, 1000, 1000000, 120000000, 999999999, rng.Int64N(1e9)}[rng.IntN(7)]
		tm := time.Unix(sec, nsec)
		want, wantErr := appendTime([]byte(`x"time":`), tm)
		want = append(want, ',')
		room := []int{0, 1, 39, 40, 64}[rng.IntN(5)]
		buf := make([]byte, 1+len(want)+room)
		for i := range buf {
			buf[i] = 0xAA
		}
		got, err := ts.appendTimeField(append(buf[:0], 'x'), tm)
		require.Equal(t, wantErr, err, "time %v", tm)
		require.Equal(t, string(want), string(got), "time %v", tm)
		if len(got) <= len(buf) && &got[0] == &buf[0] {
			for i, c := range buf[len(got):] {
				require.Equal(t, byte(0xAA), c, "time %v: byte %d past the member was written", tm, i)
			}
		}
	}
}

// Short decimals (the prices and amounts shortDecimal and appendDecimal
// write) of every digit count and fraction length, both signs, match
// encoding/json.
func TestAppendFloatShortDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for range 20000 {
		digits := 1 + rng.IntN(13)
		m := rng.Int64N(int64(math.Pow10(digits)))
		if rng.IntN(2) == 0 {
			m = -m
		}
		k := rng.IntN(8)
		x, err := strconv.ParseFloat(strconv.FormatInt(m, 10)+"e-"+strconv.Itoa(k), 64)
		require.NoError(t, err)
		got, err := appendFloat(nil, x)
		require.NoError(t, err)
		want, err := json.Marshal(x)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%d·10^-%d", m, k)
	}
}

// putFraction writes what strconv writes for the fraction, trailing zeros
// dropped: for every whole millisecond and microsecond, and random
// nanoseconds (with zeros at the end of each length).
func TestPutFractionMatchesStrconv(t *testing.T) {
	want := func(nsec int) string {
		if nsec == 0 {
			return ""
		}
		s := strconv.Itoa(1e9 + nsec)[1:] // nine digits, leading zeros kept
		return "." + strings.TrimRight(s, "0")
	}
	check := func(nsec int) {
		b := make([]byte, 12)
		for i := range b {
			b[i] = 'x'
		}
		n := putFraction(b, nsec)
		if got := string(b[:n]); got != want(nsec) {
			t.Fatalf("putFraction(%d) = %q, want %q", nsec, got, want(nsec))
		}
	}
	for ms := range 1000 {
		check(ms * 1e6)
	}
	for us := range 1000000 {
		check(us * 1e3)
	}
	rng := rand.New(rand.NewPCG(17, 18))
	for range 200000 {
		nsec := rng.IntN(1e9)
		check(nsec)
		check(nsec / 10 * 10)
		check(nsec / 1e4 * 1e4)
		check(nsec / 1e7 * 1e7)
	}
	check(1)
	check(999999999)
}

// appendInt writes what strconv writes, on both sides of its own path for
// numbers under 100 and at the ends of int64.
func TestAppendIntMatchesStrconv(t *testing.T) {
	check := func(n int64) {
		if got, want := string(appendInt([]byte("x"), n)), "x"+strconv.FormatInt(n, 10); got != want {
			t.Fatalf("appendInt(%d) = %s, want %s", n, got, want)
		}
	}
	for n := int64(-1000); n <= 100000; n++ {
		check(n)
	}
	rng := rand.New(rand.NewPCG(19, 20))
	for range 100000 {
		check(int64(rng.Uint64()))
	}
	check(math.MaxInt64)
	check(math.MinInt64)
}

// appendFloat's own path for decimals of up to 6 fractional digits below
// 2⁴⁰·10⁻⁶ (appendMillionths): every count of trailing zeros in the
// fraction (none, some, all), integer parts of every length up to the
// bound, both signs and the floats next to each (which strconv writes),
// into buffers with little room and with a prefix, against encoding/json;
// and the decimals write nothing past the appended bytes. (strconv's
// exponent form does: appendFloat trims "e-07" to "e-7" in place.)
func TestAppendFloatMillionthsMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	check := func(f float64, decimal bool) {
		want := "ab," + stdJSON(t, f)
		for _, room := range []int{0, 1, 15, 16, 64} {
			got, err := appendFloat(append(make([]byte, 0, 3+room), "ab,"...), f)
			if err != nil || string(got) != want {
				t.Fatalf("appendFloat(%v) = %s, %v; want %s", f, got, err, want)
			}
		}
		if !decimal {
			return
		}
		buf := make([]byte, len(want)+32)
		for i := range buf {
			buf[i] = 0xAA
		}
		out, _ := appendFloat(append(buf[:0], "ab,"...), f)
		for i, c := range buf[len(out):] {
			if c != 0xAA {
				t.Fatalf("%v: byte %d past the appended bytes was overwritten (%#x)", f, i, c)
			}
		}
	}
	for range 20000 {
		ip := rng.Int64N(int64(math.Pow10(rng.IntN(7))))
		fr := rng.Int64N(1e6) / int64(math.Pow10(rng.IntN(7))) * int64(math.Pow10(rng.IntN(7)))
		m := ip*1e6 + fr%1e6
		if m == 0 || m >= 1<<40 {
			continue
		}
		if rng.IntN(2) == 0 {
			m = -m
		}
		f, err := strconv.ParseFloat(strconv.FormatInt(m, 10)+"e-6", 64)
		require.NoError(t, err)
		// appendMillionths itself, not only through appendFloat's gate,
		// which would send f elsewhere, unseen, if it stopped matching.
		require.Equal(t, stdJSON(t, f), string(appendMillionths(nil, m)), "appendMillionths(%d)", m)
		check(f, true)
		check(math.Nextafter(f, math.Inf(1)), false)
	}
	for _, f := range []float64{1e-6, -1e-6, 0.5, 1, 10, 100, 1099511.627775, 999999.999999, 0.000001, 12.5, 70.22} {
		check(f, true)
	}
	check(1099511.627776, false) // 2⁴⁰·10⁻⁶: strconv's
}
