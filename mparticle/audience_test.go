package mparticle

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAudienceMembershipFixture(t *testing.T) {
	in := mustRead(t, "testdata/audience_membership_change_request.json")
	m, err := DecodeAudienceMembershipChangeRequest(in)
	require.NoError(t, err)
	require.NoError(t, m.Validate())

	assert.Equal(t, MessageAudienceMembershipChangeRequest, m.Type)
	assert.Equal(t, int64(1714600000000), m.TimestampMS)
	assert.Equal(t, int64(40211), m.Account.AccountID)
	require.Len(t, m.UserProfiles, 1)
	p := m.UserProfiles[0]
	assert.Equal(t, "4611686018427387904", p.MPID)
	assert.Equal(t, Identity{Type: UserIdentityCustomer, Encoding: EncodingRaw, Value: "cust-88412"}, stripPresence(p.UserIdentities[0]))
	assert.Equal(t, EncodingSHA256, p.UserIdentities[1].Encoding)
	assert.Equal(t, DeviceIdentityApplePushNotificationToken, p.DeviceIdentities[1].Type)
	require.Len(t, p.Audiences, 3)
	assert.Equal(t, AudienceAdd, p.Audiences[0].Action)
	assert.Equal(t, "L-901", p.Audiences[0].AudienceSubscriptionSettings["listId"])
	assert.Equal(t, AudienceDelete, p.Audiences[1].Action)
	up := p.Audiences[2].UserAttributes
	require.Len(t, up, 3)
	require.NotNil(t, up[0].Value)
	assert.Equal(t, "gold", *up[0].Value)
	assert.Nil(t, up[1].Value)
	assert.Equal(t, []string{"outdoor", "books"}, up[1].ListValue)
	assert.Equal(t, AttributeDelete, up[2].Action)

	out, err := json.Marshal(m)
	require.NoError(t, err)
	requireSameJSON(t, in, out)

	msg, err := DecodeAudienceMessage(in)
	require.NoError(t, err)
	assert.IsType(t, &AudienceMembershipChangeRequest{}, msg)
	assert.Equal(t, MessageAudienceMembershipChangeRequest, msg.MessageType())
}

func stripPresence(id Identity) Identity {
	return Identity{Type: id.Type, Encoding: id.Encoding, Value: id.Value}
}

func TestAudienceSubscription(t *testing.T) {
	in := []byte(`{"type":"audience_subscription_request","id":"x","timestamp_ms":1,"firehose_version":"3.2.0",
		"account":{"account_id":7,"account_settings":{"apiKey":"k"}},"audience_id":11034,"audience_name":"Lapsed",
		"action":"update","audience_description":"d","audience_subscription_settings":{"listId":"L"},
		"previous_audience_subscription_settings":{"listId":"K"},"future":1}`)
	msg, err := DecodeAudienceMessage(in)
	require.NoError(t, err)
	s, ok := msg.(*AudienceSubscriptionRequest)
	require.True(t, ok)
	require.NoError(t, s.Validate())
	assert.Equal(t, SubscriptionUpdate, s.Action)
	assert.Equal(t, "K", s.PreviousAudienceSubscriptionSettings["listId"])
	out, err := json.Marshal(s)
	require.NoError(t, err)
	requireSameJSON(t, in, out)

	bad := &AudienceSubscriptionRequest{Action: "pause"}
	assert.Equal(t, []string{
		`type: "", want "audience_subscription_request"`,
		`account: required`,
		`action: "pause" is not one of add, update, remove`,
	}, problems(t, bad.Validate()))
}

func TestAudienceValidateProblems(t *testing.T) {
	m, err := DecodeAudienceMembershipChangeRequest([]byte(`{"type":"audience_membership_change_request",
		"account":{"account_id":0},
		"user_profiles":[{"user_identities":[{"type":"passport","encoding":"rot13","value":""}],
		  "device_identities":[{"type":"customer","encoding":"raw","value":"x"}],
		  "partner_identities":[{"type":"Partner_X","encoding":"raw","value":"p"}],
		  "audiences":[{"audience_id":0,"action":"join","user_attributes":[{"action":"merge"}]}]}]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{
		`account.account_id: 0 is not a valid account id`,
		`user_profiles[0].mpid: required`,
		`user_profiles[0].user_identities[0].type: "passport" is not one of other, customer, facebook, twitter, google, microsoft, yahoo, email, other2, other3, other4, other5, other6, other7, other8, other9, other10, mobile_number, phone_number_2, phone_number_3`,
		`user_profiles[0].user_identities[0].encoding: "rot13" is not one of raw, md5, sha1, sha256`,
		`user_profiles[0].user_identities[0].value: required`,
		`user_profiles[0].device_identities[0].type: "customer" is not one of android_id, google_advertising_id, ios_advertising_id, ios_vendor_id, google_cloud_messaging_token, apple_push_notification_token, roku_advertising_id, roku_publisher_id, microsoft_advertising_id, microsoft_publisher_id, fire_advertising_id`,
		`user_profiles[0].audiences[0].audience_id: 0 is not a valid audience id`,
		`user_profiles[0].audiences[0].action: "join" is not one of add, delete, attribute_update`,
		`user_profiles[0].audiences[0].user_attributes[0].key: required`,
		`user_profiles[0].audiences[0].user_attributes[0].action: "merge" is not one of upsert, delete`,
	}, problems(t, m.Validate()))

	var nilMsg *AudienceMembershipChangeRequest
	assert.Error(t, nilMsg.Validate())
}

func TestDecodeAudienceMessageErrors(t *testing.T) {
	_, err := DecodeAudienceMessage([]byte(`{"type":"dsr_processing_request"}`))
	assert.ErrorContains(t, err, `"dsr_processing_request" is not an audience message type`)
	_, err = DecodeAudienceMessage([]byte(`{"type":`))
	var de *DecodeError
	assert.ErrorAs(t, err, &de)
	_, err = DecodeAudienceMembershipChangeRequest([]byte(`{"user_profiles":[{"audiences":[{"audience_id":"x"}]}]}`))
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "user_profiles[0].audiences[0].audience_id", de.Path)
	_, err = DecodeAudienceSubscriptionRequest([]byte(`[]`))
	assert.Error(t, err)
}

func TestAudienceBuiltInGo(t *testing.T) {
	gold := "gold"
	m := &AudienceMembershipChangeRequest{
		Type:    MessageAudienceMembershipChangeRequest,
		Account: &Account{AccountID: 1},
		UserProfiles: []UserProfile{{MPID: "1", Audiences: []Audience{{AudienceID: 5, Action: AudienceAttributeUpdate,
			UserAttributes: []AudienceUserAttribute{{Key: "tier", Value: &gold, Action: AttributeUpsert}}}}}},
	}
	require.NoError(t, m.Validate())
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"audience_membership_change_request","account":{"account_id":1},
		"user_profiles":[{"mpid":"1","audiences":[{"audience_id":5,"action":"attribute_update",
		"user_attributes":[{"key":"tier","value":"gold","action":"upsert"}]}]}]}`, string(out))
}
