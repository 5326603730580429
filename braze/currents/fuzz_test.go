package currents

import (
	"testing"
)

// FuzzDecodeBody checks that no input makes the decoder panic, and that any
// body it accepts re-encodes to a fixed point: decode → encode → decode →
// encode gives the same bytes and the same number of events.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"events":[{"event_type":"users.messages.email.Open","id":"1","time":1714602310,"user":{"external_user_id":"u"},"properties":{"a":1}}]}`))
	f.Add([]byte(`{"events":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := DecodeBody(body)
		if err != nil {
			return
		}
		for i := range events {
			ev := &events[i]
			_ = ev.Family()
			_ = ev.UnixMilli()
			_, _ = ev.Email()
			_, _ = ev.CustomEvent()
		}
		enc, err := EncodeBody(events)
		if err != nil {
			t.Fatalf("accepted body does not re-encode: %v", err)
		}
		again, err := DecodeBody(enc)
		if err != nil {
			t.Fatalf("re-encoded body does not decode: %v\n%s", err, enc)
		}
		if len(again) != len(events) {
			t.Fatalf("re-decoded %d events, want %d", len(again), len(events))
		}
		enc2, err := EncodeBody(again)
		if err != nil {
			t.Fatal(err)
		}
		if string(enc) != string(enc2) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", enc, enc2)
		}
	})
}
