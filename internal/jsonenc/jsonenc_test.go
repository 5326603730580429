package jsonenc

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// marshal is the reference: what encoding/json writes for s.
func marshal(t testing.TB, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every byte on its own, every byte between safe text, and a rune of every
// UTF-8 length (and the line terminators) must come out as encoding/json
// writes them.
func TestAppendStringEveryByteAndRuneClass(t *testing.T) {
	var inputs []string
	for b := range 256 {
		inputs = append(inputs, string([]byte{byte(b)}), "ab"+string([]byte{byte(b)})+"cd")
	}
	for _, r := range []rune{0x7f, 0x80, 0x7ff, 0x800, 0x2027, 0x2028, 0x2029, 0x202a, 0xfffd, 0xffff, 0x10000, utf8.MaxRune} {
		inputs = append(inputs, string(r), "x"+string(r)+"y")
	}
	inputs = append(inputs, "", "\xe2\x80", "\xed\xa0\x80", "<a href=\"x\">&amp;</a>", "\x00\b\f\n\r\t\\\"")
	for _, s := range inputs {
		if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
			t.Errorf("AppendString(%q) = %s, encoding/json = %s", s, got, want)
		}
	}
}

// AppendString appends: what dst held stays in front.
func TestAppendStringKeepsPrefix(t *testing.T) {
	got := string(AppendString([]byte(`{"k":`), "v<"))
	if want := `{"k":"v\u003c"`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// FuzzAppendString: for any string the bytes equal encoding/json's. The
// seed corpus is in testdata/fuzz/FuzzAppendString.
func FuzzAppendString(f *testing.F) {
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		want := marshal(t, s)
		if got := string(AppendString(nil, s)); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json = %s", s, got, want)
		}
		// After a prefix, into a buffer with little room to spare and
		// into one with more: the word stores of short strings must not
		// touch the prefix nor show past the literal.
		for _, room := range []int{0, 1, 64} {
			dst := append(make([]byte, 0, 3+room), "ab,"...)
			if got := string(AppendKey(dst, s)); got != "ab,"+want+":" {
				t.Fatalf("AppendKey(%q) = %s, want %s", s, got, "ab,"+want+":")
			}
			if got := string(AppendString(dst, s)); got != "ab,"+want {
				t.Fatalf("AppendString(%q) after a prefix = %s, want %s", s, got, "ab,"+want)
			}
		}
		// Like append, nothing is written past what is appended: the
		// spare capacity of a buffer large enough keeps its bytes.
		for _, appendFn := range []func([]byte, string) []byte{AppendString, AppendKey} {
			buf := make([]byte, 3+len(want)+1+64)
			for i := range buf {
				buf[i] = 0xAA
			}
			out := appendFn(append(buf[:0], "ab,"...), s)
			for i, c := range buf[len(out):] {
				if c != 0xAA {
					t.Fatalf("%q: byte %d past the %d appended bytes was overwritten (%#x)", s, i, len(out), c)
				}
			}
		}
	})
}

// checkKeyString fails t unless AppendKeyString(dst, k, v) is
// AppendString(AppendKey(dst, k), v), after a prefix, into buffers with
// little and much room to spare, and writes nothing past what it appends.
func checkKeyString(t *testing.T, k, v string) {
	t.Helper()
	want := "ab," + marshal(t, k) + ":" + marshal(t, v)
	for _, room := range []int{0, 1, 39, 40, 64} {
		dst := append(make([]byte, 0, 3+room), "ab,"...)
		if got := string(AppendKeyString(dst, k, v)); got != want {
			t.Fatalf("AppendKeyString(%q, %q) = %s, want %s", k, v, got, want)
		}
	}
	buf := make([]byte, len(want)+64)
	for i := range buf {
		buf[i] = 0xAA
	}
	out := AppendKeyString(append(buf[:0], "ab,"...), k, v)
	for i, c := range buf[len(out):] {
		if c != 0xAA {
			t.Fatalf("%q, %q: byte %d past the %d appended bytes was overwritten (%#x)", k, v, i, len(out), c)
		}
	}
}

// AppendKeyString writes a pair on its own only when both strings are 1
// to 16 bytes and safe: every length from 0 to 18 on both sides, each
// plain and with a byte to escape at either end or inside (so that each
// load and each word of the test is the one that must find it), and
// random strings over a small alphabet rich in escapes.
func TestAppendKeyStringMatchesTwoAppends(t *testing.T) {
	var inputs []string
	for n := range 19 {
		plain := strings.Repeat("k", n)
		inputs = append(inputs, plain)
		for _, bad := range []string{"<", "\"", "\n", "\x80", "\u2028", "é", "|"} {
			for _, at := range []int{0, n / 2, n - 1} {
				if n > 0 {
					inputs = append(inputs, plain[:at]+bad+plain[at+1:])
				}
			}
		}
	}
	for _, k := range inputs {
		for _, v := range inputs {
			checkKeyString(t, k, v)
		}
	}
	const alphabet = "ab<>&\"\\\x00\x1f\x7f\x80\xe2\x80\xa8 z^|~"
	rng := rand.New(rand.NewPCG(5, 6))
	random := func() string {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		checkKeyString(t, random(), random())
	}
}

// FuzzAppendKeyString: for any key and value AppendKeyString writes the
// bytes of AppendKey and AppendString (themselves checked against
// encoding/json by FuzzAppendString). The seed corpus is in
// testdata/fuzz/FuzzAppendKeyString.
func FuzzAppendKeyString(f *testing.F) {
	f.Add("price", "camping")
	f.Fuzz(checkKeyString)
}

func BenchmarkAppendString(b *testing.B) {
	s := "Wishlist Shared by customer 12345 <web> & app — ok"
	buf := make([]byte, 0, 128)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}

// wordSafeByte is the byte table as the word-at-a-time test sees it: safe,
// less the three safe bytes it reports unsafe ('^', '|', '~'; see
// wordUnsafe).
func wordSafeByte(b byte) bool { return safe[b] && b != '^' && b != '|' && b != '~' }

// The word-at-a-time test agrees with the byte table for every byte value
// in every position of a word, with safe bytes around it, except that it
// reports '^', '|' and '~' unsafe (false alarms, never a miss).
func TestWordSafeMatchesTable(t *testing.T) {
	for b := range 256 {
		for pos := range 8 {
			var buf [8]byte
			for i := range buf {
				buf[i] = 'a'
			}
			buf[pos] = byte(b)
			if got, want := wordSafe(Load64(string(buf[:]), 0)), wordSafeByte(byte(b)); got != want {
				t.Fatalf("byte %#x at %d: wordSafe %v, table %v", b, pos, got, want)
			}
		}
	}
}

// Words mixing bytes from around every boundary of the test (0x1f/0x20,
// 0x7f/0x80, each special and its neighbours, the false alarms and theirs)
// agree with the table too, as wordSafeByte sees it.
func TestWordSafeMatchesTableOnMixedWords(t *testing.T) {
	alphabet := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
		0x5b, 0x5c, 0x5d, 0x61, 0x7e, 0x7f, 0x80, 0xc3, 0xfe, 0xff, 0x02, 0x04, 0x24, 0x2a, 0x3a, 0x38,
		0x1c, 0x1d, 0x1e, 0x5e, 0x7c, 0x7d, 0x6c, 0x6e, 0x7b, 0x60}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200000 {
		var buf [8]byte
		all := true
		for i := range buf {
			buf[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(3) > 0 {
				buf[i] = 'a' + byte(rng.IntN(26))
			}
			all = all && wordSafeByte(buf[i])
		}
		if got := wordSafe(Load64(string(buf[:]), 0)); got != all {
			t.Fatalf("% x: wordSafe %v, table %v", buf, got, all)
		}
	}
}

// Long inputs cross the word path and the tail: each escape class at each
// offset of a 40-byte string.
func TestAppendStringEveryOffset(t *testing.T) {
	for _, special := range []string{"\"", "\\", "<", ">", "&", "\n", "\x01", "\x7f", "é", "\u2028", "\xff", "😀", "^", "|", "~", "|~^"} {
		for off := range 41 {
			s := strings.Repeat("x", off) + special + strings.Repeat("y", 40-off)
			short := s[off-min(off, 5):]
			if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
				t.Fatalf("AppendString(%q) = %s, encoding/json = %s", s, got, want)
			}
			if got, want := string(AppendKey(nil, s)), marshal(t, s)+":"; got != want {
				t.Fatalf("AppendKey(%q) = %s, want %s", s, got, want)
			}
			for n := range len(short) + 1 {
				if got, want := string(AppendString(nil, short[:n])), marshal(t, short[:n]); got != want {
					t.Fatalf("AppendString(%q) = %s, encoding/json = %s", short[:n], got, want)
				}
			}
		}
	}
}

func BenchmarkAppendStringPlain(b *testing.B) {
	for _, s := range []string{"app", "cust-102889", "user2889@example.org", "Wireless Noise-Cancelling Headphones, over-ear, black"} {
		b.Run(strconv.Itoa(len(s)), func(b *testing.B) {
			buf := make([]byte, 0, 128)
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}

// safePrefix finds exactly the first byte that is not safe (by the safe
// table: '^', '|' and '~', which its word test flags, are passed over), on
// every length 0-40 with each kind of byte at every offset, alone and
// after a false alarm, and on random strings rich in both.
func TestSafePrefixIsExact(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want := len(s)
		for i := 0; i < len(s); i++ {
			if !safe[s[i]] {
				want = i
				break
			}
		}
		if got := safePrefix(s); got != want {
			t.Fatalf("safePrefix(%q) = %d, want %d", s, got, want)
		}
	}
	for n := range 41 {
		for _, special := range []string{"", "&", "<", "\"", "\\", "\n", "\x7f", "é", "\xff", "^", "|", "~"} {
			for off := 0; off <= n; off++ {
				base := strings.Repeat("x", n)
				check(base[:off] + special + base[off:])
				check("|" + base[:off] + special + base[off:])
				check(base[:off] + "~" + base[off:] + special)
			}
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := "xxxxxxxxy&<^|~\n\x80"
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		check(string(b))
	}
}
