package jsonenc

import (
	"encoding/json"
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
		if got, want := string(AppendString(nil, s)), marshal(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json = %s", s, got, want)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	s := "Wishlist Shared by customer 12345 <web> & app — ok"
	buf := make([]byte, 0, 128)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}
