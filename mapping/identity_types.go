package mapping

import (
	"strings"

	"github.com/mpbraze/mpbraze/mparticle"
)

// kitIdentityNames maps the kits' identity type names (the values of the
// "userIdentificationType" and "emailIdentificationType" settings; Android
// IdentityType enum names) to mParticle identity types.
var kitIdentityNames = map[string]mparticle.IdentityType{
	"CustomerId":               mparticle.IdentityCustomerID,
	"Email":                    mparticle.IdentityEmail,
	"Other":                    mparticle.IdentityOther,
	"Other2":                   mparticle.IdentityOther2,
	"Other3":                   mparticle.IdentityOther3,
	"Other4":                   mparticle.IdentityOther4,
	"Other5":                   mparticle.IdentityOther5,
	"Other6":                   mparticle.IdentityOther6,
	"Other7":                   mparticle.IdentityOther7,
	"Other8":                   mparticle.IdentityOther8,
	"Other9":                   mparticle.IdentityOther9,
	"Other10":                  mparticle.IdentityOther10,
	"MobileNumber":             mparticle.IdentityMobileNumber,
	"PhoneNumber2":             mparticle.IdentityPhoneNumber2,
	"PhoneNumber3":             mparticle.IdentityPhoneNumber3,
	"Facebook":                 mparticle.IdentityFacebook,
	"Twitter":                  mparticle.IdentityTwitter,
	"Google":                   mparticle.IdentityGoogle,
	"Microsoft":                mparticle.IdentityMicrosoft,
	"Yahoo":                    mparticle.IdentityYahoo,
	"Alias":                    mparticle.IdentityAlias,
	"FacebookCustomAudienceId": mparticle.IdentityFacebookCustomAudienceID,
	"MPID":                     IdentityMPID,
}

// kitIdentity resolves a kit identity type name, case-insensitively (the web
// kit lower-cases it; Android matches exactly; we accept both).
func kitIdentity(name string) (mparticle.IdentityType, bool) {
	if t, ok := kitIdentityNames[name]; ok {
		return t, true
	}
	for k, t := range kitIdentityNames {
		if strings.EqualFold(k, name) {
			return t, true
		}
	}
	return "", false
}

// knownIdentity reports whether t is one of the mParticle identity types.
func knownIdentity(t mparticle.IdentityType) bool {
	if t == IdentityMPID {
		return false
	}
	for _, k := range kitIdentityNames {
		if k == t {
			return true
		}
	}
	return false
}
