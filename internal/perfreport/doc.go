// Package perfreport measures the three data paths of mpbraze (forward,
// Currents, audience) end to end in one process, next to two baselines
// measured on the same input, and prints one table with the targets of the
// project's performance issue marked PASS or FAIL.
//
// Everything runs on loopback against the in-process fakes (brazetest,
// mparticletest) or a minimal sink server (package sinkserver, which
// parses only what HTTP/1.1 framing needs and allocates nothing per
// request); nothing leaves the machine.
// The program examples/benchreport prints the report; the benchmarks in
// this package's *_bench_test.go files measure the same workloads with
// go test -bench, so that regressions show up in benchstat.
//
// CPU time is the process's user+sys time (getrusage), so it includes the
// in-process servers. The table therefore has two rows per path where it
// matters: one against the validating fake (brazetest, mparticletest),
// which decodes and checks every object the way the real API would (its
// cost is not the library's), and one against a sink that only reads the
// body and answers success, which is the library's cost plus a minimal
// HTTP server. The memory check runs the forward path twice (HeapScale × N
// and HeapScale² × N batches, both past the queue's warm-up) to a sink
// that answers slowly, so that the queue stays at its bound, and compares
// the peak live heaps, sampled by a collection every 100 ms. The Currents path
// runs to such a slow sink too: against a fast server each feed's worker
// sends what has arrived as soon as it is free, so its requests leave
// part-filled, and the rows say how many requests the limits allow at best
// (CurrentsBestRequests) next to the count-based packing.
//
// The forward run to the sink, on which the throughput target is judged,
// is repeated (Options.Repeats, five by default) and the report keeps the
// median run, so that one outlier run does not decide the verdict (on a
// shared machine, process CPU time also moves by tens of percent from one
// minute to the next, which no repeat within one report cancels).
//
// Use it as a library (Generate, then Run and Report.Print), or through
// the program:
//
//	go run ./examples/benchreport
package perfreport
