package mparticle

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSplitRespectsLimitsAndOrder packs random batch sizes and checks every
// request against the limits, that batches keep their order, and that no
// request could have taken the next batch (the packing is greedy).
func TestSplitRespectsLimitsAndOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 60 {
		maxBatches := 1 + rng.IntN(MaxBatchesPerRequest)
		var in []encodedBatch
		for i := range rng.IntN(400) {
			size := 2 + rng.IntN(8*1024)
			if rng.IntN(20) == 0 {
				size = MaxBatchBytes
			}
			in = append(in, encodedBatch{index: i * 2, json: make([]byte, size)})
		}
		chunks := split(in, maxBatches, MaxRequestBytes)
		var out []encodedBatch
		for ci, ch := range chunks {
			if len(ch) == 0 || len(ch) > maxBatches || ch.bodySize() > MaxRequestBytes || (ci == 0 && len(ch.body()) != ch.bodySize()) {
				t.Fatalf("round %d chunk %d: %d batches (max %d), %d bytes (max %d), body %d bytes",
					round, ci, len(ch), maxBatches, ch.bodySize(), MaxRequestBytes, len(ch.body()))
			}
			if ci+1 < len(chunks) {
				next := chunks[ci+1][0]
				if len(ch) < maxBatches && ch.bodySize()+1+len(next.json) <= MaxRequestBytes {
					t.Fatalf("round %d: chunk %d could have held the next batch", round, ci)
				}
			}
			out = append(out, ch...)
		}
		require.Equal(t, len(in), len(out))
		for i := range in {
			if in[i].index != out[i].index {
				t.Fatalf("round %d: batch %d out of order", round, i)
			}
		}
	}
}

func TestChunkBody(t *testing.T) {
	assert.Equal(t, "[]", string(chunk(nil).body()))
	assert.Equal(t, 2, chunk(nil).bodySize())
	c := chunk{{json: []byte(`{"a":1}`)}, {json: []byte(`{}`)}}
	assert.Equal(t, `[{"a":1},{}]`, string(c.body()))
	assert.Equal(t, len(`[{"a":1},{}]`), c.bodySize())
}
