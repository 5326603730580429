package mparticle

// Optional holds a JSON value that can be absent, explicitly null, or set.
//
// The mParticle wire format distinguishes the three states for several fields
// (mpid, nullable booleans such as device_info.limit_ad_tracking, product
// quantities), and a lossless round trip must keep them apart. The zero
// Optional is absent; use Set and Null to build the other states.
//
// Package braze's Optional has the same constructors and methods with the
// same meaning.
type Optional[T any] struct {
	val   T
	state optState
}

type optState uint8

const (
	optAbsent optState = iota
	optNull
	optSet
)

// Set returns an Optional that holds v.
func Set[T any](v T) Optional[T] { return Optional[T]{val: v, state: optSet} }

// Null returns an Optional that is written as an explicit JSON null.
func Null[T any]() Optional[T] { return Optional[T]{state: optNull} }

// Get returns the value and true when the Optional holds a value, or the zero
// value and false when it is absent or null.
func (o Optional[T]) Get() (T, bool) { return o.val, o.state == optSet }

// Or returns the value when set, else def.
func (o Optional[T]) Or(def T) T {
	if o.state == optSet {
		return o.val
	}
	return def
}

// IsSet reports whether the Optional holds a value (not absent, not null).
// Use IsAbsent to ask whether the field is in the JSON at all.
func (o Optional[T]) IsSet() bool { return o.state == optSet }

// IsNull reports whether the Optional is an explicit JSON null.
func (o Optional[T]) IsNull() bool { return o.state == optNull }

// IsAbsent reports whether the Optional is absent (the field is not written).
func (o Optional[T]) IsAbsent() bool { return o.state == optAbsent }

// fieldSet records, per field index of a model struct, whether the field was
// present in decoded input while holding its zero value, and whether it was
// an explicit null. It lets plain Go fields (string, int64, slices, maps,
// pointers) keep the wire distinction between absent, null and zero without
// forcing Optional on every field: a zero field is omitted on output unless
// it was present on input, in which case it is written back as it came.
//
// decoded marks a struct that came from JSON: fields tagged ",always" are
// written even when zero in structs built in Go (so a required false or 0
// reaches the wire), but not when a decoded input simply lacked them.
type fieldSet struct {
	present uint64
	null    uint64
	decoded bool
}

func (f *fieldSet) markPresent(i uint) { f.present |= 1 << i; f.null &^= 1 << i }
func (f *fieldSet) markNull(i uint)    { f.present |= 1 << i; f.null |= 1 << i }
func (f fieldSet) isPresent(i uint) bool {
	return f.present&(1<<i) != 0
}
func (f fieldSet) isNull(i uint) bool { return f.null&(1<<i) != 0 }
