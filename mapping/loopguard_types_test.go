package mapping

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoopGuardEveryEventType marks one event of a batch, of each type that
// can carry the mark, and requires Map and MapInto to skip the batch as
// one from Braze Currents (scan reads the mark by the event's type), as
// IsFromBrazeCurrents does; the same batch with another origin is mapped.
func TestLoopGuardEveryEventType(t *testing.T) {
	events := map[string]string{
		"custom_event":   `"event_name":"E","custom_event_type":"other"`,
		"screen_view":    `"screen_name":"Home"`,
		"commerce_event": `"product_action":{"action":"add_to_cart","products":[{"id":"p","name":"P","price":1}]}`,
		"uninstall":      ``,
		"some_new_type":  `"x":1`,
	}
	m, err := New(Settings{ForwardScreenViews: true})
	require.NoError(t, err)
	for typ, fields := range events {
		for _, origin := range []string{OriginBrazeCurrents, "other"} {
			sep := ""
			if fields != "" {
				sep = ","
			}
			raw := fmt.Sprintf(`{"environment":"production","user_identities":{"customer_id":"c"},"events":[
				{"event_type":"custom_event","data":{"event_name":"Before","custom_event_type":"other"}},
				{"event_type":%q,"data":{%s%s"custom_flags":{%q:%q}}}]}`, typ, fields, sep, OriginFlag, origin)
			b := decode(t, raw)
			marked := origin == OriginBrazeCurrents
			assert.Equal(t, marked, IsFromBrazeCurrents(b), "%s %s", typ, origin)
			res := m.Map(b)
			var into Result
			m.MapInto(&into, b)
			for _, r := range []Result{res, into} {
				assert.Equal(t, marked, r.Skipped, "%s %s", typ, origin)
				if marked {
					require.NotEmpty(t, r.Diagnostics, "%s %s", typ, origin)
					assert.Equal(t, LoopGuard, r.Diagnostics[0].Code, "%s %s", typ, origin)
					assert.Zero(t, r.Len(), "%s %s", typ, origin)
					continue
				}
				assert.NotZero(t, r.Len(), "%s %s", typ, origin)
				for _, d := range r.Diagnostics {
					assert.NotEqual(t, LoopGuard, d.Code, "%s %s", typ, origin)
				}
			}
		}
	}
}
