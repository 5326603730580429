package braze

// decodeSimple fills r from the common /users/track answer, a flat object
// such as {"message":"success","events_processed":75}, without reflection:
// the answer is decoded once per request, and encoding/json's reflective
// decoder cost about a tenth of the client's own CPU per request. It
// accepts only what it can decode exactly as json.Unmarshal would: the
// keys "message" (a string without escapes) and "*_processed" (a
// non-negative integer of at most 18 digits), spelled exactly so, with any
// JSON whitespace; anything else (errors, other keys, escapes, other number
// forms, trailing data) returns false with r untouched, and the caller uses
// json.Unmarshal.
func (r *TrackResponse) decodeSimple(data []byte) bool {
	var out TrackResponse
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return r.finishSimple(&out, data, i+1)
	}
	for {
		// The key is compared in place: only the message's value is
		// kept, so only it becomes a string.
		ks, ke, ok := simpleString(data, i)
		if !ok {
			return false
		}
		key, next := data[ks:ke], ke+1
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		switch string(key) {
		case "message":
			vs, ve, ok := simpleString(data, i)
			if !ok {
				return false
			}
			if v := data[vs:ve]; string(v) == "success" {
				out.Message = "success" // nearly every answer: no copy
			} else {
				out.Message = string(v)
			}
			i = ve + 1
		case "attributes_processed", "events_processed", "purchases_processed":
			n, next, ok := simpleCount(data, i)
			if !ok {
				return false
			}
			switch key[0] {
			case 'a':
				out.AttributesProcessed = n
			case 'e':
				out.EventsProcessed = n
			default:
				out.PurchasesProcessed = n
			}
			i = next
		default:
			return false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return r.finishSimple(&out, data, i+1)
		default:
			return false
		}
	}
}

// finishSimple stores out in r if only whitespace follows the object.
func (r *TrackResponse) finishSimple(out *TrackResponse, data []byte, i int) bool {
	if skipSpace(data, i) != len(data) {
		return false
	}
	*r = *out
	return true
}

// skipSpace returns the index of the first non-whitespace byte at or after
// i.
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

// simpleString finds a JSON string at data[i] made of printable ASCII
// without escapes (so its bytes are its value): its value is
// data[start:end], and its closing quote is at end.
func simpleString(data []byte, i int) (start, end int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return i + 1, j, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// simpleCount reads a non-negative JSON integer of 1 to 18 digits (no
// leading zero unless it is 0) at data[i].
func simpleCount(data []byte, i int) (int, int, bool) {
	j := i
	n := 0
	for j < len(data) && data[j] >= '0' && data[j] <= '9' && j-i < 18 {
		n = n*10 + int(data[j]-'0')
		j++
	}
	switch {
	case j == i, data[i] == '0' && j-i > 1:
		return 0, 0, false
	case j < len(data) && (data[j] >= '0' && data[j] <= '9' || data[j] == '.' || data[j] == 'e' || data[j] == 'E'):
		return 0, 0, false // longer, or not an integer
	}
	return n, j, true
}
