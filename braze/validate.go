package braze

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidationError is one problem found before sending a request. Path names
// the object and field in request terms ("events[3].quantity",
// "attributes[0].custom[\"favorite color\"]"), Value is the offending value
// (nil when the problem is a missing value) and Reason says what is wrong.
//
// Error() reads like "events[3].quantity: 150 outside 1..100".
type ValidationError struct {
	Path   string
	Value  any
	Reason string
}

// Error formats the path, the value (long strings shortened) and the reason.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Value != nil {
		b.WriteString(formatValue(e.Value))
		b.WriteByte(' ')
	}
	b.WriteString(e.Reason)
	return b.String()
}

// maxShownValue bounds how much of a long value an error message repeats.
const maxShownValue = 64

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		if utf8.RuneCountInString(v) > maxShownValue {
			r := []rune(v)
			return strconv.Quote(string(r[:maxShownValue])) + "…"
		}
		return strconv.Quote(v)
	case fmt.Stringer:
		return formatValue(v.String())
	default:
		return fmt.Sprint(v)
	}
}

// ValidationErrors lists every problem found in one request. It implements
// error; errors.As finds the individual *ValidationError values through
// Unwrap.
type ValidationErrors []*ValidationError

// Error lists all problems, separated by "; ".
func (es ValidationErrors) Error() string {
	switch len(es) {
	case 0:
		return "braze: no validation errors"
	case 1:
		return "braze: invalid request: " + es[0].Error()
	}
	var b strings.Builder
	b.WriteString("braze: invalid request: ")
	b.WriteString(strconv.Itoa(len(es)))
	b.WriteString(" problems: ")
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, for errors.Is and errors.As.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es *ValidationErrors) add(path string, value any, reason string) {
	*es = append(*es, &ValidationError{Path: path, Value: value, Reason: reason})
}

// err returns nil for no problems, so a nil ValidationErrors never becomes a
// non-nil error interface.
func (es ValidationErrors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// joinPath appends a field name to an object path.
func joinPath(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// indexPath returns "name[i]".
func indexPath(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// keyPath returns prefix["key"] for a map member.
func keyPath(prefix, key string) string {
	return prefix + "[" + strconv.Quote(key) + "]"
}

// checkStringLen reports strings over MaxStringLength characters.
func checkStringLen(path, s string, errs *ValidationErrors) {
	if len(s) > MaxStringLength { // fast path: bytes ≥ characters
		if n := utf8.RuneCountInString(s); n > MaxStringLength {
			errs.add(path, s, "is "+strconv.Itoa(n)+" characters, over the "+strconv.Itoa(MaxStringLength)+"-character limit")
		}
	}
}
