package mapping

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

var update = flag.Bool("update", false, "rewrite the want.json files of the golden tests")

// goldenNow is the clock of every golden case (for $Age and missing
// timestamps).
var goldenNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// goldenSettings is the optional settings.json of a golden case: kit
// configuration as mParticle sends it, plus Go-only settings.
type goldenSettings struct {
	Kit      map[string]string `json:"kit"`
	Mappings []struct {
		Action        string `json:"action"` // eaa, ear or eas
		EventName     string `json:"event_name"`
		AttributeKey  string `json:"attribute_key"`
		UserAttribute string `json:"user_attribute"`
	} `json:"mappings"`
}

func loadGoldenSettings(t *testing.T, dir string) Settings {
	t.Helper()
	var gs goldenSettings
	raw, err := os.ReadFile(filepath.Join(dir, "settings.json"))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&gs), "settings.json")
	} else {
		require.True(t, os.IsNotExist(err), "settings.json: %v", err)
	}
	s, err := FromKitConfig(gs.Kit)
	require.NoError(t, err)
	for _, m := range gs.Mappings {
		em := EventAttributeMapping{EventName: m.EventName, AttributeKey: m.AttributeKey, UserAttribute: m.UserAttribute}
		switch m.Action {
		case "eaa":
			em.Action = AddToArray
		case "ear":
			em.Action = RemoveFromArray
		case "eas":
			em.Action = SetAttribute
		default:
			t.Fatalf("settings.json: unknown mapping action %q", m.Action)
		}
		s.EventAttributeMappings = append(s.EventAttributeMappings, em)
	}
	s.Now = func() time.Time { return goldenNow }
	return s
}

// TestGolden maps testdata/golden/<case>/batch.json with the case's
// settings.json and compares the Result, as JSON, with want.json. Run with
// -update to rewrite want.json, then review every change by hand against
// the mapping rules.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := New(loadGoldenSettings(t, dir))
			require.NoError(t, err)
			raw, err := os.ReadFile(filepath.Join(dir, "batch.json"))
			require.NoError(t, err)
			b, err := mparticle.DecodeBatch(raw)
			require.NoError(t, err)

			res := m.Map(b)
			got, err := json.MarshalIndent(res, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')

			// The same batch mapped twice gives the same bytes.
			again, err := json.MarshalIndent(m.Map(b), "", "  ")
			require.NoError(t, err)
			assert.Equal(t, string(got[:len(got)-1]), string(again), "Map is not deterministic")

			// Whatever the mapper emits must pass Braze's rules.
			req := res.TrackRequest()
			if n := req.Len(); n > 0 && n <= braze.DefaultLimits().MaxObjects {
				assert.NoError(t, req.Validate(braze.DefaultLimits()), "mapped objects are not valid Braze objects")
			}

			wantPath := filepath.Join(dir, "want.json")
			if *update {
				require.NoError(t, os.WriteFile(wantPath, got, 0o644))
				return
			}
			want, err := os.ReadFile(wantPath)
			require.NoError(t, err, "missing want.json; run go test -run TestGolden -update and review it")
			assert.JSONEq(t, string(want), string(got))
		})
	}
}
