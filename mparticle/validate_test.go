package mparticle

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func problems(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Error())
	}
	return out
}

func TestValidateFixturesAndCorpus(t *testing.T) {
	for _, f := range []string{"testdata/mparticle_batch.json", "testdata/currents_to_mparticle_batch.json",
		"testdata/corpus/realistic_22_events.json", "testdata/corpus/commerce_variants.json"} {
		b, err := DecodeBatch(mustRead(t, f))
		require.NoError(t, err)
		assert.NoError(t, b.Validate(), f)
	}
}

func TestValidateReportsEveryProblemWithPath(t *testing.T) {
	b, err := DecodeBatch([]byte(`{
	  "environment": "staging",
	  "user_attributes": {"": "x", "obj": {"a": 1}, "list": ["` + strings.Repeat("y", 513) + `"]},
	  "deleted_user_attributes": [""],
	  "context": {"data_plan": {}},
	  "attribution_info": {"publisher": "p"},
	  "device_info": {"platform": "Symbian"},
	  "events": [
	    {"event_type": "custom_event", "data": {"custom_event_type": "fun"}},
	    {"event_type": "screen_view", "data": {}},
	    {"event_type": "commerce_event", "data": {}},
	    {"event_type": "custom_event", "data": {"event_name": "` + strings.Repeat("n", 257) + `", "custom_event_type": "other",
	       "location": {"latitude": 91, "longitude": -181}}},
	    {"event_type": "commerce_event", "data": {"product_action": {"products": [{"quantity": -1}]}, "promotion_action": {"action": "like"}}},
	    {"event_type": "push_registration", "data": {}},
	    {"event_type": "application_state_transition", "data": {"application_transition_type": "sleep"}},
	    {"event_type": "push_message", "data": {"network": "sms", "action_identifier": "` + strings.Repeat("a", 101) + `"}},
	    {"event_type": "network_performance", "data": {}},
	    {"event_type": "breadcrumb", "data": {}},
	    {"event_type": "profile", "data": {"profile_event_type": "merge"}},
	    {"event_type": "user_attribute_change", "data": {"new": {"a": 1}}},
	    {"event_type": "user_identity_change", "data": {"new": {"identity_type": "passport", "identity": "x"}}},
	    {"event_type": "mystery", "data": {}},
	    {"event_type": "custom_event"}
	  ]
	}`))
	require.NoError(t, err)
	got := problems(t, b.Validate())
	want := []string{
		`environment: "staging" is not one of production, development, unknown`,
		`user_attributes[""]: empty key`,
		`user_attributes.list[0]: 513 characters, max 512`,
		`user_attributes.obj: value {"a": 1} is not a string, list of strings or null`,
		`deleted_user_attributes[0]: empty key`,
		`context.data_plan.plan_id: required`,
		`attribution_info.service_provider: required`,
		`attribution_info.campaign: required`,
		`device_info.platform: "Symbian" is not one of`,
		`events[0].data.event_name: required`,
		`events[0].data.custom_event_type: "fun" is not one of`,
		`events[1].data.screen_name: required`,
		`events[2].data: one of product_action, promotion_action or product_impressions is required`,
		`events[3].data.location.latitude: 91 outside -90..90`,
		`events[3].data.location.longitude: -181 outside -180..180`,
		`events[3].data.event_name: 257 characters, max 256`,
		`events[4].data.product_action.action: required`,
		`events[4].data.product_action.products[0].quantity: -1 is negative`,
		`events[4].data.promotion_action.action: "like" is not one of view, click`,
		`events[5].data.registration_token: required`,
		`events[6].data.application_transition_type: "sleep" is not one of`,
		`events[7].data.push_message_type: required`,
		`events[7].data.push_message_token: required`,
		`events[7].data.push_notification_payload: required`,
		`events[7].data.network: "sms" is not one of apn, gcm`,
		`events[7].data.action_identifier: 101 characters, max 100`,
		`events[8].data.url: required`,
		`events[8].data.response_code: required`,
		`events[9].data.label: required`,
		`events[10].data.profile_event_type: "merge" is not one of`,
		`events[11].data.user_attribute_name: required`,
		`events[11].data.new: value {"a": 1} is not a string, list of strings or null`,
		`events[12].data.new.identity_type: "passport" is not an identity type`,
		`events[13].event_type: "mystery" is not an Events API event type`,
		`events[14].data: required`,
	}
	require.Len(t, got, len(want), strings.Join(got, "\n"))
	for i := range want {
		assert.True(t, strings.HasPrefix(got[i], want[i]), "problem %d:\n got %s\nwant %s", i, got[i], want[i])
	}
}

func TestValidateLimits(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	attrs := map[string]any{}
	for i := range 101 {
		attrs["k"+strings.Repeat("x", i%3)+string(rune('A'+i%26))+string(rune('a'+i/26))] = i
	}
	attrs[strings.Repeat("k", 257)] = "v"
	attrs["long"] = strings.Repeat("v", 4097)
	ev, err := NewCustomEvent("E", CustomOther, attrs)
	require.NoError(t, err)
	b.AddEvent(ev)
	for i := range 101 {
		require.NoError(t, b.SetUserAttribute("u"+strings.Repeat("-", i), "v"))
	}
	require.NoError(t, b.SetUserAttribute("biglist", make([]string, 1001)))
	got := strings.Join(problems(t, b.Validate()), "\n")
	assert.Contains(t, got, "user_attributes: 102 attributes, max 100")
	assert.Contains(t, got, "user_attributes.biglist: list of 1001 entries, max 1000")
	assert.Contains(t, got, "events[0].data.custom_attributes: 103 attributes, max 100")
	assert.Contains(t, got, "257 characters, max 256")
	assert.Contains(t, got, "events[0].data.custom_attributes.long: value of 4097 characters, max 4096")
}

func TestValidateBatchSize(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	for i := range 40 {
		ev, err := NewCustomEvent("E", CustomOther, map[string]any{"blob": strings.Repeat("x", 4000), "i": i})
		require.NoError(t, err)
		b.AddEvent(ev)
	}
	got := problems(t, b.Validate())
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "max 131072 (MaxBatchBytes)")
}

func TestValidateTypeMismatchAndNil(t *testing.T) {
	b := NewBatch(EnvironmentProduction)
	b.Events = []Event{{Type: EventScreenView, Data: &CustomEvent{EventName: "x", CustomEventType: CustomOther}}, {}}
	got := problems(t, b.Validate())
	assert.Equal(t, []string{
		`events[0].event_type: "screen_view" does not match data of type "custom_event"`,
		`events[1].data: required`,
		`events[1].event_type: required`,
	}, got)

	var nb *Batch
	assert.Error(t, nb.Validate())
}

func TestValidationErrorUnwrapsToFieldErrors(t *testing.T) {
	err := (&Batch{}).Validate()
	var fe FieldError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "environment", fe.Path)
	assert.Equal(t, "required", fe.Reason)
	assert.Equal(t, "mparticle: invalid: environment: required", err.Error())
}
