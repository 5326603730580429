package sinkserver

import (
	"io"
	"testing"
)

// FuzzReadRequests reads a byte stream as a connection's requests, through
// a small buffer (so that heads, chunk lines and bodies straddle reads and
// compaction), and checks that parsing never panics, never loops without
// consuming input, and frames Content-Length bodies exactly.
func FuzzReadRequests(f *testing.F) {
	f.Add([]byte("POST /users/track HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n"), uint8(16))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX: y\r\n\r\n"), uint8(7))
	f.Add([]byte("HEAD / HTTP/1.1\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n"), uint8(200))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, size uint8) {
		c := &conn{rd: &trickle{data: stream, step: int(size%7) + 1}, buf: make([]byte, int(size)+8)}
		for range len(stream) + 1 {
			before := c.consumed()
			req, err := c.readHead()
			if err != nil {
				return
			}
			if req.length < 0 {
				t.Fatalf("negative length %d", req.length)
			}
			n, err := c.discardBody(req)
			if err != nil {
				return
			}
			if !req.chunked && n != req.length {
				t.Fatalf("body of %d bytes framed as %d", req.length, n)
			}
			if c.consumed() <= before {
				t.Fatal("a request consumed no input")
			}
			if c.r < 0 || c.r > c.w || c.w > len(c.buf) {
				t.Fatalf("buffer bounds r=%d w=%d len=%d", c.r, c.w, len(c.buf))
			}
		}
		t.Fatal("more requests than bytes")
	})
}

// trickle is a connection that delivers at most step bytes per read.
type trickle struct {
	data []byte
	step int
	read int
}

func (t *trickle) Read(p []byte) (int, error) {
	if t.read == len(t.data) {
		return 0, errEOF
	}
	n := copy(p[:min(len(p), t.step)], t.data[t.read:])
	t.read += n
	return n, nil
}

var errEOF = io.EOF

// consumed is how many bytes of the stream the conn has consumed.
func (c *conn) consumed() int {
	return c.rd.(*trickle).read - (c.w - c.r)
}
