package perfreport

import (
	"runtime"
	"runtime/metrics"
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
}

// LiveAboveBase is PeakLive − BaseHeap: what the run itself kept alive at
// its peak (queues, requests in flight, server state).
func (s Sample) LiveAboveBase() uint64 {
	if s.PeakLive < s.BaseHeap {
		return 0
	}
	return s.PeakLive - s.BaseHeap
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
	heapMetric = "/memory/classes/heap/objects:bytes"
	liveMetric = "/gc/heap/live:bytes"
)

// Measure runs fn once and returns what it cost. It collects garbage
// first so that runs do not pay for each other's garbage, and samples the
// heap in a goroutine while fn runs.
func Measure(fn func() error) (Sample, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ruBefore := rusageCPU()
	sampler := startHeapSampler(time.Millisecond)
	start := time.Now()

	err := fn()

	wall := time.Since(start)
	peak, live := sampler.stop()
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
	}
	return s, err
}

// heapSampler records the largest heap and live heap seen until stop.
type heapSampler struct {
	done       chan struct{}
	wg         sync.WaitGroup
	peak, live uint64
}

func startHeapSampler(every time.Duration) *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	samples := []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}}
	read := func() {
		metrics.Read(samples)
		if samples[0].Value.Kind() == metrics.KindUint64 {
			h.peak = max(h.peak, samples[0].Value.Uint64())
		}
		if samples[1].Value.Kind() == metrics.KindUint64 {
			h.live = max(h.live, samples[1].Value.Uint64())
		}
	}
	read()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-h.done:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return h
}

// stop ends sampling and returns the peaks.
func (h *heapSampler) stop() (peak, live uint64) {
	close(h.done)
	h.wg.Wait()
	return h.peak, h.live
}
