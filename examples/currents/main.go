// Command currents receives Braze Currents (Custom HTTP connector) and
// delivers the events to mParticle's Events API, the way Braze's own
// "mParticle Export" Current does, from a server you run.
//
// Usage:
//
//	currents -listen :8443 -tls-cert cert.pem -tls-key key.pem \
//	         -pod US1 -mparticle-key KEY -mparticle-secret SECRET -token TOKEN
//	currents -listen 127.0.0.1:8080 -mparticle-url http://127.0.0.1:9000/v2 -allow-http ...
//	currents              # demo: in-process fake mParticle, token "demo-token"
//	currents -once        # demo: post a sample body to itself, print what mParticle got, exit
//
// Configure the Current in Braze with the URL https://<host>/currents and
// the same bearer token. The token and the mParticle credentials may come
// from the environment instead of flags: CURRENTS_TOKEN, MPARTICLE_KEY,
// MPARTICLE_SECRET (flags win). They are never logged.
//
// mParticle's Braze feed has four inputs, iOS, Android, Web and Unbound,
// each with its own key and secret. Set MPARTICLE_IOS_KEY and
// MPARTICLE_IOS_SECRET (likewise ANDROID, WEB, UNBOUND) to send each
// event to the input of its platform; feeds without their own pair use
// -mparticle-key/-mparticle-secret.
//
// Without -mparticle-url and -pod the program runs in demo mode: it starts
// an in-process fake of the Events API (package mparticletest), accepts the
// bearer token "demo-token" unless -token is given, and prints every batch
// the fake received when it stops.
//
// The server runs until SIGINT or SIGTERM, then stops taking requests,
// finishes the ones in progress and drains the delivery queue (up to
// -drain-timeout) so that every event Braze was told was accepted reaches
// mParticle; what cannot be delivered in time is logged. Exit status: 0 on a
// clean shutdown, 1 when events were left undelivered or the server failed,
// 2 for usage errors.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze/currents"
	"github.com/mpbraze/mpbraze/examples/internal/cli"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/mpbraze/mpbraze/mparticle/mparticletest"
)

func main() {
	cli.Main(func(ctx context.Context) int {
		return run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	}, syscall.SIGTERM)
}

// demoToken is the bearer token of demo mode; it protects nothing.
const demoToken = "demo-token"

// options are the parsed command line.
type options struct {
	listen           string
	token            string
	mparticleURL     string
	pod              string
	key, secret      string
	allowHTTP        bool
	tlsCert, tlsKey  string
	environment      string
	includeBehaviors bool
	maxBody          int64
	queueSize        int
	drainTimeout     time.Duration
	once             bool
	demo             bool
	// feedCreds are per-feed key/secret pairs from the environment.
	feedCreds map[mapping.CurrentsFeed][2]string
}

// feedEnv names the environment prefix of each feed's credentials.
var feedEnv = map[mapping.CurrentsFeed]string{
	mapping.FeedIOS:     "MPARTICLE_IOS",
	mapping.FeedAndroid: "MPARTICLE_ANDROID",
	mapping.FeedWeb:     "MPARTICLE_WEB",
	mapping.FeedUnbound: "MPARTICLE_UNBOUND",
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("currents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.token, "token", "", "bearer token Braze sends (default $CURRENTS_TOKEN)")
	fs.StringVar(&o.mparticleURL, "mparticle-url", "", "Events API base URL, e.g. https://s2s.mparticle.com/v2")
	fs.StringVar(&o.pod, "pod", "", "mParticle pod: US1, US2, EU1 or AU1")
	fs.StringVar(&o.key, "mparticle-key", "", "Events API input key (default $MPARTICLE_KEY)")
	fs.StringVar(&o.secret, "mparticle-secret", "", "Events API input secret (default $MPARTICLE_SECRET)")
	fs.BoolVar(&o.allowHTTP, "allow-http", false, "allow a plain http -mparticle-url (tests, local fakes)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate file (with -tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "serve HTTPS with this key file (with -tls-cert)")
	fs.StringVar(&o.environment, "environment", "production", "mParticle environment: production or development")
	fs.BoolVar(&o.includeBehaviors, "include-behaviors", false, "also forward custom events, purchases, sessions, locations")
	fs.Int64Var(&o.maxBody, "max-body", currents.DefaultMaxBodyBytes, "largest request body in bytes")
	fs.IntVar(&o.queueSize, "queue", mpbraze.DefaultCurrentsQueueSize, "batches held for delivery before Braze gets 503")
	fs.DurationVar(&o.drainTimeout, "drain-timeout", time.Minute, "how long shutdown waits for queued events to be delivered")
	fs.BoolVar(&o.once, "once", false, "demo: post a sample body to this server, print what mParticle received, exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := cli.NoArgs(fs); err != nil {
		return nil, err
	}
	cli.FromEnv(getenv, &o.token, "CURRENTS_TOKEN")
	cli.FromEnv(getenv, &o.key, "MPARTICLE_KEY")
	cli.FromEnv(getenv, &o.secret, "MPARTICLE_SECRET")
	o.feedCreds = map[mapping.CurrentsFeed][2]string{}
	for feed, prefix := range feedEnv {
		k, s := getenv(prefix+"_KEY"), getenv(prefix+"_SECRET")
		if (k == "") != (s == "") {
			return nil, fmt.Errorf("%s_KEY and %s_SECRET go together", prefix, prefix)
		}
		if k != "" {
			o.feedCreds[feed] = [2]string{k, s}
		}
	}
	switch {
	case o.mparticleURL != "" && o.pod != "":
		return nil, errors.New("-mparticle-url and -pod: give one, not both")
	case o.mparticleURL == "" && o.pod == "":
		o.demo = true
		if o.token == "" {
			o.token = demoToken
		}
	case (o.key == "" || o.secret == "") && len(o.feedCreds) < len(feedEnv):
		return nil, errors.New("-mparticle-key and -mparticle-secret (or MPARTICLE_KEY and MPARTICLE_SECRET) are required")
	}
	if o.demo && len(o.feedCreds) > 0 {
		return nil, errors.New("per-feed credentials need -mparticle-url or -pod")
	}
	if o.once && !o.demo {
		return nil, errors.New("-once is a demo: use it without -mparticle-url and -pod")
	}
	if o.token == "" {
		return nil, errors.New("-token (or CURRENTS_TOKEN) is required: Braze must authenticate")
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	switch mparticle.Environment(o.environment) {
	case mparticle.EnvironmentProduction, mparticle.EnvironmentDevelopment:
	default:
		return nil, fmt.Errorf("-environment: %q is not production or development", o.environment)
	}
	return o, nil
}

// run is main without the process: testable, and every exit path returns.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "currents:", err)
		}
		return cli.ExitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	clientOpts := []mparticle.Option{mparticle.WithLogger(log)}
	var fake *mparticletest.Server
	switch {
	case o.demo:
		fake = mparticletest.NewServer()
		defer fake.Close()
		o.key, o.secret = fake.Key(), fake.Secret()
		clientOpts = append(clientOpts, mparticle.WithBaseURL(fake.URL()), mparticle.WithAllowHTTP())
		log.Info("demo mode: delivering to an in-process fake mParticle", "url", fake.URL())
	case o.pod != "":
		pod, err := mparticle.ParsePod(o.pod)
		if err != nil {
			fmt.Fprintln(stderr, "currents: -pod:", err)
			return cli.ExitUsage
		}
		clientOpts = append(clientOpts, mparticle.WithPod(pod))
	default:
		clientOpts = append(clientOpts, mparticle.WithBaseURL(o.mparticleURL))
		if o.allowHTTP {
			clientOpts = append(clientOpts, mparticle.WithAllowHTTP())
		}
	}
	var client *mparticle.Client
	if o.key != "" {
		client, err = mparticle.NewClient(o.key, o.secret, clientOpts...)
		if err != nil {
			fmt.Fprintln(stderr, "currents:", err)
			return cli.ExitUsage
		}
		defer client.CloseIdleConnections()
	}
	feeds := map[mapping.CurrentsFeed]mpbraze.CurrentsUploader{}
	for feed, kv := range o.feedCreds {
		c, err := mparticle.NewClient(kv[0], kv[1], clientOpts...)
		if err != nil {
			fmt.Fprintf(stderr, "currents: %s feed: %v\n", feed, err)
			return cli.ExitUsage
		}
		defer c.CloseIdleConnections()
		feeds[feed] = c
	}
	var fallback mpbraze.CurrentsUploader
	if client != nil {
		fallback = client // a nil *Client must not become a non-nil interface
	}

	fwd, err := mpbraze.NewCurrentsForwarder(mpbraze.CurrentsConfig{
		Client: fallback,
		Feeds:  feeds,
		Mapping: mapping.CurrentsOptions{
			Environment:      mparticle.Environment(o.environment),
			IncludeBehaviors: o.includeBehaviors,
		},
		QueueSize: o.queueSize,
		Logger:    log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "currents:", err)
		return cli.ExitUsage
	}
	handler, err := currents.NewHandler(fwd,
		currents.WithToken(o.token), currents.WithMaxBodyBytes(o.maxBody), currents.WithLogger(log))
	if err != nil {
		fmt.Fprintln(stderr, "currents:", err)
		return cli.ExitUsage
	}

	mux := http.NewServeMux()
	mux.Handle("/currents", handler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		st := fwd.Stats()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintln(stderr, "currents:", err)
		return cli.ExitFailed
	}
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/currents", scheme, ln.Addr())
	log.Info("receiving Braze Currents", "url", url)

	serveErr := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			serveErr <- srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()

	code := cli.ExitOK
	if o.once {
		if err := postSample(ctx, url, o.token); err != nil {
			log.Error("posting the sample body", "error", err)
			code = cli.ExitFailed
		}
	} else {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
		case err := <-serveErr:
			log.Error("server stopped", "error", err)
			code = cli.ExitFailed
		}
	}

	// Stop taking requests and let those in flight finish, then deliver
	// everything that was acknowledged to Braze.
	shutCtx, cancel := context.WithTimeout(context.Background(), o.drainTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Error("stopping the server", "error", err)
		code = cli.ExitFailed
	}
	if err := fwd.Close(shutCtx); err != nil {
		log.Error("draining the delivery queue", "error", err)
		code = cli.ExitFailed
	}
	st := fwd.Stats()
	log.Info("stopped", "received", st.Received, "skipped", st.Skipped, "refused", st.Refused,
		"delivered", st.Delivered, "failed", st.Failed, "retries", st.Retries)
	if fake != nil {
		for _, rb := range fake.Batches() {
			var pretty bytes.Buffer
			if json.Indent(&pretty, rb.Raw, "", "  ") == nil {
				fmt.Fprintln(stdout, pretty.String())
			}
		}
	}
	return code
}

// sampleBody is what -once posts: the two events of spec §D3.
const sampleBody = `{"events":[
 {"event_type":"users.messages.email.Send","id":"1d6f0a3e-8c2b-4f71-9e55-3b7a2c9d0e14","time":1714601200,
  "user":{"user_id":"65f0c1a2b3c4d5e6f7a8b9c0","external_user_id":"cust-88412","timezone":"America/New_York"},
  "properties":{"campaign_name":"Spring Restock","email_address":"ada.river@example.org","from_domain":"mail.example.org"}},
 {"event_type":"users.messages.pushnotification.Open","id":"4e8a2b6c-0d1f-4a3e-b5c7-9d2f4a6b8c0e","time":1714603955,
  "user":{"user_id":"65f0c1a2b3c4d5e6f7a8b9c0","external_user_id":"cust-88412","device_id":"6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"},
  "properties":{"platform":"ios","os_version":"17.4","device_model":"iPhone15,2","button_action_type":"deep_link"}}]}`

// postSample posts sampleBody to url as Braze would.
func postSample(ctx context.Context, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(sampleBody))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, answer)
	}
	return nil
}
