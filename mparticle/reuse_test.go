package mparticle

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reuseInputs are the batches the BatchBuffer tests decode in sequence:
// every file under testdata plus small batches that leave out, null or
// empty what the big ones set.
func reuseInputs(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for _, pat := range []string{"testdata/*batch*.json", "testdata/corpus/*.json"} {
		files, err := filepath.Glob(pat)
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			out = append(out, b)
		}
	}
	for _, s := range reuseSmallBatches {
		out = append(out, []byte(s))
	}
	return out
}

// reuseSmallBatches are small batches (and failing ones) to put between
// big ones: a field present in a big batch must not show through in them.
var reuseSmallBatches = []string{
	`{}`,
	`{"events":[]}`,
	`{"events":null,"user_attributes":null,"device_info":null}`,
	`{"events":[{"event_type":"custom_event","data":{"event_name":"x"}}],"user_attributes":{}}`,
	`{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase","products":[]}}}]}`,
	`{"events":[{"event_type":"commerce_event","data":{"product_action":{"action":"purchase","products":[{"id":"a"}]}}}]}`,
	`{"events":[{"data":{"event_name":"late type"},"event_type":"custom_event"},{"event_type":"nope","data":{"z":1}}]}`,
	`{"user_attributes":{"l":["a","b"],"e":[],"m":["x",1]},"deleted_user_attributes":["a"],"context":{"batching":{"request_ids":[]}}}`,
	`{"user_identities":{"email":"a@b"},"unknown_top":{"a":[1,2]}}`,
	`{"events":[{"event_type":"custom_event","data":{"event_name":"x","custom_attributes":{"a":1}}}],"user_attributes":{"a":"\u00e9\n"}}`,
	// failures, at the top, deep inside an event and in a product list
	`{"events":[{"event_type":"custom_event","data":{"event_name":1}}]}`,
	`{"events":[{"event_type":"commerce_event","data":{"product_action":{"products":[{"id":"a"},{"quantity":"x"}]}}}]}`,
	`{"mpid":"x"}`,
	`{"user_attributes":{"a":"b"`,
	`[]`,
	``,
}

// decodeCompare decodes in with bb and with DecodeBatch and fails unless
// both agree: the same error text, or deep-equal batches.
func decodeCompare(t testing.TB, bb *BatchBuffer, in []byte) *Batch {
	t.Helper()
	return decodeCompareWith(t, bb.Decode, in)
}

// decodeCompareWith is decodeCompare with decode (a BatchBuffer's Decode
// or DecodeTransient).
func decodeCompareWith(t testing.TB, decode func([]byte) (*Batch, error), in []byte) *Batch {
	t.Helper()
	want, wantErr := DecodeBatch(in)
	got, gotErr := decode(in)
	if wantErr != nil || gotErr != nil {
		if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
			t.Fatalf("errors differ on %q:\nDecodeBatch: %v\nBatchBuffer: %v", in, wantErr, gotErr)
		}
		if got != nil {
			t.Fatalf("BatchBuffer returned a batch with error %v", gotErr)
		}
		if _, ok := gotErr.(*DecodeError); !ok {
			t.Fatalf("error %T is not *DecodeError", gotErr)
		}
		return nil
	}
	if !reflect.DeepEqual(want, got) {
		w, _ := want.Encode()
		g, _ := got.Encode()
		t.Fatalf("BatchBuffer batch differs from DecodeBatch on %q\nwant %s\n got %s", in, w, g)
	}
	return got
}

func TestBatchBufferEqualsDecodeBatch(t *testing.T) {
	inputs := reuseInputs(t)
	var bb BatchBuffer
	// Every input after every other, so that each follows a big and a
	// small batch, a success and a failure.
	for _, first := range inputs {
		for _, second := range inputs {
			decodeCompare(t, &bb, first)
			decodeCompare(t, &bb, second)
		}
	}
}

// TestBatchBufferReusesMemory shows what the lifetime rule means: the
// second Decode returns the same *Batch, now holding the second batch, and
// the first batch's events and structs are gone; its strings are not.
func TestBatchBufferReusesMemory(t *testing.T) {
	var bb BatchBuffer
	in := []byte(`{"mpid":7,"events":[{"event_type":"custom_event","data":{"event_name":"Alpha","custom_attributes":{"k":"v1"}}}],` +
		`"device_info":{"platform":"iOS"},"user_attributes":{"tier":"gold","l":["x","y"]}}`)
	_, err := bb.Decode(in) // the first batch sizes the slabs
	require.NoError(t, err)
	first, err := bb.Decode(in)
	require.NoError(t, err)
	name := first.Events[0].Data.(*CustomEvent).EventName
	events := first.Events
	ce := first.Events[0].Data.(*CustomEvent)
	attrs := first.UserAttributes
	evAttrs := ce.CustomAttributes // the slab's first entry: events come first in the input
	tier, _ := first.UserAttributes.Get("tier")
	list, _ := first.UserAttributes.Get("l")
	listItems, ok := list.List()
	require.True(t, ok)

	second, err := bb.Decode([]byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"Beta"}}],"user_attributes":{"tier":"silver"}}`))
	require.NoError(t, err)
	assert.Same(t, first, second, "the batch is reused")
	assert.Nil(t, second.DeviceInfo, "a field absent from the second batch is not the first batch's")
	assert.True(t, second.MPID.IsAbsent())
	assert.Equal(t, "Beta", second.Events[0].Data.(*CustomEvent).EventName)
	assert.Same(t, &events[0], &second.Events[0], "the event slice is reused")
	assert.Same(t, ce, second.Events[0].Data.(*CustomEvent), "the event struct is reused")
	assert.Empty(t, ce.CustomAttributes, "the first event's attributes are cleared")
	assert.Equal(t, Attribute{}, attrs[0], "the attribute slab is cleared")
	assert.Same(t, &evAttrs[0], &second.UserAttributes[0], "the attribute slab is reused")

	// Strings read from the first batch are still what they were.
	assert.Equal(t, "Alpha", name)
	assert.Equal(t, "gold", tier.Text())
	assert.Equal(t, []string{"x", "y"}, listItems)
}

// TestBatchBufferStringsOutliveInput: decoded strings are copies, not
// views of the input or of memory the buffer reuses.
func TestBatchBufferStringsOutliveInput(t *testing.T) {
	inputs := reuseInputs(t)
	var bb BatchBuffer
	type kept struct {
		strs []string // strings taken from a decoded batch
		copy []string // their contents, copied at the time
	}
	var all []kept
	for _, in := range inputs {
		buf := bytes.Clone(in)
		b, err := bb.Decode(buf)
		if err != nil {
			continue
		}
		var k kept
		collectStrings(reflect.ValueOf(b), func(s string) {
			k.strs = append(k.strs, s)
			k.copy = append(k.copy, strings.Clone(s))
		})
		all = append(all, k)
		for i := range buf {
			buf[i] = 'X' // the caller reuses its input buffer
		}
	}
	// Decode everything again, into the same memory.
	for _, in := range inputs {
		_, _ = bb.Decode(bytes.Clone(in))
	}
	require.NotEmpty(t, all)
	for _, k := range all {
		assert.Equal(t, k.copy, k.strs)
	}
}

// collectStrings calls fn with every string reachable from v.
func collectStrings(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			collectStrings(v.Field(i), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collectStrings(v.Index(i), fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			collectStrings(iter.Key(), fn)
			collectStrings(iter.Value(), fn)
		}
	}
}

// fuzzSeparator splits a FuzzBatchBuffer input into the batches decoded
// one after another (ASCII record separator: never valid inside JSON).
const fuzzSeparator = "\x1e"

// FuzzBatchBuffer decodes a sequence of inputs with one BatchBuffer (every
// third with DecodeTransient) and checks each result against DecodeBatch
// (deep-equal batch, or the same error), so that nothing of one batch leaks
// into the next, and that the strings of every batch Decode returned
// survive the later decodes, transient ones included, and the caller
// overwriting its input.
func FuzzBatchBuffer(f *testing.F) {
	inputs := reuseInputs(f)
	var big, small [][]byte
	for _, in := range inputs {
		if len(in) > 1000 {
			big = append(big, in)
		} else {
			small = append(small, in)
		}
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, []byte(fuzzSeparator)) }
	for _, b := range big {
		for _, s := range small {
			f.Add(join(b, s, b))
		}
	}
	f.Add(join(big...))
	f.Add(join(small...))
	f.Fuzz(func(t *testing.T, in []byte) {
		var bb BatchBuffer
		var strs, copies []string
		i := 0
		for part := range bytes.SplitSeq(in, []byte(fuzzSeparator)) {
			buf := bytes.Clone(part)
			i++
			if i%3 == 0 {
				// Every third part transient: its strings may change with
				// the next decode, so only the batch is compared, and the
				// other parts' strings must survive it.
				decodeCompareWith(t, bb.DecodeTransient, buf)
				continue
			}
			if b := decodeCompare(t, &bb, buf); b != nil {
				collectStrings(reflect.ValueOf(b), func(s string) {
					strs = append(strs, s)
					copies = append(copies, strings.Clone(s))
				})
			}
			for i := range buf {
				buf[i] = '!'
			}
		}
		for i := range strs {
			if strs[i] != copies[i] {
				t.Fatalf("string %q changed to %q", copies[i], strs[i])
			}
		}
	})
}

// TestBatchBufferStringsOutliveLaterDecodes keeps the strings of one batch
// and decodes a thousand others (small and large, filling and starting
// many text chunks, some with texts of their own) through the same
// BatchBuffer: the kept strings must still equal a fresh decode's.
func TestBatchBufferStringsOutliveLaterDecodes(t *testing.T) {
	inputs := reuseInputs(t)
	var bb BatchBuffer
	for _, first := range inputs {
		buf := bytes.Clone(first)
		b, err := bb.Decode(buf)
		if err != nil {
			continue
		}
		var kept []string
		collectStrings(reflect.ValueOf(b), func(s string) { kept = append(kept, s) })
		clear(buf)
		for i := range 1000 {
			_, _ = bb.Decode(inputs[(i*7)%len(inputs)])
		}
		fresh, err := DecodeBatch(first)
		require.NoError(t, err)
		var want []string
		collectStrings(reflect.ValueOf(fresh), func(s string) { want = append(want, s) })
		slices.Sort(want) // maps are walked in random order
		slices.Sort(kept)
		require.Equal(t, want, kept)
	}
}

// TestTextChunk checks copyOf on texts of random sizes around the
// chunk's limits: each string equals its input, stays so while later
// texts are copied in, and lies in the current chunk when it is at most a
// quarter of a chunk (a new chunk only when the last had no room), and
// outside any chunk when larger.
func TestTextChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c textChunk
	var strs, want []string
	sizes := []int{0, 1, textChunkSize / 4, textChunkSize/4 + 1, textChunkSize, 3 * textChunkSize}
	chunks := 0
	for i := range 3000 {
		n := rng.IntN(textChunkSize/4 + 200)
		if i < len(sizes) {
			n = sizes[i]
		}
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		before, room := c.b, 0
		if before != nil {
			room = before.Cap() - before.Len()
		}
		s := c.copyOf(data)
		require.Equal(t, string(data), s)
		switch {
		case n > textChunkSize/4:
			assert.Same(t, before, c.b, "an oversize text starts a chunk")
			assert.False(t, c.b != nil && within(s, c.b.String()), "an oversize text of %d bytes is in the chunk", n)
		case n > 0:
			if room < n {
				assert.NotSame(t, before, c.b, "a chunk without room is written to")
				assert.GreaterOrEqual(t, c.b.Cap(), textChunkSize)
				chunks++
			} else {
				assert.Same(t, before, c.b, "a chunk with room is left")
			}
			assert.True(t, within(s, c.b.String()), "a text of %d bytes is not in the chunk", n)
		}
		clear(data) // the caller reuses its input
		strs = append(strs, s)
		want = append(want, strings.Clone(s))
	}
	assert.Equal(t, want, strs)
	assert.Greater(t, chunks, 100)
}

// within reports whether s lies inside the bytes of chunk.
func within(s, chunk string) bool {
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(chunk)))
	return len(s) > 0 && p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(chunk))
}
