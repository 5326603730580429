package mparticle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// benchBatch is a realistic batch: 22 mixed events (sessions, screen views,
// custom events with 7 attributes, commerce with two products, attribute
// changes, a push registration), identities, 10 user attributes, device and
// app info. About 11 KB of JSON.
func benchBatch(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile("testdata/corpus/realistic_22_events.json")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeBatch(b *testing.B) {
	data := benchBatch(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBatch(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBatch(b *testing.B) {
	data := benchBatch(b)
	batch, err := DecodeBatch(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf, err = batch.AppendJSON(buf[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeEncodeBatch is the typed pass-through: decode, then
// encode into a fresh buffer.
func BenchmarkDecodeEncodeBatch(b *testing.B) {
	data := benchBatch(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		batch, err := DecodeBatch(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := batch.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBatchGenericMap is the baseline: the same bytes decoded
// into map[string]any with encoding/json (UseNumber would be needed to be
// lossless; plain Unmarshal is the cheaper, lossy variant).
func BenchmarkDecodeBatchGenericMap(b *testing.B) {
	data := benchBatch(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeBatchGenericMap re-encodes the generic map.
func BenchmarkEncodeBatchGenericMap(b *testing.B) {
	data := benchBatch(b)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeEncodeBatchGenericMap is the generic pass-through.
func BenchmarkDecodeEncodeBatchGenericMap(b *testing.B) {
	data := benchBatch(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeReuse is BenchmarkDecodeBatch through a BatchBuffer:
// the same bytes decoded again and again into reused memory.
func BenchmarkDecodeReuse(b *testing.B) {
	data := benchBatch(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var bb BatchBuffer
	for b.Loop() {
		if _, err := bb.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeReuseMixed decodes the test batches in turn (different
// shapes and sizes, 1 to 11 KB) through one BatchBuffer, next to
// BenchmarkDecodeBatchMixed: steady state when the batches differ.
func BenchmarkDecodeReuseMixed(b *testing.B) {
	inputs := mixedBatches(b)
	var bb BatchBuffer
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := bb.Decode(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDecodeBatchMixed is BenchmarkDecodeReuseMixed through
// DecodeBatch.
func BenchmarkDecodeBatchMixed(b *testing.B) {
	inputs := mixedBatches(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := DecodeBatch(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// mixedBatches are the batch files under testdata.
func mixedBatches(b *testing.B) [][]byte {
	b.Helper()
	files, err := filepath.Glob("testdata/corpus/*.json")
	if err != nil {
		b.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/*batch*.json")
	var out [][]byte
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}
