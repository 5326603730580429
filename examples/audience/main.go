// Command audience applies mParticle audience membership changes to Braze:
// the cohort import of the mParticle–Braze integration, built on package
// mpbraze. Each user's audiences become Braze custom attributes in the forms
// chosen with -send-segments-as (any combination):
//
//   - string: SegmentMembership, the comma-separated ids of every audience
//     the user is in (mParticle's default);
//   - array: SegmentMembershipArray, updated with {"add":…,"remove":…};
//   - per-segment: one boolean "In <Audience Name>" per audience.
//
// Usage:
//
//	audience -in change.json                                  # local: in-process fake Braze
//	audience -in change.json -dry-run                         # print the Braze requests
//	audience -in - -instance US-03 -braze-key KEY < change.json
//	audience -in change.ndjson -braze-url http://127.0.0.1:8080 -allow-http -braze-key KEY \
//	    -send-segments-as string,per-segment -api-key-os iOS -app-id APP
//
// The input holds one Firehose message (audience_membership_change_request,
// or audience_subscription_request, which changes nothing in Braze), a JSON
// array of them, or several one after another (newline-delimited JSON).
// Messages are applied in order, so the string form reflects each user's
// full membership after every message (kept in memory for the run).
//
// Where the updates go:
//
//   - with -braze-url or -instance: to that Braze REST endpoint, with
//     -braze-key (or $BRAZE_REST_KEY);
//   - with -dry-run: nowhere; each Braze request is printed to stdout as one
//     JSON line {"method","path","body"}, exactly as it would be sent;
//   - with neither: to a fake Braze (package braze/brazetest) started inside
//     the process on loopback, and what it stored is printed at the end
//     ({"braze_user": …, "attributes": …} lines). Nothing leaves the machine.
//
// Otherwise stdout gets one JSON line per Braze object with its result
// ({"result":"delivered"|"failed", "error":…, "attributes":…}); stderr gets a
// line per message, every skipped user with its reason (no external
// identity, or only a hashed one), per-user errors (a SegmentMembership over
// 255 characters is reported, never cut), other diagnostics, and a summary.
//
// Exit status: 0 when every object was delivered and no user had an error,
// 1 when something failed or the input was malformed, 2 for usage errors.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/examples/internal/cli"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

func main() {
	cli.Main(func(ctx context.Context) int {
		return runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	})
}

// options are the parsed flags.
type options struct {
	braze        cli.Braze
	in           string
	audience     mapping.AudienceSettings
	closeTimeout time.Duration
}

// local reports whether the run uses the in-process fake Braze.
func (o options) local() bool { return !o.braze.DryRun && o.braze.URL == "" && o.braze.Instance == "" }

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (options, error) {
	var o options
	var forms, keyOS string
	fs := flag.NewFlagSet("audience", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.in, "in", "", "input file of audience messages (one, a JSON array, or NDJSON); - for stdin")
	o.braze.Register(fs, "neither: in-process fake Braze")
	fs.StringVar(&forms, "send-segments-as", "string", "comma list of forms: string, array, per-segment")
	fs.StringVar(&o.audience.ExternalIdentityType, "external-identity-type", "customer", "Firehose identity type used as Braze external_id (customer, email, other, other2…other10, mobile_number, …, or mpid)")
	fs.StringVar(&o.audience.EmailIdentityType, "email-identity-type", "email", "Firehose identity type written as the Braze email")
	fs.StringVar(&keyOS, "api-key-os", "Unselected", "OS of the Braze app key: iOS or Android forward that platform's push tokens; Web or Unselected none")
	fs.StringVar(&o.audience.AppID, "app-id", "", "Braze app identifier for forwarded push tokens (required with -api-key-os iOS or Android)")
	fs.DurationVar(&o.closeTimeout, "close-timeout", time.Minute, "how long to wait for queued updates at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := cli.NoArgs(fs); err != nil {
		return o, err
	}
	if o.in == "" {
		return o, errors.New("-in is required (a file, or - for stdin)")
	}
	var err error
	if o.audience.SendSegmentsAs, err = mapping.ParseSegmentFormat(forms); err != nil {
		return o, fmt.Errorf("-send-segments-as: %w", err)
	}
	if o.audience.APIKeyOS, err = mapping.ParseAPIKeyOS(keyOS); err != nil {
		return o, fmt.Errorf("-api-key-os: %w", err)
	}
	if err := o.audience.Validate(); err != nil {
		return o, err
	}
	if err := o.braze.Check(getenv); err != nil {
		return o, err
	}
	if !o.braze.DryRun && !o.local() && o.braze.Key == "" {
		return o, errors.New("-braze-key or $" + cli.BrazeKeyEnv + " is required with -braze-url or -instance")
	}
	return o, nil
}

// run is the program; main only wires the process (and Ctrl-C) to it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr, os.Getenv)
}

func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	o, err := parseFlags(args, stderr, getenv)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "audience:", err)
		}
		return cli.ExitUsage
	}
	in, closeIn, err := cli.OpenInput(o.in, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "audience:", err)
		return cli.ExitUsage
	}
	defer closeIn()

	out := &lineWriter{w: stdout}
	rep := &report{out: out, err: stderr}
	// The dry-run lines go through out too, so that they never interleave
	// with the result lines.
	cfg, err := o.braze.Endpoint(out)
	if err != nil {
		fmt.Fprintln(stderr, "audience:", err)
		return cli.ExitUsage
	}
	cfg.Audience, cfg.OnResult, cfg.OnDiagnostic = o.audience, rep.result, rep.diagnostic
	var fake *brazetest.Server
	if o.local() {
		fake = brazetest.NewServer()
		defer fake.Close()
		cfg.BrazeKey, cfg.BrazeURL, cfg.AllowHTTP, cfg.HTTPClient = fake.Key(), fake.URL(), true, fake.Client()
		fmt.Fprintln(stderr, "audience: no -braze-url or -instance: sending to an in-process fake Braze at", fake.URL())
	}
	kit, err := mpbraze.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "audience:", err)
		return cli.ExitUsage
	}

	readErr := eachMessage(in, func(i int, raw json.RawMessage) error {
		return rep.apply(ctx, kit, i, raw)
	})
	if readErr != nil {
		rep.failf("input: %v", readErr)
	}
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.closeTimeout)
	defer cancel()
	if _, err := kit.Close(closeCtx); err != nil {
		rep.failf("close: %v", err)
	}
	if fake != nil {
		for _, u := range fake.Users() {
			out.json(map[string]any{"braze_user": u.ExternalID, "attributes": u.Attributes})
		}
	}
	rep.summary(kit.Stats())
	if rep.failed() {
		return cli.ExitFailed
	}
	return cli.ExitOK
}

// eachMessage calls fn with every JSON value of r: the elements of a
// top-level array, or each of a sequence of values (NDJSON). It stops at
// the first syntax error or error of fn.
func eachMessage(r io.Reader, fn func(i int, raw json.RawMessage) error) error {
	br := bufio.NewReader(r)
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r' {
			_, _ = br.ReadByte()
			continue
		}
		break
	}
	dec := json.NewDecoder(br)
	first, _ := br.Peek(1)
	if first[0] == '[' {
		var all []json.RawMessage
		if err := dec.Decode(&all); err != nil {
			return err
		}
		for i, raw := range all {
			if err := fn(i, raw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != io.EOF {
			return errors.New("unexpected data after the top-level array")
		}
		return nil
	}
	for i := 0; ; i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		if err := fn(i, raw); err != nil {
			return err
		}
	}
}

// report prints what happens and remembers whether anything failed.
type report struct {
	out *lineWriter
	err io.Writer

	mu                          sync.Mutex
	messages, updated, skipped  int
	userErrors, delivered, fail int
	problems                    []string
}

// apply decodes and applies one message. Only a kit that can take no more
// (closed) stops the run; other errors are reported and the run goes on.
func (r *report) apply(ctx context.Context, kit *mpbraze.Kit, i int, raw json.RawMessage) error {
	m, err := mparticle.DecodeAudienceMessage(raw)
	if err != nil {
		r.failf("message %d: %v", i, err)
		return nil
	}
	switch msg := m.(type) {
	case *mparticle.AudienceSubscriptionRequest:
		fmt.Fprintf(r.err, "audience: message %d (%s): audience %d subscription %s: nothing changes in Braze (use ClearAudience to mark members as left)\n",
			i, msg.ID, msg.AudienceID, msg.Action)
		return nil
	case *mparticle.AudienceMembershipChangeRequest:
		res, err := kit.ApplyAudienceChange(ctx, msg)
		r.mu.Lock()
		r.messages++
		r.updated += len(res.Attributes)
		r.skipped += len(res.Skipped)
		r.userErrors += len(res.Errors)
		r.mu.Unlock()
		fmt.Fprintf(r.err, "audience: message %d (%s): %d profiles, %d users updated, %d skipped, %d errors\n",
			i, msg.ID, len(msg.UserProfiles), len(res.Attributes), len(res.Skipped), len(res.Errors))
		for _, s := range res.Skipped {
			fmt.Fprintf(r.err, "audience:   skipped user_profiles[%d] (mpid %s): %s: %s\n", s.ProfileIndex, s.MPID, s.Reason, s.Detail)
		}
		for _, e := range res.Errors {
			fmt.Fprintf(r.err, "audience:   error: %v\n", e)
		}
		if err != nil {
			r.failf("message %d (%s): %v", i, msg.ID, err)
			if errors.Is(err, mpbraze.ErrClosed) || ctx.Err() != nil {
				return err
			}
		}
	}
	return nil
}

// diagnostic prints the diagnostics that are not already listed as skips
// or errors.
func (r *report) diagnostic(d mapping.Diagnostic) {
	if d.Code == mapping.UserSkipped || d.Code == mapping.SegmentMembershipTooLong {
		return
	}
	fmt.Fprintf(r.err, "audience:   note: %s\n", d)
}

// result prints one object's outcome as a JSON line.
func (r *report) result(res braze.Result) {
	line := map[string]any{"result": "delivered", "attributes": res.Object}
	r.mu.Lock()
	if res.Err != nil {
		r.fail++
		line["result"], line["error"] = "failed", res.Err.Error()
	} else {
		r.delivered++
	}
	r.mu.Unlock()
	r.out.json(line)
}

func (r *report) failf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *report) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fail > 0 || r.userErrors > 0 || len(r.problems) > 0
}

func (r *report) summary(st mpbraze.Stats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		fmt.Fprintln(r.err, "audience: problem:", p)
	}
	fmt.Fprintf(r.err, "audience: %d messages: %d user updates (%d delivered, %d failed), %d users skipped, %d user errors; %d requests\n",
		r.messages, r.updated, r.delivered, r.fail, r.skipped, r.userErrors, st.Delivery.Requests)
}

// lineWriter writes whole lines to w, one writer at a time.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes b (one or more whole lines) at once.
func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// json writes v as one compact JSON line.
func (l *lineWriter) json(v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(&buf, "{\"error\":%q}\n", err.Error())
	}
	_, _ = l.Write(buf.Bytes())
}
