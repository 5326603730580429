package braze

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/internal/clock"
)

var ctEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeBraze starts a brazetest server sharing clk with the client, so
// X-RateLimit-Reset and Retry-After dates are consistent.
func ctFake(t *testing.T, clk clock.Clock, opts ...brazetest.Option) *brazetest.Server {
	t.Helper()
	s := brazetest.NewServer(append([]brazetest.Option{brazetest.WithClock(clk)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func ctClient(t *testing.T, s *brazetest.Server, clk clock.Clock, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(s.URL()), WithAllowHTTP(), WithClock(clk), withJitterSeed(7)}
	c, err := NewClient(s.Key(), append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func ctEvent(user, name string, props Properties) Event {
	return Event{Identifier: ExternalID(user), Name: name, Time: ctEpoch, Properties: props}
}

func ctOneEvent(user string) *TrackRequest {
	return &TrackRequest{Events: []Event{ctEvent(user, "viewed_product", Properties{Prop("sku", String("A-1"))})}}
}

func TestTrackAgainstFake(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	req := &TrackRequest{
		Attributes: []Attributes{{Identifier: ExternalID("cust-42"), FirstName: Set("Ada"), DOB: Set(NewDate(1990, 4, 1)),
			Country: Set("GB"), EmailSubscribe: Set(SubscriptionOptedIn),
			Custom: Properties{Prop("genres", AddRemove([]string{"jazz"}, nil)), Prop("loyalty_points", Inc(5)), Prop("old", NullValue())}}},
		Events: []Event{
			{Identifier: ExternalID("cust-42"), AppID: "app-ios-1", Name: "viewed_product", Time: ctEpoch,
				Properties: Properties{Prop("price", Float(9.5)), Prop("sku", String("A-1"))}},
			// Passes the client's shape check but Braze (and the fake) reject the address.
			{Identifier: EmailAddress("ada@localhost"), AppID: "app-ios-1", Name: "viewed_product", Time: ctEpoch},
		},
		Purchases: []Purchase{{Identifier: ExternalID("cust-42"), ProductID: "Completed Order", Currency: "GBP",
			Price: 19, Quantity: 1, Time: ctEpoch}},
	}
	resp, err := c.Track(context.Background(), req)
	require.NoError(t, err, "a 201 with per-object errors is not an error")
	assert.Equal(t, "success", resp.Message)
	assert.Equal(t, 1, resp.AttributesProcessed)
	assert.Equal(t, 1, resp.EventsProcessed)
	assert.Equal(t, 1, resp.PurchasesProcessed)
	require.Equal(t, []ObjectError{{Type: "EMAIL_BAD_FORMAT", InputArray: "events", Index: 1}}, resp.Errors)
	failed := resp.FailedObjects(req)
	require.Len(t, failed, 1)
	assert.Same(t, &req.Events[1], failed[0].Event)

	u, ok := s.User("cust-42")
	require.True(t, ok)
	assert.Equal(t, "Ada", u.Attributes["first_name"])
	assert.Equal(t, "1990-04-01", u.Attributes["dob"])
	assert.Equal(t, "opted_in", u.Attributes["email_subscribe"])
	assert.Equal(t, int64(5), u.Attributes["loyalty_points"])
	assert.Equal(t, []any{"jazz"}, u.Attributes["genres"])
	require.Len(t, u.Events, 1)
	assert.Equal(t, map[string]any{"sku": "A-1", "price": 9.5}, u.Events[0].Properties)
	assert.Equal(t, "2026-03-01T12:00:00Z", u.Events[0].Time)
	require.Len(t, u.Purchases, 1)
	assert.Equal(t, 19.0, u.Purchases[0].Price)

	st := c.Stats()
	assert.Equal(t, uint64(1), st.Requests)
	assert.Equal(t, uint64(1), st.Attempts)
	assert.Zero(t, st.Retries)
}

func TestTrack400AllInvalidCarriesObjectErrors(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	req := &TrackRequest{Events: []Event{
		{Identifier: EmailAddress("a@b"), Name: "e", Time: ctEpoch},
		{Identifier: EmailAddress("c@d"), Name: "e", Time: ctEpoch},
	}}
	resp, err := c.Track(context.Background(), req)
	assert.Nil(t, resp)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, brazetest.MsgValidData, apiErr.Message)
	assert.False(t, apiErr.Retryable)
	assert.Equal(t, "/users/track", apiErr.Endpoint)
	require.Len(t, apiErr.Errors, 2)
	failed := apiErr.FailedObjects(req)
	assert.Same(t, &req.Events[0], failed[0].Event)
	assert.Same(t, &req.Events[1], failed[1].Event)
	assert.Len(t, s.Requests(), 1, "never retried")
}

func TestValidationErrorsSendNothing(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	ctx := context.Background()
	tooMany := &TrackRequest{}
	for i := range 76 {
		tooMany.Events = append(tooMany.Events, ctEvent("u"+strconv.Itoa(i), "e", nil))
	}
	qty := func(q int) *TrackRequest {
		return &TrackRequest{Purchases: []Purchase{{Identifier: ExternalID("u"), ProductID: "p", Currency: "USD", Price: 1, Quantity: q, Time: ctEpoch}}}
	}
	long := strings.Repeat("x", 256)
	trackCases := map[string]struct {
		req  *TrackRequest
		path string
	}{
		"empty":            {&TrackRequest{}, ""},
		"too many objects": {tooMany, ""},
		"no identifier":    {&TrackRequest{Events: []Event{{Name: "e", Time: ctEpoch}}}, "events[0]"},
		"two primaries":    {&TrackRequest{Events: []Event{{Identifier: Identifier{ExternalID: "a", BrazeID: "b"}, Name: "e", Time: ctEpoch}}}, "events[0]"},
		"quantity -1":      {qty(-1), "purchases[0].quantity"},
		"quantity 101":     {qty(101), "purchases[0].quantity"},
		"bad currency":     {&TrackRequest{Purchases: []Purchase{{Identifier: ExternalID("u"), ProductID: "p", Currency: "dollars", Price: 1, Quantity: 1, Time: ctEpoch}}}, "purchases[0].currency"},
		"empty name":       {&TrackRequest{Events: []Event{ctEvent("u", "", nil)}}, "events[0].name"},
		"empty product":    {&TrackRequest{Purchases: []Purchase{{Identifier: ExternalID("u"), Currency: "USD", Price: 1, Quantity: 1, Time: ctEpoch}}}, "purchases[0].product_id"},
		"long key":         {&TrackRequest{Events: []Event{ctEvent("u", "e", Properties{Prop(long, Int(1))})}}, "events[0].properties"},
		"long value":       {&TrackRequest{Events: []Event{ctEvent("u", "e", Properties{Prop("k", String(long))})}}, "events[0].properties"},
		"reserved key":     {&TrackRequest{Events: []Event{ctEvent("u", "e", Properties{Prop("time", Int(1))})}}, "events[0].properties"},
		"dollar key":       {&TrackRequest{Events: []Event{ctEvent("u", "e", Properties{Prop("$k", Int(1))})}}, "events[0].properties"},
		"external id size": {&TrackRequest{Events: []Event{ctEvent(strings.Repeat("x", 988), "e", nil)}}, "events[0].external_id"},
		"bad gender":       {&TrackRequest{Attributes: []Attributes{{Identifier: ExternalID("u"), Gender: Set(Gender("X"))}}}, "attributes[0].gender"},
		"bad email":        {&TrackRequest{Attributes: []Attributes{{Identifier: ExternalID("u")}}}, ""},
	}
	trackCases["bad email"] = struct {
		req  *TrackRequest
		path string
	}{&TrackRequest{Attributes: []Attributes{{Identifier: Identifier{ExternalID: "u", Email: "nope"}}}}, "attributes[0].email"}
	for name, tc := range trackCases {
		t.Run(name, func(t *testing.T) {
			resp, err := c.Track(ctx, tc.req)
			assert.Nil(t, resp)
			require.Error(t, err)
			var ve ValidationErrors
			require.ErrorAs(t, err, &ve, err.Error())
			var one *ValidationError
			require.ErrorAs(t, err, &one)
			if tc.path != "" {
				assert.Contains(t, err.Error(), tc.path)
			}
		})
	}
	otherCases := map[string]func() error{
		"alias/new empty": func() error { _, err := c.AliasNew(ctx, &AliasNewRequest{}); return err },
		"alias/new blank": func() error {
			_, err := c.AliasNew(ctx, &AliasNewRequest{UserAliases: []NewAlias{{AliasName: "", AliasLabel: "l"}}})
			return err
		},
		"identify empty": func() error { _, err := c.Identify(ctx, &IdentifyRequest{}); return err },
		"merge empty":    func() error { _, err := c.Merge(ctx, &MergeRequest{}); return err },
		"delete two kinds": func() error {
			_, err := c.Delete(ctx, &DeleteRequest{ExternalIDs: []string{"a"}, BrazeIDs: []string{"b"}})
			return err
		},
		"subscription none": func() error { _, err := c.SetSubscriptionStatus(ctx, &SubscriptionStatusSetRequest{}); return err },
		"rename same": func() error {
			_, err := c.RenameExternalIDs(ctx, &ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a", NewExternalID: "a"}}})
			return err
		},
		"delete 51": func() error {
			ids := make([]string, 51)
			for i := range ids {
				ids[i] = "u" + strconv.Itoa(i)
			}
			_, err := c.Delete(ctx, &DeleteRequest{ExternalIDs: ids})
			return err
		},
	}
	for name, fn := range otherCases {
		t.Run(name, func(t *testing.T) {
			err := fn()
			require.Error(t, err)
			var ve ValidationErrors
			assert.ErrorAs(t, err, &ve, err.Error())
		})
	}
	for name, fn := range map[string]func() error{
		"track":     func() error { _, err := c.Track(ctx, nil); return err },
		"alias":     func() error { _, err := c.AliasNew(ctx, nil); return err },
		"identify":  func() error { _, err := c.Identify(ctx, nil); return err },
		"merge":     func() error { _, err := c.Merge(ctx, nil); return err },
		"delete":    func() error { _, err := c.Delete(ctx, nil); return err },
		"subscribe": func() error { _, err := c.SetSubscriptionStatus(ctx, nil); return err },
		"rename":    func() error { _, err := c.RenameExternalIDs(ctx, nil); return err },
	} {
		assert.ErrorIs(t, fn(), errNilRequest, name)
	}
	assert.Empty(t, s.Requests(), "no invalid request reaches the network")
	assert.Zero(t, c.Stats().Requests)
}

func TestBodyTooLargeRefusedBeforeSending(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithLimits(Limits{MaxBodyBytes: 2000}))
	req := &TrackRequest{}
	for i := range 20 {
		req.Events = append(req.Events, ctEvent("user-"+strconv.Itoa(i), "a-fairly-long-event-name", Properties{Prop("k", String(strings.Repeat("v", 100)))}))
	}
	_, err := c.Track(context.Background(), req)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	var ve ValidationErrors
	assert.ErrorAs(t, err, &ve, "still a validation error for the batcher")
	assert.Contains(t, err.Error(), "body limit")
	assert.Empty(t, s.Requests())

	// Other validation failures are not tagged.
	_, err = c.Track(context.Background(), &TrackRequest{})
	assert.NotErrorIs(t, err, ErrBodyTooLarge)

	// A 413 from Braze matches the same sentinel.
	s.InjectNext(brazetest.Fault{Status: 413})
	_, err = ctClient(t, s, clk).Track(context.Background(), ctOneEvent("u"))
	assert.ErrorIs(t, err, ErrBodyTooLarge)
}

func TestRetriedStatuses(t *testing.T) {
	cases := []struct {
		name      string
		reply     func(now time.Time) brazetest.Fault
		wantSleep time.Duration // 0: any backoff in [125ms, 250ms); <0: the track window's reset
	}{
		{"408", func(time.Time) brazetest.Fault { return brazetest.Fault{Status: 408} }, 0},
		{"429 X-Ratelimit-Retry-After", func(time.Time) brazetest.Fault {
			return brazetest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Retry-After": {"3"}}}
		}, 3 * time.Second},
		{"429 Retry-After seconds", func(time.Time) brazetest.Fault {
			return brazetest.Fault{Status: 429, Header: http.Header{"Retry-After": {"4"}}}
		}, 4 * time.Second},
		{"429 Retry-After date", func(now time.Time) brazetest.Fault {
			return brazetest.Fault{Status: 429, Header: http.Header{"Retry-After": {now.Add(5 * time.Second).Format(http.TimeFormat)}}}
		}, 5 * time.Second},
		{"429 X-RateLimit-Reset epoch", func(now time.Time) brazetest.Fault {
			return brazetest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+6, 10)}}}
		}, 6 * time.Second},
		{"429 X-RateLimit-Reset seconds left", func(time.Time) brazetest.Fault {
			return brazetest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Reset": {"7"}}}
		}, 7 * time.Second},
		// The fake, like Braze, puts X-RateLimit-Reset (end of the 3 s track
		// window) on every answer: with no other hint it is the wait.
		{"429 window reset only", func(time.Time) brazetest.Fault { return brazetest.Fault{Status: 429} }, -1},
		{"500", func(time.Time) brazetest.Fault { return brazetest.ServerError(500) }, 0},
		{"502", func(time.Time) brazetest.Fault { return brazetest.ServerError(502) }, 0},
		{"503", func(time.Time) brazetest.Fault { return brazetest.ServerError(503) }, 0},
		{"503 Retry-After", func(time.Time) brazetest.Fault {
			return brazetest.Fault{Status: 503, Header: http.Header{"Retry-After": {"2"}}}
		}, 2 * time.Second},
		{"504", func(time.Time) brazetest.Fault { return brazetest.ServerError(504) }, 0},
		{"dropped connection", func(time.Time) brazetest.Fault { return brazetest.DropConnection() }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewAutoAdvance(ctEpoch)
			s := ctFake(t, clk)
			var events []RetryEvent
			c := ctClient(t, s, clk, WithRateLimits(RateLimits{Disabled: true}),
				WithRetryObserver(func(e RetryEvent) { events = append(events, e) }))
			s.InjectNext(tc.reply(clk.Now()))
			resp, err := c.Track(context.Background(), ctOneEvent("u1"))
			require.NoError(t, err)
			assert.Equal(t, 1, resp.EventsProcessed)

			reqs := s.Requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, reqs[0].Body, reqs[1].Body, "the retry replays the same body")
			u, _ := s.User("u1")
			assert.Len(t, u.Events, 1, "stored once")

			sleeps := clk.Sleeps()
			require.Len(t, sleeps, 1)
			switch {
			case tc.wantSleep > 0:
				assert.Equal(t, tc.wantSleep, sleeps[0])
			case tc.wantSleep < 0:
				assert.Positive(t, sleeps[0])
				assert.LessOrEqual(t, sleeps[0], 3*time.Second)
			default:
				assert.GreaterOrEqual(t, sleeps[0], 125*time.Millisecond)
				assert.Less(t, sleeps[0], 250*time.Millisecond)
			}
			require.Len(t, events, 1)
			assert.Equal(t, 1, events[0].Attempt)
			assert.Equal(t, sleeps[0], events[0].Wait)
			assert.NoError(t, events[0].GaveUp)
			st := c.Stats()
			assert.Equal(t, uint64(1), st.Retries)
			assert.Equal(t, uint64(2), st.Attempts)
			if strings.HasPrefix(tc.name, "429") {
				assert.Equal(t, uint64(1), st.RateLimited)
			}
		})
	}
}

func TestNotRetriedStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 413, 415, 422, 501} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			clk := clock.NewAutoAdvance(ctEpoch)
			s := ctFake(t, clk)
			c := ctClient(t, s, clk)
			s.InjectNext(brazetest.Fault{Status: status, Body: `{"message":"scripted ` + strconv.Itoa(status) + `"}`})
			resp, err := c.Track(context.Background(), ctOneEvent("u1"))
			assert.Nil(t, resp)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, "scripted "+strconv.Itoa(status), apiErr.Message)
			assert.False(t, apiErr.Retryable)
			assert.False(t, apiErr.Temporary())
			assert.Equal(t, 1, apiErr.Attempts)
			assert.Len(t, s.Requests(), 1)
			assert.Empty(t, clk.Sleeps())
			_, stored := s.User("u1")
			assert.False(t, stored)
		})
	}
}

func TestRealProtocolFailures(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	ctx := context.Background()

	bad, err := NewClient("wrong-key", WithBaseURL(s.URL()), WithAllowHTTP(), WithClock(clk))
	require.NoError(t, err)
	_, err = bad.Track(ctx, ctOneEvent("u"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.StatusCode)
	assert.Equal(t, brazetest.MsgInvalidKey, apiErr.Message)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.NotContains(t, err.Error(), "wrong-key")

	lost, err := NewClient(s.Key(), WithBaseURL(s.URL()+"/v9"), WithAllowHTTP(), WithClock(clk))
	require.NoError(t, err)
	_, err = lost.Track(ctx, ctOneEvent("u"))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Len(t, s.Requests(), 2)
}

func TestGiveUpAfterMaxRetries(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithRetryPolicy(RetryPolicy{MaxRetries: 2}))
	s.InjectNext(brazetest.ServerError(503), brazetest.ServerError(500), brazetest.Fault{Status: 502, Body: `{"message":"bad gateway"}`})
	_, err := c.Track(context.Background(), ctOneEvent("u"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 502, apiErr.StatusCode)
	assert.Equal(t, "bad gateway", apiErr.Message)
	assert.True(t, apiErr.Retryable)
	assert.Equal(t, 3, apiErr.Attempts)
	assert.ErrorIs(t, err, ErrRetriesExhausted)
	assert.Len(t, s.Requests(), 3)
	st := c.Stats()
	assert.Equal(t, uint64(2), st.Retries)
	assert.Equal(t, uint64(1), st.GaveUp)
	assert.Equal(t, uint64(3), st.ServerErrors)
	assert.Equal(t, uint64(1), st.Failed)
}

func TestRetryAfterTooLongIsReported(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithRetryPolicy(RetryPolicy{MaxRetryAfter: 10 * time.Second}))
	s.InjectNext(brazetest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Retry-After": {"3600"}}})
	_, err := c.Track(context.Background(), ctOneEvent("u"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 429, apiErr.StatusCode)
	assert.Equal(t, time.Hour, apiErr.RetryAfter)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.ErrorIs(t, err, ErrRetryAfterTooLong)
	assert.Empty(t, clk.Sleeps())
	assert.Equal(t, uint64(1), c.Stats().RateLimited)
}

func TestTransportDropsExhausted(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithRetryPolicy(RetryPolicy{MaxRetries: 1}))
	s.InjectNext(brazetest.DropConnection(), brazetest.DropConnection())
	_, err := c.Track(context.Background(), ctOneEvent("u"))
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 2, te.Attempts)
	assert.True(t, te.Temporary())
	assert.ErrorIs(t, err, ErrRetriesExhausted)
	assert.Equal(t, uint64(2), c.Stats().TransportErrors)
	_, stored := s.User("u")
	assert.False(t, stored)
}

func TestContextCancelStopsRetrying(t *testing.T) {
	clk := clock.NewManual(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	s.InjectNext(brazetest.Fault{Status: 503, Header: http.Header{"Retry-After": {"30"}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Track(ctx, ctOneEvent("u"))
		done <- err
	}()
	require.NoError(t, clk.WaitForWaiters(context.Background(), 1), "the client waits for the Retry-After")
	cancel()
	err := <-done
	assert.ErrorIs(t, err, context.Canceled)
	var apiErr *APIError
	assert.False(t, errors.As(err, &apiErr))
	assert.Len(t, s.Requests(), 1, "no attempt after the cancel")

	// A context that is already done sends nothing.
	_, err = c.Track(ctx, ctOneEvent("u"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, s.Requests(), 1)
}

func TestContextDeadlineDuringLatency(t *testing.T) {
	s := brazetest.NewServer(brazetest.WithFaults(brazetest.Faults{Latency: 5 * time.Second}))
	t.Cleanup(s.Close)
	c, err := NewClient(s.Key(), WithBaseURL(s.URL()), WithAllowHTTP())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Track(ctx, ctOneEvent("u"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestDeadlineShorterThanRetryAfter(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	s.InjectNext(brazetest.Fault{Status: 503, Header: http.Header{"Retry-After": {"30"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Track(ctx, ctOneEvent("u"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "the caller gets Braze's answer, not a bare deadline error")
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
	assert.ErrorIs(t, err, ErrDeadlineTooSoon)
	assert.NoError(t, ctx.Err(), "returned at once")
	assert.Len(t, s.Requests(), 1)
}

func TestRetryBudgetStopsStorm(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk, brazetest.WithFaults(brazetest.Faults{ServerErrorRate: 1}))
	c := ctClient(t, s, clk, WithRetryPolicy(RetryPolicy{MaxRetries: 3, Budget: RetryBudget{Capacity: 20, RetryCost: 5}}))
	budgetHits := 0
	for range 10 {
		_, err := c.Track(context.Background(), ctOneEvent("u"))
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.True(t, apiErr.Retryable)
		if errors.Is(err, ErrRetryBudgetExhausted) {
			budgetHits++
		}
	}
	// 4 retries fit the budget; afterwards every call is tried once.
	assert.Len(t, s.Requests(), 10+4)
	assert.Equal(t, 9, budgetHits)
	assert.Equal(t, 0, c.Stats().RetryBudget)
	_, stored := s.User("u")
	assert.False(t, stored)
}

func TestRateLimiterKeepsUnderEnforcedQuota(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk, brazetest.WithRateLimit(10, time.Second))
	c := ctClient(t, s, clk, WithRateLimits(RateLimits{Track: RateLimit{Requests: 10, Per: time.Second, Burst: 2}}))
	for i := range 40 {
		_, err := c.Track(context.Background(), ctOneEvent("u"+strconv.Itoa(i)))
		require.NoError(t, err)
	}
	st := s.Stats()
	assert.Zero(t, st.Faults["ratelimit"], "the client-side limiter never trips the server's quota")
	assert.Equal(t, 40, st.Statuses[201])
	assert.Zero(t, c.Stats().Retries)
	assert.GreaterOrEqual(t, clk.Now().Sub(ctEpoch), 3*time.Second, "40 requests at 10/s take at least 3 s")
}

func TestServerQuotaHonouredThroughRetries(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk, brazetest.WithRateLimit(5, 10*time.Second))
	// No client-side limiter: the server's 429s and their hints pace the client.
	c := ctClient(t, s, clk, WithRateLimits(RateLimits{Disabled: true}), WithRetryPolicy(RetryPolicy{MaxRetryAfter: time.Minute}))
	for i := range 12 {
		_, err := c.Track(context.Background(), ctOneEvent("u"+strconv.Itoa(i)))
		require.NoError(t, err)
	}
	st := c.Stats()
	assert.Equal(t, uint64(2), st.RateLimited, "one 429 per exhausted window, then the wait reaches the next window")
	assert.Equal(t, 12, s.Stats().Statuses[201])
	for i := range 12 {
		u, ok := s.User("u" + strconv.Itoa(i))
		require.True(t, ok)
		assert.Len(t, u.Events, 1)
	}
}

func TestRateLimiterFamiliesAreSeparate(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithRateLimits(RateLimits{
		Track: RateLimit{Requests: 2, Per: time.Hour, Burst: 1},
		Users: RateLimit{Requests: 1000, Per: time.Second},
	}))
	ctx := context.Background()
	_, err := c.Track(ctx, ctOneEvent("a"))
	require.NoError(t, err)
	before := clk.Now()
	for i := range 5 {
		_, err := c.AliasNew(ctx, &AliasNewRequest{UserAliases: []NewAlias{{AliasName: "n" + strconv.Itoa(i), AliasLabel: "l"}}})
		require.NoError(t, err)
	}
	assert.Equal(t, before, clk.Now(), "the users family is not slowed by the track limiter")
	_, err = c.Track(ctx, ctOneEvent("b"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, clk.Now().Sub(before), time.Hour, "the second track call waits for its quota")
}

func TestRateLimiterWaitPastDeadline(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithRateLimits(RateLimits{Track: RateLimit{Requests: 2, Per: time.Hour, Burst: 1}}))
	_, err := c.Track(context.Background(), ctOneEvent("a"))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Track(ctx, ctOneEvent("b"))
	assert.ErrorIs(t, err, ErrDeadlineTooSoon)
	var te *TransportError
	assert.False(t, errors.As(err, &te))
	assert.Len(t, s.Requests(), 1, "nothing sent")
}

func TestRetryWaitsOnLimiterToo(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk, WithRateLimits(RateLimits{Track: RateLimit{Requests: 2, Per: time.Minute, Burst: 1}}),
		WithRetryPolicy(RetryPolicy{MinBackoff: time.Millisecond}))
	s.InjectNext(brazetest.ServerError(500))
	_, err := c.Track(context.Background(), ctOneEvent("u"))
	require.NoError(t, err)
	sleeps := clk.Sleeps()
	require.Len(t, sleeps, 2, "backoff, then the limiter before the retry")
	assert.Less(t, sleeps[0], time.Millisecond)
	assert.Greater(t, sleeps[1], 59*time.Second)
}

func TestResponseEdgeCases(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	ctx := context.Background()

	s.InjectNext(brazetest.Fault{Status: 201, Body: "not json"})
	_, err := c.Track(ctx, ctOneEvent("u"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not the expected JSON")

	s.InjectNext(brazetest.Fault{Status: 201, Body: strings.Repeat(" ", MaxResponseBytes+1)})
	_, err = c.Track(ctx, ctOneEvent("u"))
	assert.ErrorIs(t, err, ErrResponseTooLarge)

	s.InjectNext(brazetest.Fault{Status: 400, Body: "<html>oops</html>"})
	_, err = c.Track(ctx, ctOneEvent("u"))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Bad Request", apiErr.Message, "a non-JSON error body falls back to the status text")
}

func TestOtherEndpointsAgainstFake(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	ctx := context.Background()

	_, err := c.Track(ctx, &TrackRequest{Attributes: []Attributes{
		{Identifier: Identifier{ExternalID: "known", Email: "known@example.com"}},
		{Identifier: Identifier{ExternalID: "old"}},
		{Identifier: Identifier{ExternalID: "victim"}},
	}})
	require.NoError(t, err)

	alias, err := c.AliasNew(ctx, &AliasNewRequest{UserAliases: []NewAlias{{AliasName: "mp-1", AliasLabel: "mparticle_id"}}})
	require.NoError(t, err)
	assert.Equal(t, AliasNewResponse{Message: "success", AliasesProcessed: 1}, *alias)
	_, err = c.Track(ctx, &TrackRequest{Events: []Event{{Identifier: Alias("mp-1", "mparticle_id"), Name: "anon", Time: ctEpoch}}})
	require.NoError(t, err)

	ident, err := c.Identify(ctx, &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "known", UserAlias: UserAlias{AliasName: "mp-1", AliasLabel: "mparticle_id"}}}})
	require.NoError(t, err)
	assert.Equal(t, "success", ident.Message)
	assert.Equal(t, 1, ident.AliasesProcessed)
	k, _ := s.User("known")
	require.Len(t, k.Events, 1)
	assert.Equal(t, "anon", k.Events[0].Name)

	merge, err := c.Merge(ctx, &MergeRequest{MergeUpdates: []MergeUpdate{{
		IdentifierToMerge: MergeIdentifier{ExternalID: "old"}, IdentifierToKeep: MergeIdentifier{ExternalID: "known"}}}})
	require.NoError(t, err)
	assert.Equal(t, "success", merge.Message)
	_, found := s.User("old")
	assert.False(t, found)

	sub, err := c.SetSubscriptionStatus(ctx, &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{
		SubscriptionGroupID: "a1b2c3d4-0000-4000-8000-123456789abc", SubscriptionState: SubscriptionSubscribed, ExternalIDs: []string{"known"}}}})
	require.NoError(t, err)
	assert.Equal(t, "success", sub.Message)
	k, _ = s.User("known")
	assert.Equal(t, "subscribed", k.Subscriptions["a1b2c3d4-0000-4000-8000-123456789abc"])

	ren, err := c.RenameExternalIDs(ctx, &ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{
		{CurrentExternalID: "known", NewExternalID: "known-v2"}, {CurrentExternalID: "ghost", NewExternalID: "g2"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"known"}, ren.ExternalIDs)
	require.Len(t, ren.RenameErrors, 1)
	assert.Contains(t, string(ren.RenameErrors[0]), "not a primary external id")
	k2, found := s.User("known-v2")
	require.True(t, found)
	assert.Equal(t, []string{"known"}, k2.DeprecatedExternalIDs)

	del, err := c.Delete(ctx, &DeleteRequest{ExternalIDs: []string{"victim", "nobody"}})
	require.NoError(t, err)
	assert.Equal(t, 1, del.Deleted)
	_, found = s.User("victim")
	assert.False(t, found)

	paths := map[string]int{}
	for _, r := range s.Requests() {
		paths[r.Path]++
	}
	assert.Equal(t, map[string]int{"/users/track": 2, "/users/alias/new": 1, "/users/identify": 1, "/users/merge": 1,
		"/v2/subscription/status/set": 1, "/users/external_ids/rename": 1, "/users/delete": 1}, paths)

	// Fatal answers of the other endpoints are APIErrors too.
	s.InjectNext(brazetest.Fault{Status: 400, Body: `{"message":"a single request may not contain more than 50 merge updates"}`})
	_, err = c.Merge(ctx, &MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToMerge: MergeIdentifier{ExternalID: "a"}, IdentifierToKeep: MergeIdentifier{ExternalID: "b"}}}})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "/users/merge", apiErr.Endpoint)
	assert.Equal(t, "a single request may not contain more than 50 merge updates", apiErr.Message)
}

func TestOtherEndpointsRetry(t *testing.T) {
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk)
	c := ctClient(t, s, clk)
	s.InjectNext(brazetest.ServerError(503), brazetest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Retry-After": {"1"}}})
	resp, err := c.AliasNew(context.Background(), &AliasNewRequest{UserAliases: []NewAlias{{AliasName: "n", AliasLabel: "l"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, resp.AliasesProcessed)
	assert.Len(t, s.Requests(), 3)
	_, found := s.UserByAlias("n", "l")
	assert.True(t, found)
}

func TestKeyNeverLeaks(t *testing.T) {
	const key = "SUPER-SECRET-braze-rest-key-42"
	clk := clock.NewAutoAdvance(ctEpoch)
	s := ctFake(t, clk, brazetest.WithKey(key))
	var logs ctLogBuffer
	c := ctClient(t, s, clk, WithLogger(ctDebugLogger(&logs)), WithRetryPolicy(RetryPolicy{MaxRetries: 1}))
	ctx := context.Background()
	var errs []error

	_, err := c.Track(ctx, ctOneEvent("u")) // success path
	require.NoError(t, err)
	s.InjectNext(brazetest.ServerError(503), brazetest.ServerError(503)) // retries exhausted
	_, err = c.Track(ctx, ctOneEvent("u"))
	errs = append(errs, err)
	s.InjectNext(brazetest.DropConnection(), brazetest.DropConnection()) // transport failure
	_, err = c.Track(ctx, ctOneEvent("u"))
	errs = append(errs, err)
	s.InjectNext(brazetest.Fault{Status: 401, Body: `{"message":"Invalid API Key"}`})
	_, err = c.Track(ctx, ctOneEvent("u"))
	errs = append(errs, err)
	_, err = c.Track(ctx, &TrackRequest{}) // validation
	errs = append(errs, err)
	_, err = NewClient(key, WithBaseURL("http://x.example"))
	errs = append(errs, err)
	_, err = NewClient(key+"\n", WithInstance(US01))
	errs = append(errs, err)

	for _, e := range errs {
		require.Error(t, e)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assert.NotContains(t, ctSprintf(verb, e), key)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		assert.NotContains(t, ctSprintf(verb, c), key)
		assert.NotContains(t, ctSprintf(verb, WithRetryPolicy(RetryPolicy{})), key)
	}
	out := logs.String()
	assert.Contains(t, out, "braze request done")
	assert.Contains(t, out, "retrying")
	assert.Contains(t, out, "braze request failed")
	assert.NotContains(t, out, key)
	assert.NotContains(t, strings.ToLower(out), "bearer")
}
