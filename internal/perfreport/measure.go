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
	// live or not yet swept, from runtime/metrics, read after every
	// garbage collection, when the collected garbage is not yet swept, and
	// at the end): what the process needed, garbage included.
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
	// Procs is GOMAXPROCS during the run.
	Procs int
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
// first so that runs do not pay for each other's garbage, and reads the
// heap metrics after every collection while fn runs (see heapSampler).
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
	sampler := startHeapSampler(gcEvery)
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
		Procs:      runtime.GOMAXPROCS(0),
	}
	return s, err
}

// heapSampler records the largest heap and live heap seen until stop.
//
// It reads the heap metrics once per garbage collection, from a finalizer
// that re-arms itself (armCycleHook), rather than on a ticker: a ticker
// fast enough to catch the peaks wakes a goroutine a thousand times a
// second, and on this 2-core machine that cost about 4% of a core, charged
// to the run being measured. A collection is also when the figures are
// worth reading: the live heap is new, and the heap's object bytes are
// near their peak (the garbage the collection found is not yet swept).
type heapSampler struct {
	mu      sync.Mutex
	stopped bool
	samples []metrics.Sample
	cycles  uint64 // GC cycles completed as of the last read

	peak, live uint64
	// lives holds the live heap of each GC cycle that ended during the
	// run (a read that finds the cycle count moved; several cycles between
	// two reads count once).
	lives []uint64

	done chan struct{}
	wg   sync.WaitGroup
}

// startHeapSampler starts reading the heap metrics after every garbage
// collection, and collects garbage (then reads) every gcEvery (0: never).
func startHeapSampler(gcEvery time.Duration) *heapSampler {
	h := &heapSampler{
		done:    make(chan struct{}),
		samples: []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}, {Name: cyclesMetric}},
	}
	// The first reading only sets the cycle count the run starts from: the
	// cycle it finds ended before the run. Nothing else reads h yet.
	h.readLocked()
	h.lives = h.lives[:0]
	h.armCycleHook()
	if gcEvery > 0 {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			t := time.NewTicker(gcEvery)
			defer t.Stop()
			for {
				select {
				case <-h.done:
					return
				case <-t.C:
					runtime.GC()
					h.read()
				}
			}
		}()
	}
	return h
}

// cycleSentinel is garbage from birth: its finalizer runs after the
// collection that finds it. The pointer field keeps it out of the tiny
// allocator, whose blocks may never be finalized.
type cycleSentinel struct {
	h *heapSampler
	_ [16]byte
}

// armCycleHook has h read the metrics after the next collection, and arm
// itself again, until stop.
func (h *heapSampler) armCycleHook() {
	runtime.SetFinalizer(&cycleSentinel{h: h}, func(s *cycleSentinel) {
		if s.h.read() {
			s.h.armCycleHook()
		}
	})
}

// read takes one reading; false once h is stopped (nothing is read then).
func (h *heapSampler) read() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	h.readLocked()
	return true
}

func (h *heapSampler) readLocked() {
	metrics.Read(h.samples)
	if h.samples[0].Value.Kind() == metrics.KindUint64 {
		h.peak = max(h.peak, h.samples[0].Value.Uint64())
	}
	if h.samples[1].Value.Kind() != metrics.KindUint64 {
		return
	}
	v := h.samples[1].Value.Uint64()
	h.live = max(h.live, v)
	if h.samples[2].Value.Kind() == metrics.KindUint64 {
		if c := h.samples[2].Value.Uint64(); c != h.cycles {
			// A cycle ended since the last read: v is its live heap.
			h.lives = append(h.lives, v)
			h.cycles = c
		}
	}
}

// stop takes a last reading, ends sampling and returns the peaks and each
// GC cycle's live heap. A hook still armed finds h stopped and lapses.
func (h *heapSampler) stop() (peak, live uint64, lives []uint64) {
	close(h.done)
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.readLocked()
	h.stopped = true
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
