package mparticle

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the Events API (spec §A1). Lengths are in characters.
const (
	// MaxBatchBytes is the largest accepted batch, as encoded JSON.
	MaxBatchBytes = 128 * 1024
	// MaxEventAttributes is the most custom attributes one event may carry.
	MaxEventAttributes = 100
	// MaxEventNameLength is the longest event name (the server truncates).
	MaxEventNameLength = 256
	// MaxAttributeKeyLength is the longest attribute key.
	MaxAttributeKeyLength = 256
	// MaxAttributeValueLength is the longest attribute value.
	MaxAttributeValueLength = 4096
	// MaxUserAttributes is the most user attributes one batch may carry.
	MaxUserAttributes = 100
	// MaxAttributeListEntries is the most entries of a list attribute.
	MaxAttributeListEntries = 1000
	// MaxAttributeListEntryLength is the longest entry of a list attribute.
	MaxAttributeListEntryLength = 512
	// MaxActionIdentifierLength is the longest push_message
	// action_identifier.
	MaxActionIdentifierLength = 100
)

// FieldError is one validation problem at a JSON path.
type FieldError struct {
	// Path is the JSON path, e.g. "events[3].data.event_name".
	Path string
	// Reason says what is wrong, naming the offending value where useful.
	Reason string
}

// Error implements error.
func (f FieldError) Error() string {
	if f.Path == "" {
		return f.Reason
	}
	return f.Path + ": " + f.Reason
}

// ValidationError lists every problem Validate found.
type ValidationError struct {
	// Problems in document order.
	Problems []FieldError
}

// Error implements error; it lists every problem.
func (v *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("mparticle: invalid: ")
	for i, p := range v.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems as errors, so errors.As can reach a
// FieldError.
func (v *ValidationError) Unwrap() []error {
	out := make([]error, len(v.Problems))
	for i, p := range v.Problems {
		out[i] = p
	}
	return out
}

// validator collects problems.
type validator struct {
	problems []FieldError
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, FieldError{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

func (v *validator) required(path, value string) {
	if value == "" {
		v.add(path, "required")
	}
}

func (v *validator) maxLen(path, value string, limit int) {
	if n := utf8.RuneCountInString(value); n > limit {
		v.add(path, "%d characters, max %d", n, limit)
	}
}

func (v *validator) enum(path, value string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(path, "%q is not one of %s", value, strings.Join(allowed, ", "))
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// joinKey appends a map key to path, quoting keys that would make the path
// ambiguous (empty, or holding dots, brackets or spaces), as decode errors do.
func joinKey(path, key string) string {
	if plainKey(key) {
		return join(path, key)
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Validate checks the batch against the Events API rules of spec §A1-A3 and
// reports every problem with its JSON path, e.g.
// "events[3].data.event_name: required". It returns nil or a
// *ValidationError. Map and attribute keys are checked in sorted order so
// the report is deterministic.
func (b *Batch) Validate() error {
	var v validator
	if b == nil {
		v.add("", "batch is nil")
		return v.err()
	}
	v.required("environment", string(b.Environment))
	v.enum("environment", string(b.Environment), string(EnvironmentProduction),
		string(EnvironmentDevelopment), string(EnvironmentUnknown))
	if len(b.UserAttributes) > MaxUserAttributes {
		v.add("user_attributes", "%d attributes, max %d", len(b.UserAttributes), MaxUserAttributes)
	}
	for _, a := range sortedAttrs(b.UserAttributes) {
		v.userAttribute(joinKey("user_attributes", a.Key), a.Key, a.Value)
	}
	for i, k := range b.DeletedUserAttributes {
		if k == "" {
			v.add(index("deleted_user_attributes", i), "empty key")
		}
	}
	if b.Context != nil {
		if dp := b.Context.DataPlan; dp != nil {
			v.required("context.data_plan.plan_id", dp.PlanID)
		}
		if b.Context.Location != nil {
			v.location("context.location", b.Context.Location)
		}
	}
	if a := b.AttributionInfo; a != nil {
		v.required("attribution_info.service_provider", a.ServiceProvider)
		v.required("attribution_info.publisher", a.Publisher)
		v.required("attribution_info.campaign", a.Campaign)
	}
	if d := b.DeviceInfo; d != nil {
		v.enum("device_info.platform", string(d.Platform), string(PlatformIOS), string(PlatformAndroid),
			string(PlatformWeb), string(PlatformTVOS), string(PlatformRoku), string(PlatformOutOfBand),
			string(PlatformAlexa), string(PlatformSmartTV), string(PlatformFireTV), string(PlatformXbox))
		v.enum("device_info.att_authorization_status", d.ATTAuthorizationStatus,
			"authorized", "denied", "not_determined", "restricted")
	}
	for i := range b.Events {
		v.event(index("events", i), &b.Events[i])
	}
	if enc, err := b.Encode(); err != nil {
		v.add("", "cannot encode: %v", err)
	} else if len(enc) > MaxBatchBytes {
		v.add("", "batch is %d bytes encoded, max %d (MaxBatchBytes)", len(enc), MaxBatchBytes)
	}
	return v.err()
}

func (v *validator) userAttribute(path, key string, a AttributeValue) {
	if key == "" {
		v.add(path, "empty key")
	}
	v.maxLen(path, key, MaxAttributeKeyLength)
	v.userAttributeValue(path, a)
}

func (v *validator) userAttributeValue(path string, a AttributeValue) {
	switch a.Kind() {
	case KindString:
		v.maxLen(path, a.s, MaxAttributeValueLength)
	case KindList:
		list := a.items()
		if len(list) > MaxAttributeListEntries {
			v.add(path, "list of %d entries, max %d", len(list), MaxAttributeListEntries)
		}
		for i, s := range list {
			v.maxLen(index(path, i), s, MaxAttributeListEntryLength)
		}
	case KindRaw:
		v.add(path, "value %s is not a string, list of strings or null", a.s)
	case KindUndefined:
		v.add(path, "undefined value (use NullAttr to remove an attribute)")
	}
}

func (v *validator) customAttributes(path string, attrs Attributes) {
	if len(attrs) > MaxEventAttributes {
		v.add(path, "%d attributes, max %d", len(attrs), MaxEventAttributes)
	}
	for _, a := range sortedAttrs(attrs) {
		p := joinKey(path, a.Key)
		if a.Key == "" {
			v.add(p, "empty key")
		}
		v.maxLen(p, a.Key, MaxAttributeKeyLength)
		if t := a.Value.Text(); utf8.RuneCountInString(t) > MaxAttributeValueLength {
			v.add(p, "value of %d characters, max %d", utf8.RuneCountInString(t), MaxAttributeValueLength)
		}
	}
}

// sortedAttrs returns the entries of a sorted by key (a repeated key's
// entries in their order), so that the report is in the same order however
// the attributes were ordered.
func sortedAttrs(a Attributes) Attributes {
	if slices.IsSortedFunc(a, compareAttrKeys) {
		return a
	}
	s := slices.Clone(a)
	slices.SortStableFunc(s, compareAttrKeys)
	return s
}

func compareAttrKeys(x, y Attribute) int { return strings.Compare(x.Key, y.Key) }

func (v *validator) location(path string, l *Location) {
	if l.Latitude < -90 || l.Latitude > 90 {
		v.add(join(path, "latitude"), "%v outside -90..90", l.Latitude)
	}
	if l.Longitude < -180 || l.Longitude > 180 {
		v.add(join(path, "longitude"), "%v outside -180..180", l.Longitude)
	}
	v.enum(join(path, "location_source"), l.LocationSource, "unknown", "ip_lookup", "lat_long")
}

func (v *validator) event(path string, ev *Event) {
	if isNilData(ev.Data) {
		v.add(join(path, "data"), "required")
		if ev.Type == "" {
			v.add(join(path, "event_type"), "required")
		}
		return
	}
	t := ev.Data.EventType()
	if ev.Type != "" && ev.Type != t {
		v.add(join(path, "event_type"), "%q does not match data of type %q", ev.Type, t)
	}
	if !KnownEventType(t) {
		if t == "" {
			v.add(join(path, "event_type"), "required")
		} else {
			v.add(join(path, "event_type"), "%q is not an Events API event type", t)
		}
	}
	dp := join(path, "data")
	c := ev.Data.Common()
	v.customAttributes(join(dp, "custom_attributes"), c.CustomAttributes)
	if c.Location != nil {
		v.location(join(dp, "location"), c.Location)
	}
	switch d := ev.Data.(type) {
	case *CustomEvent:
		v.required(join(dp, "event_name"), d.EventName)
		v.maxLen(join(dp, "event_name"), d.EventName, MaxEventNameLength)
		v.required(join(dp, "custom_event_type"), string(d.CustomEventType))
		v.enum(join(dp, "custom_event_type"), string(d.CustomEventType), customEventTypes...)
	case *ScreenView:
		v.required(join(dp, "screen_name"), d.ScreenName)
		v.maxLen(join(dp, "screen_name"), d.ScreenName, MaxEventNameLength)
	case *CommerceEvent:
		v.commerce(dp, d)
	case *PushRegistration:
		v.required(join(dp, "registration_token"), d.RegistrationToken)
	case *ApplicationStateTransition:
		p := join(dp, "application_transition_type")
		v.required(p, string(d.ApplicationTransitionType))
		v.enum(p, string(d.ApplicationTransitionType), string(TransitionInitialized),
			string(TransitionExit), string(TransitionBackground), string(TransitionForeground))
	case *PushMessage:
		p := join(dp, "push_message_type")
		v.required(p, string(d.PushMessageType))
		v.enum(p, string(d.PushMessageType), string(PushMessageSent), string(PushMessageReceived), string(PushMessageAction))
		v.required(join(dp, "push_message_token"), d.PushMessageToken)
		v.required(join(dp, "push_notification_payload"), d.PushNotificationPayload)
		v.enum(join(dp, "network"), d.Network, "apn", "gcm")
		v.enum(join(dp, "application_state"), d.ApplicationState, "not_running", "background", "foreground")
		v.maxLen(join(dp, "action_identifier"), d.ActionIdentifier, MaxActionIdentifierLength)
	case *NetworkPerformance:
		v.required(join(dp, "url"), d.URL)
		if !d.ResponseCode.IsDefined() || d.ResponseCode.IsNull() {
			v.add(join(dp, "response_code"), "required")
		}
	case *Breadcrumb:
		v.required(join(dp, "label"), d.Label)
	case *Profile:
		v.enum(join(dp, "profile_event_type"), string(d.ProfileEventType), string(ProfileSignup),
			string(ProfileLogin), string(ProfileLogout), string(ProfileUpdate), string(ProfileDelete))
	case *UserAttributeChange:
		p := join(dp, "user_attribute_name")
		v.required(p, d.UserAttributeName)
		v.maxLen(p, d.UserAttributeName, MaxAttributeKeyLength)
		for _, side := range []struct {
			name string
			val  AttributeValue
		}{{"new", d.New}, {"old", d.Old}} {
			if side.val.Kind() == KindUndefined {
				continue // written as null
			}
			v.userAttributeValue(join(dp, side.name), side.val)
		}
	case *UserIdentityChange:
		for _, side := range []struct {
			name string
			val  *IdentityChange
		}{{"new", d.New}, {"old", d.Old}} {
			if side.val != nil && side.val.IdentityType != "" {
				if f, _ := (&UserIdentities{}).field(side.val.IdentityType); f == nil {
					v.add(join(join(dp, side.name), "identity_type"), "%q is not an identity type", side.val.IdentityType)
				}
			}
		}
	}
}

var customEventTypes = []string{
	string(CustomNavigation), string(CustomLocation), string(CustomSearch), string(CustomTransaction),
	string(CustomUserContent), string(CustomUserPreference), string(CustomSocial), string(CustomOther),
	string(CustomMedia), string(CustomAttribution),
}

var productActions = []string{
	string(ActionAddToCart), string(ActionRemoveFromCart), string(ActionCheckout), string(ActionCheckoutOption),
	string(ActionClick), string(ActionViewDetail), string(ActionPurchase), string(ActionRefund),
	string(ActionAddToWishlist), string(ActionRemoveFromWishlist),
}

func (v *validator) commerce(dp string, d *CommerceEvent) {
	if d.ProductAction == nil && d.PromotionAction == nil && len(d.ProductImpressions) == 0 {
		v.add(dp, "one of product_action, promotion_action or product_impressions is required")
	}
	if pa := d.ProductAction; pa != nil {
		p := join(dp, "product_action")
		v.required(join(p, "action"), string(pa.Action))
		v.enum(join(p, "action"), string(pa.Action), productActions...)
		for i := range pa.Products {
			v.product(index(join(p, "products"), i), &pa.Products[i])
		}
	}
	if pr := d.PromotionAction; pr != nil {
		p := join(dp, "promotion_action")
		v.required(join(p, "action"), string(pr.Action))
		v.enum(join(p, "action"), string(pr.Action), string(PromotionView), string(PromotionClick))
	}
	for i, imp := range d.ProductImpressions {
		p := index(join(dp, "product_impressions"), i)
		for j := range imp.Products {
			v.product(index(join(p, "products"), j), &imp.Products[j])
		}
	}
	if sc := d.ShoppingCart; sc != nil {
		for i := range sc.Products {
			v.product(index(join(dp, "shopping_cart.products"), i), &sc.Products[i])
		}
	}
}

func (v *validator) product(path string, p *Product) {
	v.customAttributes(join(path, "custom_attributes"), p.CustomAttributes)
	if q, ok := p.Quantity.Get(); ok && q < 0 {
		v.add(join(path, "quantity"), "%v is negative", q)
	}
}
