package perfreport

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// BrazeCeiling is Braze's documented ceiling for one workspace, in
// objects per second: 3,000 /users/track requests per 3 s × 75 objects.
const BrazeCeiling = 75_000

// pacingSlack is how far ahead of its schedule the paced run's feeder may
// get before it sleeps: it feeds in bursts of about 5 ms of input (375
// objects at the ceiling), as a consumer polling a queue would, rather
// than sleeping between batches. Its own wake-ups are charged to the run:
// with 1 ms bursts the run took 45–46% of a core, with 5 ms 36–39%, with
// 20 ms 36–37% (two runs each, same minutes).
const pacingSlack = 5 * time.Millisecond

// RunForwardPaced forwards the workload's batches through a Kit to the
// sink at rate Braze objects per second for about d, then closes the kit
// (inside the measured time): the forward path at a given load rather
// than flat out. One goroutine feeds the batches on schedule (by the
// objects each batch maps to), and the client's rate limiter is on, at
// Braze's default limits, as in production.
//
// procs, when positive, is the GOMAXPROCS the run is made at (restored
// afterwards; it applies to the whole process, so nothing else may run
// meanwhile): 1 measures the "on one core" literally. Zero or less
// keeps the process's setting.
//
// Its CPU divided by its wall time is the share of a core the load takes.
// That share is what the "under 25% of a core at the ceiling"
// names; it is not the flat-out cost per object scaled down: a run that
// idles between bursts pays goroutine wake-ups that a saturated one
// spreads over more work: on one core, twenty reports (2026-11-29,
// 08:44–08:53 UTC, the median of three paced runs each) put it at
// 0.92–1.61 times the flat-out cost per object, median 1.17, and on two
// cores it costs more again.
func RunForwardPaced(ctx context.Context, w *Workload, rate float64, d time.Duration, procs int, o Options) (Row, error) {
	o = o.withDefaults()
	if rate <= 0 || d <= 0 {
		return Row{}, fmt.Errorf("perfreport: paced run: rate %g and duration %s must be positive", rate, d)
	}
	perBatch, err := objectsPerBatch(w)
	if err != nil {
		return Row{}, err
	}
	if total := sumInts(perBatch); total == 0 {
		// Nothing would move the schedule on: the feeder would never stop.
		return Row{}, fmt.Errorf("perfreport: paced run: the workload's %d batches map to no Braze object", len(perBatch))
	}
	if procs > 0 {
		// Set before the sink and the kit start, restored after they stop
		// (defers run in reverse), so that the whole run is on procs Ps.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	}
	srv, err := startBraze(Sink, 0)
	if err != nil {
		return Row{}, err
	}
	defer srv.close()
	k, err := newKitLimited(srv, o, mapping.AudienceSettings{}, braze.DefaultRateLimits())
	if err != nil {
		return Row{}, err
	}
	target := int(rate * d.Seconds())
	n, objects := 0, 0
	sample, err := Measure(func() error {
		start := time.Now()
		var ferr error
		for objects < target {
			due := start.Add(time.Duration(float64(objects) / rate * float64(time.Second)))
			if ahead := time.Until(due); ahead > pacingSlack {
				time.Sleep(ahead)
			}
			i := n % len(w.Batches)
			if ferr = k.ForwardJSON(ctx, w.Batches[i]); ferr != nil {
				break
			}
			n++
			objects += perBatch[i]
		}
		_, cerr := k.Close(ctx)
		return errors.Join(ferr, cerr)
	})
	if err != nil {
		return Row{}, fmt.Errorf("perfreport: forward → sink, paced: %w", err)
	}
	name := fmt.Sprintf("forward → sink, paced at %.0f objects/s", rate)
	if procs > 0 {
		name += fmt.Sprintf(", GOMAXPROCS=%d", procs)
	}
	return kitRow(name, n, w.Events(n), k, srv, sample), nil
}

// CoreShare is the row's CPU time over its wall time: the share of one
// core the run took (above 1 when it used more than one).
func (r Row) CoreShare() float64 { return per(r.CPU.Seconds(), r.Wall.Seconds()) }

// objectsPerBatch maps every batch of the pool once and counts the Braze
// objects each becomes, so that a paced run can keep to a rate in objects.
func objectsPerBatch(w *Workload) ([]int, error) {
	m, err := mapping.New(MappingSettings())
	if err != nil {
		return nil, err
	}
	out := make([]int, len(w.Batches))
	for i, raw := range w.Batches {
		b, err := mparticle.DecodeBatch(raw)
		if err != nil {
			return nil, fmt.Errorf("perfreport: workload batch %d: %w", i, err)
		}
		out[i] = m.Map(b).Len()
	}
	return out, nil
}

func sumInts(xs []int) int {
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}
