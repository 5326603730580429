package mparticle

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/mpbraze/mpbraze/internal/jsonenc"
)

// encoder appends JSON to buf. Object keys are written by the generated
// encoders (json_gen.go) in struct order; Attributes in their own order;
// maps and Unknown fields in sorted key order so output is deterministic.
type encoder struct {
	buf []byte
	err error
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// key writes a comma when needed, then the pre-quoted `"name":`.
func (e *encoder) key(quotedKeyColon string) {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '{' && e.buf[n-1] != '[' {
		e.buf = append(e.buf, ',')
	}
	e.buf = append(e.buf, quotedKeyColon...)
}

// dynKey writes a comma when needed, then a quoted map key and a colon.
func (e *encoder) dynKey(k string) {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '{' && e.buf[n-1] != '[' {
		e.buf = append(e.buf, ',')
	}
	e.string(k)
	e.buf = append(e.buf, ':')
}

// elem writes a comma before an array element when needed.
func (e *encoder) elem() {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '[' {
		e.buf = append(e.buf, ',')
	}
}

// string writes s as a JSON string, byte for byte as encoding/json.Marshal
// does (HTML-safe; \b, \f, U+2028 and U+2029 escaped; invalid UTF-8 as
// U+FFFD), with the escaper package braze uses too.
func (e *encoder) string(s string) { e.buf = jsonenc.AppendString(e.buf, s) }

func (e *encoder) int64(n int64) { e.buf = strconv.AppendInt(e.buf, n, 10) }

func (e *encoder) float64(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fail(errors.New("mparticle: cannot encode " + strconv.FormatFloat(f, 'g', -1, 64) + " as a JSON number"))
		e.buf = append(e.buf, "null"...)
		return
	}
	e.buf = strconv.AppendFloat(e.buf, f, 'g', -1, 64)
}

func (e *encoder) bool(b bool) { e.buf = strconv.AppendBool(e.buf, b) }

func (e *encoder) null() { e.buf = append(e.buf, "null"...) }

// attributeValue writes v (null for KindUndefined).
func (e *encoder) attributeValue(v AttributeValue) {
	switch v.kind {
	case KindString:
		e.string(v.s)
	case KindNumber, KindBool:
		e.buf = append(e.buf, v.s...)
	case KindList:
		e.buf = append(e.buf, '[')
		for i, s := range v.items() {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.string(s)
		}
		e.buf = append(e.buf, ']')
	case KindRaw:
		e.buf = append(e.buf, v.s...)
	default:
		e.null()
	}
}

// raw writes JSON text kept from input or set by the caller; invalid text
// is an error rather than corrupt output.
func (e *encoder) raw(r json.RawMessage) {
	if len(r) == 0 {
		e.null()
		return
	}
	d := decoder{data: r}
	if err := d.topLevel(func(d *decoder) error { return d.skip() }); err != nil {
		e.fail(errors.New("mparticle: invalid raw JSON in Unknown field: " + err.Error()))
		e.null()
		return
	}
	e.buf = append(e.buf, r...)
}

// unknown writes the Unknown fields of an object in sorted key order.
func (e *encoder) unknown(m map[string]json.RawMessage) {
	if len(m) == 0 {
		return
	}
	for _, k := range sortedKeys(m) {
		e.dynKey(k)
		e.raw(m[k])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// show reports whether a plain field is written: when it is non-zero, when
// it was present on input, or when it is tagged always and the struct was
// built in Go rather than decoded.
func show(nonZero, always bool, fs fieldSet, i uint) bool {
	return nonZero || fs.isPresent(i) || (always && !fs.decoded)
}

// fieldScalar writes k and v when show says so; a zero v that was null on
// input is written as null. write encodes v. It is the one shape behind the
// typed field* helpers the generated encoders call.
func fieldScalar[T comparable](e *encoder, k string, v T, always bool, fs fieldSet, i uint, write func(T)) {
	var zero T
	if !show(v != zero, always, fs, i) {
		return
	}
	e.key(k)
	if v == zero && fs.isNull(i) {
		e.null()
		return
	}
	write(v)
}

func (e *encoder) fieldString(k, v string, always bool, fs fieldSet, i uint) {
	fieldScalar(e, k, v, always, fs, i, e.string)
}

func (e *encoder) fieldInt64(k string, v int64, always bool, fs fieldSet, i uint) {
	fieldScalar(e, k, v, always, fs, i, e.int64)
}

func (e *encoder) fieldFloat64(k string, v float64, always bool, fs fieldSet, i uint) {
	fieldScalar(e, k, v, always, fs, i, e.float64)
}

func (e *encoder) fieldBool(k string, v bool, always bool, fs fieldSet, i uint) {
	fieldScalar(e, k, v, always, fs, i, e.bool)
}

func (e *encoder) fieldStringPtr(k string, v *string, always bool, fs fieldSet, i uint) {
	if !show(v != nil, always, fs, i) {
		return
	}
	e.key(k)
	if v == nil {
		e.null()
		return
	}
	e.string(*v)
}

// fieldOptional writes k and v when v is set or null; an absent v writes
// nothing. write encodes the set value. It is the one shape behind the typed
// fieldOpt* helpers the generated encoders call.
func fieldOptional[T any](e *encoder, k string, v Optional[T], write func(T)) {
	switch v.state {
	case optNull:
		e.key(k)
		e.null()
	case optSet:
		e.key(k)
		write(v.val)
	}
}

func (e *encoder) fieldOptInt64(k string, v Optional[int64]) { fieldOptional(e, k, v, e.int64) }

func (e *encoder) fieldOptFloat64(k string, v Optional[float64]) { fieldOptional(e, k, v, e.float64) }

func (e *encoder) fieldOptBool(k string, v Optional[bool]) { fieldOptional(e, k, v, e.bool) }

//lint:ignore U1000 json_generate.go emits calls to it for Optional[string] fields; no model field has that type today.
func (e *encoder) fieldOptString(k string, v Optional[string]) { fieldOptional(e, k, v, e.string) }

func (e *encoder) fieldAttr(k string, v AttributeValue, always bool, fs fieldSet) {
	if v.kind == KindUndefined && (!always || fs.decoded) {
		return
	}
	e.key(k)
	e.attributeValue(v)
}

// mapHead writes the key of a map or slice field and reports whether the
// body should follow; it writes null itself for a present null.
func (e *encoder) mapHead(k string, n int, always bool, fs fieldSet, i uint) bool {
	if !show(n > 0, always, fs, i) {
		return false
	}
	e.key(k)
	if n == 0 && fs.isNull(i) {
		e.null()
		return false
	}
	return true
}

func (e *encoder) fieldAttrs(k string, a Attributes, always bool, fs fieldSet, i uint) {
	if !e.mapHead(k, len(a), always, fs, i) {
		return
	}
	e.attrs(a)
}

// attrs writes a as an object, its members in order.
func (e *encoder) attrs(a Attributes) {
	e.buf = append(e.buf, '{')
	for j := range a {
		e.dynKey(a[j].Key)
		e.attributeValue(a[j].Value)
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) fieldStringMap(k string, m map[string]string, always bool, fs fieldSet, i uint) {
	if !e.mapHead(k, len(m), always, fs, i) {
		return
	}
	e.stringMap(m)
}

func (e *encoder) stringMap(m map[string]string) {
	e.buf = append(e.buf, '{')
	for _, key := range sortedKeys(m) {
		e.dynKey(key)
		e.string(m[key])
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) fieldStringMapMap(k string, m map[string]map[string]string, always bool, fs fieldSet, i uint) {
	if !e.mapHead(k, len(m), always, fs, i) {
		return
	}
	e.buf = append(e.buf, '{')
	for _, key := range sortedKeys(m) {
		e.dynKey(key)
		e.stringMap(m[key])
	}
	e.buf = append(e.buf, '}')
}

func (e *encoder) fieldStrings(k string, v []string, always bool, fs fieldSet, i uint) {
	if !e.mapHead(k, len(v), always, fs, i) {
		return
	}
	e.buf = append(e.buf, '[')
	for j, s := range v {
		if j > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(s)
	}
	e.buf = append(e.buf, ']')
}

// encodable is a model struct with a generated or hand-written encoder.
type encodable[T any] interface {
	*T
	encodeJSON(e *encoder)
}

func fieldStructPtr[T any, P encodable[T]](e *encoder, k string, v *T, always bool, fs fieldSet, i uint) {
	if !show(v != nil, always, fs, i) {
		return
	}
	e.key(k)
	if v == nil {
		e.null()
		return
	}
	P(v).encodeJSON(e)
}

func fieldStructSlice[T any, P encodable[T]](e *encoder, k string, v []T, always bool, fs fieldSet, i uint) {
	if !e.mapHead(k, len(v), always, fs, i) {
		return
	}
	e.buf = append(e.buf, '[')
	for j := range v {
		e.elem()
		P(&v[j]).encodeJSON(e)
	}
	e.buf = append(e.buf, ']')
}

func fieldStructPtrMap[T any, P encodable[T]](e *encoder, k string, m map[string]*T, always bool, fs fieldSet, i uint) {
	if !e.mapHead(k, len(m), always, fs, i) {
		return
	}
	e.buf = append(e.buf, '{')
	for _, key := range sortedKeys(m) {
		e.dynKey(key)
		if v := m[key]; v != nil {
			P(v).encodeJSON(e)
		} else {
			e.null()
		}
	}
	e.buf = append(e.buf, '}')
}
