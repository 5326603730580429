// Package mpbraze puts the mParticle ⇄ Braze integration inside a Go backend.
//
// It covers the three flows of the mParticle–Braze partnership:
//
//   - Data import: mParticle-modelled events, user attributes, identities and
//     commerce data are translated the way mParticle's Braze kit translates
//     them (package mapping) and delivered to Braze's REST API (package braze):
//     batched, rate-limited and retried, with a result for every object.
//   - Cohort import: mParticle audience membership changes become Braze custom
//     attributes (SegmentMembership, SegmentMembershipArray, "In <Audience>").
//   - Currents: Braze engagement events received over HTTP (package
//     braze/currents) are translated into mParticle batches and delivered to
//     mParticle's Events API (package mparticle).
//
// The packages form straight lines: mparticle and braze know nothing of each
// other, mapping translates between them, and this root package wires mapping
// and braze into a kit that Go code uses directly. The fakes in
// braze/brazetest and mparticle/mparticletest are real HTTP servers that
// validate like the services they stand in for; the examples and tests run
// against them on loopback. Both have the same testing API (Key, Faults,
// SetFaults, WithRateLimit, WithClock, and InjectNext with ServerError,
// RateLimited, DropConnection and Respond to script the next answers).
//
// # Getting started
//
// New builds a Kit from a Config (Braze key and instance, mapping settings
// or the kit configuration map mParticle hands to its Braze kit, batching
// options). Kit.ForwardJSON decodes an mParticle batch, maps it and queues
// its Braze objects, reusing its memory from batch to batch; Kit.Forward
// does the same with a batch already decoded or built;
// Kit.User returns a handle for kit-style calls (LogEvent, SetUserAttribute,
// Login, ...) that build mParticle events and go through the same mapper;
// Kit.ApplyAudienceChange and AudienceHandler import audience membership.
// Every queued object ends with one result (Config.OnResult, Kit.Flush,
// Kit.Close); every value the mapping changed or left out is reported as a
// mapping.Diagnostic. NewCurrentsForwarder and currents.NewHandler carry
// Braze Currents to mParticle's Events API.
//
// The README's first command, go run ./examples/quickstart, shows the whole
// forward path against an in-process fake Braze.
package mpbraze
