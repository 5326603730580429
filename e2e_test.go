package mpbraze

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mparticle"
)

// TestEndToEndUnderFaults forwards 50,000 Braze objects of 2,000 users
// through the kit to brazetest while 10% of requests fail with 500/503 and
// 5% with 429 (announcing a one-second wait), and checks that:
//   - every object ends with exactly one result (delivered or failed with a
//     reason), and what was delivered is exactly what brazetest stored;
//   - each user's objects were stored in the order they were forwarded
//     (events in sequence, the last attributes value wins);
//   - no goroutine is left after Close.
func TestEndToEndUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end load test")
	}
	checkLeaks(t)
	const (
		users          = 2000
		batchesPerUser = 5
		eventsPerBatch = 4 // + 1 attributes object per batch = 25 objects per user
		objects        = users * batchesPerUser * (eventsPerBatch + 1)
		forwarders     = 8
	)
	srv := newServer(t, brazetest.WithFaults(brazetest.Faults{
		Seed: 7, ServerErrorRate: 0.10, RateLimitRate: 0.05, RetryAfter: time.Second,
	}))
	var delivered, failed atomic.Int64
	var failMu sync.Mutex
	var failures []braze.Result
	cfg := testConfig(srv)
	cfg.Batch = braze.BatchOptions{MaxConcurrentRequests: 16, FlushInterval: 20 * time.Millisecond}
	cfg.OnResult = func(r braze.Result) {
		if r.Err == nil {
			delivered.Add(1)
			return
		}
		failed.Add(1)
		failMu.Lock()
		failures = append(failures, r)
		failMu.Unlock()
	}
	k, err := New(cfg)
	require.NoError(t, err)

	// Each forwarder owns the users u with u % forwarders == its number and
	// forwards their batches round by round, so one user's batches are
	// forwarded in order while many users interleave.
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, forwarders)
	for g := 0; g < forwarders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < batchesPerUser; round++ {
				for u := g; u < users; u += forwarders {
					b, err := loadBatch(u, round, eventsPerBatch)
					if err == nil {
						err = k.Forward(ctx, b)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	closeCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rep, err := k.Close(closeCtx)
	require.NoError(t, err)

	// Every object has exactly one result.
	assert.Equal(t, int64(objects), delivered.Load()+failed.Load())
	st := k.Stats()
	assert.Equal(t, uint64(objects), st.Objects)
	assert.Equal(t, uint64(objects), st.Delivery.Delivered+st.Delivery.Failed)
	// No report was taken before Close, so Close's covers every result.
	assert.Equal(t, int(failed.Load()), rep.Failed)
	assert.Equal(t, int(delivered.Load()), rep.Delivered)
	for _, f := range failures {
		assert.Error(t, f.Err, "a failure carries its reason")
	}

	// What was delivered is what brazetest stored, in each user's order.
	bs := srv.Stats()
	assert.Equal(t, int(delivered.Load()), bs.Accepted["attributes"]+bs.Accepted["events"]+bs.Accepted["purchases"])
	storedEvents := 0
	for u := 0; u < users; u++ {
		got, ok := srv.User(fmt.Sprintf("load-%d", u))
		if !ok {
			continue
		}
		last := -1
		for _, e := range got.Events {
			seq := int(e.Properties["seq"].(int64))
			require.Greater(t, seq, last, "user %d: events stored out of order or twice", u)
			last = seq
		}
		storedEvents += len(got.Events)
		if r, ok := got.Attributes["round"]; ok {
			// The round attribute is set by every batch; the value stored
			// is the last delivered one.
			assert.LessOrEqual(t, r.(int64), int64(batchesPerUser-1))
		}
	}
	assert.Equal(t, bs.Accepted["events"], storedEvents)
	assert.Greater(t, bs.Faults["429"], 0, "faults were injected")
	assert.Greater(t, bs.Faults["500"]+bs.Faults["503"], 0)
	assert.Greater(t, st.Delivery.Retries, uint64(0))
	assert.Greater(t, st.Delivery.RateLimited, uint64(0))
	t.Logf("objects %d: delivered %d, failed %d; requests %d (%.1f objects each, packing %.3f); retries %d, 429s %d; brazetest faults %v",
		objects, delivered.Load(), failed.Load(), st.Delivery.Requests, st.Delivery.MeanObjectsPerRequest,
		st.Delivery.PackingEfficiency, st.Delivery.Retries, st.Delivery.RateLimited, bs.Faults)
}

// loadBatch is user u's batch number round: a user attribute and
// eventsPerBatch custom events whose "seq" property numbers the user's
// events in forwarding order.
func loadBatch(u, round, eventsPerBatch int) (*mparticle.Batch, error) {
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.UserIdentities = &mparticle.UserIdentities{CustomerID: fmt.Sprintf("load-%d", u)}
	b.SourceRequestID = fmt.Sprintf("load-%d-%d", u, round)
	if err := b.SetUserAttribute("round", round); err != nil {
		return nil, err
	}
	for i := 0; i < eventsPerBatch; i++ {
		seq := round*eventsPerBatch + i
		ev, err := mparticle.NewCustomEvent("Load Event", mparticle.CustomOther,
			map[string]any{"seq": seq}, mparticle.At(kitNow.Add(time.Duration(seq)*time.Second)))
		if err != nil {
			return nil, err
		}
		b.AddEvent(ev)
	}
	return b, nil
}
