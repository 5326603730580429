package currents

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Splitting JSON objects into their members.
//
// Events, their user objects and their properties are kept as
// map[string]json.RawMessage. Filling those maps with json.Unmarshal costs
// several passes over every byte (validation, decoding, copying each
// value), nested once more for each level, and it was the largest cost of
// the Currents path (about 40% of its CPU in the perfreport profile).
// splitObject gives the same maps with one validation pass, one copy of
// the input and one scan; nested objects that are already validated and
// owned are split without either (splitOwned).

// errNotObject reports JSON that is valid but not an object (or null).
var errNotObject = errors.New("not a JSON object")

// errInvalidJSON reports malformed JSON.
var errInvalidJSON = errors.New("invalid JSON")

// splitObject returns the members of the JSON object data, like
// json.Unmarshal into a map[string]json.RawMessage: keys unescaped, a later
// duplicate key wins, values raw without surrounding whitespace; null gives
// a nil map and no error. The values share one copy of data, so the caller
// may reuse data afterwards.
func splitObject(data []byte) (map[string]json.RawMessage, error) {
	if !json.Valid(data) {
		return nil, errInvalidJSON
	}
	return splitOwned(bytes.Clone(data))
}

// splitOwned is splitObject for data that is known to be valid JSON and
// that the caller hands over: the values are sub-slices of data.
func splitOwned(data []byte) (map[string]json.RawMessage, error) {
	i := skipSpace(data, 0)
	if i >= len(data) {
		return nil, errInvalidJSON
	}
	switch data[i] {
	case '{':
	case 'n':
		return nil, nil // null
	default:
		return nil, errNotObject
	}
	m := make(map[string]json.RawMessage)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return m, nil
	}
	for i < len(data) {
		if data[i] != '"' {
			return nil, errInvalidJSON
		}
		kend := skipString(data, i)
		key, err := unquoteKey(data[i:kend])
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return nil, errInvalidJSON
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if vend <= i {
			return nil, errInvalidJSON
		}
		m[key] = json.RawMessage(data[i:vend:vend])
		i = skipSpace(data, vend)
		if i >= len(data) {
			return nil, errInvalidJSON
		}
		if data[i] == '}' {
			return m, nil
		}
		if data[i] != ',' {
			return nil, errInvalidJSON
		}
		i = skipSpace(data, i+1)
	}
	return nil, errInvalidJSON
}

// unquoteKey decodes a JSON string token. Keys without escapes and with
// valid UTF-8 (nearly all) are converted directly; the rest go through
// encoding/json, which replaces invalid UTF-8 as json.Unmarshal would.
func unquoteKey(tok []byte) (string, error) {
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return "", err
	}
	return s, nil
}

// quotedString returns the value of a raw JSON string that needs no
// unescaping, and whether it was one.
func quotedString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') >= 0 || bytes.IndexByte(inner, '"') >= 0 || !utf8.Valid(inner) {
		return "", false
	}
	for _, c := range inner {
		if c < 0x20 {
			return "", false // invalid in JSON; let encoding/json report it
		}
	}
	return string(inner), true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just after the string starting at data[i]
// (a '"'), or len(data) when it is not terminated.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// skipValue returns the index just after the valid JSON value starting at
// data[i].
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}
