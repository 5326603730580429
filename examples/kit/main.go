// Command kit shows the kit-style calls of mpbraze end to end, for Go code
// that has no mParticle batch: the same calls an app makes on mParticle's
// SDK with the Braze kit, made from a Go backend.
//
//	go run ./examples/kit
//
// It runs against brazetest, an in-process fake of Braze's REST API, with
// anonymous users tracked by MPID alias. A visitor browses anonymously,
// logs in (the alias is merged into the customer's profile before the
// customer's data is sent), shops, updates their profile, logs out — and
// Braze stays on the customer, as the kits do. It prints every request
// Braze received and the final profile.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mpbraze/mpbraze"
	"github.com/mpbraze/mpbraze/braze/brazetest"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

func main() {
	os.Exit(run(os.Stdout, os.Stderr))
}

func run(stdout, stderr io.Writer) int {
	if err := demo(stdout); err != nil {
		fmt.Fprintln(stderr, "kit:", err)
		return 1
	}
	return 0
}

func demo(w io.Writer) error {
	fake := brazetest.NewServer()
	defer fake.Close()
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	kit, err := mpbraze.New(mpbraze.Config{
		BrazeKey:   brazetest.DefaultKey,
		BrazeURL:   fake.URL(),
		AllowHTTP:  true,
		HTTPClient: fake.Client(),
		Mapping: mapping.Settings{
			AnonymousUsers:     mapping.AnonymousAliasByMPID, // track visitors by MPID alias
			ForwardScreenViews: true,
			AppIDs:             map[string]string{"iOS": "braze-ios-app-id"},
		},
		Now: func() time.Time { now = now.Add(time.Second); return now },
	})
	if err != nil {
		return err
	}
	ctx := context.Background()

	// Steps run in order; each kit call is forwarded (queued) at once.
	u := kit.User(mparticle.UserIdentities{}, mpbraze.WithMPID(8217361),
		mpbraze.WithDevice(&mparticle.DeviceInfo{Platform: "iOS"}))
	mug := mparticle.NewProduct("SKU-MUG", "Camp Mug", 12, 2)
	purchase, err := mparticle.NewPurchase("ORD-1", 24, "USD", []mparticle.Product{mug}, nil)
	if err != nil {
		return err
	}
	steps := []struct {
		what string
		call func() error
	}{
		{"anonymous: LogScreen Catalog", func() error { return u.LogScreen(ctx, "Catalog", nil) }},
		{"anonymous: LogEvent Search", func() error {
			return u.LogEvent(ctx, "Search", mparticle.CustomSearch, map[string]any{"query": "mug"})
		}},
		{"Login customer c-42", func() error {
			return u.Login(ctx, mparticle.UserIdentities{CustomerID: "c-42", Email: "ada@example.org"})
		}},
		{"LogCommerceEvent purchase", func() error { return u.LogCommerceEvent(ctx, purchase) }},
		{"SetUserAttribute $FirstName", func() error { return u.SetUserAttribute(ctx, "$FirstName", "Ada") }},
		{"SetUserAttributeList favorite_colors", func() error {
			return u.SetUserAttributeList(ctx, "favorite_colors", []string{"teal", "orange"})
		}},
		{"SetUserTag beta_tester", func() error { return u.SetUserTag(ctx, "beta_tester") }},
		{"IncrementUserAttribute visits +1", func() error { return u.IncrementUserAttribute(ctx, "visits", 1) }},
		{"IncrementUserAttribute visits +2", func() error { return u.IncrementUserAttribute(ctx, "visits", 2) }},
		{"RegisterPushToken", func() error { return u.RegisterPushToken(ctx, "apns-device-token") }},
		{"Logout", func() error { return u.Logout(ctx, mparticle.UserIdentities{}) }},
		{"after logout: LogEvent Closed App", func() error {
			return u.LogEvent(ctx, "Closed App", mparticle.CustomOther, nil)
		}},
	}
	for _, s := range steps {
		fmt.Fprintf(w, "→ %s\n", s.what)
		if err := s.call(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	report, err := kit.Close(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d objects delivered, %d failed.\n\nRequests Braze received, in order:\n", report.Delivered, report.Failed)
	for _, r := range fake.Requests() {
		fmt.Fprintf(w, "  %d %s %s\n", r.Status, r.Path, r.Body)
	}
	profile, ok := fake.User("c-42")
	if !ok {
		return fmt.Errorf("c-42 not stored")
	}
	fmt.Fprintln(w, "\nFinal Braze profile of c-42 (the visitor's alias was merged into it):")
	printJSON(w, "aliases", profile.Aliases)
	printJSON(w, "attributes", profile.Attributes)
	for _, e := range profile.Events {
		printJSON(w, "event "+e.Name, e.Properties)
	}
	for _, p := range profile.Purchases {
		fmt.Fprintf(w, "  purchase %s: %d × %.2f %s\n", p.ProductID, p.Quantity, p.Price, p.Currency)
	}
	return nil
}

func printJSON(w io.Writer, label string, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "  %s: %s\n", label, b)
}
