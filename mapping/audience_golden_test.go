package mapping

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// updateAudienceGolden rewrites testdata/audience/*/want.json. It has its
// own name so it never clashes with the mapper's golden -update flag in the
// same test binary. Review every rewritten file by hand.
var updateAudienceGolden = flag.Bool("update-audience", false, "rewrite testdata/audience/*/want.json")

// audienceGoldenSettings is settings.json of a golden case.
type audienceGoldenSettings struct {
	SendSegmentsAs       string `json:"send_segments_as"`
	ExternalIdentityType string `json:"external_identity_type"`
	EmailIdentityType    string `json:"email_identity_type"`
	APIKeyOS             string `json:"api_key_os"`
	AppID                string `json:"app_id"`
}

// audienceGoldenStep is one entry of steps.json: a message to map, or a
// ClearAudience call.
type audienceGoldenStep struct {
	Message json.RawMessage `json:"message"`
	Clear   *struct {
		AudienceID int64  `json:"audience_id"`
		Name       string `json:"name"`
	} `json:"clear"`
}

// audienceGoldenResult is the JSON form of an AudienceResult in want.json.
type audienceGoldenResult struct {
	Attributes  []braze.Attributes `json:"attributes"`
	Skipped     []AudienceSkip     `json:"skipped,omitempty"`
	Errors      []string           `json:"errors,omitempty"`
	Diagnostics []Diagnostic       `json:"diagnostics,omitempty"`
}

func goldenView(r AudienceResult) audienceGoldenResult {
	v := audienceGoldenResult{Attributes: r.Attributes, Skipped: r.Skipped, Diagnostics: r.Diagnostics}
	if v.Attributes == nil {
		v.Attributes = []braze.Attributes{}
	}
	for _, err := range r.Errors {
		v.Errors = append(v.Errors, err.Error())
	}
	return v
}

func (g audienceGoldenSettings) settings(t *testing.T) AudienceSettings {
	t.Helper()
	f, err := ParseSegmentFormat(g.SendSegmentsAs)
	require.NoError(t, err)
	keyOS, err := ParseAPIKeyOS(g.APIKeyOS)
	require.NoError(t, err)
	return AudienceSettings{
		SendSegmentsAs:       f,
		ExternalIdentityType: g.ExternalIdentityType,
		EmailIdentityType:    g.EmailIdentityType,
		APIKeyOS:             keyOS,
		AppID:                g.AppID,
	}
}

// TestAudienceGolden maps every case in testdata/audience/<case>/: the
// optional settings.json, steps.json (messages and ClearAudience calls run
// in order against one AudienceMapper, so membership carries over) and
// want.json (one result per step).
func TestAudienceGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "audience", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var gs audienceGoldenSettings
			if b, err := os.ReadFile(filepath.Join(dir, "settings.json")); err == nil {
				require.NoError(t, json.Unmarshal(b, &gs))
			}
			mapper, err := New(Settings{})
			require.NoError(t, err)
			am, err := NewAudienceMapper(gs.settings(t), mapper)
			require.NoError(t, err)

			b, err := os.ReadFile(filepath.Join(dir, "steps.json"))
			require.NoError(t, err)
			var steps []audienceGoldenStep
			require.NoError(t, json.Unmarshal(b, &steps))

			ctx := context.Background()
			got := make([]audienceGoldenResult, 0, len(steps))
			for i, st := range steps {
				var res AudienceResult
				switch {
				case st.Clear != nil:
					res, err = am.ClearAudience(ctx, st.Clear.AudienceID, st.Clear.Name)
				default:
					msg, decErr := mparticle.DecodeAudienceMembershipChangeRequest(st.Message)
					require.NoError(t, decErr, "step %d", i)
					res, err = am.Map(ctx, msg)
				}
				require.NoError(t, err, "step %d", i)
				got = append(got, goldenView(res))
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // keep "In <Audience Name>" readable
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(got))
			gotJSON := buf.Bytes()
			wantPath := filepath.Join(dir, "want.json")
			if *updateAudienceGolden {
				require.NoError(t, os.WriteFile(wantPath, gotJSON, 0o644))
				return
			}
			want, err := os.ReadFile(wantPath)
			require.NoError(t, err, "run with -update-audience to create it, then review it")
			assert.JSONEq(t, string(want), string(gotJSON))
		})
	}
}
