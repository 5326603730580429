package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
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

// hygieneLog is a log sink safe for the program's goroutines.
type hygieneLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *hygieneLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *hygieneLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

var hygieneURL = regexp.MustCompile(`url=(http://[^ ]+/currents)`)

// hygieneStart runs the program with args until the returned stop function
// is called (as SIGTERM would), and returns the URL it serves.
func hygieneStart(t *testing.T, fake *mparticletest.Server, args ...string) (url string, stop func() int, logs *hygieneLog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &hygieneLog{}
	done := make(chan int, 1)
	args = append([]string{"-listen", "127.0.0.1:0", "-mparticle-url", fake.URL(), "-allow-http", "-token", "hygiene-token"}, args...)
	environ := map[string]string{"MPARTICLE_KEY": fake.Key(), "MPARTICLE_SECRET": fake.Secret()}
	go func() { done <- run(ctx, args, func(k string) string { return environ[k] }, io.Discard, logs) }()
	for {
		if m := hygieneURL.FindStringSubmatch(logs.String()); m != nil {
			return m[1], func() int { cancel(); return <-done }, logs
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("exited with %d: %s", code, logs)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// hygienePost posts body and returns the status (0 with the error when the
// request failed). It may run on another goroutine than the test's.
func hygienePost(hc *http.Client, url string, body io.Reader, trace *httptrace.ClientTrace) (int, error) {
	ctx := context.Background()
	if trace != nil {
		ctx = httptrace.WithClientTrace(ctx, trace)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer hygiene-token")
	req.Header.Set("Content-Type", "application/json")
	if trace != nil {
		req.Header.Set("Expect", "100-continue")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func hygieneStatus(t *testing.T, hc *http.Client, url, body string) int {
	t.Helper()
	status, err := hygienePost(hc, url, strings.NewReader(body), nil)
	require.NoError(t, err)
	return status
}

const hygieneEvent = `{"events":[{"event_type":"users.messages.email.Open","id":"hyg-1","time":1714600000,` +
	`"user":{"user_id":"u","external_user_id":"c-1"},"properties":{"platform":"ios"}}]}`

// TestHygieneBodyLimitFlag: the program's server refuses a body over
// -max-body with 413, and accepts one within it.
func TestHygieneBodyLimitFlag(t *testing.T) {
	fake := mparticletest.NewServer()
	defer fake.Close()
	url, stop, logs := hygieneStart(t, fake, "-max-body", "1024")
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()

	big := `{"events":[` + strings.Repeat(" ", 2048) + `]}`
	assert.Equal(t, http.StatusRequestEntityTooLarge, hygieneStatus(t, hc, url, big))
	assert.Equal(t, http.StatusOK, hygieneStatus(t, hc, url, hygieneEvent))
	assert.Equal(t, cli.ExitOK, stop(), logs.String())
	assert.Len(t, fake.Batches(), 1)
}

// TestHygieneGracefulShutdownFinishesRequestsInFlight: a request whose body
// is still arriving when the program is told to stop is served to the end
// (200) and its event is delivered before the program exits 0. The request
// asks for "100 Continue", so the test knows the server is inside the
// handler before it signals.
func TestHygieneGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	fake := mparticletest.NewServer()
	defer fake.Close()
	url, stop, logs := hygieneStart(t, fake)
	hc := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	defer hc.CloseIdleConnections()

	pr, pw := io.Pipe()
	inHandler := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(inHandler) }}
	status, postErr := make(chan int, 1), make(chan error, 1)
	go func() {
		code, err := hygienePost(hc, url, pr, trace)
		status <- code
		postErr <- err
	}()

	_, err := io.WriteString(pw, hygieneEvent[:20])
	require.NoError(t, err)
	<-inHandler
	exited := make(chan int, 1)
	go func() { exited <- stop() }()
	// The server is shutting down; the rest of the body still arrives.
	_, err = io.WriteString(pw, hygieneEvent[20:])
	require.NoError(t, err)
	require.NoError(t, pw.Close())

	assert.Equal(t, http.StatusOK, <-status, "the request in flight is served")
	require.NoError(t, <-postErr)
	assert.Equal(t, cli.ExitOK, <-exited, logs.String())
	assert.Len(t, fake.Batches(), 1, "its event was delivered before exit")
}
