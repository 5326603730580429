// Command quickstart shows mpbraze end to end in a second, with no flags,
// no network and no Braze account:
//
//	go run ./examples/quickstart
//
// It starts brazetest, an in-process fake of Braze's REST API that
// validates like Braze, forwards four mParticle batches (sample.ndjson:
// custom events, commerce, user attributes, a user without a customer id,
// and a batch that came from Braze Currents) through an mpbraze.Kit with
// the mParticle Braze kit's default settings, and prints what Braze
// received for each user and what was not forwarded, and why.
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

//go:embed sample.ndjson
var sample []byte

func main() {
	os.Exit(run(os.Stdout, os.Stderr))
}

func run(stdout, stderr io.Writer) int {
	if err := quickstart(stdout); err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	return 0
}

func quickstart(w io.Writer) error {
	// 1. A fake Braze on loopback. In production, set Instance (or
	//    BrazeURL) and BrazeKey instead, and drop AllowHTTP/HTTPClient.
	fake := brazetest.NewServer()
	defer fake.Close()

	// 2. The kit: mParticle's Braze kit defaults (external_id = customer
	//    id), every mapping diagnostic collected for the report below.
	var skipped []mapping.Diagnostic
	kit, err := mpbraze.New(mpbraze.Config{
		BrazeKey:   brazetest.DefaultKey,
		BrazeURL:   fake.URL(),
		AllowHTTP:  true,
		HTTPClient: fake.Client(),
		Now:        func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) },
		OnDiagnostic: func(d mapping.Diagnostic) {
			skipped = append(skipped, d)
		},
	})
	if err != nil {
		return err
	}

	// 3. Forward every batch of the sample (one batch, a JSON array, or
	//    NDJSON all decode the same way).
	ctx := context.Background()
	dec := mparticle.NewDecoder(bytes.NewReader(sample))
	n := 0
	for {
		b, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := kit.Forward(ctx, b); err != nil {
			return err
		}
		n++
	}

	// 4. Close delivers everything queued and reports every result.
	report, err := kit.Close(ctx)
	if err != nil {
		return err
	}
	st := kit.Stats()
	fmt.Fprintf(w, "Forwarded %d mParticle batches to a fake Braze: %d objects delivered, %d failed, in %d /users/track request(s).\n\n",
		n, report.Delivered, report.Failed, st.Delivery.Requests)
	for _, f := range report.Failures {
		fmt.Fprintf(w, "FAILED: %v\n", f.Err)
	}
	printUsers(w, fake.Users())
	printSkipped(w, skipped)
	fmt.Fprintln(w, "\nNext:")
	fmt.Fprintln(w, "  go run ./examples/forward -in examples/quickstart/sample.ndjson -dry-run   # the exact Braze requests")
	fmt.Fprintln(w, "  go run ./examples/kit                                                     # kit-style calls from Go code")
	fmt.Fprintln(w, "  Anonymous users: set Config.Mapping.AnonymousUsers = mapping.AnonymousAliasByMPID to track them by MPID alias.")
	return nil
}

// printUsers shows what Braze stored, per user.
func printUsers(w io.Writer, users []brazetest.User) {
	fmt.Fprintln(w, "What Braze received, per user:")
	sort.Slice(users, func(i, j int) bool { return users[i].ExternalID < users[j].ExternalID })
	for _, u := range users {
		fmt.Fprintf(w, "\n  external_id %q\n", u.ExternalID)
		if len(u.Attributes) > 0 {
			fmt.Fprintf(w, "    attributes  %s\n", compact(u.Attributes))
		}
		for _, e := range u.Events {
			fmt.Fprintf(w, "    event       %-32q %s  %s\n", e.Name, e.Time, compact(e.Properties))
		}
		for _, p := range u.Purchases {
			fmt.Fprintf(w, "    purchase    %-32q %d × %.2f %s  %s\n", p.ProductID, p.Quantity, p.Price, p.Currency, compact(p.Properties))
		}
	}
}

// printSkipped lists what was not forwarded or was changed, and why.
func printSkipped(w io.Writer, diags []mapping.Diagnostic) {
	fmt.Fprintln(w, "\nNot forwarded or changed to fit Braze, and why:")
	for _, d := range diags {
		where := "batch " + d.BatchID
		if d.EventIndex >= 0 {
			where += fmt.Sprintf(", event %d", d.EventIndex)
			if d.EventName != "" {
				where += fmt.Sprintf(" %q", d.EventName)
			}
		}
		if d.Key != "" {
			where += fmt.Sprintf(", key %q", d.Key)
		}
		fmt.Fprintf(w, "  %-14s %s: %s\n", d.Code, where, d.Reason)
	}
}

// compact renders v as compact JSON with sorted keys.
func compact(v any) string {
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}
