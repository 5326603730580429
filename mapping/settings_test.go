package mapping

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
)

func TestZeroSettingsAreValid(t *testing.T) {
	require.NoError(t, Settings{}.Validate())
	d := Settings{}.withDefaults()
	assert.Equal(t, mparticle.IdentityCustomerID, d.ExternalIdentityType)
	assert.Equal(t, mparticle.IdentityEmail, d.EmailIdentityType)
	assert.Equal(t, "USD", d.DefaultCurrency)
	assert.NotNil(t, d.Now)
	assert.Equal(t, PropertyFlatten, d.PropertyPolicy)
	assert.Equal(t, AnonymousSkip, d.AnonymousUsers)
}

func TestSettingsValidateNamesFieldAndValue(t *testing.T) {
	cases := []struct {
		name string
		s    Settings
		want string
	}{
		{"identity", Settings{ExternalIdentityType: "customerid"}, `mapping: Settings.ExternalIdentityType: "customerid" is not an mParticle identity type or IdentityMPID`},
		{"email identity", Settings{EmailIdentityType: IdentityMPID}, `mapping: Settings.EmailIdentityType: "mpid" is not an mParticle identity type or IdentityNone`},
		{"currency", Settings{DefaultCurrency: "usd"}, `mapping: Settings.DefaultCurrency: "usd" is not a 3-letter upper-case ISO 4217 code`},
		{"policy", Settings{PropertyPolicy: 9}, `mapping: Settings.PropertyPolicy: "PropertyPolicy(9)" is not a known policy`},
		{"anonymous", Settings{AnonymousUsers: 7}, `mapping: Settings.AnonymousUsers: "AnonymousMode(7)" is not a known mode`},
		{"group key", Settings{SubscriptionGroupMapping: map[string]string{"": "g"}}, `mapping: Settings.SubscriptionGroupMapping: "g" has an empty user attribute key`},
		{"group id", Settings{SubscriptionGroupMapping: map[string]string{"news": "g-1"}}, `mapping: Settings.SubscriptionGroupMapping["news"]: "g-1" is not a subscription group id (a UUID)`},
		{"app id", Settings{AppIDs: map[string]string{"iOS": ""}}, `mapping: Settings.AppIDs["iOS"]: is an empty app id`},
		{"mapping action", Settings{EventAttributeMappings: []EventAttributeMapping{{UserAttribute: "x"}}}, `mapping: Settings.EventAttributeMappings[0].Action: "EventAttributeAction(0)" is not AddToArray, RemoveFromArray or SetAttribute`},
		{"mapping attr", Settings{EventAttributeMappings: []EventAttributeMapping{{Action: SetAttribute}}}, `mapping: Settings.EventAttributeMappings[0].UserAttribute: is empty`},
		{"mapping key", Settings{EventAttributeMappings: []EventAttributeMapping{{Action: SetAttribute, UserAttribute: "x", EventName: "e"}}}, `mapping: Settings.EventAttributeMappings[0].AttributeKey: is empty while EventName is set`},
		{"mapping name", Settings{EventAttributeMappings: []EventAttributeMapping{{Action: SetAttribute, UserAttribute: "x", AttributeKey: "k"}}}, `mapping: Settings.EventAttributeMappings[0].EventName: is empty while AttributeKey is set`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.s.Validate()
			require.Error(t, err)
			assert.Equal(t, c.want, err.Error())
			var se *SettingsError
			assert.True(t, errors.As(err, &se))
		})
	}
}

func TestFromKitConfig(t *testing.T) {
	s, err := FromKitConfig(map[string]string{
		"apiKey":                         "app-123",
		"userIdentificationType":         "Other2",
		"emailIdentificationType":        "Other3",
		"enableTypeDetection":            "True",
		"bundleCommerceEventData":        "true",
		"replaceSkuWithProductName":      "True",
		"forwardScreenViews":             "TRUE",
		"subscriptionGroupMapping":       `[{&quot;jsmap&quot;:null,&quot;map&quot;:&quot;newsletter&quot;,&quot;maptype&quot;:&quot;UserAttributeClass.Name&quot;,&quot;value&quot;:&quot;9b2f6c2e-0000-4000-8000-000000000001&quot;}]`,
		"eaa":                            `{"-1150436734":"favorite_channels"}`,
		"ear":                            `[{"map":"42","value":"old_channels"}]`,
		"eas":                            `{"7":"last_channel","-3":"first_channel"}`,
		"forwardSessionEvents":           "True",
		"screenViewPrefix":               "Viewed ",
		"defaultCurrency":                "EUR",
		"sendUserAttributeListsAsArrays": "False",
		"propertyPolicy":                 "stringify",
		"anonymousUsers":                 "alias_by_mpid",
		"appIds":                         `{"iOS":"ios-app","Android":"android-app"}`,
		"push_enabled":                   "True", // ignored
	})
	require.NoError(t, err)
	assert.Equal(t, "app-123", s.AppID)
	assert.Equal(t, mparticle.IdentityOther2, s.ExternalIdentityType)
	assert.Equal(t, mparticle.IdentityOther3, s.EmailIdentityType)
	assert.True(t, s.EnableTypeDetection)
	assert.True(t, s.BundleCommerceEventData)
	assert.True(t, s.ReplaceSkuWithProductName)
	assert.True(t, s.ForwardScreenViews)
	assert.True(t, s.ForwardSessionEvents)
	assert.Equal(t, "Viewed ", s.ScreenViewPrefix)
	assert.Equal(t, "EUR", s.DefaultCurrency)
	assert.True(t, s.UserAttributeListsAsStrings)
	assert.Equal(t, PropertyStringify, s.PropertyPolicy)
	assert.Equal(t, AnonymousAliasByMPID, s.AnonymousUsers)
	assert.Equal(t, map[string]string{"iOS": "ios-app", "Android": "android-app"}, s.AppIDs)
	assert.Equal(t, map[string]string{"newsletter": "9b2f6c2e-0000-4000-8000-000000000001"}, s.SubscriptionGroupMapping)
	assert.Equal(t, []EventAttributeMapping{
		{Action: AddToArray, KitHash: -1150436734, UserAttribute: "favorite_channels"},
		{Action: RemoveFromArray, KitHash: 42, UserAttribute: "old_channels"},
		{Action: SetAttribute, KitHash: -3, UserAttribute: "first_channel"},
		{Action: SetAttribute, KitHash: 7, UserAttribute: "last_channel"},
	}, s.EventAttributeMappings)
}

func TestFromKitConfigDefaults(t *testing.T) {
	s, err := FromKitConfig(map[string]string{"userIdentificationType": "CustomerId"})
	require.NoError(t, err)
	assert.Equal(t, mparticle.IdentityCustomerID, s.ExternalIdentityType)
	assert.Empty(t, s.EmailIdentityType) // default applied by New: email
	assert.False(t, s.EnableTypeDetection)
	assert.False(t, s.UserAttributeListsAsStrings)

	s, err = FromKitConfig(map[string]string{"userIdentificationType": "MPID", "emailIdentificationType": "None"})
	require.NoError(t, err)
	assert.Equal(t, IdentityMPID, s.ExternalIdentityType)
	assert.Equal(t, IdentityNone, s.EmailIdentityType)

	s, err = FromKitConfig(map[string]string{"userIdentificationType": "customerid"}) // the web kit's spelling
	require.NoError(t, err)
	assert.Equal(t, mparticle.IdentityCustomerID, s.ExternalIdentityType)
}

func TestFromKitConfigErrors(t *testing.T) {
	cases := map[string]struct {
		cfg  map[string]string
		want string
	}{
		"unknown identity": {map[string]string{"userIdentificationType": "Loyalty"}, `mapping: userIdentificationType: "Loyalty" is not a known identity type`},
		"unknown email":    {map[string]string{"emailIdentificationType": "MPID"}, `mapping: emailIdentificationType: "MPID" is not a known identity type`},
		"bad bool":         {map[string]string{"enableTypeDetection": "maybe"}, `mapping: enableTypeDetection: "maybe" is not a boolean`},
		"bad groups":       {map[string]string{"subscriptionGroupMapping": "{"}, `mapping: subscriptionGroupMapping: "{" is not a JSON array`},
		"group no value":   {map[string]string{"subscriptionGroupMapping": `[{"map":"a"}]`}, `mapping: subscriptionGroupMapping[0]:`},
		"bad eaa":          {map[string]string{"eaa": `{"x":"y"}`}, `mapping: eaa: "x" is not a 32-bit kit hash`},
		"bad eas json":     {map[string]string{"eas": `[1]`}, `mapping: eas:`},
		"empty eas name":   {map[string]string{"eas": `{"1":""}`}, `mapping: eas[1]: is an empty attribute name`},
		"bad policy":       {map[string]string{"propertyPolicy": "explode"}, `mapping: propertyPolicy: "explode" is not flatten`},
		"bad anonymous":    {map[string]string{"anonymousUsers": "keep"}, `mapping: anonymousUsers: "keep" is not skip`},
		"bad app ids":      {map[string]string{"appIds": `["a"]`}, `mapping: appIds:`},
		"bad currency":     {map[string]string{"defaultCurrency": "dollars"}, `mapping: Settings.DefaultCurrency: "dollars"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := FromKitConfig(c.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "flatten", PropertyFlatten.String())
	assert.Equal(t, "stringify", PropertyStringify.String())
	assert.Equal(t, "drop", PropertyDrop.String())
	assert.Equal(t, "reject", PropertyReject.String())
	assert.Equal(t, "skip", AnonymousSkip.String())
	assert.Equal(t, "alias_by_mpid", AnonymousAliasByMPID.String())
	assert.Equal(t, "eaa", AddToArray.String())
	assert.Equal(t, "ear", RemoveFromArray.String())
	assert.Equal(t, "eas", SetAttribute.String())
}
