package mparticle

import (
	"math/rand/v2"
	"testing"
)

// allEventTypes lists the 19 known event types.
var allEventTypes = []EventType{
	EventSessionStart, EventSessionEnd, EventScreenView, EventCustom, EventCrashReport,
	EventOptOut, EventFirstRun, EventPreAttribution, EventPushRegistration,
	EventApplicationStateTransition, EventPushMessage, EventNetworkPerformance,
	EventBreadcrumb, EventProfile, EventPushReaction, EventCommerce,
	EventUserAttributeChange, EventUserIdentityChange, EventUninstall,
}

func TestAllEventTypesAreKnown(t *testing.T) {
	for _, et := range allEventTypes {
		if !KnownEventType(et) {
			t.Errorf("%q is not known", et)
		}
	}
}

// TestEventTypeAtAgreesWithString: eventTypeAt takes a string at p only
// when it is exactly a known type (what reading the string would give),
// and then ends where the string ends; it takes every known type written
// plainly, wherever the input ends after it.
func TestEventTypeAtAgreesWithString(t *testing.T) {
	for _, et := range allEventTypes {
		for _, tail := range []string{"", ",", "}", `,"data":{}}`} {
			in := []byte(`x"` + string(et) + `"` + tail)
			got, next := eventTypeAt(in, 1)
			if len(in) >= 10 && (got != et || next != len(`x"`+string(et)+`"`)) {
				t.Errorf("eventTypeAt(%q) = %q, %d", in, got, next)
			}
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for n := 0; n < 200000; n++ {
		name := []byte(allEventTypes[rng.IntN(len(allEventTypes))])
		switch rng.IntN(5) {
		case 0: // cut short
			name = name[:rng.IntN(len(name)+1)]
		case 1: // one byte changed
			name[rng.IntN(len(name))] = "_aesx\"\\ \x00"[rng.IntN(9)]
		case 2: // one byte more
			name = append(name, "_aesx"[rng.IntN(5)])
		}
		in := append([]byte{'"'}, name...)
		in = append(in, []byte(`",}" "\`)[:rng.IntN(8)]...)
		got, next := eventTypeAt(in, 0)
		if next == 0 {
			if got != "" {
				t.Fatalf("eventTypeAt(%q) declined but returned %q", in, got)
			}
			continue
		}
		// The string that starts at 0, read the careful way.
		d := decoder{data: in}
		s, err := d.str()
		if err != nil || EventType(s) != got || d.pos != next || !KnownEventType(got) {
			t.Fatalf("eventTypeAt(%q) = %q, %d; the string is %q (err %v), ending at %d", in, got, next, s, err, d.pos)
		}
	}
}
