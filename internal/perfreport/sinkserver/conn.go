package sinkserver

import (
	"bytes"
	"errors"
	"io"
)

// conn reads one connection's requests through a single buffer: buf[r:w]
// is read but not yet consumed. Request heads are parsed in place and
// bodies are skipped through the same buffer, so that a request costs no
// allocation.
type conn struct {
	rd   io.Reader // the connection
	buf  []byte
	r, w int
}

// request is what framing needs to know of a request head.
type request struct {
	length         int64 // Content-Length (0 when absent)
	chunked        bool  // Transfer-Encoding: chunked
	close          bool  // Connection: close, or HTTP/1.0
	expectContinue bool  // Expect: 100-continue
	head           bool  // method HEAD: answer without a body
}

// protoError is a request the sink will not answer normally: it writes
// Status and closes the connection.
type protoError struct {
	Status int
	Reason string
}

func (e *protoError) Error() string { return "sinkserver: " + e.Reason }

// errStatus is the status to answer err with, 0 for an I/O error (the
// connection is gone or was closed mid-request: nothing to answer).
func errStatus(err error) int {
	var pe *protoError
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 0
}

var (
	errHeadTooLarge   = &protoError{431, "request head over the buffer size"}
	errRequestLine    = &protoError{400, "malformed request line"}
	errVersion        = &protoError{505, "HTTP version other than 1.0 or 1.1"}
	errHeaderLine     = &protoError{400, "malformed header line"}
	errContentLength  = &protoError{400, "malformed or conflicting Content-Length"}
	errTransferCoding = &protoError{501, "transfer coding other than chunked"}
	errBothLengths    = &protoError{400, "both Content-Length and Transfer-Encoding"}
	errChunkLine      = &protoError{400, "malformed chunk"}
)

var crlf = []byte("\r\n")

// maxChunkLine bounds a chunk-size or trailer line.
const maxChunkLine = 4 << 10

// fill reads once more into the buffer, moving the unconsumed bytes to its
// start when it is full. It fails with errHeadTooLarge when the buffer is
// full of unconsumed bytes.
func (c *conn) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.w == len(c.buf) {
		if c.r == 0 {
			return errHeadTooLarge
		}
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	for {
		n, err := c.rd.Read(c.buf[c.w:])
		c.w += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readHead reads and parses the next request head. It returns the
// connection's read error (io.EOF between requests) or a *protoError.
func (c *conn) readHead() (request, error) {
	searched := 0 // bytes of buf[c.r:] known not to start the final CRLFCRLF
	for {
		if i := bytes.Index(c.buf[c.r+searched:c.w], []byte("\r\n\r\n")); i >= 0 {
			end := c.r + searched + i
			head := c.buf[c.r:end]
			c.r = end + 4
			return parseHead(head)
		}
		// Offsets are relative to c.r, which fill may move along with
		// the unconsumed bytes.
		searched = max(0, c.w-c.r-3)
		if err := c.fill(); err != nil {
			return request{}, err
		}
	}
}

// parseHead parses a request head (request line and header lines, without
// the final empty line).
func parseHead(head []byte) (request, error) {
	var req request
	line, rest, _ := bytes.Cut(head, crlf)
	method, line, ok1 := bytes.Cut(line, []byte(" "))
	target, version, ok2 := bytes.Cut(line, []byte(" "))
	if !ok1 || !ok2 || len(method) == 0 || len(target) == 0 {
		return req, errRequestLine
	}
	switch string(version) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		req.close = true
	default:
		if bytes.HasPrefix(version, []byte("HTTP/")) {
			return req, errVersion
		}
		return req, errRequestLine
	}
	req.head = string(method) == "HEAD"
	hasLength := false
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, crlf)
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			return req, errHeaderLine // also obsolete line folding
		}
		value = bytes.Trim(value, " \t")
		switch {
		case equalFold(name, "Content-Length"):
			n, ok := parseDecimal(value)
			if !ok || (hasLength && n != req.length) {
				return req, errContentLength
			}
			req.length, hasLength = n, true
		case equalFold(name, "Transfer-Encoding"):
			if !equalFold(value, "chunked") {
				return req, errTransferCoding
			}
			req.chunked = true
		case equalFold(name, "Connection"):
			if hasToken(value, "close") {
				req.close = true
			}
		case equalFold(name, "Expect"):
			req.expectContinue = equalFold(value, "100-continue")
		}
	}
	if req.chunked && hasLength {
		return req, errBothLengths
	}
	return req, nil
}

// discardBody skips the request's body and returns its length.
func (c *conn) discardBody(req request) (int64, error) {
	if !req.chunked {
		return req.length, c.discard(req.length)
	}
	var total int64
	for {
		line, err := c.line()
		if err != nil {
			return total, err
		}
		sizeText, _, _ := bytes.Cut(line, []byte(";")) // chunk extensions are ignored
		size, ok := parseHex(bytes.Trim(sizeText, " \t"))
		if !ok {
			return total, errChunkLine
		}
		if size == 0 {
			break
		}
		if err := c.discard(size); err != nil {
			return total, err
		}
		total += size
		if line, err = c.line(); err != nil {
			return total, err
		}
		if len(line) != 0 {
			return total, errChunkLine
		}
	}
	for { // trailer fields, up to the empty line
		line, err := c.line()
		if err != nil {
			return total, err
		}
		if len(line) == 0 {
			return total, nil
		}
	}
}

// discard consumes n bytes, reading as needed.
func (c *conn) discard(n int64) error {
	for n > 0 {
		if c.r == c.w {
			if err := c.fill(); err != nil {
				return err
			}
		}
		k := min(n, int64(c.w-c.r))
		c.r += int(k)
		n -= k
	}
	return nil
}

// line returns the next CRLF-terminated line without its CRLF, consumed.
// It is valid until the next read.
func (c *conn) line() ([]byte, error) {
	for {
		if i := bytes.Index(c.buf[c.r:c.w], crlf); i >= 0 {
			line := c.buf[c.r : c.r+i]
			c.r += i + 2
			return line, nil
		}
		if c.w-c.r > maxChunkLine {
			return nil, errChunkLine
		}
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
}

// equalFold reports whether b equals the ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v holds token
// (ignoring case).
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var item []byte
		item, v, _ = bytes.Cut(v, []byte(","))
		if equalFold(bytes.Trim(item, " \t"), token) {
			return true
		}
	}
	return false
}

// parseDecimal parses a Content-Length: 1 to 18 digits, nothing else.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// parseHex parses a chunk size: 1 to 15 hex digits.
func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		var v byte
		switch {
		case '0' <= d && d <= '9':
			v = d - '0'
		case 'a' <= d && d <= 'f':
			v = d - 'a' + 10
		case 'A' <= d && d <= 'F':
			v = d - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	return n, true
}
