package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/examples/internal/cli"
)

// message1 joins two users (the second has only a hashed customer id) to
// audiences 10 and 20; message2 moves the first from 10 to 30.
const (
	message1 = `{"type":"audience_membership_change_request","id":"m1","account":{"account_id":1},"user_profiles":[
 {"mpid":"1","user_identities":[{"type":"customer","encoding":"raw","value":"c-1"}],"device_identities":[{"type":"google_cloud_messaging_token","encoding":"raw","value":"fcm-1"}],
  "audiences":[{"audience_id":10,"audience_name":"Ten","action":"add"},{"audience_id":20,"audience_name":"Twenty","action":"add"}]},
 {"mpid":"2","user_identities":[{"type":"customer","encoding":"sha256","value":"abc"}],"audiences":[{"audience_id":10,"audience_name":"Ten","action":"add"}]}]}`
	message2 = `{"type":"audience_membership_change_request","id":"m2","account":{"account_id":1},"user_profiles":[
 {"mpid":"1","user_identities":[{"type":"customer","encoding":"raw","value":"c-1"}],
  "audiences":[{"audience_id":10,"audience_name":"Ten","action":"delete"},{"audience_id":30,"audience_name":"Thirty","action":"add"}]}]}`
	// twoMessages is the NDJSON form of both.
	twoMessages = message1 + "\n" + message2 + "\n"
)

func writeInput(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.json")
	require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
	return p
}

// jsonLines decodes every stdout line.
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		out = append(out, m)
	}
	return out
}

func TestRunLocalFakeBraze(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-in", "-", "-send-segments-as", "string,per-segment", "-api-key-os", "android", "-app-id", "and-app"},
		strings.NewReader(twoMessages), &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, stderr.String())

	lines := jsonLines(t, stdout.String())
	var user map[string]any
	results := 0
	for _, l := range lines {
		if l["braze_user"] == "c-1" {
			user = l["attributes"].(map[string]any)
		}
		if l["result"] == "delivered" {
			results++
		}
	}
	assert.Equal(t, 2, results, "one object per message for c-1")
	require.NotNil(t, user, stdout.String())
	assert.Equal(t, "20,30", user["SegmentMembership"])
	assert.Equal(t, false, user["In Ten"])
	assert.Equal(t, true, user["In Thirty"])
	assert.Equal(t, []any{map[string]any{"app_id": "and-app", "token": "fcm-1"}}, user["push_tokens"])

	e := stderr.String()
	assert.Contains(t, e, "in-process fake Braze")
	assert.Contains(t, e, "skipped user_profiles[1] (mpid 2): hashed_external_id")
	assert.Contains(t, e, "2 messages: 2 user updates (2 delivered, 0 failed), 1 users skipped, 0 user errors")
}

func TestRunDryRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-in", writeInput(t, " [\n"+message1+",\n"+message2+"]\n"), "-dry-run", "-send-segments-as", "array"},
		nil, &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, stderr.String())
	var requests []map[string]any
	for _, l := range jsonLines(t, stdout.String()) {
		if l["path"] != nil {
			requests = append(requests, l)
		}
	}
	require.NotEmpty(t, requests)
	assert.Equal(t, "/users/track", requests[0]["path"])
	body, err := json.Marshal(requests)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"SegmentMembershipArray":{"add":["10","20"]}`)
	assert.Contains(t, string(body), `"SegmentMembershipArray":{"add":["30"],"remove":["10"]}`)
	assert.NotContains(t, string(body), `"SegmentMembership":`)
}

func TestRunAgainstBrazeURL(t *testing.T) {
	srv := brazetest.NewServer()
	defer srv.Close()
	t.Setenv("BRAZE_REST_KEY", srv.Key())
	var stdout, stderr bytes.Buffer
	code := run([]string{"-in", writeInput(t, twoMessages), "-braze-url", srv.URL(), "-allow-http"}, nil, &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, stderr.String())
	u, ok := srv.User("c-1")
	require.True(t, ok)
	assert.Equal(t, "20,30", u.Attributes["SegmentMembership"])
	assert.NotContains(t, u.Attributes, "push_tokens", "API key OS unselected: no tokens")
	assert.NotContains(t, stderr.String(), srv.Key(), "the REST key is never printed")
	assert.NotContains(t, stdout.String(), srv.Key())
}

func TestRunFailures(t *testing.T) {
	// Wrong key: every object fails, exit 1.
	srv := brazetest.NewServer()
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-in", writeInput(t, twoMessages), "-braze-url", srv.URL(), "-allow-http", "-braze-key", "wrong-key"}, nil, &stdout, &stderr)
	assert.Equal(t, cli.ExitFailed, code)
	assert.Contains(t, stdout.String(), `"result":"failed"`)
	assert.NotContains(t, stderr.String()+stdout.String(), "wrong-key")

	// Malformed input: exit 1, naming the message.
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"-in", "-", "-dry-run"}, strings.NewReader(`{"type":"audience_membership_change_request","id":"ok","account":{"account_id":1}}`+"\n{not json"), &stdout, &stderr)
	assert.Equal(t, cli.ExitFailed, code)
	assert.Contains(t, stderr.String(), "message 1")

	// A SegmentMembership over 255 characters is a user error: exit 1.
	var big strings.Builder
	big.WriteString(`{"type":"audience_membership_change_request","id":"big","account":{"account_id":1},"user_profiles":[{"mpid":"1","user_identities":[{"type":"customer","encoding":"raw","value":"c"}],"audiences":[`)
	for i := range 40 {
		if i > 0 {
			big.WriteString(",")
		}
		big.WriteString(`{"audience_id":` + itoa(1000000+i) + `,"audience_name":"A","action":"add"}`)
	}
	big.WriteString(`]}]}`)
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"-in", "-", "-dry-run"}, strings.NewReader(big.String()), &stdout, &stderr)
	assert.Equal(t, cli.ExitFailed, code)
	assert.Contains(t, stderr.String(), "over Braze's limit of 255")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestRunUsage(t *testing.T) {
	cases := [][]string{
		{},
		{"-in", "x", "-send-segments-as", "string,csv"},
		{"-in", "x", "-api-key-os", "windows"},
		{"-in", "x", "-api-key-os", "iOS"},
		{"-in", "x", "-external-identity-type", "customer_id"},
		{"-in", "x", "-braze-url", "https://example.invalid", "-instance", "US-03", "-braze-key", "k"},
		{"-in", "x", "-instance", "US-03"},
		{"-in", "/nonexistent/file", "-dry-run"},
		{"-in", "-", "-instance", "XX-99", "-braze-key", "k"},
		{"-in", "-", "-braze-url", "http://127.0.0.1:1", "-braze-key", "k"},
		{"-in", "x", "extra"},
	}
	for _, args := range cases {
		t.Setenv("BRAZE_REST_KEY", "")
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(""), &stdout, &stderr)
		assert.Equal(t, cli.ExitUsage, code, "%v: %s", args, stderr.String())
		assert.NotEmpty(t, stderr.String(), "%v", args)
	}
}
