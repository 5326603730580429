package perfreport

import (
	"fmt"
	"strings"
)

// Targets of the performance issue.
const (
	// TargetObjectsPerCoreSecond is the forward path's floor: Braze's
	// workspace ceiling (75,000 objects/s) with 4× headroom on one core.
	TargetObjectsPerCoreSecond = 300_000
	// TargetTypedVsGeneric is the most typed decode+map+encode may cost
	// relative to generic decode+encode of the same bytes.
	TargetTypedVsGeneric = 1.0
	// TargetPacking is the least packing efficiency under sustained load.
	TargetPacking = 0.99
	// TargetCeilingCoreShare is the most of one core the forward path may
	// take with its input paced at Braze's ceiling (BrazeCeiling), run on
	// one core (GOMAXPROCS=1).
	TargetCeilingCoreShare = 0.25
	// TargetHeapGrowth is the most the peak live heap (above the pre-run
	// heap) may grow when the run sends HeapScale times more objects:
	// bounded memory means about 1.0; 1.5 leaves room for GC timing.
	TargetHeapGrowth = 1.5
)

// Check is one evaluated target.
type Check struct {
	// Name says what is checked.
	Name string
	// Pass reports whether the target is met.
	Pass bool
	// Detail gives the figures behind the verdict.
	Detail string
}

// evaluate checks the report against the targets and the delivery
// invariants.
func (r *Report) evaluate() []Check {
	var cs []Check
	fs := r.ForwardSink
	cs = append(cs, Check{
		Name: "forward path ≥ 300,000 objects/s per core (CPU ≤ 0.333 s per 100k objects)",
		Pass: fs.ObjectsPerCoreSecond() >= TargetObjectsPerCoreSecond,
		Detail: fmt.Sprintf("to sink: %.0f objects/core-s (%.3f CPU-s/100k, the median of %d runs: %s); to brazetest (its validation included): %.0f objects/core-s (%.3f CPU-s/100k)",
			fs.ObjectsPerCoreSecond(), fs.CPUPer100k(), len(r.ForwardSinkRuns), cpuFigures(r.ForwardSinkRuns),
			r.Forward.ObjectsPerCoreSecond(), r.Forward.CPUPer100k()),
	})
	if p := r.ForwardPaced; p.Name != "" {
		all := ""
		if a := r.ForwardPacedAll; a.Name != "" {
			all = fmt.Sprintf("; at GOMAXPROCS=%d the same load took %.1f%% of a core (%.3f CPU-s/100k): idle threads woken for each burst", a.Procs, 100*a.CoreShare(), a.CPUPer100k())
		}
		cs = append(cs, Check{
			Name: fmt.Sprintf("forward path paced at %.0f objects/s on one core takes under %.0f%% of it", r.Options.PacedRate, 100*TargetCeilingCoreShare),
			Pass: p.CoreShare() <= TargetCeilingCoreShare,
			Detail: fmt.Sprintf("GOMAXPROCS=1: %.1f%% of a core, the median of %d runs (%s): %.3f CPU-s over %.3f s, %d objects at %.0f objects/s (%.3f CPU-s/100k, against %.3f flat out)%s",
				100*p.CoreShare(), len(r.ForwardPacedRuns), shareFigures(r.ForwardPacedRuns), p.CPU.Seconds(), p.Wall.Seconds(), p.Delivered, p.ObjectsPerSecond(), p.CPUPer100k(), fs.CPUPer100k(), all),
		})
	}
	cs = append(cs, Check{
		Name: "typed decode+map+encode ≤ generic decode+encode (same bytes, no HTTP)",
		Pass: r.Micro.Ratio() <= TargetTypedVsGeneric,
		Detail: fmt.Sprintf("typed %s/event, generic %s/event: ratio %.2f",
			r.Micro.PerEvent(r.Micro.Typed), r.Micro.PerEvent(r.Micro.Generic), r.Micro.Ratio()),
	})
	packRows := []Row{r.Forward, r.ForwardSink}
	if r.ForwardLarge.Name != "" {
		packRows = append(packRows, r.ForwardHeap, r.ForwardLarge)
	}
	minPack, measured, detail := 1.0, false, ""
	for _, row := range packRows {
		if row.SustainedRequests == 0 {
			detail += row.Name + ": no request completed before Close (run too short); "
			continue
		}
		measured = true
		minPack = min(minPack, row.SustainedPacking())
		minReqs := (row.Delivered + row.Cap - 1) / max(row.Cap, 1)
		detail += fmt.Sprintf("%s %.4f while input arrived (%d requests, %d objects), %.4f with the final drain (%d requests for %d objects, %d at best); ",
			row.Name, row.SustainedPacking(), row.SustainedRequests, row.SustainedObjects, row.Packing(), row.Requests, row.Delivered, minReqs)
	}
	cs = append(cs, Check{
		Name:   "packing efficiency ≥ 0.99 under sustained load (requests completed before Close)",
		Pass:   measured && minPack >= TargetPacking,
		Detail: detail[:max(0, len(detail)-2)],
	})
	if r.ForwardLarge.Name != "" {
		small, large := r.ForwardHeap.LiveAboveBase(), r.ForwardLarge.LiveAboveBase()
		growth := per(float64(large), float64(small))
		cs = append(cs, Check{
			Name: fmt.Sprintf("memory does not grow with objects sent (queue full: slow sink; ×%d objects: peak live heap ≤ %.1f×)", r.Options.HeapScale, TargetHeapGrowth),
			Pass: small > 0 && growth <= TargetHeapGrowth,
			Detail: fmt.Sprintf("live heap above the input, peak (median) of a GC every %s: %d objects %s (%s, %d cycles), %d objects %s (%s, %d cycles), growth %.2f× (queue bound %d objects); peak heap with garbage: %s and %s",
				heapGCEvery, r.ForwardHeap.Delivered, mib(small), mib(r.ForwardHeap.MedianLiveAboveBase()), r.ForwardHeap.GCCycles,
				r.ForwardLarge.Delivered, mib(large), mib(r.ForwardLarge.MedianLiveAboveBase()), r.ForwardLarge.GCCycles,
				growth, r.Options.MaxQueuedObjects,
				mib(r.ForwardHeap.PeakAboveBase()), mib(r.ForwardLarge.PeakAboveBase())),
		})
	}
	for _, row := range r.Rows() {
		if row.Produced == 0 && row.Delivered == 0 {
			continue // a baseline that delivers nothing
		}
		ok := row.Produced == row.Delivered+row.Failed && row.Failed == 0 &&
			(row.Confirmed < 0 || row.Confirmed == row.Delivered)
		confirmed := "not counted by the server"
		if row.Confirmed >= 0 {
			confirmed = fmt.Sprintf("server stored %d", row.Confirmed)
		}
		cs = append(cs, Check{
			Name:   "every object delivered once: " + row.Name,
			Pass:   ok,
			Detail: fmt.Sprintf("produced %d, delivered %d, failed %d, %s", row.Produced, row.Delivered, row.Failed, confirmed),
		})
	}
	return cs
}

// Passed reports whether every check passed.
func (r *Report) Passed() bool {
	for _, c := range r.Checks {
		if !c.Pass {
			return false
		}
	}
	return true
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// cpuFigures lists each run's CPU-s per 100k objects, in run order.
func cpuFigures(runs []Row) string {
	return runFigures(runs, func(r Row) string { return fmt.Sprintf("%.3f", r.CPUPer100k()) })
}

// shareFigures lists the share of a core of each run, in run order.
func shareFigures(runs []Row) string {
	return runFigures(runs, func(r Row) string { return fmt.Sprintf("%.1f%%", 100*r.CoreShare()) })
}

// runFigures lists figure(run) for each run, in run order.
func runFigures(runs []Row, figure func(Row) string) string {
	figs := make([]string, len(runs))
	for i, run := range runs {
		figs[i] = figure(run)
	}
	return strings.Join(figs, ", ")
}
