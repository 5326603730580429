package mparticle

// Validate checks an audience membership change against the Firehose rules
// of spec §B3 and reports every problem with its JSON path, as a
// *ValidationError.
func (m *AudienceMembershipChangeRequest) Validate() error {
	var v validator
	if m == nil {
		v.add("", "message is nil")
		return v.err()
	}
	if m.Type != MessageAudienceMembershipChangeRequest {
		v.add("type", "%q, want %q", m.Type, MessageAudienceMembershipChangeRequest)
	}
	v.account(m.Account)
	for i := range m.UserProfiles {
		v.userProfile(index("user_profiles", i), &m.UserProfiles[i])
	}
	return v.err()
}

// Validate checks an audience subscription message against spec §B2 and
// reports every problem with its JSON path, as a *ValidationError.
func (m *AudienceSubscriptionRequest) Validate() error {
	var v validator
	if m == nil {
		v.add("", "message is nil")
		return v.err()
	}
	if m.Type != MessageAudienceSubscriptionRequest {
		v.add("type", "%q, want %q", m.Type, MessageAudienceSubscriptionRequest)
	}
	v.account(m.Account)
	v.required("action", string(m.Action))
	v.enum("action", string(m.Action), string(SubscriptionAdd), string(SubscriptionUpdate), string(SubscriptionRemove))
	return v.err()
}

func (v *validator) account(a *Account) {
	if a == nil {
		v.add("account", "required")
		return
	}
	if a.AccountID <= 0 {
		v.add("account.account_id", "%d is not a valid account id", a.AccountID)
	}
}

var userIdentityTypes = []string{
	UserIdentityOther, UserIdentityCustomer, UserIdentityFacebook, UserIdentityTwitter, UserIdentityGoogle,
	UserIdentityMicrosoft, UserIdentityYahoo, UserIdentityEmail, UserIdentityOther2, UserIdentityOther3,
	UserIdentityOther4, UserIdentityOther5, UserIdentityOther6, UserIdentityOther7, UserIdentityOther8,
	UserIdentityOther9, UserIdentityOther10, UserIdentityMobileNumber, UserIdentityPhoneNumber2,
	UserIdentityPhoneNumber3,
}

var deviceIdentityTypes = []string{
	DeviceIdentityAndroidID, DeviceIdentityGoogleAdvertisingID, DeviceIdentityIOSAdvertisingID,
	DeviceIdentityIOSVendorID, DeviceIdentityGoogleCloudMessagingToken, DeviceIdentityApplePushNotificationToken,
	DeviceIdentityRokuAdvertisingID, DeviceIdentityRokuPublisherID, DeviceIdentityMicrosoftAdvertisingID,
	DeviceIdentityMicrosoftPublisherID, DeviceIdentityFireAdvertisingID,
}

func (v *validator) userProfile(path string, p *UserProfile) {
	v.required(join(path, "mpid"), p.MPID)
	v.identities(join(path, "user_identities"), p.UserIdentities, userIdentityTypes)
	v.identities(join(path, "device_identities"), p.DeviceIdentities, deviceIdentityTypes)
	v.identities(join(path, "partner_identities"), p.PartnerIdentities, nil)
	for i := range p.Audiences {
		a := &p.Audiences[i]
		ap := index(join(path, "audiences"), i)
		if a.AudienceID <= 0 {
			v.add(join(ap, "audience_id"), "%d is not a valid audience id", a.AudienceID)
		}
		v.required(join(ap, "action"), string(a.Action))
		v.enum(join(ap, "action"), string(a.Action), string(AudienceAdd), string(AudienceDelete), string(AudienceAttributeUpdate))
		for j := range a.UserAttributes {
			ua := &a.UserAttributes[j]
			up := index(join(ap, "user_attributes"), j)
			v.required(join(up, "key"), ua.Key)
			v.required(join(up, "action"), string(ua.Action))
			v.enum(join(up, "action"), string(ua.Action), string(AttributeUpsert), string(AttributeDelete))
		}
	}
}

func (v *validator) identities(path string, ids []Identity, types []string) {
	for i := range ids {
		id := &ids[i]
		p := index(path, i)
		v.required(join(p, "type"), id.Type)
		if types != nil {
			v.enum(join(p, "type"), id.Type, types...)
		}
		v.required(join(p, "encoding"), string(id.Encoding))
		v.enum(join(p, "encoding"), string(id.Encoding), string(EncodingRaw), string(EncodingMD5),
			string(EncodingSHA1), string(EncodingSHA256))
		v.required(join(p, "value"), id.Value)
	}
}
