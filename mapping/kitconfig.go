package mapping

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Kit setting keys read by FromKitConfig (see the table in the package
// documentation).
const (
	// KitKeyAPIKey is the Braze app identifier (Settings.AppID).
	KitKeyAPIKey = "apiKey"
	// KitKeyUserIdentificationType names the external identity
	// (Settings.ExternalIdentityType).
	KitKeyUserIdentificationType = "userIdentificationType"
	// KitKeyEmailIdentificationType names the email identity
	// (Settings.EmailIdentityType).
	KitKeyEmailIdentificationType = "emailIdentificationType"
	// KitKeyEnableTypeDetection is Settings.EnableTypeDetection.
	KitKeyEnableTypeDetection = "enableTypeDetection"
	// KitKeyBundleCommerceEventData is Settings.BundleCommerceEventData.
	KitKeyBundleCommerceEventData = "bundleCommerceEventData"
	// KitKeyReplaceSkuWithProductName is Settings.ReplaceSkuWithProductName.
	KitKeyReplaceSkuWithProductName = "replaceSkuWithProductName"
	// KitKeyForwardScreenViews is Settings.ForwardScreenViews.
	KitKeyForwardScreenViews = "forwardScreenViews"
	// KitKeySubscriptionGroupMapping is Settings.SubscriptionGroupMapping.
	KitKeySubscriptionGroupMapping = "subscriptionGroupMapping"
	// KitKeyEventAttributeAddToArray holds AddToArray mappings.
	KitKeyEventAttributeAddToArray = "eaa"
	// KitKeyEventAttributeRemove holds RemoveFromArray mappings.
	KitKeyEventAttributeRemove = "ear"
	// KitKeyEventAttributeSet holds SetAttribute mappings.
	KitKeyEventAttributeSet = "eas"
	// KitKeyForwardSessionEvents is Settings.ForwardSessionEvents (this
	// library's key; mParticle's server-side setting has none).
	KitKeyForwardSessionEvents = "forwardSessionEvents"
	// KitKeyScreenViewPrefix is Settings.ScreenViewPrefix (this library's key).
	KitKeyScreenViewPrefix = "screenViewPrefix"
	// KitKeyDefaultCurrency is Settings.DefaultCurrency (this library's key).
	KitKeyDefaultCurrency = "defaultCurrency"
	// KitKeyUserAttributeListsAsArrays is the negation of
	// Settings.UserAttributeListsAsStrings (this library's key, after
	// mParticle's "Send User Attribute Lists as Arrays").
	KitKeyUserAttributeListsAsArrays = "sendUserAttributeListsAsArrays"
	// KitKeyPropertyPolicy is Settings.PropertyPolicy: flatten, stringify,
	// drop or reject (this library's key).
	KitKeyPropertyPolicy = "propertyPolicy"
	// KitKeyAnonymousUsers is Settings.AnonymousUsers: skip or alias_by_mpid
	// (this library's key).
	KitKeyAnonymousUsers = "anonymousUsers"
	// KitKeyAppIDs is Settings.AppIDs as a JSON object from platform to
	// Braze app id (this library's key).
	KitKeyAppIDs = "appIds"
)

// FromKitConfig reads Settings from the kit configuration as mParticle hands
// it to the Braze kit: a map of setting keys to string values. The keys are
// listed in the package documentation. Unknown keys (host, push_enabled,
// ABK... options and the like) do not concern server-side mapping and are
// ignored. A value that cannot be read is an error naming the key and the
// value; an unknown identification type is an error, never a silent
// fallback. The returned Settings have been validated.
func FromKitConfig(cfg map[string]string) (Settings, error) {
	var s Settings
	var err error
	s.AppID = strings.TrimSpace(cfg[KitKeyAPIKey])

	if v, ok := cfg[KitKeyUserIdentificationType]; ok && strings.TrimSpace(v) != "" {
		t, found := kitIdentity(strings.TrimSpace(v))
		if !found {
			return Settings{}, settingsErr(KitKeyUserIdentificationType, v, "is not a known identity type (CustomerId, Email, Other, Other2…Other10, MobileNumber, PhoneNumber2, PhoneNumber3, Facebook, Twitter, Google, Microsoft, Yahoo, Alias, FacebookCustomAudienceId, MPID)")
		}
		s.ExternalIdentityType = t
	}
	if v, ok := cfg[KitKeyEmailIdentificationType]; ok && strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		if strings.EqualFold(v, "None") {
			s.EmailIdentityType = IdentityNone
		} else {
			t, found := kitIdentity(v)
			if !found || t == IdentityMPID {
				return Settings{}, settingsErr(KitKeyEmailIdentificationType, v, "is not a known identity type (Email, Other, Other2…Other10, …, or None)")
			}
			s.EmailIdentityType = t
		}
	}
	bools := []struct {
		key string
		dst *bool
	}{
		{KitKeyEnableTypeDetection, &s.EnableTypeDetection},
		{KitKeyBundleCommerceEventData, &s.BundleCommerceEventData},
		{KitKeyReplaceSkuWithProductName, &s.ReplaceSkuWithProductName},
		{KitKeyForwardScreenViews, &s.ForwardScreenViews},
		{KitKeyForwardSessionEvents, &s.ForwardSessionEvents},
	}
	for _, b := range bools {
		if *b.dst, err = kitBool(cfg, b.key, false); err != nil {
			return Settings{}, err
		}
	}
	asArrays, err := kitBool(cfg, KitKeyUserAttributeListsAsArrays, true)
	if err != nil {
		return Settings{}, err
	}
	s.UserAttributeListsAsStrings = !asArrays
	s.ScreenViewPrefix = cfg[KitKeyScreenViewPrefix]
	s.DefaultCurrency = strings.TrimSpace(cfg[KitKeyDefaultCurrency])

	if v := strings.TrimSpace(cfg[KitKeyPropertyPolicy]); v != "" {
		found := false
		for p := PropertyFlatten; p <= PropertyReject; p++ {
			if strings.EqualFold(v, p.String()) {
				s.PropertyPolicy, found = p, true
			}
		}
		if !found {
			return Settings{}, settingsErr(KitKeyPropertyPolicy, v, "is not flatten, stringify, drop or reject")
		}
	}
	if v := strings.TrimSpace(cfg[KitKeyAnonymousUsers]); v != "" {
		switch {
		case strings.EqualFold(v, AnonymousSkip.String()):
			s.AnonymousUsers = AnonymousSkip
		case strings.EqualFold(v, AnonymousAliasByMPID.String()):
			s.AnonymousUsers = AnonymousAliasByMPID
		default:
			return Settings{}, settingsErr(KitKeyAnonymousUsers, v, "is not skip or alias_by_mpid")
		}
	}
	if s.AppIDs, err = kitStringMap(cfg, KitKeyAppIDs); err != nil {
		return Settings{}, err
	}
	if s.SubscriptionGroupMapping, err = kitSubscriptionGroups(cfg); err != nil {
		return Settings{}, err
	}
	for _, a := range []struct {
		key    string
		action EventAttributeAction
	}{
		{KitKeyEventAttributeAddToArray, AddToArray},
		{KitKeyEventAttributeRemove, RemoveFromArray},
		{KitKeyEventAttributeSet, SetAttribute},
	} {
		ms, err := kitEventAttributeMappings(cfg, a.key, a.action)
		if err != nil {
			return Settings{}, err
		}
		s.EventAttributeMappings = append(s.EventAttributeMappings, ms...)
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// kitBool reads a boolean setting. The kits disagree on the spelling they
// accept ("True" only, "true" in any case, "YES", "1"); we accept all of
// them: true/false in any case, yes/no, 1/0. Empty or absent means def.
func kitBool(cfg map[string]string, key string, def bool) (bool, error) {
	v := strings.TrimSpace(cfg[key])
	if v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0":
		return false, nil
	}
	return false, settingsErr(key, v, "is not a boolean (True/False)")
}

// kitJSON returns the JSON text of a setting, with the HTML-escaped quotes
// that mParticle's configuration sometimes carries ("&quot;") undone, or nil
// when the setting is absent or empty.
func kitJSON(cfg map[string]string, key string) []byte {
	v := strings.TrimSpace(cfg[key])
	if v == "" || v == "null" {
		return nil
	}
	return []byte(strings.ReplaceAll(v, "&quot;", `"`))
}

// kitStringMap reads a JSON object of strings.
func kitStringMap(cfg map[string]string, key string) (map[string]string, error) {
	raw := kitJSON(cfg, key)
	if raw == nil {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, settingsErr(key, cfg[key], "is not a JSON object of strings: %v", err)
	}
	return m, nil
}

// kitPair is one element of the kits' JSON mapping arrays:
// {"map": <from>, "value": <to>} (other members, such as "maptype", are
// ignored). "map" may be a JSON string or number.
type kitPair struct {
	Map   json.RawMessage `json:"map"`
	Value string          `json:"value"`
}

func (p kitPair) mapString() string {
	raw := bytes.TrimSpace(p.Map)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw) // a number, kept as its literal text
}

// kitSubscriptionGroups reads "subscriptionGroupMapping": a JSON array of
// {"map": <user attribute key>, "value": <subscription group id>}.
func kitSubscriptionGroups(cfg map[string]string) (map[string]string, error) {
	raw := kitJSON(cfg, KitKeySubscriptionGroupMapping)
	if raw == nil {
		return nil, nil
	}
	var pairs []kitPair
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, settingsErr(KitKeySubscriptionGroupMapping, cfg[KitKeySubscriptionGroupMapping], `is not a JSON array of {"map": …, "value": …}: %v`, err)
	}
	m := make(map[string]string, len(pairs))
	for i, p := range pairs {
		k := p.mapString()
		if k == "" || p.Value == "" {
			return nil, settingsErr(KitKeySubscriptionGroupMapping+"["+strconv.Itoa(i)+"]", string(p.Map)+" → "+p.Value, "needs both map and value")
		}
		m[k] = p.Value
	}
	return m, nil
}

// kitEventAttributeMappings reads one of "eaa", "ear", "eas". mParticle sends
// them as a JSON object from the kit hash (a decimal 32-bit integer, as a
// string) to the Braze user attribute name:
//
//	{"-1150436734": "favorite_channels"}
//
// The array form used by other mapping settings,
// [{"map": "-1150436734", "value": "favorite_channels"}], is accepted too.
// The result is sorted by hash for determinism.
func kitEventAttributeMappings(cfg map[string]string, key string, action EventAttributeAction) ([]EventAttributeMapping, error) {
	raw := kitJSON(cfg, key)
	if raw == nil {
		return nil, nil
	}
	pairs := map[string]string{}
	if bytes.HasPrefix(raw, []byte("[")) {
		var arr []kitPair
		if err := json.Unmarshal(raw, &arr); err != nil {
			return nil, settingsErr(key, cfg[key], `is not a JSON array of {"map": …, "value": …}: %v`, err)
		}
		for _, p := range arr {
			pairs[p.mapString()] = p.Value
		}
	} else if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, settingsErr(key, cfg[key], "is not a JSON object from kit hash to attribute name: %v", err)
	}
	// Visit the hashes in a fixed order: with several bad entries the error
	// names the same one every time, and spellings of one hash ("1", "01")
	// keep a fixed relative order under the stable sort below.
	hashes := make([]string, 0, len(pairs))
	for h := range pairs {
		hashes = append(hashes, h)
	}
	slices.Sort(hashes)
	out := make([]EventAttributeMapping, 0, len(pairs))
	for _, h := range hashes {
		attr := pairs[h]
		n, err := strconv.ParseInt(strings.TrimSpace(h), 10, 32)
		if err != nil {
			return nil, settingsErr(key, h, "is not a 32-bit kit hash")
		}
		if attr == "" {
			return nil, settingsErr(key+"["+h+"]", "", "is an empty attribute name")
		}
		out = append(out, EventAttributeMapping{Action: action, KitHash: int32(n), UserAttribute: attr})
	}
	slices.SortStableFunc(out, func(a, b EventAttributeMapping) int { return cmp.Compare(a.KitHash, b.KitHash) })
	return out, nil
}
