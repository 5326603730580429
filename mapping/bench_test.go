package mapping

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// benchSettings turns on everything a realistic batch exercises.
func benchSettings() Settings {
	return Settings{
		EnableTypeDetection:      true,
		ForwardScreenViews:       true,
		ForwardSessionEvents:     true,
		AppIDs:                   map[string]string{"iOS": "braze-ios-app"},
		SubscriptionGroupMapping: map[string]string{"newsletter": "9b2f6c2e-0000-4000-8000-000000000001"},
		Now:                      func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	}
}

func loadBenchBatch(b *testing.B) ([]byte, *mparticle.Batch) {
	b.Helper()
	raw, err := os.ReadFile("testdata/bench/batch.json")
	if err != nil {
		b.Fatal(err)
	}
	batch, err := mparticle.DecodeBatch(raw)
	if err != nil {
		b.Fatal(err)
	}
	return raw, batch
}

// BenchmarkMap maps a realistic 20-event batch (sessions, screen views,
// custom events, impressions, cart, checkout, purchase, attribute changes,
// push registration).
func BenchmarkMap(b *testing.B) {
	_, batch := loadBenchBatch(b)
	m, err := New(benchSettings())
	if err != nil {
		b.Fatal(err)
	}
	events := float64(len(batch.Events))
	allocs := testing.AllocsPerRun(20, func() { _ = m.Map(batch) })
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		_ = m.Map(batch)
	}
	b.ReportMetric(events*float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(allocs/events, "allocs/event")
}

// BenchmarkMapInto is BenchmarkMap mapping into one reused Result.
func BenchmarkMapInto(b *testing.B) {
	_, batch := loadBenchBatch(b)
	m, err := New(benchSettings())
	if err != nil {
		b.Fatal(err)
	}
	events := float64(len(batch.Events))
	var r Result
	m.MapInto(&r, batch)
	allocs := testing.AllocsPerRun(20, func() { m.MapInto(&r, batch) })
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		m.MapInto(&r, batch)
	}
	b.ReportMetric(events*float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(allocs/events, "allocs/event")
}

// BenchmarkDecodeMapEncode is the forward path end to end: mParticle JSON
// → mparticle.Batch → Map → /users/track JSON.
func BenchmarkDecodeMapEncode(b *testing.B) {
	raw, _ := loadBenchBatch(b)
	m, err := New(benchSettings())
	if err != nil {
		b.Fatal(err)
	}
	var out []byte
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		batch, err := mparticle.DecodeBatch(raw)
		if err != nil {
			b.Fatal(err)
		}
		res := m.Map(batch)
		req := res.TrackRequest()
		out, err = req.AppendJSON(out[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenericDecode decodes the same bytes into map[string]any, the
// baseline of a generic pass-through.
func BenchmarkGenericDecode(b *testing.B) {
	raw, _ := loadBenchBatch(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapWithEventMappings is BenchmarkMap with event-attribute
// mappings configured (by kit hash and by name), as kit configurations
// with "eaa"/"ear"/"eas" settings have them: every attribute of every
// event is looked up.
func BenchmarkMapWithEventMappings(b *testing.B) {
	_, batch := loadBenchBatch(b)
	s := benchSettings()
	s.EventAttributeMappings = []EventAttributeMapping{
		{Action: AddToArray, KitHash: KitAttributeHash(3, "Search", "query"), UserAttribute: "searches"},
		{Action: SetAttribute, KitHash: KitAttributeHash(8, "Wishlist Shared", "channel"), UserAttribute: "last_channel"},
		{Action: AddToArray, EventName: "Search", AttributeKey: "filters", UserAttribute: "filters_used"},
		{Action: RemoveFromArray, EventName: "Unfollowed", AttributeKey: "brand", UserAttribute: "brands"},
	}
	m, err := New(s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Map(batch)
	}
}

// BenchmarkMapOutputFloor rebuilds the output of BenchmarkMap's batch (the
// same property and custom-attribute lists, the same slices, nothing else)
// from a result computed once: what Map costs at least as long as it
// returns braze.Event/Purchase/Attributes with their braze.Properties, one
// exact allocation each. Compare its ns/op and allocations with
// BenchmarkMap's.
func BenchmarkMapOutputFloor(b *testing.B) {
	_, batch := loadBenchBatch(b)
	m, err := New(benchSettings())
	if err != nil {
		b.Fatal(err)
	}
	r := m.Map(batch)
	cloneProps := func(src braze.Properties) braze.Properties {
		if src == nil {
			return nil
		}
		dst := make(braze.Properties, len(src))
		copy(dst, src)
		return dst
	}
	b.ReportAllocs()
	for b.Loop() {
		out := Result{MPID: strconv.FormatInt(batch.MPID.Or(0), 10)}
		out.Events = make([]braze.Event, 0, len(r.Events))
		for _, e := range r.Events {
			e.Properties = cloneProps(e.Properties)
			out.Events = append(out.Events, e)
		}
		out.Purchases = make([]braze.Purchase, 0, len(r.Purchases))
		for _, p := range r.Purchases {
			p.Properties = cloneProps(p.Properties)
			out.Purchases = append(out.Purchases, p)
		}
		out.Attributes = make([]braze.Attributes, 0, len(r.Attributes))
		for _, a := range r.Attributes {
			a.Custom = cloneProps(a.Custom)
			out.Attributes = append(out.Attributes, a)
		}
		_ = out
	}
}
