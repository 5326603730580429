package mpbraze_test

import (
	"context"
	"fmt"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Audience membership changes become Braze custom attributes. Here two
// messages arrive for one user; after each, Braze holds the user's full
// membership in SegmentMembership and a boolean per audience.
func ExampleKit_ApplyAudienceChange() {
	fake := brazetest.NewServer() // an in-process fake Braze; use your instance instead
	defer fake.Close()

	kit, err := mpbraze.New(mpbraze.Config{
		BrazeKey: fake.Key(), BrazeURL: fake.URL(), AllowHTTP: true,
		Audience: mapping.AudienceSettings{
			SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsPerAttribute,
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	for _, change := range []string{
		`{"type":"audience_membership_change_request","id":"m-1","account":{"account_id":1},"user_profiles":[{"mpid":"42",
		  "user_identities":[{"type":"customer","encoding":"raw","value":"cust-1"}],
		  "audiences":[{"audience_id":11034,"audience_name":"Lapsed Campers","action":"add"},
		               {"audience_id":11040,"audience_name":"High LTV","action":"add"}]}]}`,
		`{"type":"audience_membership_change_request","id":"m-2","account":{"account_id":1},"user_profiles":[{"mpid":"42",
		  "user_identities":[{"type":"customer","encoding":"raw","value":"cust-1"}],
		  "audiences":[{"audience_id":11034,"audience_name":"Lapsed Campers","action":"delete"}]}]}`,
	} {
		msg, err := mparticle.DecodeAudienceMembershipChangeRequest([]byte(change))
		if err != nil {
			fmt.Println(err)
			return
		}
		if _, err := kit.ApplyAudienceChange(ctx, msg); err != nil {
			fmt.Println(err)
			return
		}
		if _, err := kit.Flush(ctx); err != nil {
			fmt.Println(err)
			return
		}
		u, _ := fake.User("cust-1")
		fmt.Printf("after %s: SegmentMembership=%q, In Lapsed Campers=%v, In High LTV=%v\n", msg.ID,
			u.Attributes["SegmentMembership"], u.Attributes["In Lapsed Campers"], u.Attributes["In High LTV"])
	}
	if _, err := kit.Close(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// after m-1: SegmentMembership="11034,11040", In Lapsed Campers=true, In High LTV=true
	// after m-2: SegmentMembership="11040", In Lapsed Campers=false, In High LTV=true
}

// An AudienceHandler receives mParticle's audience messages over HTTP and
// answers 2xx only once the updates are queued.
func ExampleNewAudienceHandler() {
	fake := brazetest.NewServer()
	defer fake.Close()
	kit, err := mpbraze.New(mpbraze.Config{BrazeKey: fake.Key(), BrazeURL: fake.URL(), AllowHTTP: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer kit.Close(context.Background())

	h, err := mpbraze.NewAudienceHandler(kit, "token-from-your-secret-store", mpbraze.AudienceHandlerOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h) // the token is never printed
	// http.Handle("/mparticle/audiences", h)

	// Output:
	// mpbraze.AudienceHandler{token: [redacted], maxBody: 16777216}
}
