// Package sinkserver is a minimal HTTP/1.1 server on loopback that reads
// each request, discards its body and writes one fixed answer: the
// stand-in for Braze or mParticle when a benchmark measures the client's
// own cost.
//
// net/http's server costs about as much CPU per request as the client it
// answers (request parsing into maps and strings, a response writer, a
// background read, their garbage), which is noise in a measurement of the
// library. This server parses only what framing needs (request line,
// Content-Length, Transfer-Encoding, Connection, Expect), keeps one buffer
// per connection and allocates nothing per request. It is correct enough
// for net/http's client (keep-alive, chunked bodies, Expect: 100-continue,
// pipelining) and answers anything it does not understand with 400 or 501
// and a closed connection; it is not meant for anything but loopback
// benchmarks and tests.
package sinkserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config sets the answer of a Server. The zero value answers Braze's
// success, 201 {"message":"success"}.
type Config struct {
	// Status is the status of every answer. Zero means 201 (Created).
	Status int
	// Body is the answer's body, sent with Content-Type application/json.
	// nil means BrazeSuccess when Status is 0 or 201, and no body
	// otherwise; use an empty non-nil slice for an empty 201.
	Body []byte
	// Latency delays every answer, after the request body was read, to
	// stand for a slow server (Close cuts the wait short). Zero answers at
	// once.
	Latency time.Duration
}

// BrazeSuccess is what Braze's /users/track answers when every object was
// accepted.
var BrazeSuccess = []byte(`{"message":"success"}`)

// bufferSize is each connection's read buffer: it holds the request head
// (which must fit) and the body is read through it in pieces this large.
const bufferSize = 64 << 10

// Server is a running sink. Its methods are safe for concurrent use.
type Server struct {
	ln      net.Listener
	url     string
	answer  []byte // status line, headers and body
	head    []byte // the same without the body, for HEAD requests
	latency time.Duration

	requests  atomic.Int64
	bodyBytes atomic.Int64
	accepted  atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	done   chan struct{} // closed by Close: ends latency waits
	wg     sync.WaitGroup
}

// New starts a Server on an ephemeral port of 127.0.0.1 (or [::1]).
func New(cfg Config) (*Server, error) {
	status := cfg.Status
	if status == 0 {
		status = 201
	}
	if status < 200 || status > 999 {
		return nil, errors.New("sinkserver: Config.Status " + strconv.Itoa(status) + " outside 200..999")
	}
	body := cfg.Body
	if body == nil && status == 201 {
		body = BrazeSuccess
	}
	if cfg.Latency < 0 {
		return nil, errors.New("sinkserver: Config.Latency " + cfg.Latency.String() + " is negative")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil { // an IPv6-only host, as httptest allows
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			return nil, fmt.Errorf("sinkserver: listening on loopback: %w", err)
		}
	}
	s := &Server{
		ln:      ln,
		url:     "http://" + ln.Addr().String(),
		latency: cfg.Latency,
		conns:   make(map[net.Conn]struct{}),
		done:    make(chan struct{}),
	}
	s.head, s.answer = cannedAnswer(status, body)
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// cannedAnswer returns the answer's head and the whole answer.
func cannedAnswer(status int, body []byte) (head, whole []byte) {
	head = append(head, "HTTP/1.1 "...)
	head = strconv.AppendInt(head, int64(status), 10)
	head = append(head, ' ')
	head = append(head, reasonPhrase(status)...)
	head = append(head, "\r\n"...)
	if len(body) > 0 {
		head = append(head, "Content-Type: application/json\r\n"...)
	}
	head = append(head, "Content-Length: "...)
	head = strconv.AppendInt(head, int64(len(body)), 10)
	head = append(head, "\r\n\r\n"...)
	whole = append(append([]byte(nil), head...), body...)
	return head, whole
}

// reasonPhrase names the statuses the sink is used with (clients ignore
// the phrase; it is for whoever reads a capture).
func reasonPhrase(status int) string {
	switch status {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 204:
		return "No Content"
	}
	return "Status"
}

// URL is the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.url }

// Requests is the number of requests answered so far.
func (s *Server) Requests() int64 { return s.requests.Load() }

// BodyBytes is the number of request body bytes read so far (chunked
// bodies count their data, not their framing).
func (s *Server) BodyBytes() int64 { return s.bodyBytes.Load() }

// Connections is the number of connections accepted so far.
func (s *Server) Connections() int64 { return s.accepted.Load() }

// Close stops accepting, closes every connection (a request being read
// or waited on is abandoned) and returns once every goroutine of the
// server has ended. Calling it again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed (or a listener that cannot accept any more)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.accepted.Add(1)
		go s.serve(c)
	}
}

// serve answers the requests of one connection until it ends.
func (s *Server) serve(nc net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
		_ = nc.Close()
	}()
	c := &conn{rd: nc, buf: make([]byte, bufferSize)}
	var timer *time.Timer
	for {
		req, err := c.readHead()
		if err != nil {
			if status := errStatus(err); status != 0 {
				_, _ = nc.Write(errorAnswer(status))
			}
			return
		}
		if req.expectContinue && (req.chunked || req.length > 0) {
			if _, err := nc.Write(continueAnswer); err != nil {
				return
			}
		}
		n, err := c.discardBody(req)
		if err != nil {
			if status := errStatus(err); status != 0 {
				_, _ = nc.Write(errorAnswer(status))
			}
			return
		}
		if s.latency > 0 {
			if timer == nil {
				timer = time.NewTimer(s.latency)
			} else {
				timer.Reset(s.latency)
			}
			select {
			case <-timer.C:
			case <-s.done:
				timer.Stop()
				return
			}
		}
		s.requests.Add(1)
		s.bodyBytes.Add(n)
		answer := s.answer
		if req.head {
			answer = s.head
		}
		if _, err := nc.Write(answer); err != nil {
			return
		}
		if req.close {
			return
		}
	}
}

// continueAnswer lets a client that sent Expect: 100-continue send its body.
var continueAnswer = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// errorAnswer is the answer to a request the sink cannot frame; the
// connection is closed after it.
func errorAnswer(status int) []byte {
	switch status {
	case 431:
		return []byte("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	case 501:
		return []byte("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	case 505:
		return []byte("HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}
	return []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}
