package mparticle

import (
	"math/rand/v2"
	"testing"
)

// TestClosesThenNextMatchesNext: the hot loops' `closes, else next` after
// comma must do exactly what next alone does, for whatever byte follows a
// value: the same result, error text, position and depth.
func TestClosesThenNextMatchesNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte{',', '}', ']', ' ', '\n', '"', 'x', '1', 0}
	for n := 0; n < 100000; n++ {
		buf := make([]byte, rng.IntN(6))
		for i := range buf {
			buf[i] = alphabet[rng.IntN(len(alphabet))]
		}
		closer, what := byte('}'), "object"
		if rng.IntN(2) == 0 {
			closer, what = ']', "array"
		}
		pos, depth := 0, 1+rng.IntN(3)
		if len(buf) > 0 {
			pos = rng.IntN(len(buf) + 1)
		}
		want := decoder{data: buf, pos: pos, depth: depth}
		wantMore, wantErr := want.next(closer, what)

		got := decoder{data: buf, pos: pos, depth: depth}
		var gotMore bool
		var gotErr error
		if gotMore = !got.closes(closer); gotMore {
			gotMore, gotErr = got.next(closer, what)
		}
		if gotMore != wantMore || errText(gotErr) != errText(wantErr) || got.pos != want.pos || got.depth != want.depth {
			t.Fatalf("%q at %d, closer %q: got (%v, %v) pos %d depth %d, want (%v, %v) pos %d depth %d",
				buf, pos, closer, gotMore, gotErr, got.pos, got.depth, wantMore, wantErr, want.pos, want.depth)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestDecodeLeavesDepthZero: every object and array the decoders enter,
// they leave, whichever step (closes or next) consumed the closer. A
// closer that did not lower the depth would show here, and on long
// inputs as a false "nesting too deep".
func TestDecodeLeavesDepthZero(t *testing.T) {
	for _, in := range reuseInputs(t) {
		d := decoder{data: in}
		var b Batch
		if err := d.topLevel(b.decodeJSON); err != nil {
			continue
		}
		if d.depth != 0 {
			t.Errorf("depth %d after decoding %q", d.depth, in)
		}
		d = decoder{data: in, reuse: &reuse{}}
		b = Batch{}
		if err := d.topLevel(b.decodeJSON); err == nil && d.depth != 0 {
			t.Errorf("depth %d after decoding %q into reused memory", d.depth, in)
		}
	}
}
