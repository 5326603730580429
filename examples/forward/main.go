// Command forward sends mParticle batches to Braze the way mParticle's Braze
// kit would, from a file or stdin: a server-side replacement for mParticle's
// forwarding, built on package mpbraze.
//
// Usage:
//
//	forward -in batches.ndjson -instance US-03 -braze-key KEY
//	forward -in - -braze-url http://127.0.0.1:8080 -allow-http < batches.json
//	forward -in batches.json -kit-config kit.json -dry-run
//
// The input holds one batch, a JSON array of batches, or batches one after
// another (newline-delimited JSON). The kit configuration file is a JSON
// object of mParticle Braze kit settings with string values, such as
// {"userIdentificationType": "CustomerId", "enableTypeDetection": "True"}.
//
// With -dry-run nothing leaves the process: the Braze requests are printed
// to stdout, one JSON line each, exactly as they would have been sent.
//
// Progress goes to stderr every 1,000 batches; a summary follows at the end.
// The exit status is 0 when every object was delivered, 1 when an object
// failed or the input was malformed (the summary names the batch and line),
// and 2 for usage errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/examples/internal/cli"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

func main() {
	cli.Main(func(ctx context.Context) int {
		return runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	})
}

const (
	progressGap = 1000 // batches between progress lines
	maxListed   = 10   // failures and input errors listed in the summary
)

// options are the parsed flags.
type options struct {
	braze         cli.Braze
	in, kitConfig string
	closeTimeout  time.Duration
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (options, error) {
	var o options
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.in, "in", "", "input file of mParticle batches (one batch, a JSON array, or NDJSON); - for stdin")
	o.braze.Register(fs, "one of the two is required unless -dry-run")
	fs.StringVar(&o.kitConfig, "kit-config", "", "JSON file of mParticle Braze kit settings (string values)")
	fs.DurationVar(&o.closeTimeout, "close-timeout", time.Minute, "how long to wait for queued objects at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := cli.NoArgs(fs); err != nil {
		return o, err
	}
	if o.in == "" {
		return o, errors.New("-in is required (a file, or - for stdin)")
	}
	if err := o.braze.Check(getenv); err != nil {
		return o, err
	}
	if !o.braze.DryRun {
		if o.braze.Key == "" {
			return o, errors.New("-braze-key or $" + cli.BrazeKeyEnv + " is required (or use -dry-run)")
		}
		if o.braze.URL == "" && o.braze.Instance == "" {
			return o, errors.New("set -braze-url or -instance (or use -dry-run)")
		}
	}
	return o, nil
}

// run is the program; main only wires the process (and Ctrl-C) to it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr, os.Getenv)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "forward:", err)
		}
		return cli.ExitUsage
	}
	cfg, err := o.config(stdout)
	if err != nil {
		fmt.Fprintln(stderr, "forward:", err)
		return cli.ExitUsage
	}
	in, closeIn, err := cli.OpenInput(o.in, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "forward:", err)
		return cli.ExitUsage
	}
	defer closeIn()

	var sum summary
	cfg.OnResult = sum.result
	kit, err := mpbraze.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "forward:", err)
		return cli.ExitUsage
	}
	sum.read(ctx, kit, mparticle.NewDecoder(in), stderr)
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.closeTimeout)
	defer cancel()
	if _, err := kit.Close(closeCtx); err != nil {
		sum.note(fmt.Sprintf("close: %v", err))
	}
	sum.print(stderr, kit.Stats())
	if sum.failed() {
		return cli.ExitFailed
	}
	return cli.ExitOK
}

// config builds the kit configuration from the flags.
func (o options) config(stdout io.Writer) (mpbraze.Config, error) {
	cfg, err := o.braze.Endpoint(stdout)
	if err != nil {
		return cfg, err
	}
	if o.kitConfig != "" {
		raw, err := os.ReadFile(o.kitConfig)
		if err != nil {
			return cfg, fmt.Errorf("-kit-config: %w", err)
		}
		var kc map[string]string
		if err := json.Unmarshal(raw, &kc); err != nil {
			return cfg, fmt.Errorf("-kit-config %s: want a JSON object of string values: %w", o.kitConfig, err)
		}
		cfg.KitConfig = kc
	}
	return cfg, nil
}

// summary collects what happened, for the final report.
type summary struct {
	batches, malformed int

	mu               sync.Mutex
	delivered, fails int
	failures         []string
	inputErrors      []string
	notes            []string
}

// read forwards every batch of dec, with progress lines on stderr.
func (s *summary) read(ctx context.Context, kit *mpbraze.Kit, dec *mparticle.Decoder, stderr io.Writer) {
	var last error
	for ctx.Err() == nil {
		b, err := dec.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			if err == last {
				return // a syntax error ends the stream; Next repeats it
			}
			last = err
			s.malformed++
			s.inputError(err.Error())
			continue
		}
		s.batches++
		if err := kit.Forward(ctx, b); err != nil {
			s.inputError(fmt.Sprintf("batch %d: %v", s.batches-1, err))
			s.malformed++
			if errors.Is(err, mpbraze.ErrClosed) || ctx.Err() != nil {
				return
			}
		}
		if s.batches%progressGap == 0 {
			st := kit.Stats()
			fmt.Fprintf(stderr, "forward: %d batches read, %d objects queued, %d delivered, %d failed\n",
				s.batches, st.Objects, st.Delivery.Delivered, st.Delivery.Failed)
		}
	}
	if ctx.Err() != nil {
		s.note("interrupted: " + ctx.Err().Error())
	}
}

func (s *summary) result(r braze.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Err == nil {
		s.delivered++
		return
	}
	s.fails++
	if len(s.failures) < maxListed {
		s.failures = append(s.failures, describeFailure(r))
	}
}

func describeFailure(r braze.Result) string {
	// Results carry the object's JSON as sent, not the object (the kit
	// reuses objects' memory unless Config.RetainObjects).
	var obj struct {
		Name      string `json:"name"`
		ProductID string `json:"product_id"`
	}
	_ = json.Unmarshal(r.Object, &obj)
	what := "object"
	switch r.Kind {
	case braze.ObjectEvent:
		what = fmt.Sprintf("event %q", obj.Name)
	case braze.ObjectPurchase:
		what = fmt.Sprintf("purchase %q", obj.ProductID)
	case braze.ObjectAttributes:
		what = "attributes"
	}
	if ref, ok := r.Item.Ref.(*mpbraze.BatchRef); ok && ref.BatchID != "" {
		what += " of batch " + ref.BatchID
	}
	return what + ": " + r.Err.Error()
}

func (s *summary) inputError(msg string) {
	if len(s.inputErrors) < maxListed {
		s.inputErrors = append(s.inputErrors, msg)
	}
}

func (s *summary) note(msg string) { s.notes = append(s.notes, msg) }

func (s *summary) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fails > 0 || s.malformed > 0 || len(s.notes) > 0
}

// print writes the summary.
func (s *summary) print(w io.Writer, st mpbraze.Stats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(w, "forward: %d batches read, %d malformed\n", s.batches, s.malformed)
	fmt.Fprintf(w, "forward: %d Braze objects queued: %d delivered, %d failed (%d requests, %.1f objects per request, %d retries, %d rate limited)\n",
		st.Objects, s.delivered, s.fails, st.Delivery.Requests, st.Delivery.MeanObjectsPerRequest,
		st.Delivery.Retries, st.Delivery.RateLimited)
	fmt.Fprintf(w, "forward: %d batches produced nothing (%d from Braze Currents)\n", st.SkippedBatches, st.LoopGuarded)
	skipped := []mapping.DiagnosticCode{mapping.UserSkipped, mapping.EventSkipped, mapping.LoopGuard,
		mapping.Rejected, mapping.Dropped}
	var parts []string
	for _, code := range skipped {
		if n := st.Diagnostics[code]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", code, n))
		}
	}
	var changes []string
	for code, n := range st.Diagnostics {
		if !contains(skipped, code) {
			changes = append(changes, fmt.Sprintf("%s %d", code, n))
		}
	}
	sort.Strings(changes)
	if len(parts) > 0 {
		fmt.Fprintf(w, "forward: skipped by reason: %s\n", strings.Join(parts, ", "))
	}
	if len(changes) > 0 {
		fmt.Fprintf(w, "forward: values changed to fit Braze: %s\n", strings.Join(changes, ", "))
	}
	for _, e := range s.inputErrors {
		fmt.Fprintf(w, "forward: input error: %s\n", e)
	}
	for _, f := range s.failures {
		fmt.Fprintf(w, "forward: not delivered: %s\n", f)
	}
	if s.fails > len(s.failures) {
		fmt.Fprintf(w, "forward: … and %d more not delivered\n", s.fails-len(s.failures))
	}
	for _, n := range s.notes {
		fmt.Fprintf(w, "forward: %s\n", n)
	}
}

func contains(codes []mapping.DiagnosticCode, c mapping.DiagnosticCode) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}
