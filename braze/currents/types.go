package currents

import "strings"

// Event types (the "event_type" of a Currents event). The list covers the
// types Braze documents for its Currents connectors; any other type is still
// decoded and kept, with [FamilyUnknown] as its family.
const (
	// Email.
	EmailSend        = "users.messages.email.Send"
	EmailDelivery    = "users.messages.email.Delivery"
	EmailOpen        = "users.messages.email.Open"
	EmailClick       = "users.messages.email.Click"
	EmailBounce      = "users.messages.email.Bounce"
	EmailSoftBounce  = "users.messages.email.SoftBounce"
	EmailDeferral    = "users.messages.email.Deferral"
	EmailMarkAsSpam  = "users.messages.email.MarkAsSpam"
	EmailUnsubscribe = "users.messages.email.Unsubscribe"
	EmailAbort       = "users.messages.email.Abort"
	EmailRetry       = "users.messages.email.Retry"

	// Push notifications.
	PushSend          = "users.messages.pushnotification.Send"
	PushOpen          = "users.messages.pushnotification.Open"
	PushIosForeground = "users.messages.pushnotification.IosForeground"
	PushBounce        = "users.messages.pushnotification.Bounce"
	PushAbort         = "users.messages.pushnotification.Abort"
	PushRetry         = "users.messages.pushnotification.Retry"

	// In-app messages.
	InAppImpression = "users.messages.inappmessage.Impression"
	InAppClick      = "users.messages.inappmessage.Click"
	InAppAbort      = "users.messages.inappmessage.Abort"

	// Content cards.
	ContentCardSend       = "users.messages.contentcard.Send"
	ContentCardImpression = "users.messages.contentcard.Impression"
	ContentCardClick      = "users.messages.contentcard.Click"
	ContentCardDismiss    = "users.messages.contentcard.Dismiss"
	ContentCardAbort      = "users.messages.contentcard.Abort"

	// Banners.
	BannerImpression = "users.messages.banner.Impression"
	BannerClick      = "users.messages.banner.Click"
	BannerAbort      = "users.messages.banner.Abort"

	// Feature flags.
	FeatureFlagImpression = "users.messages.featureflag.Impression"

	// News Feed cards (legacy).
	NewsFeedImpression = "users.messages.newsfeedcard.Impression"
	NewsFeedClick      = "users.messages.newsfeedcard.Click"

	// SMS.
	SMSSend            = "users.messages.sms.Send"
	SMSCarrierSend     = "users.messages.sms.CarrierSend"
	SMSDelivery        = "users.messages.sms.Delivery"
	SMSDeliveryFailure = "users.messages.sms.DeliveryFailure"
	SMSRejection       = "users.messages.sms.Rejection"
	SMSInboundReceive  = "users.messages.sms.InboundReceive"
	SMSShortLinkClick  = "users.messages.sms.ShortLinkClick"
	SMSAbort           = "users.messages.sms.Abort"
	SMSRetry           = "users.messages.sms.Retry"

	// WhatsApp.
	WhatsAppSend           = "users.messages.whatsapp.Send"
	WhatsAppDelivery       = "users.messages.whatsapp.Delivery"
	WhatsAppRead           = "users.messages.whatsapp.Read"
	WhatsAppFailure        = "users.messages.whatsapp.Failure"
	WhatsAppInboundReceive = "users.messages.whatsapp.InboundReceive"
	WhatsAppClick          = "users.messages.whatsapp.Click"
	WhatsAppAbort          = "users.messages.whatsapp.Abort"

	// Webhooks.
	WebhookSend    = "users.messages.webhook.Send"
	WebhookFailure = "users.messages.webhook.Failure"
	WebhookAbort   = "users.messages.webhook.Abort"
	WebhookRetry   = "users.messages.webhook.Retry"

	// Campaigns.
	CampaignConversion      = "users.campaigns.Conversion"
	CampaignEnrollInControl = "users.campaigns.EnrollInControl"

	// Canvases.
	CanvasEntry                = "users.canvas.Entry"
	CanvasConversion           = "users.canvas.Conversion"
	CanvasExitMatchedAudience  = "users.canvas.exit.MatchedAudience"
	CanvasExitPerformedEvent   = "users.canvas.exit.PerformedEvent"
	CanvasExperimentConversion = "users.canvas.experimentstep.Conversion"
	CanvasExperimentSplitEntry = "users.canvas.experimentstep.SplitEntry"
	CanvasStepProgression      = "users.canvasstep.Progression"

	// Subscriptions.
	SubscriptionGlobalStateChange = "users.behaviors.subscription.GlobalStateChange"
	SubscriptionGroupStateChange  = "users.behaviors.subscriptiongroup.StateChange"

	// User behaviours.
	Uninstall            = "users.behaviors.Uninstall"
	CustomEvent          = "users.behaviors.CustomEvent"
	Purchase             = "users.behaviors.Purchase"
	InstallAttribution   = "users.behaviors.InstallAttribution"
	Location             = "users.behaviors.Location"
	FirstSession         = "users.behaviors.app.FirstSession"
	SessionStart         = "users.behaviors.app.SessionStart"
	SessionEnd           = "users.behaviors.app.SessionEnd"
	PushTokenStateChange = "users.behaviors.pushnotification.TokenStateChange"
)

// Family groups event types by channel or behaviour; each family has a typed
// view of its properties on [Event].
type Family string

// Event families.
const (
	FamilyEmail              Family = "email"
	FamilyPush               Family = "push"
	FamilyInApp              Family = "inapp"
	FamilyContentCard        Family = "contentcard"
	FamilyBanner             Family = "banner"
	FamilyFeatureFlag        Family = "featureflag"
	FamilyNewsFeed           Family = "newsfeed"
	FamilySMS                Family = "sms"
	FamilyWhatsApp           Family = "whatsapp"
	FamilyRCS                Family = "rcs"
	FamilyLine               Family = "line"
	FamilyWebhook            Family = "webhook"
	FamilyLiveActivity       Family = "liveactivity"
	FamilyCampaign           Family = "campaign"
	FamilyCanvas             Family = "canvas"
	FamilySubscription       Family = "subscription"
	FamilyUninstall          Family = "uninstall"
	FamilyCustomEvent        Family = "customevent"
	FamilyPurchase           Family = "purchase"
	FamilySession            Family = "session"
	FamilyLocation           Family = "location"
	FamilyInstallAttribution Family = "installattribution"
	FamilyPushToken          Family = "pushtoken"
	FamilyUnknown            Family = "unknown"
)

// familyPrefixes maps type prefixes to families; the longest matching
// prefix wins, so it is checked in order (more specific entries first).
var familyPrefixes = [...]struct {
	prefix string
	family Family
}{
	{"users.messages.email.", FamilyEmail},
	{"users.messages.pushnotification.", FamilyPush},
	{"users.messages.inappmessage.", FamilyInApp},
	{"users.messages.contentcard.", FamilyContentCard},
	{"users.messages.banner.", FamilyBanner},
	{"users.messages.featureflag.", FamilyFeatureFlag},
	{"users.messages.newsfeedcard.", FamilyNewsFeed},
	{"users.messages.sms.", FamilySMS},
	{"users.messages.whatsapp.", FamilyWhatsApp},
	{"users.messages.rcs.", FamilyRCS},
	{"users.messages.line.", FamilyLine},
	{"users.messages.webhook.", FamilyWebhook},
	{"users.messages.liveactivity.", FamilyLiveActivity},
	{"users.campaigns.", FamilyCampaign},
	{"users.canvas.", FamilyCanvas},
	{"users.canvasstep.", FamilyCanvas},
	{"users.behaviors.subscription.", FamilySubscription},
	{"users.behaviors.subscriptiongroup.", FamilySubscription},
	{"users.behaviors.app.", FamilySession},
	{"users.behaviors.pushnotification.", FamilyPushToken},
}

// FamilyOf reports the family of an event type; types Braze has not
// documented (or that this package does not know yet) are [FamilyUnknown].
func FamilyOf(eventType string) Family {
	switch eventType {
	case Uninstall:
		return FamilyUninstall
	case CustomEvent:
		return FamilyCustomEvent
	case Purchase:
		return FamilyPurchase
	case Location:
		return FamilyLocation
	case InstallAttribution:
		return FamilyInstallAttribution
	}
	for _, p := range familyPrefixes {
		if strings.HasPrefix(eventType, p.prefix) {
			return p.family
		}
	}
	return FamilyUnknown
}
