// Package mapping translates between mParticle and Braze data, both ways.
//
// The forward direction (Mapper.Map) turns one mParticle batch into the
// Braze /users/track objects of that user — attributes, events and purchases
// — exactly as mParticle's Braze kit does (the Android kit is the reference
// where the kits disagree; the project's design document settles every
// difference), while enforcing Braze's type rules so that a single bad
// value never fails a whole Braze request. Mapping is pure and
// deterministic: no I/O, no goroutines, and with Settings.Now set, the same
// batch always gives the same result.
//
// Mapper.MapInto does what Map does into a Result given again and again,
// reusing its memory (object arrays, property lists, diagnostics): a
// forward loop with one Result per goroutine allocates next to nothing per
// batch. Like a buffer, the Result is overwritten by each call.
//
// Nothing disappears silently. Every value that is changed, flattened,
// stringified, truncated or dropped, and every event or user that is
// skipped, is reported as a Diagnostic naming the batch, the event index,
// the key and the reason.
//
// # Settings
//
// Settings can be built in Go or read from the kit configuration that
// mParticle hands to the Braze kit (FromKitConfig). Kit settings arrive as
// strings; booleans accept True/False in any case (also yes/no, 1/0).
//
//	kit key                        Go field                        default      meaning
//	-----------------------------  ------------------------------  -----------  -------------------------------------------------------------
//	apiKey                         AppID                           ""           Braze app id for push tokens when AppIDs has no entry
//	userIdentificationType         ExternalIdentityType            CustomerId   identity that becomes external_id: CustomerId, Email, Other,
//	                                                                            Other2…Other10, MobileNumber, PhoneNumber2, PhoneNumber3,
//	                                                                            Facebook, Twitter, Google, Microsoft, Yahoo, Alias,
//	                                                                            FacebookCustomAudienceId, or MPID; unknown names are an error
//	emailIdentificationType        EmailIdentityType               Email        identity that becomes the email attribute (same names, or None)
//	enableTypeDetection            EnableTypeDetection             False        detect bool, integer, decimal, RFC 3339 date in string values
//	bundleCommerceEventData        BundleCommerceEventData         False        one event per commerce event with nested products/promotions
//	replaceSkuWithProductName      ReplaceSkuWithProductName       False        purchase product_id is the product name instead of the SKU
//	forwardScreenViews             ForwardScreenViews              False        forward screen views as custom events
//	subscriptionGroupMapping       SubscriptionGroupMapping        none         JSON [{"map": <user attribute>, "value": <group id>}, …]
//	eaa                            EventAttributeMappings          none         JSON {"<kit hash>": "<array attribute>"}: add event value to array
//	ear                            EventAttributeMappings          none         same shape: remove the event value from the array attribute
//	eas                            EventAttributeMappings          none         same shape: set the user attribute to the event value
//	forwardSessionEvents           ForwardSessionEvents            False        forward "Session Start" / "Session End" with session_id
//	screenViewPrefix               ScreenViewPrefix                ""           prefix of forwarded screen view names (e.g. "Viewed ")
//	defaultCurrency                DefaultCurrency                 USD          purchase currency when the commerce event has none
//	sendUserAttributeListsAsArrays UserAttributeListsAsStrings     True         False sends user attribute lists as comma-joined strings
//	propertyPolicy                 PropertyPolicy                  flatten      flatten, stringify, drop or reject object/array values
//	anonymousUsers                 AnonymousUsers                  skip         skip, or alias_by_mpid (track under the mparticle_id alias)
//	appIds                         AppIDs                          none         JSON {"<platform>": "<Braze app id>"}, e.g. {"iOS": "…"}
//	(Go only)                      Now                             time.Now     clock for $Age and for events without timestamps
//
// The keys after eas are this library's own (mParticle's server-side
// integration has these settings, but they have no kit key). Other kit
// keys (host, push_enabled, ABK… options, …) concern the mobile SDKs and are
// ignored. The "eaa", "ear" and "eas" values may also be given in the array
// form [{"map": "<kit hash>", "value": "<attribute>"}]; HTML-escaped quotes
// (&quot;) are accepted in every JSON setting.
//
// The kit hash of an event attribute is Java's String.hashCode of the
// lower-cased "<event type number><event name><attribute key>" (see
// KitAttributeHash). In Go, EventAttributeMapping can instead name the event
// and attribute directly.
//
// # Identity
//
// external_id is the identity named by ExternalIdentityType, and the email
// attribute the one named by EmailIdentityType (an email Braze would reject
// is reported and left out). A batch without the external identity is
// skipped and reported (UserSkipped), unless AnonymousUsers is
// AnonymousAliasByMPID: then the user is tracked under the alias
// {alias_label: "mparticle_id", alias_name: <mpid>} with
// _update_existing_only false, and Result.Alias is true. When the external
// identity is present in that mode, Result.MergeAlias names the alias so the
// caller can merge it (/users/identify) before tracking. An external_id
// longer than Braze's 987 bytes skips the batch.
//
// # Order
//
// A Result holds one user's objects in the order Braze applies them:
// attributes, then events, then purchases. Events are processed in event
// time order (stable), so events and purchases come out sorted by time, and
// attribute updates that come from events (user_attribute_change,
// event-attribute mappings, push registrations) follow the batch's
// user_attributes in the order they happened. When such an update touches a
// key that the current attributes object already sets, a new attributes
// object is started instead of overwriting, so Braze sees every update in
// order.
//
// # Events
//
// Custom events keep their name; their attributes become properties with one
// leading "$" stripped from each key. Values keep their JSON type; with
// EnableTypeDetection, strings become bool, integer, decimal or date (see
// internal/typedetect; numbers with a leading zero stay strings, values
// under a $Zip key, at any depth and in any case, are never detected, and no
// dates are detected inside arrays, which Braze refuses). The event time is
// the event timestamp, else the batch timestamp, else Now, in UTC; a
// timestamp outside the years RFC 3339 can write is reported and replaced.
//
// Property rules, each change reported: keys and string values longer than
// 255 characters are truncated to 255 characters (Truncated; characters are
// Unicode code points); empty keys are dropped; keys that still start with
// "$" lose every leading "$" (Renamed); the reserved keys "time" and
// "event_name" are renamed "time_" and "event_name_" (Renamed); null values
// are dropped (Braze properties cannot be null); objects and arrays follow
// PropertyPolicy. When two keys end up the same after a fix, the key that
// needed no fix wins and the other is dropped (Dropped). Event names longer
// than 255 characters are truncated; events without a name are dropped.
//
// Screen views are forwarded only with ForwardScreenViews (name =
// ScreenViewPrefix + screen name), session starts and ends only with
// ForwardSessionEvents, as "Session Start" / "Session End" with a
// session_id property that joins the two: the numeric session id (taken
// from another event of the batch with the same session UUID when the
// event has none), else the session UUID; the UUID, when present, is also
// sent as session_uuid. Other event types (crash reports, breadcrumbs, app
// state transitions, network performance, opt-outs, identity changes, …)
// are skipped and reported (EventSkipped). Events marked as coming from
// Braze Currents are skipped (LoopGuard; see IsFromBrazeCurrents).
//
// Event-attribute mappings ("eaa", "ear", "eas") apply to custom events
// (kit event type numbers, raw attribute keys, as the Android kit hashes
// them), screen views (type 0, as on iOS) and the expanded commerce events
// (type 4, named after the Braze event).
//
// # Commerce
//
// Non-bundled purchases become one Braze purchase per product: product_id is
// the SKU (or the name with ReplaceSkuWithProductName; the other one, when
// the chosen one is empty, reported), currency the event's (upper-cased) or
// DefaultCurrency, price the unit price, quantity the integer quantity.
// Quantities over 100 are split into several purchases (Split); quantities
// over 10,000, and fractional ones, become quantity 1 at price × quantity
// (ValueChanged); zero or negative quantities record nothing (Dropped).
// Revenue is never lost silently. A missing order total ("Total Amount") is
// filled with Σ price × quantity + shipping + tax for every product action
// with products, bundled or not, as mParticle's Android SDK does.
//
// Other product actions become one "eCommerce - <action> - Item" event per
// product (remove_from_wish_list is spelled remove_from_wishlist), carrying
// the product's fields and every action field present; refunds (and
// purchases without products) also get "eCommerce - <action> - Total",
// sent before the item events, as the Android kit does. The actions are
// add_to_cart, remove_from_cart, add_to_wishlist, remove_from_wish_list,
// checkout, checkout_option, click, view_detail, purchase and refund; one
// spelled in another case is read as that action (ValueChanged), any other
// or a missing action is skipped (EventSkipped) while the event's
// promotions and impressions are still mapped. Promotions become
// "eCommerce - view|click - Item" per promotion, impressions
// "eCommerce - Impression - Item" per product. Bundled
// (BundleCommerceEventData), each commerce event becomes one
// "eCommerce - <action>" event (a purchase: one purchase with product_id
// "eCommerce - purchase", price = total, quantity 1; without a product
// action, "eCommerce - view|click" when it has promotions, else
// "eCommerce - Impression") with the custom attributes nested under
// "Attributes" and nested "products", "promotions" and "impressions" arrays
// (impressions without products left out); nested keys lose "." and "$"
// (Renamed).
//
// # User attributes
//
// Reserved keys, matched case-insensitively, map to Braze standard fields:
// $FirstName, $LastName, $City, $Country, $Mobile (also the Braze names
// first_name, last_name, home_city, country, phone), $Gender (M/male, F/female,
// NA/N, P, O/other; U/unknown/empty → null; anything else → O, reported),
// $Age (dob = January 1 of the current year − age), dob ("YYYY-MM-DD"),
// email_subscribe and push_subscribe (opted_in, subscribed, unsubscribed).
// $Zip, $State and $Address become custom Zip, State and Address ($Zip is
// never type-detected). Other keys lose one leading "$" and become custom
// attributes of the value's type; lists of strings, numbers or booleans
// become string arrays (numbers and booleans as their JSON text, reported
// as ValueChanged), or comma-joined strings with
// UserAttributeListsAsStrings; objects, and lists holding objects, lists or
// nulls, follow PropertyPolicy (PropertyReject drops the attribute). The
// same lists are accepted as values of "eaa"/"ear" mappings. Removed attributes
// (null values, deleted_user_attributes, deleted user_attribute_change) are
// sent as null, which deletes them in Braze; subscription states cannot be
// removed (reported). Keys that are Braze standard field names (email,
// language, …) cannot be custom attributes and are reported. Attributes
// named in SubscriptionGroupMapping set that subscription group instead
// (true/false, 1/0, yes/no). Push registrations become push_tokens with the
// app id of the batch's platform (AppIDs, else AppID), in an attributes
// object of their own, so that a token Braze refuses cannot take the user's
// other attributes with it. Web push tokens are dropped and reported (Braze
// takes none through /users/track); unregistrations have no Braze
// equivalent and are reported. Mapper.UserAttributes applies these
// rules on their own (the audience mapper uses it).
package mapping
