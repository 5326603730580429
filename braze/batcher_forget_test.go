package braze

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze/brazetest"
)

// These tests cover what a Result carries without the object itself
// (Kind, Object) and BatchOptions.ForgetObjects: the batcher keeps nothing
// of the caller's objects once Add has returned.

// fakeClient returns a client of a brazetest server on loopback, with
// quick retries and no rate limit.
func fakeClient(t *testing.T, s *brazetest.Server, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(s.URL()), WithAllowHTTP(), WithHTTPClient(s.Client()),
		WithRateLimits(RateLimits{Disabled: true}),
		WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})}
	c, err := NewClient(s.Key(), append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// newFake starts a brazetest server closed with the test.
func newFake(t *testing.T, opts ...brazetest.Option) *brazetest.Server {
	t.Helper()
	s := brazetest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// objectJSON is the JSON Add sends for the item's object.
func objectJSON(t *testing.T, it Item) []byte {
	t.Helper()
	var b []byte
	var err error
	switch it.Kind() {
	case ObjectAttributes:
		b, err = it.Attributes.AppendJSON(nil)
	case ObjectEvent:
		b, err = it.Event.AppendJSON(nil)
	case ObjectPurchase:
		b, err = it.Purchase.AppendJSON(nil)
	}
	require.NoError(t, err)
	return b
}

// sentBodies joins the bodies of every /users/track request s received.
func sentBodies(s *brazetest.Server) []byte {
	var all [][]byte
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/users/track") {
			all = append(all, r.Body)
		}
	}
	return bytes.Join(all, []byte("\n"))
}

// TestBatcherForgetObjectsSendsWhatAddEncoded: with ForgetObjects the
// caller overwrites its objects right after Add (as a caller recycling
// their memory does); what reaches Braze and what the Results carry is the
// objects as they were during Add, Results hand back only the Ref, and a
// refused object's failure is reported with its kind and JSON.
func TestBatcherForgetObjectsSendsWhatAddEncoded(t *testing.T) {
	checkLeaks(t)
	s := newFake(t, brazetest.WithRecordLimit(100))
	var log resultLog
	b := newBatcher(t, fakeClient(t, s), BatchOptions{FlushInterval: -1, OnResult: log.add, ForgetObjects: true})
	ctx := context.Background()

	items := []Item{attrs("a", 1), event("a", 2), purchase("a", 3), event("b", 4),
		// brazetest, like Braze, refuses this address per object.
		{Event: &Event{Identifier: EmailAddress("ada@localhost"), Name: "refused", Time: testTime}, Ref: 5}}
	want := map[int][]byte{}
	for _, it := range items {
		want[it.Ref.(int)] = objectJSON(t, it)
	}
	kinds := map[int]ObjectKind{1: ObjectAttributes, 2: ObjectEvent, 3: ObjectPurchase, 4: ObjectEvent, 5: ObjectEvent}
	require.NoError(t, b.Add(ctx, items...))
	// Recycle the objects: overwrite each in place, down to the property
	// lists' backing arrays.
	for _, it := range items {
		switch {
		case it.Attributes != nil:
			it.Attributes.Custom[0].Value = String("recycled")
			*it.Attributes = Attributes{Identifier: ExternalID("recycled")}
		case it.Event != nil:
			if len(it.Event.Properties) > 0 {
				it.Event.Properties[0] = Prop("recycled", Bool(true))
			}
			*it.Event = Event{Identifier: ExternalID("recycled"), Name: "recycled", Time: testTime.Add(time.Hour)}
		case it.Purchase != nil:
			it.Purchase.Properties[0] = Prop("recycled", Bool(true))
			*it.Purchase = Purchase{Identifier: ExternalID("recycled"), ProductID: "recycled"}
		}
	}
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, rep.Delivered)
	require.Equal(t, 1, rep.Failed)

	sent := sentBodies(s)
	assert.NotContains(t, string(sent), "recycled", "what is sent is fixed at Add")
	results := log.all()
	require.Len(t, results, len(items))
	for _, r := range results {
		ref, ok := r.Item.Ref.(int)
		require.True(t, ok, "Ref kept: %#v", r.Item)
		assert.Equal(t, Item{Ref: ref}, r.Item, "object pointers forgotten")
		assert.Equal(t, kinds[ref], r.Kind, "object %d", ref)
		assert.Equal(t, string(want[ref]), string(r.Object), "object %d: Object is the JSON of Add's time", ref)
		assert.True(t, json.Valid(r.Object))
		assert.True(t, bytes.Contains(sent, r.Object), "object %d: Object is what was sent", ref)
		assert.Equal(t, ref != 5, r.Delivered(), "object %d", ref)
	}

	// The failure report works from what the batcher kept.
	f := rep.Failures[0]
	assert.Equal(t, Item{Ref: 5}, f.Item)
	assert.Equal(t, ObjectEvent, f.Kind)
	assert.Equal(t, string(want[5]), string(f.Object))
	var rej *RejectedError
	require.ErrorAs(t, rep.Err(), &rej)
	assert.Equal(t, "events", rej.ObjectError.InputArray)
	assert.Contains(t, rep.Err().Error(), "1 of 5 objects not delivered")
}

// TestBatcherKeepsObjectsByDefault: without ForgetObjects the Result hands
// the caller's pointer back, next to the kind and JSON.
func TestBatcherKeepsObjectsByDefault(t *testing.T) {
	checkLeaks(t)
	s := newFake(t)
	var log resultLog
	b := newBatcher(t, fakeClient(t, s), BatchOptions{FlushInterval: -1, OnResult: log.add})
	it := purchase("a", 1)
	want := objectJSON(t, it)
	require.NoError(t, b.Add(context.Background(), it))
	it.Purchase.ProductID = "changed"
	_, err := b.Flush(context.Background())
	require.NoError(t, err)
	res := log.all()
	require.Len(t, res, 1)
	assert.Same(t, it.Purchase, res[0].Item.Purchase)
	assert.Equal(t, ObjectPurchase, res[0].Kind)
	assert.Equal(t, string(want), string(res[0].Object))
}

// queuedWeak adds n events of fresh objects to b and returns weak pointers
// to them: the test itself keeps no strong reference.
//
//go:noinline
func queuedWeak(t *testing.T, b *Batcher, n int) []weak.Pointer[Event] {
	items := make([]Item, n)
	ptrs := make([]weak.Pointer[Event], n)
	for i := range items {
		items[i] = event(fmt.Sprintf("u%d", i), i)
		items[i].Event.Properties = append(items[i].Event.Properties, Prop("pad", String(strings.Repeat("p", 200))))
		ptrs[i] = weak.Make(items[i].Event)
	}
	require.NoError(t, b.Add(context.Background(), items[:n/2]...))
	for i := n / 2; i < n; i++ { // one at a time too
		require.NoError(t, b.Add(context.Background(), items[i]))
	}
	return ptrs
}

// alive counts the objects still reachable after a few collections.
func alive(ptrs []weak.Pointer[Event]) int {
	for range 3 {
		runtime.GC()
	}
	n := 0
	for _, p := range ptrs {
		if p.Value() != nil {
			n++
		}
	}
	return n
}

// TestBatcherForgetObjectsHoldsNoPointer: objects added with ForgetObjects
// can be collected while their JSON is still queued (nothing flushes: the
// request is not full and there is no timer), whereas by default the
// batcher holds them until their Results. Any pointer kept anywhere (the
// queue, a pooled request, an encoder) fails the first half.
func TestBatcherForgetObjectsHoldsNoPointer(t *testing.T) {
	checkLeaks(t)
	for _, forget := range []bool{true, false} {
		t.Run(fmt.Sprintf("forget=%v", forget), func(t *testing.T) {
			s := newFake(t)
			var mu sync.Mutex
			delivered := 0
			b := newBatcher(t, fakeClient(t, s), BatchOptions{FlushInterval: -1, ForgetObjects: forget,
				OnResult: func(r Result) {
					mu.Lock()
					defer mu.Unlock()
					if r.Delivered() {
						delivered++
					}
				}})
			const n = 40
			ptrs := queuedWeak(t, b, n)
			if forget {
				assert.Zero(t, alive(ptrs), "the batcher keeps none of the objects")
			} else {
				assert.Equal(t, n, alive(ptrs), "the batcher keeps every object for its Result")
			}
			assert.Equal(t, n, b.Stats().Queued, "still queued")
			rep, err := b.Flush(context.Background())
			require.NoError(t, err)
			assert.Equal(t, n, rep.Delivered)
			mu.Lock()
			assert.Equal(t, n, delivered)
			mu.Unlock()
			assert.Equal(t, n, s.Stats().Accepted["events"])
		})
	}
}

// TestResultObjectStaysValid: the JSON a Result carries is never written
// again by the batcher, however many objects are added and sent after it.
func TestResultObjectStaysValid(t *testing.T) {
	checkLeaks(t)
	s := newFake(t, brazetest.WithoutStore())
	var log resultLog
	b := newBatcher(t, fakeClient(t, s), BatchOptions{FlushInterval: -1, OnResult: log.add, ForgetObjects: true})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), attrs("b", 2), purchase("c", 3)))
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	first := log.all()
	require.Len(t, first, 3)
	copies := make([]string, len(first))
	for i, r := range first {
		copies[i] = string(r.Object)
	}
	want := map[int]string{}
	for round := range 50 {
		var items []Item
		for i := range 1 + round%31 { // calls of 1 to 31 objects, uneven sizes
			it := event(fmt.Sprintf("u%d", i), 1000*round+i)
			it.Event.Name = strings.Repeat("z", 1+i%7)
			if i%5 == 0 {
				it.Event.Properties = append(it.Event.Properties, Prop("pad", String(strings.Repeat("p", 1+round*5))))
			}
			want[1000*round+i] = string(objectJSON(t, it))
			items = append(items, it)
		}
		require.NoError(t, b.Add(ctx, items...))
		if round%10 == 9 {
			_, err := b.Flush(ctx)
			require.NoError(t, err)
		}
	}
	_, err = b.Flush(ctx)
	require.NoError(t, err)
	for i, r := range first {
		assert.Equal(t, copies[i], string(r.Object), "result %d changed after later Adds", i)
		assert.LessOrEqual(t, cap(r.Object), len(r.Object), "appending to Object cannot reach another object's JSON")
	}
	later := log.all()[len(first):]
	require.Len(t, later, len(want))
	for _, r := range later {
		assert.Equal(t, want[r.Item.Ref.(int)], string(r.Object), "object %v", r.Item.Ref)
	}
}

// TestBatcherCloseDeadlineResultsCarryKindAndObject: objects cut off by
// Close's deadline, in flight or waiting, are reported with their kind and
// JSON under ForgetObjects too.
func TestBatcherCloseDeadlineResultsCarryKindAndObject(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.gate = make(chan struct{}) // never opened: requests hang until cancelled
	var log resultLog
	b, err := NewBatcher(ts.client(t), BatchOptions{FlushInterval: -1, MaxConcurrentRequests: 1, OnResult: log.add, ForgetObjects: true})
	require.NoError(t, err)
	items := []Item{event("a", 1), event("a", 2), attrs("a", 3), purchase("b", 4)}
	want := map[int]string{}
	for _, it := range items {
		want[it.Ref.(int)] = string(objectJSON(t, it))
	}
	require.NoError(t, b.Add(context.Background(), items...))
	short, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := b.Close(short)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 4, rep.Failed)
	results := log.all()
	require.Len(t, results, 4)
	for _, r := range results {
		ref := r.Item.Ref.(int)
		assert.ErrorIs(t, r.Err, ErrClosed)
		assert.Equal(t, Item{Ref: ref}, r.Item)
		assert.Equal(t, want[ref], string(r.Object))
		assert.Equal(t, items[ref-1].Kind(), r.Kind)
	}
}

// bigEvent is an event of about size bytes of JSON: properties of 250
// characters each.
func bigEvent(user string, seq, size int) Item {
	it := event(user, seq)
	for i := 0; i < size/270; i++ {
		it.Event.Properties = append(it.Event.Properties, Prop(fmt.Sprintf("pad%03d", i), String(strings.Repeat("x", 250))))
	}
	return it
}

// TestBatcherSendsARequestFullByBytesAtOnce: a request that cannot take
// the next object because of its body size is full, and goes out without
// waiting for the flush timer (there is none here, and no Flush), though
// it carries far fewer than 75 objects.
func TestBatcherSendsARequestFullByBytesAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		limit   int // the client's body cap; 0 means Braze's 4 MB
		objSize int
	}{
		{"small cap", 16 << 10, 3000},
		{"braze 4 MB cap", 0, 95 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			s := newFake(t)
			var opts []Option
			if tc.limit > 0 {
				lim := DefaultLimits()
				lim.MaxBodyBytes = tc.limit
				opts = append(opts, WithLimits(lim))
			}
			done := make(chan Result, 100)
			b := newBatcher(t, fakeClient(t, s, opts...), BatchOptions{FlushInterval: -1, ForgetObjects: true,
				OnResult: func(r Result) { done <- r }})
			limit := cmp.Or(tc.limit, MaxBodyBytes)
			size := len(objectJSON(t, bigEvent("u0", 0, tc.objSize))) + 1 // and a comma
			perRequest := (limit - maxBodyOverhead) / size                // what fits a body
			require.Less(t, perRequest, DefaultMaxObjects)
			// One object more than a body holds, one Add per object,
			// several users.
			n := perRequest + 1
			for i := 0; i < n; i++ {
				require.NoError(t, b.Add(context.Background(), bigEvent(fmt.Sprintf("u%d", i%3), i, tc.objSize)))
			}
			// The first request is full by bytes: it is sent without
			// Flush. (Before, this waited forever: no timer, no Flush.)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			got := 0
			for got < perRequest/2 {
				select {
				case r := <-done:
					require.NoError(t, r.Err)
					got++
				case <-ctx.Done():
					t.Fatalf("a request full by bytes was not sent: %d results of %d objects", got, n)
				}
			}
			reqs := s.Requests()
			require.NotEmpty(t, reqs)
			assert.Greater(t, len(reqs[0].Body), limit-2*size, "the first request was full by bytes")
			assert.LessOrEqual(t, len(reqs[0].Body), limit)
			// What is left is not full: it waits for Flush.
			rep, err := b.Flush(context.Background())
			require.NoError(t, err)
			assert.Equal(t, n, rep.Delivered)
			assert.Equal(t, n, s.Stats().Accepted["events"])
		})
	}
}
