package mparticletest_test

import (
	"context"
	"errors"
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

// A fake with a quota of 2 batches an hour refuses the third batch with
// 429, as the Events API does when an input goes over its quota.
func ExampleWithRateLimit() {
	srv := mparticletest.NewServer(mparticletest.WithRateLimit(2, time.Hour))
	defer srv.Close()

	client, err := mparticle.NewClient(srv.Key(), srv.Secret(),
		mparticle.WithBaseURL(srv.URL()), mparticle.WithAllowHTTP(),
		mparticle.WithRetryPolicy(mparticle.RetryPolicy{MaxRetries: -1}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	batch := mparticle.NewBatch(mparticle.EnvironmentDevelopment)
	if err := batch.SetIdentity(mparticle.IdentityCustomerID, "c-1"); err != nil {
		log.Fatal(err)
	}
	for range 3 {
		err := client.Upload(context.Background(), batch)
		fmt.Println(err == nil, errors.Is(err, mparticle.ErrRateLimited))
	}
	fmt.Println(srv.Stats().Statuses)
	// Output:
	// true false
	// true false
	// false true
	// map[202:2 429:1]
}
