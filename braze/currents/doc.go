// Package currents models Braze Currents engagement events and receives them
// over HTTP from Braze's Custom HTTP connector.
//
// Braze posts batches shaped like
//
//	{"events": [{"event_type": "users.messages.email.Open", "id": "…", "time": 1714602310,
//	             "user": {"user_id": "…", "external_user_id": "…", "device_id": "…", "timezone": "…"},
//	             "properties": {…}}, …]}
//
// [DecodeBody] and [Decoder] turn such a body into [Event] values. Every
// field is kept: the common envelope is typed ([Event], [User]), properties
// stay as raw JSON in [Properties] with typed getters, and per-family views
// ([Event.Email], [Event.Push], [Event.SMS], …) decode the documented fields
// of each event family into structs. Unknown event types, unknown fields and
// unknown properties are kept and re-encoded unchanged by [Event.MarshalJSON];
// they are never errors, because Braze adds fields and types without notice.
//
// [Handler] is the receiving end: an [net/http.Handler] that checks the
// bearer token in constant time, limits the body size, decodes it and hands
// the events to a [Sink]. It answers 2xx only after the sink accepted the
// events, so Braze retries whatever was not accepted.
//
// This package knows nothing about mParticle; the translation of Currents
// events into mParticle batches lives in package mapping.
package currents
