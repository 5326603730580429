package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/examples/internal/cli"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestOnceDemo(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"-once", "-listen", "127.0.0.1:0"},
		env(map[string]string{"CURRENTS_TOKEN": "tok-from-env-123"}), &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, stderr.String())
	out := stdout.String()
	assert.Contains(t, out, `"event_name": "Email Sends"`)
	assert.Contains(t, out, `"event_name": "Push Notification Opens"`)
	assert.Contains(t, out, `"mpbraze_origin": "braze_currents"`)
	assert.Contains(t, stderr.String(), "delivered=2")
	assert.NotContains(t, stderr.String(), "tok-from-env-123", "the token is never logged")
}

var urlInLog = regexp.MustCompile(`url=(http://[^ ]+/currents)`)

// TestServeUntilSignal runs the server against a fake mParticle given by
// URL, posts a body, then "signals" (cancels ctx): the accepted events are
// delivered during the graceful shutdown.
func TestServeUntilSignal(t *testing.T) {
	fake := mparticletest.NewServer(mparticletest.WithCredentials("k-1", "s-1"))
	defer fake.Close()
	// The first delivery attempt fails: shutdown must still deliver.
	fake.InjectNext(mparticletest.ServerError(http.StatusServiceUnavailable))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-mparticle-url", fake.URL(), "-allow-http", "-token", "t0ken-abc"},
			env(map[string]string{"MPARTICLE_KEY": "k-1", "MPARTICLE_SECRET": "s-1"}), &stdout, &stderr)
	}()

	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" {
		require.True(t, time.Now().Before(deadline), "server never started: %s", stderr.String())
		if m := urlInLog.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}

	require.Error(t, postSample(ctx, url, "wrong-token"), "a wrong token is refused")
	require.NoError(t, postSample(ctx, url, "t0ken-abc"))
	cancel()
	code := <-done
	assert.Equal(t, cli.ExitOK, code, stderr.String())
	assert.Len(t, fake.Batches(), 2, "accepted events delivered during shutdown")
	logs := stderr.String()
	assert.NotContains(t, logs, "t0ken-abc")
	assert.NotContains(t, logs, "s-1\"")
	assert.Empty(t, stdout.String(), "only demo mode prints batches")
}

// startServer runs the program in the background and returns its URL and a
// function that stops it (as a signal would) and returns the exit status.
func startServer(t *testing.T, args []string, environ map[string]string, stdout, stderr *syncBuffer) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, env(environ), stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := urlInLog.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], func() int { cancel(); return <-done }
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("exited with %d: %s", code, stderr.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "server never started: %s", stderr.String())
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPerFeedCredentials: with a key pair for every feed in the environment
// no default pair is needed, and every feed's client delivers.
func TestPerFeedCredentials(t *testing.T) {
	fake := mparticletest.NewServer(mparticletest.WithCredentials("feed-k", "feed-s"))
	defer fake.Close()
	environ := map[string]string{}
	for _, p := range []string{"IOS", "ANDROID", "WEB", "UNBOUND"} {
		environ["MPARTICLE_"+p+"_KEY"], environ["MPARTICLE_"+p+"_SECRET"] = "feed-k", "feed-s"
	}
	var stdout, stderr syncBuffer
	url, stop := startServer(t, []string{"-listen", "127.0.0.1:0", "-mparticle-url", fake.URL(), "-allow-http", "-token", "tk"}, environ, &stdout, &stderr)
	require.NoError(t, postSample(context.Background(), url, "tk"))
	assert.Equal(t, cli.ExitOK, stop(), stderr.String())
	assert.Len(t, fake.Batches(), 2)
	assert.NotContains(t, stderr.String(), "feed-s")
}

func TestUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"url and pod":     {"-mparticle-url", "https://x/v2", "-pod", "US1", "-token", "t", "-mparticle-key", "k", "-mparticle-secret", "s"},
		"no credentials":  {"-pod", "US1", "-token", "t"},
		"no token":        {"-pod", "US1", "-mparticle-key", "k", "-mparticle-secret", "s"},
		"bad pod":         {"-pod", "MARS", "-token", "t", "-mparticle-key", "k", "-mparticle-secret", "s"},
		"plain http":      {"-mparticle-url", "http://x/v2", "-token", "t", "-mparticle-key", "k", "-mparticle-secret", "s"},
		"once not demo":   {"-once", "-pod", "US1", "-token", "t", "-mparticle-key", "k", "-mparticle-secret", "s"},
		"half tls":        {"-tls-cert", "c.pem"},
		"bad environment": {"-environment", "staging"},
		"stray argument":  {"extra"},
		"unknown flag":    {"-nope"},
	}
	for name, args := range cases {
		var stdout, stderr syncBuffer
		code := run(context.Background(), args, env(nil), &stdout, &stderr)
		assert.Equal(t, cli.ExitUsage, code, "%s: %s", name, stderr.String())
		assert.NotEmpty(t, strings.TrimSpace(stderr.String()), name)
	}
}
