package braze

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze/internal/clock"
)

// The batcher tests run against trackServer, a small /users/track server on
// loopback that records what it receives in Braze's application order and
// lets a test script its answers. The end-to-end tests against brazetest
// live in the root package.

var testTime = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// answer is a scripted response: status and body.
type answer struct {
	status int
	body   string
}

type trackServer struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// applied lists, per user key, the "seq" tags of the objects accepted,
	// in the order Braze applies them.
	applied  map[string][]int
	requests []TrackRequest
	// script answers request n (0-based); nil means 201 success.
	script func(n int, req *TrackRequest) *answer
	// gate, when set, holds every request until it is closed.
	gate chan struct{}

	inflight, maxInflight int
	userInflight          map[string]int
	overlap               []string // users seen in two concurrent requests
}

// checkLeaks verifies, after every cleanup of the test has run (the
// batcher's Close, the server's), that the test left no goroutine behind.
func checkLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func newTrackServer(t *testing.T) *trackServer {
	ts := &trackServer{t: t, applied: map[string][]int{}, userInflight: map[string]int{}}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *trackServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var req TrackRequest
	if err := json.Unmarshal(body, &req); err != nil {
		ts.t.Errorf("server: undecodable body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	users := requestUsers(&req)
	ts.mu.Lock()
	n := len(ts.requests)
	ts.requests = append(ts.requests, req)
	ts.inflight++
	ts.maxInflight = max(ts.maxInflight, ts.inflight)
	for u := range users {
		if ts.userInflight[u]++; ts.userInflight[u] > 1 {
			ts.overlap = append(ts.overlap, u)
		}
	}
	script, gate := ts.script, ts.gate
	ts.mu.Unlock()
	defer func() {
		ts.mu.Lock()
		ts.inflight--
		for u := range users {
			ts.userInflight[u]--
		}
		ts.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	var a *answer
	if script != nil {
		a = script(n, &req)
	}
	if a == nil {
		ts.apply(&req, nil)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"message":"success"}`)
		return
	}
	if a.status == http.StatusCreated {
		var resp TrackResponse
		require.NoError(ts.t, json.Unmarshal([]byte(a.body), &resp))
		ts.apply(&req, resp.Errors)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// apply records the accepted objects in Braze's order: attributes, events,
// purchases.
func (ts *trackServer) apply(req *TrackRequest, rejected []ObjectError) {
	skip := map[string]bool{}
	for _, e := range rejected {
		skip[fmt.Sprintf("%s[%d]", e.InputArray, e.Index)] = true
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for i, a := range req.Attributes {
		if !skip[fmt.Sprintf("attributes[%d]", i)] {
			n, _ := propValue(a.Custom, "seq").Int()
			ts.applied[a.Key()] = append(ts.applied[a.Key()], int(n))
		}
	}
	for i, e := range req.Events {
		if !skip[fmt.Sprintf("events[%d]", i)] {
			n, _ := propValue(e.Properties, "seq").Int()
			ts.applied[e.Key()] = append(ts.applied[e.Key()], int(n))
		}
	}
	for i, p := range req.Purchases {
		if !skip[fmt.Sprintf("purchases[%d]", i)] {
			n, _ := propValue(p.Properties, "seq").Int()
			ts.applied[p.Key()] = append(ts.applied[p.Key()], int(n))
		}
	}
}

func requestUsers(req *TrackRequest) map[string]bool {
	users := map[string]bool{}
	for _, a := range req.Attributes {
		users[a.Key()] = true
	}
	for _, e := range req.Events {
		users[e.Key()] = true
	}
	for _, p := range req.Purchases {
		users[p.Key()] = true
	}
	return users
}

func (ts *trackServer) setScript(f func(n int, req *TrackRequest) *answer) {
	ts.mu.Lock()
	ts.script = f
	ts.mu.Unlock()
}

// waitInflight polls until exactly n requests are at the server (held at
// the gate, say): the count has no channel to wait on.
func (ts *trackServer) waitInflight(n int) {
	for {
		ts.mu.Lock()
		got := ts.inflight
		ts.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
}

func (ts *trackServer) snapshot() (applied map[string][]int, requests []TrackRequest) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	applied = map[string][]int{}
	for k, v := range ts.applied {
		applied[k] = append([]int(nil), v...)
	}
	return applied, append([]TrackRequest(nil), ts.requests...)
}

func (ts *trackServer) client(t *testing.T, opts ...Option) *Client {
	base := []Option{
		WithBaseURL(ts.srv.URL), WithAllowHTTP(), WithHTTPClient(ts.srv.Client()),
		WithRateLimits(RateLimits{Disabled: true}),
		WithRetryPolicy(RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}),
	}
	c, err := NewClient("test-key", append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// Object builders tagged with a sequence number.

func attrs(user string, seq int) Item {
	a := &Attributes{Identifier: ExternalID(user)}
	a.SetCustom("seq", Int(int64(seq)))
	return Item{Attributes: a, Ref: seq}
}

func event(user string, seq int) Item {
	return Item{Event: &Event{Identifier: ExternalID(user), Name: "e", Time: testTime,
		Properties: Properties{Prop("seq", Int(int64(seq)))}}, Ref: seq}
}

func purchase(user string, seq int) Item {
	return Item{Purchase: &Purchase{Identifier: ExternalID(user), ProductID: "sku", Currency: "USD",
		Price: 1, Quantity: 1, Time: testTime, Properties: Properties{Prop("seq", Int(int64(seq)))}}, Ref: seq}
}

// collector collects what callbacks running on other goroutines (OnResult,
// a logger, a context's Err) report.
type collector[T any] struct {
	mu    sync.Mutex
	items []T
}

func (c *collector[T]) add(v T) {
	c.mu.Lock()
	c.items = append(c.items, v)
	c.mu.Unlock()
}

// all returns a copy of what was collected so far.
func (c *collector[T]) all() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.items...)
}

// resultLog collects OnResult calls (its add is an OnResult).
type resultLog = collector[Result]

func newBatcher(t *testing.T, c *Client, o BatchOptions) *Batcher {
	b, err := NewBatcher(c, o)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = b.Close(context.Background()) })
	return b
}

func TestBatcherPacksFullRequestsAndKeepsEachUsersOrder(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add, MaxConcurrentRequests: 3})
	ctx := context.Background()

	// 40 users × 30 objects cycling attributes, event, purchase, event:
	// the kinds go backwards every few objects, which forces later requests.
	const users, per = 40, 30
	makers := []func(string, int) Item{attrs, event, purchase, event}
	for i := 0; i < per; i++ {
		var items []Item
		for u := 0; u < users; u++ {
			items = append(items, makers[i%len(makers)](fmt.Sprintf("u%d", u), i))
		}
		require.NoError(t, b.Add(ctx, items...))
	}
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, users*per, rep.Delivered)
	assert.Zero(t, rep.Failed)
	assert.Len(t, log.all(), users*per)

	applied, requests := ts.snapshot()
	for u := 0; u < users; u++ {
		got := applied[fmt.Sprintf("external_id:u%d", u)]
		require.Len(t, got, per)
		assert.True(t, sort.IntsAreSorted(got), "user u%d applied out of order: %v", u, got)
	}
	for i, r := range requests {
		assert.LessOrEqual(t, r.Len(), DefaultMaxObjects, "request %d", i)
	}
	assert.Empty(t, ts.overlap, "a user had two requests in flight")
	assert.LessOrEqual(t, ts.maxInflight, 3)

	st := b.Stats()
	assert.Equal(t, uint64(users*per), st.Delivered)
	assert.Equal(t, uint64(len(requests)), st.Requests)
	assert.Zero(t, st.Queued)
}

func TestBatcherSizeFlushSendsOnlyFullRequests(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	done := make(chan struct{})
	var mu sync.Mutex
	n := 0
	onResult := func(Result) {
		mu.Lock()
		if n++; n == 750 {
			close(done)
		}
		mu.Unlock()
	}
	// No timer, no Flush: only full requests can go out.
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: onResult})
	for i := 0; i < 750; i++ {
		require.NoError(t, b.Add(context.Background(), event(fmt.Sprintf("u%d", i%500), i)))
	}
	<-done
	_, requests := ts.snapshot()
	require.Len(t, requests, 10)
	for _, r := range requests {
		assert.Equal(t, 75, r.Len())
	}
	assert.InDelta(t, 1.0, b.Stats().PackingEfficiency, 1e-9)
}

func TestBatcherKindGoingBackwardsWaitsForTheNextRequest(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1})
	ctx := context.Background()
	// An event, then an attributes object of the same user: in one request
	// Braze would apply the attributes first.
	require.NoError(t, b.Add(ctx, event("u", 1), attrs("u", 2), attrs("v", 1)))
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	applied, requests := ts.snapshot()
	require.Len(t, requests, 2)
	assert.Len(t, requests[0].Events, 1)
	assert.Len(t, requests[0].Attributes, 1, "v's attributes share the first request")
	assert.Len(t, requests[1].Attributes, 1)
	assert.Equal(t, []int{1, 2}, applied["external_id:u"])
}

func TestBatcherPerArrayLimits(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	lim := LegacyLimits()
	lim.MaxObjects = 2
	b := newBatcher(t, ts.client(t, WithLimits(lim)), BatchOptions{FlushInterval: -1, Limits: lim, MaxConcurrentRequests: 1})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, attrs("a", 1), event("a", 2), purchase("a", 3), attrs("b", 1), event("b", 2), purchase("b", 3), event("c", 1)))
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	_, requests := ts.snapshot()
	require.Len(t, requests, 2)
	assert.Equal(t, []int{2, 2, 2}, []int{len(requests[0].Attributes), len(requests[0].Events), len(requests[0].Purchases)})
	assert.Len(t, requests[1].Events, 1)
	assert.InDelta(t, 7.0/2/6, b.Stats().PackingEfficiency, 1e-9)
}

func TestBatcherMapsPerObjectErrorsToTheCallersItems(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.setScript(func(n int, req *TrackRequest) *answer {
		return &answer{http.StatusCreated, `{"message":"success","errors":[{"type":"'quantity' is not valid","input_array":"purchases","index":0},{"type":"BAD_PUSH_TOKEN_VALUE","input_array":"attributes","index":1}]}`}
	})
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, attrs("a", 10), purchase("a", 11), attrs("b", 20), event("b", 21)))
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Delivered)
	require.Equal(t, 2, rep.Failed)
	byRef := map[int]error{}
	for _, r := range log.all() {
		byRef[r.Item.Ref.(int)] = r.Err
	}
	assert.NoError(t, byRef[10])
	assert.NoError(t, byRef[21])
	var rej *RejectedError
	require.ErrorAs(t, byRef[11], &rej)
	assert.Equal(t, "'quantity' is not valid", rej.ObjectError.Type)
	require.ErrorAs(t, byRef[20], &rej)
	assert.Equal(t, "BAD_PUSH_TOKEN_VALUE", rej.ObjectError.Type)
	var oe ObjectError
	assert.ErrorAs(t, byRef[20], &oe)
	assert.ErrorContains(t, rep.Err(), "2 of 4 objects not delivered")
}

func TestBatcher400ResendsTheObjectsItDidNotList(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.setScript(func(n int, req *TrackRequest) *answer {
		if n == 0 {
			return &answer{http.StatusBadRequest, `{"message":"Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.","errors":[{"type":"'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required","input_array":"events","index":1}]}`}
		}
		return nil
	})
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("b", 1), event("c", 1)))
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Delivered)
	require.Equal(t, 1, rep.Failed)
	var rej *RejectedError
	require.ErrorAs(t, rep.Failures[0].Err, &rej)
	assert.Equal(t, http.StatusBadRequest, rej.StatusCode)
	assert.Equal(t, "b", rep.Failures[0].Item.Event.ExternalID)
	applied, requests := ts.snapshot()
	assert.Len(t, requests, 2)
	assert.Equal(t, map[string][]int{"external_id:a": {1}, "external_id:c": {1}}, applied)
}

// TestBatcherAddRefusesInvalidItems: objects are validated as they are
// added; a call with invalid items queues nothing and names each of them
// (index, field, value); the rest can be added again.
func TestBatcherAddRefusesInvalidItems(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	ctx := context.Background()
	var items []Item
	for i := 0; i < 20; i++ {
		items = append(items, event(fmt.Sprintf("u%d", i), i))
	}
	items[7].Event.Name = ""                       // invalid: no name
	items[13].Event.Properties.Set("$bad", Int(1)) // invalid key
	err := b.Add(ctx, items...)
	var refused ItemErrors
	require.ErrorAs(t, err, &refused)
	require.Len(t, refused, 2)
	assert.Equal(t, 7, refused[0].Index)
	assert.Equal(t, ObjectEvent, refused[0].Kind)
	assert.Equal(t, 13, refused[1].Index)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve, "the first item's problems are reachable")
	assert.Equal(t, "name", ve.Path)
	var ves ValidationErrors
	require.ErrorAs(t, refused[1], &ves)
	assert.Equal(t, `properties["$bad"]`, ves[0].Path)
	assert.Equal(t, `braze: Batcher.Add: 2 items refused, nothing queued: items[7] (events): name: "" is empty; `+
		`items[13] (events): properties["$bad"]: key starts with '$', which Braze reserves for operators`, err.Error())
	assert.Zero(t, b.Stats().Added, "nothing of the call is queued")

	require.NoError(t, b.Add(ctx, refused.Without(items)...))
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 18, rep.Delivered)
	assert.Zero(t, rep.Failed)
	assert.Len(t, log.all(), 18, "refused items have no Result: Add reported them")
	applied, requests := ts.snapshot()
	assert.Len(t, applied, 18)
	assert.NotContains(t, applied, "external_id:u7")
	assert.Len(t, requests, 1, "the valid objects share one request")
}

// TestBatcherSendsObjectsAsTheyWereAdded: the JSON is made by Add, so a
// change to an object after Add does not reach Braze, while its Result
// still hands the object back.
func TestBatcherSendsObjectsAsTheyWereAdded(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	ctx := context.Background()
	it := event("a", 1)
	require.NoError(t, b.Add(ctx, it))
	it.Event.Name = "changed"
	it.Event.Properties.Set("seq", Int(2))
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	_, requests := ts.snapshot()
	require.Len(t, requests, 1)
	assert.Equal(t, "e", requests[0].Events[0].Name)
	res := log.all()
	require.Len(t, res, 1)
	assert.Same(t, it.Event, res[0].Item.Event)
}

// TestBatcherRefusesAnObjectTooLargeForAnyRequest: an object that cannot
// fit a request body on its own is refused by Add, naming its size.
func TestBatcherRefusesAnObjectTooLargeForAnyRequest(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	lim := DefaultLimits()
	lim.MaxBodyBytes = 1000
	b := newBatcher(t, ts.client(t, WithLimits(lim)), BatchOptions{FlushInterval: -1})
	big := event("a", 1)
	big.Event.Properties.Set("pad", String(strings.Repeat("x", 250)))
	big.Event.Properties.Set("pad2", String(strings.Repeat("y", 250)))
	big.Event.Properties.Set("pad3", String(strings.Repeat("z", 250)))
	big.Event.Properties.Set("pad4", String(strings.Repeat("w", 250)))
	err := b.Add(context.Background(), event("a", 0), big)
	var one *ItemError
	require.ErrorAs(t, err, &one)
	assert.Equal(t, 1, one.Index)
	assert.Contains(t, err.Error(), "over the 1000-byte body limit")
	assert.Zero(t, b.Stats().Added)
}

func TestBatcherHalvesARequestTooLargeAsAWhole(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	lim := DefaultLimits()
	lim.MaxBodyBytes = 4000 // each object fits alone; 75 of them do not
	b := newBatcher(t, ts.client(t, WithLimits(lim)), BatchOptions{FlushInterval: -1})
	ctx := context.Background()
	var items []Item
	for i := 0; i < 75; i++ {
		it := event(fmt.Sprintf("u%d", i%3), i)
		it.Event.Properties.Set("pad", String(strings.Repeat("x", 200)))
		items = append(items, it)
	}
	require.NoError(t, b.Add(ctx, items...))
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 75, rep.Delivered)
	applied, requests := ts.snapshot()
	assert.Greater(t, len(requests), 4)
	for u := 0; u < 3; u++ {
		got := applied[fmt.Sprintf("external_id:u%d", u)]
		assert.Len(t, got, 25)
		assert.True(t, sort.IntsAreSorted(got), "halves keep each user's order: %v", got)
	}
}

func TestBatcherReportsTheFinalErrorAfterRetries(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.setScript(func(int, *TrackRequest) *answer {
		return &answer{http.StatusServiceUnavailable, `{"message":"no capacity"}`}
	})
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), attrs("b", 1)))
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Failed)
	var apiErr *APIError
	require.ErrorAs(t, rep.Failures[0].Err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	_, requests := ts.snapshot()
	assert.Len(t, requests, 4, "one attempt and three retries")
	st := b.Stats()
	assert.Equal(t, uint64(2), st.Failed)
	assert.Equal(t, uint64(3), st.Retries)
}

func TestBatcherQueueFullError(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.gate = make(chan struct{})
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 3, QueueFull: QueueFullError})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("b", 1)))
	assert.ErrorIs(t, b.Add(ctx, event("c", 1), event("d", 1)), ErrQueueFull)
	require.NoError(t, b.Add(ctx, event("c", 1)))
	assert.ErrorIs(t, b.Add(ctx, event("e", 1)), ErrQueueFull)
	assert.ErrorIs(t, b.Add(ctx, event("a", 1), event("a", 2), event("a", 3), event("a", 4)), ErrQueueFull)
	close(ts.gate)
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Delivered)
	require.NoError(t, b.Add(ctx, event("e", 1)), "room again once results are in")
}

func TestBatcherQueueFullBlocksUntilRoomOrContextEnds(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 2})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("b", 1)))

	// The queue is full: Add waits until its context ends.
	short, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, b.Add(short, event("c", 1)), context.Canceled)

	// A blocked Add proceeds once the held objects are resolved.
	added := make(chan error, 1)
	go func() { added <- b.Add(ctx, event("c", 1)) }()
	flushed := make(chan error, 1)
	go func() { _, err := b.Flush(ctx); flushed <- err }()
	close(gate)
	require.NoError(t, <-added)
	require.NoError(t, <-flushed)
	_, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), b.Stats().Delivered)
}

func TestBatcherFlushHonoursItsDeadline(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1)))
	short, cancel := context.WithCancel(ctx)
	cancel()
	_, err := b.Flush(short)
	assert.ErrorIs(t, err, context.Canceled)
	close(gate)
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Delivered, "the result goes to the next report")
}

func TestBatcherTimerFlushesPartialRequests(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	got := make(chan Result, 1)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: 5 * time.Millisecond, OnResult: func(r Result) { got <- r }})
	require.NoError(t, b.AddEvent(context.Background(), event("a", 1).Event))
	r := <-got // no Flush: only the timer can send a one-object request
	assert.True(t, r.Delivered())
}

func TestBatcherFlushUserIsAnOrderingBarrier(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("a", 2), attrs("a", 3), event("b", 1)))
	require.NoError(t, b.FlushUser(ctx, ExternalID("a")))
	applied, _ := ts.snapshot()
	assert.Equal(t, []int{1, 2, 3}, applied["external_id:a"], "all of a's objects are in before FlushUser returns")
	require.NoError(t, b.FlushUser(ctx, ExternalID("nobody")))
}

func TestBatcherCloseDrainsAndThenRefuses(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b, err := NewBatcher(ts.client(t), BatchOptions{FlushInterval: -1})
	require.NoError(t, err)
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		require.NoError(t, b.Add(ctx, event(fmt.Sprintf("u%d", i%7), i)))
	}
	rep, err := b.Close(ctx)
	require.NoError(t, err)
	assert.Equal(t, 100, rep.Delivered)
	assert.ErrorIs(t, b.Add(ctx, event("a", 1)), ErrClosed)
	_, err = b.Flush(ctx)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, b.FlushUser(ctx, ExternalID("a")), ErrClosed)
	_, err = b.Close(ctx)
	assert.ErrorIs(t, err, ErrClosed)
}

func TestBatcherCloseDeadlineFailsWhatIsLeft(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.gate = make(chan struct{}) // never opened: requests hang until cancelled
	var log resultLog
	b, err := NewBatcher(ts.client(t), BatchOptions{FlushInterval: -1, MaxConcurrentRequests: 1, OnResult: log.add})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1), event("a", 2), attrs("a", 3), event("b", 1)))
	short, cancel := context.WithCancel(ctx)
	cancel()
	rep, err := b.Close(short)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 4, rep.Failed)
	results := log.all()
	require.Len(t, results, 4, "every object has a result")
	for _, r := range results {
		assert.ErrorIs(t, r.Err, ErrClosed)
	}
	assert.Equal(t, uint64(4), b.Stats().Failed)
}

func TestBatcherRejectsMalformedItemsAndOptions(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	c := ts.client(t)
	_, err := NewBatcher(nil, BatchOptions{})
	assert.Error(t, err)
	_, err = NewBatcher(c, BatchOptions{MaxConcurrentRequests: -1})
	assert.ErrorContains(t, err, "MaxConcurrentRequests")
	_, err = NewBatcher(c, BatchOptions{MaxQueuedObjects: -1})
	assert.ErrorContains(t, err, "MaxQueuedObjects")
	b := newBatcher(t, c, BatchOptions{})
	err = b.Add(context.Background(), event("a", 1), Item{}, Item{Event: &Event{}, Purchase: &Purchase{}})
	assert.ErrorContains(t, err, "items[1]: must carry exactly one of Attributes, Event, Purchase")
	var refused ItemErrors
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, []int{1, 2}, []int{refused[0].Index, refused[1].Index})
	assert.Zero(t, refused[0].Kind)
	assert.Zero(t, b.Stats().Added)
}

func TestBatcherCloseReleasesBlockedAdds(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	b, err := NewBatcher(ts.client(t), BatchOptions{FlushInterval: -1, MaxQueuedObjects: 1})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1)))
	blocked := make(chan error, 1)
	go func() { blocked <- b.Add(ctx, event("b", 1)) }()
	// The queue stays full until the gate opens, so the second Add is
	// parked (or, if Close wins the race, refused): either way ErrClosed.
	closed := make(chan error, 1)
	go func() { _, err := b.Close(ctx); closed <- err }()
	assert.ErrorIs(t, <-blocked, ErrClosed, "a parked Add fails once Close starts (or is refused if it arrives after)")
	close(gate)
	require.NoError(t, <-closed)
	assert.Equal(t, uint64(1), b.Stats().Delivered)
}

func TestBatcherFlushUserHonoursItsContext(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	gate := ts.newGate()
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1})
	ctx := context.Background()
	require.NoError(t, b.Add(ctx, event("a", 1)))
	short, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, b.FlushUser(short, ExternalID("a")), context.Canceled)
	close(gate)
	require.NoError(t, b.FlushUser(ctx, ExternalID("a")))
}

func TestBatcherConvenienceAddsAndReportErrors(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	ts.setScript(func(n int, req *TrackRequest) *answer {
		return &answer{http.StatusCreated, `{"message":"success","errors":[{"type":"'quantity' is not valid","input_array":"purchases","index":0}]}`}
	})
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1})
	ctx := context.Background()
	require.NoError(t, b.AddAttributes(ctx, attrs("a", 1).Attributes))
	require.NoError(t, b.AddEvent(ctx, event("a", 2).Event))
	require.NoError(t, b.AddPurchase(ctx, purchase("a", 3).Purchase))
	require.NoError(t, b.AddTrack(ctx, nil, nil))
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Delivered)
	err = rep.Err()
	var de *DeliveryError
	require.ErrorAs(t, err, &de)
	var rej *RejectedError
	assert.ErrorAs(t, err, &rej, "the individual reasons are reachable")
	assert.Contains(t, err.Error(), "1 of 3 objects not delivered")
	assert.Contains(t, err.Error(), "'quantity' is not valid")
	assert.NoError(t, FlushReport{Delivered: 3}.Err())

	assert.Equal(t, "attributes", ObjectAttributes.String())
	assert.Equal(t, "purchases", PurchaseItem(&Purchase{}).Kind().String())
	assert.Equal(t, "ObjectKind(9)", ObjectKind(9).String())
	assert.Equal(t, ObjectAttributes, AttributesItem(&Attributes{}).Kind())
	assert.Zero(t, Item{}.Identifier())
}

// TestBatcherTimerOnAnInstantClock: with a clock whose timers fire at once
// (auto-advance), partial requests go out immediately. The timer is only
// armed while ready objects are not yet forced out, which is what keeps
// the timer goroutine from spinning on such a clock: each Add arms it
// once, and nothing else does.
func TestBatcherTimerOnAnInstantClock(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	clk := clock.NewAutoAdvance(testTime)
	c := ts.client(t, WithClock(clk))
	got := make(chan Result, 2)
	b := newBatcher(t, c, BatchOptions{OnResult: func(r Result) { got <- r }})
	require.NoError(t, b.Add(context.Background(), event("a", 1)))
	assert.True(t, (<-got).Delivered(), "the timer fired at once and sent the partial request")
	require.NoError(t, b.Add(context.Background(), event("b", 1)))
	assert.True(t, (<-got).Delivered())
	_, err := b.Close(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{DefaultFlushInterval, DefaultFlushInterval}, clk.Sleeps(),
		"one timer per Add: the timer never re-armed itself")
}

// TestBatcherTimerSleepsWhileIdle: an idle batcher arms no timer; ready
// objects arm one, which sends them when it fires; once they are sent the
// batcher is idle again and arms none until the next Add.
func TestBatcherTimerSleepsWhileIdle(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	clk := clock.NewManual(testTime)
	got := make(chan Result, 1)
	b := newBatcher(t, ts.client(t, WithClock(clk)), BatchOptions{FlushInterval: time.Minute, OnResult: func(r Result) { got <- r }})
	ctx := context.Background()
	rep, err := b.Flush(ctx) // goes through the lock: the batcher has settled
	require.NoError(t, err)
	assert.Zero(t, rep.Delivered)
	// Waiters alone could not fail: an armed timer's goroutine may not have
	// reached the clock yet. armed is set under the lock when it is armed.
	assert.False(t, timerArmed(b), "an idle batcher arms no timer")
	assert.Zero(t, clk.Waiters(), "an idle batcher arms no timer")

	require.NoError(t, b.Add(ctx, event("a", 1)))
	require.NoError(t, clk.WaitForWaiters(ctx, 1))
	clk.Advance(time.Minute)
	assert.True(t, (<-got).Delivered(), "the timer sent the partial request")
	require.NoError(t, b.FlushUser(ctx, ExternalID("a"))) // the request's completion is booked
	assert.False(t, timerArmed(b), "nothing ready: no timer")
	assert.Zero(t, clk.Waiters(), "nothing ready: no timer")

	require.NoError(t, b.Add(ctx, event("b", 1)))
	require.NoError(t, clk.WaitForWaiters(ctx, 1))
	rep, err = b.Close(ctx) // with the timer armed: Close stops its goroutine
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Delivered)
}

// TestBatcherAddsMixingRunsOfUsersKeepEachUsersOrder adds calls that hold
// runs of several users' objects (a, a, b, a, c, c, ...) with kinds in any
// order, and checks that every object is queued under its own user: each
// user's objects are applied in the order added, no user has two requests
// in flight, and FlushUser of a user returns only once all of that user's
// objects are in. Add records one key per run of a user's objects, so a
// run boundary put one item off would break one of these.
func TestBatcherAddsMixingRunsOfUsersKeepEachUsersOrder(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxConcurrentRequests: 3})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 5))
	makers := []func(string, int) Item{attrs, event, purchase}
	added := map[string]int{}
	for call := range 200 {
		var items []Item
		for range 1 + rng.IntN(4) { // runs
			user := fmt.Sprintf("u%d", rng.IntN(6))
			for range 1 + rng.IntN(5) {
				items = append(items, makers[rng.IntN(len(makers))](user, added[user]))
				added[user]++
			}
		}
		require.NoError(t, b.Add(ctx, items...))
		if call%25 == 24 {
			user := fmt.Sprintf("u%d", rng.IntN(6))
			require.NoError(t, b.FlushUser(ctx, ExternalID(user)))
			applied, _ := ts.snapshot()
			require.Len(t, applied["external_id:"+user], added[user], "FlushUser(%s) returned early", user)
		}
	}
	rep, err := b.Flush(ctx)
	require.NoError(t, err)
	applied, _ := ts.snapshot()
	total := 0
	for user, n := range added {
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		assert.Equal(t, want, applied["external_id:"+user], "user %s", user)
		total += n
	}
	assert.Equal(t, total, rep.Delivered)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	assert.Empty(t, ts.overlap, "a user had two requests in flight")
}
