package mparticle

// customerIDIndex is CustomerID's presence index (see UserIdentities.field).
const customerIDIndex = 0

func (u *UserIdentities) decodeJSON(d *decoder) error {
	var err error
	more := d.enterObject()
	if !more {
		more, err = d.objectOpen()
	}
	for more {
		var key []byte
		if key, err = d.objectKey(); err != nil {
			return err
		}
		if ferr := u.decodeMember(d, key); ferr != nil {
			return withSeg(ferr, string(key))
		}
		if !d.comma() {
			if more = !d.closes('}'); more {
				more, err = d.objectNext()
			}
		}
	}
	return err
}

func (u *UserIdentities) decodeMember(d *decoder, key []byte) error {
	legacy := string(key) == customerIDLegacyKey
	// keyString, not a conversion: the key is nearly always a substring
	// of the text, where string(key) would copy it (slicebytetostring).
	p, i := u.field(IdentityType(d.keyString(key)))
	if p == nil || (i == customerIDIndex && u.present.isPresent(customerIDIndex) && legacy != u.legacyCustomerID) {
		// Unknown key, or the second spelling of customer id in one
		// object: keep it verbatim rather than lose it.
		return d.unknown(&u.Unknown, key)
	}
	if i == customerIDIndex {
		u.legacyCustomerID = legacy
	}
	return d.readString(p, &u.present, i)
}

func (u *UserIdentities) encodeJSON(e *encoder) {
	e.buf = append(e.buf, '{')
	for _, t := range IdentityTypes() {
		p, i := u.field(t)
		k := string(t)
		if i == customerIDIndex && u.legacyCustomerID {
			k = customerIDLegacyKey
		}
		if !show(*p != "", false, u.present, i) {
			continue
		}
		e.dynKey(k)
		if *p == "" && u.present.isNull(i) {
			e.null()
		} else {
			e.string(*p)
		}
	}
	e.unknown(u.Unknown)
	e.buf = append(e.buf, '}')
}

// MarshalJSON encodes the identities losslessly (customer id under the
// spelling it was read with).
func (u UserIdentities) MarshalJSON() ([]byte, error) { return marshalModel(&u) }

// UnmarshalJSON decodes identities, accepting "customer_id" and
// "customerid".
func (u *UserIdentities) UnmarshalJSON(data []byte) error { return unmarshalModel(u, data) }
