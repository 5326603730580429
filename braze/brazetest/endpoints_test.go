package brazetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seedUsers(t *testing.T, s *Server, ids ...string) {
	t.Helper()
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf(`{"external_id":%q,"email":"%s@example.com","seeded":true}`, id, id))
	}
	r := post(t, s, "/users/track", `{"attributes":[`+strings.Join(parts, ",")+`]}`)
	require.Equal(t, 201, r.status, r.raw)
}

func fifty1(item string) string {
	items := make([]string, 51)
	for i := range items {
		items[i] = item
	}
	return strings.Join(items, ",")
}

func TestAliasNewAndIdentify(t *testing.T) {
	s := newServer(t)
	seedUsers(t, s, "known")
	r := post(t, s, "/users/alias/new", `{"user_aliases":[{"alias_name":"mp-1","alias_label":"mparticle_id"},
		{"external_id":"known","alias_name":"crm-9","alias_label":"crm"},{"external_id":"nobody","alias_name":"x","alias_label":"y"}]}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.JSONEq(t, `{"aliases_processed":3,"message":"success"}`, r.raw)
	anon, ok := s.UserByAlias("mp-1", "mparticle_id")
	require.True(t, ok)
	assert.Equal(t, "", anon.ExternalID)
	k, _ := s.User("known")
	assert.Equal(t, []Alias{{Name: "crm-9", Label: "crm"}}, k.Aliases)
	_, ok = s.UserByAlias("x", "y")
	assert.False(t, ok, "alias for an unknown external_id goes to nobody")

	// Data on the anonymous profile, then identify: merged into the known user.
	require.Equal(t, 201, post(t, s, "/users/track", `{"events":[{"user_alias":{"alias_name":"mp-1","alias_label":"mparticle_id"},"name":"anon_event","time":"2025-01-01T00:00:00Z"}],
		"attributes":[{"user_alias":{"alias_name":"mp-1","alias_label":"mparticle_id"},"color":"red"}]}`).status)
	r = post(t, s, "/users/identify", `{"aliases_to_identify":[{"external_id":"known","user_alias":{"alias_name":"mp-1","alias_label":"mparticle_id"}}]}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.JSONEq(t, `{"aliases_processed":1,"message":"success"}`, r.raw)
	k, _ = s.User("known")
	assert.Equal(t, "red", k.Attributes["color"])
	require.Len(t, k.Events, 1)
	assert.Equal(t, "anon_event", k.Events[0].Name)
	assert.Contains(t, k.Aliases, Alias{Name: "mp-1", Label: "mparticle_id"})
	assert.Len(t, s.Users(), 1, "the anonymous profile is gone")

	// Identify with an unknown external_id: the id is added to the anonymous profile.
	post(t, s, "/users/alias/new", `{"user_aliases":[{"alias_name":"mp-2","alias_label":"mparticle_id"}]}`)
	post(t, s, "/users/identify", `{"aliases_to_identify":[{"external_id":"fresh","user_alias":{"alias_name":"mp-2","alias_label":"mparticle_id"}}]}`)
	f, ok := s.User("fresh")
	require.True(t, ok)
	assert.Equal(t, []Alias{{Name: "mp-2", Label: "mparticle_id"}}, f.Aliases)

	// Email identify.
	post(t, s, "/users/track", `{"attributes":[{"email":"solo@example.com","x":1}]}`)
	r = post(t, s, "/users/identify", `{"emails_to_identify":[{"external_id":"known","email":"solo@example.com","prioritization":["unidentified"]}]}`)
	require.Equal(t, 201, r.status, r.raw)
	k, _ = s.User("known")
	assert.Equal(t, int64(1), k.Attributes["x"])

	for body, msg := range map[string]string{
		`{}`: "one of 'aliases_to_identify', 'emails_to_identify' or 'phone_numbers_to_identify' is required",
		`{"aliases_to_identify":[` + fifty1(`{"external_id":"a","user_alias":{"alias_name":"n","alias_label":"l"}}`) + `]}`: MsgTooManyIDs,
		`{"emails_to_identify":[{"external_id":"a","email":"a@b.co","prioritization":["identified","unidentified"]}]}`:      "emails_to_identify[0]: 'prioritization' cannot contain both 'identified' and 'unidentified'",
		`{"emails_to_identify":[{"external_id":"a","email":"a@b.co"}]}`:                                                     "emails_to_identify[0]: 'prioritization' is required",
		`{"aliases_to_identify":[{"user_alias":{"alias_name":"n","alias_label":"l"}}]}`:                                     "aliases_to_identify[0]: 'external_id' is required",
	} {
		r := post(t, s, "/users/identify", body)
		assert.Equal(t, 400, r.status, body)
		assert.Equal(t, msg, r.body["message"])
	}
	r = post(t, s, "/users/alias/new", `{"user_aliases":[`+fifty1(`{"alias_name":"n","alias_label":"l"}`)+`]}`)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, MsgTooManyIDs, r.body["message"])
	r = post(t, s, "/users/alias/new", `{"user_aliases":[{"alias_name":"","alias_label":"l"}]}`)
	assert.Equal(t, 400, r.status)
}

func TestMerge(t *testing.T) {
	s := newServer(t)
	seedUsers(t, s, "keep", "old")
	post(t, s, "/users/track", `{"events":[{"external_id":"old","name":"e","time":"2025-01-01T00:00:00Z"}]}`)
	r := post(t, s, "/users/merge", `{"merge_updates":[{"identifier_to_merge":{"external_id":"old"},"identifier_to_keep":{"external_id":"keep"}}]}`)
	require.Equal(t, 202, r.status, r.raw)
	assert.JSONEq(t, `{"message":"success"}`, r.raw)
	_, ok := s.User("old")
	assert.False(t, ok)
	k, _ := s.User("keep")
	assert.Len(t, k.Events, 1)

	for body, msg := range map[string]string{
		`{}`:                    "'merge_updates' must be an array of objects",
		`{"merge_updates":[1]}`: "'merge_updates' must be an array of objects",
		`{"merge_updates":[{"identifier_to_merge":{"external_id":"a"}}]}`:                                                            "'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'",
		`{"merge_updates":[{"identifier_to_merge":{"external_id":5},"identifier_to_keep":{"external_id":"a"}}]}`:                     "identifiers must be objects with an 'external_id' property that is a string, a 'user_alias' property that is an object, an 'email' property that is a string, or a 'phone' property that is a string",
		`{"merge_updates":[` + fifty1(`{"identifier_to_merge":{"external_id":"a"},"identifier_to_keep":{"external_id":"b"}}`) + `]}`: "a single request may not contain more than 50 merge updates",
	} {
		r := post(t, s, "/users/merge", body)
		assert.Equal(t, 400, r.status, body)
		assert.Equal(t, msg, r.body["message"], body)
	}
}

func TestDelete(t *testing.T) {
	s := newServer(t)
	seedUsers(t, s, "a", "b", "c")
	r := post(t, s, "/users/delete", `{"external_ids":["a","b","missing"]}`)
	require.Equal(t, 201, r.status)
	assert.Equal(t, float64(2), r.body["deleted"])
	r = post(t, s, "/users/delete", `{"email_addresses":[{"email":"c@example.com","prioritization":["most_recently_updated"]}]}`)
	assert.Equal(t, float64(1), r.body["deleted"])
	assert.Empty(t, s.Users())

	assert.Equal(t, 400, post(t, s, "/users/delete", `{"external_ids":["a"],"braze_ids":["b"]}`).status)
	assert.Equal(t, 400, post(t, s, "/users/delete", `{}`).status)
	r = post(t, s, "/users/delete", `{"external_ids":[`+fifty1(`"x"`)+`]}`)
	assert.Equal(t, MsgTooManyIDs, r.body["message"])
}

func TestSubscriptionStatus(t *testing.T) {
	s := newServer(t)
	seedUsers(t, s, "a", "b")
	g := "a1b2c3d4-0000-4000-8000-123456789abc"
	r := post(t, s, "/v2/subscription/status/set", `{"subscription_groups":[{"subscription_group_id":"`+g+`","subscription_state":"subscribed","external_ids":["a"]},
		{"subscription_group_id":"g2","subscription_state":"unsubscribed","emails":["b@example.com"]}]}`)
	require.Equal(t, 201, r.status, r.raw)
	a, _ := s.User("a")
	assert.Equal(t, "subscribed", a.Subscriptions[g])
	b, _ := s.User("b")
	assert.Equal(t, "unsubscribed", b.Subscriptions["g2"])

	for body, msg := range map[string]string{
		`{"subscription_groups":[{"subscription_group_id":"g","subscription_state":"subscribed","emails":["a@b.co"],"phones":["+15555550100"]}]}`: "Either an email address or a phone number should be provided, but not both.",
		`{"subscription_groups":[{"subscription_group_id":"g","subscription_state":"subscribed","phones":["555-0100"]}]}`:                         `subscription_groups[0]: phone "555-0100" is not in E.164 format`,
		`{"subscription_groups":[{"subscription_group_id":"g","subscription_state":"maybe","external_ids":["a"]}]}`:                               "subscription_groups[0]: 'subscription_state' must be 'subscribed' or 'unsubscribed'",
		`{"subscription_groups":[{"subscription_group_id":"g","subscription_state":"subscribed","external_ids":[` + fifty1(`"x"`) + `]}]}`:        "subscription_groups[0]: " + MsgTooManyIDs,
		`{"subscription_groups":[]}`: "'subscription_groups' must not be empty",
	} {
		r := post(t, s, "/v2/subscription/status/set", body)
		assert.Equal(t, 400, r.status, body)
		assert.Equal(t, msg, r.body["message"], body)
	}
}

func TestRename(t *testing.T) {
	s := newServer(t)
	seedUsers(t, s, "old", "taken")
	r := post(t, s, "/users/external_ids/rename", `{"external_id_renames":[{"current_external_id":"old","new_external_id":"new"},
		{"current_external_id":"ghost","new_external_id":"x"},{"current_external_id":"taken","new_external_id":"new"},
		{"current_external_id":"taken","new_external_id":"taken"}]}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.JSONEq(t, `{"message":"success","external_ids":["old"],"rename_errors":[
		[1,"'current_external_id' is not a primary external id"],[2,"new_external_id is already in use"],
		[3,"'current_external_id' and 'new_external_id' must differ"]]}`, r.raw)
	n, ok := s.User("new")
	require.True(t, ok)
	assert.Equal(t, "new", n.ExternalID)
	assert.Equal(t, []string{"old"}, n.DeprecatedExternalIDs)
	o, ok := s.User("old")
	require.True(t, ok, "a deprecated id still resolves")
	assert.Equal(t, n.BrazeID, o.BrazeID)
	assert.Equal(t, 400, post(t, s, "/users/external_ids/rename", `{"external_id_renames":[]}`).status)
}
