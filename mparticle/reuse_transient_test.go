package mparticle

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeTransientEqualsDecodeBatch decodes every input after every
// other with DecodeTransient, and with Decode and DecodeTransient taking
// turns on one BatchBuffer: each batch is DecodeBatch's, whatever came
// before, in either mode.
func TestDecodeTransientEqualsDecodeBatch(t *testing.T) {
	inputs := reuseInputs(t)
	var transient, mixed BatchBuffer
	for _, first := range inputs {
		for _, second := range inputs {
			decodeCompareWith(t, transient.DecodeTransient, first)
			decodeCompareWith(t, transient.DecodeTransient, second)
			decodeCompareWith(t, mixed.DecodeTransient, first)
			decodeCompare(t, &mixed, second)
		}
	}
}

// TestDecodeTransientReusesText shows the contract: a string of a
// transient batch is overwritten by the next DecodeTransient, while
// Decode's strings outlive it. And why it exists: a stream of batches
// decodes without allocating.
func TestDecodeTransientReusesText(t *testing.T) {
	var bb BatchBuffer
	alpha := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"Alpha"}}]}`)
	omega := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"Omega"}}]}`)
	name := func(b *Batch) string { return b.Events[0].Data.(*CustomEvent).EventName }

	kept, err := bb.Decode(alpha)
	require.NoError(t, err)
	keptName := name(kept)
	first, err := bb.DecodeTransient(alpha)
	require.NoError(t, err)
	transientName := name(first)
	require.Equal(t, "Alpha", transientName)

	second, err := bb.DecodeTransient(omega)
	require.NoError(t, err)
	assert.Equal(t, "Omega", name(second))
	assert.Equal(t, "Omega", transientName, "the transient string shares the memory the next batch was decoded into")
	assert.Equal(t, "Alpha", keptName, "Decode's string is a copy of its own")

	allocs := testing.AllocsPerRun(100, func() {
		for _, in := range [][]byte{alpha, omega} {
			if _, err := bb.DecodeTransient(in); err != nil {
				t.Fatal(err)
			}
		}
	})
	assert.Zero(t, allocs, "DecodeTransient allocations per two batches")
}

// TestDecodeTransientEscapedStrings: unescaped string values go after the
// input in the scratch text while they fit, else get strings of their
// own, and the next batch makes room for them.
func TestDecodeTransientEscapedStrings(t *testing.T) {
	var bb BatchBuffer
	// Long escaped values: more than the sixteenth of the input that
	// copyOfInput adds as room the first time.
	long := strings.Repeat(`\u00e9`, 200)
	in := []byte(`{"user_attributes":{"a":"` + long + `","b":"` + long + `"}}`)
	want := strings.Repeat("é", 200)
	for i := range 3 {
		b, err := bb.DecodeTransient(in)
		require.NoError(t, err)
		a, _ := b.UserAttributes.Get("a")
		bv, _ := b.UserAttributes.Get("b")
		assert.Equal(t, want, a.Text(), "pass %d", i)
		assert.Equal(t, want, bv.Text(), "pass %d", i)
	}
	assert.Equal(t, 2*len(want), bb.mem.scratch.unescaped)
	assert.Equal(t, len(in)+2*len(want), len(bb.mem.scratch.buf), "after the first batch every unescaped value fits after the input")
}

// TestDecodeTransientLargeBatch: a batch over 64 KB is decoded into a copy
// of its own, and the BatchBuffer keeps no more than that bound.
func TestDecodeTransientLargeBatch(t *testing.T) {
	var bb BatchBuffer
	big := []byte(`{"user_attributes":{"k":"` + strings.Repeat("x", maxScratchText) + `"}}`)
	b, err := bb.DecodeTransient(big)
	require.NoError(t, err)
	v, _ := b.UserAttributes.Get("k")
	text := v.Text()
	_, err = bb.DecodeTransient([]byte(`{"user_attributes":{"k":"` + strings.Repeat("y", 100) + `"}}`))
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("x", maxScratchText), text, "the large batch's strings are not in the reused memory")
	assert.LessOrEqual(t, cap(bb.mem.scratch.buf), maxScratchText+maxScratchText/4)
}

// TestDecodeTransientGivesUpMemoryOnError: after an error the scratch text
// is not written again (the next batch gets new memory), so nothing an
// error holds can change under its holder.
func TestDecodeTransientGivesUpMemoryOnError(t *testing.T) {
	var bb BatchBuffer
	ok := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":"Alpha"}}]}`)
	_, err := bb.DecodeTransient(ok)
	require.NoError(t, err)
	before := bb.mem.scratch.buf[:1:1]

	bad := []byte(`{"events":[{"event_type":"custom_event","data":{"event_name":1}}]}`)
	_, err = bb.DecodeTransient(bad)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	msg := err.Error()

	_, err = bb.DecodeTransient(ok)
	require.NoError(t, err)
	assert.NotSame(t, &before[0], &bb.mem.scratch.buf[0], "the memory used before the error is not reused")
	assert.Equal(t, msg, de.Error())
}
