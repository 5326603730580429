package mparticle

import (
	"fmt"
	"time"
)

// NewBatch returns an empty batch for env (EnvironmentProduction or
// EnvironmentDevelopment).
func NewBatch(env Environment) *Batch { return &Batch{Environment: env} }

// AddEvent appends events to the batch, each in an envelope whose Type is
// the data's EventType. Nil data is ignored. It returns b for chaining.
func (b *Batch) AddEvent(data ...EventData) *Batch {
	for _, d := range data {
		if isNilData(d) {
			continue
		}
		b.Events = append(b.Events, Event{Type: d.EventType(), Data: d})
	}
	return b
}

// SetIdentity sets one user identity, creating UserIdentities when needed.
// An unknown identity type is an error.
func (b *Batch) SetIdentity(t IdentityType, value string) error {
	if b.UserIdentities == nil {
		b.UserIdentities = &UserIdentities{}
	}
	if !b.UserIdentities.Set(t, value) {
		return fmt.Errorf("mparticle: unknown identity type %q", t)
	}
	return nil
}

// SetUserAttribute sets one user attribute from a Go value (see AttrOf:
// string, []string, nil to remove, and numbers or booleans, which mParticle
// tolerates).
func (b *Batch) SetUserAttribute(key string, value any) error {
	v, err := AttrOf(value)
	if err != nil {
		return fmt.Errorf("mparticle: user attribute %q: %w", key, err)
	}
	b.UserAttributes.Set(key, v)
	return nil
}

// EventOption sets optional fields on an event being built. Options that do
// not apply to the event type (custom flags on a session start, say) are
// ignored.
type EventOption func(EventData)

// At sets the event time (timestamp_unixtime_ms). Without it the event has
// no timestamp and the server uses its receipt time: the constructors never
// read a clock themselves.
func At(t time.Time) EventOption {
	return func(d EventData) { d.Common().TimestampUnixtimeMS = t.UnixMilli() }
}

// WithSourceMessageID sets source_message_id (a UUID that lets mParticle
// drop duplicates).
func WithSourceMessageID(id string) EventOption {
	return func(d EventData) { d.Common().SourceMessageID = id }
}

// WithSession sets session_id and session_uuid.
func WithSession(id int64, uuid string) EventOption {
	return func(d EventData) {
		c := d.Common()
		c.SessionID, c.SessionUUID = id, uuid
	}
}

// WithLocation sets the event location.
func WithLocation(latitude, longitude float64) EventOption {
	return func(d EventData) {
		d.Common().Location = &Location{Latitude: latitude, Longitude: longitude}
	}
}

// WithCustomFlags sets custom_flags on event types that carry them (custom
// events, screen views, commerce events), sorted by key.
func WithCustomFlags(flags map[string]string) EventOption {
	return func(d EventData) {
		m := make(Attributes, 0, len(flags))
		for k, v := range flags {
			m = append(m, Attribute{Key: k, Value: StringAttr(v)})
		}
		m.sortByKey()
		switch x := d.(type) {
		case *CustomEvent:
			x.CustomFlags = m
		case *ScreenView:
			x.CustomFlags = m
		case *CommerceEvent:
			x.CustomFlags = m
		case *UnknownEvent:
			x.CustomFlags = m
		}
	}
}

// attrList converts Go attribute values with AttrOf into Attributes sorted
// by key; nil input gives nil.
func attrList(attrs map[string]any) (Attributes, error) {
	if len(attrs) == 0 {
		return nil, nil
	}
	out := make(Attributes, 0, len(attrs))
	for k, v := range attrs {
		a, err := AttrOf(v)
		if err != nil {
			return nil, fmt.Errorf("mparticle: custom attribute %q: %w", k, err)
		}
		out = append(out, Attribute{Key: k, Value: a})
	}
	out.sortByKey()
	return out, nil
}

func apply(d EventData, opts []EventOption) {
	for _, o := range opts {
		if o != nil {
			o(d)
		}
	}
}

// NewCustomEvent builds a custom_event. attrs values may be strings,
// numbers, booleans, nil, or anything AttrOf accepts; the event's
// CustomAttributes hold them sorted by key (so do those of the other
// constructors below).
func NewCustomEvent(name string, typ CustomEventType, attrs map[string]any, opts ...EventOption) (*CustomEvent, error) {
	m, err := attrList(attrs)
	if err != nil {
		return nil, err
	}
	e := &CustomEvent{EventName: name, CustomEventType: typ}
	e.CustomAttributes = m
	apply(e, opts)
	return e, nil
}

// NewScreenView builds a screen_view.
func NewScreenView(name string, attrs map[string]any, opts ...EventOption) (*ScreenView, error) {
	m, err := attrList(attrs)
	if err != nil {
		return nil, err
	}
	e := &ScreenView{ScreenName: name}
	e.CustomAttributes = m
	apply(e, opts)
	return e, nil
}

// NewCommerceEvent builds a commerce_event around a product action (see
// NewPurchase for the common case).
func NewCommerceEvent(action *ProductAction, currencyCode string, attrs map[string]any, opts ...EventOption) (*CommerceEvent, error) {
	m, err := attrList(attrs)
	if err != nil {
		return nil, err
	}
	e := &CommerceEvent{ProductAction: action, CurrencyCode: currencyCode}
	e.CustomAttributes = m
	apply(e, opts)
	return e, nil
}

// NewPurchase builds a purchase commerce_event with a transaction id, total
// revenue, currency and products.
func NewPurchase(transactionID string, total float64, currencyCode string, products []Product, attrs map[string]any, opts ...EventOption) (*CommerceEvent, error) {
	return NewCommerceEvent(&ProductAction{
		Action:        ActionPurchase,
		TransactionID: transactionID,
		TotalAmount:   Set(total),
		Products:      products,
	}, currencyCode, attrs, opts...)
}

// NewPromotionEvent builds a commerce_event with a promotion view or click.
func NewPromotionEvent(action PromotionActionType, promotions []Promotion, attrs map[string]any, opts ...EventOption) (*CommerceEvent, error) {
	m, err := attrList(attrs)
	if err != nil {
		return nil, err
	}
	e := &CommerceEvent{PromotionAction: &PromotionAction{Action: action, Promotions: promotions}}
	e.CustomAttributes = m
	apply(e, opts)
	return e, nil
}

// NewImpressionEvent builds a commerce_event with product impressions from
// one list.
func NewImpressionEvent(list string, products []Product, attrs map[string]any, opts ...EventOption) (*CommerceEvent, error) {
	m, err := attrList(attrs)
	if err != nil {
		return nil, err
	}
	e := &CommerceEvent{ProductImpressions: []ProductImpression{{ProductImpressionList: list, Products: products}}}
	e.CustomAttributes = m
	apply(e, opts)
	return e, nil
}

// NewProduct returns a product with id (SKU), name, unit price and
// quantity.
func NewProduct(id, name string, price, quantity float64) Product {
	return Product{ID: id, Name: name, Price: Set(price), Quantity: Set(quantity)}
}

// NewUserAttributeChange builds a user_attribute_change from old to new.
// A null new value marks the attribute deleted.
func NewUserAttributeChange(key string, newValue, oldValue AttributeValue, opts ...EventOption) *UserAttributeChange {
	e := &UserAttributeChange{UserAttributeName: key, New: newValue, Old: oldValue}
	if newValue.IsNull() {
		e.Deleted = Set(true)
	}
	if !oldValue.IsDefined() || oldValue.IsNull() {
		e.IsNewAttribute = Set(!newValue.IsNull())
	}
	if !e.New.IsDefined() {
		e.New = NullAttr()
	}
	if !e.Old.IsDefined() {
		e.Old = NullAttr()
	}
	apply(e, opts)
	return e
}

// NewUserIdentityChange builds a user_identity_change of identity t from
// oldValue to newValue ("" for none, written as null).
func NewUserIdentityChange(t IdentityType, newValue, oldValue string, opts ...EventOption) *UserIdentityChange {
	e := &UserIdentityChange{}
	if newValue != "" {
		e.New = &IdentityChange{IdentityType: t, Identity: newValue}
	}
	if oldValue != "" {
		e.Old = &IdentityChange{IdentityType: t, Identity: oldValue}
	}
	apply(e, opts)
	return e
}

// NewPushRegistration builds a push_registration that registers token.
func NewPushRegistration(token string, opts ...EventOption) *PushRegistration {
	e := &PushRegistration{Register: true, RegistrationToken: token}
	apply(e, opts)
	return e
}

// NewPushUnregistration builds a push_registration that unregisters token.
func NewPushUnregistration(token string, opts ...EventOption) *PushRegistration {
	e := &PushRegistration{Register: false, RegistrationToken: token}
	apply(e, opts)
	return e
}

// NewOptOut builds an opt_out with the given state.
func NewOptOut(optedOut bool, opts ...EventOption) *OptOut {
	e := &OptOut{IsOptedOut: optedOut}
	apply(e, opts)
	return e
}

// NewSessionStart builds a session_start for sessionUUID (also used as its
// source_message_id, as mParticle's SDKs do).
func NewSessionStart(sessionUUID string, opts ...EventOption) *SessionStart {
	e := &SessionStart{}
	e.SessionUUID, e.SourceMessageID = sessionUUID, sessionUUID
	apply(e, opts)
	return e
}

// NewSessionEnd builds a session_end for sessionUUID lasting duration.
func NewSessionEnd(sessionUUID string, duration time.Duration, opts ...EventOption) *SessionEnd {
	e := &SessionEnd{SessionDurationMS: duration.Milliseconds()}
	e.SessionUUID = sessionUUID
	apply(e, opts)
	return e
}

// NewUninstall builds an uninstall event.
func NewUninstall(opts ...EventOption) *Uninstall {
	e := &Uninstall{}
	apply(e, opts)
	return e
}

// NewFirstRun builds a first_run event.
func NewFirstRun(opts ...EventOption) *FirstRun {
	e := &FirstRun{}
	apply(e, opts)
	return e
}

// NewBreadcrumb builds a breadcrumb with label.
func NewBreadcrumb(label string, opts ...EventOption) *Breadcrumb {
	e := &Breadcrumb{Label: label}
	apply(e, opts)
	return e
}

// NewApplicationStateTransition builds an application_state_transition.
func NewApplicationStateTransition(t ApplicationTransitionType, opts ...EventOption) *ApplicationStateTransition {
	e := &ApplicationStateTransition{ApplicationTransitionType: t}
	apply(e, opts)
	return e
}
