package mpbraze_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
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
	"github.com/mpbraze/mpbraze/internal/testhttp"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// TestSoakAudienceUnderEveryFault posts rounds of audience membership
// changes for many users, from several senders at once, to the kit's
// AudienceHandler while brazetest answers 5xx, 429 with a wait, slowly, and
// drops connections. Each sender owns a group of users, so one user's
// messages are sent in order, as mParticle does. It checks that every
// attribute object the kit queued has exactly one result (delivered or
// failed), that brazetest stored each delivered one, and that every user
// whose updates were all delivered ends in Braze with the membership of the
// last round, in both forms: a SegmentMembership holding exactly the
// audiences the user is in, and "In <name>" true for those and false for
// those left, so no older update overtook a newer one.
func TestSoakAudienceUnderEveryFault(t *testing.T) {
	const token, audiences, groupSize = "soak-audience-token", 6, 25
	users, rounds := 1200, 8
	if testing.Short() {
		users, rounds = 150, 3
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	srv := brazetest.NewServer(brazetest.WithFaults(brazetest.Faults{
		Seed: 3, ServerErrorRate: 0.08, RateLimitRate: 0.03, RetryAfter: time.Second,
		DropRate: 0.04, Latency: 2 * time.Millisecond,
	}))
	defer srv.Close()
	var mu sync.Mutex
	results := map[string][2]int{} // external id → delivered, failed
	total := 0
	k, err := mpbraze.New(mpbraze.Config{
		BrazeKey: brazetest.DefaultKey, BrazeURL: srv.URL(), AllowHTTP: true, HTTPClient: srv.Client(),
		ClientOptions: []braze.Option{
			braze.WithRateLimits(braze.RateLimits{Disabled: true}),
			braze.WithRetryPolicy(braze.RetryPolicy{MaxRetries: 8, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
				Budget: braze.RetryBudget{Disabled: true}}),
		},
		Audience: mapping.AudienceSettings{SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsPerAttribute},
		Batch:    braze.BatchOptions{MaxConcurrentRequests: 8, FlushInterval: 10 * time.Millisecond, MaxQueuedObjects: 500, QueueFull: braze.QueueFullError},
		OnResult: func(r braze.Result) {
			mu.Lock()
			defer mu.Unlock()
			total++
			var obj struct {
				ExternalID string `json:"external_id"`
			}
			if err := json.Unmarshal(r.Object, &obj); err != nil {
				t.Errorf("result object %s: %v", r.Object, err)
			}
			c := results[obj.ExternalID]
			if r.Err == nil {
				c[0]++
			} else {
				c[1]++
			}
			results[obj.ExternalID] = c
		},
	})
	require.NoError(t, err)
	h, err := k.AudienceHandler(token, mpbraze.AudienceHandlerOptions{})
	require.NoError(t, err)
	hs := httptest.NewServer(h)
	defer hs.Close()
	defer hs.Client().CloseIdleConnections()
	defer srv.Client().CloseIdleConnections()

	// member says whether user u is in audience a after round r.
	member := func(u, a, r int) bool { return (u*31+a*17+r*7)%5 < 2 }
	audienceID := func(a int) int64 { return int64(1000 + a) }
	audienceName := func(a int) string { return fmt.Sprintf("Soak %d", a) }
	userID := func(u int) string { return fmt.Sprintf("aud-soak-%d", u) }

	message := func(group, r int) []byte {
		msg := &mparticle.AudienceMembershipChangeRequest{
			Type: mparticle.MessageAudienceMembershipChangeRequest, ID: fmt.Sprintf("m-%d-%d", group, r),
			FirehoseVersion: "3.2.0", TimestampMS: 1714600000000 + int64(r), Account: &mparticle.Account{AccountID: 1},
		}
		for u := group * groupSize; u < min(users, (group+1)*groupSize); u++ {
			p := mparticle.UserProfile{
				MPID:           strconv.Itoa(u + 1),
				UserIdentities: []mparticle.Identity{{Type: mparticle.UserIdentityCustomer, Encoding: mparticle.EncodingRaw, Value: userID(u)}},
			}
			for a := 0; a < audiences; a++ {
				now, before := member(u, a, r), r > 0 && member(u, a, r-1)
				switch {
				case now && !before:
					p.Audiences = append(p.Audiences, mparticle.Audience{AudienceID: audienceID(a), AudienceName: audienceName(a), Action: mparticle.AudienceAdd})
				case !now && before:
					p.Audiences = append(p.Audiences, mparticle.Audience{AudienceID: audienceID(a), AudienceName: audienceName(a), Action: mparticle.AudienceDelete})
				}
			}
			if len(p.Audiences) > 0 {
				msg.UserProfiles = append(msg.UserProfiles, p)
			}
		}
		raw, err := json.Marshal(msg)
		require.NoError(t, err)
		return raw
	}
	post := func(body []byte) (int, error) {
		return testhttp.PostStatus(hs.Client(), hs.URL, token, body)
	}

	groups := (users + groupSize - 1) / groupSize
	bodies := make([][][]byte, groups)
	for g := range bodies {
		for r := 0; r < rounds; r++ {
			bodies[g] = append(bodies[g], message(g, r))
		}
	}
	// Scripted faults first, so that even a short run meets each kind.
	srv.InjectNext(
		brazetest.ServerError(http.StatusServiceUnavailable),
		brazetest.DropConnection(),
		brazetest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}},
		brazetest.ServerError(http.StatusBadGateway),
	)
	var wg sync.WaitGroup
	errs := make(chan error, groups)
	refused := 0
	for g := 0; g < groups; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				for attempt := 0; ; attempt++ {
					status, err := post(bodies[g][r])
					if err != nil {
						errs <- err
						return
					}
					if status == http.StatusOK {
						break
					}
					if status != http.StatusServiceUnavailable || attempt == 2000 {
						errs <- fmt.Errorf("group %d round %d: status %d", g, r, status)
						return
					}
					mu.Lock()
					refused++
					mu.Unlock()
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := k.Close(ctx)
	require.NoError(t, err)

	st := k.Stats()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, int(st.Objects), total, "one result per queued object")
	assert.Equal(t, st.Delivery.Delivered+st.Delivery.Failed, st.Objects, "queued = delivered + failed")
	assert.Equal(t, int(st.Delivery.Delivered), rep.Delivered)
	assert.Equal(t, int(st.Delivery.Failed), rep.Failed)
	bs := srv.Stats()
	assert.Equal(t, int(st.Delivery.Delivered), bs.Accepted["attributes"], "brazetest stored every delivered object")

	checked := 0
	for u := 0; u < users; u++ {
		c := results[userID(u)]
		if c[1] > 0 {
			continue // an update was lost (reported): the state may be stale
		}
		checked++
		got, ok := srv.User(userID(u))
		require.True(t, ok, "user %d", u)
		var want []string
		touched := false
		for a := 0; a < audiences; a++ {
			in := member(u, a, rounds-1)
			if in {
				want = append(want, strconv.FormatInt(audienceID(a), 10))
			}
			ever := false
			for r := 0; r < rounds; r++ {
				ever = ever || member(u, a, r)
			}
			touched = touched || ever
			if ever {
				assert.Equal(t, in, got.Attributes["In "+audienceName(a)], "user %d: In %s", u, audienceName(a))
			}
		}
		if !touched {
			continue
		}
		s, _ := got.Attributes["SegmentMembership"].(string)
		var have []string
		if s != "" {
			have = strings.Split(s, ",")
		}
		sort.Strings(have)
		slices.Sort(want)
		assert.Equal(t, want, have, "user %d: SegmentMembership %q", u, s)
	}
	assert.Greater(t, checked, users*9/10, "most users' updates were all delivered")
	assert.Equal(t, 4, bs.Faults["script"], "scripted faults met")
	t.Logf("users %d × rounds %d: objects %d, delivered %d, failed %d; %d posts refused (503) and resent; users checked %d; brazetest faults %v",
		users, rounds, st.Objects, st.Delivery.Delivered, st.Delivery.Failed, refused, checked, bs.Faults)
}
