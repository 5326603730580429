package braze

import "sync/atomic"

// BatchStats is a snapshot of a Batcher's counters since it was created.
type BatchStats struct {
	// Queued is the number of objects held now: accepted by Add and not
	// yet resolved (waiting or in flight).
	Queued int
	// Added counts objects accepted by Add.
	Added uint64
	// Delivered and Failed count objects with a Result.
	Delivered, Failed uint64
	// Requests counts /users/track requests that reached Braze (each with
	// the client's retries inside it); Objects counts the objects they
	// carried.
	Requests, Objects uint64
	// Retries and RateLimited count the client's retried attempts and the
	// HTTP 429 answers it received. They come from the Client, so they
	// include other calls made through the same Client.
	Retries, RateLimited uint64
	// MeanObjectsPerRequest is Objects ÷ Requests (0 before any request).
	MeanObjectsPerRequest float64
	// PackingEfficiency is MeanObjectsPerRequest ÷ the most objects a
	// request may carry (75 with the default limits; three times the
	// per-array cap with per-array limits).
	PackingEfficiency float64
}

// batchCounters are updated by Add, the sending goroutines and Close's
// deadline, and read by Stats without the lock.
type batchCounters struct {
	added, delivered, failed atomic.Uint64
	requests, sent           atomic.Uint64
}

// Stats returns the batcher's counters.
func (b *Batcher) Stats() BatchStats {
	b.mu.Lock()
	queued := b.l.q.held
	b.mu.Unlock()
	s := BatchStats{
		Queued:    queued,
		Added:     b.stats.added.Load(),
		Delivered: b.stats.delivered.Load(),
		Failed:    b.stats.failed.Load(),
		Requests:  b.stats.requests.Load(),
		Objects:   b.stats.sent.Load(),
	}
	s.Retries, s.RateLimited = clientRetryCounts(b.client)
	if s.Requests > 0 {
		s.MeanObjectsPerRequest = float64(s.Objects) / float64(s.Requests)
		s.PackingEfficiency = s.MeanObjectsPerRequest / float64(b.capacity.total())
	}
	return s
}
