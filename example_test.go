package mpbraze_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mparticle"
)

// printTrackBodies prints the /users/track bodies a fake Braze received.
func printTrackBodies(fake *brazetest.Server) {
	for _, r := range fake.Requests() {
		if r.Path == "/users/track" {
			fmt.Println(string(r.Body))
		}
	}
}

// New and Forward: an mParticle batch in, the Braze objects mParticle's
// kit would send out. brazetest stands in for Braze; in production set
// Instance (e.g. braze.US03) and BrazeKey instead of BrazeURL, AllowHTTP
// and HTTPClient.
func ExampleNew() {
	fake := brazetest.NewServer()
	defer fake.Close()
	kit, err := mpbraze.New(mpbraze.Config{
		BrazeKey:   brazetest.DefaultKey,
		BrazeURL:   fake.URL(),
		AllowHTTP:  true,
		HTTPClient: fake.Client(),
	})
	if err != nil {
		panic(err)
	}

	batch, err := mparticle.DecodeBatch([]byte(`{
		"user_identities": {"customer_id": "cust-1", "email": "ada@example.org"},
		"user_attributes": {"$FirstName": "Ada", "$Gender": "female"},
		"events": [{"event_type": "custom_event", "data": {
			"event_name": "Wishlist Shared", "custom_event_type": "social",
			"timestamp_unixtime_ms": 1764320412000,
			"custom_attributes": {"channel": "sms", "$item_count": 4}}}]}`))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := kit.Forward(ctx, batch); err != nil {
		panic(err)
	}
	report, err := kit.Close(ctx) // delivers what is queued
	if err != nil {
		panic(err)
	}
	fmt.Println("delivered:", report.Delivered, "failed:", report.Failed)
	printTrackBodies(fake)
	// Output:
	// delivered: 2 failed: 0
	// {"attributes":[{"external_id":"cust-1","email":"ada@example.org","first_name":"Ada","gender":"F"}],"events":[{"external_id":"cust-1","name":"Wishlist Shared","time":"2025-11-28T09:00:12Z","properties":{"channel":"sms","item_count":4}}]}
}

// ForwardJSON: batches that arrive as bytes (a webhook, a queue, a file)
// go in as they are. Results carry each object's kind and JSON as sent,
// which is what a dead-letter store keeps; here the fake refuses the key,
// so both objects fail.
func ExampleKit_ForwardJSON() {
	fake := brazetest.NewServer()
	defer fake.Close()
	kit, err := mpbraze.New(mpbraze.Config{
		BrazeKey:   "not-the-key",
		BrazeURL:   fake.URL(),
		AllowHTTP:  true,
		HTTPClient: fake.Client(),
		OnResult: func(r braze.Result) {
			if r.Err != nil {
				fmt.Printf("dead letter (%s): %s\n", r.Kind, r.Object)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	err = kit.ForwardJSON(ctx, []byte(`{
		"user_identities": {"customer_id": "cust-2"},
		"user_attributes": {"plan": "pro"},
		"events": [{"event_type": "custom_event", "data": {
			"event_name": "Upgraded", "custom_event_type": "transaction",
			"timestamp_unixtime_ms": 1764320412000}}]}`))
	if err != nil {
		panic(err)
	}
	report, _ := kit.Close(ctx)
	fmt.Println("delivered:", report.Delivered, "failed:", report.Failed)
	// Output:
	// dead letter (attributes): {"external_id":"cust-2","plan":"pro"}
	// dead letter (events): {"external_id":"cust-2","name":"Upgraded","time":"2025-11-28T09:00:12Z"}
	// delivered: 0 failed: 2
}

// Kit-style calls: the event the mParticle SDK would build, through the
// same mapping as Forward. The attribute set after the event goes in a
// second request: inside one request Braze applies attributes before
// events, which would reverse the user's order.
func ExampleUser_LogEvent() {
	fake := brazetest.NewServer()
	defer fake.Close()
	kit, err := mpbraze.New(mpbraze.Config{
		BrazeKey:   brazetest.DefaultKey,
		BrazeURL:   fake.URL(),
		AllowHTTP:  true,
		HTTPClient: fake.Client(),
		Now:        func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	user := kit.User(mparticle.UserIdentities{CustomerID: "cust-2"})
	if err := user.LogEvent(ctx, "Shared", mparticle.CustomSocial, map[string]any{"channel": "sms"}); err != nil {
		panic(err)
	}
	if err := user.SetUserAttribute(ctx, "$FirstName", "Grace"); err != nil {
		panic(err)
	}
	if _, err := kit.Close(ctx); err != nil {
		panic(err)
	}
	printTrackBodies(fake)
	// Output:
	// {"events":[{"external_id":"cust-2","name":"Shared","time":"2026-11-28T09:30:00Z","properties":{"channel":"sms"}}]}
	// {"attributes":[{"external_id":"cust-2","first_name":"Grace"}]}
}
