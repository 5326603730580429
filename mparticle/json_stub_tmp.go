package mparticle

type decoder struct{ data []byte }
type encoder struct{ buf []byte }

func isJSONNumber([]byte) bool                          { return false }
func (d *decoder) topLevel(func(*decoder) error) error  { return nil }
func (d *decoder) attributeValue(*AttributeValue) error { return nil }
func (e *encoder) attributeValue(AttributeValue)        {}
