package mparticle

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeBatchesArrayAndSingle(t *testing.T) {
	bs, err := DecodeBatches([]byte(` [ {"mpid":1}, {"mpid":2} ,{"mpid":3}] `))
	require.NoError(t, err)
	require.Len(t, bs, 3)
	for i, b := range bs {
		got, ok := b.MPID.Get()
		assert.True(t, ok)
		assert.Equal(t, int64(i+1), got)
	}

	bs, err = DecodeBatches([]byte(`{"mpid":7}`))
	require.NoError(t, err)
	require.Len(t, bs, 1)

	bs, err = DecodeBatches([]byte(`[]`))
	require.NoError(t, err)
	assert.Empty(t, bs)
}

func TestDecodeBatchesErrorNamesBatchAndPath(t *testing.T) {
	_, err := DecodeBatches([]byte(`[{"mpid":1},{"events":[{},{},{},{"event_type":"custom_event","data":{"session_id":"x"}}]}]`))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 1, de.Index)
	assert.Equal(t, "events[3].data.session_id", de.Path)
	assert.Contains(t, de.Reason, "expected number, got string")
	assert.Contains(t, err.Error(), "batch 1")
	assert.Contains(t, err.Error(), "events[3].data.session_id: expected number, got string")
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ in, path, reason string }{
		{``, "", "expected object, got end of input"},
		{`[]`, "", "expected object, got array"},
		{`{"mpid":1} x`, "", "after top-level value"},
		{`{"mpid":1.5}`, "mpid", "not an int64"},
		{`{"mpid":99999999999999999999}`, "mpid", "not an int64"},
		{`{"events":[{"event_type":"custom_event","data":[]}]}`, "events[0].data", "expected object, got array"},
		{`{"events":[{"data":{"event_name":5},"event_type":"custom_event"}]}`, "events[0].data.event_name", "expected string, got number"},
		{`{"user_identities":{"email":true}}`, "user_identities.email", "expected string, got boolean"},
		{`{"user_attributes":{"a":01}}`, "user_attributes", "expected ',' or '}'"},
		{`{"ip":"a` + "\x01" + `"}`, "ip", "control character"},
		{`{"ip":"\x"}`, "ip", "invalid escape"},
		{`{"context":{"data_plan":{"plan_version":"3"}}}`, "context.data_plan.plan_version", "expected number"},
		{`{"":{"a b":{"c.d":tru}}}`, `[""]["a b"]["c.d"]`, "invalid literal"},
		{`{"device_info":{"screen_width":1e999}}`, "device_info.screen_width", "not an int64"},
		{`{"events":[{"event_type":"commerce_event","data":{"product_action":{"total_amount":1e999}}}]}`, "events[0].data.product_action.total_amount", "out of float64 range"},
	} {
		_, err := DecodeBatch([]byte(tc.in))
		var de *DecodeError
		require.ErrorAs(t, err, &de, tc.in)
		assert.Equal(t, tc.path, de.Path, tc.in)
		assert.Contains(t, de.Reason, tc.reason, tc.in)
		assert.Equal(t, -1, de.Index)
	}
}

func TestDecodeIntegralFloatsIntoIntegers(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"mpid":1.0e3,"batch_id":-2.0}`))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), b.MPID.Or(0))
	assert.Equal(t, int64(-2), b.BatchID)
}

func TestDecodeKeepsInt64Precision(t *testing.T) {
	b, err := DecodeBatch([]byte(`{"mpid":-9223372036854775808,"batch_id":9223372036854775807,"origin_mpid":9007199254740993,
		"events":[{"event_type":"session_start","data":{"session_id":-8602161397754364001,"event_id":9007199254740993}}]}`))
	require.NoError(t, err)
	assert.Equal(t, int64(-9223372036854775808), b.MPID.Or(0))
	assert.Equal(t, int64(9223372036854775807), b.BatchID)
	assert.Equal(t, int64(9007199254740993), b.OriginMPID.Or(0))
	ss := b.Events[0].Data.(*SessionStart)
	assert.Equal(t, int64(-8602161397754364001), ss.SessionID)
	assert.Equal(t, int64(9007199254740993), ss.EventID)
	out, err := b.Encode()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"session_id":-8602161397754364001`)
	assert.Contains(t, string(out), `"origin_mpid":9007199254740993`)
}

func collect(t *testing.T, r io.Reader) ([]*Batch, error) {
	t.Helper()
	dec := NewDecoder(r)
	var out []*Batch
	for {
		b, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
}

func TestDecoderStreamShapes(t *testing.T) {
	for name, in := range map[string]string{
		"array":        "[\n{\"mpid\":1},\n{\"mpid\":2},{\"mpid\":3}\n]\n",
		"ndjson":       "{\"mpid\":1}\n{\"mpid\":2}\n\n{\"mpid\":3}\n",
		"concatenated": `{"mpid":1}{"mpid":2} {"mpid":3}`,
		"crlf":         "{\"mpid\":1}\r\n{\"mpid\":2}\r\n{\"mpid\":3}",
	} {
		for rname, r := range map[string]func() io.Reader{
			"whole":    func() io.Reader { return strings.NewReader(in) },
			"one-byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(in)) },
			"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(in)) },
		} {
			bs, err := collect(t, r())
			require.NoError(t, err, name+"/"+rname)
			require.Len(t, bs, 3, name+"/"+rname)
			for i, b := range bs {
				assert.Equal(t, int64(i+1), b.MPID.Or(0), name+"/"+rname)
			}
		}
	}
}

func TestDecoderSingleAndEmpty(t *testing.T) {
	bs, err := collect(t, strings.NewReader(`  {"mpid":5}  `))
	require.NoError(t, err)
	require.Len(t, bs, 1)

	bs, err = collect(t, strings.NewReader(" \n "))
	require.NoError(t, err)
	assert.Empty(t, bs)

	bs, err = collect(t, strings.NewReader("[ ]"))
	require.NoError(t, err)
	assert.Empty(t, bs)
}

func TestDecoderLargeBatchAcrossReads(t *testing.T) {
	big := `{"user_attributes":{"k":"` + strings.Repeat("x", 200_000) + `"},"mpid":1}`
	bs, err := collect(t, iotest.HalfReader(strings.NewReader(big+"\n"+big)))
	require.NoError(t, err)
	require.Len(t, bs, 2)
	s, _ := attrGet(bs[1].UserAttributes, "k").Str()
	assert.Len(t, s, 200_000)
}

func TestDecoderModelErrorContinues(t *testing.T) {
	in := "{\"mpid\":1}\n{\"mpid\":\"x\"}\n{\"mpid\":3}\n"
	dec := NewDecoder(strings.NewReader(in))
	b, err := dec.Next()
	require.NoError(t, err)
	assert.Equal(t, int64(1), b.MPID.Or(0))

	_, err = dec.Next()
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 1, de.Index)
	assert.Equal(t, 2, de.Line)
	assert.Equal(t, "mpid", de.Path)

	b, err = dec.Next()
	require.NoError(t, err)
	assert.Equal(t, int64(3), b.MPID.Or(0))
	_, err = dec.Next()
	assert.ErrorIs(t, err, io.EOF)
}

func TestDecoderSyntaxErrorInsideBatchContinues(t *testing.T) {
	in := "{\"mpid\":1}\n\n{\"mpid\":2,,\"s\":\"}{\"}\n{\"mpid\":3}\n"
	dec := NewDecoder(strings.NewReader(in))
	_, err := dec.Next()
	require.NoError(t, err)
	_, err = dec.Next()
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 1, de.Index)
	assert.Equal(t, 3, de.Line)
	b, err := dec.Next()
	require.NoError(t, err)
	assert.Equal(t, int64(3), b.MPID.Or(0))
}

func TestDecoderFramingErrorsAreSticky(t *testing.T) {
	for in, want := range map[string]string{
		"{\"mpid\":1}\n42\n{\"mpid\":3}": "expected a batch object, got number",
		"{\"mpid\":1}\n{\"mpid\":":       "unexpected end of input inside a batch",
	} {
		dec := NewDecoder(strings.NewReader(in))
		_, err := dec.Next()
		require.NoError(t, err)
		_, err = dec.Next()
		require.ErrorContains(t, err, want)
		var de *DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, 1, de.Index)
		assert.Equal(t, 2, de.Line)
		_, err2 := dec.Next()
		assert.Equal(t, err, err2)
	}
}

func TestDecoderMaxValueBytes(t *testing.T) {
	dec := NewDecoder(strings.NewReader(`{"ip":"` + strings.Repeat("x", 100_000) + `"}`))
	dec.SetMaxValueBytes(1000)
	_, err := dec.Next()
	assert.ErrorContains(t, err, "batch larger than 1000 bytes")
}

func TestDecoderLinearOnTinyReads(t *testing.T) {
	// One-byte reads of a 1 MB batch must not rescan the value per byte.
	big := `{"user_attributes":{"k":"` + strings.Repeat("x", 1<<20) + `"}}`
	bs, err := collect(t, iotest.OneByteReader(strings.NewReader(big)))
	require.NoError(t, err)
	require.Len(t, bs, 1)
}

func TestDecoderArrayErrors(t *testing.T) {
	for in, want := range map[string]string{
		`[{"mpid":1} {"mpid":2}]`:    "expected ',' or ']'",
		`[{"mpid":1},`:               "end of input",
		`[{"mpid":1}] {"mpid":2}`:    "unexpected data after",
		`[{"mpid":1`:                 "end of input inside a batch",
		`{"mpid":1`:                  "end of input inside a batch",
		`{"user_attributes":{"a":tr`: "end of input inside a batch",
		`[1]`:                        "expected a batch object, got number",
	} {
		_, err := collect(t, iotest.OneByteReader(strings.NewReader(in)))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(`{"mpid":1}{"mpid"`), iotest.ErrReader(boom))
	dec := NewDecoder(r)
	_, err := dec.Next()
	require.NoError(t, err)
	_, err = dec.Next()
	assert.ErrorIs(t, err, boom)
}

func TestEncodeBatches(t *testing.T) {
	out, err := EncodeBatches([]*Batch{NewBatch(EnvironmentProduction), NewBatch(EnvironmentDevelopment)})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"environment":"production"},{"environment":"development"}]`, string(out))
	bs, err := DecodeBatches(out)
	require.NoError(t, err)
	assert.Len(t, bs, 2)

	_, err = EncodeBatches([]*Batch{nil})
	assert.Error(t, err)
}

func TestNULIsNotEndOfInput(t *testing.T) {
	for _, in := range []string{"{}\x00", "\x00", "{\"mpid\":1}\x00 "} {
		_, err := DecodeBatch([]byte(in))
		assert.Error(t, err, "%q", in)
	}
	_, err := DecodeBatch([]byte("{\"a\":\x00}"))
	assert.ErrorContains(t, err, `invalid character '\x00'`)
}

// TestDecodeStringsSurviveLaterReads checks the string buffer: strings read
// by the decoder of a data object that came before its event_type, strings
// that were unescaped or repaired, and strings read afterwards must all
// keep their own text, and the batch must not alias the caller's input.
func TestDecodeStringsSurviveLaterReads(t *testing.T) {
	in := []byte(`{"events":[` +
		`{"data":{"event_name":"first","custom_attributes":{"k\u00e9":"a\"b","bad":"x` + "\xff" + `y"}},"event_type":"custom_event"},` +
		`{"event_type":"custom_event","data":{"event_name":"second","custom_attributes":{"n":12.5,"o":{"p":[1]}}}}` +
		`],"environment":"production","source_request_id":"` + strings.Repeat("r", 300) + `"}`)
	b, err := DecodeBatch(in)
	require.NoError(t, err)
	for i := range in {
		in[i] = 'X' // the batch must not see the caller reusing its buffer
	}
	first := b.Events[0].Data.(*CustomEvent)
	second := b.Events[1].Data.(*CustomEvent)
	assert.Equal(t, "first", first.EventName)
	assert.Equal(t, Attributes{{Key: "ké", Value: StringAttr(`a"b`)}, {Key: "bad", Value: StringAttr("x\uFFFDy")}}, first.CustomAttributes)
	assert.Equal(t, "second", second.EventName)
	n, _ := NumberAttr("12.5")
	raw, _ := RawAttr([]byte(`{"p":[1]}`))
	assert.Equal(t, Attributes{{Key: "n", Value: n}, {Key: "o", Value: raw}}, second.CustomAttributes)
	assert.Equal(t, strings.Repeat("r", 300), b.SourceRequestID)
	assert.Equal(t, Environment("production"), b.Environment)
}
