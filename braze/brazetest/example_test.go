package brazetest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/braze/brazetest"
)

// Example starts a fake Braze, sends it a /users/track request over
// loopback and reads back what it stored.
func Example() {
	fake := brazetest.NewServer()
	defer fake.Close()

	body := `{"attributes":[{"external_id":"cust-42","first_name":"Ada","points":{"inc":5}}],
	          "events":[{"external_id":"cust-42","name":"signed_up","time":"2025-03-01T10:15:00Z"},
	                    {"name":"orphan","time":"2025-03-01T10:16:00Z"}]}`
	req, _ := http.NewRequest(http.MethodPost, fake.URL()+"/users/track", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fake.Key())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(answer))

	u, _ := fake.User("cust-42")
	fmt.Println(u.Attributes["first_name"], u.Attributes["points"], u.Events[0].Name)
	// Output:
	// 201 {"attributes_processed":1,"errors":[{"type":"'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required","input_array":"events","index":1}],"events_processed":1,"message":"success"}
	// Ada 5 signed_up
}

// ExampleNewServer_faults injects failures: every third request (on
// average, deterministically for the seed) fails with 500/503, and 429s
// announce a 2-second wait in X-Ratelimit-Retry-After.
func ExampleNewServer_faults() {
	fake := brazetest.NewServer(brazetest.WithFaults(brazetest.Faults{
		Seed:            7,
		ServerErrorRate: 0.3,
		RateLimitRate:   0.1,
		RetryAfter:      2 * time.Second,
	}))
	defer fake.Close()

	// Faults queued with InjectNext come first, in order.
	fake.InjectNext(brazetest.RateLimited(time.Second))
	req, _ := http.NewRequest(http.MethodPost, fake.URL()+"/users/track", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fake.Key())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("X-Ratelimit-Retry-After"), fake.Stats().Faults["script"])
	// Output: 429 1 1
}
