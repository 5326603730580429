// Package braze is a Go client for the parts of Braze's REST API a
// server-side forwarder needs: the typed data model of /users/track and the
// other user endpoints, validation that catches what Braze would reject
// before a request is sent, a rate-limited retrying Client, and a Batcher
// that packs objects from many users into requests.
//
// # Model
//
// A TrackRequest carries Attributes (profile updates), Events and Purchases.
// Every object embeds an Identifier: exactly one of external_id, user_alias
// or braze_id, or else an email or phone. Standard profile fields are
// Optional values with three states (absent, set, null) because Braze treats
// a missing field, a value and null (delete) differently. Custom attributes
// and properties are typed Values (String, Int, Float, Bool, Time, Strings,
// Inc, AddRemove, NullValue, Object, Array).
//
// Encoding is hand-written for speed; it produces exactly the JSON
// encoding/json would produce for the same data, with map keys sorted and
// times in RFC 3339 UTC.
//
// # Validation
//
// TrackRequest.Validate(Limits) and the Validate methods of the other
// requests return ValidationErrors naming every bad field by path, for
// example "events[3].quantity: 150 outside 1..100".
package braze
