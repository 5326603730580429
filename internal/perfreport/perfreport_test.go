package perfreport

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// tinyWorkload is small enough for -race: 40 batches of 30 users, 3
// Currents bodies of 20 events, 4 audience messages of 5 profiles.
func tinyWorkload(t *testing.T) *Workload {
	t.Helper()
	w, err := Generate(WorkloadConfig{Batches: 40, Users: 30, CurrentsBodies: 3, CurrentsPerBody: 20,
		AudienceMessages: 4, ProfilesPerMessage: 5})
	require.NoError(t, err)
	return w
}

func TestGenerateIsDeterministicAndDecodes(t *testing.T) {
	a := tinyWorkload(t)
	b := tinyWorkload(t)
	assert.Equal(t, a.Batches, b.Batches, "same seed, same bytes")
	assert.Equal(t, a.Currents, b.Currents)
	assert.Equal(t, a.Audience, b.Audience)
	c, err := Generate(WorkloadConfig{Seed: 99, Batches: 40, Users: 30, CurrentsBodies: 3, CurrentsPerBody: 20,
		AudienceMessages: 4, ProfilesPerMessage: 5})
	require.NoError(t, err)
	assert.NotEqual(t, a.Batches, c.Batches, "another seed, other data")

	kinds := map[mparticle.EventType]int{}
	for i, raw := range a.Batches {
		batch, err := mparticle.DecodeBatch(raw)
		require.NoError(t, err, "batch %d", i)
		require.NoError(t, batch.Validate(), "batch %d", i)
		assert.Len(t, batch.Events, a.BatchEvents[i])
		for _, e := range batch.Events {
			kinds[e.Type]++
		}
	}
	for _, k := range []mparticle.EventType{"custom_event", "screen_view", "commerce_event", "user_attribute_change"} {
		assert.Positive(t, kinds[k], "the workload mixes in %s events", k)
	}
	for i, raw := range a.Audience {
		_, err := mparticle.DecodeAudienceMembershipChangeRequest(raw)
		require.NoError(t, err, "audience message %d", i)
	}
	assert.Equal(t, 60, a.CurrentsEvents)
	assert.Positive(t, a.CurrentsIdentified)
	assert.LessOrEqual(t, a.CurrentsIdentified, a.CurrentsEvents)
}

// TestReportOnTinyWorkload runs the whole report and checks that the
// table has every row and that the counts add up. It asserts no timing.
func TestReportOnTinyWorkload(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	w := tinyWorkload(t)
	o := Options{Batches: 60, HeapScale: 2, NaiveBatches: 10, MaxQueuedObjects: 100, HeapLatency: time.Millisecond, Repeats: 3,
		PacedDuration: 50 * time.Millisecond, PacedRate: 20_000, PacedRepeats: 3}
	var progress []string
	rep, err := Run(context.Background(), w, o, func(s string) { progress = append(progress, s) })
	require.NoError(t, err)
	runs := 16 // three one-core paced runs; the other paced run only where GOMAXPROCS > 1
	if runtime.GOMAXPROCS(0) > 1 {
		runs++
	}
	assert.Len(t, progress, runs, "one progress line per run, forward → sink three times")

	// forward → sink ran three times; its row is one of them, the one in
	// the middle by CPU per object.
	require.Len(t, rep.ForwardSinkRuns, 3)
	cheaper, costlier := 0, 0
	for _, run := range rep.ForwardSinkRuns {
		assert.Equal(t, rep.ForwardSink.Delivered, run.Delivered, "every repeat sends the same objects")
		switch c := run.CPUPer100k(); {
		case c < rep.ForwardSink.CPUPer100k():
			cheaper++
		case c > rep.ForwardSink.CPUPer100k():
			costlier++
		}
	}
	assert.Contains(t, rep.ForwardSinkRuns, rep.ForwardSink, "the row is a real run")
	assert.LessOrEqual(t, cheaper, 1, "at most one run cheaper than the median")
	assert.LessOrEqual(t, costlier, 1, "at most one run costlier than the median")

	// What the mapper makes of the batches the runs send: the objects
	// the forward rows must have produced and delivered.
	perBatch, err := objectsPerBatch(w)
	require.NoError(t, err)
	expected := func(n int) int {
		total := 0
		for i := range n {
			total += perBatch[i%len(perBatch)]
		}
		return total
	}
	for _, tc := range []struct {
		row     Row
		batches int
	}{{rep.Forward, 60}, {rep.ForwardSink, 60}, {rep.ForwardHeap, 120}, {rep.ForwardLarge, 240}, {rep.Naive, 10}} {
		row := tc.row
		want := expected(tc.batches)
		assert.Equal(t, tc.batches, row.Inputs, row.Name)
		assert.Equal(t, w.Events(tc.batches), row.Events, row.Name)
		assert.Equal(t, want, row.Produced, "%s: produced = what the mapper makes", row.Name)
		assert.Equal(t, want, row.Delivered, "%s: delivered = produced", row.Name)
		assert.Zero(t, row.Failed, row.Name)
		assert.Positive(t, row.Requests, row.Name)
		assert.Positive(t, row.CPU, row.Name)
		assert.Positive(t, row.Allocs, row.Name)
		assert.Positive(t, row.PeakHeap, row.Name)
		assert.Greater(t, row.Packing(), 0.0, row.Name)
		assert.LessOrEqual(t, row.Packing(), 1.0, row.Name)
	}
	assert.Equal(t, rep.Forward.Delivered, rep.Forward.Confirmed, "brazetest stored every delivered object")
	assert.Equal(t, rep.Naive.Delivered, rep.Naive.Requests, "naive: one request per object")
	assert.Equal(t, rep.Naive.Delivered, rep.Naive.Confirmed)
	assert.Equal(t, -1, rep.ForwardSink.Confirmed, "the sink does not count objects")

	cur := rep.Currents
	assert.Equal(t, w.CurrentsEvents, cur.Events)
	assert.Equal(t, w.CurrentsIdentified, cur.Produced, "one mParticle batch per identified Currents event")
	assert.Equal(t, w.CurrentsIdentified, cur.Delivered)
	assert.Equal(t, w.CurrentsIdentified, cur.Confirmed, "mparticletest accepted every batch")
	assert.Equal(t, w.CurrentsEvents-w.CurrentsIdentified, cur.Skipped)
	assert.Positive(t, cur.Requests)
	cs := rep.CurrentsSink
	assert.Equal(t, w.CurrentsIdentified, cs.Produced)
	assert.Equal(t, w.CurrentsIdentified, cs.Delivered)
	assert.Equal(t, -1, cs.Confirmed)
	assert.Positive(t, cs.Requests)
	best, err := CurrentsBestRequests(w)
	require.NoError(t, err)
	slow := rep.CurrentsSlow
	assert.Equal(t, "currents → slow sink (1ms)", slow.Name)
	assert.Equal(t, w.CurrentsIdentified, slow.Produced)
	assert.Equal(t, w.CurrentsIdentified, slow.Delivered)
	assert.Positive(t, slow.Requests)
	for _, row := range []Row{cur, cs, slow} {
		assert.Equal(t, best, row.BestRequests, "%s: the fewest requests the limits allow", row.Name)
		assert.LessOrEqual(t, row.BestRequests, row.Requests, "%s: no run beats the best", row.Name)
		assert.Equal(t, mparticle.MaxRequestBytes, row.ByteCap, row.Name)
		assert.Greater(t, row.ByteFill(), 0.0, "%s: body bytes counted", row.Name)
		assert.LessOrEqual(t, row.ByteFill(), 1.0, row.Name)
	}

	aud := rep.Audience
	assert.Equal(t, w.AudienceProfiles, aud.Events)
	assert.Positive(t, aud.Produced)
	assert.Equal(t, aud.Produced, aud.Delivered)
	assert.Equal(t, aud.Delivered, aud.Confirmed)

	pt := rep.PassThrough
	assert.Equal(t, w.Events(60), pt.Events)
	assert.Zero(t, pt.Delivered, "the pass-through delivers nothing")
	assert.Positive(t, pt.CPU)

	assert.Equal(t, w.Events(60), rep.Micro.Events)
	assert.Positive(t, rep.Micro.Typed.CPU)
	assert.Positive(t, rep.Micro.Generic.CPU)
	assert.Positive(t, rep.Micro.GenericDecode.CPU)

	paced := rep.ForwardPaced
	require.Len(t, rep.ForwardPacedRuns, 3)
	assert.Contains(t, rep.ForwardPacedRuns, paced, "the row is a real run")
	above, below := 0, 0
	for _, run := range rep.ForwardPacedRuns {
		switch s := run.CoreShare(); {
		case s > paced.CoreShare():
			above++
		case s < paced.CoreShare():
			below++
		}
	}
	assert.LessOrEqual(t, above, 1, "the row is the median run by share of a core")
	assert.LessOrEqual(t, below, 1, "the row is the median run by share of a core")
	assert.Equal(t, "forward → sink, paced at 20000 objects/s, GOMAXPROCS=1", paced.Name)
	assert.Equal(t, 1, paced.Procs, "the target's run is on one core")
	assert.Equal(t, paced.Produced, paced.Delivered)
	assert.GreaterOrEqual(t, paced.Delivered, 1000, "20,000 objects/s for 50 ms")
	assert.Positive(t, paced.CoreShare())
	// A second paced run at the process's GOMAXPROCS, when that is more
	// than one core (it is on CI's two).
	rows, checks := 11, 5+10
	if procs := runtime.GOMAXPROCS(0); procs > 1 {
		all := rep.ForwardPacedAll
		assert.Equal(t, fmt.Sprintf("forward → sink, paced at 20000 objects/s, GOMAXPROCS=%d", procs), all.Name)
		assert.Equal(t, procs, all.Procs)
		assert.Equal(t, all.Produced, all.Delivered)
		rows, checks = rows+1, checks+1
	} else {
		assert.Empty(t, rep.ForwardPacedAll.Name)
	}

	var out bytes.Buffer
	require.NoError(t, rep.Print(&out))
	text := out.String()
	for _, row := range rep.Rows() {
		assert.Contains(t, text, row.Name, "the table has a row for %s", row.Name)
	}
	assert.Len(t, rep.Rows(), rows)
	for _, want := range []string{"objects/s", "CPU-s/100k obj", "allocs/obj", "B/obj", "peak heap", "peak live", "requests", "packing", "sustained",
		"vs (a) generic pass-through", "vs (b) naive", "the median of 3 runs", "typed ÷ generic CPU", "generic decode only", "targets:",
		"requests vs the fewest the limits allow", "currents → sink: ", " at best (", "of the 256 KB byte cap"} {
		assert.Contains(t, text, want)
	}
	names := map[string]bool{}
	for _, c := range rep.Checks {
		names[c.Name] = true
		assert.Contains(t, text, c.Name)
		if strings.HasPrefix(c.Name, "every object delivered once") {
			assert.True(t, c.Pass, "%s: %s", c.Name, c.Detail)
		}
	}
	assert.Len(t, rep.Checks, checks, "five targets and one delivery check per delivering row")
	assert.True(t, names["forward path paced at 20000 objects/s on one core takes under 25% of it"], "the paced target is checked")
}

func TestRowArithmetic(t *testing.T) {
	r := Row{Events: 10, Delivered: 150, Requests: 2, Cap: 75}
	r.CPU = 3_000_000 // 3 ms
	r.Wall = 1_000_000_000
	r.Allocs, r.Bytes = 300, 15000
	assert.InDelta(t, 150, r.ObjectsPerSecond(), 1e-9)
	assert.InDelta(t, 2.0, r.CPUPer100k(), 1e-9)
	assert.InDelta(t, 50_000, r.ObjectsPerCoreSecond(), 1e-6)
	assert.InDelta(t, 2, r.AllocsPerObject(), 1e-9)
	assert.InDelta(t, 100, r.BytesPerObject(), 1e-9)
	assert.InDelta(t, 75, r.PerRequest(), 1e-9)
	assert.InDelta(t, 1.0, r.Packing(), 1e-9)
	assert.Equal(t, int64(300_000), int64(r.CPUPerEvent()))

	r.BestRequests, r.BodyBytes, r.ByteCap = 1, 100_000, 200_000
	assert.InDelta(t, 0.5, r.VsBest(), 1e-9, "1 request at best, 2 sent")
	assert.InDelta(t, 0.25, r.ByteFill(), 1e-9, "50,000 bytes a request of 200,000")

	empty := Row{}
	assert.Zero(t, empty.VsBest())
	assert.Zero(t, empty.ByteFill())
	assert.Zero(t, empty.ObjectsPerSecond())
	assert.Zero(t, empty.Packing())
	assert.Zero(t, empty.CPUPerEvent())

	s := Sample{BaseHeap: 10, PeakHeap: 4}
	assert.Zero(t, s.PeakAboveBase(), "never negative")
}

func TestFewestRequests(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		sizes                []int
		maxObjects, maxBytes int
		want                 int
	}{
		{"none", nil, 100, 1000, 0},
		{"count cap", []int{1, 1, 1, 1, 1}, 2, 1000, 3},
		{"exactly full", []int{1, 1, 1, 1}, 2, 1000, 2},
		// [a,b] is 2+4+1+4 = 11 bytes: fits 11, not 10.
		{"byte cap fits exactly", []int{4, 4, 4}, 100, 11, 2},
		{"byte cap one short", []int{4, 4, 4}, 100, 10, 3},
		// Order is kept: 6 then 5 cannot share 12 bytes (14), 5 and 1 can.
		{"order kept", []int{6, 5, 1, 6}, 100, 12, 3},
		{"object over the byte cap takes its own", []int{1, 50, 1}, 100, 20, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fewestRequests(tc.sizes, tc.maxObjects, tc.maxBytes))
		})
	}
}

// TestCurrentsBestRequests holds the figure to the count cap on a
// workload where each feed has more than 100 batches (small batches: the
// byte cap never binds), counting each feed's batches independently.
func TestCurrentsBestRequests(t *testing.T) {
	w, err := Generate(WorkloadConfig{Batches: 10, Users: 50, CurrentsBodies: 30, CurrentsPerBody: 20,
		AudienceMessages: 1, ProfilesPerMessage: 1})
	require.NoError(t, err)
	perFeed := map[mapping.CurrentsFeed]int{}
	m := mapping.NewCurrentsMapper(mapping.CurrentsOptions{})
	for _, body := range w.Currents {
		events, err := currents.DecodeBody(body)
		require.NoError(t, err)
		res := m.Map(events)
		for _, cb := range res.Batches {
			perFeed[cb.Feed]++
		}
	}
	want, total := 0, 0
	for feed, n := range perFeed {
		assert.Greater(t, n, mparticle.MaxBatchesPerRequest, "%s: more than one request's worth", feed)
		want += (n + mparticle.MaxBatchesPerRequest - 1) / mparticle.MaxBatchesPerRequest
		total += n
	}
	require.Equal(t, w.CurrentsIdentified, total)
	got, err := CurrentsBestRequests(w)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Greater(t, got, (total+99)/100, "feeds cannot share a request")
}

func TestMedianByCPU(t *testing.T) {
	run := func(name string, cpuMillis int) Row {
		r := Row{Name: name, Delivered: 100_000}
		r.CPU = time.Duration(cpuMillis) * time.Millisecond
		return r
	}
	a, b, c, d := run("a", 300), run("b", 500), run("c", 200), run("d", 400)
	assert.Equal(t, "a", medianByCPU([]Row{a, b, c}).Name, "odd count: the middle run")
	assert.Equal(t, "d", medianByCPU([]Row{a, b, c, d}).Name, "even count: the costlier middle run")
	assert.Equal(t, "b", medianByCPU([]Row{b}).Name)
	assert.Zero(t, medianByCPU(nil).Name)
	runs := []Row{b, a, c}
	medianByCPU(runs)
	assert.Equal(t, []Row{b, a, c}, runs, "the runs keep their order")
	assert.Equal(t, "0.500, 0.300, 0.200", cpuFigures(runs))
}

// TestMedianByShare: the paced runs' median is taken by share of a core
// (CPU over wall time), which a run's CPU per object need not order the
// same way when the runs' lengths differ.
func TestMedianByShare(t *testing.T) {
	run := func(name string, cpuMillis, wallMillis, objects int) Row {
		return Row{Name: name, Delivered: objects, Sample: Sample{CPU: time.Duration(cpuMillis) * time.Millisecond, Wall: time.Duration(wallMillis) * time.Millisecond}}
	}
	// Shares 20%, 30%, 25%; per object b is the cheapest (it sent more).
	a, b, c := run("a", 600, 3000, 200_000), run("b", 900, 3000, 400_000), run("c", 750, 3000, 200_000)
	runs := []Row{a, b, c}
	assert.Equal(t, "c", medianBy(runs, Row.CoreShare).Name)
	assert.Equal(t, "a", medianByCPU(runs).Name)
	assert.Equal(t, "20.0%, 30.0%, 25.0%", shareFigures(runs))
}

func TestCalibrateSizesTheRun(t *testing.T) {
	w := tinyWorkload(t)
	n, err := Calibrate(context.Background(), w, time.Second, Options{MaxQueuedObjects: 1000})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 100, "never below 100 batches")
}

func TestMedianOfLiveHeaps(t *testing.T) {
	assert.Zero(t, median(nil))
	assert.Equal(t, uint64(7), median([]uint64{7}))
	assert.Equal(t, uint64(3), median([]uint64{9, 3, 1, 4}), "the lower middle one for an even count")
	assert.Equal(t, uint64(4), median([]uint64{9, 3, 4, 1, 5}))
}

// TestMeasureHeapSamplesAtAFixedRate checks that MeasureHeap collects
// garbage while fn runs, so that even a run that allocates nothing sees
// several live-heap figures.
func TestMeasureHeapSamplesAtAFixedRate(t *testing.T) {
	hold := make([]byte, 1<<20) // something live above the base
	s, err := MeasureHeap(func() error {
		time.Sleep(120 * time.Millisecond)
		return nil
	}, 10*time.Millisecond)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, s.GCCycles, 2, "a GC every 10 ms over 120 ms")
	assert.NotZero(t, s.MedianLive)
	assert.LessOrEqual(t, s.MedianLive, s.PeakLive)
	assert.GreaterOrEqual(t, s.MedianLive, uint64(len(hold)), "hold is live in every cycle")
	runtime.KeepAlive(hold)
}

// TestMeasureReadsTheHeapAfterEachCollection checks that Measure, which
// has no ticker, still reads the heap after the collections a run causes,
// and that the finalizer hook lapses once the run is measured.
func TestMeasureReadsTheHeapAfterEachCollection(t *testing.T) {
	var keep [][]byte
	s, err := Measure(func() error {
		for range 4 {
			runtime.GC()
		}
		// Garbage, and something live above the base.
		for i := range 2000 {
			b := make([]byte, 4096)
			if i%4 == 0 {
				keep = append(keep, b)
			}
		}
		runtime.GC()
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, s.GCCycles, 2, "five collections, each read by the hook (two in a row may count once); without it only the last reading counts one")
	assert.GreaterOrEqual(t, s.PeakLive, s.BaseHeap+uint64(400*4096), "the kept 2 MB were live at the last collection")
	assert.GreaterOrEqual(t, s.PeakHeap, s.PeakLive)

	h := startHeapSampler(0)
	_, _, lives := h.stop()
	n := len(lives)
	runtime.GC()
	runtime.GC()
	h.mu.Lock()
	assert.Len(t, h.lives, n, "no reading after stop")
	h.mu.Unlock()
	runtime.KeepAlive(keep)
}
