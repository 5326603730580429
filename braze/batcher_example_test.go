package braze_test

import (
	"context"
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
			if !r.Delivered() {
				fmt.Println("not delivered:", r.Item.Ref, r.Err)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	req := &braze.TrackRequest{
		Attributes: []braze.Attributes{{Identifier: braze.ExternalID("u-1"), FirstName: braze.Set("Ada")}},
		Events: []braze.Event{
			{Identifier: braze.ExternalID("u-1"), Name: "Signed Up", Time: at},
			{Identifier: braze.ExternalID("u-2"), Name: "Opened", Time: at},
		},
		Purchases: []braze.Purchase{{Identifier: braze.ExternalID("u-2"), ProductID: "SKU-1", Currency: "USD",
			Price: 9.5, Quantity: 200, Time: at}}, // Braze caps quantity at 100: refused
	}
	if err := b.AddTrack(ctx, req, "signup-batch"); err != nil {
		panic(err)
	}
	report, err := b.Close(ctx) // sends what is queued and waits for every result
	if err != nil {
		panic(err)
	}
	st := b.Stats()
	fmt.Printf("delivered %d, failed %d, %d request(s)\n", report.Delivered, report.Failed, st.Requests)
	// Output:
	// not delivered: signup-batch braze: invalid request: purchases[0].quantity: 200 outside 1..100
	// delivered 3, failed 1, 1 request(s)
}
