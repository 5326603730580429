package mapping

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// FuzzAudienceMap maps arbitrary audience messages with every form and push
// tokens on: the mapper must never panic, and what it emits must hold its
// promises (an external_id on every object, no SegmentMembership over 255
// characters, every skipped or failed profile reported). The seed corpus is
// in testdata/fuzz/FuzzAudienceMap.
func FuzzAudienceMap(f *testing.F) {
	f.Add([]byte(`{"type":"audience_membership_change_request","id":"x","account":{"account_id":1},"user_profiles":[{"mpid":"1","user_identities":[{"type":"customer","encoding":"raw","value":"c"}],"audiences":[{"audience_id":1,"audience_name":"A","action":"add"},{"audience_id":1,"audience_name":"A","action":"delete"}]}]}`))
	f.Add([]byte(`{"user_profiles":[{"mpid":"2","user_identities":[{"type":"customer","encoding":"md5","value":"c"}]},{}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := mparticle.DecodeAudienceMembershipChangeRequest(data)
		if err != nil {
			return
		}
		am, err := NewAudienceMapper(AudienceSettings{
			SendSegmentsAs: SegmentsAsString | SegmentsAsArray | SegmentsPerAttribute,
			APIKeyOS:       APIKeyOSAndroid,
			AppID:          "app",
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for round := range 2 { // twice: the second round sees the stored membership
			res, err := am.Map(ctx, msg)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if len(res.Attributes)+len(res.Skipped) > len(msg.UserProfiles) {
				t.Fatalf("more outputs (%d+%d) than profiles (%d)", len(res.Attributes), len(res.Skipped), len(msg.UserProfiles))
			}
			for i, a := range res.Attributes {
				if a.ExternalID == "" {
					t.Fatalf("attributes[%d] without external_id", i)
				}
				if v, ok := a.Custom.Get(SegmentMembershipAttribute); ok {
					if s, _ := v.Str(); len(s) > MaxSegmentMembershipLength {
						t.Fatalf("attributes[%d]: SegmentMembership of %d characters", i, len(s))
					}
				}
				if _, err := json.Marshal(a); err != nil {
					t.Fatalf("attributes[%d] does not encode: %v", i, err)
				}
			}
			if _, err := json.Marshal(braze.TrackRequest{Attributes: res.Attributes}); err != nil {
				t.Fatal(err)
			}
			for _, au := range msg.UserProfiles {
				for _, x := range au.Audiences {
					if _, err := am.ClearAudience(ctx, x.AudienceID, "Name"); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
		}
	})
}
