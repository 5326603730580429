package perfreport

import "time"

// Row is one measured run: a path or a baseline over part of the workload.
type Row struct {
	// Name names the path and its server, e.g. "forward → brazetest".
	Name string
	// Note says what the run includes, for the table's footnotes.
	Note string
	// Inputs counts the input units given to the path (mParticle batches,
	// Currents bodies, audience messages) and Events the events (or
	// profiles) in them.
	Inputs, Events int
	// Produced counts the output objects the path created (Braze objects,
	// or mParticle batches for Currents); Delivered those the server
	// accepted and Failed those reported failed. A correct run has
	// Produced = Delivered + Failed, and Failed = 0 on this workload.
	Produced, Delivered, Failed int
	// Confirmed counts the objects the server itself reports as accepted
	// (brazetest, mparticletest), or -1 when the server does not count
	// them (the sink).
	Confirmed int
	// Skipped counts inputs that produced nothing, by the path's rules
	// (Currents events without an external user id).
	Skipped int
	// Requests counts HTTP requests sent to the server.
	Requests int
	// SustainedRequests and SustainedObjects count the requests completed
	// while input was still arriving (before Close) and the objects they
	// carried: packing under sustained load, without the final drain,
	// which sends what is left in partly filled requests by design. Zero
	// when the path does not report it.
	SustainedRequests, SustainedObjects int
	// Cap is the most objects one request may carry (75 for
	// /users/track, 100 batches for /bulkevents); 0 when packing does not
	// apply.
	Cap int
	// BestRequests is the fewest requests the limits allow for the
	// objects delivered, in the order the path must keep them (Currents:
	// each feed's batches in order, at most Cap batches and ByteCap bytes
	// of body per request); 0 when not computed.
	BestRequests int
	// BodyBytes counts the request body bytes the server received, and
	// ByteCap is the most one request body may hold (256 KB for
	// /bulkevents); 0 when not measured.
	BodyBytes, ByteCap int
	// Sample is what the run cost.
	Sample
}

// Objects is the unit the per-object columns divide by: Delivered, or
// Events for a baseline that delivers nothing.
func (r Row) Objects() int {
	if r.Delivered > 0 {
		return r.Delivered
	}
	return r.Events
}

// ObjectsPerSecond is objects per wall-clock second.
func (r Row) ObjectsPerSecond() float64 { return per(float64(r.Objects()), r.Wall.Seconds()) }

// CPUPer100k is CPU seconds per 100,000 objects.
func (r Row) CPUPer100k() float64 { return per(r.CPU.Seconds()*100_000, float64(r.Objects())) }

// CPUPerEvent is CPU time per input event: the unit that compares paths
// with the baselines, which see the same events.
func (r Row) CPUPerEvent() time.Duration {
	if r.Events == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Events)
}

// ObjectsPerCoreSecond is objects per CPU second: the throughput one core
// would sustain.
func (r Row) ObjectsPerCoreSecond() float64 { return per(float64(r.Objects()), r.CPU.Seconds()) }

// AllocsPerObject and BytesPerObject are the allocations per object.
func (r Row) AllocsPerObject() float64 { return per(float64(r.Allocs), float64(r.Objects())) }

// BytesPerObject is heap bytes allocated per object.
func (r Row) BytesPerObject() float64 { return per(float64(r.Bytes), float64(r.Objects())) }

// PerRequest is objects per request.
func (r Row) PerRequest() float64 { return per(float64(r.Delivered+r.Failed), float64(r.Requests)) }

// Packing is objects per request ÷ Cap (0 when Cap is 0).
func (r Row) Packing() float64 {
	if r.Cap == 0 {
		return 0
	}
	return r.PerRequest() / float64(r.Cap)
}

// VsBest is BestRequests ÷ Requests: 1 when the path sent as few
// requests as the limits allow for what it delivered (0 when not
// computed).
func (r Row) VsBest() float64 {
	if r.BestRequests == 0 {
		return 0
	}
	return per(float64(r.BestRequests), float64(r.Requests))
}

// ByteFill is the mean request body ÷ ByteCap: how close requests came to
// the byte cap (0 when not measured).
func (r Row) ByteFill() float64 {
	if r.ByteCap == 0 {
		return 0
	}
	return per(float64(r.BodyBytes), float64(r.Requests)) / float64(r.ByteCap)
}

// SustainedPacking is packing over the requests completed before Close
// (0 when not measured).
func (r Row) SustainedPacking() float64 {
	if r.Cap == 0 || r.SustainedRequests == 0 {
		return 0
	}
	return per(float64(r.SustainedObjects), float64(r.SustainedRequests)) / float64(r.Cap)
}

func per(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
