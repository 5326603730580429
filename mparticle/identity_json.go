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
		var t IdentityType
		if k, next := commonIdentityAt(d.data, d.pos); next > 0 {
			t, key = k, d.data[d.pos+1:next-2]
			d.pos = next
		} else {
			if key, err = d.objectKey(); err != nil {
				return err
			}
			// keyString, not a conversion: the key is nearly always a
			// substring of the text, where string(key) would copy it.
			t = IdentityType(d.keyString(key))
		}
		if ferr := u.decodeMember(d, key, t); ferr != nil {
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

// commonIdentityAt recognises the members `"customer_id":` and
// `"email":`, the identities nearly every batch carries, written plainly
// at data[p] (by two word compares, or one, as the generated match
// functions do) and returns the type and the position after the colon, or
// 0 for anything else, which objectKey then reads: a key read here costs
// no string scan and no look-up.
func commonIdentityAt(data []byte, p int) (IdentityType, int) {
	const (
		quoteCustome = 0x656d6f7473756322 // `"custome`, little endian
		merIDColon   = 0x3a2264695f72656d // `mer_id":`, the member's last 8 bytes
		emailMember  = 0x3a226c69616d6522 // `"email":`
	)
	if p+8 > len(data) {
		return "", 0
	}
	switch keyWord(data, p) {
	case emailMember:
		return IdentityEmail, p + len(`"email":`)
	case quoteCustome:
		if e := p + len(`"customer_id":`); e <= len(data) && keyWord(data, e-8) == merIDColon {
			return IdentityCustomerID, e
		}
	}
	return "", 0
}

// decodeMember reads the value of the member with key key, whose
// identity type (the key as a string) is t.
func (u *UserIdentities) decodeMember(d *decoder, key []byte, t IdentityType) error {
	legacy := t == customerIDLegacyKey
	p, i := u.field(t)
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
