package brazetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

var fuzzPaths = []string{"/users/track", "/users/alias/new", "/users/identify", "/users/merge",
	"/users/delete", "/v2/subscription/status/set", "/users/external_ids/rename"}

// FuzzEndpoints feeds arbitrary bodies to every endpoint: the fake must
// never panic, must answer with a JSON body, and must answer 201/202 or a
// 4xx (never 5xx without injected faults).
func FuzzEndpoints(f *testing.F) {
	seeds := []struct {
		path uint8
		body string
	}{
		{0, `{"attributes":[{"external_id":"u","a":{"inc":1},"t":{"add":["x"],"remove":["y"]},"o":{"k":{"$time":"2025-01-01"}},"_merge_objects":true}],"events":[{"external_id":"u","name":"e","time":"2025-01-01T00:00:00Z","properties":{"p":[1,{"a":"b"}]}}],"purchases":[{"external_id":"u","product_id":"p","currency":"USD","price":1,"quantity":2,"time":"2025-01-01T00:00:00Z"}]}`},
		{0, `{"attributes":[{"user_alias":{"alias_name":"n","alias_label":"l"},"_update_existing_only":false,"arr":{"$add":[{"id":1}],"$remove":[{"$identifier_key":"id","$identifier_value":1}]}}]}`},
		{0, `{"attributes":[{"external_id":"u","push_tokens":[{"app_id":"a","token":"t"}],"subscription_groups":[{"subscription_group_id":"a1b2c3d4-0000-4000-8000-123456789abc","subscription_state":"subscribed"}]}]}`},
		{1, `{"user_aliases":[{"external_id":"u","alias_name":"n","alias_label":"l"}]}`},
		{2, `{"aliases_to_identify":[{"external_id":"u","user_alias":{"alias_name":"n","alias_label":"l"}}],"emails_to_identify":[{"external_id":"u","email":"a@b.co","prioritization":["unidentified"]}]}`},
		{3, `{"merge_updates":[{"identifier_to_merge":{"external_id":"a"},"identifier_to_keep":{"email":"a@b.co","prioritization":["identified"]}}]}`},
		{4, `{"user_aliases":[{"alias_name":"n","alias_label":"l"}]}`},
		{5, `{"subscription_groups":[{"subscription_group_id":"g","subscription_state":"subscribed","phones":["+15555550100"]}]}`},
		{6, `{"external_id_renames":[{"current_external_id":"a","new_external_id":"b"}]}`},
		{0, `{"attributes":[null,1,"x",[]],"events":{}}`},
	}
	for _, s := range seeds {
		f.Add(s.path, []byte(s.body))
	}
	s := NewServer()
	f.Cleanup(s.Close)
	f.Fuzz(func(t *testing.T, path uint8, body []byte) {
		// Seed a user first so that updates, merges and renames have targets.
		for _, b := range [][]byte{[]byte(`{"attributes":[{"external_id":"u","email":"a@b.co"},{"external_id":"a"}]}`), body} {
			p := fuzzPaths[int(path)%len(fuzzPaths)]
			if len(b) != len(body) || !bytes.Equal(b, body) {
				p = "/users/track"
			}
			req := httptest.NewRequest(http.MethodPost, p, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.Key())
			rec := httptest.NewRecorder()
			s.serveHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %q: status %d", p, body, rec.Code)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %q: answer is not JSON: %q", p, body, rec.Body.String())
			}
		}
		_ = s.Users() // snapshots must not panic either
	})
}
