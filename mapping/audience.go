package mapping

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Custom attribute names written by the cohort import, as mParticle names
// them.
const (
	// SegmentMembershipAttribute is the string form's attribute: the
	// comma-separated ids of every audience the user is in.
	SegmentMembershipAttribute = "SegmentMembership"
	// SegmentMembershipArrayAttribute is the array form's attribute,
	// updated with {"add":[…],"remove":[…]}.
	SegmentMembershipArrayAttribute = "SegmentMembershipArray"
	// PerSegmentAttributePrefix starts the per-segment boolean attribute
	// "In <Audience Name>".
	PerSegmentAttributePrefix = "In "
)

// MaxSegmentMembershipLength is Braze's limit on a string attribute. A
// SegmentMembership value longer than this is reported as an error for the
// user, never cut: a cut list would silently drop audiences.
const MaxSegmentMembershipLength = 255

// maxExternalIDBytes is Braze's limit on external_id (spec §1.2).
const maxExternalIDBytes = 987

// maxAttributeKeyLength is Braze's limit on custom attribute keys.
const maxAttributeKeyLength = 255

// Diagnostic codes specific to the cohort import (the others are shared
// with Mapper).
const (
	// SegmentMembershipTooLong: the user's SegmentMembership would exceed
	// 255 characters; it was not sent (see AudienceResult.Errors).
	SegmentMembershipTooLong DiagnosticCode = "segment_membership_too_long"
)

// ErrSegmentMembershipTooLong is matched (errors.Is) by every
// *SegmentMembershipTooLongError.
var ErrSegmentMembershipTooLong = errors.New("SegmentMembership longer than 255 characters")

// SegmentMembershipTooLongError reports a user whose full membership does
// not fit in the SegmentMembership string. The attribute is not sent for
// that user (the other forms and attributes are); the stored membership is
// still updated, because it reflects what mParticle says.
type SegmentMembershipTooLongError struct {
	// ExternalID is the user's Braze external_id.
	ExternalID string
	// Length is the length the attribute would have had.
	Length int
	// Audiences is the number of audiences the user is in.
	Audiences int
}

// Error implements error.
func (e *SegmentMembershipTooLongError) Error() string {
	return fmt.Sprintf("user %q: SegmentMembership would be %d characters (%d audiences), over Braze's limit of %d; not sent",
		e.ExternalID, e.Length, e.Audiences, MaxSegmentMembershipLength)
}

// Is makes errors.Is(err, ErrSegmentMembershipTooLong) true.
func (e *SegmentMembershipTooLongError) Is(target error) bool {
	return target == ErrSegmentMembershipTooLong
}

// AudienceSkipReason says why a user profile produced no Braze update.
type AudienceSkipReason string

// Reasons a profile is skipped.
const (
	// SkipNoExternalID: the profile has no identity of the configured
	// external identity type.
	SkipNoExternalID AudienceSkipReason = "no_external_id"
	// SkipHashedExternalID: the profile has the external identity only
	// hashed (md5/sha1/sha256), which cannot be an external_id.
	SkipHashedExternalID AudienceSkipReason = "hashed_external_id"
	// SkipExternalIDTooLong: the external identity is longer than Braze's
	// 987-byte limit.
	SkipExternalIDTooLong AudienceSkipReason = "external_id_too_long"
)

// AudienceSkip reports a user profile that produced no Braze update.
type AudienceSkip struct {
	// ProfileIndex is the index in the message's user_profiles.
	ProfileIndex int `json:"profile_index"`
	// MPID is the profile's mpid.
	MPID string `json:"mpid"`
	// Reason classifies the skip.
	Reason AudienceSkipReason `json:"reason"`
	// Detail explains it in words.
	Detail string `json:"detail"`
}

// AudienceUserError reports an error for one user of a message; the rest of
// the message is unaffected.
type AudienceUserError struct {
	// ProfileIndex is the index in the message's user_profiles, or -1 for
	// ClearAudience.
	ProfileIndex int
	// MPID is the profile's mpid ("" for ClearAudience).
	MPID string
	// ExternalID is the user's Braze external_id.
	ExternalID string
	// Err is the error, e.g. a *SegmentMembershipTooLongError.
	Err error
}

// Error implements error.
func (e *AudienceUserError) Error() string {
	if e.ProfileIndex < 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("user_profiles[%d] (mpid %s): %v", e.ProfileIndex, e.MPID, e.Err)
}

// Unwrap returns Err.
func (e *AudienceUserError) Unwrap() error { return e.Err }

// AudienceResult is what one audience message (or ClearAudience) maps to.
type AudienceResult struct {
	// MessageID is the message's id ("" for ClearAudience).
	MessageID string
	// Attributes holds one Braze attributes object per updated user, in
	// user_profiles order. Profiles with nothing to update produce none.
	Attributes []braze.Attributes
	// Skipped lists the profiles that produced nothing and why.
	Skipped []AudienceSkip
	// Errors lists per-user errors (each an *AudienceUserError), such as a
	// SegmentMembership over 255 characters.
	Errors []error
	// Diagnostics reports every change or omission. For audience messages
	// Diagnostic.BatchID is the message id, EventIndex the user_profiles
	// index, and EventName the audience name when one is concerned.
	Diagnostics []Diagnostic
}

// Len returns the number of Braze objects in r.
func (r AudienceResult) Len() int { return len(r.Attributes) }

// AudienceMapper turns mParticle audience membership changes into Braze
// custom attributes, in the forms AudienceSettings selects. Create one
// with [NewAudienceMapper] (the zero AudienceMapper is not usable). It is
// safe for concurrent use when its MembershipStore is (the default one is); its
// calls run one at a time, so that results can be delivered in the order
// the store saw them (see Apply).
type AudienceMapper struct {
	settings AudienceSettings
	mapper   *Mapper
	// order serialises store updates with the delivery of their results
	// (see Apply): the string form is computed from the store, so results
	// must reach Braze in the order the store saw the changes.
	order sync.Mutex
}

// NewAudienceMapper validates s and returns a mapper. m applies the
// user-attribute rules to attribute_update audiences; nil means a Mapper
// with default Settings. When s.Store is nil the AudienceMapper owns a new
// in-memory store, so keep one AudienceMapper for the life of the process.
func NewAudienceMapper(s AudienceSettings, m *Mapper) (*AudienceMapper, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if m == nil {
		var err error
		if m, err = New(Settings{}); err != nil {
			return nil, fmt.Errorf("default mapper: %w", err)
		}
	}
	return &AudienceMapper{settings: s.withDefaults(), mapper: m}, nil
}

// Settings returns the settings in use, with defaults filled in.
func (a *AudienceMapper) Settings() AudienceSettings { return a.settings }

// Store returns the membership store in use.
func (a *AudienceMapper) Store() MembershipStore { return a.settings.Store }

// Map translates one audience membership change message. Per-user problems
// (missing or hashed identities, a SegmentMembership over 255 characters)
// are reported in the result; the returned error is for the whole message:
// a nil message, a canceled ctx, or a MembershipStore failure. The store is
// updated for every form (so ClearAudience knows the members) and updates
// are idempotent, so a message can be retried after an error.
//
// Map calls for the same users must be delivered in the order they were
// made; Apply does that for concurrent callers.
func (a *AudienceMapper) Map(ctx context.Context, msg *mparticle.AudienceMembershipChangeRequest) (AudienceResult, error) {
	a.order.Lock()
	defer a.order.Unlock()
	return a.mapLocked(ctx, msg)
}

// Apply maps msg like Map and hands the result to deliver (for example,
// queueing it for Braze) before any other Map, Apply or ClearAudience call
// of this mapper touches the store. Concurrent callers thus deliver results
// in the order the store recorded the changes, which the string form needs:
// otherwise an older SegmentMembership could reach Braze after a newer one.
// deliver is not called when mapping fails; its error is returned.
func (a *AudienceMapper) Apply(ctx context.Context, msg *mparticle.AudienceMembershipChangeRequest, deliver func(AudienceResult) error) (AudienceResult, error) {
	a.order.Lock()
	defer a.order.Unlock()
	res, err := a.mapLocked(ctx, msg)
	if err != nil {
		return res, err
	}
	return res, deliver(res)
}

// mapLocked is Map; the caller holds a.order.
func (a *AudienceMapper) mapLocked(ctx context.Context, msg *mparticle.AudienceMembershipChangeRequest) (AudienceResult, error) {
	if msg == nil {
		return AudienceResult{}, errors.New("audience message: nil")
	}
	res := AudienceResult{MessageID: msg.ID}
	if n := len(msg.UserProfiles); n > 0 {
		// Attributes is a large struct: growing the slice by appends would
		// copy it over and over.
		res.Attributes = make([]braze.Attributes, 0, n)
	}
	var cache stringCache
	for i := range msg.UserProfiles {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := a.mapProfile(ctx, msg.ID, i, &msg.UserProfiles[i], &res, &cache); err != nil {
			return res, fmt.Errorf("user_profiles[%d]: %w", i, err)
		}
	}
	return res, nil
}

// stringCache reuses, within one Map or ClearAudience call, the strings
// every profile needs again: audience ids as strings and "In <Name>" keys.
type stringCache struct {
	ids  map[int64]string
	keys map[string]string
}

// id returns id in decimal.
func (c *stringCache) id(id int64) string {
	if s, ok := c.ids[id]; ok {
		return s
	}
	if c.ids == nil {
		c.ids = make(map[int64]string)
	}
	s := strconv.FormatInt(id, 10)
	c.ids[id] = s
	return s
}

// idList formats ids as decimal strings (nil for none).
func (c *stringCache) idList(ids []int64) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = c.id(id)
	}
	return out
}

// perSegmentKey returns "In " + name.
func (c *stringCache) perSegmentKey(name string) string {
	if k, ok := c.keys[name]; ok {
		return k
	}
	if c.keys == nil {
		c.keys = make(map[string]string)
	}
	k := PerSegmentAttributePrefix + name
	c.keys[name] = k
	return k
}

// membershipChange is one profile's net membership change: the last action
// on an audience wins.
type membershipChange struct {
	// joined and left are the audience ids, in order of first appearance.
	joined, left []int64
	// changes has one entry per audience, in order of first appearance.
	changes []audienceChange
}

// audienceChange is the net change of one audience.
type audienceChange struct {
	id     int64
	joined bool
	// name is the latest non-empty name the message gave the audience.
	name string
}

// linearScanMax is the number of audiences up to which collect finds an
// audience by scanning (cheaper than a map for the usual handful); beyond
// it, an index map keeps long lists linear.
const linearScanMax = 16

// mapProfile maps profile i into res.
func (a *AudienceMapper) mapProfile(ctx context.Context, msgID string, i int, p *mparticle.UserProfile, res *AudienceResult, cache *stringCache) error {
	diag := func(code DiagnosticCode, audience, key, reason, value string) {
		res.Diagnostics = append(res.Diagnostics, Diagnostic{
			BatchID: msgID, EventIndex: i, EventName: audience, Key: key,
			Code: code, Reason: reason, Value: shortValue(value),
		})
	}

	extID, reason, detail := a.externalID(p)
	if reason != "" {
		res.Skipped = append(res.Skipped, AudienceSkip{ProfileIndex: i, MPID: p.MPID, Reason: reason, Detail: detail})
		diag(UserSkipped, "", "", detail, "")
		return nil
	}
	id := braze.ExternalID(extID)

	// Email: raw only; a hashed email is reported, not sent. An address
	// Braze would refuse is left out too (as on the forward path): its
	// EMAIL_BAD_FORMAT would fail the whole object, membership included.
	if raw, hashed := findIdentity(p.UserIdentities, a.settings.EmailIdentityType); raw != "" {
		if err := braze.EmailAddress(raw).Validate(); err != nil {
			diag(Dropped, "", "email", "identity is not an email address Braze accepts; email not sent", raw)
		} else {
			id.Email = raw
		}
	} else if hashed != "" {
		diag(Dropped, "", "email", fmt.Sprintf("identity %q is only %s-hashed; a hashed value is not an email address", a.settings.EmailIdentityType, hashed), "")
	}

	change, attrSet, attrDeleted := a.collect(p, func(audience, reason, value string) {
		diag(Dropped, audience, "", reason, value)
	})

	// attribute_update audiences go through the mapper's user-attribute rules.
	var out braze.Attributes
	touched := id.Email != ""
	if len(attrSet) > 0 || len(attrDeleted) > 0 {
		var ds []Diagnostic
		out, ds = a.mapper.UserAttributes(id, attrSet, attrDeleted)
		for _, d := range ds {
			d.BatchID, d.EventIndex = msgID, i
			res.Diagnostics = append(res.Diagnostics, d)
		}
		touched = true
	}
	out.Identifier = id
	out.Custom = slices.Grow(out.Custom, 2+len(change.joined)+len(change.left))
	setCustom := func(key string, v braze.Value, audience string) {
		if _, clash := out.Custom.Get(key); clash {
			diag(Dropped, audience, key, "user attribute replaced by the audience attribute of the same name", "")
		}
		out.Custom.Set(key, v)
		touched = true
	}

	if tokens := a.pushTokens(p, func(reason string) { diag(Dropped, "", "push_tokens", reason, "") }); len(tokens) > 0 {
		out.PushTokens = append(out.PushTokens, tokens...)
		touched = true
	}

	if len(change.joined) > 0 || len(change.left) > 0 {
		full, err := a.settings.Store.Apply(ctx, extID, change.joined, change.left)
		if err != nil {
			return fmt.Errorf("membership store: %w", err)
		}
		f := a.settings.SendSegmentsAs
		if f.Has(SegmentsAsString) {
			s := joinIDs(full)
			if len(s) > MaxSegmentMembershipLength {
				err := &SegmentMembershipTooLongError{ExternalID: extID, Length: len(s), Audiences: len(full)}
				res.Errors = append(res.Errors, &AudienceUserError{ProfileIndex: i, MPID: p.MPID, ExternalID: extID, Err: err})
				diag(SegmentMembershipTooLong, "", SegmentMembershipAttribute, err.Error(), "")
			} else {
				setCustom(SegmentMembershipAttribute, braze.String(s), "")
			}
		}
		if f.Has(SegmentsAsArray) {
			setCustom(SegmentMembershipArrayAttribute, braze.AddRemove(cache.idList(change.joined), cache.idList(change.left)), "")
		}
		if f.Has(SegmentsPerAttribute) {
			a.perSegment(change, cache, setCustom, func(audience, reason string) { diag(Dropped, audience, "", reason, "") })
		}
	}
	if len(out.Custom) == 0 {
		out.Custom = nil
	}
	sortProps(out.Custom)
	if touched {
		res.Attributes = append(res.Attributes, out)
	}
	return nil
}

// perSegment writes "In <Audience Name>" for every changed audience.
func (a *AudienceMapper) perSegment(c membershipChange, cache *stringCache, set func(key string, v braze.Value, audience string), drop func(audience, reason string)) {
	for _, ch := range c.changes {
		if strings.TrimSpace(ch.name) == "" {
			drop("", fmt.Sprintf("audience %d has no name, so no \"In <Audience Name>\" attribute can be written", ch.id))
			continue
		}
		key := cache.perSegmentKey(ch.name)
		if n := utf8.RuneCountInString(key); n > maxAttributeKeyLength {
			drop(shortValue(ch.name), fmt.Sprintf("audience %d: attribute key \"In <Audience Name>\" would be %d characters, over Braze's limit of %d", ch.id, n, maxAttributeKeyLength))
			continue
		}
		set(key, braze.Bool(ch.joined), ch.name)
	}
}

// collect walks p's audiences: the net membership change, and the user
// attributes of attribute_update audiences (later updates win).
func (a *AudienceMapper) collect(p *mparticle.UserProfile, drop func(audience, reason, value string)) (membershipChange, map[string]mparticle.AttributeValue, []string) {
	c := membershipChange{changes: make([]audienceChange, 0, len(p.Audiences))}
	var index map[int64]int // audience id → position in c.changes, once there are many
	find := func(id int64) int {
		if index != nil {
			if i, ok := index[id]; ok {
				return i
			}
			return -1
		}
		for i := range c.changes {
			if c.changes[i].id == id {
				return i
			}
		}
		return -1
	}
	var set map[string]mparticle.AttributeValue
	var deleted []string
	for _, au := range p.Audiences {
		switch au.Action {
		case mparticle.AudienceAdd, mparticle.AudienceDelete:
			i := find(au.AudienceID)
			if i < 0 {
				i = len(c.changes)
				c.changes = append(c.changes, audienceChange{id: au.AudienceID})
				if index != nil {
					index[au.AudienceID] = i
				} else if len(c.changes) > linearScanMax {
					index = make(map[int64]int, 2*len(c.changes))
					for j, ch := range c.changes {
						index[ch.id] = j
					}
				}
			}
			c.changes[i].joined = au.Action == mparticle.AudienceAdd
			if au.AudienceName != "" {
				c.changes[i].name = au.AudienceName
			}
		case mparticle.AudienceAttributeUpdate:
			for _, ua := range au.UserAttributes {
				if ua.Key == "" {
					drop(au.AudienceName, "user attribute with an empty key", "")
					continue
				}
				switch ua.Action {
				case mparticle.AttributeUpsert:
					var v mparticle.AttributeValue
					switch {
					case ua.ListValue != nil:
						v = mparticle.ListAttr(ua.ListValue...)
					case ua.Value != nil:
						v = mparticle.StringAttr(*ua.Value)
					default:
						drop(au.AudienceName, fmt.Sprintf("user attribute %q: upsert without a value or list_value", ua.Key), "")
						continue
					}
					if set == nil {
						set = make(map[string]mparticle.AttributeValue)
					}
					set[ua.Key] = v
					deleted = slices.DeleteFunc(deleted, func(k string) bool { return k == ua.Key })
				case mparticle.AttributeDelete:
					delete(set, ua.Key)
					if !slices.Contains(deleted, ua.Key) {
						deleted = append(deleted, ua.Key)
					}
				default:
					drop(au.AudienceName, fmt.Sprintf("user attribute %q: unknown action", ua.Key), string(ua.Action))
				}
			}
		default:
			drop(au.AudienceName, fmt.Sprintf("audience %d: unknown action", au.AudienceID), string(au.Action))
		}
	}
	if len(c.changes) > 0 {
		// One backing array for both lists.
		nj := 0
		for _, ch := range c.changes {
			if ch.joined {
				nj++
			}
		}
		ids := make([]int64, len(c.changes))
		c.joined, c.left = ids[:0:nj], ids[nj:nj]
		for _, ch := range c.changes {
			if ch.joined {
				c.joined = append(c.joined, ch.id)
			} else {
				c.left = append(c.left, ch.id)
			}
		}
		if len(c.joined) == 0 {
			c.joined = nil
		}
		if len(c.left) == 0 {
			c.left = nil
		}
	}
	return c, set, deleted
}

// externalID finds p's external id, or says why there is none.
func (a *AudienceMapper) externalID(p *mparticle.UserProfile) (string, AudienceSkipReason, string) {
	t := a.settings.ExternalIdentityType
	var raw, hashed string
	if t == AudienceIdentityMPID {
		raw = p.MPID
	} else {
		raw, hashed = findIdentity(p.UserIdentities, t)
	}
	switch {
	case raw != "" && len(raw) > maxExternalIDBytes:
		return "", SkipExternalIDTooLong, fmt.Sprintf("mpid %s: identity %q is %d bytes, over Braze's external_id limit of %d", p.MPID, t, len(raw), maxExternalIDBytes)
	case raw != "":
		return raw, "", ""
	case hashed != "":
		return "", SkipHashedExternalID, fmt.Sprintf("mpid %s: identity %q is only %s-hashed; a hashed value cannot be an external_id", p.MPID, t, hashed)
	}
	return "", SkipNoExternalID, fmt.Sprintf("mpid %s: no %q identity; only users with an external_id are updated", p.MPID, t)
}

// findIdentity returns the first non-empty raw value of the identity type t,
// or else the encoding of the first hashed one.
func findIdentity(ids []mparticle.Identity, t string) (raw, hashedEncoding string) {
	for _, id := range ids {
		if string(id.Type) != t || id.Value == "" {
			continue
		}
		if strings.EqualFold(string(id.Encoding), string(mparticle.EncodingRaw)) {
			return id.Value, ""
		}
		if hashedEncoding == "" {
			hashedEncoding = string(id.Encoding)
			if hashedEncoding == "" {
				hashedEncoding = "unknown-encoding"
			}
		}
	}
	return "", hashedEncoding
}

// pushTokens returns the push tokens of p's device identities that match the
// configured API key OS. Tokens not forwarded are reported once per token
// type and reason (the token values are not repeated in diagnostics).
func (a *AudienceMapper) pushTokens(p *mparticle.UserProfile, drop func(reason string)) []braze.PushToken {
	var want string
	switch a.settings.APIKeyOS {
	case APIKeyOSiOS:
		want = mparticle.DeviceIdentityApplePushNotificationToken
	case APIKeyOSAndroid:
		want = mparticle.DeviceIdentityGoogleCloudMessagingToken
	}
	var tokens []braze.PushToken
	var wrongOS, notRaw [2]int // per token type: 0 APNs, 1 FCM/GCM
	for _, d := range p.DeviceIdentities {
		var ti int
		switch d.Type {
		case mparticle.DeviceIdentityApplePushNotificationToken:
			ti = 0
		case mparticle.DeviceIdentityGoogleCloudMessagingToken:
			ti = 1
		default:
			continue // device ids are not push tokens
		}
		switch {
		case d.Value == "":
			continue
		case d.Type != want:
			wrongOS[ti]++
		case !strings.EqualFold(string(d.Encoding), string(mparticle.EncodingRaw)):
			notRaw[ti]++
		case slices.ContainsFunc(tokens, func(pt braze.PushToken) bool { return pt.Token == d.Value }):
			// The same token twice: send it once.
		default:
			tokens = append(tokens, braze.PushToken{AppID: a.settings.AppID, Token: d.Value})
		}
	}
	for ti, name := range [2]string{mparticle.DeviceIdentityApplePushNotificationToken, mparticle.DeviceIdentityGoogleCloudMessagingToken} {
		if n := wrongOS[ti]; n > 0 {
			drop(fmt.Sprintf("%d %s not forwarded: the Braze API key OS is %s", n, name, a.settings.APIKeyOS))
		}
		if n := notRaw[ti]; n > 0 {
			drop(fmt.Sprintf("%d %s not forwarded: hashed, not raw", n, name))
		}
	}
	return tokens
}

// ClearAudience marks every stored member of the audience as having left
// it, updates the store, and returns the Braze updates to send. It is the
// cleanup mParticle lacks: disconnecting or deleting an audience never
// changes Braze attributes by itself. name is the audience name, required
// when SegmentsPerAttribute is selected.
func (a *AudienceMapper) ClearAudience(ctx context.Context, audienceID int64, name string) (AudienceResult, error) {
	a.order.Lock()
	defer a.order.Unlock()
	return a.clearLocked(ctx, audienceID, name)
}

// ApplyClear is ClearAudience with delivery inside the mapper's ordering,
// like Apply.
func (a *AudienceMapper) ApplyClear(ctx context.Context, audienceID int64, name string, deliver func(AudienceResult) error) (AudienceResult, error) {
	a.order.Lock()
	defer a.order.Unlock()
	res, err := a.clearLocked(ctx, audienceID, name)
	if err != nil {
		return res, err
	}
	return res, deliver(res)
}

// clearLocked is ClearAudience; the caller holds a.order.
func (a *AudienceMapper) clearLocked(ctx context.Context, audienceID int64, name string) (AudienceResult, error) {
	f := a.settings.SendSegmentsAs
	if f.Has(SegmentsPerAttribute) && strings.TrimSpace(name) == "" {
		return AudienceResult{}, errors.New(`name: required when SendSegmentsAs includes per-segment attributes ("In <Audience Name>")`)
	}
	members, err := a.settings.Store.Members(ctx, audienceID)
	if err != nil {
		return AudienceResult{}, fmt.Errorf("membership store: %w", err)
	}
	var res AudienceResult
	if len(members) > 0 {
		res.Attributes = make([]braze.Attributes, 0, len(members))
	}
	var cache stringCache
	change := membershipChange{left: []int64{audienceID}, changes: []audienceChange{{id: audienceID, name: name}}}
	for _, key := range members {
		full, err := a.settings.Store.Apply(ctx, key, nil, change.left)
		if err != nil {
			return res, fmt.Errorf("membership store: user %q: %w", key, err)
		}
		out := braze.Attributes{Identifier: braze.ExternalID(key), Custom: make(braze.Properties, 0, 3)}
		if f.Has(SegmentsAsString) {
			s := joinIDs(full)
			if len(s) > MaxSegmentMembershipLength {
				err := &SegmentMembershipTooLongError{ExternalID: key, Length: len(s), Audiences: len(full)}
				res.Errors = append(res.Errors, &AudienceUserError{ProfileIndex: -1, ExternalID: key, Err: err})
				res.Diagnostics = append(res.Diagnostics, Diagnostic{EventIndex: -1, Key: SegmentMembershipAttribute, Code: SegmentMembershipTooLong, Reason: err.Error()})
			} else {
				out.Custom.Set(SegmentMembershipAttribute, braze.String(s))
			}
		}
		if f.Has(SegmentsAsArray) {
			out.Custom.Set(SegmentMembershipArrayAttribute, braze.AddRemove(nil, cache.idList(change.left)))
		}
		if f.Has(SegmentsPerAttribute) {
			a.perSegment(change, &cache, func(k string, v braze.Value, _ string) { out.Custom.Set(k, v) }, func(audience, reason string) {
				res.Diagnostics = append(res.Diagnostics, Diagnostic{EventIndex: -1, EventName: audience, Code: Dropped, Reason: reason})
			})
		}
		if len(out.Custom) > 0 {
			sortProps(out.Custom)
			res.Attributes = append(res.Attributes, out)
		}
	}
	return res, nil
}

// joinIDs formats sorted ids as "1,2,3".
func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}
