package perfreport

import (
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"
)

// Sample is what one measured run cost the process.
type Sample struct {
	// Wall is the elapsed time.
	Wall time.Duration
	// CPU is the process's user+sys CPU time (getrusage), every goroutine
	// and the in-process servers included.
	CPU time.Duration
	// Allocs and Bytes are the heap allocations (count and bytes) made
	// during the run (runtime.MemStats Mallocs and TotalAlloc deltas).
	Allocs, Bytes uint64
	// BaseHeap is the live heap right before the run (after a GC): the
	// input and whatever the process held already.
	BaseHeap uint64
	// PeakHeap is the largest heap seen during the run (heap object bytes,
	// live or not yet swept, sampled every millisecond from
	// runtime/metrics): what the process needed, garbage included.
	PeakHeap uint64
	// PeakLive is the largest live heap the GC found during the run
	// (runtime/metrics /gc/heap/live:bytes after each mark): what the run
	// held, without the garbage whose amount depends on GC timing.
	PeakLive uint64
	// MedianLive is the median of the live heaps the GC found during the
	// run, one per GC cycle (/gc/heap/live:bytes as each mark ended): the
	// run's usual level. Unlike PeakLive it does not rise with the number
	// of cycles a run lasts (a longer run has more chances to end a mark
	// at a momentary high), so it compares runs of different lengths.
	MedianLive uint64
	// GCCycles is the number of live-heap figures MedianLive is taken from.
	GCCycles int
}

// LiveAboveBase is PeakLive − BaseHeap: what the run itself kept alive at
// its peak (queues, requests in flight, server state).
func (s Sample) LiveAboveBase() uint64 {
	if s.PeakLive < s.BaseHeap {
		return 0
	}
	return s.PeakLive - s.BaseHeap
}

// MedianLiveAboveBase is MedianLive − BaseHeap: what the run itself
// usually kept alive.
func (s Sample) MedianLiveAboveBase() uint64 {
	if s.MedianLive < s.BaseHeap {
		return 0
	}
	return s.MedianLive - s.BaseHeap
}

// PeakAboveBase is PeakHeap − BaseHeap: what the run itself held at its
// peak (garbage not yet collected included).
func (s Sample) PeakAboveBase() uint64 {
	if s.PeakHeap < s.BaseHeap {
		return 0
	}
	return s.PeakHeap - s.BaseHeap
}

// Metrics sampled: the heap's object bytes (live or not yet swept) and the
// live heap as of the last GC mark.
const (
	heapMetric   = "/memory/classes/heap/objects:bytes"
	liveMetric   = "/gc/heap/live:bytes"
	cyclesMetric = "/gc/cycles/total:gc-cycles"
)

// Measure runs fn once and returns what it cost. It collects garbage
// first so that runs do not pay for each other's garbage, and samples the
// heap in a goroutine while fn runs.
func Measure(fn func() error) (Sample, error) { return measure(fn, 0) }

// MeasureHeap is Measure for runs that check memory: it also collects
// garbage every gcEvery while fn runs, so that the live heap is sampled at
// a fixed rate rather than whenever the collector happens to run (a short
// run may see a single cycle, a long one dozens), and runs of different
// lengths compare fairly. The forced collections cost CPU: do not judge
// speed on such a run.
func MeasureHeap(fn func() error, gcEvery time.Duration) (Sample, error) {
	return measure(fn, gcEvery)
}

func measure(fn func() error, gcEvery time.Duration) (Sample, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ruBefore := rusageCPU()
	sampler := startHeapSampler(time.Millisecond, gcEvery)
	start := time.Now()

	err := fn()

	wall := time.Since(start)
	peak, live, lives := sampler.stop()
	ruAfter := rusageCPU()
	runtime.ReadMemStats(&after)
	s := Sample{
		Wall:     wall,
		CPU:      ruAfter - ruBefore,
		Allocs:   after.Mallocs - before.Mallocs,
		Bytes:    after.TotalAlloc - before.TotalAlloc,
		BaseHeap: before.HeapAlloc,
		PeakHeap: max(peak, after.HeapAlloc),
		PeakLive: live,

		MedianLive: median(lives),
		GCCycles:   len(lives),
	}
	return s, err
}

// heapSampler records the largest heap and live heap seen until stop.
type heapSampler struct {
	done       chan struct{}
	wg         sync.WaitGroup
	peak, live uint64
	// lives holds the live heap of each GC cycle that ended during the
	// run (a read that finds the cycle count moved; several cycles between
	// two reads count once).
	lives []uint64
}

// startHeapSampler reads the heap metrics every every, and collects
// garbage every gcEvery (0: never).
func startHeapSampler(every, gcEvery time.Duration) *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	samples := []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}, {Name: cyclesMetric}}
	var cycles uint64 // GC cycles completed as of the last read
	started := false
	read := func() {
		metrics.Read(samples)
		if samples[0].Value.Kind() == metrics.KindUint64 {
			h.peak = max(h.peak, samples[0].Value.Uint64())
		}
		if samples[1].Value.Kind() != metrics.KindUint64 {
			return
		}
		v := samples[1].Value.Uint64()
		h.live = max(h.live, v)
		if samples[2].Value.Kind() == metrics.KindUint64 {
			if c := samples[2].Value.Uint64(); c != cycles {
				// A cycle ended since the last read: v is its live heap.
				if started {
					h.lives = append(h.lives, v)
				}
				cycles = c
			}
		}
	}
	read()
	started = true
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		var gc <-chan time.Time // nil: never
		if gcEvery > 0 {
			gt := time.NewTicker(gcEvery)
			defer gt.Stop()
			gc = gt.C
		}
		for {
			select {
			case <-h.done:
				read()
				return
			case <-t.C:
				read()
			case <-gc:
				runtime.GC()
				read()
			}
		}
	}()
	return h
}

// stop ends sampling and returns the peaks and each GC cycle's live heap.
func (h *heapSampler) stop() (peak, live uint64, lives []uint64) {
	close(h.done)
	h.wg.Wait()
	return h.peak, h.live, h.lives
}

// median returns the median of vs (the lower middle one for an even
// count), 0 for none. It sorts vs.
func median(vs []uint64) uint64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	return vs[(len(vs)-1)/2]
}
