package braze_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
)

// A Batcher packs objects of many users into full /users/track requests and
// reports a result per object. brazetest stands in for Braze here.
func ExampleBatcher() {
	fake := brazetest.NewServer()
	defer fake.Close()
	client, err := braze.NewClient(brazetest.DefaultKey,
		braze.WithBaseURL(fake.URL()), braze.WithAllowHTTP(), braze.WithHTTPClient(fake.Client()))
	if err != nil {
		panic(err)
	}
	b, err := braze.NewBatcher(client, braze.BatchOptions{
		OnResult: func(r braze.Result) {
			if !r.Delivered() { // refused by Braze, or failed after retries
				fmt.Println("not delivered:", r.Item.Ref, r.Err)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	items := []braze.Item{
		braze.AttributesItem(&braze.Attributes{Identifier: braze.ExternalID("u-1"), FirstName: braze.Set("Ada")}),
		braze.EventItem(&braze.Event{Identifier: braze.ExternalID("u-1"), Name: "Signed Up", Time: at}),
		braze.EventItem(&braze.Event{Identifier: braze.ExternalID("u-2"), Name: "Opened", Time: at}),
		braze.PurchaseItem(&braze.Purchase{Identifier: braze.ExternalID("u-2"), ProductID: "SKU-1", Currency: "USD",
			Price: 9.5, Quantity: 200, Time: at}), // Braze caps quantity at 100: refused
	}
	// Add validates and encodes the objects; an invalid one is refused at
	// once, and nothing of the call is queued.
	err = b.Add(ctx, items...)
	var refused braze.ItemErrors
	if errors.As(err, &refused) {
		fmt.Println(err)
		err = b.Add(ctx, refused.Without(items)...) // the others, again
	}
	if err != nil {
		panic(err)
	}
	report, err := b.Close(ctx) // sends what is queued and waits for every result
	if err != nil {
		panic(err)
	}
	st := b.Stats()
	fmt.Printf("delivered %d, failed %d, %d request(s)\n", report.Delivered, report.Failed, st.Requests)
	// Output:
	// braze: Batcher.Add: items[3] (purchases): quantity: 200 outside 1..100
	// delivered 3, failed 0, 1 request(s)
}

// With ForgetObjects the batcher keeps only each object's JSON, kind and
// Ref once Add returns, so the caller can reuse the objects at once; a
// Result then says what the object was through Kind and Object (the JSON
// sent), which is what a dead-letter queue needs.
func ExampleBatchOptions_forgetObjects() {
	fake := brazetest.NewServer()
	defer fake.Close()
	client, err := braze.NewClient(brazetest.DefaultKey,
		braze.WithBaseURL(fake.URL()), braze.WithAllowHTTP(), braze.WithHTTPClient(fake.Client()))
	if err != nil {
		panic(err)
	}
	b, err := braze.NewBatcher(client, braze.BatchOptions{ForgetObjects: true})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var ev braze.Event // one object, reused for every call
	for i, user := range []string{"u-1", "ada@localhost"} {
		ev = braze.Event{Identifier: braze.ExternalID(user), Name: "Opened", Time: at}
		if i == 1 { // Braze refuses this address
			ev.Identifier = braze.EmailAddress(user)
		}
		if err := b.Add(ctx, braze.Item{Event: &ev, Ref: i}); err != nil {
			panic(err)
		}
		// ev is the caller's again: the batcher holds its JSON only.
	}
	report, err := b.Close(ctx)
	if err != nil {
		panic(err)
	}
	for _, f := range report.Failures {
		fmt.Printf("dead letter: ref %v, %s %s\n", f.Item.Ref, f.Kind, f.Object)
	}
	// Output:
	// dead letter: ref 1, events {"email":"ada@localhost","name":"Opened","time":"2026-11-28T09:00:00Z"}
}
