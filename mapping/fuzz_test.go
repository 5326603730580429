package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mpbraze/mpbraze/mparticle"
)

// fuzzSettings derives Settings from the fuzzer's flag bits, so that every
// option combination gets exercised.
func fuzzSettings(flags uint16) Settings {
	s := Settings{
		EnableTypeDetection:         flags&1 != 0,
		BundleCommerceEventData:     flags&2 != 0,
		ReplaceSkuWithProductName:   flags&4 != 0,
		ForwardScreenViews:          flags&8 != 0,
		ForwardSessionEvents:        flags&16 != 0,
		UserAttributeListsAsStrings: flags&32 != 0,
		PropertyPolicy:              PropertyPolicy(flags >> 6 & 3),
		AnonymousUsers:              AnonymousMode(flags >> 8 & 1),
		ScreenViewPrefix:            "Viewed ",
		AppID:                       "app",
		SubscriptionGroupMapping:    map[string]string{"newsletter": "9b2f6c2e-0000-4000-8000-000000000001"},
		EventAttributeMappings: []EventAttributeMapping{
			{Action: AddToArray, EventName: "Wishlist Shared", AttributeKey: "channel", UserAttribute: "channels"},
			{Action: SetAttribute, KitHash: KitAttributeHash(8, "a", "b"), UserAttribute: "$Gender"},
		},
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	if flags&512 != 0 {
		s.ExternalIdentityType = IdentityMPID
	}
	return s
}

// FuzzMap proves that Map never panics on a batch that decodes, whatever the
// settings, and that its output keeps its invariants.
func FuzzMap(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*", "batch.json"))
	for i, p := range dirs {
		if raw, err := os.ReadFile(p); err == nil {
			f.Add(raw, uint16(i*37))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint16) {
		b, err := mparticle.DecodeBatch(data)
		if err != nil {
			return
		}
		m, err := New(fuzzSettings(flags))
		if err != nil {
			t.Fatal(err)
		}
		res := m.Map(b)
		if res.Skipped && res.Len() != 0 {
			t.Fatalf("skipped result holds %d objects", res.Len())
		}
		// Every event and purchase must pass Braze's rules: the mapper fixes
		// or reports whatever would fail a request.
		for i := range res.Events {
			if res.Events[i].Identifier != res.Identifier {
				t.Fatalf("event identifier %+v, want %+v", res.Events[i].Identifier, res.Identifier)
			}
			if err := res.Events[i].Validate(); err != nil {
				t.Fatalf("events[%d]: %v", i, err)
			}
		}
		for i := range res.Attributes {
			if err := res.Attributes[i].Validate(); err != nil {
				t.Fatalf("attributes[%d]: %v", i, err)
			}
		}
		for i := range res.Purchases {
			if err := res.Purchases[i].Validate(); err != nil {
				t.Fatalf("purchases[%d]: %v", i, err)
			}
		}
		got, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		// Map's first try in the attribute maps' own order must give
		// what applying them in sorted order gives.
		ref, err := New(fuzzSettings(flags))
		if err != nil {
			t.Fatal(err)
		}
		ref.sortedOnly = true
		want, err := json.Marshal(ref.Map(b))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("result differs from the sorted-order reference:\n got %s\nwant %s", got, want)
		}
	})
}
