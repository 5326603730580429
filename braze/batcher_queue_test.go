package braze

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kinds parses "AEP" into object kinds.
func kinds(s string) []ObjectKind {
	out := make([]ObjectKind, len(s))
	for i, c := range s {
		out[i] = map[rune]ObjectKind{'A': ObjectAttributes, 'E': ObjectEvent, 'P': ObjectPurchase}[c]
	}
	return out
}

// addKinds queues objects of the given kinds for user key, with Ref = the
// user's running number of the object.
func addKinds(q *queue, key, s string) {
	for _, k := range kinds(s) {
		u := q.user(testKey(key))
		q.add(u, entry{kind: k, item: Item{Ref: key + ":" + strconv.Itoa(int(u.added))}})
	}
}

// testKey is the userKey of external id s.
func testKey(s string) userKey { return userKey{kind: idExternalID, a: s} }

// shape renders a packed request as "user:KINDS user:KINDS".
func shape(p *packed) string {
	var parts []string
	at := 0
	for i, u := range p.users {
		var b strings.Builder
		b.WriteString(u.key.a + ":")
		for _, e := range p.entries[at : at+p.counts[i]] {
			b.WriteByte(e.kind.String()[0] - 'a' + 'A')
		}
		at += p.counts[i]
		parts = append(parts, b.String())
	}
	return strings.Join(parts, " ")
}

func TestQueueRunStopsWhereKindsGoBackwards(t *testing.T) {
	tests := []struct {
		in       string
		wantRuns []string // successive requests for the single user
	}{
		{"AEP", []string{"AEP"}},
		{"AAEEPP", []string{"AAEEPP"}},
		{"EA", []string{"E", "A"}},
		{"AEAE", []string{"AE", "AE"}},
		{"PPEAAP", []string{"PP", "E", "AAP"}},
		{"EEEE", []string{"EEEE"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q := newQueue()
			addKinds(q, "u", tt.in)
			require.Equal(t, len(tt.wantRuns[0]), q.readyCount)
			var got []string
			for q.readyCount > 0 {
				p := q.pack(capacity{max: 75, combined: true})
				got = append(got, strings.TrimPrefix(shape(p), "u:"))
				assert.Zero(t, q.readyCount, "a user with a request in flight is not ready")
				q.complete(p)
			}
			assert.Equal(t, tt.wantRuns, got)
			assert.Zero(t, q.held)
		})
	}
}

func TestQueueAppendExtendsRunOnlyWithoutEarlierDecrease(t *testing.T) {
	q := newQueue()
	addKinds(q, "u", "AE")
	assert.Equal(t, 2, q.readyCount)
	addKinds(q, "u", "P")
	assert.Equal(t, 3, q.readyCount)
	addKinds(q, "u", "A") // goes backwards: waits
	assert.Equal(t, 3, q.readyCount)
	addKinds(q, "u", "P") // after a decrease: not part of the first run
	assert.Equal(t, 3, q.readyCount)
	p := q.pack(capacity{max: 75, combined: true})
	assert.Equal(t, "u:AEP", shape(p))
	q.complete(p)
	assert.Equal(t, 2, q.readyCount)
	p = q.pack(capacity{max: 75, combined: true})
	assert.Equal(t, "u:AP", shape(p))
}

func TestQueuePacksCombinedCapAcrossUsersOldestFirst(t *testing.T) {
	q := newQueue()
	addKinds(q, "a", "AEE")
	addKinds(q, "b", "EP")
	addKinds(q, "c", "A")
	p := q.pack(capacity{max: 4, combined: true})
	assert.Equal(t, "a:AEE b:E", shape(p))
	// b has a request in flight: its purchase waits even though c is packed.
	p2 := q.pack(capacity{max: 4, combined: true})
	assert.Equal(t, "c:A", shape(p2))
	assert.Zero(t, q.readyCount)
	q.complete(p)
	assert.Equal(t, 1, q.readyCount)
	p3 := q.pack(capacity{max: 4, combined: true})
	assert.Equal(t, "b:P", shape(p3))
	q.complete(p2)
	q.complete(p3)
	assert.Zero(t, q.held)
	for _, u := range []string{"a", "b", "c"} {
		q.forget(q.lookup(testKey(u)))
	}
	assert.Zero(t, q.count())
}

func TestQueuePerArrayCap(t *testing.T) {
	q := newQueue()
	addKinds(q, "a", "EE")
	addKinds(q, "b", "EA") // E fits? no: events full after a; b waits whole
	addKinds(q, "c", "AP")
	p := q.pack(capacity{max: 2, combined: false})
	assert.Equal(t, "a:EE c:AP", shape(p))
	assert.Equal(t, 1, q.readyCount, "b's run is its single event")
}

func TestQueueTakeCompactsLongQueues(t *testing.T) {
	q := newQueue()
	addKinds(q, "u", strings.Repeat("E", 1000))
	total := 0
	for q.readyCount > 0 {
		p := q.pack(capacity{max: 75, combined: true})
		total += len(p.entries)
		q.complete(p)
		u := q.lookup(testKey("u"))
		assert.True(t, u.head < 64 || 2*u.head < len(u.pending), "dead prefix %d of %d", u.head, len(u.pending))
	}
	assert.Equal(t, 1000, total)
	assert.Equal(t, uint64(1000), q.lookup(testKey("u")).resolved)
}

func TestQueueDrainAll(t *testing.T) {
	q := newQueue()
	addKinds(q, "a", "AEA")
	addKinds(q, "b", "E")
	p := q.pack(capacity{max: 1, combined: true})
	assert.Equal(t, "a:A", shape(p))
	out := q.drainAll()
	assert.Len(t, out, 3)
	assert.Equal(t, 1, q.held, "the in-flight object stays held")
	assert.Zero(t, q.readyCount)
	q.complete(p)
	assert.Zero(t, q.held)
}

// TestQueueRandomisedInvariants drives the queue with random adds, packs
// and completions (seeded, so every run is the same) and checks the rules
// the batcher promises on every step:
//   - a request never exceeds the cap and never carries a user twice;
//   - inside a request, each user's kinds never go backwards;
//   - a user never has two requests in flight;
//   - each user's objects are packed exactly once, in the order added.
func TestQueueRandomisedInvariants(t *testing.T) {
	for _, c := range []capacity{{max: 5, combined: true}, {max: 3, combined: false}, {max: 75, combined: true},
		{max: 75, combined: true, maxBytes: 600}, {max: 4, combined: false, maxBytes: 400}} {
		rng := rand.New(rand.NewPCG(1, uint64(c.max)))
		q := newQueue()
		// Fewer idle records than users: they are evicted and reused.
		q.maxIdle = 4
		next := map[string]int{} // per user: number of objects added
		seen := map[string]int{} // per user: number packed so far
		var inflight []*packed
		for step := 0; step < 20000; step++ {
			switch r := rng.IntN(10); {
			case r < 5:
				user := fmt.Sprintf("u%d", rng.IntN(12))
				enc := make([]byte, 1+rng.IntN(120))
				q.add(q.user(testKey(user)), entry{kind: ObjectKind(1 + rng.IntN(3)), item: Item{Ref: next[user]}, enc: enc})
				next[user]++
			case r < 8 && q.readyCount > 0:
				readyBefore, full := q.readyCount, q.full(c)
				p := q.pack(c)
				require.NotEmpty(t, p.entries)
				require.LessOrEqual(t, len(p.entries), c.total())
				if c.maxBytes > 0 {
					require.LessOrEqual(t, bodySize(p.entries), c.maxBytes, "request over the byte cap")
				}
				if c.combined && !full {
					require.Equal(t, readyBefore, len(p.entries), "a request that is not full takes every ready object")
				}
				at := 0
				users := map[userKey]bool{}
				for i, u := range p.users {
					require.False(t, users[u.key], "user twice in a request")
					users[u.key] = true
					for _, f := range inflight {
						for _, v := range f.users {
							require.NotEqual(t, u.key, v.key, "user with two requests in flight")
						}
					}
					var last ObjectKind
					for _, e := range p.entries[at : at+p.counts[i]] {
						require.GreaterOrEqual(t, e.kind, last, "kinds went backwards in a request")
						last = e.kind
						require.Equal(t, seen[u.key.a], e.item.Ref, "object packed out of order")
						seen[u.key.a]++
					}
					at += p.counts[i]
				}
				inflight = append(inflight, p)
			case len(inflight) > 0:
				i := rng.IntN(len(inflight))
				q.complete(inflight[i])
				for _, u := range inflight[i].users {
					q.forget(u)
				}
				inflight = append(inflight[:i], inflight[i+1:]...)
			}
			checkReadyTotals(t, q)
			checkIdle(t, q)
		}
		// Drain: everything added is packed exactly once.
		for q.readyCount > 0 || len(inflight) > 0 {
			for _, p := range inflight {
				q.complete(p)
			}
			inflight = inflight[:0]
			if q.readyCount > 0 {
				p := q.pack(c)
				for i, u := range p.users {
					seen[u.key.a] += p.counts[i]
				}
				inflight = append(inflight, p)
			}
		}
		assert.Equal(t, next, seen)
		assert.Zero(t, q.held)
	}
}

// TestUserKeyAgreesWithKey checks that the batcher's user keys tell users
// apart exactly as Identifier.Key does.
func TestUserKeyAgreesWithKey(t *testing.T) {
	ids := []Identifier{
		{}, ExternalID("a"), ExternalID("b"), Alias("1", "mparticle_id"), Alias("1", "other"),
		Alias("2", "mparticle_id"), Alias("id:1", "x"), Alias("1", "x:id"), BrazeID("a"),
		EmailAddress("a@x.org"), PhoneNumber("+1"), PhoneNumber("a"), EmailAddress("a"),
		{ExternalID: "a", Email: "a@x.org"}, {ExternalID: "a", BrazeID: "b"},
		{Email: "a@x.org", Phone: "+1"}, {UserAlias: &UserAlias{AliasName: "1", AliasLabel: "mparticle_id"}, Phone: "+2"},
	}
	for _, a := range ids {
		for _, b := range ids {
			assert.Equal(t, a.Key() == b.Key(), keyOf(&a) == keyOf(&b), "%+v %+v", a, b)
		}
	}
	id := Alias("1", "l")
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = keyOf(&id) }))
}

// checkReadyTotals recounts the ready users' runs, in objects and bytes,
// and compares them with what the queue keeps up to date.
func checkReadyTotals(t *testing.T, q *queue) {
	t.Helper()
	count, bytes := 0, 0
	for u := q.readyHead; u != nil; u = u.next {
		n, b := u.scanRun()
		require.Equal(t, n, u.run, "user %s: run", u.key.a)
		require.Equal(t, b, u.runBytes, "user %s: run bytes", u.key.a)
		count += n
		bytes += b
	}
	require.Equal(t, count, q.readyCount)
	require.Equal(t, bytes, q.readyBytes)
}

// TestQueueKeepsUsersOfEveryIdentifierApart: external ids live in their
// own map; a user named by another identifier with the same text is
// another user, and every record is found, listed and forgotten.
func TestQueueKeepsUsersOfEveryIdentifierApart(t *testing.T) {
	q := newQueue()
	ids := []Identifier{ExternalID("a"), EmailAddress("a"), PhoneNumber("a"), BrazeID("a"), Alias("a", "a"), Alias("a", "b")}
	for _, id := range ids {
		u := q.user(keyOf(&id))
		q.add(u, entry{kind: ObjectEvent, enc: []byte("{}")})
	}
	require.Equal(t, len(ids), q.count())
	seen := map[*userQueue]bool{}
	q.each(func(u *userQueue) { seen[u] = true })
	require.Len(t, seen, len(ids))
	for _, id := range ids {
		u := q.lookup(keyOf(&id))
		require.NotNil(t, u)
		assert.Equal(t, keyOf(&id), u.key)
		assert.Same(t, u, q.user(keyOf(&id)))
	}
	p := q.pack(capacity{max: 75, combined: true})
	require.Len(t, p.entries, len(ids))
	q.complete(p)
	for _, u := range p.users {
		q.forget(u)
	}
	assert.Zero(t, q.count())
}

// TestQueueAddAllMatchesAdd checks that queueing a slice of objects at once
// leaves the queue exactly as adding them one by one does: same pending
// objects, runs, ready list and totals, whatever the user's state (new,
// ready, in flight, run already broken).
func TestQueueAddAllMatchesAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	c := capacity{max: 5, combined: true}
	for round := range 300 {
		one, all := newQueue(), newQueue()
		for step := range 12 {
			user := fmt.Sprintf("u%d", rng.IntN(3))
			n := 1 + rng.IntN(4)
			items := make([]Item, n)
			ks := make([]ObjectKind, n)
			encs := make([][]byte, n)
			for i := range n {
				items[i] = Item{Ref: fmt.Sprintf("%d/%d/%d", round, step, i)}
				ks[i] = ObjectKind(1 + rng.IntN(3))
				encs[i] = []byte(strings.Repeat("x", 1+rng.IntN(9)))
			}
			u1 := one.user(testKey(user))
			for i := range n {
				one.add(u1, entry{item: items[i], kind: ks[i], epoch: uint64(step), enc: encs[i]})
			}
			all.addAll(all.user(testKey(user)), items, ks, encs, nil, uint64(step))
			if rng.IntN(3) == 0 { // pack one request in both, sometimes completing it
				p1, p2 := one.pack(c), all.pack(c)
				require.Equal(t, shape(p1), shape(p2))
				require.Equal(t, p1.entries, p2.entries)
				if rng.IntN(2) == 0 {
					one.complete(p1)
					all.complete(p2)
				}
			}
			require.Equal(t, one.readyCount, all.readyCount, "round %d step %d", round, step)
			require.Equal(t, one.readyBytes, all.readyBytes, "round %d step %d", round, step)
			require.Equal(t, one.held, all.held)
			for key, u1 := range one.byExternalID {
				u2 := all.byExternalID[key]
				require.NotNil(t, u2)
				require.Equal(t, u1.pending[u1.head:], u2.pending[u2.head:], "user %s", key)
				require.Equal(t, [4]any{u1.run, u1.runBytes, u1.added, u1.inReady}, [4]any{u2.run, u2.runBytes, u2.added, u2.inReady}, "user %s", key)
			}
			checkReadyTotals(t, all)
		}
	}
}

// TestUserKeySameIsEquality checks userKey.same against == on keys that
// differ in one field at a time: kind, value, alias name, or a value of the
// same length.
func TestUserKeySameIsEquality(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	words := []string{"", "a", "b", "ab", "ba", "abc"}
	key := func() userKey {
		return userKey{kind: idKind(rng.IntN(6)), a: words[rng.IntN(len(words))], b: words[rng.IntN(len(words))]}
	}
	equal := 0
	for range 5000 {
		k, o := key(), key()
		if rng.IntN(4) == 0 {
			o = k
		}
		if k == o {
			equal++
		}
		require.Equal(t, k == o, k.same(o), "%+v vs %+v", k, o)
	}
	require.NotZero(t, equal)
}

// The one-object-at-a-time queueing that Add used before addAll, kept as
// the tests' model of it (TestQueueAddAllMatchesAdd) and as a short way to
// queue single objects in tests. The Batcher itself calls only addAll.

// push appends one object, extending the run when no decrease has been
// seen yet. It returns true when the run grew.
func (u *userQueue) push(e entry) bool {
	n := u.waiting()
	u.pending = append(u.pending, e)
	if u.run == n && (n == 0 || e.kind >= u.pending[len(u.pending)-2].kind) {
		u.run++
		u.runBytes += e.size()
		return true
	}
	return false
}

// count returns the number of user records that hold something: the
// stored ones that are not idle. Only tests need it.
func (q *queue) count() int { return q.records() - q.idleCount }

// records returns the number of records in the maps, idle ones included.
// Only tests need it.
func (q *queue) records() int { return len(q.byExternalID) + len(q.users) }

// add appends one object to the queue of u (from q.user).
func (q *queue) add(u *userQueue, e entry) {
	grew := u.push(e)
	u.added++
	q.held++
	switch {
	case u.inFlight:
	case !u.inReady:
		q.pushReady(u)
	case grew:
		q.readyCount++
		q.readyBytes += e.size()
	}
}

// checkIdle checks the idle list against the maps: it holds exactly the
// stored records marked idle, each with nothing held or awaited, found
// under its own key, and no more than maxIdle of them.
func checkIdle(t *testing.T, q *queue) {
	t.Helper()
	// Plain checks: this runs on every step of the randomised test.
	listed := map[*userQueue]bool{}
	var prev *userQueue
	for u := q.idleHead; u != nil; u = u.idleNext {
		switch {
		case u.idlePrev != prev:
			t.Fatalf("idle list: %q's back link is wrong", u.key.a)
		case listed[u]:
			t.Fatalf("idle list: %q twice", u.key.a)
		case !u.idle || !u.stored:
			t.Fatalf("idle list: %q not marked idle and stored", u.key.a)
		case q.lookup(u.key) != u:
			t.Fatalf("idle list: %q not found under its key", u.key.a)
		case u.inFlight || u.inReady || u.waiting() > 0 || len(u.userWaiters) > 0 || u.added != u.resolved:
			t.Fatalf("idle list: %q holds or awaits something", u.key.a)
		}
		listed[u] = true
		prev = u
	}
	if prev != q.idleTail || len(listed) != q.idleCount || q.idleCount > q.maxIdle || len(q.free) > maxFreeUsers {
		t.Fatalf("idle list: tail, count %d (listed %d, bound %d) or free list %d wrong", q.idleCount, len(listed), q.maxIdle, len(q.free))
	}
	q.each(func(u *userQueue) {
		if u.idle != listed[u] {
			t.Fatalf("record %q: idle flag %v, listed %v", u.key.a, u.idle, listed[u])
		}
	})
}

// cycleUser queues one object for key, sends it and forgets the user, as
// the owner does when a user's only request completes.
func cycleUser(t *testing.T, q *queue, key string) *userQueue {
	t.Helper()
	u := q.user(testKey(key))
	q.add(u, entry{kind: ObjectEvent, enc: []byte("{}")})
	p := q.pack(capacity{max: 75, combined: true})
	require.Equal(t, []*userQueue{u}, p.users)
	q.complete(p)
	q.forget(u)
	q.recycle(p)
	return u
}

// TestQueueKeepsIdleUsersBounded: a user whose objects all resolved keeps
// its record, idle, and finds it again on its next object without a new
// record; the idle records are bounded, the oldest evicted first, so the
// maps hold at most maxIdle records beyond the users holding something
// however many users pass through.
func TestQueueKeepsIdleUsersBounded(t *testing.T) {
	q := newQueue()
	u := cycleUser(t, q, "a")
	assert.Zero(t, q.count(), "nothing held")
	assert.Equal(t, 1, q.records())
	assert.True(t, u.idle)
	assert.Same(t, u, q.lookup(testKey("a")))
	assert.Equal(t, uint64(1), u.resolved, "an idle record keeps its counts")
	assert.Same(t, u, cycleUser(t, q, "a"), "the idle record is reused")
	assert.Equal(t, uint64(2), u.resolved)
	checkIdle(t, q)

	q.maxIdle = 50
	const n = 1000
	for i := range n {
		cycleUser(t, q, fmt.Sprintf("u%d", i))
		require.LessOrEqual(t, q.records(), q.maxIdle)
		require.Zero(t, q.count())
	}
	checkIdle(t, q)
	assert.Equal(t, q.maxIdle, q.records())
	for i := range n {
		_, kept := q.byExternalID[fmt.Sprintf("u%d", i)]
		assert.Equal(t, i >= n-q.maxIdle, kept, "user %d: only the most recently idle stay", i)
	}
	assert.Nil(t, q.lookup(testKey("a")), "evicted")

	// A record revived from the idle list holds objects again and leaves
	// the list; forgetting it while it holds something does nothing.
	v := q.user(testKey(fmt.Sprintf("u%d", n-1)))
	assert.False(t, v.idle)
	q.add(v, entry{kind: ObjectEvent, enc: []byte("{}")})
	q.forget(v)
	assert.False(t, v.idle)
	assert.Equal(t, 1, q.count())
	checkIdle(t, q)
}

// TestQueueUserCopiesKeyText: a new record holds its own copy of the key's
// strings, not the caller's memory, which an idle record would pin.
func TestQueueUserCopiesKeyText(t *testing.T) {
	q := newQueue()
	text := string([]byte("label|name|and the rest of a large batch"))
	key := userKey{kind: idUserAlias, a: text[:5], b: text[6:10]}
	u := q.user(key)
	require.Equal(t, key, u.key)
	assert.NotSame(t, unsafe.StringData(key.a), unsafe.StringData(u.key.a))
	assert.NotSame(t, unsafe.StringData(key.b), unsafe.StringData(u.key.b))
	assert.Same(t, u, q.user(key))
	ext := string([]byte("customer-1 and more"))[:10]
	v := q.user(testKey(ext))
	assert.NotSame(t, unsafe.StringData(ext), unsafe.StringData(v.key.a))
	for k := range q.byExternalID {
		assert.Same(t, unsafe.StringData(v.key.a), unsafe.StringData(k), "the map's key is the record's copy")
	}
}

// TestQueueIdleRecordsLetLargeBuffersGo: a record whose buffer grew past
// maxKeptEntries goes idle without it; one within keeps it for its next
// objects.
func TestQueueIdleRecordsLetLargeBuffersGo(t *testing.T) {
	q := newQueue()
	big, small := q.user(testKey("big")), q.user(testKey("small"))
	for range maxKeptEntries + 1 {
		q.add(big, entry{kind: ObjectEvent, enc: []byte("{}")})
	}
	for range 10 {
		q.add(small, entry{kind: ObjectEvent, enc: []byte("{}")})
	}
	require.Greater(t, cap(big.pending), maxKeptEntries)
	for q.readyCount > 0 {
		p := q.pack(capacity{max: 75, combined: true})
		q.complete(p)
		for _, u := range p.users {
			q.forget(u)
		}
	}
	assert.Zero(t, q.count())
	assert.Equal(t, 2, q.records())
	assert.True(t, big.idle)
	assert.Nil(t, big.pending)
	assert.True(t, small.idle)
	assert.GreaterOrEqual(t, cap(small.pending), 10)
	checkIdle(t, q)
	assert.Same(t, big, cycleUser(t, q, "big"), "still found, and takes objects again")
	checkIdle(t, q)
}

// packByObject is pack as it was before whole runs were taken at once:
// every object is checked against the caps one by one. The model for
// TestQueuePackMatchesPackByObject.
func packByObject(q *queue, c capacity) *packed {
	p := &packed{}
	var perKind [4]int
	total, skipped := 0, 0
	size, full := maxBodyOverhead, false
	for u := q.readyHead; u != nil && total < c.total() && !full; {
		next := u.next
		k := 0
		w := u.pending[u.head:]
		for k < u.run && total < c.total() {
			e := &w[k]
			if c.maxBytes > 0 && size+len(e.enc)+1 > c.maxBytes {
				full = true
				break
			}
			if !c.combined && perKind[e.kind] >= c.max {
				break
			}
			perKind[e.kind]++
			size += len(e.enc) + 1
			total++
			k++
		}
		if k == 0 {
			if full {
				break
			}
			if skipped++; skipped > 4*c.max {
				break
			}
			u = next
			continue
		}
		q.removeReady(u)
		p.entries = u.take(p.entries, k)
		u.inFlight = true
		p.users = append(p.users, u)
		p.counts = append(p.counts, k)
		u = next
	}
	return p
}

// TestQueuePackMatchesPackByObject drives two queues with the same random
// adds, packs and completions, one packing with pack and one with
// packByObject, and requires the same requests, object for object.
func TestQueuePackMatchesPackByObject(t *testing.T) {
	for _, c := range []capacity{{max: 5, combined: true}, {max: 75, combined: true}, {max: 75, combined: true, maxBytes: 900},
		{max: 20, combined: true, maxBytes: 300}, {max: 3, combined: false}, {max: 4, combined: false, maxBytes: 400}} {
		rng := rand.New(rand.NewPCG(7, uint64(c.max+c.maxBytes)))
		q, ref := newQueue(), newQueue()
		var inflight, refInflight []*packed
		requests := 0
		for step := 0; step < 20000; step++ {
			switch r := rng.IntN(10); {
			case r < 6:
				user := testKey(fmt.Sprintf("u%d", rng.IntN(30)))
				e := entry{kind: ObjectKind(1 + rng.IntN(3)), enc: make([]byte, 1+rng.IntN(150)), item: Item{Ref: step}}
				q.add(q.user(user), e)
				ref.add(ref.user(user), e)
			case r < 8 && q.readyCount > 0:
				p, pr := q.pack(c), packByObject(ref, c)
				require.Equal(t, shape(pr), shape(p), "step %d", step)
				require.Equal(t, len(pr.entries), len(p.entries))
				for i := range p.entries {
					require.Equal(t, pr.entries[i].item.Ref, p.entries[i].item.Ref, "step %d object %d", step, i)
				}
				inflight, refInflight = append(inflight, p), append(refInflight, pr)
				requests++
			case len(inflight) > 0:
				i := rng.IntN(len(inflight))
				q.complete(inflight[i])
				ref.complete(refInflight[i])
				for _, u := range inflight[i].users {
					q.forget(u)
				}
				for _, u := range refInflight[i].users {
					ref.forget(u)
				}
				inflight = append(inflight[:i], inflight[i+1:]...)
				refInflight = append(refInflight[:i], refInflight[i+1:]...)
			}
			require.Equal(t, ref.readyCount, q.readyCount)
			require.Equal(t, ref.readyBytes, q.readyBytes)
		}
		require.Greater(t, requests, 1000)
	}
}
