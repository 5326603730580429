package mparticle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// Upload one batch to the Events API. The example talks to the in-process
// fake; real code passes mparticle.WithPod(mparticle.US1) (or the pod of its
// workspace) instead of WithBaseURL and WithAllowHTTP.
func ExampleNewClient() {
	srv := mparticletest.NewServer()
	defer srv.Close()

	client, err := mparticle.NewClient(srv.Key(), srv.Secret(),
		mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP())
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	batch := mparticle.NewBatch(mparticle.EnvironmentProduction)
	batch.SourceRequestID = "0b9f3c2e-5d7a-4c1e-9a61-2f4b8e7d1c30" // lets mParticle drop a resent batch
	if err := batch.SetIdentity(mparticle.IdentityCustomerID, "cust-88412"); err != nil {
		log.Fatal(err)
	}
	if err := batch.SetUserAttribute("tier", "gold"); err != nil {
		log.Fatal(err)
	}
	shared, err := mparticle.NewCustomEvent("Wishlist Shared", mparticle.CustomSocial,
		map[string]any{"channel": "sms"}, mparticle.At(time.UnixMilli(1714590012000)))
	if err != nil {
		log.Fatal(err)
	}
	batch.AddEvent(shared)

	if err := client.Upload(context.Background(), batch); err != nil {
		log.Fatal(err)
	}

	// What the Events API received:
	for _, b := range srv.Batches() {
		var out bytes.Buffer
		_ = json.Indent(&out, b.Raw, "", "  ")
		fmt.Println("POST", b.Endpoint)
		fmt.Println(out.String())
	}
	// Output:
	// POST /events
	// {
	//   "events": [
	//     {
	//       "event_type": "custom_event",
	//       "data": {
	//         "timestamp_unixtime_ms": 1714590012000,
	//         "custom_attributes": {
	//           "channel": "sms"
	//         },
	//         "event_name": "Wishlist Shared",
	//         "custom_event_type": "social"
	//       }
	//     }
	//   ],
	//   "environment": "production",
	//   "source_request_id": "0b9f3c2e-5d7a-4c1e-9a61-2f4b8e7d1c30",
	//   "user_identities": {
	//     "customer_id": "cust-88412"
	//   },
	//   "user_attributes": {
	//     "tier": "gold"
	//   }
	// }
}

// BulkUpload splits batches into requests and reports the batches that were
// not delivered, by index, without holding back the others.
func ExampleClient_BulkUpload() {
	srv := mparticletest.NewServer()
	defer srv.Close()

	// The fake enforces no quota, so the client's limiter is off too: the
	// batches then go in bulk requests of up to MaxBatchesPerRequest (under
	// the default quota a request carries at most its burst, 27 batches).
	client, err := mparticle.NewClient(srv.Key(), srv.Secret(),
		mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithRateLimit(mparticle.RateLimit{Requests: -1}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	var batches []*mparticle.Batch
	for i := range 250 {
		batches = append(batches, &mparticle.Batch{
			Environment:    mparticle.EnvironmentDevelopment,
			UserIdentities: &mparticle.UserIdentities{CustomerID: fmt.Sprintf("user-%d", i)},
		})
	}
	// One batch over the 128 KB limit.
	batches[7].UserAttributes = mparticle.Attributes{
		{Key: "notes", Value: mparticle.StringAttr(strings.Repeat("x", 200_000))},
	}

	err = client.BulkUpload(context.Background(), batches)
	var bulkErr *mparticle.BulkError
	if errors.As(err, &bulkErr) {
		for _, f := range bulkErr.Failed {
			fmt.Printf("batch %d: too large: %v\n", f.Index, errors.Is(f.Err, mparticle.ErrBatchTooLarge))
		}
	}
	fmt.Println("requests:", len(srv.Requests()), "batches delivered:", len(srv.Batches()))
	// Output:
	// batch 7: too large: true
	// requests: 3 batches delivered: 249
}
