package mpbraze

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// User is a handle for kit-style calls about one user, for Go code that has
// no mParticle batch: each call builds the mParticle event or attribute
// change the mParticle SDK would send, wraps it in a one-event batch and
// forwards it through the same mapper as Forward. A kit call and the
// equivalent batch therefore produce the same Braze objects.
//
// Identity follows the Braze kits (kit-mapping §6): Braze's user is the one
// named by the configured external identity. Identify, Login and Modify
// switch to the new identities when they carry that identity; when they do
// not, and after Logout, Braze stays on the previous external id, exactly
// as the kits never reset Braze to an anonymous user.
//
// A User is safe for concurrent use; calls on one User are forwarded in the
// order they are made (when not concurrent).
type User struct {
	k *Kit

	mu     sync.Mutex
	mpid   int64
	device *mparticle.DeviceInfo
	env    mparticle.Environment
	// ids are the user's current mParticle identities; brazeIDs those
	// Braze is on (the last identities that carried the external identity,
	// or ids while none did).
	ids, brazeIDs mparticle.UserIdentities
	identified    bool
}

// UserOption configures a User.
type UserOption func(*User)

// WithMPID sets the user's mParticle id, which alias mode
// (mapping.AnonymousAliasByMPID) and the MPID external identity type need.
func WithMPID(mpid int64) UserOption { return func(u *User) { u.mpid = mpid } }

// WithDevice sets the device the calls come from; its platform chooses the
// Braze app id of push tokens (mapping.Settings.AppIDs).
func WithDevice(d *mparticle.DeviceInfo) UserOption { return func(u *User) { u.device = d } }

// WithEnvironment sets the batches' environment. Default production.
func WithEnvironment(env mparticle.Environment) UserOption {
	return func(u *User) { u.env = env }
}

// User returns a handle for kit-style calls about the user with the given
// identities. Creating it sends nothing.
func (k *Kit) User(ids mparticle.UserIdentities, opts ...UserOption) *User {
	u := &User{k: k, env: mparticle.EnvironmentProduction, ids: ids, brazeIDs: ids}
	for _, o := range opts {
		o(u)
	}
	u.identified = u.hasExternal(ids)
	return u
}

// hasExternal reports whether ids carry the configured external identity.
func (u *User) hasExternal(ids mparticle.UserIdentities) bool {
	t := u.k.settings.ExternalIdentityType
	switch t {
	case "":
		t = mparticle.IdentityCustomerID
	case mapping.IdentityMPID:
		return u.mpid != 0
	}
	v, ok := ids.Get(t)
	return ok && v != ""
}

// newBatch returns a batch about the user, with the identities Braze is on.
func (u *User) newBatch() *mparticle.Batch {
	u.mu.Lock()
	defer u.mu.Unlock()
	b := mparticle.NewBatch(u.env)
	ids := u.brazeIDs
	b.UserIdentities = &ids
	if u.mpid != 0 {
		b.MPID = mparticle.Set(u.mpid)
	}
	b.DeviceInfo = u.device
	b.TimestampUnixtimeMS = u.k.now().UnixMilli()
	return b
}

// forwardEvent forwards a one-event batch.
func (u *User) forwardEvent(ctx context.Context, data mparticle.EventData) error {
	b := u.newBatch()
	b.AddEvent(data)
	return u.k.Forward(ctx, b)
}

// LogEvent logs a custom event, like the SDK's logEvent. attrs values may
// be strings, numbers, booleans or nil.
func (u *User) LogEvent(ctx context.Context, name string, typ mparticle.CustomEventType, attrs map[string]any) error {
	ev, err := mparticle.NewCustomEvent(name, typ, attrs, mparticle.At(u.k.now()))
	if err != nil {
		return fmt.Errorf("mpbraze: LogEvent %q: %w", name, err)
	}
	return u.forwardEvent(ctx, ev)
}

// LogScreen logs a screen view. Braze receives it only when
// mapping.Settings.ForwardScreenViews is on.
func (u *User) LogScreen(ctx context.Context, name string, attrs map[string]any) error {
	ev, err := mparticle.NewScreenView(name, attrs, mparticle.At(u.k.now()))
	if err != nil {
		return fmt.Errorf("mpbraze: LogScreen %q: %w", name, err)
	}
	return u.forwardEvent(ctx, ev)
}

// LogCommerceEvent logs a commerce event (purchase, other product action,
// promotion or impression). A zero timestamp is set to now. ev is not
// modified otherwise; keep it unchanged until its objects are delivered.
func (u *User) LogCommerceEvent(ctx context.Context, ev *mparticle.CommerceEvent) error {
	if ev == nil {
		return errors.New("mpbraze: LogCommerceEvent: event is nil")
	}
	if ev.TimestampUnixtimeMS == 0 {
		c := *ev
		c.TimestampUnixtimeMS = u.k.now().UnixMilli()
		ev = &c
	}
	return u.forwardEvent(ctx, ev)
}

// SetUserAttribute sets one user attribute (reserved keys such as
// "$FirstName" map to Braze's standard fields). value is converted with
// mparticle.AttrOf: a string, bool, integer or float, json.Number, []string
// (a Braze array attribute), nil (removes the attribute), an
// mparticle.AttributeValue, json.RawMessage, or any other value
// encoding/json can marshal (a struct, a map, …). Objects and arrays that
// are not string lists are handled like any such attribute value, by
// mapping.Settings.PropertyPolicy: flattened into dotted keys by default,
// each change reported as a diagnostic (Flattened, Stringified, Dropped).
// A value AttrOf cannot convert (a NaN, a channel, …) is an error and
// nothing is sent.
func (u *User) SetUserAttribute(ctx context.Context, key string, value any) error {
	v, err := mparticle.AttrOf(value)
	if err != nil {
		return fmt.Errorf("mpbraze: SetUserAttribute %q: %w", key, err)
	}
	return u.forwardAttributes(ctx, mparticle.Attributes{{Key: key, Value: v}}, nil)
}

// SetUserAttributeList sets a list attribute (a Braze array attribute, or
// a comma-joined string with mapping.Settings.UserAttributeListsAsStrings).
func (u *User) SetUserAttributeList(ctx context.Context, key string, values []string) error {
	return u.forwardAttributes(ctx, mparticle.Attributes{{Key: key, Value: mparticle.ListAttr(values...)}}, nil)
}

// SetUserTag sets a tag: the attribute key with the value "true".
func (u *User) SetUserTag(ctx context.Context, key string) error {
	return u.forwardAttributes(ctx, mparticle.Attributes{{Key: key, Value: mparticle.StringAttr("true")}}, nil)
}

// RemoveUserAttribute removes a user attribute (Braze receives null, which
// deletes it).
func (u *User) RemoveUserAttribute(ctx context.Context, key string) error {
	return u.forwardAttributes(ctx, nil, []string{key})
}

func (u *User) forwardAttributes(ctx context.Context, set mparticle.Attributes, deleted []string) error {
	b := u.newBatch()
	b.UserAttributes = set
	b.DeletedUserAttributes = deleted
	return u.k.Forward(ctx, b)
}

// IncrementUserAttribute adds by to a numeric custom attribute in Braze
// ({"inc": by}), as the iOS kit's incrementUserAttribute does. mParticle
// batches have no increment, so this is the one call that builds its Braze
// object directly: the key loses one leading "$" like every custom
// attribute key; reserved keys ($Age, $FirstName, …) cannot be incremented.
func (u *User) IncrementUserAttribute(ctx context.Context, key string, by int64) error {
	if _, reserved := mparticle.ReservedAttribute(key); reserved {
		return fmt.Errorf("mpbraze: IncrementUserAttribute: %q is a reserved attribute; only custom attributes can be incremented", key)
	}
	name := strings.TrimPrefix(key, "$")
	if name == "" {
		return fmt.Errorf("mpbraze: IncrementUserAttribute: key %q is empty after removing the leading $", key)
	}
	b := u.newBatch()
	r := u.k.mapper.Map(b) // resolves the identifier exactly as Forward would
	if r.Skipped {
		for _, d := range r.Diagnostics {
			u.k.diagnose(d)
		}
		u.k.stats.skipped.Add(1)
		return nil
	}
	attrs := braze.Attributes{Identifier: r.Identifier}
	if r.Alias {
		f := false
		attrs.UpdateExistingOnly = &f
	}
	attrs.SetCustom(name, braze.Inc(by))
	inc := mapping.Result{BatchID: r.BatchID, Identifier: r.Identifier, ExternalID: r.ExternalID, MPID: r.MPID,
		Alias: r.Alias, MergeAlias: r.MergeAlias, Attributes: []braze.Attributes{attrs}}
	return u.k.deliver(ctx, inc, b)
}

// RegisterPushToken registers a push token; Braze receives it in
// push_tokens with the app id configured for the device's platform.
func (u *User) RegisterPushToken(ctx context.Context, token string) error {
	return u.forwardEvent(ctx, mparticle.NewPushRegistration(token, mparticle.At(u.k.now())))
}

// SetOptOut forwards the user's opt-out state (an opt_out event); see
// package mapping for what Braze receives.
func (u *User) SetOptOut(ctx context.Context, optOut bool) error {
	return u.forwardEvent(ctx, mparticle.NewOptOut(optOut, mparticle.At(u.k.now())))
}

// Identify reports the identities mParticle's identify call resolved. When
// they carry the configured external identity, Braze switches to that user
// (and learns the email identity, and in alias mode the anonymous MPID's
// alias is merged into it); otherwise Braze stays on the previous user.
func (u *User) Identify(ctx context.Context, ids mparticle.UserIdentities) error {
	return u.changeIdentities(ctx, ids)
}

// Login reports a login; it behaves as Identify.
func (u *User) Login(ctx context.Context, ids mparticle.UserIdentities) error {
	return u.changeIdentities(ctx, ids)
}

// Modify adds or replaces the given identities (non-empty fields) and
// behaves as Identify with the result.
func (u *User) Modify(ctx context.Context, changes mparticle.UserIdentities) error {
	u.mu.Lock()
	merged := u.ids
	u.mu.Unlock()
	for _, t := range mparticle.IdentityTypes() {
		if v, ok := changes.Get(t); ok && v != "" {
			merged.Set(t, v)
		}
	}
	return u.changeIdentities(ctx, merged)
}

// Logout reports a logout to the identities given (often none). Like the
// kits, it sends nothing: Braze stays on the previous external id, and the
// user's later calls still go to that Braze user until an identify or login
// with the external identity.
func (u *User) Logout(ctx context.Context, ids mparticle.UserIdentities) error {
	u.mu.Lock()
	u.ids = ids
	u.mu.Unlock()
	return ctx.Err()
}

// SetMPID changes the user's MPID, e.g. after mParticle's identity API
// returned a different one.
func (u *User) SetMPID(mpid int64) {
	u.mu.Lock()
	u.mpid = mpid
	u.mu.Unlock()
}

// changeIdentities switches Braze to ids when they carry the external
// identity and forwards an identities-only batch when Braze's view changed
// (so Braze gets the email, and alias mode merges the MPID's alias).
func (u *User) changeIdentities(ctx context.Context, ids mparticle.UserIdentities) error {
	u.mu.Lock()
	u.ids = ids
	if !u.hasExternal(ids) {
		if !u.identified {
			u.brazeIDs = ids // still anonymous: nothing Braze is attached to
		}
		u.mu.Unlock()
		return ctx.Err()
	}
	changed := !u.identified || !sameBrazeIdentity(u.brazeIDs, ids, u.k.settings)
	u.brazeIDs, u.identified = ids, true
	u.mu.Unlock()
	if !changed {
		return ctx.Err()
	}
	return u.k.Forward(ctx, u.newBatch())
}

// sameBrazeIdentity reports whether a and b give Braze the same external id
// and email.
func sameBrazeIdentity(a, b mparticle.UserIdentities, s mapping.Settings) bool {
	ext := s.ExternalIdentityType
	if ext == "" {
		ext = mparticle.IdentityCustomerID
	}
	email := s.EmailIdentityType
	if email == "" {
		email = mparticle.IdentityEmail
	}
	for _, t := range []mparticle.IdentityType{ext, email} {
		if t == mapping.IdentityMPID || t == mapping.IdentityNone {
			continue
		}
		av, _ := a.Get(t)
		bv, _ := b.Get(t)
		if av != bv {
			return false
		}
	}
	return true
}
