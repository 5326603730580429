package mparticle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// DecodeError is returned by every decoding function of this package. It
// says which batch failed (in a bulk body or stream), where, and why.
type DecodeError struct {
	// Index is the 0-based position of the batch in a JSON array or stream,
	// or -1 when the input was a single value.
	Index int
	// Line is the 1-based line on which the failing batch starts in a
	// stream read by Decoder, or 0 when not known.
	Line int
	// Offset is the byte offset of the problem within the failing value.
	Offset int64
	// Path is the JSON path of the problem inside the value, e.g.
	// "events[3].data.session_id" (empty at the top level).
	Path string
	// Reason describes the problem.
	Reason string
}

// Error implements error.
func (e *DecodeError) Error() string {
	var b bytes.Buffer
	b.WriteString("mparticle: decode")
	if e.Index >= 0 {
		b.WriteString(" batch ")
		b.WriteString(strconv.Itoa(e.Index))
	}
	if e.Line > 0 {
		b.WriteString(" (line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	b.WriteString(" (offset ")
	b.WriteString(strconv.FormatInt(e.Offset, 10))
	b.WriteString(")")
	return b.String()
}

// toDecodeError converts an internal error to a *DecodeError.
func toDecodeError(err error, index int, base int) *DecodeError {
	var je *jsonError
	if errors.As(err, &je) {
		return &DecodeError{Index: index, Offset: int64(je.offset - base), Path: je.path(), Reason: je.msg}
	}
	return &DecodeError{Index: index, Reason: err.Error()}
}

func marshalModel[T any, P encodable[T]](x P) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 512)}
	x.encodeJSON(&e)
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

func unmarshalModel[T any, P decodable[T]](x P, data []byte) error {
	d := decoder{data: data}
	if err := d.topLevel(func(d *decoder) error { return x.decodeJSON(d) }); err != nil {
		return toDecodeError(err, -1, 0)
	}
	return nil
}

// DecodeBatch decodes one batch (a JSON object) losslessly.
func DecodeBatch(data []byte) (*Batch, error) {
	b, err := decodeBatch(data)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// batchAlloc is a Batch and the decoder that fills it. The decoder ends up
// on the heap anyway (it is passed through interface calls, which escape),
// so allocating both at once saves an allocation per batch; the decoder is
// cleared afterwards so the batch does not keep the input alive.
//
// It also holds the user identities and device info that nearly every
// batch has (see batchInline in json_generate.go): the first of each the
// batch points to is one of these, not an allocation of its own. A batch
// without them carries about 1 KB unused.
type batchAlloc struct {
	batch       Batch
	dec         decoder
	ids         UserIdentities
	device      DeviceInfo
	idsTaken    bool
	deviceTaken bool
}

// decodeBatch decodes data as one batch. On error the partly decoded batch
// is returned with it (Decoder reports its index and line).
func decodeBatch(data []byte) (*Batch, *DecodeError) {
	a := &batchAlloc{dec: decoder{data: data}}
	a.dec.batch = a
	err := a.dec.topLevel(func(d *decoder) error { return a.batch.decodeJSON(d) })
	a.dec = decoder{}
	if err != nil {
		return &a.batch, toDecodeError(err, -1, 0)
	}
	a.batch.sizeHint = len(data)
	return &a.batch, nil
}

// encodeHint guesses the encoded size of b, so that encoding allocates its
// buffer once.
func (b *Batch) encodeHint() int {
	if b.sizeHint > 0 {
		return b.sizeHint + b.sizeHint/8 + 64
	}
	return 512 + 512*len(b.Events)
}

// DecodeBatches decodes a bulk body (a JSON array of batches) or a single
// batch object. An error names the index of the batch that failed.
func DecodeBatches(data []byte) ([]*Batch, error) {
	d := decoder{data: data}
	if d.peek() != '[' {
		b, err := DecodeBatch(data)
		if err != nil {
			return nil, err
		}
		return []*Batch{b}, nil
	}
	var out []*Batch
	var failed = -1
	err := d.topLevel(func(d *decoder) error {
		return d.array(func(i int) error {
			failed = i
			b := new(Batch)
			d.attrSlab = nil // batches share no slab: one kept does not pin the others' attributes
			d.ws()
			start := d.pos
			if err := b.decodeJSON(d); err != nil {
				return err
			}
			b.sizeHint = d.pos - start
			out = append(out, b)
			failed = -1
			return nil
		})
	})
	if err != nil {
		var je *jsonError
		if failed >= 0 && errors.As(err, &je) && len(je.segs) > 0 {
			je.segs = je.segs[:len(je.segs)-1] // the [i] segment becomes Index
		}
		return nil, toDecodeError(err, failed, 0)
	}
	return out, nil
}

// Encode returns the batch as JSON. The output is deterministic and decodes
// back to an equal Batch.
func (b *Batch) Encode() ([]byte, error) {
	return b.AppendJSON(make([]byte, 0, b.encodeHint()))
}

// AppendJSON appends the batch's JSON to dst.
func (b *Batch) AppendJSON(dst []byte) ([]byte, error) {
	e := encoder{buf: dst}
	b.encodeJSON(&e)
	if e.err != nil {
		return dst, e.err
	}
	return e.buf, nil
}

// EncodeBatches returns batches as a bulk body (a JSON array).
func EncodeBatches(batches []*Batch) ([]byte, error) {
	n := 2
	for _, b := range batches {
		if b != nil {
			n += b.encodeHint() + 1
		}
	}
	e := encoder{buf: make([]byte, 0, n)}
	e.buf = append(e.buf, '[')
	for i, b := range batches {
		if b == nil {
			return nil, fmt.Errorf("mparticle: batch %d is nil", i)
		}
		e.elem()
		b.encodeJSON(&e)
	}
	e.buf = append(e.buf, ']')
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

// Decoder reads batches from a stream: a single batch, a JSON array of
// batches, or batches one after another (newline-delimited JSON or simply
// concatenated). It holds at most one batch (plus read-ahead) in memory.
type Decoder struct {
	r      io.Reader
	buf    []byte
	start  int // first unconsumed byte of buf
	eof    bool
	rerr   error
	line   int // line number of buf[start]
	index  int
	mode   int // modeUnknown, modeArray, modeSeq, modeDone
	max    int // largest value buffered; 0 means DefaultMaxValueBytes
	failed error
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder { return &Decoder{r: r, line: 1} }

const (
	modeUnknown = iota
	modeArray
	modeSeq
	modeDone
)

// Next returns the next batch, or io.EOF when the stream is exhausted. A
// decode error is a *DecodeError naming the batch index and the line the
// batch starts on. A batch that is malformed inside its braces, or does not
// fit the model (a string where an integer belongs, say), is reported
// without ending the stream: the following call continues with the next
// batch. Input that cannot be split into values (a truncated batch, a bare
// scalar, a missing comma between array elements) or a read error ends the
// stream: Next keeps returning that error.
func (dec *Decoder) Next() (*Batch, error) {
	if dec.failed != nil {
		return nil, dec.failed
	}
	for {
		c, ok, err := dec.peekByte()
		if err != nil {
			return nil, dec.fail(err)
		}
		switch dec.mode {
		case modeUnknown:
			if !ok {
				dec.mode = modeDone
				return nil, io.EOF
			}
			if c == '[' {
				dec.consume(1)
				dec.mode = modeArray
				if c, ok, err := dec.peekByte(); err != nil {
					return nil, dec.fail(err)
				} else if ok && c == ']' {
					dec.consume(1)
					dec.mode = modeDone
					return nil, dec.trailing()
				}
			} else {
				dec.mode = modeSeq
			}
			continue
		case modeSeq:
			if !ok {
				dec.mode = modeDone
				return nil, io.EOF
			}
			return dec.value()
		case modeArray:
			if !ok {
				return nil, dec.fail(dec.syntax("unexpected end of input in array of batches"))
			}
			if dec.index > 0 {
				switch c {
				case ',':
					dec.consume(1)
					if _, ok, err := dec.peekByte(); err != nil {
						return nil, dec.fail(err)
					} else if !ok {
						return nil, dec.fail(dec.syntax("unexpected end of input in array of batches"))
					}
				case ']':
					dec.consume(1)
					dec.mode = modeDone
					return nil, dec.trailing()
				default:
					return nil, dec.fail(dec.syntax("expected ',' or ']' after batch, got " + kindName(c)))
				}
			}
			return dec.value()
		default:
			return nil, io.EOF
		}
	}
}

func (dec *Decoder) syntax(msg string) *DecodeError {
	return &DecodeError{Index: dec.index, Line: dec.line, Reason: msg}
}

func (dec *Decoder) fail(err error) error {
	dec.failed = err
	return err
}

// trailing checks nothing but whitespace follows a top-level array.
func (dec *Decoder) trailing() error {
	_, ok, err := dec.peekByte()
	if err != nil {
		return dec.fail(err)
	}
	if ok {
		return dec.fail(dec.syntax("unexpected data after the array of batches"))
	}
	return io.EOF
}

// consume drops n bytes, counting lines.
func (dec *Decoder) consume(n int) {
	dec.line += bytes.Count(dec.buf[dec.start:dec.start+n], []byte{'\n'})
	dec.start += n
}

// fill reads more input; it returns false at the end of input.
func (dec *Decoder) fill() (bool, error) {
	if dec.eof {
		return false, dec.rerr
	}
	if dec.start > 0 && dec.start >= len(dec.buf)/2 {
		n := copy(dec.buf, dec.buf[dec.start:])
		dec.buf = dec.buf[:n]
		dec.start = 0
	}
	if cap(dec.buf)-len(dec.buf) < 4096 {
		nb := make([]byte, len(dec.buf), 2*cap(dec.buf)+32*1024)
		copy(nb, dec.buf)
		dec.buf = nb
	}
	n, err := dec.r.Read(dec.buf[len(dec.buf):cap(dec.buf)])
	dec.buf = dec.buf[:len(dec.buf)+n]
	if err == io.EOF {
		dec.eof = true
		return n > 0, nil
	}
	if err != nil {
		dec.eof = true
		dec.rerr = err
		return n > 0, err
	}
	return true, nil
}

// peekByte skips whitespace and returns the next byte.
func (dec *Decoder) peekByte() (byte, bool, error) {
	for {
		for dec.start < len(dec.buf) {
			switch c := dec.buf[dec.start]; c {
			case ' ', '\t', '\r':
				dec.start++
			case '\n':
				dec.start++
				dec.line++
			default:
				return c, true, nil
			}
		}
		more, err := dec.fill()
		if err != nil {
			return 0, false, err
		}
		if !more {
			return 0, false, nil
		}
	}
}

// DefaultMaxValueBytes is the default limit on one value read by a
// Decoder (see SetMaxValueBytes): far above the Events API's 128 KB batch
// limit, but a bound on memory for a hostile or corrupt stream.
const DefaultMaxValueBytes = 64 << 20

// SetMaxValueBytes sets the largest single value (batch) the Decoder will
// buffer; a larger one ends the stream with an error. n <= 0 restores
// DefaultMaxValueBytes.
func (dec *Decoder) SetMaxValueBytes(n int) {
	if n <= 0 {
		n = DefaultMaxValueBytes
	}
	dec.max = n
}

// value frames the next value, then decodes it as a batch. A value that is
// framed but not valid JSON, or does not fit the model, is reported with its
// index and line and skipped; the stream goes on with the next value.
func (dec *Decoder) value() (*Batch, error) {
	if c := dec.buf[dec.start]; c != '{' && c != '[' {
		// Without brackets there is no reliable end to resume after.
		return nil, dec.fail(dec.syntax("expected a batch object, got " + kindName(c)))
	}
	end, err := dec.frame()
	if err != nil {
		return nil, dec.fail(err)
	}
	raw := dec.buf[dec.start:end]
	line, index := dec.line, dec.index
	b, de := decodeBatch(raw)
	dec.consume(end - dec.start)
	dec.index++
	if de != nil {
		de.Index, de.Line = index, line
		return nil, de
	}
	return b, nil
}

// frame returns the end of the object or array starting at dec.start,
// reading more input as needed. It only tracks strings and bracket depth
// (the decoder validates afterwards) and resumes where it stopped after each
// read, so every byte is looked at once however the input is chunked.
func (dec *Decoder) frame() (int, error) {
	if dec.max == 0 {
		dec.max = DefaultMaxValueBytes
	}
	depth, inStr, esc := 0, false, false
	rel := 0 // scan position relative to dec.start (fill may move the buffer)
	for {
		buf := dec.buf[dec.start:]
		for ; rel < len(buf); rel++ {
			c := buf[rel]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return dec.start + rel + 1, nil
				}
			}
		}
		if rel > dec.max {
			return 0, dec.syntax("batch larger than " + strconv.Itoa(dec.max) + " bytes (SetMaxValueBytes)")
		}
		more, err := dec.fill()
		if err != nil {
			return 0, err
		}
		if !more {
			return 0, dec.syntax("unexpected end of input inside a batch")
		}
	}
}
