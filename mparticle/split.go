package mparticle

// Request limits of the Events API (spec §A1). The per-batch limit,
// MaxBatchBytes, lives with the model.
const (
	// MaxRequestBytes is the largest request body either endpoint accepts: 256 KB.
	MaxRequestBytes = 256 * 1024
	// MaxBatchesPerRequest is the most batches one /bulkevents request may hold.
	MaxBatchesPerRequest = 100
)

// encodedBatch is one batch of a BulkUpload, encoded once.
type encodedBatch struct {
	index int    // position in the caller's slice
	json  []byte // the batch's JSON
}

// chunk is the batches of one /bulkevents request.
type chunk []encodedBatch

// bodySize is the size of the JSON array holding the chunk's batches.
func (c chunk) bodySize() int {
	if len(c) == 0 {
		return 2
	}
	n := 2 + len(c) - 1 // brackets and commas
	for _, b := range c {
		n += len(b.json)
	}
	return n
}

// body encodes the chunk as the /bulkevents request body: a JSON array of
// the already-encoded batches, with no second encoding pass.
func (c chunk) body() []byte {
	buf := make([]byte, 0, c.bodySize())
	buf = append(buf, '[')
	for i, b := range c {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, b.json...)
	}
	return append(buf, ']')
}

// split packs batches, in order, into as few requests as the limits allow:
// at most maxBatches batches and maxBytes bytes of body each. Keeping the
// caller's order means one user's batches reach mParticle in the order they
// were given. Every batch must fit alone (callers reject larger ones first;
// a batch within MaxBatchBytes always fits in MaxRequestBytes).
func split(batches []encodedBatch, maxBatches, maxBytes int) []chunk {
	chunks := make([]chunk, 0, len(batches)/max(maxBatches, 1)+1)
	var cur chunk
	size := 2 // "[]"
	for _, b := range batches {
		add := len(b.json)
		if len(cur) > 0 {
			add++ // comma
		}
		if len(cur) > 0 && (len(cur) == maxBatches || size+add > maxBytes) {
			chunks = append(chunks, cur)
			cur, size, add = nil, 2, len(b.json)
		}
		if cur == nil {
			cur = make(chunk, 0, min(maxBatches, len(batches)))
		}
		cur = append(cur, b)
		size += add
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}
