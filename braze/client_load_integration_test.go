package braze

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/internal/clock"
)

// outcome is what the caller learns about one object.
type outcome struct {
	delivered bool
	reason    string
}

// TestLoadWithInjectedFaults sends many /users/track requests through a
// fake Braze that fails 10% with 5xx and 5% with 429 (and, in one variant,
// drops 2% of connections). Every object must end delivered or reported
// with a reason; the fake must hold each delivered object exactly once and
// nothing else; and no request that Braze answered may have been sent again.
func TestLoadWithInjectedFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	for _, tc := range []struct {
		name   string
		faults brazetest.Faults
	}{
		{"5xx and 429", brazetest.Faults{Seed: 1, ServerErrorRate: 0.10, RateLimitRate: 0.05, RetryAfter: time.Second}},
		{"5xx, 429 and drops", brazetest.Faults{Seed: 2, ServerErrorRate: 0.10, RateLimitRate: 0.05, DropRate: 0.02,
			RetryAfter: 2 * time.Second, RetryAfterHeader: brazetest.HintRetryAfterSeconds}},
	} {
		t.Run(tc.name, func(t *testing.T) { runLoad(t, tc.faults) })
	}
}

func runLoad(t *testing.T, faults brazetest.Faults) {
	const (
		requests   = 300
		perRequest = 10
		workers    = 8
		users      = 37
	)
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk, brazetest.WithFaults(faults))
	c := ctClient(t, s, clk)

	var mu sync.Mutex
	outcomes := make(map[int][]outcome, requests*perRequest)
	report := func(seq int, o outcome) {
		mu.Lock()
		outcomes[seq] = append(outcomes[seq], o)
		mu.Unlock()
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				req := &TrackRequest{}
				for i := range perRequest {
					seq := r*perRequest + i
					ev := Event{Identifier: ExternalID("user-" + strconv.Itoa(seq%users)), Name: "load", Time: ctEpoch,
						Properties: Properties{Prop("seq", Int(int64(seq)))}}
					if seq%53 == 0 {
						// Valid for the client, refused by Braze: must be reported.
						ev.Identifier = EmailAddress("user" + strconv.Itoa(seq) + "@localhost")
					}
					req.Events = append(req.Events, ev)
				}
				resp, err := c.Track(context.Background(), req)
				if err != nil {
					for _, ev := range req.Events {
						report(int(mustInt(t, propValue(ev.Properties, "seq"))), outcome{reason: err.Error()})
					}
					continue
				}
				rejected := map[*Event]string{}
				for _, f := range resp.FailedObjects(req) {
					require.NotNil(t, f.Event, "every per-object error maps to an object")
					rejected[f.Event] = f.Error.Type
				}
				for i := range req.Events {
					ev := &req.Events[i]
					seq := int(mustInt(t, propValue(ev.Properties, "seq")))
					if why, bad := rejected[ev]; bad {
						report(seq, outcome{reason: why})
					} else {
						report(seq, outcome{delivered: true})
					}
				}
			}
		}()
	}
	for r := range requests {
		jobs <- r
	}
	close(jobs)
	wg.Wait()

	// Every object has exactly one outcome, with a reason when not delivered.
	require.Len(t, outcomes, requests*perRequest)
	delivered := map[int]bool{}
	var failed, rejected, invalid int
	for seq, os := range outcomes {
		require.Len(t, os, 1, "seq %d", seq)
		if seq%53 == 0 {
			// An invalid object is never delivered: Braze rejects it, or
			// (when its whole request failed after the retries) it carries
			// the request's error like the rest of that request.
			invalid++
			assert.False(t, os[0].delivered, "invalid seq %d reported delivered", seq)
		}
		if os[0].delivered {
			delivered[seq] = true
			continue
		}
		require.NotEmpty(t, os[0].reason, "seq %d", seq)
		if os[0].reason == "EMAIL_BAD_FORMAT" {
			assert.Zero(t, seq%53, "valid seq %d rejected by Braze", seq)
			rejected++
		} else {
			failed++
		}
	}
	assert.Equal(t, (requests*perRequest+52)/53, invalid)
	assert.Positive(t, rejected, "Braze's per-object errors reached the caller")

	// The fake holds exactly the delivered objects, each once.
	stored := map[int]int{}
	for _, u := range s.Users() {
		for _, e := range u.Events {
			stored[int(e.Properties["seq"].(int64))]++
		}
	}
	for seq, n := range stored {
		assert.Equal(t, 1, n, "seq %d stored %d times", seq, n)
		assert.True(t, delivered[seq], "seq %d stored but not reported delivered", seq)
	}
	assert.Len(t, stored, len(delivered), "every delivered object is stored")

	// No request Braze answered was sent again: answered bodies are unique.
	answered := map[int]int{}
	for _, r := range s.Requests() {
		if r.Fault != "" {
			continue
		}
		var body struct {
			Events []struct {
				Properties struct {
					Seq int `json:"seq"`
				} `json:"properties"`
			} `json:"events"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &body))
		for _, e := range body.Events {
			answered[e.Properties.Seq]++
		}
	}
	for seq, n := range answered {
		assert.Equal(t, 1, n, "seq %d was in %d answered requests", seq, n)
	}

	st := c.Stats()
	sst := s.Stats()
	t.Logf("objects=%d delivered=%d rejected=%d failed=%d; client %+v; fake faults %v",
		len(outcomes), len(delivered), rejected, failed, st, sst.Faults)
	assert.Positive(t, st.Retries, "faults were injected and retried")
	assert.Positive(t, st.RateLimited)
	assert.Positive(t, st.ServerErrors)
	assert.Equal(t, uint64(requests), st.Requests)
	assert.Equal(t, st.Attempts, uint64(len(s.Requests())), "every attempt reached the fake")
	assert.GreaterOrEqual(t, len(delivered), requests*perRequest*9/10, "retries deliver the vast majority")
}

func mustInt(t *testing.T, v Value) int64 {
	t.Helper()
	b, err := v.MarshalJSON()
	require.NoError(t, err)
	n, err := strconv.ParseInt(string(b), 10, 64)
	require.NoError(t, err, fmt.Sprint(string(b)))
	return n
}
