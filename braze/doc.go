// Package braze is a Go client for the parts of Braze's REST API that a
// server-side forwarder needs. It has three layers, each usable on its own:
//
//   - the model: typed request and response bodies for /users/track and the
//     other user endpoints, with validation that catches what Braze would
//     reject before anything is sent;
//   - the Client: one method per endpoint (Track, AliasNew, Identify, Merge,
//     Delete, SetSubscriptionStatus, RenameExternalIDs), Bearer auth, a
//     client-side rate limit per endpoint family, and retries with backoff
//     that honours Braze's rate-limit headers;
//   - the Batcher: packs attributes, events and purchases from many users
//     into full /users/track requests, keeps each user's objects in order,
//     and reports a result for every object.
//
// # Model
//
// A TrackRequest carries Attributes (profile updates), Events and Purchases.
// Braze applies a request's attributes first, then its events, then its
// purchases.
//
// Every object embeds an Identifier naming its user: exactly one primary
// identifier (ExternalID, UserAlias or BrazeID) or, without one, Email or
// Phone. ExternalID and Alias build the common cases; Identifier.Key gives a
// stable per-user key.
//
// Standard profile fields are Optional values with three states, because
// Braze treats them differently: absent (the zero value, left out of the
// JSON, the profile keeps its value), Set(v), and Null() (sent as null,
// Braze deletes the field). Get and Or read the value; IsSet (holds a
// value), IsNull and IsAbsent name the state, with the same meaning as in
// package mparticle. Enumerated fields have typed constants: Gender
// (GenderMale, …), SubscriptionState (SubscriptionOptedIn, …); dob is a Date.
//
// Custom attributes and event or purchase properties are typed Values:
// String, Int, Float, Bool, Time (sent as RFC 3339 UTC), Strings (a string
// array), Inc ({"inc": n}), AddRemove ({"add": […], "remove": […]}),
// NullValue (delete), Object, ObjectOf and Array (nested data; NestedTime
// for a date inside a nested attribute). The zero Value is invalid, so an
// uninitialised value can never silently delete an attribute. They are
// held in Properties, an ordered list of Prop(key, value) entries with
// unique keys (Attributes.Custom, Event.Properties, Purchase.Properties),
// encoded in their order; PropertiesFromMap sorts a map's entries by key.
//
// Encoding is hand-written for speed (it allocates nothing when given a
// buffer: see TrackRequest.AppendJSON) and produces exactly the bytes
// encoding/json would produce for the same data: Properties in their order,
// the keys of an Object built from a map sorted, times in RFC 3339 UTC,
// HTML-safe string escaping. Custom attributes are flattened into the
// attributes object after the standard fields.
//
// # Validation
//
// TrackRequest.Validate(Limits) checks the object cap (75 combined by
// default, or per array with Limits.PerArray / LegacyLimits), the 4 MB body cap, identifiers
// (one primary; external_id ≤ 987 bytes; alias parts non-empty and ≤ 236
// bytes), names and product ids, currency codes, quantities (1..100),
// standard-field formats (dob, gender, subscription states, subscription
// groups, push tokens, location), property keys (non-empty, ≤ 255
// characters, no leading '$', not "time" or "event_name"), string lengths
// (≤ 255 characters) and the size of nested data. The other requests have a
// Validate method for their rules (≤ 50 items and endpoint-specific shapes).
//
// A failed validation is a ValidationErrors listing every problem as a
// *ValidationError whose message names the path and the value, for example
// "events[3].quantity: 150 outside 1..100"; Array and Index name the object.
// The Client validates every request before sending it.
//
// # Building a request
//
//	req := &braze.TrackRequest{
//		Attributes: []braze.Attributes{{
//			Identifier:     braze.ExternalID("cust-42"),
//			FirstName:      braze.Set("Ada"),
//			Gender:         braze.Null[braze.Gender](), // unknown: delete it
//			EmailSubscribe: braze.Set(braze.SubscriptionOptedIn),
//			Custom: braze.Properties{
//				braze.Prop("loyalty_points", braze.Inc(5)),
//				braze.Prop("genres", braze.AddRemove([]string{"jazz"}, nil)),
//			},
//		}},
//		Events: []braze.Event{{
//			Identifier: braze.ExternalID("cust-42"),
//			Name:       "viewed_product",
//			Time:       time.Now(),
//			Properties: braze.Properties{braze.Prop("sku", braze.String("A-1")), braze.Prop("price", braze.Float(9.5))},
//		}},
//	}
//	if err := req.Validate(braze.DefaultLimits()); err != nil {
//		return err // names every bad field
//	}
//	c, err := braze.NewClient(restKey, braze.WithInstance(braze.US03))
//	if err != nil {
//		return err
//	}
//	resp, err := c.Track(ctx, req) // resp.Errors lists objects Braze rejected
//
// For a stream of objects from many users, hand them to a Batcher
// (NewBatcher) instead of building requests yourself. Batcher.Add validates
// and encodes each object as it is added (an invalid one is refused there,
// with ItemErrors) and the queue holds the JSON, so sending a request only
// puts its objects' JSON side by side.
package braze
