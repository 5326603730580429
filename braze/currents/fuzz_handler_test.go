package currents

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mpbraze/mpbraze/internal/testhttp"
)

// FuzzHandler posts arbitrary bodies (plain or gzip-compressed, with a
// sink that accepts or refuses) to a Handler and checks what it promises:
// no panic; an answer from the documented set with a JSON body; the sink
// called only for a body DecodeBody accepts, with exactly the events
// DecodeBody returns (the handler's streaming decoder and DecodeBody agree);
// 200 only when the sink took them, 503 when it refused; nothing over the
// size limit reaches the sink. The seed corpus is in
// testdata/fuzz/FuzzHandler.
func FuzzHandler(f *testing.F) {
	for _, name := range []string{"fixture_custom_http.json", "all_families.json"} {
		if raw, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(raw, uint8(0))
			f.Add(raw, uint8(1))
		}
	}
	f.Add([]byte(`{"events":[]}`), uint8(0))
	f.Add([]byte(`{"events":[{"event_type":"x","id":"1","time":1}]}`), uint8(2))

	const token, limit = "fuzz-token", 64 << 10
	f.Fuzz(func(t *testing.T, body []byte, flags uint8) {
		gzipped, refuse := flags&1 != 0, flags&2 != 0
		var got []Event
		calls := 0
		sink := SinkFunc(func(_ context.Context, events []Event) error {
			calls++
			got = events
			if refuse {
				return errors.New("refused")
			}
			return nil
		})
		h, err := NewHandler(sink, WithToken(token), WithMaxBodyBytes(limit))
		if err != nil {
			t.Fatal(err)
		}
		wire := body
		if gzipped {
			wire = testhttp.Gzip(body)
		}
		r := testhttp.NewRequest("/currents", token, wire, gzipped)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		var answer map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("status %d: answer is not JSON: %q", rec.Code, rec.Body.String())
		}
		want, decodeErr := DecodeBody(body)
		switch rec.Code {
		case http.StatusOK, http.StatusServiceUnavailable:
			if decodeErr != nil {
				t.Fatalf("status %d for a body DecodeBody refuses (%v)", rec.Code, decodeErr)
			}
			if len(body) > limit {
				t.Fatalf("status %d for a %d-byte body over the %d limit", rec.Code, len(body), limit)
			}
			if len(want) == 0 {
				if calls != 0 || rec.Code != http.StatusOK {
					t.Fatalf("empty batch: status %d, sink called %d times", rec.Code, calls)
				}
				return
			}
			if calls != 1 {
				t.Fatalf("sink called %d times", calls)
			}
			if (rec.Code == http.StatusOK) == refuse {
				t.Fatalf("status %d with a sink that refuses=%v", rec.Code, refuse)
			}
			if !reflect.DeepEqual(normalizeEvents(got), normalizeEvents(want)) {
				t.Fatalf("handler decoded other events than DecodeBody:\n%+v\n%+v", got, want)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if calls != 0 {
				t.Fatalf("status %d but the sink was called", rec.Code)
			}
			if rec.Code == http.StatusBadRequest && decodeErr == nil && len(body) <= limit {
				t.Fatalf("400 for a body DecodeBody accepts: %s", rec.Body.String())
			}
		default:
			t.Fatalf("unexpected status %d: %s", rec.Code, rec.Body.String())
		}
	})
}

// normalizeEvents re-encodes events so that equal JSON compares equal
// (raw property bytes may differ in insignificant ways).
func normalizeEvents(events []Event) string {
	b, err := EncodeBody(events)
	if err != nil {
		return "unencodable: " + err.Error()
	}
	return string(b)
}
