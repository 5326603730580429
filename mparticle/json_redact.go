package mparticle

// redacted replaces secret values in String output.
const redacted = "[redacted]"

// String returns the batch as JSON for logs and debugging, with the input
// key fields (api_key, api_keys) redacted: mParticle credentials never
// appear in %v output.
func (b Batch) String() string {
	if b.APIKey != "" {
		b.APIKey = redacted
	}
	if b.APIKeys.IsDefined() && !b.APIKeys.IsNull() {
		b.APIKeys = StringAttr(redacted)
	}
	out, err := b.Encode()
	if err != nil {
		return "mparticle.Batch{unencodable: " + err.Error() + "}"
	}
	return string(out)
}

// GoString is String, so %#v redacts too.
func (b Batch) GoString() string { return b.String() }

// String returns the account with every account_settings value redacted:
// partners keep credentials (a Braze REST key, say) there.
func (a Account) String() string {
	if len(a.AccountSettings) > 0 {
		s := make(map[string]string, len(a.AccountSettings))
		for k := range a.AccountSettings {
			s[k] = redacted
		}
		a.AccountSettings = s
	}
	a.Unknown = nil
	out, err := marshalModel(&a)
	if err != nil {
		return "mparticle.Account{}"
	}
	return string(out)
}

// GoString is String, so %#v redacts too.
func (a Account) GoString() string { return a.String() }
