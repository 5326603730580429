package braze_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
)

// ExampleNewClient creates a client and sends one /users/track request.
// It runs against the in-process fake Braze; in production use
// braze.WithInstance(braze.US03) (your dashboard's instance) instead of
// WithBaseURL/WithAllowHTTP.
func ExampleNewClient() {
	fake := brazetest.NewServer()
	defer fake.Close()

	c, err := braze.NewClient(fake.Key(), braze.WithBaseURL(fake.URL()), braze.WithAllowHTTP())
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 10, 15, 0, 0, time.UTC)
	req := &braze.TrackRequest{
		Attributes: []braze.Attributes{{
			Identifier: braze.ExternalID("cust-42"),
			FirstName:  braze.Set("Ada"),
			Custom:     braze.Properties{braze.Prop("loyalty_points", braze.Inc(5))},
		}},
		Events: []braze.Event{
			{Identifier: braze.ExternalID("cust-42"), Name: "viewed_product", Time: at,
				Properties: braze.Properties{braze.Prop("sku", braze.String("A-1"))}},
			// Braze refuses this address; the rest of the request still goes through.
			{Identifier: braze.EmailAddress("ada@localhost"), Name: "viewed_product", Time: at},
		},
		Purchases: []braze.Purchase{{Identifier: braze.ExternalID("cust-42"), ProductID: "Completed Order",
			Currency: "GBP", Price: 19, Quantity: 1, Time: at}},
	}
	resp, err := c.Track(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(resp)
	fmt.Println(string(out))
	for _, f := range resp.FailedObjects(req) {
		fmt.Printf("rejected %s[%d] (%s): %s\n", f.Error.InputArray, f.Error.Index, f.Event.Email, f.Error.Type)
	}

	user, _ := fake.User("cust-42")
	fmt.Println(user.Attributes["first_name"], user.Attributes["loyalty_points"], len(user.Events), len(user.Purchases))
	// Output:
	// {"message":"success","attributes_processed":1,"events_processed":1,"purchases_processed":1,"errors":[{"type":"EMAIL_BAD_FORMAT","input_array":"events","index":1}]}
	// rejected events[1] (ada@localhost): EMAIL_BAD_FORMAT
	// Ada 5 1 1
}

// ExampleAPIError shows how to inspect a failed call.
func ExampleAPIError() {
	fake := brazetest.NewServer()
	defer fake.Close()

	c, err := braze.NewClient("not-the-key", braze.WithBaseURL(fake.URL()), braze.WithAllowHTTP())
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Track(context.Background(), &braze.TrackRequest{Events: []braze.Event{
		{Identifier: braze.ExternalID("u1"), Name: "signed_up", Time: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
	}})
	var apiErr *braze.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message, apiErr.Retryable)
	}
	fmt.Println(errors.Is(err, braze.ErrUnauthorized))
	fmt.Println(err)
	// Output:
	// 401 Invalid API Key false
	// true
	// braze: POST /users/track: 401 Unauthorized: Invalid API Key
}
