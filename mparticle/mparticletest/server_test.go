package mparticletest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const validBatch = `{"environment":"production","mpid":-8602161397754364001,
 "user_identities":{"customer_id":"c-1"},"user_attributes":{"tier":"gold","tags":["a","b"],"gone":null},
 "events":[{"event_type":"custom_event","data":{"event_name":"Shared","custom_event_type":"social","custom_attributes":{"n":4,"ok":true}}},
           {"event_type":"screen_view","data":{"screen_name":"Home"}}]}`

type response struct {
	status int
	header http.Header
	body   string
}

// post sends body to path with the given credentials (nil = none).
func post(t *testing.T, s *mparticletest.Server, path, body string, creds []string) response {
	t.Helper()
	return do(t, s, http.MethodPost, path, "application/json", body, creds)
}

func do(t *testing.T, s *mparticletest.Server, method, path, contentType, body string, creds []string) response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if creds != nil {
		req.SetBasicAuth(creds[0], creds[1])
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp.StatusCode, resp.Header, string(b)}
}

var good = []string{mparticletest.DefaultKey, mparticletest.DefaultSecret}

// errorMessages decodes the Events API error body and checks its code.
func errorMessages(t *testing.T, body, code string) []string {
	t.Helper()
	var eb struct {
		Errors []struct{ Code, Message string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &eb), body)
	var msgs []string
	for _, e := range eb.Errors {
		assert.Equal(t, code, e.Code)
		msgs = append(msgs, e.Message)
	}
	return msgs
}

func TestAcceptsValidBatchAndRecordsIt(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()

	r := post(t, s, "/events", validBatch, good)
	require.Equal(t, http.StatusAccepted, r.status, r.body)

	batches := s.Batches()
	require.Len(t, batches, 1)
	b := batches[0]
	assert.Equal(t, "/events", b.Endpoint)
	assert.JSONEq(t, validBatch, string(b.Raw))
	// int64 ids must survive without float rounding.
	assert.Equal(t, json.Number("-8602161397754364001"), b.Data["mpid"])
	typed, err := b.Decode()
	require.NoError(t, err)
	mpid, ok := typed.MPID.Get()
	assert.True(t, ok)
	assert.Equal(t, int64(-8602161397754364001), mpid)
	assert.Equal(t, "c-1", typed.UserIdentities.CustomerID)
	require.Len(t, typed.Events, 2)
	assert.Equal(t, mparticle.EventScreenView, typed.Events[1].Type)

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.StatusAccepted, reqs[0].Status)
	assert.True(t, reqs[0].Authenticated)
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "credentials must not be recorded")
	assert.Equal(t, 1, reqs[0].Accepted)

	st := s.Stats()
	assert.Equal(t, 1, st.Requests)
	assert.Equal(t, 1, st.Batches)
	assert.Equal(t, map[int]int{http.StatusAccepted: 1}, st.Statuses)
}

func TestAuth(t *testing.T) {
	s := mparticletest.NewServer(mparticletest.WithCredentials("k", "s"))
	defer s.Close()
	assert.Equal(t, "k", s.Key())
	assert.Equal(t, "s", s.Secret())

	r := post(t, s, "/events", validBatch, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	errorMessages(t, r.body, "UNAUTHORIZED")

	for _, creds := range [][]string{{"k", "wrong"}, {"wrong", "s"}, {"", ""}} {
		r = post(t, s, "/bulkevents", "["+validBatch+"]", creds)
		assert.Equal(t, http.StatusForbidden, r.status, creds)
	}
	assert.Empty(t, s.Batches())

	r = post(t, s, "/events", validBatch, []string{"k", "s"})
	assert.Equal(t, http.StatusAccepted, r.status)
}

func TestRouting(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()

	r := do(t, s, http.MethodGet, "/events", "", "", good)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "POST", r.header.Get("Allow"))

	r = post(t, s, "/event", validBatch, good)
	assert.Equal(t, http.StatusNotFound, r.status)

	r = do(t, s, http.MethodPost, "/events", "text/plain", validBatch, good)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, errorMessages(t, r.body, "BAD_REQUEST")[0], "Content-Type")

	r = do(t, s, http.MethodPost, "/events", "application/json; charset=utf-8", validBatch, good)
	assert.Equal(t, http.StatusAccepted, r.status)
}

func TestValidation(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()

	cases := []struct {
		name, body string
		want       []string
	}{
		{"bad json", `{"environment":`, []string{"batch: invalid JSON"}},
		{"trailing data", `{"environment":"production"} x`, []string{"batch: invalid JSON"}},
		{"not an object", `[]`, []string{"batch: batch must be a JSON object, got an array"}},
		{"no environment", `{}`, []string{"environment: required"}},
		{"bad environment", `{"environment":"prod"}`, []string{`environment: "prod" is not one of`}},
		{"events not array", `{"environment":"production","events":{}}`, []string{"events: must be an array"}},
		{"event problems", `{"environment":"production","events":[
			1,
			{"data":{}},
			{"event_type":"custom_event"},
			{"event_type":"custom_event","data":{"custom_event_type":"fun"}},
			{"event_type":"nope","data":{}},
			{"event_type":"screen_view","data":{"screen_name":""}},
			{"event_type":"push_registration","data":{"register":"yes"}},
			{"event_type":"session_start","data":{"custom_attributes":{"o":{}}}}]}`,
			[]string{
				"events[0]: event must be an object, got a number",
				"events[1].event_type: required",
				"events[2].data: required",
				"events[3].data.event_name: required",
				`events[3].data.custom_event_type: "fun" is not one of`,
				`events[4].event_type: unknown event type "nope"`,
				`events[5].data.screen_name: "" is not a non-empty string`,
				`events[6].data.register: "yes" is not a boolean`,
				"events[6].data.registration_token: required",
				"events[7].data.custom_attributes.o: must be a string, number, boolean or null, got an object",
			}},
		{"identities and attributes", `{"environment":"production","mpid":1.5,
			"user_identities":{"email":1},"user_attributes":{"a":{"b":1},"l":[{}]}}`,
			[]string{
				"user_identities.email: must be a string, got a number",
				"user_attributes.a: must be a string, a list of strings or null, got an object",
				"user_attributes.l: must be a string, a list of strings or null, got an array",
				"mpid: must be an integer, got 1.5",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, s, "/events", tc.body, good)
			require.Equal(t, http.StatusBadRequest, r.status, r.body)
			msgs := errorMessages(t, r.body, "BAD_REQUEST")
			require.Len(t, msgs, len(tc.want), "%q", msgs)
			for i, w := range tc.want {
				assert.True(t, strings.HasPrefix(msgs[i], w), "message %d = %q, want prefix %q", i, msgs[i], w)
			}
		})
	}
	assert.Empty(t, s.Batches())
}

func TestWithoutEnvironmentCheck(t *testing.T) {
	s := mparticletest.NewServer(mparticletest.WithoutEnvironmentCheck())
	defer s.Close()
	assert.Equal(t, http.StatusAccepted, post(t, s, "/events", `{"events":[]}`, good).status)
}

// batchOfSize returns a valid batch whose JSON is exactly n bytes.
func batchOfSize(t *testing.T, n int) string {
	t.Helper()
	head := `{"environment":"production","user_attributes":{"pad":"`
	tail := `"}}`
	pad := n - len(head) - len(tail)
	require.GreaterOrEqual(t, pad, 0)
	return head + strings.Repeat("x", pad) + tail
}

func TestSizeLimits(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()

	// Exactly at the batch limit is fine, one byte over is not.
	assert.Equal(t, http.StatusAccepted, post(t, s, "/events", batchOfSize(t, mparticletest.MaxBatchBytes), good).status)
	r := post(t, s, "/events", batchOfSize(t, mparticletest.MaxBatchBytes+1), good)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, errorMessages(t, r.body, "BAD_REQUEST")[0], "over the 131072-byte limit")

	// A request over 256 KB is refused whole.
	big := batchOfSize(t, 100*1024)
	r = post(t, s, "/bulkevents", "["+big+","+big+","+big+"]", good)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)

	// 100 batches are fine, 101 are not.
	small := `{"environment":"development"}`
	list := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat(small+",", n), ",") + "]" }
	assert.Equal(t, http.StatusAccepted, post(t, s, "/bulkevents", list(100), good).status)
	r = post(t, s, "/bulkevents", list(101), good)
	require.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, []string{"101 batches in request, over the limit of 100"}, errorMessages(t, r.body, "BAD_REQUEST"))

	assert.Equal(t, http.StatusBadRequest, post(t, s, "/bulkevents", `[]`, good).status)
	assert.Equal(t, http.StatusBadRequest, post(t, s, "/bulkevents", `null`, good).status)
	assert.Equal(t, http.StatusBadRequest, post(t, s, "/bulkevents", validBatch, good).status)
	assert.Equal(t, 101, s.Stats().Batches)
}

func TestBulkDropsInvalidBatchesButAccepts(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()

	over := batchOfSize(t, mparticletest.MaxBatchBytes+1)
	body := "[" + validBatch + `,{"events":[]},` + over + "," + validBatch + "]"
	r := post(t, s, "/bulkevents", body, good)
	require.Equal(t, http.StatusAccepted, r.status)

	batches := s.Batches()
	require.Len(t, batches, 2)
	assert.Equal(t, 0, batches[0].Index)
	assert.Equal(t, 3, batches[1].Index)
	assert.Equal(t, "/bulkevents", batches[1].Endpoint)

	rej := s.Rejected()
	require.Len(t, rej, 2)
	assert.Equal(t, 1, rej[0].Index)
	assert.Equal(t, []string{"[1].environment: required"}, rej[0].Reasons)
	assert.Equal(t, 2, rej[1].Index)
	assert.Contains(t, rej[1].Reasons[0], "over the 131072-byte limit")

	reqs := s.Requests()
	assert.Equal(t, 4, reqs[0].Batches)
	assert.Equal(t, 2, reqs[0].Accepted)
	assert.Equal(t, 2, s.Stats().RejectedBatches)
}

func TestInjectedFaults(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()

	s.InjectNext(mparticletest.ServerError(502), mparticletest.RateLimited(7*time.Second), mparticletest.RateLimited(-1),
		mparticletest.DropConnection(), mparticletest.Respond(400, `{"errors":[{"code":"BAD_REQUEST","message":"scripted"}]}`))

	r := post(t, s, "/events", validBatch, good)
	assert.Equal(t, 502, r.status)
	r = post(t, s, "/events", validBatch, nil) // faults come before auth
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "7", r.header.Get("Retry-After"))
	r = post(t, s, "/events", validBatch, good)
	assert.Equal(t, 429, r.status)
	assert.Empty(t, r.header.Get("Retry-After"))

	req, err := http.NewRequest(http.MethodPost, s.URL()+"/events", strings.NewReader(validBatch))
	require.NoError(t, err)
	req.SetBasicAuth(good[0], good[1])
	req.Header.Set("Content-Type", "application/json")
	_, err = s.Client().Do(req)
	require.Error(t, err, "dropped connection must surface as a transport error")

	r = post(t, s, "/events", validBatch, good)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, []string{"scripted"}, errorMessages(t, r.body, "BAD_REQUEST"))

	assert.Empty(t, s.Batches(), "faulted requests store nothing")
	assert.Equal(t, http.StatusAccepted, post(t, s, "/events", validBatch, good).status)

	st := s.Stats()
	assert.Equal(t, 5, st.Faults)
	assert.Equal(t, 1, st.Drops)
	assert.Equal(t, 6, st.Requests)
	faults := []string{}
	for _, r := range s.Requests() {
		faults = append(faults, r.Fault)
	}
	assert.Equal(t, []string{"502", "429 Retry-After: 7", "429", "drop", "400", ""}, faults)

	s.Reset()
	assert.Empty(t, s.Requests())
	assert.Zero(t, s.Stats().Requests)
}

// statuses sends n requests one after the other and returns the answers,
// "drop" for a dropped connection.
func statuses(t *testing.T, s *mparticletest.Server, n int) []string {
	t.Helper()
	var out []string
	for range n {
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/events", bytes.NewReader([]byte(validBatch)))
		require.NoError(t, err)
		req.SetBasicAuth(good[0], good[1])
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			out = append(out, "drop")
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		out = append(out, fmt.Sprint(resp.StatusCode, resp.Header.Get("Retry-After")))
	}
	return out
}

func TestRandomFaultsAreReproducible(t *testing.T) {
	faults := mparticletest.Faults{ServerErrorRate: 0.2, RateLimitRate: 0.2, RetryAfter: time.Second, DropRate: 0.1}
	run := func(seed uint64) []string {
		f := faults
		f.Seed = seed
		s := mparticletest.NewServer(mparticletest.WithFaults(f))
		defer s.Close()
		got := statuses(t, s, 60)
		st := s.Stats()
		assert.Equal(t, st.Batches, st.Statuses[http.StatusAccepted], "only accepted requests store batches")
		return got
	}
	a, b, c := run(42), run(42), run(43)
	assert.Equal(t, a, b, "same seed, same faults")
	assert.NotEqual(t, a, c, "another seed, other faults")
	seen := map[string]bool{}
	for _, s := range a {
		seen[s] = true
	}
	for _, want := range []string{"202", "503", "4291", "drop"} {
		assert.True(t, seen[want], "expected %q among %v", want, a)
	}
}

// TestAcceptsSpecSamples checks that the fake is not stricter than the
// documented API: the hand-made samples of the spec (an SDK-style batch and
// a Currents export batch) are accepted, on both endpoints.
func TestAcceptsSpecSamples(t *testing.T) {
	s := mparticletest.NewServer()
	defer s.Close()
	for _, name := range []string{"mparticle_batch.json", "currents_to_mparticle_batch.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		r := post(t, s, "/events", string(data), good)
		assert.Equal(t, http.StatusAccepted, r.status, "%s: %s", name, r.body)
		r = post(t, s, "/bulkevents", "["+string(data)+"]", good)
		assert.Equal(t, http.StatusAccepted, r.status, "%s: %s", name, r.body)
	}
	assert.Empty(t, s.Rejected())
	assert.Len(t, s.Batches(), 4)
	for _, b := range s.Batches() {
		_, err := b.Decode()
		assert.NoError(t, err)
	}
}

func TestLatencyHonoursClientGoingAway(t *testing.T) {
	s := mparticletest.NewServer(mparticletest.WithFaults(mparticletest.Faults{Latency: time.Hour}))
	defer s.Close() // would hang for an hour if the handler ignored the client leaving

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/events", strings.NewReader(validBatch))
	require.NoError(t, err)
	req.SetBasicAuth(good[0], good[1])
	req.Header.Set("Content-Type", "application/json")
	_, err = s.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
