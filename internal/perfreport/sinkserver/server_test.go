package sinkserver

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the tests when a goroutine outlives them: Close must end
// every connection the server still has.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, ExpectContinueTimeout: time.Minute}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// post sends body (a reader hiding its length when chunked is set, so
// that net/http sends it chunked) and returns the status, the answer's
// body and whether the connection was reused.
func post(t *testing.T, c *http.Client, url string, body []byte, chunked bool, hdr map[string]string) (int, string, http.Header, bool) {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = struct{ io.Reader }{r}
	}
	var reused bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/users/track", r)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if chunked {
		// Unknown length: net/http's Transport sends the body chunked.
		require.Zero(t, req.ContentLength, "the test meant to send a chunked body")
	}
	return resp.StatusCode, string(got), resp.Header, reused
}

func TestKeepAliveReuse(t *testing.T) {
	s := newServer(t, Config{})
	c := newClient(t)
	var want int64
	for i := range 50 {
		body := bytes.Repeat([]byte("x"), i*997)
		status, got, h, reused := post(t, c, s.URL(), body, false, nil)
		assert.Equal(t, http.StatusCreated, status)
		assert.Equal(t, `{"message":"success"}`, got)
		assert.Equal(t, "application/json", h.Get("Content-Type"))
		assert.Equal(t, i > 0, reused, "request %d", i)
		want += int64(len(body))
	}
	assert.Equal(t, int64(50), s.Requests())
	assert.Equal(t, want, s.BodyBytes())
	assert.Equal(t, int64(1), s.Connections(), "one keep-alive connection for sequential requests")
}

func TestConcurrentConnections(t *testing.T) {
	s := newServer(t, Config{})
	c := newClient(t)
	const goroutines, each = 8, 40
	sizes := []int{0, 1, 1500, bufferSize - 1, bufferSize, bufferSize + 1, 3*bufferSize + 17}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var want int64
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := sizes[(g+i)%len(sizes)]
				status, got, _, _ := post(t, c, s.URL(), bytes.Repeat([]byte{'a' + byte(g)}, n), i%3 == 0, nil)
				assert.Equal(t, http.StatusCreated, status)
				assert.Equal(t, `{"message":"success"}`, got)
				mu.Lock()
				want += int64(n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(goroutines*each), s.Requests())
	assert.Equal(t, want, s.BodyBytes())
	// Not exactly one connection per goroutine: net/http's client may dial
	// a new one when a finished request's connection is not back in its
	// idle pool yet. Most requests must still reuse one.
	assert.Less(t, s.Connections(), int64(goroutines*each/2), "connections are reused")
}

func TestChunkedBodies(t *testing.T) {
	s := newServer(t, Config{})
	c := newClient(t)
	var want int64
	for i, n := range []int{1, 100, 70_000, 0} {
		body := bytes.Repeat([]byte("z"), n)
		status, got, _, reused := post(t, c, s.URL(), body, n > 0, nil)
		assert.Equal(t, http.StatusCreated, status)
		assert.Equal(t, `{"message":"success"}`, got)
		assert.Equal(t, i > 0, reused, "request %d: the chunked framing left the connection usable", i)
		want += int64(n)
	}
	assert.Equal(t, want, s.BodyBytes())
}

func TestExpectContinue(t *testing.T) {
	s := newServer(t, Config{})
	c := newClient(t)
	for i := range 3 {
		status, got, _, _ := post(t, c, s.URL(), []byte(`{"attributes":[]}`), i == 1, map[string]string{"Expect": "100-continue"})
		assert.Equal(t, http.StatusCreated, status)
		assert.Equal(t, `{"message":"success"}`, got)
	}
	assert.Equal(t, int64(3), s.Requests())
	assert.Equal(t, int64(1), s.Connections())
}

func TestAcceptedNoBody(t *testing.T) {
	s := newServer(t, Config{Status: http.StatusAccepted})
	c := newClient(t)
	status, got, h, _ := post(t, c, s.URL(), []byte(`[{}]`), false, nil)
	assert.Equal(t, http.StatusAccepted, status)
	assert.Empty(t, got)
	assert.Empty(t, h.Get("Content-Type"))
	assert.Equal(t, "0", h.Get("Content-Length"))
}

func TestHeadThenPost(t *testing.T) {
	s := newServer(t, Config{})
	c := newClient(t)
	resp, err := c.Head(s.URL())
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, int64(len(BrazeSuccess)), resp.ContentLength)
	require.NoError(t, resp.Body.Close())
	status, got, _, reused := post(t, c, s.URL(), []byte("{}"), false, nil)
	assert.Equal(t, http.StatusCreated, status)
	assert.Equal(t, `{"message":"success"}`, got)
	assert.True(t, reused, "no body after the HEAD answer, so the connection stays in step")
}

func TestLatency(t *testing.T) {
	s := newServer(t, Config{Latency: time.Millisecond})
	c := newClient(t)
	status, _, _, _ := post(t, c, s.URL(), []byte("{}"), false, nil)
	assert.Equal(t, http.StatusCreated, status)
	assert.Equal(t, int64(1), s.Requests())
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{Status: 99})
	assert.ErrorContains(t, err, "Config.Status 99")
	_, err = New(Config{Latency: -time.Second})
	assert.ErrorContains(t, err, "Config.Latency -1s")
}

// rawConn dials s for hand-written requests.
func rawConn(t *testing.T, s *Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return nc, bufio.NewReader(nc)
}

func readAnswer(t *testing.T, br *bufio.Reader) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp
}

func TestPipelinedAndTrickled(t *testing.T) {
	s := newServer(t, Config{})
	nc, br := rawConn(t, s)
	two := "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: v\r\n\r\n"
	_, err := nc.Write([]byte(two))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, readAnswer(t, br).StatusCode)
	assert.Equal(t, http.StatusCreated, readAnswer(t, br).StatusCode)

	// One byte per write: every parsing step must wait for more input.
	third := "post /c HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: keep-alive, Close\r\n\r\nhi"
	for i := range len(third) {
		_, err := nc.Write([]byte{third[i]})
		require.NoError(t, err)
	}
	resp := readAnswer(t, br)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "Connection: close ends the connection after the answer")
	assert.Equal(t, int64(3), s.Requests())
	assert.Equal(t, int64(10), s.BodyBytes())
}

func TestHTTP10ClosesAfterAnswer(t *testing.T) {
	s := newServer(t, Config{})
	nc, br := rawConn(t, s)
	_, err := nc.Write([]byte("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, readAnswer(t, br).StatusCode)
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
}

func TestRejectsWhatItCannotFrame(t *testing.T) {
	s := newServer(t, Config{})
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"no version", "POST /\r\n\r\n", 400},
		{"empty method", " / HTTP/1.1\r\n\r\n", 400},
		{"HTTP/2", "POST / HTTP/2.0\r\n\r\n", 505},
		{"gzip coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"both lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"signed length", "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", 400},
		{"conflicting lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"space before colon", "POST / HTTP/1.1\r\nContent-Length : 3\r\n\r\nabc", 400},
		{"folded line", "POST / HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n", 400},
		{"bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"chunk without CRLF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400},
		{"head over the buffer", "POST / HTTP/1.1\r\nX-Big: " + strings.Repeat("b", bufferSize) + "\r\n\r\n", 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, br := rawConn(t, s)
			_, err := nc.Write([]byte(tc.req))
			require.NoError(t, err)
			resp := readAnswer(t, br)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.True(t, resp.Close, "Connection: close")
			_, err = br.ReadByte()
			assert.Error(t, err, "the connection is closed after the error answer")
		})
	}
	assert.Zero(t, s.Requests(), "rejected requests are not counted")
}

// TestCloseWithOpenConnections closes the servers while they hold an idle
// keep-alive connection, connections in the middle of a request head and
// of a request body, and a request waiting out the latency: Close must end them all (TestMain's
// goleak check fails otherwise) and the client sees the connections end.
func TestCloseWithOpenConnections(t *testing.T) {
	s, err := New(Config{Latency: time.Hour})
	require.NoError(t, err)
	idle, err := New(Config{})
	require.NoError(t, err)
	c := newClient(t)

	status, _, _, _ := post(t, c, idle.URL(), []byte("{}"), false, nil)
	require.Equal(t, http.StatusCreated, status)

	partial, pbr := rawConn(t, s)
	_, err = partial.Write([]byte("POST / HTTP/1.1\r\nContent-"))
	require.NoError(t, err)

	midBody, mbr := rawConn(t, idle)
	_, err = midBody.Write([]byte("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"))
	require.NoError(t, err)

	waiting, wbr := rawConn(t, s)
	_, err = waiting.Write([]byte("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"))
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.URL(), strings.NewReader("{}"))
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()

	require.NoError(t, s.Close())
	require.NoError(t, idle.Close())
	assert.NoError(t, s.Close(), "a second Close does nothing")
	assert.Error(t, <-done, "the request in flight ends with the server")
	_, err = pbr.ReadByte()
	assert.Error(t, err)
	_, err = wbr.ReadByte()
	assert.Error(t, err)
	_, err = mbr.ReadByte()
	assert.Error(t, err)
	assert.Equal(t, int64(1), idle.Requests(), "the request cut in its body was not answered")
	assert.Zero(t, s.Requests(), "the waiting request was never answered")

	_, err = c.Post(idle.URL(), "application/json", strings.NewReader("{}"))
	assert.Error(t, err, "the closed server accepts nothing")
}

// TestNoAllocationPerRequest drives a keep-alive connection by hand, with
// preallocated buffers, so that every allocation counted is the server's.
func TestNoAllocationPerRequest(t *testing.T) {
	s := newServer(t, Config{})
	nc, _ := rawConn(t, s)
	body := bytes.Repeat([]byte("b"), 20_000)
	req := append([]byte("POST /users/track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n"), body...)
	answer := make([]byte, len(s.answer))
	roundTrip := func() {
		if _, err := nc.Write(req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(nc, answer); err != nil {
			t.Fatal(err)
		}
	}
	roundTrip() // the connection's buffer
	allocs := testing.AllocsPerRun(200, roundTrip)
	assert.Less(t, allocs, 0.5, "allocations per request, both ends")
	assert.Equal(t, s.answer, answer)
}
