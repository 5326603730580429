package braze

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// workloadRequests loads testdata/workload_track.json: four full
// /users/track requests (75 objects each) made of the objects the forward
// path's benchmark workload (internal/perfreport) maps to — attributes with
// a few standard fields and custom attributes, events and purchases with
// 1–10 short properties, about 208 bytes of JSON per object. It is a
// snapshot, so this package's benchmarks measure the encoder on realistic
// objects without depending on the decoder and mapper.
func workloadRequests(b *testing.B) []TrackRequest {
	b.Helper()
	data, err := os.ReadFile("testdata/workload_track.json")
	if err != nil {
		b.Fatal(err)
	}
	var reqs []TrackRequest
	if err := json.Unmarshal(data, &reqs); err != nil {
		b.Fatal(err)
	}
	return reqs
}

// reportPerObject adds ns/obj (wall) and cpu-ns/obj (process CPU, the
// steadier figure on a shared machine) for b.N rounds of objects.
func reportPerObject(b *testing.B, cpuStart time.Duration, objects int) {
	n := float64(b.N * objects)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/obj")
	if used := processCPU() - cpuStart; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/n, "cpu-ns/obj")
	}
}

func countObjects(reqs []TrackRequest) int {
	n := 0
	for i := range reqs {
		n += reqs[i].Len()
	}
	return n
}

// BenchmarkWorkloadAppendValidated is what Client.Track does to a request
// before sending it (validate and encode in one pass), per workload object.
func BenchmarkWorkloadAppendValidated(b *testing.B) {
	reqs := workloadRequests(b)
	objects := countObjects(reqs)
	buf := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		for i := range reqs {
			var err error
			if buf, err = reqs[i].appendValidated(DefaultLimits(), buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPerObject(b, cpu, objects)
}

// BenchmarkWorkloadAppendValidatedCold is BenchmarkWorkloadAppendValidated
// over 64 separately decoded copies of the snapshot (19,200 objects, some
// tens of MB with their maps and strings), so that, as in a forwarder whose
// objects were built a while ago, most of what each request touches is
// not in the CPU caches.
func BenchmarkWorkloadAppendValidatedCold(b *testing.B) {
	var reqs []TrackRequest
	for range 64 {
		reqs = append(reqs, workloadRequests(b)...)
	}
	objects := countObjects(reqs) / len(reqs) // per request, all equal
	buf := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		var err error
		if buf, err = reqs[i%len(reqs)].appendValidated(DefaultLimits(), buf[:0]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportPerObject(b, cpu, objects)
}

// BenchmarkWorkloadValidateThenEncode is Validate followed by AppendJSON
// (two passes), as internal/perfreport's BenchmarkEncodeStage measures it.
func BenchmarkWorkloadValidateThenEncode(b *testing.B) {
	reqs := workloadRequests(b)
	objects := countObjects(reqs)
	buf := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		for i := range reqs {
			if err := reqs[i].Validate(DefaultLimits()); err != nil {
				b.Fatal(err)
			}
			var err error
			if buf, err = reqs[i].AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPerObject(b, cpu, objects)
}

// BenchmarkWorkloadClientTrackMinimalServer is Client.Track of the
// workload's requests against a server that only reads the body and answers
// 201: the client's whole per-request cost (plus the server's, which is
// small and fixed).
func BenchmarkWorkloadClientTrackMinimalServer(b *testing.B) {
	srv := minimalTrackServer(b)
	c := benchClient(b, srv.URL, "k")
	reqs := workloadRequests(b)
	objects := countObjects(reqs)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		for i := range reqs {
			if _, err := c.Track(ctx, &reqs[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPerObject(b, cpu, objects)
}

// BenchmarkWorkloadClientPostMinimalServer is the request path alone: post
// of already encoded workload bodies (headers, retry layer, net/http, the
// answer's decoding) to the same minimal server. cpu-ns/obj includes the
// server's share.
func BenchmarkWorkloadClientPostMinimalServer(b *testing.B) {
	srv := minimalTrackServer(b)
	c := benchClient(b, srv.URL, "k")
	reqs := workloadRequests(b)
	objects := countObjects(reqs)
	bodies := make([][]byte, len(reqs))
	for i := range reqs {
		var err error
		if bodies[i], err = reqs[i].AppendJSON(nil); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		for _, body := range bodies {
			var resp TrackResponse
			if err := c.post(ctx, epTrack, body, &resp); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPerObject(b, cpu, objects)
}

// workloadItems returns the objects of reqs as Batcher items, in request
// order (attributes, events, purchases of each request).
func workloadItems(reqs []TrackRequest) []Item {
	var items []Item
	for i := range reqs {
		items = append(items, trackItems(&reqs[i])...)
	}
	return items
}

// benchItemEncode is what Batcher.Add does to its items before queueing
// them (validate and encode each object), 25 items per call as Forward
// adds one mapped batch.
func benchItemEncode(b *testing.B, items []Item) {
	const perAdd = 25
	var enc itemEncoder
	b.ReportAllocs()
	cpu := processCPU()
	i := 0
	for b.Loop() {
		j := i % (len(items) / perAdd) * perAdd
		if err := enc.encode(items[j:j+perAdd], DefaultLimits()); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportPerObject(b, cpu, perAdd)
}

// BenchmarkWorkloadItemEncode is Batcher.Add's validate-and-encode of the
// workload's objects, per object.
func BenchmarkWorkloadItemEncode(b *testing.B) {
	benchItemEncode(b, workloadItems(workloadRequests(b)))
}

// BenchmarkWorkloadItemEncodeCold is BenchmarkWorkloadItemEncode over 64
// separately decoded copies of the snapshot (see
// BenchmarkWorkloadAppendValidatedCold).
func BenchmarkWorkloadItemEncodeCold(b *testing.B) {
	var reqs []TrackRequest
	for range 64 {
		reqs = append(reqs, workloadRequests(b)...)
	}
	benchItemEncode(b, workloadItems(reqs))
}
