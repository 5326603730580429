package braze

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type validator interface{ Validate() error }

func TestEndpointRequestsValid(t *testing.T) {
	valid := []validator{
		&AliasNewRequest{UserAliases: []NewAlias{{AliasName: "n", AliasLabel: "l"}, {ExternalID: "x", AliasName: "n2", AliasLabel: "l"}}},
		&IdentifyRequest{
			AliasesToIdentify:      []AliasToIdentify{{ExternalID: "x", UserAlias: UserAlias{"8217361", "mparticle_id"}}},
			EmailsToIdentify:       []EmailToIdentify{{ExternalID: "x", Email: "a@b.co", Prioritization: []Prioritization{PrioritizeUnidentified, PrioritizeMostRecentlyUpdated}}},
			PhoneNumbersToIdentify: []PhoneToIdentify{{ExternalID: "x", Phone: "+15550100", Prioritization: []Prioritization{PrioritizeIdentified}}},
		},
		&MergeRequest{MergeUpdates: []MergeUpdate{
			{IdentifierToMerge: MergeIdentifier{ExternalID: "old"}, IdentifierToKeep: MergeIdentifier{ExternalID: "new"}},
			{IdentifierToMerge: MergeIdentifier{UserAlias: &UserAlias{"n", "l"}}, IdentifierToKeep: MergeIdentifier{Email: "a@b.co", Prioritization: []Prioritization{PrioritizeIdentified}}},
		}},
		&DeleteRequest{ExternalIDs: []string{"a", "b"}},
		&DeleteRequest{UserAliases: []UserAlias{{"n", "l"}}},
		&DeleteRequest{BrazeIDs: []string{"b"}},
		&DeleteRequest{EmailAddresses: []EmailToDelete{{Email: "a@b.co", Prioritization: []Prioritization{PrioritizeUnidentified}}}},
		&DeleteRequest{PhoneNumbers: []PhoneToDelete{{Phone: "+15550100"}}},
		&SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{
			{SubscriptionGroupID: "g1", SubscriptionState: SubscriptionSubscribed, ExternalIDs: []string{"x"}, Emails: []string{"a@b.co"}},
			{SubscriptionGroupID: "g2", SubscriptionState: SubscriptionUnsubscribed, Phones: []string{"+15550100"}, UseDoubleOptInLogic: true},
		}},
		&ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a", NewExternalID: "b"}, {CurrentExternalID: "c", NewExternalID: "d"}}},
	}
	for _, v := range valid {
		assert.NoError(t, v.Validate(), "%T %+v", v, v)
	}
}

func fiftyOne[T any](mk func(i int) T) []T {
	out := make([]T, 51)
	for i := range out {
		out[i] = mk(i)
	}
	return out
}

func TestEndpointValidationErrors(t *testing.T) {
	alias := func(i int) NewAlias { return NewAlias{AliasName: fmt.Sprint("n", i), AliasLabel: "l"} }
	prio := []Prioritization{PrioritizeIdentified}
	cases := []struct {
		name string
		req  validator
		want string
	}{
		{"alias/new empty", &AliasNewRequest{}, "user_aliases: is empty; nothing to send"},
		{"alias/new 51", &AliasNewRequest{UserAliases: fiftyOne(alias)}, "user_aliases: 51 items, over the limit of 50 per request"},
		{"alias/new empty name", &AliasNewRequest{UserAliases: []NewAlias{{AliasLabel: "l"}}}, "user_aliases[0].alias_name: is empty"},
		{"alias/new long external id", &AliasNewRequest{UserAliases: []NewAlias{{ExternalID: strings.Repeat("x", 988), AliasName: "n", AliasLabel: "l"}}}, "user_aliases[0].external_id: "},

		{"identify empty", &IdentifyRequest{}, "aliases_to_identify+emails_to_identify+phone_numbers_to_identify: is empty"},
		{"identify 51 in total", &IdentifyRequest{
			AliasesToIdentify: fiftyOne(func(i int) AliasToIdentify {
				return AliasToIdentify{ExternalID: "x", UserAlias: UserAlias{fmt.Sprint(i), "l"}}
			})[:30],
			EmailsToIdentify: fiftyOne(func(i int) EmailToIdentify {
				return EmailToIdentify{ExternalID: "x", Email: "a@b.co", Prioritization: prio}
			})[:21],
		}, "51 items, over the limit of 50 per request"},
		{"identify alias without external id", &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{UserAlias: UserAlias{"n", "l"}}}}, "aliases_to_identify[0].external_id: is required"},
		{"identify alias bad alias", &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "x"}}}, "aliases_to_identify[0].user_alias.alias_name: is empty"},
		{"identify email without prioritization", &IdentifyRequest{EmailsToIdentify: []EmailToIdentify{{ExternalID: "x", Email: "a@b.co"}}}, "emails_to_identify[0].prioritization: is required"},
		{"identify bad email", &IdentifyRequest{EmailsToIdentify: []EmailToIdentify{{ExternalID: "x", Email: "nope", Prioritization: prio}}}, `emails_to_identify[0].email: "nope" is not an email address`},
		{"identify exclusive prioritization", &IdentifyRequest{EmailsToIdentify: []EmailToIdentify{{ExternalID: "x", Email: "a@b.co", Prioritization: []Prioritization{PrioritizeIdentified, PrioritizeUnidentified}}}}, "has both identified and unidentified"},
		{"identify unknown prioritization", &IdentifyRequest{PhoneNumbersToIdentify: []PhoneToIdentify{{ExternalID: "x", Phone: "+1555", Prioritization: []Prioritization{"newest"}}}}, `phone_numbers_to_identify[0].prioritization[0]: "newest" is not one of identified, unidentified, most_recently_updated, least_recently_updated`},
		{"identify duplicate prioritization", &IdentifyRequest{PhoneNumbersToIdentify: []PhoneToIdentify{{ExternalID: "x", Phone: "+1555", Prioritization: []Prioritization{PrioritizeIdentified, PrioritizeIdentified}}}}, `prioritization[1]: "identified" appears twice`},
		{"identify blank phone", &IdentifyRequest{PhoneNumbersToIdentify: []PhoneToIdentify{{ExternalID: "x", Phone: " ", Prioritization: prio}}}, "phone_numbers_to_identify[0].phone: \" \" is blank"},

		{"merge empty", &MergeRequest{}, "merge_updates: is empty"},
		{"merge 51", &MergeRequest{MergeUpdates: fiftyOne(func(i int) MergeUpdate {
			return MergeUpdate{IdentifierToMerge: MergeIdentifier{ExternalID: fmt.Sprint("a", i)}, IdentifierToKeep: MergeIdentifier{ExternalID: "b"}}
		})}, "merge_updates: 51 items"},
		{"merge no identifier", &MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToKeep: MergeIdentifier{ExternalID: "b"}}}}, "merge_updates[0].identifier_to_merge: names no profile"},
		{"merge two identifiers", &MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToMerge: MergeIdentifier{ExternalID: "a", Email: "a@b.co"}, IdentifierToKeep: MergeIdentifier{ExternalID: "b"}}}}, "merge_updates[0].identifier_to_merge: names more than one"},
		{"merge into itself", &MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToMerge: MergeIdentifier{ExternalID: "a"}, IdentifierToKeep: MergeIdentifier{ExternalID: "a"}}}}, "merge_updates[0]: merges a profile into itself"},
		{"merge prioritization without email", &MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToMerge: MergeIdentifier{ExternalID: "a", Prioritization: prio}, IdentifierToKeep: MergeIdentifier{ExternalID: "b"}}}}, "identifier_to_merge.prioritization: is only valid with email or phone"},
		{"merge bad alias", &MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToMerge: MergeIdentifier{UserAlias: &UserAlias{AliasName: "n"}}, IdentifierToKeep: MergeIdentifier{Phone: "+1555"}}}}, "identifier_to_merge.user_alias.alias_label: is empty"},

		{"delete nothing", &DeleteRequest{}, "names no users"},
		{"delete two kinds", &DeleteRequest{ExternalIDs: []string{"a"}, BrazeIDs: []string{"b"}}, `"external_ids+braze_ids" must be exactly one id list per request`},
		{"delete 51", &DeleteRequest{ExternalIDs: fiftyOne(func(i int) string { return fmt.Sprint(i) })}, "external_ids: 51 items, over the limit of 50"},
		{"delete empty external id", &DeleteRequest{ExternalIDs: []string{""}}, "external_ids[0]: is required"},
		{"delete bad alias", &DeleteRequest{UserAliases: []UserAlias{{}}}, "user_aliases[0].alias_name: is empty"},
		{"delete blank braze id", &DeleteRequest{BrazeIDs: []string{" "}}, "braze_ids[0]: \" \" is blank"},
		{"delete bad email", &DeleteRequest{EmailAddresses: []EmailToDelete{{Email: "x"}}}, "email_addresses[0].email"},
		{"delete least_recently_updated", &DeleteRequest{PhoneNumbers: []PhoneToDelete{{Phone: "+1555", Prioritization: []Prioritization{PrioritizeLeastRecentlyUpdated}}}}, `phone_numbers[0].prioritization[0]: "least_recently_updated" is not one of identified, unidentified, most_recently_updated`},

		{"subscription empty", &SubscriptionStatusSetRequest{}, "subscription_groups: is empty"},
		{"subscription no group id", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionState: SubscriptionSubscribed, ExternalIDs: []string{"x"}}}}, "subscription_groups[0].subscription_group_id: is empty"},
		{"subscription opted_in", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionOptedIn, ExternalIDs: []string{"x"}}}}, `subscription_groups[0].subscription_state: "opted_in" is not subscribed or unsubscribed`},
		{"subscription no users", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionSubscribed}}}, "subscription_groups[0]: names no users"},
		{"subscription emails and phones", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionSubscribed, Emails: []string{"a@b.co"}, Phones: []string{"+15550100"}}}}, "subscription_groups[0]: has both emails and phones"},
		{"subscription 51 ids", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionSubscribed, ExternalIDs: fiftyOne(func(i int) string { return fmt.Sprint(i) })}}}, "subscription_groups[0].external_ids: 51 items, over the limit of 50"},
		{"subscription non-E.164 phone", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionSubscribed, Phones: []string{"555-0100"}}}}, `subscription_groups[0].phones[0]: "555-0100" is not an E.164 number`},
		{"subscription bad email", &SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionSubscribed, Emails: []string{"@x"}}}}, `subscription_groups[0].emails[0]: "@x" is not an email address`},

		{"rename empty", &ExternalIDRenameRequest{}, "external_id_renames: is empty"},
		{"rename 51", &ExternalIDRenameRequest{ExternalIDRenames: fiftyOne(func(i int) ExternalIDRename {
			return ExternalIDRename{CurrentExternalID: fmt.Sprint("a", i), NewExternalID: fmt.Sprint("b", i)}
		})}, "external_id_renames: 51 items"},
		{"rename missing new", &ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a"}}}, "external_id_renames[0].new_external_id: is required"},
		{"rename same", &ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a", NewExternalID: "a"}}}, `external_id_renames[0].new_external_id: "a" equals current_external_id`},
		{"rename twice", &ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a", NewExternalID: "b"}, {CurrentExternalID: "a", NewExternalID: "c"}}}, `external_id_renames[1].current_external_id: "a" is also renamed by external_id_renames[0]`},
		{"rename too long", &ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a", NewExternalID: strings.Repeat("b", 1000)}}}, "external_id_renames[0].new_external_id: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.req.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			var ve *ValidationError
			assert.True(t, errors.As(err, &ve))
		})
	}
}

func TestEndpointBodiesJSON(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{AliasNewRequest{UserAliases: []NewAlias{{AliasName: "8217361", AliasLabel: "mparticle_id"}, {ExternalID: "c-1", AliasName: "n", AliasLabel: "l"}}},
			`{"user_aliases":[{"alias_name":"8217361","alias_label":"mparticle_id"},{"external_id":"c-1","alias_name":"n","alias_label":"l"}]}`},
		{IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "c-1", UserAlias: UserAlias{"8217361", "mparticle_id"}}}},
			`{"aliases_to_identify":[{"external_id":"c-1","user_alias":{"alias_name":"8217361","alias_label":"mparticle_id"}}]}`},
		{IdentifyRequest{EmailsToIdentify: []EmailToIdentify{{ExternalID: "c-1", Email: "a@b.co", Prioritization: []Prioritization{PrioritizeUnidentified, PrioritizeMostRecentlyUpdated}}}},
			`{"emails_to_identify":[{"external_id":"c-1","email":"a@b.co","prioritization":["unidentified","most_recently_updated"]}]}`},
		{MergeRequest{MergeUpdates: []MergeUpdate{{IdentifierToMerge: MergeIdentifier{UserAlias: &UserAlias{"n", "l"}}, IdentifierToKeep: MergeIdentifier{ExternalID: "c-1"}}}},
			`{"merge_updates":[{"identifier_to_merge":{"user_alias":{"alias_name":"n","alias_label":"l"}},"identifier_to_keep":{"external_id":"c-1"}}]}`},
		{DeleteRequest{EmailAddresses: []EmailToDelete{{Email: "a@b.co", Prioritization: []Prioritization{PrioritizeIdentified}}}},
			`{"email_addresses":[{"email":"a@b.co","prioritization":["identified"]}]}`},
		{SubscriptionStatusSetRequest{SubscriptionGroups: []SubscriptionStatusUpdate{{SubscriptionGroupID: "g", SubscriptionState: SubscriptionUnsubscribed, ExternalIDs: []string{"c-1"}}}},
			`{"subscription_groups":[{"subscription_group_id":"g","subscription_state":"unsubscribed","external_ids":["c-1"]}]}`},
		{ExternalIDRenameRequest{ExternalIDRenames: []ExternalIDRename{{CurrentExternalID: "a", NewExternalID: "b"}}},
			`{"external_id_renames":[{"current_external_id":"a","new_external_id":"b"}]}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.v)
		require.NoError(t, err)
		assert.Equal(t, c.want, string(b))
	}
}

func TestEndpointResponsesDecode(t *testing.T) {
	var rn ExternalIDRenameResponse
	require.NoError(t, json.Unmarshal([]byte(`{"message":"success","external_ids":["b"],"rename_errors":[[0,"new_external_id is already in use"]]}`), &rn))
	assert.Equal(t, []string{"b"}, rn.ExternalIDs)
	require.Len(t, rn.RenameErrors, 1)
	assert.JSONEq(t, `[0,"new_external_id is already in use"]`, string(rn.RenameErrors[0]))

	var del DeleteResponse
	require.NoError(t, json.Unmarshal([]byte(`{"deleted":3,"message":"success"}`), &del))
	assert.Equal(t, 3, del.Deleted)

	var al AliasNewResponse
	require.NoError(t, json.Unmarshal([]byte(`{"aliases_processed":1,"message":"success"}`), &al))
	assert.Equal(t, 1, al.AliasesProcessed)

	var id IdentifyResponse
	require.NoError(t, json.Unmarshal([]byte(`{"aliases_processed":2,"message":"success"}`), &id))
	assert.Equal(t, 2, id.AliasesProcessed)
}

func TestIsE164(t *testing.T) {
	for _, ok := range []string{"+15550100", "+441234567890", "+12", "+123456789012345"} {
		assert.True(t, IsE164(ok), ok)
	}
	for _, bad := range []string{"", "+", "+1", "15550100", "+05550100", "+1555 0100", "+1234567890123456"} {
		assert.False(t, IsE164(bad), bad)
	}
}

func TestRequestLens(t *testing.T) {
	r := IdentifyRequest{AliasesToIdentify: make([]AliasToIdentify, 2), EmailsToIdentify: make([]EmailToIdentify, 1)}
	assert.Equal(t, 3, r.Len())
	d := DeleteRequest{ExternalIDs: []string{"a"}, BrazeIDs: []string{"b", "c"}}
	assert.Equal(t, 3, d.Len())
}
