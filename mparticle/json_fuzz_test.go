package mparticle

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

func addFileSeeds(f *testing.F, patterns ...string) {
	for _, pat := range patterns {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// checkRoundTrip asserts the properties every successful decode must have:
// the input was valid JSON, the output is valid JSON equal to the input as
// a JSON value (numbers compared as float64, like assert.JSONEq; exact
// integer precision is covered by TestRoundTripFiles), and encoding is
// idempotent.
func checkRoundTrip(t *testing.T, in, out []byte, redecode func([]byte) ([]byte, error)) {
	t.Helper()
	if !json.Valid(in) {
		t.Fatalf("decoded invalid JSON without error: %q", in)
	}
	if !json.Valid(out) {
		t.Fatalf("encoded invalid JSON %q from %q", out, in)
	}
	var a, b any
	if err := json.Unmarshal(in, &a); err != nil {
		// encoding/json rejects numbers beyond float64 that we keep as
		// literals (custom attribute 1e999): compare literally instead.
		requireSameJSON(t, in, out)
	} else {
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("re-decode output: %v", err)
		}
		if d := floatDiff("$", a, b); d != "" {
			t.Fatalf("round trip differs at %s\n in: %s\nout: %s", d, in, out)
		}
	}
	out2, err := redecode(out)
	if err != nil {
		t.Fatalf("decode of own output %s: %v", out, err)
	}
	if !bytes.Equal(out, out2) {
		t.Fatalf("encoding not idempotent:\n%s\n%s", out, out2)
	}
}

// floatDiff compares values decoded by encoding/json (numbers as float64).
func floatDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return path + ": object shape"
		}
		for k, v := range x {
			if d := floatDiff(path+"."+k, v, y[k]); d != "" {
				return d
			}
			if _, ok := y[k]; !ok {
				return path + "." + k + ": missing"
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path + ": array shape"
		}
		for i := range x {
			if d := floatDiff(path, x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if a != b {
			return path
		}
		return ""
	}
}

func FuzzDecodeBatch(f *testing.F) {
	addFileSeeds(f, "testdata/*batch*.json", "testdata/corpus/*.json")
	for _, s := range []string{
		`{}`, `{"events":[]}`, `{"mpid":null}`, `{"mpid":1.0}`, `{"mpid":1e3}`,
		`{"events":[{"data":{"event_name":"x"},"event_type":"custom_event"}]}`,
		`{"events":[{"event_type":"custom_event","data":{"custom_attributes":{"a":[1,{"b":null}]}}}]}`,
		`{"user_identities":{"customer_id":"a","customerid":"b"}}`,
		`{"user_attributes":{"k":"\ud800","l":"\u00e9\uDBFF\uDFFF"}}`,
		`{"user_attributes":{"b":1,"a":2,"b":3,"c":null,"a":[],"d":{}}}`,
		"{\"ip\":\"\xff\"}", `{"environment":"production","events":[{"event_type":"x","data":{"y":1}}]}`,
		`{"events":[{"event_type":"commerce_event","data":{"product_action":{"products":[{"price":-0.0}]}}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := DecodeBatch(in)
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error %T is not *DecodeError: %v", err, err)
			}
			_ = err.Error()
			return
		}
		_ = b.Validate()
		out, err := b.Encode()
		if err != nil {
			t.Fatalf("encode of decoded batch: %v", err)
		}
		checkRoundTrip(t, in, out, func(p []byte) ([]byte, error) {
			b2, err := DecodeBatch(p)
			if err != nil {
				return nil, err
			}
			return b2.Encode()
		})
	})
}

func FuzzDecodeAudienceMessage(f *testing.F) {
	addFileSeeds(f, "testdata/*audience*.json", "testdata/corpus/audience*.json")
	for _, s := range []string{
		`{"type":"audience_subscription_request","account":{"account_id":1},"action":"add","audience_id":5}`,
		`{"type":"audience_membership_change_request","user_profiles":[{"mpid":"1","audiences":[{"audience_id":1,"action":"add","user_attributes":[{"key":"k","value":null,"action":"delete"}]}]}]}`,
		`{"type":"module_registration_request"}`, `[]`, `{"type":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeAudienceMessage(in)
		if err != nil {
			_ = err.Error()
			return
		}
		_ = m.Validate()
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("encode of decoded message: %v", err)
		}
		checkRoundTrip(t, in, out, func(p []byte) ([]byte, error) {
			m2, err := DecodeAudienceMessage(p)
			if err != nil {
				return nil, err
			}
			return json.Marshal(m2)
		})
	})
}

// FuzzDecoder feeds arbitrary streams to the streaming Decoder in small
// reads: it must never panic or loop, and every batch it returns must
// re-encode to valid JSON.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		"[{\"mpid\":1},{\"mpid\":2}]", "{\"mpid\":1}\n{\"mpid\":2}", "{}{}", "[]", " ", "[{}", "{\"a\":\"}\"}",
		"{\"mpid\":\"x\"}\n{}", "[{},]", "1", "[1]", "{\"a\":\"\\\"}\"}{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		dec := NewDecoder(iotest.HalfReader(bytes.NewReader(in)))
		var last error
		for range len(in) + 3 {
			b, err := dec.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if err == last {
					return // sticky error
				}
				last = err
				continue
			}
			out, err := b.Encode()
			if err != nil || !json.Valid(out) {
				t.Fatalf("batch from stream does not re-encode: %v %q", err, out)
			}
		}
		t.Fatalf("Decoder did not finish on %q", in)
	})
}
