package mparticle

import "encoding/json"

// IdentityType names a user identity by its Events API key in
// user_identities (spec §A6).
type IdentityType string

// Identity types of the Events API.
const (
	IdentityCustomerID               IdentityType = "customer_id"
	IdentityEmail                    IdentityType = "email"
	IdentityOther                    IdentityType = "other"
	IdentityOther2                   IdentityType = "other_id_2"
	IdentityOther3                   IdentityType = "other_id_3"
	IdentityOther4                   IdentityType = "other_id_4"
	IdentityOther5                   IdentityType = "other_id_5"
	IdentityOther6                   IdentityType = "other_id_6"
	IdentityOther7                   IdentityType = "other_id_7"
	IdentityOther8                   IdentityType = "other_id_8"
	IdentityOther9                   IdentityType = "other_id_9"
	IdentityOther10                  IdentityType = "other_id_10"
	IdentityMobileNumber             IdentityType = "mobile_number"
	IdentityPhoneNumber2             IdentityType = "phone_number_2"
	IdentityPhoneNumber3             IdentityType = "phone_number_3"
	IdentityFacebook                 IdentityType = "facebook"
	IdentityGoogle                   IdentityType = "google"
	IdentityMicrosoft                IdentityType = "microsoft"
	IdentityYahoo                    IdentityType = "yahoo"
	IdentityTwitter                  IdentityType = "twitter"
	IdentityAlias                    IdentityType = "alias"
	IdentityFacebookCustomAudienceID IdentityType = "facebook_custom_audience_id"
)

// customerIDLegacyKey is the spelling used by mParticle's Python SDK and by
// Braze's Currents export; both spellings are accepted on input.
const customerIDLegacyKey = "customerid"

// IdentityTypes lists every identity type, in wire order.
func IdentityTypes() []IdentityType {
	return []IdentityType{
		IdentityCustomerID, IdentityEmail, IdentityOther, IdentityOther2,
		IdentityOther3, IdentityOther4, IdentityOther5, IdentityOther6,
		IdentityOther7, IdentityOther8, IdentityOther9, IdentityOther10,
		IdentityMobileNumber, IdentityPhoneNumber2, IdentityPhoneNumber3,
		IdentityFacebook, IdentityGoogle, IdentityMicrosoft, IdentityYahoo,
		IdentityTwitter, IdentityAlias, IdentityFacebookCustomAudienceID,
	}
}

// UserIdentities is the batch "user_identities" object.
//
// Both "customer_id" and "customerid" are read into CustomerID; the spelling
// read is written back (a UserIdentities built in Go writes "customer_id").
// Keys this model does not know are kept in Unknown. An identity that was
// explicitly null on input is written back as null while its field stays "".
type UserIdentities struct {
	CustomerID               string // customer_id (or customerid)
	Email                    string // email
	Other                    string // other
	OtherID2                 string // other_id_2
	OtherID3                 string // other_id_3
	OtherID4                 string // other_id_4
	OtherID5                 string // other_id_5
	OtherID6                 string // other_id_6
	OtherID7                 string // other_id_7
	OtherID8                 string // other_id_8
	OtherID9                 string // other_id_9
	OtherID10                string // other_id_10
	MobileNumber             string // mobile_number
	PhoneNumber2             string // phone_number_2
	PhoneNumber3             string // phone_number_3
	Facebook                 string // facebook
	Google                   string // google
	Microsoft                string // microsoft
	Yahoo                    string // yahoo
	Twitter                  string // twitter
	Alias                    string // alias
	FacebookCustomAudienceID string // facebook_custom_audience_id

	// Unknown holds keys this model does not know, as raw JSON.
	Unknown map[string]json.RawMessage

	// legacyCustomerID records that customer id was read as "customerid".
	legacyCustomerID bool
	present          fieldSet
}

// field returns a pointer to the field for t and its index, or nil.
func (u *UserIdentities) field(t IdentityType) (*string, uint) {
	switch t {
	case IdentityCustomerID, customerIDLegacyKey:
		return &u.CustomerID, 0
	case IdentityEmail:
		return &u.Email, 1
	case IdentityOther:
		return &u.Other, 2
	case IdentityOther2:
		return &u.OtherID2, 3
	case IdentityOther3:
		return &u.OtherID3, 4
	case IdentityOther4:
		return &u.OtherID4, 5
	case IdentityOther5:
		return &u.OtherID5, 6
	case IdentityOther6:
		return &u.OtherID6, 7
	case IdentityOther7:
		return &u.OtherID7, 8
	case IdentityOther8:
		return &u.OtherID8, 9
	case IdentityOther9:
		return &u.OtherID9, 10
	case IdentityOther10:
		return &u.OtherID10, 11
	case IdentityMobileNumber:
		return &u.MobileNumber, 12
	case IdentityPhoneNumber2:
		return &u.PhoneNumber2, 13
	case IdentityPhoneNumber3:
		return &u.PhoneNumber3, 14
	case IdentityFacebook:
		return &u.Facebook, 15
	case IdentityGoogle:
		return &u.Google, 16
	case IdentityMicrosoft:
		return &u.Microsoft, 17
	case IdentityYahoo:
		return &u.Yahoo, 18
	case IdentityTwitter:
		return &u.Twitter, 19
	case IdentityAlias:
		return &u.Alias, 20
	case IdentityFacebookCustomAudienceID:
		return &u.FacebookCustomAudienceID, 21
	}
	return nil, 0
}

// Get returns the identity of type t and whether it is non-empty. The
// spelling "customerid" is accepted as IdentityCustomerID. A nil receiver
// has no identities.
func (u *UserIdentities) Get(t IdentityType) (string, bool) {
	if u == nil {
		return "", false
	}
	p, _ := u.field(t)
	if p == nil || *p == "" {
		return "", false
	}
	return *p, true
}

// Set sets the identity of type t (an empty value removes it from the
// output). It returns false, changing nothing, for an unknown type.
func (u *UserIdentities) Set(t IdentityType, value string) bool {
	p, i := u.field(t)
	if p == nil {
		return false
	}
	*p = value
	u.present.present &^= 1 << i
	u.present.null &^= 1 << i
	return true
}

// Len returns how many identities are non-empty.
func (u *UserIdentities) Len() int {
	if u == nil {
		return 0
	}
	n := 0
	for _, t := range IdentityTypes() {
		if _, ok := u.Get(t); ok {
			n++
		}
	}
	return n
}
