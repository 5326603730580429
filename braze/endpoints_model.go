package braze

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Request and response bodies of the user endpoints other than
// /users/track (spec §6). Each accepts at most MaxItemsPerRequest (50)
// items; their Validate methods check that and the shapes Braze requires.

// Prioritization picks among several profiles that share an email address
// or phone number. Braze takes an ordered list of them.
type Prioritization string

// The prioritization values. PrioritizeIdentified and PrioritizeUnidentified
// are mutually exclusive.
const (
	PrioritizeIdentified           Prioritization = "identified"
	PrioritizeUnidentified         Prioritization = "unidentified"
	PrioritizeMostRecentlyUpdated  Prioritization = "most_recently_updated"
	PrioritizeLeastRecentlyUpdated Prioritization = "least_recently_updated"
)

// NewAlias is one item of /users/alias/new: with ExternalID the alias is
// added to that user, without it a new alias-only user is created.
type NewAlias struct {
	// ExternalID optionally names the user that gets the alias.
	ExternalID string `json:"external_id,omitempty"`
	// AliasName is the alias value.
	AliasName string `json:"alias_name"`
	// AliasLabel is the alias namespace.
	AliasLabel string `json:"alias_label"`
}

// AliasNewRequest is the body of POST /users/alias/new.
type AliasNewRequest struct {
	// UserAliases are the aliases to create (1..50).
	UserAliases []NewAlias `json:"user_aliases"`
}

// AliasNewResponse is the answer of /users/alias/new.
type AliasNewResponse struct {
	// Message is "success" or an error text.
	Message string `json:"message"`
	// AliasesProcessed counts the aliases queued.
	AliasesProcessed int `json:"aliases_processed,omitempty"`
}

// AliasToIdentify merges the alias-only profile UserAlias into the profile
// with ExternalID (or gives that profile the external id if it is unknown).
type AliasToIdentify struct {
	// ExternalID is the identified profile to keep.
	ExternalID string `json:"external_id"`
	// UserAlias is the anonymous profile to merge into it.
	UserAlias UserAlias `json:"user_alias"`
}

// EmailToIdentify merges the email-only profile with Email into ExternalID.
type EmailToIdentify struct {
	// ExternalID is the identified profile to keep.
	ExternalID string `json:"external_id"`
	// Email selects the email-only profile to merge.
	Email string `json:"email"`
	// Prioritization picks among several profiles with Email (required).
	Prioritization []Prioritization `json:"prioritization"`
}

// PhoneToIdentify merges the phone-only profile with Phone into ExternalID.
type PhoneToIdentify struct {
	// ExternalID is the identified profile to keep.
	ExternalID string `json:"external_id"`
	// Phone selects the phone-only profile to merge.
	Phone string `json:"phone"`
	// Prioritization picks among several profiles with Phone (required).
	Prioritization []Prioritization `json:"prioritization"`
}

// IdentifyRequest is the body of POST /users/identify. At most 50 items in
// total across the three lists.
type IdentifyRequest struct {
	// AliasesToIdentify merges alias-only profiles.
	AliasesToIdentify []AliasToIdentify `json:"aliases_to_identify,omitempty"`
	// EmailsToIdentify merges email-only profiles.
	EmailsToIdentify []EmailToIdentify `json:"emails_to_identify,omitempty"`
	// PhoneNumbersToIdentify merges phone-only profiles.
	PhoneNumbersToIdentify []PhoneToIdentify `json:"phone_numbers_to_identify,omitempty"`
}

// Len returns the number of items in the request.
func (r *IdentifyRequest) Len() int {
	return len(r.AliasesToIdentify) + len(r.EmailsToIdentify) + len(r.PhoneNumbersToIdentify)
}

// IdentifyResponse is the answer of /users/identify.
type IdentifyResponse struct {
	// Message is "success" or an error text.
	Message string `json:"message"`
	// AliasesProcessed counts the identifications queued.
	AliasesProcessed int `json:"aliases_processed,omitempty"`
	// Errors lists rejected items, if Braze reports any.
	Errors []ObjectError `json:"errors,omitempty"`
}

// MergeIdentifier names one profile of a merge: exactly one of ExternalID,
// UserAlias, Email or Phone (the last two with an optional Prioritization).
type MergeIdentifier struct {
	// ExternalID names the profile by external id.
	ExternalID string `json:"external_id,omitempty"`
	// UserAlias names the profile by alias.
	UserAlias *UserAlias `json:"user_alias,omitempty"`
	// Email names the profile by email address.
	Email string `json:"email,omitempty"`
	// Phone names the profile by phone number.
	Phone string `json:"phone,omitempty"`
	// Prioritization picks among profiles sharing Email or Phone.
	Prioritization []Prioritization `json:"prioritization,omitempty"`
}

// MergeUpdate merges IdentifierToMerge into IdentifierToKeep.
type MergeUpdate struct {
	// IdentifierToMerge is the profile that is merged and removed.
	IdentifierToMerge MergeIdentifier `json:"identifier_to_merge"`
	// IdentifierToKeep is the profile that remains.
	IdentifierToKeep MergeIdentifier `json:"identifier_to_keep"`
}

// MergeRequest is the body of POST /users/merge.
type MergeRequest struct {
	// MergeUpdates are the merges to perform (1..50).
	MergeUpdates []MergeUpdate `json:"merge_updates"`
}

// MergeResponse is the answer of /users/merge (202 when queued).
type MergeResponse struct {
	// Message is "success" or an error text.
	Message string `json:"message"`
}

// EmailToDelete selects the profiles with Email for deletion.
type EmailToDelete struct {
	// Email selects the profiles.
	Email string `json:"email"`
	// Prioritization picks among several profiles with Email.
	Prioritization []Prioritization `json:"prioritization,omitempty"`
}

// PhoneToDelete selects the profiles with Phone for deletion.
type PhoneToDelete struct {
	// Phone selects the profiles.
	Phone string `json:"phone"`
	// Prioritization picks among several profiles with Phone.
	Prioritization []Prioritization `json:"prioritization,omitempty"`
}

// DeleteRequest is the body of POST /users/delete. Exactly one of the lists
// may be non-empty, with at most 50 entries. Deletion is irreversible.
type DeleteRequest struct {
	// ExternalIDs deletes users by external id.
	ExternalIDs []string `json:"external_ids,omitempty"`
	// UserAliases deletes users by alias.
	UserAliases []UserAlias `json:"user_aliases,omitempty"`
	// BrazeIDs deletes users by Braze id.
	BrazeIDs []string `json:"braze_ids,omitempty"`
	// EmailAddresses deletes users by email address.
	EmailAddresses []EmailToDelete `json:"email_addresses,omitempty"`
	// PhoneNumbers deletes users by phone number.
	PhoneNumbers []PhoneToDelete `json:"phone_numbers,omitempty"`
}

// Len returns the number of users the request names.
func (r *DeleteRequest) Len() int {
	return len(r.ExternalIDs) + len(r.UserAliases) + len(r.BrazeIDs) + len(r.EmailAddresses) + len(r.PhoneNumbers)
}

// DeleteResponse is the answer of /users/delete.
type DeleteResponse struct {
	// Message is "success" or an error text.
	Message string `json:"message,omitempty"`
	// Deleted counts the users queued for deletion.
	Deleted int `json:"deleted"`
}

// SubscriptionStatusUpdate sets one subscription group's state for up to 50
// users of each list. Emails and Phones cannot both be given.
type SubscriptionStatusUpdate struct {
	// SubscriptionGroupID is the group's id.
	SubscriptionGroupID string `json:"subscription_group_id"`
	// SubscriptionState is SubscriptionSubscribed or SubscriptionUnsubscribed.
	SubscriptionState SubscriptionState `json:"subscription_state"`
	// ExternalIDs selects users by external id.
	ExternalIDs []string `json:"external_ids,omitempty"`
	// Emails selects users by email address.
	Emails []string `json:"emails,omitempty"`
	// Phones are E.164 numbers (+14155550100); others are rejected.
	Phones []string `json:"phones,omitempty"`
	// UseDoubleOptInLogic sends SMS subscribers through double opt-in.
	UseDoubleOptInLogic bool `json:"use_double_opt_in_logic,omitempty"`
}

// SubscriptionStatusSetRequest is the body of POST
// /v2/subscription/status/set.
type SubscriptionStatusSetRequest struct {
	// SubscriptionGroups are the group updates (at least one).
	SubscriptionGroups []SubscriptionStatusUpdate `json:"subscription_groups"`
}

// SubscriptionStatusSetResponse is the answer of /v2/subscription/status/set.
type SubscriptionStatusSetResponse struct {
	// Message is "success" or an error text.
	Message string `json:"message"`
}

// ExternalIDRename renames CurrentExternalID to NewExternalID. The old id
// keeps resolving until it is removed.
type ExternalIDRename struct {
	// CurrentExternalID is the user's primary external id now.
	CurrentExternalID string `json:"current_external_id"`
	// NewExternalID is the id to switch to (unused so far).
	NewExternalID string `json:"new_external_id"`
}

// ExternalIDRenameRequest is the body of POST /users/external_ids/rename.
type ExternalIDRenameRequest struct {
	// ExternalIDRenames are the renames (1..50).
	ExternalIDRenames []ExternalIDRename `json:"external_id_renames"`
}

// ExternalIDRenameResponse is the answer of /users/external_ids/rename.
type ExternalIDRenameResponse struct {
	// Message is "success" or an error text.
	Message string `json:"message"`
	// ExternalIDs lists the renamed ids.
	ExternalIDs []string `json:"external_ids,omitempty"`
	// RenameErrors lists failed renames as Braze reports them (arrays that
	// cite request indexes; the exact shape is undocumented, so they are
	// kept raw).
	RenameErrors []json.RawMessage `json:"rename_errors,omitempty"`
}

// checkItemCount reports an empty list or one over MaxItemsPerRequest.
func checkItemCount(path string, n int, errs *ValidationErrors) {
	switch {
	case n == 0:
		errs.add(path, nil, "is empty; nothing to send")
	case n > MaxItemsPerRequest:
		errs.add(path, n, "items, over the limit of "+strconv.Itoa(MaxItemsPerRequest)+" per request")
	}
}

// checkPrioritization checks an ordered prioritization list. allowed lists
// the values the endpoint takes; identified and unidentified exclude each
// other, and a value may appear once.
func checkPrioritization(path string, ps []Prioritization, required bool, allowed []Prioritization, errs *ValidationErrors) {
	if len(ps) == 0 {
		if required {
			errs.add(path, nil, "is required (e.g. [\"identified\", \"most_recently_updated\"])")
		}
		return
	}
	seen := make(map[Prioritization]bool, len(ps))
	for i, p := range ps {
		if !slices.Contains(allowed, p) {
			errs.add(indexPath(path, i), string(p), "is not one of "+joinPrioritizations(allowed))
		}
		if seen[p] {
			errs.add(indexPath(path, i), string(p), "appears twice")
		}
		seen[p] = true
	}
	if seen[PrioritizeIdentified] && seen[PrioritizeUnidentified] {
		errs.add(path, nil, "has both identified and unidentified, which exclude each other")
	}
}

func joinPrioritizations(ps []Prioritization) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

var (
	identifyPrioritizations = []Prioritization{PrioritizeIdentified, PrioritizeUnidentified, PrioritizeMostRecentlyUpdated, PrioritizeLeastRecentlyUpdated}
	deletePrioritizations   = []Prioritization{PrioritizeIdentified, PrioritizeUnidentified, PrioritizeMostRecentlyUpdated}
)

// Validate checks the item count (1..50) and every alias.
func (r *AliasNewRequest) Validate() error {
	var errs ValidationErrors
	checkItemCount("user_aliases", len(r.UserAliases), &errs)
	for i, a := range r.UserAliases {
		p := indexPath("user_aliases", i)
		if a.ExternalID != "" {
			checkExternalID(at(joinPath(p, "external_id")), a.ExternalID, &errs)
		}
		UserAlias{AliasName: a.AliasName, AliasLabel: a.AliasLabel}.validate(at(p), &errs)
	}
	return errs.err()
}

// Validate checks the total item count (1..50), the external ids, aliases,
// emails, phones and prioritizations.
func (r *IdentifyRequest) Validate() error {
	var errs ValidationErrors
	checkItemCount("aliases_to_identify+emails_to_identify+phone_numbers_to_identify", r.Len(), &errs)
	for i, a := range r.AliasesToIdentify {
		p := indexPath("aliases_to_identify", i)
		checkRequiredExternalID(at(joinPath(p, "external_id")), a.ExternalID, &errs)
		a.UserAlias.validate(at(joinPath(p, "user_alias")), &errs)
	}
	for i, e := range r.EmailsToIdentify {
		p := indexPath("emails_to_identify", i)
		checkRequiredExternalID(at(joinPath(p, "external_id")), e.ExternalID, &errs)
		checkEmail(at(joinPath(p, "email")), e.Email, &errs)
		checkPrioritization(joinPath(p, "prioritization"), e.Prioritization, true, identifyPrioritizations, &errs)
	}
	for i, ph := range r.PhoneNumbersToIdentify {
		p := indexPath("phone_numbers_to_identify", i)
		checkRequiredExternalID(at(joinPath(p, "external_id")), ph.ExternalID, &errs)
		checkPhone(at(joinPath(p, "phone")), ph.Phone, &errs)
		checkPrioritization(joinPath(p, "prioritization"), ph.Prioritization, true, identifyPrioritizations, &errs)
	}
	return errs.err()
}

func checkRequiredExternalID(path loc, id string, errs *ValidationErrors) {
	if id == "" {
		errs.at(path, nil, "is required")
		return
	}
	checkExternalID(path, id, errs)
}

// Validate checks the item count (1..50) and that each identifier names
// exactly one of external_id, user_alias, email or phone.
func (r *MergeRequest) Validate() error {
	var errs ValidationErrors
	checkItemCount("merge_updates", len(r.MergeUpdates), &errs)
	for i, u := range r.MergeUpdates {
		p := indexPath("merge_updates", i)
		u.IdentifierToMerge.validate(at(joinPath(p, "identifier_to_merge")), &errs)
		u.IdentifierToKeep.validate(at(joinPath(p, "identifier_to_keep")), &errs)
		if u.IdentifierToMerge.equal(u.IdentifierToKeep) {
			errs.add(p, nil, "merges a profile into itself")
		}
	}
	return errs.err()
}

func (m MergeIdentifier) validate(l loc, errs *ValidationErrors) {
	path := l.String()
	kinds := 0
	if m.ExternalID != "" {
		kinds++
		checkExternalID(at(joinPath(path, "external_id")), m.ExternalID, errs)
	}
	if m.UserAlias != nil {
		kinds++
		m.UserAlias.validate(at(joinPath(path, "user_alias")), errs)
	}
	if m.Email != "" {
		kinds++
		checkEmail(at(joinPath(path, "email")), m.Email, errs)
	}
	if m.Phone != "" {
		kinds++
		checkPhone(at(joinPath(path, "phone")), m.Phone, errs)
	}
	switch {
	case kinds == 0:
		errs.add(path, nil, "names no profile: one of external_id, user_alias, email or phone is required")
	case kinds > 1:
		errs.add(path, nil, "names more than one of external_id, user_alias, email and phone")
	}
	if len(m.Prioritization) > 0 {
		if m.Email == "" && m.Phone == "" {
			errs.add(joinPath(path, "prioritization"), nil, "is only valid with email or phone")
		}
		checkPrioritization(joinPath(path, "prioritization"), m.Prioritization, false, identifyPrioritizations, errs)
	}
}

func (m MergeIdentifier) equal(o MergeIdentifier) bool {
	if (m.UserAlias == nil) != (o.UserAlias == nil) || m.UserAlias != nil && *m.UserAlias != *o.UserAlias {
		return false
	}
	return m.ExternalID == o.ExternalID && m.Email == o.Email && m.Phone == o.Phone
}

// Validate checks that exactly one id list is given, with 1..50 entries.
func (r *DeleteRequest) Validate() error {
	var errs ValidationErrors
	var kinds []string
	for _, k := range []struct {
		name string
		n    int
	}{{"external_ids", len(r.ExternalIDs)}, {"user_aliases", len(r.UserAliases)}, {"braze_ids", len(r.BrazeIDs)},
		{"email_addresses", len(r.EmailAddresses)}, {"phone_numbers", len(r.PhoneNumbers)}} {
		if k.n > 0 {
			kinds = append(kinds, k.name)
			if k.n > MaxItemsPerRequest {
				errs.add(k.name, k.n, "items, over the limit of "+strconv.Itoa(MaxItemsPerRequest)+" per request")
			}
		}
	}
	switch len(kinds) {
	case 0:
		errs.add("", nil, "names no users: give one of external_ids, user_aliases, braze_ids, email_addresses or phone_numbers")
	case 1:
	default:
		errs.add("", strings.Join(kinds, "+"), "must be exactly one id list per request")
	}
	for i, id := range r.ExternalIDs {
		checkRequiredExternalID(at(indexPath("external_ids", i)), id, &errs)
	}
	for i, a := range r.UserAliases {
		a.validate(at(indexPath("user_aliases", i)), &errs)
	}
	for i, id := range r.BrazeIDs {
		if strings.TrimSpace(id) == "" {
			errs.add(indexPath("braze_ids", i), id, "is blank")
		}
	}
	for i, e := range r.EmailAddresses {
		p := indexPath("email_addresses", i)
		checkEmail(at(joinPath(p, "email")), e.Email, &errs)
		checkPrioritization(joinPath(p, "prioritization"), e.Prioritization, false, deletePrioritizations, &errs)
	}
	for i, ph := range r.PhoneNumbers {
		p := indexPath("phone_numbers", i)
		checkPhone(at(joinPath(p, "phone")), ph.Phone, &errs)
		checkPrioritization(joinPath(p, "prioritization"), ph.Prioritization, false, deletePrioritizations, &errs)
	}
	return errs.err()
}

// Validate checks every group: id, state (subscribed or unsubscribed), at
// least one and at most 50 users per list, not both emails and phones, and
// E.164 phone numbers.
func (r *SubscriptionStatusSetRequest) Validate() error {
	var errs ValidationErrors
	if len(r.SubscriptionGroups) == 0 {
		errs.add("subscription_groups", nil, "is empty; nothing to send")
	}
	for i, g := range r.SubscriptionGroups {
		p := indexPath("subscription_groups", i)
		if strings.TrimSpace(g.SubscriptionGroupID) == "" {
			errs.add(joinPath(p, "subscription_group_id"), nil, "is empty")
		}
		if !g.SubscriptionState.ValidForGroup() {
			errs.add(joinPath(p, "subscription_state"), string(g.SubscriptionState), "is not subscribed or unsubscribed")
		}
		if len(g.ExternalIDs)+len(g.Emails)+len(g.Phones) == 0 {
			errs.add(p, nil, "names no users: give external_ids, emails or phones")
		}
		if len(g.Emails) > 0 && len(g.Phones) > 0 {
			errs.add(p, nil, "has both emails and phones; Braze accepts one or the other")
		}
		for _, l := range []struct {
			name string
			n    int
		}{{"external_ids", len(g.ExternalIDs)}, {"emails", len(g.Emails)}, {"phones", len(g.Phones)}} {
			if l.n > MaxItemsPerRequest {
				errs.add(joinPath(p, l.name), l.n, "items, over the limit of "+strconv.Itoa(MaxItemsPerRequest))
			}
		}
		for j, id := range g.ExternalIDs {
			checkRequiredExternalID(at(indexPath(joinPath(p, "external_ids"), j)), id, &errs)
		}
		for j, e := range g.Emails {
			checkEmail(at(indexPath(joinPath(p, "emails"), j)), e, &errs)
		}
		for j, ph := range g.Phones {
			if !IsE164(ph) {
				errs.add(indexPath(joinPath(p, "phones"), j), ph, "is not an E.164 number (+ and 2 to 15 digits)")
			}
		}
	}
	return errs.err()
}

// IsE164 reports whether s has the E.164 shape: '+', a non-zero digit, and
// 1 to 14 more digits.
func IsE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Validate checks the item count (1..50) and that each rename has two
// different, valid external ids, with no current id renamed twice.
func (r *ExternalIDRenameRequest) Validate() error {
	var errs ValidationErrors
	checkItemCount("external_id_renames", len(r.ExternalIDRenames), &errs)
	seen := make(map[string]int, len(r.ExternalIDRenames))
	for i, rn := range r.ExternalIDRenames {
		p := indexPath("external_id_renames", i)
		checkRequiredExternalID(at(joinPath(p, "current_external_id")), rn.CurrentExternalID, &errs)
		checkRequiredExternalID(at(joinPath(p, "new_external_id")), rn.NewExternalID, &errs)
		if rn.CurrentExternalID != "" && rn.CurrentExternalID == rn.NewExternalID {
			errs.add(joinPath(p, "new_external_id"), rn.NewExternalID, "equals current_external_id")
		}
		if j, dup := seen[rn.CurrentExternalID]; dup && rn.CurrentExternalID != "" {
			errs.add(joinPath(p, "current_external_id"), rn.CurrentExternalID, "is also renamed by external_id_renames["+strconv.Itoa(j)+"]")
		} else {
			seen[rn.CurrentExternalID] = i
		}
	}
	return errs.err()
}
