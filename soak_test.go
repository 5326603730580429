package mpbraze_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	mpbraze "github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mparticle"
)

// The forward soak test drives mpbraze.New → Forward with many batches of many
// users against brazetest while every fault Braze can produce happens at once:
// 500/503, 429 announcing a wait (in each of the header styles), slow answers,
// dropped connections, and per-object errors in 201 answers. It then checks
// the delivery invariant end to end:
//
//   - every object the kit queued has exactly one result, and
//     submitted = delivered + reported failed;
//   - what brazetest stored is exactly what was reported delivered: every
//     delivered object once, no failed object at all, and no object twice in
//     one request;
//   - each user's objects were applied by Braze in the order they were
//     forwarded (Braze applies attributes, then events, then purchases within
//     a request, so that order is what is checked);
//   - objects Braze refused came back as *braze.RejectedError naming them.
//
// Per-object errors: the kit validates everything before sending, so nothing
// it builds draws one from brazetest. soakPoisoner stands between the client
// and brazetest and spoils marked objects (a "poison" property or attribute)
// the way a Braze-side rule change would, so brazetest answers 201 with errors
// for exactly those objects.

// soakSize is the workload of one soak run.
type soakSize struct {
	users, rounds, eventsPerRound int
}

func (s soakSize) objectsPerRound() int { return 1 + s.eventsPerRound + 1 } // attributes, events, purchase

// soakObject names one Braze object of the workload: user, kind and its
// number in the user's sequence (round for attributes and purchases, the
// event's seq for events).
type soakObject struct {
	user string
	kind string // "attributes", "events", "purchases"
	n    int64
}

func (o soakObject) String() string { return fmt.Sprintf("%s/%s/%d", o.user, o.kind, o.n) }

// soakPoisoned reports whether the workload marks an object for rejection.
func soakPoisoned(u, round, event int) (attrs, ev, purchase bool) {
	return (u+round)%29 == 3, event >= 0 && (u*7+round*3+event)%23 == 0, (u+2*round)%17 == 5
}

func soakUserID(u int) string { return fmt.Sprintf("soak-%d", u) }

var soakNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// soakBatch builds user u's batch of one round: a user-attribute change
// (round, and poison on marked rounds), eventsPerRound custom events numbered
// by seq, and a one-product purchase.
func soakBatch(size soakSize, u, round int) (*mparticle.Batch, error) {
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.UserIdentities = &mparticle.UserIdentities{CustomerID: soakUserID(u)}
	b.SourceRequestID = fmt.Sprintf("soak-%d-%d", u, round)
	b.TimestampUnixtimeMS = soakNow.UnixMilli()
	if err := b.SetUserAttribute("round", round); err != nil {
		return nil, err
	}
	poisonAttrs, _, poisonPurchase := soakPoisoned(u, round, -1)
	if poisonAttrs {
		if err := b.SetUserAttribute("poison", true); err != nil {
			return nil, err
		}
	}
	at := mparticle.At(soakNow.Add(time.Duration(round) * time.Minute))
	for i := 0; i < size.eventsPerRound; i++ {
		attrs := map[string]any{"seq": round*size.eventsPerRound + i}
		if _, poison, _ := soakPoisoned(u, round, i); poison {
			attrs["poison"] = true
		}
		ev, err := mparticle.NewCustomEvent("Soak Event", mparticle.CustomOther, attrs, at)
		if err != nil {
			return nil, err
		}
		b.AddEvent(ev)
	}
	sku := fmt.Sprintf("sku-%d", round)
	if poisonPurchase {
		sku += "-poison"
	}
	p, err := mparticle.NewPurchase(fmt.Sprintf("tx-%d-%d", u, round), 9.5, "EUR",
		[]mparticle.Product{mparticle.NewProduct(sku, "Soak Product", 9.5, 1)}, nil, at)
	if err != nil {
		return nil, err
	}
	b.AddEvent(p)
	return b, nil
}

// soakObjectOf names the Braze object a result is about.
// soakObjectOf names the object of a result from the JSON the kit sent
// (results carry no objects: the kit recycles them). It runs on the
// batcher's goroutines, so it reports with t.Errorf, never t.Fatal.
func soakObjectOf(t *testing.T, r braze.Result) soakObject {
	var o struct {
		ExternalID string `json:"external_id"`
		Round      *int64 `json:"round"`
		Properties struct {
			Seq *int64 `json:"seq"`
		} `json:"properties"`
		ProductID string `json:"product_id"`
	}
	if err := json.Unmarshal(r.Object, &o); err != nil {
		t.Errorf("result object %s: %v", r.Object, err)
		return soakObject{}
	}
	switch r.Kind {
	case braze.ObjectAttributes:
		if o.Round == nil {
			t.Errorf("attributes without round: %s", r.Object)
			return soakObject{}
		}
		return soakObject{o.ExternalID, "attributes", *o.Round}
	case braze.ObjectEvent:
		if o.Properties.Seq == nil {
			t.Errorf("event without seq: %s", r.Object)
			return soakObject{}
		}
		return soakObject{o.ExternalID, "events", *o.Properties.Seq}
	case braze.ObjectPurchase:
		return soakObject{o.ExternalID, "purchases", soakRoundOfSKU(t, o.ProductID)}
	}
	t.Errorf("result of kind %v: %s", r.Kind, r.Object)
	return soakObject{}
}

func soakRoundOfSKU(t *testing.T, sku string) int64 {
	var r int64
	if _, err := fmt.Sscanf(strings.TrimSuffix(sku, "-poison"), "sku-%d", &r); err != nil {
		t.Errorf("product id %q: %v", sku, err)
	}
	return r
}

// soakPoisoner is an http.RoundTripper in front of brazetest that spoils the
// marked objects of /users/track bodies: an event with a "poison" property
// gets an unreadable time, an attributes object with a "poison" attribute a
// malformed email, a purchase whose product id ends in "-poison" an invalid
// currency. Everything else passes unchanged (numbers kept exactly).
type soakPoisoner struct{ next http.RoundTripper }

func (p soakPoisoner) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/users/track" || r.Body == nil {
		return p.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) == nil {
		spoil := func(array string, bad func(map[string]any) bool, fix func(map[string]any)) {
			list, _ := doc[array].([]any)
			for _, o := range list {
				if m, ok := o.(map[string]any); ok && bad(m) {
					fix(m)
				}
			}
		}
		spoil("events", func(m map[string]any) bool {
			props, _ := m["properties"].(map[string]any)
			return props["poison"] == true
		}, func(m map[string]any) { m["time"] = "not a time" })
		spoil("attributes", func(m map[string]any) bool { return m["poison"] == true },
			func(m map[string]any) { m["email"] = "not-an-email" })
		spoil("purchases", func(m map[string]any) bool {
			id, _ := m["product_id"].(string)
			return strings.HasSuffix(id, "-poison")
		}, func(m map[string]any) { m["currency"] = "NOT A CURRENCY" })
		if out, err := json.Marshal(doc); err == nil {
			body = out
		}
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return p.next.RoundTrip(r2)
}

// soakStored reads brazetest's record: for every /users/track request it
// answered 201, the objects it applied (those not listed in its errors), in
// Braze's processing order. It fails the test if one request applied an
// object twice.
func soakStored(t *testing.T, srv *brazetest.Server) (applied []soakObject, requests int) {
	reqs := srv.Requests()
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Seq < reqs[j].Seq })
	for _, r := range reqs {
		if r.Path != "/users/track" || r.Status != http.StatusCreated {
			continue
		}
		requests++
		var body map[string][]map[string]any
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&body), "request %d", r.Seq)
		var answer struct {
			Errors []braze.ObjectError `json:"errors"`
		}
		require.NoError(t, json.Unmarshal(r.Response, &answer), "request %d answer", r.Seq)
		rejected := map[string]bool{}
		for _, e := range answer.Errors {
			rejected[fmt.Sprintf("%s/%d", e.InputArray, e.Index)] = true
		}
		inRequest := map[soakObject]bool{}
		for _, array := range []string{"attributes", "events", "purchases"} {
			for i, o := range body[array] {
				if rejected[fmt.Sprintf("%s/%d", array, i)] {
					continue
				}
				obj := soakObject{user: fmt.Sprint(o["external_id"]), kind: array}
				switch array {
				case "attributes":
					obj.n = soakNumber(t, o["round"])
				case "events":
					props, _ := o["properties"].(map[string]any)
					obj.n = soakNumber(t, props["seq"])
				case "purchases":
					obj.n = soakRoundOfSKU(t, fmt.Sprint(o["product_id"]))
				}
				require.False(t, inRequest[obj], "request %d applied %v twice", r.Seq, obj)
				inRequest[obj] = true
				applied = append(applied, obj)
			}
		}
	}
	return applied, requests
}

func soakNumber(t *testing.T, v any) int64 {
	n, ok := v.(json.Number)
	require.True(t, ok, "not a number: %#v", v)
	i, err := n.Int64()
	require.NoError(t, err)
	return i
}

// soakUserOrder is user u's objects in forwarding order (which, per batch,
// is also Braze's processing order: attributes, events, purchase).
func soakUserOrder(size soakSize, u int) []soakObject {
	id := soakUserID(u)
	var out []soakObject
	for r := 0; r < size.rounds; r++ {
		out = append(out, soakObject{id, "attributes", int64(r)})
		for i := 0; i < size.eventsPerRound; i++ {
			out = append(out, soakObject{id, "events", int64(r*size.eventsPerRound + i)})
		}
		out = append(out, soakObject{id, "purchases", int64(r)})
	}
	return out
}

func TestSoakForwardUnderEveryFault(t *testing.T) {
	size := soakSize{users: 400, rounds: 6, eventsPerRound: 3}
	faults := brazetest.Faults{
		Seed:            11,
		ServerErrorRate: 0.08,
		RateLimitRate:   0.05,
		RetryAfter:      time.Second,
		DropRate:        0.04,
		Latency:         3 * time.Millisecond,
	}
	if testing.Short() {
		// A smaller run sends few requests before the scripted outage, so
		// the random faults are made likelier for every kind to occur.
		size = soakSize{users: 200, rounds: 4, eventsPerRound: 3}
		faults.ServerErrorRate, faults.RateLimitRate = 0.15, 0.15
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := brazetest.NewServer(brazetest.WithFaults(faults), brazetest.WithRecordLimit(1_000_000))
	defer srv.Close()
	base := srv.Client()
	transport := base.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	hc := &http.Client{Transport: soakPoisoner{next: transport}, Timeout: 30 * time.Second}

	var mu sync.Mutex
	results := map[soakObject][]error{}
	resultCount := 0
	cfg := mpbraze.Config{
		BrazeKey:   brazetest.DefaultKey,
		BrazeURL:   srv.URL(),
		AllowHTTP:  true,
		HTTPClient: hc,
		ClientOptions: []braze.Option{
			braze.WithRateLimits(braze.RateLimits{Disabled: true}),
			// Few, fast retries: some requests exhaust them, so the
			// "reported failed" side of the invariant is exercised too.
			braze.WithRetryPolicy(braze.RetryPolicy{
				MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
				Budget: braze.RetryBudget{Disabled: true},
			}),
		},
		Batch: braze.BatchOptions{MaxConcurrentRequests: 8, FlushInterval: 10 * time.Millisecond, MaxQueuedObjects: 2_000},
		OnResult: func(r braze.Result) {
			obj := soakObjectOf(t, r)
			mu.Lock()
			results[obj] = append(results[obj], r.Err)
			resultCount++
			mu.Unlock()
		},
		Now: func() time.Time { return soakNow },
	}
	k, err := mpbraze.New(cfg)
	require.NoError(t, err)
	defer hc.CloseIdleConnections()

	// Forwarders own disjoint users and forward round by round, so each
	// user's batches are forwarded in order while users interleave. Between
	// rounds the 429s switch header style, so every style Braze uses is met.
	const forwarders = 6
	hints := []brazetest.HintStyle{brazetest.HintXRateLimitRetryAfter, brazetest.HintRetryAfterSeconds,
		brazetest.HintRetryAfterDate, brazetest.HintReset}
	ctx := context.Background()
	for round := 0; round < size.rounds; round++ {
		f := faults
		f.RetryAfterHeader = hints[round%len(hints)]
		srv.SetFaults(f)
		if round == size.rounds/2 {
			// An outage: 40 failed attempts in a row. With at most 8
			// requests in flight and 4 attempts each, the first request
			// to meet it uses up its retries, so the "failed after
			// retries" side of the invariant is always exercised.
			outage := make([]brazetest.Fault, 40)
			for i := range outage {
				outage[i] = brazetest.Fault{Status: http.StatusServiceUnavailable, Drop: i%3 == 0}
			}
			srv.InjectNext(outage...)
		}
		var wg sync.WaitGroup
		errs := make(chan error, forwarders)
		for g := 0; g < forwarders; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := g; u < size.users; u += forwarders {
					b, err := soakBatch(size, u, round)
					if err == nil {
						err = k.Forward(ctx, b)
					}
					if err != nil {
						errs <- fmt.Errorf("user %d round %d: %w", u, round, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
	closeCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rep, err := k.Close(closeCtx)
	require.NoError(t, err, "Close drains within its deadline")

	submitted := size.users * size.rounds * size.objectsPerRound()
	st := k.Stats()
	require.Equal(t, uint64(submitted), st.Objects, "objects the kit queued")

	// Exactly one result per object; submitted = delivered + failed.
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, submitted, resultCount, "one result per object")
	delivered, failed, rejected := map[soakObject]bool{}, 0, 0
	for u := 0; u < size.users; u++ {
		for _, obj := range soakUserOrder(size, u) {
			errs := results[obj]
			if !assert.Len(t, errs, 1, "%v: results", obj) {
				continue
			}
			poisoned := soakIsPoisoned(size, obj)
			var rej *braze.RejectedError
			switch err := errs[0]; {
			case err == nil:
				assert.False(t, poisoned, "%v: delivered although Braze refuses it", obj)
				delivered[obj] = true
			case errors.As(err, &rej):
				assert.True(t, poisoned, "%v: refused by Braze although valid: %v", obj, err)
				failed++
				rejected++
			default:
				// A request that failed after its retries: every object of
				// it fails, poisoned or not, with the request's error.
				failed++
			}
		}
	}
	assert.Equal(t, submitted, len(delivered)+failed, "submitted = delivered + failed")
	assert.Equal(t, uint64(len(delivered)), st.Delivery.Delivered)
	assert.Equal(t, uint64(failed), st.Delivery.Failed)
	assert.Equal(t, len(delivered), rep.Delivered, "Close's report")
	assert.Equal(t, failed, rep.Failed, "Close's report")
	assert.Positive(t, rejected, "per-object errors were met")
	assert.Positive(t, failed-rejected, "requests that used up their retries were met")

	// What brazetest applied is exactly what was reported delivered, each
	// once, in each user's order.
	applied, requests := soakStored(t, srv)
	seen := map[soakObject]int{}
	perUser := map[string][]soakObject{}
	for _, obj := range applied {
		seen[obj]++
		perUser[obj.user] = append(perUser[obj.user], obj)
	}
	for obj, n := range seen {
		assert.Equal(t, 1, n, "%v stored %d times", obj, n)
		assert.True(t, delivered[obj], "%v stored but reported failed", obj)
	}
	assert.Len(t, seen, len(delivered), "every delivered object stored")
	for u := 0; u < size.users; u++ {
		var want []soakObject
		for _, obj := range soakUserOrder(size, u) {
			if delivered[obj] {
				want = append(want, obj)
			}
		}
		got := perUser[soakUserID(u)]
		if !assert.Equal(t, want, got, "user %d: order Braze applied", u) {
			break
		}
	}

	bs := srv.Stats()
	assert.Positive(t, bs.Faults["429"], "429s injected")
	assert.Positive(t, bs.Faults["500"]+bs.Faults["503"], "5xx injected")
	drops := 0
	for _, r := range srv.Requests() {
		if r.Status == 0 {
			drops++
		}
	}
	assert.Positive(t, drops, "connections dropped")
	assert.Positive(t, st.Delivery.Retries)
	t.Logf("objects %d: delivered %d, failed %d (%d refused by Braze); %d requests stored data (%.1f objects each); retries %d, 429s %d; brazetest faults %v",
		submitted, len(delivered), failed, rejected, requests, st.Delivery.MeanObjectsPerRequest,
		st.Delivery.Retries, st.Delivery.RateLimited, bs.Faults)
}

// soakIsPoisoned reports whether the workload marked obj for rejection.
func soakIsPoisoned(size soakSize, obj soakObject) bool {
	var u int
	_, _ = fmt.Sscanf(obj.user, "soak-%d", &u)
	switch obj.kind {
	case "attributes":
		a, _, _ := soakPoisoned(u, int(obj.n), -1)
		return a
	case "events":
		round, i := int(obj.n)/size.eventsPerRound, int(obj.n)%size.eventsPerRound
		_, e, _ := soakPoisoned(u, round, i)
		return e
	default:
		_, _, p := soakPoisoned(u, int(obj.n), -1)
		return p
	}
}
