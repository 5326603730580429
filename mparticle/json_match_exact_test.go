package mparticle

import (
	"reflect"
	"testing"
)

// TestMatchFunctionsExactly: each generated match function takes every
// plainly written key of its struct, as `"key":`, and nothing that differs
// from it in any byte of the key, its quotes or the colon: a changed byte
// is either declined or is another key of the struct, written exactly.
// A match that missed its key would only cost speed (the general path
// reads it); one that took a near miss would decode the wrong field.
func TestMatchFunctionsExactly(t *testing.T) {
	for _, m := range []struct {
		name  string
		match func([]byte, int) (int, int)
		key   any
	}{
		{"Account", matchAccount, (*Account).fieldKey},
		{"ApplicationInfo", matchApplicationInfo, (*ApplicationInfo).fieldKey},
		{"ApplicationStateTransition", matchApplicationStateTransition, (*ApplicationStateTransition).fieldKey},
		{"AttributionInfo", matchAttributionInfo, (*AttributionInfo).fieldKey},
		{"Audience", matchAudience, (*Audience).fieldKey},
		{"AudienceMembershipChangeRequest", matchAudienceMembershipChangeRequest, (*AudienceMembershipChangeRequest).fieldKey},
		{"AudienceSubscriptionRequest", matchAudienceSubscriptionRequest, (*AudienceSubscriptionRequest).fieldKey},
		{"AudienceUserAttribute", matchAudienceUserAttribute, (*AudienceUserAttribute).fieldKey},
		{"Batch", matchBatch, (*Batch).fieldKey},
		{"BatchContext", matchBatchContext, (*BatchContext).fieldKey},
		{"Batching", matchBatching, (*Batching).fieldKey},
		{"Breadcrumb", matchBreadcrumb, (*Breadcrumb).fieldKey},
		{"CCPAConsent", matchCCPAConsent, (*CCPAConsent).fieldKey},
		{"CommerceEvent", matchCommerceEvent, (*CommerceEvent).fieldKey},
		{"ConsentRecord", matchConsentRecord, (*ConsentRecord).fieldKey},
		{"ConsentState", matchConsentState, (*ConsentState).fieldKey},
		{"CrashReport", matchCrashReport, (*CrashReport).fieldKey},
		{"CustomEvent", matchCustomEvent, (*CustomEvent).fieldKey},
		{"DataPlan", matchDataPlan, (*DataPlan).fieldKey},
		{"DeviceCurrentState", matchDeviceCurrentState, (*DeviceCurrentState).fieldKey},
		{"DeviceInfo", matchDeviceInfo, (*DeviceInfo).fieldKey},
		{"EventSystemNotificationInfo", matchEventSystemNotificationInfo, (*EventSystemNotificationInfo).fieldKey},
		{"FirstRun", matchFirstRun, (*FirstRun).fieldKey},
		{"Identity", matchIdentity, (*Identity).fieldKey},
		{"IdentityChange", matchIdentityChange, (*IdentityChange).fieldKey},
		{"Location", matchLocation, (*Location).fieldKey},
		{"NetworkPerformance", matchNetworkPerformance, (*NetworkPerformance).fieldKey},
		{"OptOut", matchOptOut, (*OptOut).fieldKey},
		{"PreAttribution", matchPreAttribution, (*PreAttribution).fieldKey},
		{"Product", matchProduct, (*Product).fieldKey},
		{"ProductAction", matchProductAction, (*ProductAction).fieldKey},
		{"ProductImpression", matchProductImpression, (*ProductImpression).fieldKey},
		{"Profile", matchProfile, (*Profile).fieldKey},
		{"Promotion", matchPromotion, (*Promotion).fieldKey},
		{"PromotionAction", matchPromotionAction, (*PromotionAction).fieldKey},
		{"PushMessage", matchPushMessage, (*PushMessage).fieldKey},
		{"PushReaction", matchPushReaction, (*PushReaction).fieldKey},
		{"PushRegistration", matchPushRegistration, (*PushRegistration).fieldKey},
		{"ScreenView", matchScreenView, (*ScreenView).fieldKey},
		{"SessionEnd", matchSessionEnd, (*SessionEnd).fieldKey},
		{"SessionStart", matchSessionStart, (*SessionStart).fieldKey},
		{"ShoppingCart", matchShoppingCart, (*ShoppingCart).fieldKey},
		{"SourceInfo", matchSourceInfo, (*SourceInfo).fieldKey},
		{"Uninstall", matchUninstall, (*Uninstall).fieldKey},
		{"UnknownEvent", matchUnknownEvent, (*UnknownEvent).fieldKey},
		{"UserAttributeChange", matchUserAttributeChange, (*UserAttributeChange).fieldKey},
		{"UserIdentityChange", matchUserIdentityChange, (*UserIdentityChange).fieldKey},
		{"UserProfile", matchUserProfile, (*UserProfile).fieldKey},
	} {
		keyOf := fieldKeyFunc(m.key)
		for n := 0; keyOf(n) != ""; n++ {
			k := keyOf(n)
			if !plainIdentKey(k) {
				continue
			}
			member := `"` + k + `":`
			in := []byte("x" + member + `1,"zzzzzzzz":2}`)
			if got, next := m.match(in, 1); got != n || next != 1+len(member) {
				t.Errorf("%s: %q matched as %d, next %d; want %d, %d", m.name, member, got, next, n, 1+len(member))
			}
			for i := range member {
				for _, c := range []byte{0, ' ', '"', ':', '_', 'a', 'z', k[0] ^ 1, member[i] ^ 0x20, member[i] + 1} {
					if c == member[i] {
						continue
					}
					mut := []byte(member)
					mut[i] = c
					in := []byte("x" + string(mut) + `1,"zzzzzzzz":2}`)
					got, next := m.match(in, 1)
					if got < 0 {
						continue
					}
					other := `"` + keyOf(got) + `":`
					if string(in[1:1+len(other)]) != other || next != 1+len(other) {
						t.Errorf("%s: %q (from %q) matched as key %q, next %d", m.name, mut, member, keyOf(got), next)
					}
				}
			}
		}
	}
}

// fieldKeyFunc turns a method expression (*T).fieldKey into a function of
// the field number, called on a zero T.
func fieldKeyFunc(f any) func(int) string {
	fv := reflect.ValueOf(f)
	recv := reflect.New(fv.Type().In(0).Elem())
	return func(n int) string {
		return fv.Call([]reflect.Value{recv, reflect.ValueOf(n)})[0].String()
	}
}

func plainIdentKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$') {
			return false
		}
	}
	return k != ""
}

// TestEnvelopeKeyLenExactly: envelopeKeyLen takes `"event_type":` and
// `"data":` and no one-byte change of them.
func TestEnvelopeKeyLenExactly(t *testing.T) {
	for _, member := range []string{`"event_type":`, `"data":`} {
		want := len(member) - 3
		in := []byte("x" + member + `{"zzzzzzzz":2}`)
		if got := envelopeKeyLen(in, 1); got != want {
			t.Errorf("%s: %d, want %d", member, got, want)
		}
		for i := range member {
			for c := range 256 {
				if byte(c) == member[i] {
					continue
				}
				mut := []byte(member)
				mut[i] = byte(c)
				if got := envelopeKeyLen([]byte("x"+string(mut)+`{"zzzzzzzz":2}`), 1); got != 0 {
					t.Errorf("%q: %d, want 0", mut, got)
				}
			}
		}
	}
}

// TestKeyWordStopsAtLength: keyWord reads within the input's length only,
// even when the slice has spare capacity after it.
func TestKeyWordStopsAtLength(t *testing.T) {
	buf := []byte("0123456789abcdef")
	data := buf[:10]
	if got, want := keyWord(data, 2), uint64(0x3938373635343332); got != want {
		t.Fatalf("keyWord = %#x, want %#x", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("keyWord read past the input's length into its capacity")
		}
	}()
	keyWord(data, 3)
}
