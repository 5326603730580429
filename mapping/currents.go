package mapping

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Currents → mParticle.
//
// Braze's own "mParticle Export" Current turns each engagement event of a
// user with an external id into one mParticle batch holding one custom event
// (spec §C4). CurrentsToBatch and CurrentsMapper do the same, so that a Go
// backend receiving Currents (braze/currents.Handler) delivers to mParticle
// what Braze would have delivered.

// Events API limits that the translation enforces (spec §A1).
const (
	currentsMaxAttributes = 100
	currentsMaxKeyLen     = 256
	currentsMaxValueLen   = 4096
	currentsMaxNameLen    = 256
)

// CurrentsOptions configures the Currents → mParticle translation. The zero
// value is Braze's own behaviour with a production environment.
type CurrentsOptions struct {
	// Environment of the batches; "" means production.
	Environment mparticle.Environment
	// IncludeBehaviors also translates user-behaviour events (custom events,
	// purchases, sessions, locations, install attributions, push token
	// changes). Braze does not export these to mParticle, because they
	// usually reached Braze from mParticle (or the same SDK) in the first
	// place; sending them back would double-count them. Off by default:
	// they are skipped and reported.
	IncludeBehaviors bool
	// EventNames overrides or extends the event-name table
	// ([CurrentsEventName]): Currents event type → mParticle event name.
	EventNames map[string]string
}

// currentsEventNames is mParticle's name table for Braze feed events (spec
// §C4). Types not listed keep their Braze name.
var currentsEventNames = map[string]string{
	currents.PushSend:   "Push Notification Sends",
	currents.PushOpen:   "Push Notification Opens",
	currents.PushBounce: "Push Notification Bounces",

	currents.InAppImpression: "In-App Message Impressions",
	currents.InAppClick:      "In-App Message Clicks",

	currents.ContentCardSend:       "Content Card Sent",
	currents.ContentCardImpression: "Content Card Viewed",
	currents.ContentCardClick:      "Content Card Clicked",
	currents.ContentCardDismiss:    "Content Card Dismissed",

	currents.NewsFeedImpression: "News Feed Card Views",
	currents.NewsFeedClick:      "News Feed Card Clicks",

	currents.Uninstall: "Application Uninstalled",

	currents.EmailSend:        "Email Sends",
	currents.EmailDelivery:    "Email Deliveries",
	currents.EmailOpen:        "Email Opens",
	currents.EmailClick:       "Email Clicks",
	currents.EmailBounce:      "Email Bounces",
	currents.EmailSoftBounce:  "Email Soft Bounces",
	currents.EmailMarkAsSpam:  "Email Marks As Spam",
	currents.EmailUnsubscribe: "Email Unsubscribes",

	currents.SMSSend:            "SMS Sends",
	currents.SMSCarrierSend:     "SMS Carrier Sends",
	currents.SMSDelivery:        "SMS Deliveries",
	currents.SMSDeliveryFailure: "SMS Delivery Failures",
	currents.SMSRejection:       "SMS Rejections",
	currents.SMSInboundReceive:  "SMS Inbound Received",
	currents.SMSAbort:           "SMS Aborts",

	currents.SubscriptionGlobalStateChange: "Global Subscription State Change",
	currents.SubscriptionGroupStateChange:  "Subscription Group State Change",

	currents.WebhookSend: "Webhook Sends",

	currents.CampaignConversion:      "Campaign Conversions",
	currents.CampaignEnrollInControl: "Campaign Control Group Enrollments",

	currents.CanvasConversion:           "Canvas Conversions",
	currents.CanvasEntry:                "Canvas Entries",
	currents.CanvasExperimentConversion: "Experiment Conversions",
	currents.CanvasExperimentSplitEntry: "Experiment Split Entries",
}

// CurrentsEventName returns the mParticle event name of a Currents event
// type: mParticle's readable name (for example "Email Opens" for
// users.messages.email.Open), or the type itself when the table has none.
func CurrentsEventName(eventType string) string {
	if n, ok := currentsEventNames[eventType]; ok {
		return n
	}
	return eventType
}

// CurrentsFeed names the mParticle Braze feed input an event belongs to;
// Braze posts each event with the key and secret of one of four inputs.
type CurrentsFeed string

// The Braze feed inputs of mParticle.
const (
	FeedIOS     CurrentsFeed = "iOS"
	FeedAndroid CurrentsFeed = "Android"
	FeedWeb     CurrentsFeed = "Web"
	// FeedUnbound takes events without a device platform: email, SMS,
	// webhook, campaign and canvas events.
	FeedUnbound CurrentsFeed = "Unbound"
)

// CurrentsFeedOf returns the feed of an event by its "platform" property:
// ios and tvos → iOS, android and kindle → Android, web → Web, anything
// else or none → Unbound.
func CurrentsFeedOf(ev *currents.Event) CurrentsFeed {
	p, _ := ev.Properties.String("platform")
	switch p {
	case "ios", "tvos":
		return FeedIOS
	case "android", "kindle":
		return FeedAndroid
	case "web":
		return FeedWeb
	}
	return FeedUnbound
}

// behaviorFamilies are the families Braze does not export to mParticle.
var behaviorFamilies = map[currents.Family]bool{
	currents.FamilyCustomEvent:        true,
	currents.FamilyPurchase:           true,
	currents.FamilySession:            true,
	currents.FamilyLocation:           true,
	currents.FamilyInstallAttribution: true,
	currents.FamilyPushToken:          true,
}

// Properties that become identities or device info, and so are not repeated
// as custom attributes.
const (
	propEmail             = "email_address"
	propPlatform          = "platform"
	propOSVersion         = "os_version"
	propDeviceModel       = "device_model"
	propAdID              = "ad_id"
	propAdIDType          = "ad_id_type"
	propAdTrackingEnabled = "ad_tracking_enabled"
	attrSourceRequestID   = "source_request_id"
	attrDeviceID          = "device_id"
)

// CurrentsToBatch translates one Currents event into an mParticle batch. It
// returns ok = false (and a nil batch) for an event it does not translate:
// one without an external user id, or a user-behaviour event without
// [CurrentsOptions.IncludeBehaviors]. Use [CurrentsMapper] to also learn
// why, and what was changed to fit the Events API's limits.
func CurrentsToBatch(ev currents.Event, opts CurrentsOptions) (b *mparticle.Batch, ok bool) {
	b, _ = translateCurrents(&ev, -1, opts)
	return b, b != nil
}

// CurrentsMapper translates batches of Currents events, counting and
// explaining what it skips or changes. It is safe for concurrent use.
type CurrentsMapper struct {
	opts CurrentsOptions
}

// NewCurrentsMapper returns a CurrentsMapper with the given options.
func NewCurrentsMapper(opts CurrentsOptions) *CurrentsMapper {
	return &CurrentsMapper{opts: opts}
}

// CurrentsBatch is one translated event.
type CurrentsBatch struct {
	// Batch is the mParticle batch (one event).
	Batch *mparticle.Batch
	// Feed is the feed input it belongs to ([CurrentsFeedOf]).
	Feed CurrentsFeed
	// Index is the event's position in the slice given to Map.
	Index int
}

// CurrentsResult is the outcome of [CurrentsMapper.Map].
type CurrentsResult struct {
	// Batches holds one batch per translated event, in input order.
	Batches []CurrentsBatch
	// Skipped counts events that produced no batch.
	Skipped int
	// Diagnostics explains every skipped event (code UserSkipped or
	// EventSkipped) and every change made to fit the Events API (Truncated,
	// Stringified, Dropped). EventIndex is the index in the input slice,
	// BatchID the Currents event id.
	Diagnostics []Diagnostic
}

// Map translates events in order.
func (m *CurrentsMapper) Map(events []currents.Event) CurrentsResult {
	var res CurrentsResult
	for i := range events {
		b, diags := translateCurrents(&events[i], i, m.opts)
		res.Diagnostics = append(res.Diagnostics, diags...)
		if b == nil {
			res.Skipped++
			continue
		}
		res.Batches = append(res.Batches, CurrentsBatch{Batch: b, Feed: CurrentsFeedOf(&events[i]), Index: i})
	}
	return res
}

// translateCurrents does the work of CurrentsToBatch; index is the event's
// position for diagnostics.
func translateCurrents(ev *currents.Event, index int, opts CurrentsOptions) (*mparticle.Batch, []Diagnostic) {
	var diags []Diagnostic
	diag := func(code DiagnosticCode, key, reason, value string) {
		diags = append(diags, Diagnostic{
			BatchID: ev.ID, EventIndex: index, EventName: ev.Type,
			Key: key, Code: code, Reason: reason, Value: currentsShorten(value, 64),
		})
	}
	if ev.User.ExternalUserID == "" {
		diag(UserSkipped, "", "Currents event has no external_user_id; mParticle needs a customer id", "")
		return nil, diags
	}
	if behaviorFamilies[ev.Family()] && !opts.IncludeBehaviors {
		diag(EventSkipped, "", "user-behaviour event; Braze does not export these to mParticle (CurrentsOptions.IncludeBehaviors)", "")
		return nil, diags
	}

	env := opts.Environment
	if env == "" {
		env = mparticle.EnvironmentProduction
	}
	b := &mparticle.Batch{
		Environment:     env,
		SchemaVersion:   2,
		SourceRequestID: ev.ID,
		UserIdentities:  &mparticle.UserIdentities{CustomerID: ev.User.ExternalUserID},
	}
	if email, ok := ev.Properties.String(propEmail); ok && email != "" {
		b.UserIdentities.Email = email
	}

	used := map[string]bool{propEmail: true}
	b.DeviceInfo = currentsDeviceInfo(ev, used)

	attrs := map[string]mparticle.AttributeValue{}
	if ev.ID != "" {
		attrs[attrSourceRequestID] = mparticle.StringAttr(ev.ID)
	}
	if ev.User.DeviceID != "" && (b.DeviceInfo == nil || b.DeviceInfo.IOSIDFV == "") {
		// Only iOS device ids are IDFVs; keep the others as an attribute.
		attrs[attrDeviceID] = mparticle.StringAttr(ev.User.DeviceID)
	}
	for _, k := range sortedKeys(ev.Properties) {
		if used[k] {
			continue
		}
		raw := ev.Properties[k]
		if _, dup := attrs[k]; dup {
			diag(Dropped, k, "property collides with an attribute the translation sets", currents.RawText(raw))
			continue
		}
		v, ok := currentsAttr(raw, k, diag)
		if !ok {
			continue
		}
		key := k
		if utf8.RuneCountInString(key) > currentsMaxKeyLen {
			key = currentsTruncate(key, currentsMaxKeyLen)
			diag(Truncated, k, "key longer than "+strconv.Itoa(currentsMaxKeyLen)+" characters", "")
			if _, dup := attrs[key]; dup {
				diag(Dropped, k, "truncated key collides with another key", "")
				continue
			}
		}
		attrs[key] = v
	}
	if len(attrs) > currentsMaxAttributes {
		keys := sortedKeys(attrs)
		for _, k := range keys {
			if len(attrs) <= currentsMaxAttributes {
				break
			}
			if k == attrSourceRequestID {
				continue
			}
			delete(attrs, k)
			diag(Dropped, k, "more than "+strconv.Itoa(currentsMaxAttributes)+" attributes on one event", "")
		}
	}

	common := mparticle.CommonEventData{
		TimestampUnixtimeMS: ev.UnixMilli(),
		SourceMessageID:     ev.ID,
		CustomAttributes:    mparticle.AttributesFromMap(attrs),
	}
	flags := mparticle.Attributes{{Key: OriginFlag, Value: mparticle.StringAttr(OriginBrazeCurrents)}}
	if ev.Type == currents.Uninstall {
		// uninstall has no custom_flags field in the model; the mark travels
		// as an unknown field, where IsFromBrazeCurrents looks for it.
		flagJSON, _ := json.Marshal(map[string]string{OriginFlag: OriginBrazeCurrents})
		b.Events = []mparticle.Event{{Data: &mparticle.Uninstall{
			CommonEventData: common,
			Unknown:         map[string]json.RawMessage{"custom_flags": flagJSON},
		}}}
		return b, diags
	}
	name := CurrentsEventName(ev.Type)
	if n, ok := opts.EventNames[ev.Type]; ok && n != "" {
		name = n
	}
	if utf8.RuneCountInString(name) > currentsMaxNameLen {
		diag(Truncated, "", "event name longer than "+strconv.Itoa(currentsMaxNameLen)+" characters", name)
		name = currentsTruncate(name, currentsMaxNameLen)
	}
	b.Events = []mparticle.Event{{Data: &mparticle.CustomEvent{
		CommonEventData: common,
		EventName:       name,
		CustomEventType: mparticle.CustomEventType("other"),
		CustomFlags:     flags,
	}}}
	return b, diags
}

// currentsDeviceInfo builds device_info from the event (spec §C4) and marks
// the properties it consumed in used. It returns nil when the event carries
// no device data.
func currentsDeviceInfo(ev *currents.Event, used map[string]bool) *mparticle.DeviceInfo {
	var di mparticle.DeviceInfo
	set := false
	platform, _ := ev.Properties.String(propPlatform)
	switch platform {
	case "ios":
		di.Platform = mparticle.PlatformIOS
	case "tvos":
		di.Platform = mparticle.PlatformTVOS
	case "android", "kindle":
		di.Platform = mparticle.PlatformAndroid
	case "web":
		di.Platform = mparticle.PlatformWeb
	case "roku":
		di.Platform = mparticle.PlatformRoku
	}
	if di.Platform != "" {
		used[propPlatform] = true
		set = true
	}
	if v, ok := ev.Properties.String(propOSVersion); ok {
		di.OSVersion, used[propOSVersion], set = v, true, true
	}
	if v, ok := ev.Properties.String(propDeviceModel); ok {
		di.DeviceModel, used[propDeviceModel], set = v, true, true
	}
	// Braze's export puts device_id into ios_idfv; that is only right for
	// iOS devices (and events that name no platform, as email opens do).
	if ev.User.DeviceID != "" && (platform == "" || platform == "ios" || platform == "tvos") {
		di.IOSIDFV, set = ev.User.DeviceID, true
	}
	if adID, ok := ev.Properties.String(propAdID); ok && adID != "" {
		adType, _ := ev.Properties.String(propAdIDType)
		var dst *string
		switch adType {
		case "ios_idfa":
			dst = &di.IOSAdvertisingID
		case "google_ad_id":
			dst = &di.AndroidAdvertisingID
		case "windows_ad_id":
			dst = &di.MicrosoftAdvertisingID
		case "roku_ad_id":
			dst = &di.RokuAdvertisingID
		}
		if dst != nil { // an unknown type stays in the attributes
			*dst, used[propAdID], used[propAdIDType], set = adID, true, true, true
		}
	}
	if enabled, ok := ev.Properties.Bool(propAdTrackingEnabled); ok {
		di.LimitAdTracking, used[propAdTrackingEnabled], set = mparticle.Set(!enabled), true, true
	}
	if !set {
		return nil
	}
	return &di
}

// currentsAttr converts a property to a custom attribute value: strings,
// numbers and booleans keep their JSON type, objects and arrays become
// their compact JSON text, null is dropped. Values are cut to the Events
// API's 4096 characters.
func currentsAttr(raw json.RawMessage, key string, diag func(DiagnosticCode, string, string, string)) (mparticle.AttributeValue, bool) {
	v, err := mparticle.RawAttr(raw)
	if err != nil {
		diag(Dropped, key, "property is not valid JSON", string(raw))
		return mparticle.AttributeValue{}, false
	}
	switch v.Kind() {
	case mparticle.KindNull:
		return v, false
	case mparticle.KindString:
		s, _ := v.Str()
		if utf8.RuneCountInString(s) > currentsMaxValueLen {
			diag(Truncated, key, "value longer than "+strconv.Itoa(currentsMaxValueLen)+" characters", s)
			return mparticle.StringAttr(currentsTruncate(s, currentsMaxValueLen)), true
		}
		return v, true
	case mparticle.KindNumber, mparticle.KindBool:
		return v, true
	}
	// Objects and arrays: mParticle custom attributes hold scalars only.
	s := currents.RawText(raw)
	if utf8.RuneCountInString(s) > currentsMaxValueLen {
		diag(Truncated, key, "value longer than "+strconv.Itoa(currentsMaxValueLen)+" characters", s)
		s = currentsTruncate(s, currentsMaxValueLen)
	}
	return mparticle.StringAttr(s), true
}

func currentsTruncate(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func currentsShorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return currentsTruncate(s, n) + "…"
}
