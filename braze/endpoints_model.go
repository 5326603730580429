package braze

import "encoding/json"

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
	ExternalID string `json:"external_id,omitempty"`
	AliasName  string `json:"alias_name"`
	AliasLabel string `json:"alias_label"`
}

// AliasNewRequest is the body of POST /users/alias/new.
type AliasNewRequest struct {
	UserAliases []NewAlias `json:"user_aliases"`
}

// AliasNewResponse is the answer of /users/alias/new.
type AliasNewResponse struct {
	Message          string `json:"message"`
	AliasesProcessed int    `json:"aliases_processed,omitempty"`
}

// AliasToIdentify merges the alias-only profile UserAlias into the profile
// with ExternalID (or gives that profile the external id if it is unknown).
type AliasToIdentify struct {
	ExternalID string    `json:"external_id"`
	UserAlias  UserAlias `json:"user_alias"`
}

// EmailToIdentify merges the email-only profile with Email into ExternalID.
type EmailToIdentify struct {
	ExternalID     string           `json:"external_id"`
	Email          string           `json:"email"`
	Prioritization []Prioritization `json:"prioritization"`
}

// PhoneToIdentify merges the phone-only profile with Phone into ExternalID.
type PhoneToIdentify struct {
	ExternalID     string           `json:"external_id"`
	Phone          string           `json:"phone"`
	Prioritization []Prioritization `json:"prioritization"`
}

// IdentifyRequest is the body of POST /users/identify. At most 50 items in
// total across the three lists.
type IdentifyRequest struct {
	AliasesToIdentify      []AliasToIdentify `json:"aliases_to_identify,omitempty"`
	EmailsToIdentify       []EmailToIdentify `json:"emails_to_identify,omitempty"`
	PhoneNumbersToIdentify []PhoneToIdentify `json:"phone_numbers_to_identify,omitempty"`
}

// Len returns the number of items in the request.
func (r *IdentifyRequest) Len() int {
	return len(r.AliasesToIdentify) + len(r.EmailsToIdentify) + len(r.PhoneNumbersToIdentify)
}

// IdentifyResponse is the answer of /users/identify.
type IdentifyResponse struct {
	Message          string        `json:"message"`
	AliasesProcessed int           `json:"aliases_processed,omitempty"`
	Errors           []ObjectError `json:"errors,omitempty"`
}

// MergeIdentifier names one profile of a merge: exactly one of ExternalID,
// UserAlias, Email or Phone (the last two with an optional Prioritization).
type MergeIdentifier struct {
	ExternalID     string           `json:"external_id,omitempty"`
	UserAlias      *UserAlias       `json:"user_alias,omitempty"`
	Email          string           `json:"email,omitempty"`
	Phone          string           `json:"phone,omitempty"`
	Prioritization []Prioritization `json:"prioritization,omitempty"`
}

// MergeUpdate merges IdentifierToMerge into IdentifierToKeep.
type MergeUpdate struct {
	IdentifierToMerge MergeIdentifier `json:"identifier_to_merge"`
	IdentifierToKeep  MergeIdentifier `json:"identifier_to_keep"`
}

// MergeRequest is the body of POST /users/merge.
type MergeRequest struct {
	MergeUpdates []MergeUpdate `json:"merge_updates"`
}

// MergeResponse is the answer of /users/merge (202 when queued).
type MergeResponse struct {
	Message string `json:"message"`
}

// EmailToDelete selects the profiles with Email for deletion.
type EmailToDelete struct {
	Email          string           `json:"email"`
	Prioritization []Prioritization `json:"prioritization,omitempty"`
}

// PhoneToDelete selects the profiles with Phone for deletion.
type PhoneToDelete struct {
	Phone          string           `json:"phone"`
	Prioritization []Prioritization `json:"prioritization,omitempty"`
}

// DeleteRequest is the body of POST /users/delete. Exactly one of the lists
// may be non-empty, with at most 50 entries. Deletion is irreversible.
type DeleteRequest struct {
	ExternalIDs    []string        `json:"external_ids,omitempty"`
	UserAliases    []UserAlias     `json:"user_aliases,omitempty"`
	BrazeIDs       []string        `json:"braze_ids,omitempty"`
	EmailAddresses []EmailToDelete `json:"email_addresses,omitempty"`
	PhoneNumbers   []PhoneToDelete `json:"phone_numbers,omitempty"`
}

// Len returns the number of users the request names.
func (r *DeleteRequest) Len() int {
	return len(r.ExternalIDs) + len(r.UserAliases) + len(r.BrazeIDs) + len(r.EmailAddresses) + len(r.PhoneNumbers)
}

// DeleteResponse is the answer of /users/delete.
type DeleteResponse struct {
	Message string `json:"message,omitempty"`
	// Deleted counts the users queued for deletion.
	Deleted int `json:"deleted"`
}

// SubscriptionStatusUpdate sets one subscription group's state for up to 50
// users of each list. Emails and Phones cannot both be given.
type SubscriptionStatusUpdate struct {
	SubscriptionGroupID string            `json:"subscription_group_id"`
	SubscriptionState   SubscriptionState `json:"subscription_state"`
	ExternalIDs         []string          `json:"external_ids,omitempty"`
	Emails              []string          `json:"emails,omitempty"`
	// Phones are E.164 numbers (+14155550100); others are rejected.
	Phones []string `json:"phones,omitempty"`
	// UseDoubleOptInLogic sends SMS subscribers through double opt-in.
	UseDoubleOptInLogic bool `json:"use_double_opt_in_logic,omitempty"`
}

// SubscriptionStatusSetRequest is the body of POST
// /v2/subscription/status/set.
type SubscriptionStatusSetRequest struct {
	SubscriptionGroups []SubscriptionStatusUpdate `json:"subscription_groups"`
}

// SubscriptionStatusSetResponse is the answer of /v2/subscription/status/set.
type SubscriptionStatusSetResponse struct {
	Message string `json:"message"`
}

// ExternalIDRename renames CurrentExternalID to NewExternalID. The old id
// keeps resolving until it is removed.
type ExternalIDRename struct {
	CurrentExternalID string `json:"current_external_id"`
	NewExternalID     string `json:"new_external_id"`
}

// ExternalIDRenameRequest is the body of POST /users/external_ids/rename.
type ExternalIDRenameRequest struct {
	ExternalIDRenames []ExternalIDRename `json:"external_id_renames"`
}

// ExternalIDRenameResponse is the answer of /users/external_ids/rename.
type ExternalIDRenameResponse struct {
	Message string `json:"message"`
	// ExternalIDs lists the renamed ids.
	ExternalIDs []string `json:"external_ids,omitempty"`
	// RenameErrors lists failed renames as Braze reports them (arrays that
	// cite request indexes; the exact shape is undocumented, so they are
	// kept raw).
	RenameErrors []json.RawMessage `json:"rename_errors,omitempty"`
}
