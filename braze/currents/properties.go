package currents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Properties holds the "properties" object of a Currents event, each value
// as raw JSON so that nothing is lost or reinterpreted. The getters read one
// value with a given type; [Properties.Decode] and the per-family views on
// [Event] read many at once.
type Properties map[string]json.RawMessage

// Raw returns the raw JSON of a property and whether it is present.
func (p Properties) Raw(key string) (json.RawMessage, bool) {
	raw, ok := p[key]
	return raw, ok
}

// Has reports whether the property is present and not null.
func (p Properties) Has(key string) bool {
	raw, ok := p[key]
	return ok && !isNull(raw)
}

// String returns a string property; ok is false when the property is
// absent, null or not a string.
func (p Properties) String(key string) (s string, ok bool) {
	raw, present := p[key]
	if !present || isNull(raw) {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// Bool returns a boolean property; ok is false when the property is absent,
// null or not a boolean.
func (p Properties) Bool(key string) (b bool, ok bool) {
	raw, present := p[key]
	if !present || isNull(raw) {
		return false, false
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, false
	}
	return b, true
}

// Int64 returns an integral number property; ok is false when the property
// is absent, null, not a number or not integral.
func (p Properties) Int64(key string) (int64, bool) {
	raw, present := p[key]
	if !present || isNull(raw) {
		return 0, false
	}
	return parseInt(raw)
}

// Float64 returns a number property; ok is false when the property is
// absent, null or not a number.
func (p Properties) Float64(key string) (f float64, ok bool) {
	raw, present := p[key]
	if !present || isNull(raw) {
		return 0, false
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, false
	}
	return f, true
}

// Text returns a property as text: strings unquoted, numbers and booleans
// in their JSON spelling, objects and arrays as compact JSON. ok is false
// when the property is absent or null.
func (p Properties) Text(key string) (string, bool) {
	raw, present := p[key]
	if !present || isNull(raw) {
		return "", false
	}
	return RawText(raw), true
}

// RawText renders a raw JSON value as text: a string unquoted, anything
// else as compact JSON. Invalid JSON is returned as is.
func RawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s
		}
	}
	var c bytes.Buffer
	if err := json.Compact(&c, raw); err != nil {
		return string(raw)
	}
	return c.String()
}

// Decode copies properties into the fields of the struct v points to, by
// the fields' json tags (embedded structs included). It is lenient the way
// Currents consumers must be: absent and null properties leave a field
// unchanged, and a property of the wrong type leaves its field unchanged and
// is reported in the returned error (one [*FieldError] per property, joined),
// while all other fields are still filled.
func (p Properties) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("currents: Decode needs a non-nil pointer to a struct, got %T", v)
	}
	var errs []error
	p.decodeStruct(rv.Elem(), &errs)
	return errors.Join(errs...)
}

func (p Properties) decodeStruct(rv reflect.Value, errs *[]error) {
	rt := rv.Type()
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			p.decodeStruct(rv.Field(i), errs)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		raw, ok := p[name]
		if !ok || isNull(raw) {
			continue
		}
		dst := reflect.New(f.Type)
		if err := json.Unmarshal(raw, dst.Interface()); err != nil {
			*errs = append(*errs, &FieldError{
				Path: "properties." + name,
				Err:  fmt.Errorf("%s is not a %s", truncate(raw), typeName(f.Type)),
			})
			continue
		}
		rv.Field(i).Set(dst.Elem())
	}
}

func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Map:
		return "object"
	}
	return t.String()
}
