package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBrazeFlags(t *testing.T) {
	env := map[string]string{BrazeKeyEnv: "env-key"}
	parse := func(args ...string) (Braze, error) {
		var b Braze
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		b.Register(fs, "neither: demo")
		require.NoError(t, fs.Parse(args))
		return b, b.Check(func(k string) string { return env[k] })
	}
	b, err := parse("-instance", "US-03")
	require.NoError(t, err)
	assert.Equal(t, "env-key", b.Key, "the environment fills an empty flag")
	cfg, err := b.Endpoint(io.Discard)
	require.NoError(t, err)
	assert.Equal(t, braze.US03, cfg.Instance)
	assert.Equal(t, "env-key", cfg.BrazeKey)

	b, err = parse("-braze-key", "flag-key", "-braze-url", "http://127.0.0.1:1", "-allow-http")
	require.NoError(t, err)
	cfg, err = b.Endpoint(io.Discard)
	require.NoError(t, err)
	assert.Equal(t, mpbraze.Config{BrazeKey: "flag-key", BrazeURL: "http://127.0.0.1:1", AllowHTTP: true}, cfg, "the flag wins")

	_, err = parse("-instance", "US-03", "-braze-url", "https://x")
	assert.ErrorContains(t, err, "not both")
	b, err = parse("-instance", "MARS-01")
	require.NoError(t, err)
	_, err = b.Endpoint(io.Discard)
	assert.ErrorContains(t, err, "-instance")
}

// TestDryRunSendsNothing: a kit on the dry-run endpoint prints its
// request as one JSON line and gets Braze's success answer.
func TestDryRunSendsNothing(t *testing.T) {
	var out bytes.Buffer
	b := Braze{DryRun: true}
	cfg, err := b.Endpoint(&out)
	require.NoError(t, err)
	k, err := mpbraze.New(cfg)
	require.NoError(t, err)
	batch := mparticle.NewBatch(mparticle.EnvironmentProduction)
	batch.UserIdentities = &mparticle.UserIdentities{CustomerID: "c-1"}
	ev, err := mparticle.NewCustomEvent("Opened", mparticle.CustomOther, nil)
	require.NoError(t, err)
	batch.AddEvent(ev)
	require.NoError(t, k.Forward(context.Background(), batch))
	rep, err := k.Close(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rep.Failed)
	line := out.String()
	assert.True(t, strings.HasPrefix(line, `{"method":"POST","path":"/users/track","body":{`), line)
	assert.Contains(t, line, `"external_id":"c-1"`)
	assert.Equal(t, 1, strings.Count(line, "\n"))
}

func TestOpenInput(t *testing.T) {
	stdin := strings.NewReader("from stdin")
	r, closeIn, err := OpenInput("-", stdin)
	require.NoError(t, err)
	assert.Same(t, stdin, r)
	require.NoError(t, closeIn())

	path := filepath.Join(t.TempDir(), "in.json")
	require.NoError(t, os.WriteFile(path, []byte("from file"), 0o600))
	r, closeIn, err = OpenInput(path, stdin)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "from file", string(got))
	require.NoError(t, closeIn())

	_, _, err = OpenInput(filepath.Join(t.TempDir(), "missing"), stdin)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestNoArgsAndFromEnv(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	require.NoError(t, fs.Parse([]string{"a", "b"}))
	assert.EqualError(t, NoArgs(fs), "unexpected arguments: a b")
	v := ""
	FromEnv(func(string) string { return "env" }, &v, "X")
	assert.Equal(t, "env", v)
	FromEnv(func(string) string { return "other" }, &v, "X")
	assert.Equal(t, "env", v, "a set value wins")
}
