package braze

import (
	"fmt"
	"testing"
)

// BenchmarkQueue is the queue work done under the Batcher's lock for the
// forward path's shape, without taking the lock and without the senders:
// each op queues one user's 7 objects (1 attributes, 5 events, 1 purchase;
// 1,000 users in turn), packs every full request and completes it (booking
// each user back and forgetting those with nothing left). It isolates the
// per-object cost of the user map, the ready list and packing.
func BenchmarkQueue(b *testing.B) {
	const users = 1000
	keys := make([]userKey, users)
	for i := range keys {
		id := ExternalID(fmt.Sprintf("customer-%06d", i))
		keys[i] = keyOf(&id)
	}
	enc := []byte(`{"external_id":"customer-000000","name":"Product Viewed","time":"2026-11-28T10:00:00Z"}`)
	kinds := []ObjectKind{ObjectAttributes, ObjectEvent, ObjectEvent, ObjectEvent, ObjectEvent, ObjectEvent, ObjectPurchase}
	items := make([]Item, len(kinds))
	encs := make([][]byte, len(kinds))
	for i := range encs {
		encs[i] = enc
	}
	c := capacity{max: DefaultMaxObjects, combined: true, maxBytes: MaxBodyBytes}
	q := newQueue()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		q.addAll(q.user(keys[i%users]), items, kinds, encs, nil, 0)
		for q.full(c) {
			p := q.pack(c)
			q.complete(p)
			for _, u := range p.users {
				q.forget(u)
			}
			q.recycle(p)
		}
	}
}
