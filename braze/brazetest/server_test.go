package brazetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/internal/clock"
)

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends a raw request; the fake is tested independently of the
// braze client.
func call(t *testing.T, s *Server, method, path, contentType, auth string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func post(t *testing.T, s *Server, path, body string) reply {
	t.Helper()
	return call(t, s, http.MethodPost, path, "application/json", "Bearer "+s.Key(), []byte(body))
}

func newServer(t *testing.T, opts ...Option) *Server {
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func TestProtocolErrors(t *testing.T) {
	s := newServer(t)
	body := []byte(`{"events":[{"external_id":"u1","name":"e","time":"2025-03-01T10:15:00Z"}]}`)
	cases := []struct {
		name                string
		method, path, ct, a string
		body                []byte
		status              int
		msg                 string
	}{
		{"no key", "POST", "/users/track", "application/json", "", body, 401, MsgInvalidKey},
		{"wrong key", "POST", "/users/track", "application/json", "Bearer nope", body, 401, MsgInvalidKey},
		{"no bearer word", "POST", "/users/track", "application/json", s.Key(), body, 401, MsgInvalidKey},
		{"quoted key", "POST", "/users/track", "application/json", `Bearer "` + s.Key() + `"`, body, 401, MsgInvalidKey},
		{"lower-case bearer", "POST", "/users/track", "application/json", "bearer " + s.Key(), body, 201, MsgSuccess},
		{"GET", "GET", "/users/track", "application/json", "Bearer " + s.Key(), nil, 405, MsgMethod},
		{"unknown path", "POST", "/users/nope", "application/json", "Bearer " + s.Key(), body, 404, MsgNotFound},
		{"trailing slash", "POST", "/users/track/", "application/json", "Bearer " + s.Key(), body, 404, MsgNotFound},
		{"no content type", "POST", "/users/track", "", "Bearer " + s.Key(), body, 415, MsgContentType},
		{"text/plain", "POST", "/users/track", "text/plain", "Bearer " + s.Key(), body, 415, MsgContentType},
		{"charset ok", "POST", "/users/track", "application/json; charset=utf-8", "Bearer " + s.Key(), body, 201, MsgSuccess},
		{"bad json", "POST", "/users/track", "application/json", "Bearer " + s.Key(), []byte(`{"events":[`), 400, MsgParseError},
		{"trailing data", "POST", "/users/track", "application/json", "Bearer " + s.Key(), []byte(`{} {}`), 400, MsgParseError},
		{"not an object", "POST", "/users/track", "application/json", "Bearer " + s.Key(), []byte(`[1]`), 400, MsgParseError},
		{"too large", "POST", "/users/track", "application/json", "Bearer " + s.Key(), bytes.Repeat([]byte(" "), MaxBodyBytes+1), 413, MsgTooLarge},
		{"empty track", "POST", "/users/track", "application/json", "Bearer " + s.Key(), []byte(`{}`), 400, MsgValidData},
		{"attributes not array", "POST", "/users/track", "application/json", "Bearer " + s.Key(), []byte(`{"attributes":{}}`), 400, "'attributes' must be an array"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s, tc.method, tc.path, tc.ct, tc.a, tc.body)
			assert.Equal(t, tc.status, r.status, r.raw)
			assert.Equal(t, tc.msg, r.body["message"], r.raw)
		})
	}
	st := s.Stats()
	assert.Equal(t, 2, st.Statuses[201])
	assert.Equal(t, 4, st.Statuses[401])
}

func TestSpecExample(t *testing.T) {
	s := newServer(t)
	r := post(t, s, "/users/track", `{"attributes":[{"external_id":"cust-42","first_name":"Ada","dob":"1990-04-01","country":"GB",
   "email_subscribe":"opted_in","loyalty_points":{"inc":5},"genres":{"add":["jazz"]},
   "_update_existing_only":false}],
 "events":[{"external_id":"cust-42","app_id":"app-ios-1","name":"viewed_product",
   "time":"2025-03-01T10:15:00Z","properties":{"sku":"A-1","price":9.5}},
   {"app_id":"app-ios-1","name":"viewed_product","time":"2025-03-01T10:16:00Z"}],
 "purchases":[{"external_id":"cust-42","product_id":"Completed Order","currency":"GBP",
   "price":19.0,"quantity":1,"time":"2025-03-01T10:20:00Z"}]}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.JSONEq(t, `{"message":"success","attributes_processed":1,"events_processed":1,"purchases_processed":1,
 "errors":[{"type":"'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required",
            "input_array":"events","index":1}]}`, r.raw)

	u, ok := s.User("cust-42")
	require.True(t, ok)
	assert.Equal(t, "Ada", u.Attributes["first_name"])
	assert.Equal(t, "1990-04-01", u.Attributes["dob"])
	assert.Equal(t, int64(5), u.Attributes["loyalty_points"])
	assert.Equal(t, []any{"jazz"}, u.Attributes["genres"])
	require.Len(t, u.Events, 1)
	assert.Equal(t, "viewed_product", u.Events[0].Name)
	assert.Equal(t, map[string]any{"sku": "A-1", "price": 9.5}, u.Events[0].Properties)
	require.Len(t, u.Purchases, 1)
	assert.Equal(t, Purchase{ProductID: "Completed Order", Currency: "GBP", Price: 19, Quantity: 1, Time: "2025-03-01T10:20:00Z", Request: 0}, u.Purchases[0])
	assert.Len(t, s.Users(), 1)

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/users/track", reqs[0].Path)
	assert.Equal(t, 201, reqs[0].Status)
	assert.Contains(t, string(reqs[0].Body), "cust-42")
}

func TestAllInvalidIs400WithErrors(t *testing.T) {
	s := newServer(t)
	r := post(t, s, "/users/track", `{"events":[{"name":"e","time":"2025-03-01T10:16:00Z"}],
		"purchases":[{"external_id":"x","product_id":"p","currency":"USD","price":1,"quantity":101,"time":"2025-03-01T10:16:00Z"}]}`)
	assert.Equal(t, 400, r.status)
	assert.JSONEq(t, `{"message":"Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.",
		"errors":[{"type":"'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required","input_array":"events","index":0},
		{"type":"'quantity' is not valid","input_array":"purchases","index":0}]}`, r.raw)
	assert.Empty(t, s.Users())
}

func objects(kind string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		switch kind {
		case "attributes":
			parts[i] = fmt.Sprintf(`{"external_id":"u%d","n":%d}`, i, i)
		case "events":
			parts[i] = fmt.Sprintf(`{"external_id":"u%d","name":"e","time":"2025-01-01T00:00:00Z"}`, i)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestObjectCaps(t *testing.T) {
	s := newServer(t)
	r := post(t, s, "/users/track", `{"attributes":`+objects("attributes", 40)+`,"events":`+objects("events", 36)+`}`)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, MsgMaxInput, r.body["message"])
	r = post(t, s, "/users/track", `{"attributes":`+objects("attributes", 40)+`,"events":`+objects("events", 35)+`}`)
	assert.Equal(t, 201, r.status, r.raw)

	legacy := newServer(t, WithPerArrayCap())
	r = post(t, legacy, "/users/track", `{"attributes":`+objects("attributes", 75)+`,"events":`+objects("events", 75)+`}`)
	assert.Equal(t, 201, r.status, r.raw)
	r = post(t, legacy, "/users/track", `{"events":`+objects("events", 76)+`}`)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, MsgMaxInput, r.body["message"])

	mau := newServer(t, WithMaxObjects(50))
	r = post(t, mau, "/users/track", `{"events":`+objects("events", 51)+`}`)
	assert.Equal(t, 400, r.status)
}

func TestPerObjectErrorCodes(t *testing.T) {
	long := strings.Repeat("x", 256)
	uuid := "a1b2c3d4-0000-4000-8000-123456789abc"
	cases := []struct {
		array, obj, want string
	}{
		{"attributes", `{"external_id":"` + strings.Repeat("x", 988) + `"}`, "EXTERNAL_USER_ID_TOO_LARGE"},
		{"attributes", `{"external_id":"a","braze_id":"b"}`, "only one of 'external_id', 'braze_id' or 'user_alias' may be provided"},
		{"attributes", `{"user_alias":{"alias_name":"","alias_label":"l"}}`, "'user_alias' must have a non-empty 'alias_name' and 'alias_label' of at most 236 bytes"},
		{"attributes", `{"external_id":"a","email":"not-an-email"}`, "EMAIL_BAD_FORMAT"},
		{"attributes", `{"external_id":"a","email_subscribe":"yes"}`, "BAD_EMAIL_SUBSCRIPTION_STATE"},
		{"attributes", `{"external_id":"a","push_subscribe":"maybe"}`, "BAD_PUSH_SUBSCRIPTION_STATE"},
		{"attributes", `{"external_id":"a","subscription_groups":{}}`, "BAD_SUBSCRIPTION_GROUP_ARRAY"},
		{"attributes", `{"external_id":"a","subscription_groups":["x"]}`, "BAD_SUBSCRIPTION_GROUP_HASH"},
		{"attributes", `{"external_id":"a","subscription_groups":[{"subscription_group_id":"nope","subscription_state":"subscribed"}]}`, "BAD_SUBSCRIPTION_GROUP_ID"},
		{"attributes", `{"external_id":"a","subscription_groups":[{"subscription_group_id":"` + uuid + `","subscription_state":"opted_in"}]}`, "BAD_SUBSCRIPTION_GROUP_STATE"},
		{"attributes", `{"external_id":"a","push_tokens":[{"token":"t"}]}`, "BAD_PUSH_TOKEN_APP_ID"},
		{"attributes", `{"external_id":"a","push_tokens":[{"app_id":"x","token":5}]}`, "BAD_PUSH_TOKEN_STRING"},
		{"attributes", `{"external_id":"a","push_tokens":[{"app_id":"x","token":" "}]}`, "BAD_PUSH_TOKEN_VALUE"},
		{"attributes", `{"external_id":"a","push_tokens":[{"app_id":"x","token":"t","device_id":"short"}]}`, "BAD_DEVICE_ID"},
		{"attributes", `{"external_id":"a","push_token_import":true,"push_tokens":[{"app_id":"x","token":"t"}]}`, "BAD_PUSH_TOKEN_IMPORT"},
		{"attributes", `{"external_id":"a","current_location":{"latitude":91,"longitude":0}}`, "BAD_LOCATION_UPDATE"},
		{"attributes", `{"external_id":"a","email_subscription_info":{}}`, "INVALID_ATTRIBUTE_EMAIL_SUBSCRIPTION_INFO"},
		{"attributes", `{"external_id":"a","dob":"01-02-1990"}`, "'dob' is not valid"},
		{"attributes", `{"external_id":"a","gender":"X"}`, "'gender' is not valid"},
		{"attributes", `{"external_id":"a","$plan":"gold"}`, "'$plan' is not a valid attribute name: must not start with '$'"},
		{"attributes", `{"external_id":"a","` + long + `":1}`, "'" + strings.Repeat("x", 32) + "…' is not a valid attribute name: longer than 255 characters"},
		{"attributes", `{"external_id":"a","plan":"` + long + `"}`, "'plan' value is longer than 255 characters"},
		{"attributes", `{"external_id":"a","points":{"inc":1.5}}`, "'points' increment must be an integer"},
		{"attributes", `{"external_id":"a","tags":{"add":[1]}}`, "'tags' add values must be strings"},
		{"attributes", `{"external_id":"a","_update_existing_only":"yes"}`, "'_update_existing_only' must be a boolean"},
		{"events", `{"external_id":"a","time":"2025-01-01T00:00:00Z"}`, "'name' is required"},
		{"events", `{"external_id":"a","name":"e","time":"yesterday"}`, "'time' is not valid"},
		{"events", `{"external_id":"a","name":"e","time":"2025-01-01T00:00:00Z","properties":{"time":1}}`, "'time' is a reserved property name"},
		{"events", `{"external_id":"a","name":"e","time":"2025-01-01T00:00:00Z","properties":{"event_name":1}}`, "'event_name' is a reserved property name"},
		{"events", `{"external_id":"a","name":"e","time":"2025-01-01T00:00:00Z","properties":{"$k":1}}`, "'$k' is not a valid property name: must not start with '$'"},
		{"events", `{"external_id":"a","name":"e","time":"2025-01-01T00:00:00Z","properties":{"":1}}`, "empty property name"},
		{"events", `{"external_id":"a","name":"e","time":"2025-01-01T00:00:00Z","properties":{"k":"` + long + `"}}`, "'k' value is longer than 255 characters"},
		{"events", `{"external_id":"a","name":"e","time":"2025-01-01T00:00:00Z","properties":[]}`, "'properties' must be an object"},
		{"purchases", `{"external_id":"a","currency":"USD","price":1,"time":"2025-01-01T00:00:00Z"}`, "'product_id' is required"},
		{"purchases", `{"external_id":"a","product_id":"p","currency":"US","price":1,"time":"2025-01-01T00:00:00Z"}`, "'currency' is not valid"},
		{"purchases", `{"external_id":"a","product_id":"p","currency":"USD","time":"2025-01-01T00:00:00Z"}`, "'price' is not valid"},
		{"purchases", `{"external_id":"a","product_id":"p","currency":"USD","price":1,"quantity":0,"time":"2025-01-01T00:00:00Z"}`, "'quantity' is not valid"},
		{"purchases", `{"external_id":"a","product_id":"p","currency":"USD","price":1,"quantity":1.5,"time":"2025-01-01T00:00:00Z"}`, "'quantity' is not valid"},
		{"purchases", `{"external_id":"a","product_id":"p","currency":"USD","price":1}`, "'time' is not valid"},
	}
	s := newServer(t)
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			// A valid object alongside keeps the answer a 201 with errors.
			var body string
			if tc.array == "attributes" {
				body = `{"attributes":[` + tc.obj + `,{"external_id":"ok"}]}`
			} else {
				body = `{"attributes":[{"external_id":"ok"}],"` + tc.array + `":[` + tc.obj + `]}`
			}
			r := post(t, s, "/users/track", body)
			require.Equal(t, 201, r.status, r.raw)
			errs, _ := r.body["errors"].([]any)
			require.Len(t, errs, 1, r.raw)
			e := errs[0].(map[string]any)
			assert.Equal(t, tc.want, e["type"])
			assert.Equal(t, tc.array, e["input_array"])
			assert.Equal(t, float64(0), e["index"])
		})
	}
	_, ok := s.User("a")
	assert.False(t, ok, "no rejected object may be stored")
}

func TestAttributeSemantics(t *testing.T) {
	s := newServer(t, WithMaxArrayItems(3))
	ok := func(body string) {
		t.Helper()
		r := post(t, s, "/users/track", body)
		require.Equal(t, 201, r.status, r.raw)
		require.NotContains(t, r.body, "errors", r.raw)
	}
	ok(`{"attributes":[{"external_id":"u","a":"x","n":{"inc":2},"f":1.5,"tags":["a","b","a"],"obj":{"k":{"x":1},"y":2}}]}`)
	ok(`{"attributes":[{"external_id":"u","a":null,"n":{"inc":-5},"f":{"inc":1},"tags":{"add":["c","a"],"remove":["b"]},
		"obj":{"k":{"z":3}},"_merge_objects":true},
		{"external_id":"u","tags":{"add":["d","e"]}}]}`)
	u, found := s.User("u")
	require.True(t, found)
	_, hasA := u.Attributes["a"]
	assert.False(t, hasA, "null deletes")
	assert.Equal(t, int64(-3), u.Attributes["n"])
	assert.Equal(t, 2.5, u.Attributes["f"])
	assert.Equal(t, []any{"a", "d", "e"}, u.Attributes["tags"], "re-add moves to the end; oldest dropped over the cap")
	assert.Equal(t, map[string]any{"k": map[string]any{"x": int64(1), "z": int64(3)}, "y": int64(2)}, u.Attributes["obj"])

	// One invalid nested value drops every nested update of the request.
	ok(`{"attributes":[{"external_id":"u","obj":{"new":1}},{"external_id":"u2","bad":{"a.b":1},"plain":"kept"}]}`)
	u, _ = s.User("u")
	assert.Equal(t, map[string]any{"k": map[string]any{"x": int64(1), "z": int64(3)}, "y": int64(2)}, u.Attributes["obj"])
	u2, _ := s.User("u2")
	assert.Equal(t, "kept", u2.Attributes["plain"])
	assert.NotContains(t, u2.Attributes, "bad")

	// Update-only: unknown users are not created; aliases default to it.
	ok(`{"attributes":[{"external_id":"ghost","_update_existing_only":true,"a":1},
		{"user_alias":{"alias_name":"anon-1","alias_label":"mparticle_id"},"a":1},
		{"user_alias":{"alias_name":"anon-2","alias_label":"mparticle_id"},"_update_existing_only":false,"a":2}]}`)
	_, found = s.User("ghost")
	assert.False(t, found)
	_, found = s.UserByAlias("anon-1", "mparticle_id")
	assert.False(t, found)
	a2, found := s.UserByAlias("anon-2", "mparticle_id")
	require.True(t, found)
	assert.Equal(t, int64(2), a2.Attributes["a"])

	// Email-only objects find or create an email profile.
	ok(`{"events":[{"email":"ada@example.com","name":"e","time":"2025-01-01T00:00:00Z"}]}`)
	ue, found := s.UserByEmail("ada@example.com")
	require.True(t, found)
	assert.Len(t, ue.Events, 1)
	assert.Equal(t, "", ue.ExternalID)

	// Subscription groups and push tokens through attributes.
	ok(`{"attributes":[{"external_id":"u","subscription_groups":[{"subscription_group_id":"a1b2c3d4-0000-4000-8000-123456789abc","subscription_state":"subscribed"}],
		"push_tokens":[{"app_id":"app","token":"tok","device_id":"device-0001"}]}]}`)
	u, _ = s.User("u")
	assert.Equal(t, "subscribed", u.Subscriptions["a1b2c3d4-0000-4000-8000-123456789abc"])
	assert.Len(t, u.Attributes["push_tokens"], 1)
}

func TestProcessingOrderAndArrival(t *testing.T) {
	s := newServer(t)
	// Purchases listed first in JSON still apply after attributes and events.
	r := post(t, s, "/users/track", `{"purchases":[{"external_id":"u","product_id":"p","currency":"USD","price":1,"time":"2025-01-01T00:00:00Z"}],
		"events":[{"external_id":"u","name":"e1","time":"2025-01-01T00:00:00Z"},{"external_id":"u","name":"e2","time":"2025-01-01T00:00:00Z"}],
		"attributes":[{"external_id":"u","_update_existing_only":true,"a":1}]}`)
	require.Equal(t, 201, r.status)
	u, _ := s.User("u")
	assert.NotContains(t, u.Attributes, "a", "attributes apply first, when the user did not exist yet")
	assert.Equal(t, []string{"e1", "e2"}, []string{u.Events[0].Name, u.Events[1].Name})
	assert.Equal(t, 1, u.Purchases[0].Quantity)
}

func TestRateLimitHeaders(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC))
	s := newServer(t, WithClock(clk))
	r := post(t, s, "/users/track", `{"events":`+objects("events", 1)+`}`)
	assert.Equal(t, "3000", r.header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "2999", r.header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, strconv.FormatInt(time.Date(2026, 1, 1, 0, 0, 3, 0, time.UTC).Unix(), 10), r.header.Get("X-RateLimit-Reset"))
	r = post(t, s, "/users/merge", `{}`)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "20000", r.header.Get("X-RateLimit-Limit"))
	r = call(t, s, "POST", "/users/track", "application/json", "", nil)
	assert.Equal(t, 401, r.status)
	assert.NotEmpty(t, r.header.Get("X-RateLimit-Reset"), "headers on every response")
	r = post(t, s, "/users/export/ids", `{}`)
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "250000", r.header.Get("X-RateLimit-Limit"))

	s2 := newServer(t, WithClock(clk), WithResetAsSecondsLeft())
	r = post(t, s2, "/users/track", `{"events":`+objects("events", 1)+`}`)
	assert.Equal(t, "2", r.header.Get("X-RateLimit-Reset"))
}

func TestEnforcedRateLimit(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newServer(t, WithClock(clk), WithRateLimit(2, 10*time.Second))
	ev := `{"events":` + objects("events", 1) + `}`
	assert.Equal(t, 201, post(t, s, "/users/track", ev).status)
	clk.Advance(4 * time.Second)
	assert.Equal(t, 201, post(t, s, "/users/track", ev).status)
	r := post(t, s, "/users/track", ev)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "6", r.header.Get("X-Ratelimit-Retry-After"))
	assert.Equal(t, "6", r.header.Get("Retry-After"))
	assert.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "2", r.header.Get("X-RateLimit-Limit"))
	// Other families have their own window.
	assert.Equal(t, 201, post(t, s, "/users/alias/new", `{"user_aliases":[{"alias_name":"n","alias_label":"l"}]}`).status)
	clk.Advance(6 * time.Second)
	assert.Equal(t, 201, post(t, s, "/users/track", ev).status)
	u, _ := s.User("u0")
	assert.Len(t, u.Events, 3, "the limited request stored nothing")
	assert.Equal(t, 1, s.Stats().Faults["ratelimit"])
}

func TestFaultsDeterministicAndStoreNothing(t *testing.T) {
	f := Faults{Seed: 42, ServerErrorRate: 0.3, RateLimitRate: 0.2, DropRate: 0.1, RetryAfter: 2 * time.Second}
	run := func() ([]int, *Server) {
		s := newServer(t, WithFaults(f))
		var statuses []int
		for i := 0; i < 60; i++ {
			body := fmt.Sprintf(`{"events":[{"external_id":"u","name":"e%d","time":"2025-01-01T00:00:00Z"}]}`, i)
			req, _ := http.NewRequest("POST", s.URL()+"/users/track", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.Key())
			resp, err := s.Client().Do(req)
			if err != nil {
				statuses = append(statuses, 0)
				continue
			}
			if resp.StatusCode == 429 {
				assert.Equal(t, "2", resp.Header.Get("X-Ratelimit-Retry-After"))
			}
			resp.Body.Close()
			statuses = append(statuses, resp.StatusCode)
		}
		return statuses, s
	}
	a, s := run()
	b, _ := run()
	assert.Equal(t, a, b, "same seed, same faults")
	counts := map[int]int{}
	for _, st := range a {
		counts[st]++
	}
	for _, code := range []int{0, 201, 429, 500, 503} {
		assert.Positive(t, counts[code], "status %d should occur in 60 draws: %v", code, counts)
	}
	u, _ := s.User("u")
	assert.Len(t, u.Events, counts[201], "only answered, unfaulted requests store")
	st := s.Stats()
	assert.Equal(t, counts[0], st.Faults["drop"])
	assert.Equal(t, counts[201], st.Accepted["events"])
}

func TestHintStyles(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for style, check := range map[HintStyle]func(h http.Header){
		HintXRateLimitRetryAfter: func(h http.Header) { assert.Equal(t, "3", h.Get("X-Ratelimit-Retry-After")) },
		HintRetryAfterSeconds:    func(h http.Header) { assert.Equal(t, "3", h.Get("Retry-After")) },
		HintRetryAfterDate: func(h http.Header) {
			assert.Equal(t, now.Add(3*time.Second).Format(http.TimeFormat), h.Get("Retry-After"))
		},
		HintReset: func(h http.Header) {
			assert.Equal(t, strconv.FormatInt(now.Unix()+3, 10), h.Get("X-RateLimit-Reset"))
			assert.Empty(t, h.Get("Retry-After"))
		},
		HintNone: func(h http.Header) {
			assert.Empty(t, h.Get("Retry-After"))
			assert.Empty(t, h.Get("X-Ratelimit-Retry-After"))
			assert.Empty(t, h.Get("X-RateLimit-Reset"), "no hint at all: the client uses its backoff")
		},
	} {
		s := newServer(t, WithClock(clock.NewManual(now)), WithFaults(Faults{RateLimitRate: 1, RetryAfter: 2500 * time.Millisecond, RetryAfterHeader: style}))
		r := post(t, s, "/users/track", `{}`)
		require.Equal(t, 429, r.status)
		check(r.header)
	}
}

func TestInjectNextAndLatency(t *testing.T) {
	clk := clock.NewAutoAdvance(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newServer(t, WithClock(clk), WithFaults(Faults{Latency: 150 * time.Millisecond}))
	s.InjectNext(Fault{Status: 502}, Fault{Status: 429, Header: http.Header{"Retry-After": {"7"}}, Body: `{"message":"slow down"}`})
	ev := `{"events":` + objects("events", 1) + `}`
	r := post(t, s, "/users/track", ev)
	assert.Equal(t, 502, r.status)
	assert.Equal(t, "Bad Gateway", r.body["message"])
	r = post(t, s, "/users/track", ev)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "7", r.header.Get("Retry-After"))
	assert.Equal(t, "slow down", r.body["message"])
	assert.Equal(t, 201, post(t, s, "/users/track", ev).status)
	u, _ := s.User("u0")
	assert.Len(t, u.Events, 1)
	assert.Equal(t, []time.Duration{150 * time.Millisecond, 150 * time.Millisecond, 150 * time.Millisecond}, clk.Sleeps())
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []string{"script", "script", ""}, []string{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault})

	s.InjectNext(DropConnection())
	req, _ := http.NewRequest("POST", s.URL()+"/users/track", strings.NewReader(ev))
	req.Header.Set("Content-Type", "application/json")
	_, err := s.Client().Do(req)
	assert.Error(t, err, "dropped connection")

	s.Reset()
	assert.Empty(t, s.Users())
	assert.Empty(t, s.Requests())
}

func TestWithoutStoreAndRecordLimit(t *testing.T) {
	s := newServer(t, WithoutStore())
	assert.Equal(t, 201, post(t, s, "/users/track", `{"events":`+objects("events", 2)+`}`).status)
	assert.Empty(t, s.Users())
	assert.Empty(t, s.Requests())
	assert.Equal(t, 2, s.Stats().Accepted["events"])

	s2 := newServer(t, WithRecordLimit(1))
	post(t, s2, "/users/track", `{"events":`+objects("events", 1)+`}`)
	post(t, s2, "/users/track", `{"events":`+objects("events", 1)+`}`)
	assert.Len(t, s2.Requests(), 1)
	assert.Equal(t, 2, s2.Stats().Requests["/users/track"])
}
