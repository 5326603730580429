package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze/brazetest"
)

const batchAda = `{"source_request_id":"b-ada","user_identities":{"customer_id":"cust-ada","email":"ada@example.org"},"user_attributes":{"$FirstName":"Ada"},"events":[{"event_type":"custom_event","data":{"event_name":"Opened","custom_event_type":"other","timestamp_unixtime_ms":1764320400000}}]}`
const batchGrace = `{"source_request_id":"b-grace","user_identities":{"customer_id":"cust-grace","email":"grace@example.org"},"events":[{"event_type":"custom_event","data":{"event_name":"Searched","custom_event_type":"search","timestamp_unixtime_ms":1764320500000}}]}`
const batchAnon = `{"source_request_id":"b-anon","user_identities":{"email":"visitor@example.org"},"events":[{"event_type":"custom_event","data":{"event_name":"Browsed","custom_event_type":"navigation","timestamp_unixtime_ms":1764320600000}}]}`

type result struct {
	code           int
	stdout, stderr string
}

func runWith(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func serverArgs(srv *brazetest.Server, extra ...string) []string {
	return append([]string{"-braze-url", srv.URL(), "-allow-http", "-braze-key", brazetest.DefaultKey}, extra...)
}

func TestForwardNDJSONFile(t *testing.T) {
	srv := brazetest.NewServer()
	defer srv.Close()
	in := writeFile(t, "in.ndjson", batchAda+"\n"+batchGrace+"\n"+batchAnon+"\n")
	r := runWith(t, "", serverArgs(srv, "-in", in)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 batches read, 0 malformed")
	assert.Contains(t, r.stderr, "4 delivered, 0 failed")
	assert.Contains(t, r.stderr, "user_skipped 1")
	ada, ok := srv.User("cust-ada")
	require.True(t, ok)
	assert.Equal(t, "Ada", ada.Attributes["first_name"])
	_, ok = srv.User("cust-grace")
	assert.True(t, ok)
}

func TestForwardStdinJSONArrayAndEnvKey(t *testing.T) {
	srv := brazetest.NewServer()
	defer srv.Close()
	t.Setenv("BRAZE_REST_KEY", brazetest.DefaultKey)
	r := runWith(t, "["+batchAda+","+batchGrace+"]", "-in", "-", "-braze-url", srv.URL(), "-allow-http")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 batches read")
	assert.NotContains(t, r.stderr+r.stdout, brazetest.DefaultKey, "the key is never printed")
}

func TestForwardMalformedInputNamesTheBatch(t *testing.T) {
	srv := brazetest.NewServer()
	defer srv.Close()
	in := writeFile(t, "in.ndjson", batchAda+"\n"+`{"events": "not a list"}`+"\n"+batchGrace+"\n")
	r := runWith(t, "", serverArgs(srv, "-in", in)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "input error: mparticle: decode batch 1 (line 2)")
	assert.Contains(t, r.stderr, "2 batches read, 1 malformed", "a batch that is valid JSON does not end the stream")
	_, ok := srv.User("cust-grace")
	assert.True(t, ok)

	r = runWith(t, batchAda+"\n{oops\n", serverArgs(srv, "-in", "-")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "line 2")
}

func TestForwardFailedObjectsExitNonZero(t *testing.T) {
	srv := brazetest.NewServer(brazetest.WithKey("another-key"))
	defer srv.Close()
	in := writeFile(t, "in.json", batchAda)
	r := runWith(t, "", serverArgs(srv, "-in", in)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "0 delivered, 2 failed")
	assert.Contains(t, r.stderr, "not delivered: attributes of batch b-ada")
	assert.Contains(t, r.stderr, "401")
	assert.NotContains(t, r.stderr, brazetest.DefaultKey)
}

func TestForwardDryRunPrintsRequestsAndSendsNothing(t *testing.T) {
	in := writeFile(t, "in.ndjson", batchAda+"\n"+batchGrace+"\n")
	r := runWith(t, "", "-in", in, "-dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 1, "both batches fit one request")
	var req struct {
		Method, Path string
		Body         struct {
			Attributes []map[string]any `json:"attributes"`
			Events     []map[string]any `json:"events"`
		} `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &req))
	assert.Equal(t, "/users/track", req.Path)
	assert.Len(t, req.Body.Attributes, 2)
	assert.Len(t, req.Body.Events, 2)
}

func TestForwardKitConfig(t *testing.T) {
	srv := brazetest.NewServer()
	defer srv.Close()
	kc := writeFile(t, "kit.json", `{"userIdentificationType": "Email"}`)
	in := writeFile(t, "in.ndjson", batchAda+"\n"+batchAnon+"\n")
	r := runWith(t, "", serverArgs(srv, "-in", in, "-kit-config", kc)...)
	require.Equal(t, 0, r.code, r.stderr)
	_, ok := srv.User("ada@example.org")
	assert.True(t, ok, "external_id is the email identity")
	_, ok = srv.User("visitor@example.org")
	assert.True(t, ok)

	bad := writeFile(t, "bad.json", `{"userIdentificationType": "Nope"}`)
	r = runWith(t, "", serverArgs(srv, "-in", in, "-kit-config", bad)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "Config.KitConfig")
}

func TestForwardProgressOnLongInput(t *testing.T) {
	srv := brazetest.NewServer()
	defer srv.Close()
	var in strings.Builder
	for i := 0; i < 1001; i++ {
		fmt.Fprintf(&in, `{"user_identities":{"customer_id":"u-%d"},"events":[{"event_type":"custom_event","data":{"event_name":"E","custom_event_type":"other","timestamp_unixtime_ms":1764320400000}}]}`+"\n", i)
	}
	r := runWith(t, in.String(), serverArgs(srv, "-in", "-")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "forward: 1000 batches read,")
	assert.Contains(t, r.stderr, "1001 batches read, 0 malformed")
	assert.Contains(t, r.stderr, "1001 delivered, 0 failed")
}

func TestForwardUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"-dry-run"}, "-in is required"},
		{"no key", []string{"-in", "-", "-instance", "US-03"}, "-braze-key"},
		{"no endpoint", []string{"-in", "-", "-braze-key", "k"}, "set -braze-url or -instance (or use -dry-run)"},
		{"both endpoints", []string{"-in", "-", "-braze-key", "k", "-instance", "US-03", "-braze-url", "https://x"}, "not both"},
		{"bad instance", []string{"-in", "-", "-braze-key", "k", "-instance", "MARS-01"}, "-instance"},
		{"plain http", []string{"-in", "-", "-braze-key", "k", "-braze-url", "http://127.0.0.1:1"}, "Config.BrazeURL"},
		{"missing file", []string{"-in", "/nonexistent/in.json", "-dry-run"}, "no such file"},
		{"stray argument", []string{"-in", "-", "-dry-run", "extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("BRAZE_REST_KEY", "")
			r := runWith(t, "", tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}
