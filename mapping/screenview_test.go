package mapping

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScreenViewName: a forwarded screen view is named its screen name,
// after ScreenViewPrefix when one is set.
func TestScreenViewName(t *testing.T) {
	b := decode(t, `{"environment":"production","user_identities":{"customer_id":"c"},"events":[
		{"event_type":"screen_view","data":{"screen_name":"Home","timestamp_unixtime_ms":1714590000000}}]}`)
	for prefix, want := range map[string]string{"": "Home", "Viewed ": "Viewed Home"} {
		m, err := New(Settings{ForwardScreenViews: true, ScreenViewPrefix: prefix})
		require.NoError(t, err)
		r := m.Map(b)
		require.Len(t, r.Events, 1)
		require.Equal(t, want, r.Events[0].Name)
		var into Result
		m.MapInto(&into, b)
		require.Equal(t, r, into)
	}
}
