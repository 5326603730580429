package mapping

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mpbraze/mpbraze/mparticle"
)

// kitConfigFromFuzz turns fuzz input into a kit configuration: a JSON object
// of strings when it is one (the form mParticle stores), else one
// "key=value" setting per line, so that the fuzzer reaches every key with
// any value, JSON-valued settings included.
func kitConfigFromFuzz(data []byte) map[string]string {
	var cfg map[string]string
	if json.Unmarshal(data, &cfg) == nil && cfg != nil {
		return cfg
	}
	cfg = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			cfg[k] = v
		}
	}
	return cfg
}

// FuzzFromKitConfig reads arbitrary kit configurations. FromKitConfig must
// never panic and must be deterministic (the same map gives the same
// Settings or the same error, whatever the map's iteration order); an error
// leaves the zero Settings and names the key at fault (or the Settings field
// it sets); Settings it returns
// are valid, build a Mapper, and that Mapper maps the sample batches into
// objects that pass Braze's validation. The seed corpus holds the kit
// configurations of the golden tests and hand-written edge cases in
// testdata/fuzz/FuzzFromKitConfig.
func FuzzFromKitConfig(f *testing.F) {
	settings, _ := filepath.Glob(filepath.Join("testdata", "golden", "*", "settings.json"))
	for _, p := range settings {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var gs struct {
			Kit json.RawMessage `json:"kit"`
		}
		if json.Unmarshal(raw, &gs) == nil && len(gs.Kit) > 0 {
			f.Add([]byte(gs.Kit))
		}
	}
	var batches []*mparticle.Batch
	for _, dir := range []string{"fixture_default", "event_attribute_mappings", "subscription_groups", "user_attribute_types", "bundled_purchase"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "golden", dir, "batch.json"))
		if err != nil {
			continue
		}
		if b, err := mparticle.DecodeBatch(raw); err == nil {
			batches = append(batches, b)
		}
	}
	if len(batches) == 0 {
		f.Fatal("no sample batch decoded")
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := kitConfigFromFuzz(data)
		s, err := FromKitConfig(cfg)
		for range 3 {
			s2, err2 := FromKitConfig(cfg)
			if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
				t.Fatalf("not deterministic: %v, then %v", err, err2)
			}
			if !reflect.DeepEqual(s, s2) {
				t.Fatalf("not deterministic:\n%+v\nthen\n%+v", s, s2)
			}
		}
		if err != nil {
			if !reflect.DeepEqual(s, Settings{}) {
				t.Fatalf("error %v with non-zero settings %+v", err, s)
			}
			// The key, or the Settings field it sets (validation names
			// Settings.SubscriptionGroupMapping for subscriptionGroupMapping).
			named, msg := false, strings.ToLower(err.Error())
			for k := range cfg {
				if k = strings.ToLower(k); k != "" && strings.Contains(msg, k) {
					named = true
				}
			}
			if !named {
				t.Fatalf("error names no key of the configuration: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("returned settings do not validate: %v", err)
		}
		m, err := New(s)
		if err != nil {
			t.Fatalf("returned settings do not build a mapper: %v", err)
		}
		for _, b := range batches {
			res := m.Map(b)
			for i := range res.Attributes {
				if err := res.Attributes[i].Validate(); err != nil {
					t.Fatalf("attributes[%d]: %v", i, err)
				}
			}
			for i := range res.Events {
				if err := res.Events[i].Validate(); err != nil {
					t.Fatalf("events[%d]: %v", i, err)
				}
			}
			for i := range res.Purchases {
				if err := res.Purchases[i].Validate(); err != nil {
					t.Fatalf("purchases[%d]: %v", i, err)
				}
			}
		}
	})
}
