package mparticletest_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// A test that checks a client retries a throttled request and delivers the
// batch exactly once.
func ExampleNewServer() {
	srv := mparticletest.NewServer()
	defer srv.Close()

	client, err := mparticle.NewClient(srv.Key(), srv.Secret(),
		mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithRetryPolicy(mparticle.RetryPolicy{MinBackoff: time.Millisecond}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	// The next two requests fail: a 503, then a dropped connection.
	srv.InjectNext(mparticletest.ServerError(503), mparticletest.DropConnection())

	batch := mparticle.NewBatch(mparticle.EnvironmentDevelopment)
	if err := batch.SetIdentity(mparticle.IdentityCustomerID, "c-1"); err != nil {
		log.Fatal(err)
	}
	if err := client.Upload(context.Background(), batch); err != nil {
		log.Fatal(err)
	}

	for _, r := range srv.Requests() {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s -> %d %s", r.Method, r.Path, r.Status, r.Fault)))
	}
	for _, b := range srv.Batches() {
		fmt.Println("accepted:", string(b.Raw))
	}
	// Output:
	// POST /v2/events -> 503 503
	// POST /v2/events -> 0 drop
	// POST /v2/events -> 202
	// accepted: {"environment":"development","user_identities":{"customer_id":"c-1"}}
}
