// Package cli holds what the example programs share: exit statuses, the
// main wiring (Ctrl-C cancels the run), secrets read from flags or the
// environment, the Braze endpoint flags, input files, and the dry-run
// transport that prints Braze requests instead of sending them.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze"
)

// Exit statuses of the example programs.
const (
	// ExitOK: everything was delivered (or the server shut down cleanly).
	ExitOK = 0
	// ExitFailed: something was not delivered or the input was malformed.
	ExitFailed = 1
	// ExitUsage: bad flags or configuration.
	ExitUsage = 2
)

// Main runs run with a context that SIGINT (and the extra signals) cancel,
// then exits with its status. It is the whole of each program's main, so
// that run stays testable.
func Main(run func(ctx context.Context) int, signals ...os.Signal) {
	ctx, stop := signal.NotifyContext(context.Background(), append([]os.Signal{os.Interrupt}, signals...)...)
	code := run(ctx)
	stop()
	os.Exit(code)
}

// FromEnv sets *dst to the environment variable name when *dst is empty:
// flags win over the environment. Secrets given this way stay out of the
// process list.
func FromEnv(getenv func(string) string, dst *string, name string) {
	if *dst == "" {
		*dst = getenv(name)
	}
}

// NoArgs returns an error naming the arguments left after the flags.
func NoArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return nil
}

// BrazeKeyEnv is the environment variable read when -braze-key is empty.
const BrazeKeyEnv = "BRAZE_REST_KEY"

// Braze holds the flags that choose the Braze endpoint and key.
type Braze struct {
	// URL is -braze-url, Instance -instance, Key -braze-key (or
	// $BRAZE_REST_KEY).
	URL, Instance, Key string
	// AllowHTTP is -allow-http, DryRun -dry-run.
	AllowHTTP, DryRun bool
}

// Register defines -braze-url, -instance, -braze-key, -allow-http and
// -dry-run on fs; neither says what happens when neither -braze-url nor
// -instance is given.
func (b *Braze) Register(fs *flag.FlagSet, neither string) {
	fs.StringVar(&b.URL, "braze-url", "", "Braze REST endpoint base URL (or -instance; "+neither+")")
	fs.StringVar(&b.Instance, "instance", "", "Braze instance, e.g. US-03 or EU-01 (or -braze-url)")
	fs.StringVar(&b.Key, "braze-key", "", "Braze REST API key (default: $"+BrazeKeyEnv+")")
	fs.BoolVar(&b.AllowHTTP, "allow-http", false, "allow a plain http:// -braze-url")
	fs.BoolVar(&b.DryRun, "dry-run", false, "print the Braze requests to stdout instead of sending them")
}

// Check reads the key from the environment when -braze-key is empty and
// rejects -braze-url together with -instance. It does not require an
// endpoint: the programs differ in what they do without one.
func (b *Braze) Check(getenv func(string) string) error {
	FromEnv(getenv, &b.Key, BrazeKeyEnv)
	if b.URL != "" && b.Instance != "" {
		return errors.New("set -braze-url or -instance, not both")
	}
	return nil
}

// Endpoint returns b.Config's endpoint part: the REST key and the
// instance or URL the flags chose. With -dry-run nothing leaves the
// process: every request is printed to out as one JSON line (see DryRun)
// and answered as Braze answers when everything is accepted.
func (b *Braze) Endpoint(out io.Writer) (mpbraze.Config, error) {
	cfg := mpbraze.Config{BrazeKey: b.Key, AllowHTTP: b.AllowHTTP}
	switch {
	case b.DryRun:
		cfg.BrazeURL, cfg.AllowHTTP = "https://dry-run.invalid", false
		if cfg.BrazeKey == "" {
			cfg.BrazeKey = "dry-run"
		}
		cfg.HTTPClient = &http.Client{Transport: &DryRun{Out: out}}
	case b.Instance != "":
		inst, err := braze.ParseInstance(b.Instance)
		if err != nil {
			return cfg, fmt.Errorf("-instance: %w", err)
		}
		cfg.Instance = inst
	default:
		cfg.BrazeURL = b.URL
	}
	return cfg, nil
}

// OpenInput opens the -in file, or returns stdin for "-". close releases
// the file (a no-op for stdin).
func OpenInput(name string, stdin io.Reader) (r io.Reader, close func() error, err error) {
	if name == "-" {
		return stdin, func() error { return nil }, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// DryRun is an http.RoundTripper that prints each request as one JSON
// line, {"method":…,"path":…,"body":…}, and answers 201 with Braze's
// success body.
type DryRun struct {
	// Out receives the lines; each line is one Write call.
	Out io.Writer
	mu  sync.Mutex
}

// RoundTrip implements http.RoundTripper.
func (d *DryRun) RoundTrip(r *http.Request) (*http.Response, error) {
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
	_, err = d.Out.Write(line.Bytes())
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
