package mapping_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// A membership change message maps to one Braze attributes object per user,
// in every form selected. The string form lists the user's full membership,
// kept by the (default, in-memory) MembershipStore.
func ExampleAudienceMapper() {
	const message = `{
	  "type": "audience_membership_change_request",
	  "id": "7c1f4e2a-93b0-4d55-8f6e-2a0d9b3c5e71",
	  "timestamp_ms": 1714600000000,
	  "firehose_version": "3.2.0",
	  "account": {"account_id": 40211},
	  "user_profiles": [{
	    "mpid": "4611686018427387904",
	    "user_identities": [
	      {"type": "customer", "encoding": "raw", "value": "cust-88412"},
	      {"type": "email", "encoding": "raw", "value": "ada@example.org"}
	    ],
	    "device_identities": [
	      {"type": "apple_push_notification_token", "encoding": "raw", "value": "a4f1e0c9b8d7"}
	    ],
	    "audiences": [
	      {"audience_id": 11034, "audience_name": "Lapsed Campers", "action": "add"},
	      {"audience_id": 11036, "audience_name": "Gold Tier Shoppers", "action": "delete"}
	    ]
	  }, {
	    "mpid": "42",
	    "user_identities": [{"type": "email", "encoding": "sha256", "value": "5f0c7d2b"}],
	    "audiences": [{"audience_id": 11034, "audience_name": "Lapsed Campers", "action": "add"}]
	  }]
	}`
	var msg mparticle.AudienceMembershipChangeRequest
	if err := json.Unmarshal([]byte(message), &msg); err != nil {
		fmt.Println(err)
		return
	}

	am, err := mapping.NewAudienceMapper(mapping.AudienceSettings{
		SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsAsArray | mapping.SegmentsPerAttribute,
		APIKeyOS:       mapping.APIKeyOSiOS,
		AppID:          "ios-app-id",
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := am.Map(context.Background(), &msg)
	if err != nil {
		fmt.Println(err)
		return
	}

	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(braze.TrackRequest{Attributes: res.Attributes})
	for _, s := range res.Skipped {
		fmt.Println("skipped:", s.Reason)
	}
	// Output:
	// {
	//   "attributes": [
	//     {
	//       "external_id": "cust-88412",
	//       "email": "ada@example.org",
	//       "push_tokens": [
	//         {
	//           "app_id": "ios-app-id",
	//           "token": "a4f1e0c9b8d7"
	//         }
	//       ],
	//       "In Gold Tier Shoppers": false,
	//       "In Lapsed Campers": true,
	//       "SegmentMembership": "11034",
	//       "SegmentMembershipArray": {
	//         "add": [
	//           "11034"
	//         ],
	//         "remove": [
	//           "11036"
	//         ]
	//       }
	//     }
	//   ]
	// }
	// skipped: no_external_id
}
