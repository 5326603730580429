package mapping_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// These tests send what the AudienceMapper produces to the fake Braze and
// check what Braze stored: the fake is an independent judge of the JSON.

// fakeBraze starts brazetest and a client for it.
func fakeBraze(t *testing.T) (*brazetest.Server, *braze.Client) {
	t.Helper()
	srv := brazetest.NewServer()
	t.Cleanup(srv.Close)
	c, err := braze.NewClient(srv.Key(), braze.WithBaseURL(srv.URL()), braze.WithAllowHTTP(), braze.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	return srv, c
}

// send maps msg and tracks the result, requiring Braze to accept every object.
func send(t *testing.T, am *mapping.AudienceMapper, c *braze.Client, msg *mparticle.AudienceMembershipChangeRequest) mapping.AudienceResult {
	t.Helper()
	res, err := am.Map(context.Background(), msg)
	require.NoError(t, err)
	track(t, c, res)
	return res
}

func track(t *testing.T, c *braze.Client, res mapping.AudienceResult) {
	t.Helper()
	if len(res.Attributes) == 0 {
		return
	}
	resp, err := c.Track(context.Background(), &braze.TrackRequest{Attributes: res.Attributes})
	require.NoError(t, err)
	require.Empty(t, resp.Errors, "Braze refused objects")
	require.Equal(t, len(res.Attributes), resp.AttributesProcessed)
}

func membershipMessage(id string, profiles ...mparticle.UserProfile) *mparticle.AudienceMembershipChangeRequest {
	return &mparticle.AudienceMembershipChangeRequest{
		Type: mparticle.MessageAudienceMembershipChangeRequest, ID: id,
		Account: &mparticle.Account{AccountID: 1}, UserProfiles: profiles,
	}
}

func profile(customerID string, audiences ...mparticle.Audience) mparticle.UserProfile {
	return mparticle.UserProfile{
		MPID:           "mpid-" + customerID,
		UserIdentities: []mparticle.Identity{{Type: mparticle.UserIdentityCustomer, Encoding: mparticle.EncodingRaw, Value: customerID}},
		Audiences:      audiences,
	}
}

func joined(id int64, name string) mparticle.Audience {
	return mparticle.Audience{AudienceID: id, AudienceName: name, Action: mparticle.AudienceAdd}
}

func left(id int64, name string) mparticle.Audience {
	return mparticle.Audience{AudienceID: id, AudienceName: name, Action: mparticle.AudienceDelete}
}

// stored returns the user's attributes in the fake.
func stored(t *testing.T, srv *brazetest.Server, externalID string) map[string]any {
	t.Helper()
	u, ok := srv.User(externalID)
	require.True(t, ok, "user %q not in Braze", externalID)
	return u.Attributes
}

// arraySet returns a stored string array as a sorted slice.
func arraySet(v any) []string {
	arr, _ := v.([]any)
	out := []string{}
	for _, x := range arr {
		out = append(out, fmt.Sprint(x))
	}
	slices.Sort(out)
	return out
}

// TestAudienceFormsAgainstBraze runs every combination of the three forms
// through several messages of joins and leaves and checks what Braze holds
// after each: the string form always shows the full set, the array holds
// the set, the booleans follow the last change of each audience, and a form
// not selected never appears.
func TestAudienceFormsAgainstBraze(t *testing.T) {
	names := map[int64]string{1: "Alpha", 2: "Beta", 30: "Gamma", 400: "Delta"}
	type step struct {
		msg *mparticle.AudienceMembershipChangeRequest
		// want is the expected full membership per user after the step.
		want map[string][]int64
		// in is the expected "In <name>" booleans per user after the step
		// (audiences never touched stay absent).
		in map[string]map[string]bool
	}
	steps := []step{
		{
			msg: membershipMessage("m1",
				profile("u1", joined(30, "Gamma"), joined(1, "Alpha"), joined(2, "Beta")),
				profile("u2", joined(2, "Beta"))),
			want: map[string][]int64{"u1": {1, 2, 30}, "u2": {2}},
			in:   map[string]map[string]bool{"u1": {"Alpha": true, "Beta": true, "Gamma": true}, "u2": {"Beta": true}},
		},
		{
			msg: membershipMessage("m2",
				profile("u1", left(1, "Alpha"), joined(400, "Delta")),
				profile("u2", left(2, "Beta"))),
			want: map[string][]int64{"u1": {2, 30, 400}, "u2": {}},
			in:   map[string]map[string]bool{"u1": {"Alpha": false, "Beta": true, "Gamma": true, "Delta": true}, "u2": {"Beta": false}},
		},
		{
			msg: membershipMessage("m3",
				profile("u1", joined(1, "Alpha"), left(30, "Gamma")),
				profile("u2", joined(400, "Delta"))),
			want: map[string][]int64{"u1": {1, 2, 400}, "u2": {400}},
			in: map[string]map[string]bool{
				"u1": {"Alpha": true, "Beta": true, "Gamma": false, "Delta": true},
				"u2": {"Beta": false, "Delta": true},
			},
		},
	}

	for f := mapping.SegmentFormat(1); f <= mapping.SegmentsAsString|mapping.SegmentsAsArray|mapping.SegmentsPerAttribute; f++ {
		t.Run(f.String(), func(t *testing.T) {
			srv, c := fakeBraze(t)
			am, err := mapping.NewAudienceMapper(mapping.AudienceSettings{SendSegmentsAs: f}, nil)
			require.NoError(t, err)
			for i, st := range steps {
				send(t, am, c, st.msg)
				for user, ids := range st.want {
					attrs := stored(t, srv, user)
					idStrs := make([]string, len(ids))
					for j, id := range ids {
						idStrs[j] = fmt.Sprint(id)
					}

					v, ok := attrs[mapping.SegmentMembershipAttribute]
					if f.Has(mapping.SegmentsAsString) {
						if len(ids) == 0 {
							// Braze stores the blank string; the fake keeps "".
							assert.Equal(t, "", v, "step %d user %s", i, user)
						} else {
							assert.Equal(t, strings.Join(idStrs, ","), v, "step %d user %s", i, user)
						}
					} else {
						assert.False(t, ok, "step %d: SegmentMembership sent without the string form", i)
					}

					v, ok = attrs[mapping.SegmentMembershipArrayAttribute]
					if f.Has(mapping.SegmentsAsArray) {
						want := slices.Clone(idStrs)
						slices.Sort(want)
						assert.Equal(t, want, arraySet(v), "step %d user %s", i, user)
					} else {
						assert.False(t, ok, "step %d: SegmentMembershipArray sent without the array form", i)
					}

					for _, name := range names {
						v, ok := attrs["In "+name]
						wantIn, touched := st.in[user][name]
						if f.Has(mapping.SegmentsPerAttribute) && touched {
							assert.Equal(t, wantIn, v, "step %d user %s In %s", i, user, name)
						} else {
							assert.False(t, ok, "step %d user %s: unexpected In %s", i, user, name)
						}
					}
				}
			}
		})
	}
}

// TestAudienceIdentitiesAgainstBraze: only users with the raw external
// identity reach Braze; a raw email is stored, a hashed one is not; push
// tokens go out only for the API key's OS; attribute updates set and delete.
func TestAudienceIdentitiesAgainstBraze(t *testing.T) {
	srv, c := fakeBraze(t)
	am, err := mapping.NewAudienceMapper(mapping.AudienceSettings{APIKeyOS: mapping.APIKeyOSAndroid, AppID: "android-app"}, nil)
	require.NoError(t, err)

	gold := "gold"
	withEmail := profile("c-email", joined(1, "One"))
	withEmail.UserIdentities = append(withEmail.UserIdentities, mparticle.Identity{Type: mparticle.UserIdentityEmail, Encoding: mparticle.EncodingRaw, Value: "ada@example.org"})
	withEmail.DeviceIdentities = []mparticle.Identity{
		{Type: mparticle.DeviceIdentityGoogleCloudMessagingToken, Encoding: mparticle.EncodingRaw, Value: "fcm-token-1"},
		{Type: mparticle.DeviceIdentityApplePushNotificationToken, Encoding: mparticle.EncodingRaw, Value: "apns-token-1"},
	}
	hashedEmail := profile("c-hashed-email", joined(1, "One"))
	hashedEmail.UserIdentities = append(hashedEmail.UserIdentities, mparticle.Identity{Type: mparticle.UserIdentityEmail, Encoding: mparticle.EncodingSHA256, Value: "5f0c7d2b8e4a1f96"})
	hashedCustomer := mparticle.UserProfile{MPID: "9", UserIdentities: []mparticle.Identity{{Type: mparticle.UserIdentityCustomer, Encoding: mparticle.EncodingSHA256, Value: "abcdef0123"}}, Audiences: []mparticle.Audience{joined(1, "One")}}
	noCustomer := mparticle.UserProfile{MPID: "10", UserIdentities: []mparticle.Identity{{Type: mparticle.UserIdentityEmail, Encoding: mparticle.EncodingRaw, Value: "x@example.org"}}, Audiences: []mparticle.Audience{joined(1, "One")}}
	attrs := profile("c-attrs", mparticle.Audience{AudienceID: 5, AudienceName: "Five", Action: mparticle.AudienceAttributeUpdate,
		UserAttributes: []mparticle.AudienceUserAttribute{
			{Key: "tier", Value: &gold, Action: mparticle.AttributeUpsert},
			{Key: "favorite_categories", ListValue: []string{"outdoor", "books"}, Action: mparticle.AttributeUpsert},
		}})

	res := send(t, am, c, membershipMessage("ids", withEmail, hashedEmail, hashedCustomer, noCustomer, attrs))
	require.Len(t, res.Skipped, 2)
	assert.Equal(t, mapping.SkipHashedExternalID, res.Skipped[0].Reason)
	assert.Equal(t, mapping.SkipNoExternalID, res.Skipped[1].Reason)

	assert.Len(t, srv.Users(), 3, "skipped users never reach Braze")
	a := stored(t, srv, "c-email")
	assert.Equal(t, "ada@example.org", a["email"])
	assert.Equal(t, []any{map[string]any{"app_id": "android-app", "token": "fcm-token-1"}}, a["push_tokens"])
	a = stored(t, srv, "c-hashed-email")
	assert.NotContains(t, a, "email")
	assert.Equal(t, "1", a[mapping.SegmentMembershipAttribute])
	a = stored(t, srv, "c-attrs")
	assert.Equal(t, "gold", a["tier"])
	assert.Equal(t, []any{"outdoor", "books"}, a["favorite_categories"])
	assert.NotContains(t, a, mapping.SegmentMembershipAttribute, "an attribute update alone changes no membership")

	// A later delete removes the attribute in Braze.
	send(t, am, c, membershipMessage("del", profile("c-attrs", mparticle.Audience{AudienceID: 5, AudienceName: "Five", Action: mparticle.AudienceAttributeUpdate,
		UserAttributes: []mparticle.AudienceUserAttribute{{Key: "tier", Action: mparticle.AttributeDelete}}})))
	a = stored(t, srv, "c-attrs")
	assert.NotContains(t, a, "tier")
	assert.Contains(t, a, "favorite_categories")
}

// TestAudienceTooLongAgainstBraze: a membership over 255 characters is an
// error for that user and leaves Braze's previous value in place rather
// than sending a cut list; the others in the message are updated.
func TestAudienceTooLongAgainstBraze(t *testing.T) {
	srv, c := fakeBraze(t)
	am, err := mapping.NewAudienceMapper(mapping.AudienceSettings{SendSegmentsAs: mapping.SegmentsAsString | mapping.SegmentsAsArray}, nil)
	require.NoError(t, err)

	send(t, am, c, membershipMessage("first", profile("big", joined(1000000, "A"))))
	var many []mparticle.Audience
	for i := 1; i < 40; i++ {
		many = append(many, joined(int64(1000000+i), fmt.Sprint("A", i)))
	}
	res := send(t, am, c, membershipMessage("grow", profile("big", many...), profile("small", joined(7, "Seven"))))
	require.Len(t, res.Errors, 1)
	assert.ErrorIs(t, res.Errors[0], mapping.ErrSegmentMembershipTooLong)

	big := stored(t, srv, "big")
	assert.Equal(t, "1000000", big[mapping.SegmentMembershipAttribute], "previous value kept, never a cut list")
	assert.Len(t, arraySet(big[mapping.SegmentMembershipArrayAttribute]), 40, "the array form is still sent")
	assert.Equal(t, "7", stored(t, srv, "small")[mapping.SegmentMembershipAttribute])
}

// TestClearAudienceAgainstBraze: ClearAudience marks every stored member as
// having left.
func TestClearAudienceAgainstBraze(t *testing.T) {
	srv, c := fakeBraze(t)
	all := mapping.SegmentsAsString | mapping.SegmentsAsArray | mapping.SegmentsPerAttribute
	am, err := mapping.NewAudienceMapper(mapping.AudienceSettings{SendSegmentsAs: all}, nil)
	require.NoError(t, err)
	send(t, am, c, membershipMessage("m", profile("a", joined(1, "One"), joined(2, "Two")), profile("b", joined(1, "One"))))

	res, err := am.ClearAudience(context.Background(), 1, "One")
	require.NoError(t, err)
	require.Len(t, res.Attributes, 2)
	track(t, c, res)
	a := stored(t, srv, "a")
	assert.Equal(t, "2", a[mapping.SegmentMembershipAttribute])
	assert.Equal(t, []string{"2"}, arraySet(a[mapping.SegmentMembershipArrayAttribute]))
	assert.Equal(t, false, a["In One"])
	assert.Equal(t, true, a["In Two"])
	b := stored(t, srv, "b")
	assert.Equal(t, "", b[mapping.SegmentMembershipAttribute])
	assert.Equal(t, false, b["In One"])

	members, err := am.Store().Members(context.Background(), 1)
	require.NoError(t, err)
	assert.Empty(t, members)
}

// TestAudiencePushTokensPerOSAgainstBraze: only the token type of the API
// key's OS is stored, with the configured app id.
func TestAudiencePushTokensPerOSAgainstBraze(t *testing.T) {
	devices := []mparticle.Identity{
		{Type: mparticle.DeviceIdentityIOSVendorID, Encoding: mparticle.EncodingRaw, Value: "6f1c2a9e-3b4d-4e5f"},
		{Type: mparticle.DeviceIdentityApplePushNotificationToken, Encoding: mparticle.EncodingRaw, Value: "apns-1"},
		{Type: mparticle.DeviceIdentityGoogleCloudMessagingToken, Encoding: mparticle.EncodingRaw, Value: "fcm-1"},
		{Type: mparticle.DeviceIdentityGoogleCloudMessagingToken, Encoding: mparticle.EncodingSHA256, Value: "fcm-hashed"},
	}
	cases := []struct {
		os    mapping.APIKeyOS
		appID string
		want  any
	}{
		{mapping.APIKeyOSUnselected, "", nil},
		{mapping.APIKeyOSWeb, "web-app", nil},
		{mapping.APIKeyOSiOS, "ios-app", []any{map[string]any{"app_id": "ios-app", "token": "apns-1"}}},
		{mapping.APIKeyOSAndroid, "android-app", []any{map[string]any{"app_id": "android-app", "token": "fcm-1"}}},
	}
	for _, c := range cases {
		t.Run(c.os.String(), func(t *testing.T) {
			srv, cl := fakeBraze(t)
			am, err := mapping.NewAudienceMapper(mapping.AudienceSettings{APIKeyOS: c.os, AppID: c.appID}, nil)
			require.NoError(t, err)
			p := profile("u", joined(1, "One"))
			p.DeviceIdentities = devices
			send(t, am, cl, membershipMessage("m", p))
			assert.Equal(t, c.want, stored(t, srv, "u")["push_tokens"])
		})
	}
}
