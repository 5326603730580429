// Command benchreport measures mpbraze's forward, Currents and audience
// paths end to end in one process (against the in-process fakes on
// loopback), next to a generic pass-through and a naive one-request-per-
// event forwarder on the same generated input, and prints one table with
// the performance targets marked PASS or FAIL.
//
//	go run ./examples/benchreport                 # default run, well under a minute on 2 cores
//	go run ./examples/benchreport -batches 5000   # smaller
//	go run ./examples/benchreport -duration 20s   # size the runs to about this long
//
// It exits 1 when a target is missed, 2 on an error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mpbraze/mpbraze/internal/perfreport"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the report and prints it to stdout; progress and
// errors go to stderr. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		o        perfreport.Options
		wc       perfreport.WorkloadConfig
		duration time.Duration
		quiet    bool
	)
	fs.IntVar(&o.Batches, "batches", perfreport.DefaultBatches, "forward batches per run (N); about 7 Braze objects each")
	fs.IntVar(&o.HeapScale, "heap-scale", perfreport.DefaultHeapScale, "memory check: forward runs of N × this and N × this² batches to a slow sink, peak live heaps compared (negative: skip)")
	fs.DurationVar(&o.HeapLatency, "heap-latency", perfreport.DefaultHeapLatency, "the slow sink's answer delay in the memory runs")
	fs.IntVar(&o.NaiveBatches, "naive-batches", perfreport.DefaultNaiveBatches, "batches for the naive one-request-per-object baseline")
	fs.IntVar(&o.Forwarders, "forwarders", 0, "goroutines feeding each path (0: GOMAXPROCS)")
	fs.IntVar(&o.MaxQueuedObjects, "queue", perfreport.DefaultMaxQueuedObjects, "batcher queue bound in objects")
	fs.IntVar(&o.Repeats, "repeats", perfreport.DefaultRepeats, "forward → sink runs; the table and the throughput target use the median run")
	fs.IntVar(&o.Concurrency, "concurrency", 0, "requests in flight per batcher (0: the batcher's default, 4)")
	fs.DurationVar(&o.PacedDuration, "paced-duration", perfreport.DefaultPacedDuration, "how long each paced forward run (on one core, then at GOMAXPROCS) feeds input (negative: skip them)")
	fs.Float64Var(&o.PacedRate, "paced-rate", perfreport.BrazeCeiling, "the paced forward runs' input rate, in Braze objects per second")
	fs.IntVar(&o.PacedRepeats, "paced-repeats", perfreport.DefaultPacedRepeats, "one-core paced runs; the table and the ceiling target use the median run")
	fs.Uint64Var(&wc.Seed, "seed", perfreport.DefaultSeed, "workload seed")
	fs.IntVar(&wc.Batches, "pool", perfreport.DefaultPoolBatches, "distinct batches generated (runs cycle through them)")
	fs.IntVar(&wc.Users, "users", perfreport.DefaultUsers, "distinct users")
	fs.IntVar(&wc.CurrentsBodies, "currents-bodies", 100, "Currents POST bodies")
	fs.IntVar(&wc.AudienceMessages, "audience-messages", 200, "audience membership messages")
	fs.DurationVar(&duration, "duration", 0, "if set, size -batches so that the forward run to the sink takes about this long (measured with a short calibration run)")
	fs.BoolVar(&quiet, "q", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	progress := func(name string) {
		if !quiet {
			fmt.Fprintf(stderr, "running %s…\n", name)
		}
	}

	w, err := perfreport.Generate(wc)
	if err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 2
	}
	if duration > 0 {
		n, err := perfreport.Calibrate(ctx, w, duration, o)
		if err != nil {
			fmt.Fprintln(stderr, "benchreport: calibration:", err)
			return 2
		}
		progress(fmt.Sprintf("calibrated: %d batches per run", n))
		o.Batches = n
	}
	rep, err := perfreport.Run(ctx, w, o, progress)
	if err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 2
	}
	if err := rep.Print(stdout); err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 2
	}
	if !rep.Passed() {
		return 1
	}
	return 0
}
