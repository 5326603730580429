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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	progressGap = 1000 // batches between progress lines
	maxListed   = 10   // failures and input errors listed in the summary
)

// options are the parsed flags.
type options struct {
	in, brazeURL, instance, brazeKey, kitConfig string
	allowHTTP, dryRun                           bool
	closeTimeout                                time.Duration
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (options, error) {
	var o options
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.in, "in", "", "input file of mParticle batches (one batch, a JSON array, or NDJSON); - for stdin")
	fs.StringVar(&o.brazeURL, "braze-url", "", "Braze REST endpoint base URL (or use -instance)")
	fs.StringVar(&o.instance, "instance", "", "Braze instance, e.g. US-03 or EU-01 (or use -braze-url)")
	fs.StringVar(&o.brazeKey, "braze-key", "", "Braze REST API key (default: $BRAZE_REST_KEY)")
	fs.StringVar(&o.kitConfig, "kit-config", "", "JSON file of mParticle Braze kit settings (string values)")
	fs.BoolVar(&o.allowHTTP, "allow-http", false, "allow a plain http:// -braze-url")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the Braze requests to stdout instead of sending them")
	fs.DurationVar(&o.closeTimeout, "close-timeout", time.Minute, "how long to wait for queued objects at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.in == "" {
		return o, errors.New("-in is required (a file, or - for stdin)")
	}
	if o.brazeKey == "" {
		o.brazeKey = getenv("BRAZE_REST_KEY")
	}
	if !o.dryRun {
		if o.brazeKey == "" {
			return o, errors.New("-braze-key or $BRAZE_REST_KEY is required (or use -dry-run)")
		}
		if (o.brazeURL == "") == (o.instance == "") {
			return o, errors.New("set exactly one of -braze-url and -instance (or use -dry-run)")
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
		return exitUsage
	}
	cfg, err := o.config(stdout)
	if err != nil {
		fmt.Fprintln(stderr, "forward:", err)
		return exitUsage
	}
	in := stdin
	if o.in != "-" {
		f, err := os.Open(o.in)
		if err != nil {
			fmt.Fprintln(stderr, "forward:", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}

	var sum summary
	cfg.OnResult = sum.result
	kit, err := mpbraze.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "forward:", err)
		return exitUsage
	}
	sum.read(ctx, kit, mparticle.NewDecoder(in), stderr)
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.closeTimeout)
	defer cancel()
	if _, err := kit.Close(closeCtx); err != nil {
		sum.note(fmt.Sprintf("close: %v", err))
	}
	sum.print(stderr, kit.Stats())
	if sum.failed() {
		return exitFailed
	}
	return exitOK
}

// config builds the kit configuration from the flags.
func (o options) config(stdout io.Writer) (mpbraze.Config, error) {
	cfg := mpbraze.Config{BrazeKey: o.brazeKey, AllowHTTP: o.allowHTTP}
	if o.instance != "" {
		inst, err := braze.ParseInstance(o.instance)
		if err != nil {
			return cfg, fmt.Errorf("-instance: %w", err)
		}
		cfg.Instance = inst
	} else {
		cfg.BrazeURL = o.brazeURL
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
	if o.dryRun {
		// Nothing leaves the process: a transport prints each request and
		// answers as Braze would when everything is accepted.
		cfg.Instance, cfg.BrazeURL, cfg.AllowHTTP = "", "https://dry-run.invalid", false
		if cfg.BrazeKey == "" {
			cfg.BrazeKey = "dry-run"
		}
		cfg.HTTPClient = &http.Client{Transport: &dryRun{out: stdout}}
	}
	return cfg, nil
}

// dryRun is an http.RoundTripper that prints request bodies as JSON lines
// and answers 201.
type dryRun struct {
	mu  sync.Mutex
	out io.Writer
}

// RoundTrip prints the request as one JSON line and answers 201 success.
func (d *dryRun) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	var line bytes.Buffer
	fmt.Fprintf(&line, `{"method":%q,"path":%q,"body":`, r.Method, r.URL.Path)
	line.Write(bytes.TrimSpace(body))
	line.WriteString("}\n")
	d.mu.Lock()
	_, err = d.out.Write(line.Bytes())
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusCreated,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"message":"success"}`)),
		Request:    r,
	}, nil
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
	what := "object"
	switch {
	case r.Item.Event != nil:
		what = fmt.Sprintf("event %q", r.Item.Event.Name)
	case r.Item.Purchase != nil:
		what = fmt.Sprintf("purchase %q", r.Item.Purchase.ProductID)
	case r.Item.Attributes != nil:
		what = "attributes"
	}
	if b, ok := r.Item.Ref.(*mparticle.Batch); ok && b.SourceRequestID != "" {
		what += " of batch " + b.SourceRequestID
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
