package mapping

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// eventsOfEveryType are events of every type scan reads a timestamp
// from, each with a %d for it.
var eventsOfEveryType = []string{
	`{"event_type":"custom_event","data":{"event_name":"e","custom_event_type":"other","timestamp_unixtime_ms":%d}}`,
	`{"event_type":"screen_view","data":{"screen_name":"s","timestamp_unixtime_ms":%d}}`,
	`{"event_type":"commerce_event","data":{"currency_code":"USD","product_action":{"action":"add_to_cart","products":[{"id":"p","price":1}]},"timestamp_unixtime_ms":%d}}`,
	`{"event_type":"user_attribute_change","data":{"user_attribute_name":"a","new":"b","timestamp_unixtime_ms":%d}}`,
	`{"event_type":"session_start","data":{"timestamp_unixtime_ms":%d}}`,
	`{"event_type":"session_end","data":{"timestamp_unixtime_ms":%d}}`,
	`{"event_type":"push_registration","data":{"register":true,"registration_token":"t","timestamp_unixtime_ms":%d}}`,
	`{"event_type":"crash_report","data":{"message":"boom","timestamp_unixtime_ms":%d}}`,
}

// TestTimeOrderRandom holds timeOrder to a stable sort of the events by
// the time each gets (its own timestamp, else the batch's, else now), on
// batches mixing timestamps in order, out of order, equal, absent and out
// of range, with and without a batch timestamp, on events of every type: timeOrder settles two
// events with timestamps of their own by comparing those, and the others
// by their times.
func TestTimeOrderRandom(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m, err := New(Settings{Now: func() time.Time { return now }})
	require.NoError(t, err)
	const base = 1714590000000 // 2024-05-01
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range 20000 {
		batchMS := int64(0)
		if rng.IntN(2) == 0 {
			batchMS = base + int64(rng.IntN(6))
		}
		count := 1 + rng.IntN(6)
		stamps := make([]int64, count)
		events := make([]string, count)
		for i := range stamps {
			switch r := rng.IntN(10); {
			case r < 6:
				stamps[i] = base + int64(rng.IntN(6)) // ties and both orders
			case r < 7:
				stamps[i] = base + int64(i) // in order
			case r < 8:
				stamps[i] = 0 // none: batch time or now
			case r < 9:
				stamps[i] = -int64(1 + rng.IntN(3)) // out of range
			default:
				stamps[i] = maxUnixMilli + 1
			}
			events[i] = fmt.Sprintf(eventsOfEveryType[rng.IntN(len(eventsOfEveryType))], stamps[i])
		}
		js := `{"environment":"production","user_identities":{"customer_id":"c"},"events":[` + strings.Join(events, ",") + `]`
		if batchMS != 0 {
			js += fmt.Sprintf(`,"timestamp_unixtime_ms":%d`, batchMS)
		}
		b := decode(t, js+`}`)

		want := make([]time.Time, count)
		for i, ms := range stamps {
			switch {
			case ms > 0 && ms <= maxUnixMilli:
				want[i] = time.UnixMilli(ms).UTC()
			case batchMS != 0:
				want[i] = time.UnixMilli(batchMS).UTC()
			default:
				want[i] = now
			}
		}
		wantOrder := make([]int, count)
		for i := range wantOrder {
			wantOrder[i] = i
		}
		slices.SortStableFunc(wantOrder, func(a, b int) int { return want[a].Compare(want[b]) })

		st := m.getState(b)
		require.False(t, st.scan())
		order, times := st.timeOrder()
		require.Equal(t, wantOrder, order, "batch %d: stamps %v, batch %d", n, stamps, batchMS)
		require.Equal(t, want, times, "batch %d", n)
		m.putState(st)
	}
}
