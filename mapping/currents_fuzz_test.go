package mapping

import (
	"encoding/json"
	"testing"

	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/mparticle"
)

// FuzzCurrentsToBatch translates every event of any decodable Currents body:
// no panic, every batch encodes to JSON that decodes again, and every batch
// carries the loop-guard mark, before and after the round trip.
func FuzzCurrentsToBatch(f *testing.F) {
	f.Add([]byte(`{"events":[{"event_type":"users.messages.email.Open","id":"1","time":1714602310,"user":{"external_user_id":"u","device_id":"d"},"properties":{"email_address":"a@b.c","platform":"ios","ad_id":"x","ad_id_type":"ios_idfa","ad_tracking_enabled":true,"n":{"a":[1]}}}]}`), false)
	f.Add([]byte(`{"events":[{"event_type":"users.behaviors.Uninstall","id":"2","user":{"external_user_id":"u"}}]}`), true)
	f.Fuzz(func(t *testing.T, body []byte, includeBehaviors bool) {
		events, err := currents.DecodeBody(body)
		if err != nil {
			return
		}
		opts := CurrentsOptions{IncludeBehaviors: includeBehaviors}
		res := NewCurrentsMapper(opts).Map(events)
		if len(res.Batches)+res.Skipped != len(events) {
			t.Fatalf("%d batches + %d skipped != %d events", len(res.Batches), res.Skipped, len(events))
		}
		for _, cb := range res.Batches {
			b := cb.Batch
			if !IsFromBrazeCurrents(b) {
				t.Fatalf("batch without loop-guard mark: %+v", b)
			}
			raw, err := json.Marshal(b)
			if err != nil {
				t.Fatalf("batch does not encode: %v", err)
			}
			var back mparticle.Batch
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatalf("batch JSON does not decode: %v\n%s", err, raw)
			}
			if !IsFromBrazeCurrents(&back) {
				t.Fatalf("loop-guard mark lost in JSON: %s", raw)
			}
			if n := len(b.Events[0].Data.Common().CustomAttributes); n > currentsMaxAttributes {
				t.Fatalf("%d custom attributes", n)
			}
		}
	})
}
