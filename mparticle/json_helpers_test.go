package mparticle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"testing"
)

// decodeAny decodes JSON keeping number literals.
func decodeAny(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// exactDiff compares two JSON values exactly: numbers compare by their
// exact decimal value (so 150.0 equals 150 but 9007199254740993 does not
// equal 9007199254740992, which assert.JSONEq's float64 comparison would
// accept). It returns "" when equal, else the first difference.
func exactDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: object vs %T", path, b)
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d keys vs %d keys", path, len(x), len(y))
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing", path, k)
			}
			if d := exactDiff(path+"."+k, v, w); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: array of %d vs %v", path, len(x), b)
		}
		for i := range x {
			if d := exactDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: number %s vs %v", path, x, b)
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		if !okx || !oky || rx.Cmp(ry) != 0 {
			// Floats that do not fit a float64 exactly (0.1) are
			// re-encoded as the shortest float64 representation; that is
			// the same float64, so compare as float64 too.
			fx, ex := x.Float64()
			fy, ey := y.Float64()
			if ex == nil && ey == nil && fx == fy && !isInteger(string(x)) {
				return ""
			}
			return fmt.Sprintf("%s: number %s vs %s", path, x, y)
		}
		return ""
	default:
		if a != b {
			return fmt.Sprintf("%s: %#v vs %#v", path, a, b)
		}
		return ""
	}
}

func isInteger(s string) bool {
	for _, c := range s {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// requireSameJSON fails unless a and b are the same JSON value exactly.
func requireSameJSON(t testing.TB, a, b []byte) {
	t.Helper()
	if d := exactDiff("$", decodeAny(t, a), decodeAny(t, b)); d != "" {
		t.Fatalf("JSON differs at %s\n in: %s\nout: %s", d, a, b)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// attrGet returns the value of key in a (undefined when a lacks it).
func attrGet(a Attributes, key string) AttributeValue {
	v, _ := a.Get(key)
	return v
}
