package perfreport

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// The benchmarks behind the report's table, one per row, so that
// regressions show up with benchstat:
//
//	go test -run '^$' -bench . -benchtime 5000x -count 6 ./internal/perfreport > new.txt
//	benchstat old.txt new.txt
//
// Profile the same way (the hot spots listed in the report came from these):
//
//	go test -run '^$' -bench ForwardSink -benchtime 20000x -cpuprofile cpu.out ./internal/perfreport
//	go tool pprof -top -cum cpu.out
//
// b.N counts forward batches (about 5 events, 7 Braze objects each), or
// Currents bodies / audience messages for those paths. Each path reports
// objects/s, CPU-s/100k-objects (process CPU, in-process servers
// included) and allocs/object next to the usual ns/op.

var (
	benchOnce     sync.Once
	benchWorkload *Workload
	benchErr      error
)

// workload is the default generated workload, built once per process.
func workload(b *testing.B) *Workload {
	b.Helper()
	benchOnce.Do(func() { benchWorkload, benchErr = Generate(WorkloadConfig{}) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchWorkload
}

func reportRow(b *testing.B, row Row) {
	b.Helper()
	if row.Produced != row.Delivered+row.Failed || row.Failed != 0 {
		b.Fatalf("%s: produced %d, delivered %d, failed %d", row.Name, row.Produced, row.Delivered, row.Failed)
	}
	b.ReportMetric(row.ObjectsPerSecond(), "objects/s")
	b.ReportMetric(row.CPUPer100k(), "CPU-s/100k-obj")
	b.ReportMetric(row.AllocsPerObject(), "allocs/obj")
	if row.Cap > 0 && row.Requests > 0 {
		b.ReportMetric(row.Packing(), "packing")
	}
}

// BenchmarkForwardSink is the forward path (decode → map → batch → encode →
// HTTP) to a server that only answers success: the library's own cost.
func BenchmarkForwardSink(b *testing.B) {
	w := workload(b)
	row, err := RunForward(context.Background(), w, b.N, Sink, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRow(b, row)
}

// BenchmarkForwardBrazetest is the forward path to brazetest, which
// validates every object (its CPU is included).
func BenchmarkForwardBrazetest(b *testing.B) {
	w := workload(b)
	row, err := RunForward(context.Background(), w, b.N, Brazetest, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRow(b, row)
}

// BenchmarkNaiveBrazetest is baseline (b): one /users/track request per
// Braze object.
func BenchmarkNaiveBrazetest(b *testing.B) {
	w := workload(b)
	row, err := RunNaive(context.Background(), w, b.N, Brazetest, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRow(b, row)
}

// BenchmarkCurrents is the Currents path: b.N bodies of 100 events posted
// to the handler, delivered to mparticletest.
func BenchmarkCurrents(b *testing.B) { benchCurrents(b, Brazetest) }

// BenchmarkCurrentsSink is the Currents path to a server that only answers
// 202: the library's own cost.
func BenchmarkCurrentsSink(b *testing.B) { benchCurrents(b, Sink) }

// benchCurrents posts b.N Currents bodies (cycling through the workload's)
// to the handler and delivers them to target.
func benchCurrents(b *testing.B, target Target) {
	base := workload(b)
	w := &Workload{Config: base.Config, CurrentsEvents: b.N * base.Config.CurrentsPerBody}
	for i := range b.N {
		w.Currents = append(w.Currents, base.Currents[i%len(base.Currents)])
	}
	row, err := RunCurrents(context.Background(), w, target, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRow(b, row)
}

// BenchmarkAudience is the audience path: b.N membership messages of 50
// profiles applied through the kit to brazetest.
func BenchmarkAudience(b *testing.B) {
	base := workload(b)
	w := &Workload{Config: base.Config}
	for i := range b.N {
		w.Audience = append(w.Audience, base.Audience[i%len(base.Audience)])
		w.AudienceProfiles += base.Config.ProfilesPerMessage
	}
	row, err := RunAudience(context.Background(), w, Brazetest, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRow(b, row)
}

// BenchmarkTypedDecodeMapEncode is the in-process typed path, per batch:
// mparticle.DecodeBatch → Map → /users/track JSON.
func BenchmarkTypedDecodeMapEncode(b *testing.B) {
	w := workload(b)
	m, err := mapping.New(MappingSettings())
	if err != nil {
		b.Fatal(err)
	}
	var out []byte
	events := 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw := w.Batches[i%len(w.Batches)]
		events += w.BatchEvents[i%len(w.Batches)]
		i++
		batch, err := mparticle.DecodeBatch(raw)
		if err != nil {
			b.Fatal(err)
		}
		req := m.Map(batch).TrackRequest()
		if out, err = req.AppendJSON(out[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkGenericDecodeEncode is baseline (a) per batch: map[string]any
// decode and re-encode with encoding/json.
func BenchmarkGenericDecodeEncode(b *testing.B) {
	w := workload(b)
	events := 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw := w.Batches[i%len(w.Batches)]
		events += w.BatchEvents[i%len(w.Batches)]
		i++
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkGenericDecode is the generic decode alone (the issue quotes
// about 11 µs per event for it).
func BenchmarkGenericDecode(b *testing.B) {
	w := workload(b)
	events := 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		raw := w.Batches[i%len(w.Batches)]
		events += w.BatchEvents[i%len(w.Batches)]
		i++
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// decodedPool decodes every batch of the workload once.
func decodedPool(b *testing.B, w *Workload) []*mparticle.Batch {
	b.Helper()
	out := make([]*mparticle.Batch, len(w.Batches))
	for i, raw := range w.Batches {
		batch, err := mparticle.DecodeBatch(raw)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = batch
	}
	return out
}

// BenchmarkMapStage is mapping.Mapper.Map alone, per batch of the workload.
func BenchmarkMapStage(b *testing.B) {
	w := workload(b)
	batches := decodedPool(b, w)
	m, err := mapping.New(MappingSettings())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i, objects := 0, 0
	cpu := rusageCPU()
	for b.Loop() {
		objects += m.Map(batches[i%len(batches)]).Len()
		i++
	}
	b.ReportMetric(float64((rusageCPU()-cpu).Nanoseconds())/float64(objects), "cpu-ns/obj")
}

// BenchmarkMapStageInto is BenchmarkMapStage mapping every batch into one
// reused mapping.Result with Mapper.MapInto, as the Kit does.
func BenchmarkMapStageInto(b *testing.B) {
	w := workload(b)
	batches := decodedPool(b, w)
	m, err := mapping.New(MappingSettings())
	if err != nil {
		b.Fatal(err)
	}
	var r mapping.Result
	b.ReportAllocs()
	i, objects := 0, 0
	cpu := rusageCPU()
	for b.Loop() {
		m.MapInto(&r, batches[i%len(batches)])
		objects += r.Len()
		i++
	}
	b.ReportMetric(float64((rusageCPU()-cpu).Nanoseconds())/float64(objects), "cpu-ns/obj")
}

// BenchmarkDecodeStage is mparticle.DecodeBatch alone, per batch.
func BenchmarkDecodeStage(b *testing.B) {
	w := workload(b)
	b.ReportAllocs()
	i, events := 0, 0
	for b.Loop() {
		if _, err := mparticle.DecodeBatch(w.Batches[i%len(w.Batches)]); err != nil {
			b.Fatal(err)
		}
		events += w.BatchEvents[i%len(w.Batches)]
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkEncodeStage is braze.TrackRequest Validate + AppendJSON of one
// full 75-object request built from the workload's mapped objects, as
// the client does for each request.
func BenchmarkEncodeStage(b *testing.B) {
	w := workload(b)
	batches := decodedPool(b, w)
	m, err := mapping.New(MappingSettings())
	if err != nil {
		b.Fatal(err)
	}
	var reqs []braze.TrackRequest
	var cur braze.TrackRequest
	n := 0
	push := func() {
		if n++; n == 75 {
			reqs = append(reqs, cur)
			cur, n = braze.TrackRequest{}, 0
		}
	}
	for _, batch := range batches {
		r := m.Map(batch)
		for _, a := range r.Attributes {
			cur.Attributes = append(cur.Attributes, a)
			push()
		}
		for _, e := range r.Events {
			cur.Events = append(cur.Events, e)
			push()
		}
		for _, p := range r.Purchases {
			cur.Purchases = append(cur.Purchases, p)
			push()
		}
	}
	var out []byte
	b.ReportAllocs()
	i, objects := 0, 0
	for b.Loop() {
		req := &reqs[i%len(reqs)]
		i++
		if err := req.Validate(braze.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
		if out, err = req.AppendJSON(out[:0]); err != nil {
			b.Fatal(err)
		}
		objects += len(req.Attributes) + len(req.Events) + len(req.Purchases)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(objects), "ns/obj")
}

// BenchmarkDecodeStageReuse is BenchmarkDecodeStage through one
// mparticle.BatchBuffer (the Kit's decoder), per batch: it reports
// cpu-ns/event (process CPU) like the Map benchmarks.
func BenchmarkDecodeStageReuse(b *testing.B) {
	w := workload(b)
	var bb mparticle.BatchBuffer
	b.ReportAllocs()
	i, events := 0, 0
	cpu := rusageCPU()
	for b.Loop() {
		if _, err := bb.Decode(w.Batches[i%len(w.Batches)]); err != nil {
			b.Fatal(err)
		}
		events += w.BatchEvents[i%len(w.Batches)]
		i++
	}
	b.ReportMetric(float64((rusageCPU()-cpu).Nanoseconds())/float64(events), "cpu-ns/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkBatchSink is the forward path after mapping: the workload's
// Braze objects, mapped once before the timer starts, go through
// braze.Batcher.Add (validate, encode, queue under the lock) → senders → HTTP →
// the sink, configured as the Kit configures it (objects forgotten once
// encoded, rate limits off), from o.Forwarders goroutines with a user's
// batches on one goroutine. Subtracted from BenchmarkForwardSink it shows
// what decoding and mapping cost; per request it is what batching and
// HTTP cost.
func BenchmarkBatchSink(b *testing.B) {
	w := workload(b)
	batches := decodedPool(b, w)
	m, err := mapping.New(MappingSettings())
	if err != nil {
		b.Fatal(err)
	}
	items := make([][]braze.Item, len(batches))
	for i, batch := range batches {
		r := m.Map(batch)
		for j := range r.Attributes {
			items[i] = append(items[i], braze.AttributesItem(&r.Attributes[j]))
		}
		for j := range r.Events {
			items[i] = append(items[i], braze.EventItem(&r.Events[j]))
		}
		for j := range r.Purchases {
			items[i] = append(items[i], braze.PurchaseItem(&r.Purchases[j]))
		}
	}
	row, err := runBatchSink(context.Background(), w, items, b.N, Options{})
	if err != nil {
		b.Fatal(err)
	}
	reportRow(b, row)
}

// runBatchSink adds the objects of the first n batches of w (items[i] are
// batch i's) to a Batcher sending to the sink and closes it, measured.
func runBatchSink(ctx context.Context, w *Workload, items [][]braze.Item, n int, o Options) (Row, error) {
	o = o.withDefaults()
	srv, err := startBraze(Sink, 0)
	if err != nil {
		return Row{}, err
	}
	defer srv.close()
	c, err := braze.NewClient(srv.key, braze.WithBaseURL(srv.url), braze.WithAllowHTTP(),
		braze.WithHTTPClient(loopbackClient()), braze.WithRateLimits(braze.RateLimits{Disabled: true}))
	if err != nil {
		return Row{}, err
	}
	bt, err := braze.NewBatcher(c, braze.BatchOptions{
		MaxQueuedObjects:      o.MaxQueuedObjects,
		MaxConcurrentRequests: o.Concurrency,
		ForgetObjects:         true,
	})
	if err != nil {
		return Row{}, err
	}
	var sustained braze.BatchStats
	sample, err := Measure(func() error {
		ferr := forEachIndex(w, n, o.Forwarders, func(i int) error {
			return bt.Add(ctx, items[i]...)
		})
		sustained = bt.Stats()
		_, cerr := bt.Close(ctx)
		return errors.Join(ferr, cerr)
	})
	if err != nil {
		return Row{}, err
	}
	st := bt.Stats()
	return Row{
		Name:      "batch → sink",
		Inputs:    n,
		Events:    w.Events(n),
		Produced:  int(st.Added),
		Delivered: int(st.Delivered),
		Failed:    int(st.Failed),
		Confirmed: -1,
		Requests:  int(st.Requests),
		Cap:       braze.DefaultLimits().MaxObjects,
		Sample:    sample,

		SustainedRequests: int(sustained.Requests),
		SustainedObjects:  int(sustained.Objects),
	}, nil
}
