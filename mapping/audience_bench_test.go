package mapping

import (
	"context"
	"fmt"
	"testing"

	"github.com/mpbraze/mpbraze/mparticle"
)

// thousandProfiles is a realistic 1,000-profile membership message: raw
// customer id and email, a hashed email, an APNs token, two joins, a leave,
// and an attribute update on every tenth profile.
func thousandProfiles() *mparticle.AudienceMembershipChangeRequest {
	msg := audienceMessage("bench")
	tier := "gold"
	for i := range 1000 {
		p := mparticle.UserProfile{
			MPID: fmt.Sprint(4611686018427387904 + i),
			UserIdentities: []mparticle.Identity{
				{Type: mparticle.UserIdentityCustomer, Encoding: mparticle.EncodingRaw, Value: fmt.Sprintf("cust-%06d", i)},
				{Type: mparticle.UserIdentityEmail, Encoding: mparticle.EncodingRaw, Value: fmt.Sprintf("user%d@example.org", i)},
				{Type: mparticle.UserIdentityOther, Encoding: mparticle.EncodingSHA256, Value: "5f0c7d2b8e4a1f963c0b7e2d9a8c4f1e6b3d5a7c9e0f2b4d6a8c0e2f4b6d8a0c"},
			},
			DeviceIdentities: []mparticle.Identity{
				{Type: mparticle.DeviceIdentityIOSVendorID, Encoding: mparticle.EncodingRaw, Value: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"},
				{Type: mparticle.DeviceIdentityApplePushNotificationToken, Encoding: mparticle.EncodingRaw, Value: fmt.Sprintf("a4f1e0c9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3%04d", i)},
			},
			Audiences: []mparticle.Audience{
				join(11034, "Lapsed Campers"),
				join(int64(20000+i%50), fmt.Sprint("Cohort ", i%50)),
				leave(11036, "Gold Tier Shoppers"),
			},
		}
		if i%10 == 0 {
			p.Audiences = append(p.Audiences, mparticle.Audience{
				AudienceID: 11040, AudienceName: "High LTV", Action: mparticle.AudienceAttributeUpdate,
				UserAttributes: []mparticle.AudienceUserAttribute{
					{Key: "tier", Value: &tier, Action: mparticle.AttributeUpsert},
					{Key: "favorite_categories", ListValue: []string{"outdoor", "books"}, Action: mparticle.AttributeUpsert},
					{Key: "legacy_segment", Action: mparticle.AttributeDelete},
				},
			})
		}
		msg.UserProfiles = append(msg.UserProfiles, p)
	}
	return msg
}

// BenchmarkAudienceMap1000Profiles maps a 1,000-profile message with all
// three forms and iOS push tokens, through the default in-memory store.
func BenchmarkAudienceMap1000Profiles(b *testing.B) {
	msg := thousandProfiles()
	am, err := NewAudienceMapper(AudienceSettings{
		SendSegmentsAs: SegmentsAsString | SegmentsAsArray | SegmentsPerAttribute,
		APIKeyOS:       APIKeyOSiOS,
		AppID:          "ios-app-id",
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := am.Map(ctx, msg)
		if err != nil || len(res.Attributes) != 1000 {
			b.Fatalf("err %v, %d objects", err, len(res.Attributes))
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "profiles/s")
}
