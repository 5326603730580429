package brazetest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultConstructors: the helpers build the answers their names say,
// with Braze's body shape and Braze's documented 429 hint.
func TestFaultConstructors(t *testing.T) {
	s := newServer(t)
	ev := `{"events":` + objects("events", 1) + `}`
	s.InjectNext(ServerError(504), RateLimited(1500*time.Millisecond), RateLimited(-1), Respond(400, `{"message":"scripted"}`))

	r := post(t, s, "/users/track", ev)
	assert.Equal(t, 504, r.status)
	assert.Equal(t, "Gateway Timeout", r.body["message"])

	r = post(t, s, "/users/track", ev)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "2", r.header.Get("X-Ratelimit-Retry-After"), "rounded up to whole seconds")
	assert.Empty(t, r.header.Get("Retry-After"), "Braze documents X-Ratelimit-Retry-After only")
	assert.Equal(t, MsgRateLimited, r.body["message"])

	r = post(t, s, "/users/track", ev)
	assert.Equal(t, 429, r.status)
	assert.Empty(t, r.header.Get("X-Ratelimit-Retry-After"), "a negative wait sends no hint")

	r = post(t, s, "/users/track", ev)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "scripted", r.body["message"])

	assert.Equal(t, 201, post(t, s, "/users/track", ev).status, "the queue is used up")
	u, _ := s.User("u0")
	assert.Len(t, u.Events, 1, "faulted requests stored nothing")
	assert.Equal(t, 4, s.Stats().Faults["script"])
}

// TestResetDropsQueuedFaults: Reset leaves no fault queued for the next
// test, as mparticletest's Reset does.
func TestResetDropsQueuedFaults(t *testing.T) {
	s := newServer(t)
	s.InjectNext(ServerError(503), ServerError(503))
	assert.Equal(t, 503, post(t, s, "/users/track", `{"events":`+objects("events", 1)+`}`).status)
	s.Reset()
	assert.Equal(t, 201, post(t, s, "/users/track", `{"events":`+objects("events", 1)+`}`).status)
}

// TestServerErrorStatus: a set ServerErrorStatus replaces the random
// choice of 500 or 503.
func TestServerErrorStatus(t *testing.T) {
	s := newServer(t, WithFaults(Faults{ServerErrorRate: 1, ServerErrorStatus: 502}))
	for range 5 {
		r := post(t, s, "/users/track", `{}`)
		require.Equal(t, 502, r.status)
		assert.Equal(t, "Bad Gateway (injected)", r.body["message"])
	}
	assert.Equal(t, 5, s.Stats().Faults["502"])

	s.SetFaults(Faults{ServerErrorRate: 1})
	seen := map[int]int{}
	for range 40 {
		seen[post(t, s, "/users/track", `{}`).status]++
	}
	assert.Equal(t, 40, seen[500]+seen[503], "0 means 500 or 503: %v", seen)
	assert.Positive(t, seen[500], "%v", seen)
	assert.Positive(t, seen[503], "%v", seen)
}

// TestRetryAfterZeroAndNegative: RetryAfter 0 announces 1 s, a negative
// one announces nothing, whatever the hint style.
func TestRetryAfterZeroAndNegative(t *testing.T) {
	s := newServer(t, WithFaults(Faults{RateLimitRate: 1}))
	r := post(t, s, "/users/track", `{}`)
	require.Equal(t, 429, r.status)
	assert.Equal(t, "1", r.header.Get("X-Ratelimit-Retry-After"))

	s.SetFaults(Faults{RateLimitRate: 1, RetryAfter: -time.Second, RetryAfterHeader: HintRetryAfterSeconds})
	r = post(t, s, "/users/track", `{}`)
	require.Equal(t, 429, r.status)
	for _, h := range []string{"Retry-After", "X-Ratelimit-Retry-After", "X-RateLimit-Reset"} {
		assert.Empty(t, r.header.Get(h), h)
	}
}

// TestKeyIsAMethodAndNeverPrinted: the key is read with Key(), as in
// mparticletest, and the server's printed forms do not show it.
func TestKeyIsAMethodAndNeverPrinted(t *testing.T) {
	s := newServer(t)
	assert.Equal(t, DefaultKey, s.Key())
	const key = "rest-key-9c1d"
	s2 := newServer(t, WithKey(key))
	assert.Equal(t, key, s2.Key())
	assert.Equal(t, 201, call(t, s2, http.MethodPost, "/users/track", "application/json", "Bearer "+key, []byte(`{"events":`+objects("events", 1)+`}`)).status)
	assert.Equal(t, 401, call(t, s2, http.MethodPost, "/users/track", "application/json", "Bearer "+DefaultKey, []byte(`{}`)).status)
	for _, out := range []string{fmt.Sprint(s2), fmt.Sprintf("%v|%+v|%s", s2, s2, s2)} {
		assert.NotContains(t, out, key)
		assert.Contains(t, out, s2.URL())
	}
}

// TestWithRateLimitOff: a quota below 1 or a window of 0 limits nothing,
// as in mparticletest.
func TestWithRateLimitOff(t *testing.T) {
	for _, opt := range []Option{WithRateLimit(0, time.Second), WithRateLimit(5, 0), WithRateLimit(-1, time.Minute)} {
		s := newServer(t, opt)
		for range 3 {
			r := post(t, s, "/users/track", `{"events":`+objects("events", 1)+`}`)
			require.Equal(t, 201, r.status)
			assert.Equal(t, "3000", r.header.Get("X-RateLimit-Limit"), "Braze's default quota is reported")
		}
	}
}
