// Package mparticle models mParticle's data losslessly and talks to its
// Events API.
//
// # Model
//
// [Batch] is one Events API batch with every documented field; its Events
// are [Event] envelopes whose Data is a pointer to the struct of the event
// type ([CustomEvent], [CommerceEvent], [ScreenView], ... or [UnknownEvent]
// for a type this package does not know). [AudienceMembershipChangeRequest]
// and [AudienceSubscriptionRequest] are the audience messages mParticle
// sends to partners.
//
// Decoding is lossless, so a batch can be read, inspected or changed, and
// written on without damage:
//
//   - int64 ids (mpid, event_id, session_id, ...) never pass through
//     float64;
//   - a field that was absent stays absent, one that was null is written as
//     null, one that was present with its zero value is written back; fields
//     where the difference matters to Go code use [Optional] (MPID,
//     nullable booleans, product quantity);
//   - attribute values keep their JSON type and number literals exactly
//     ([AttributeValue]);
//   - fields this package does not model are kept as raw JSON in each
//     struct's Unknown map and written back.
//
// Output is deterministic: known fields in struct order, attribute objects
// ([Attributes]) in their own order (the input's, when decoded), other map
// entries and unknown fields in sorted key order. It compares equal to the input as a
// JSON value, not byte for byte. Decimal fields (prices, amounts,
// coordinates) are float64: they come back as the same float64 value, so
// 150.0 is written as 150 and digits beyond float64 precision are not kept;
// numbers that matter exactly (ids, timestamps) are int64, and attribute
// values keep their literal text. An integer field accepts an integral
// number written as 1.0 or 1e3; any other mismatch is a decode error with
// its JSON path, never a silent truncation.
//
// # Generated code
//
// json_gen.go is generated from the struct definitions and their json tags
// by json_generate.go (go generate). A tag option ",always" writes a
// required field even when it holds its zero value (register: false) in a
// struct built in Go.
//
// The model decodes itself in one pass with a small validating JSON reader
// (no map[string]any, no second decode to find unknown fields); see
// BenchmarkDecodeBatch. [DecodeBatch], [DecodeBatches] and the streaming
// [Decoder] read batches; [Batch.Encode] and [EncodeBatches] write them;
// encoding/json's Marshal and Unmarshal use the same codec. A
// [BatchBuffer] decodes batch after batch into the same memory (about one
// allocation per batch) for callers that are done with each batch before
// they decode the next; its [BatchBuffer.DecodeTransient] reuses the
// strings' memory too, for callers that keep nothing of a batch.
//
// [Batch.Validate] checks a batch against the Events API limits and
// required fields and reports every problem with its JSON path.
//
// Constructors such as [NewBatch], [NewCustomEvent] and [NewPurchase] build
// correct events in Go; they take the event time explicitly.
package mparticle

//go:generate go run json_generate.go
