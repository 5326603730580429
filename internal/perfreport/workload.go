package perfreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/mpbraze/mpbraze/mparticle"
)

// Defaults of WorkloadConfig's zero values.
const (
	// DefaultSeed seeds the generator when WorkloadConfig.Seed is zero.
	DefaultSeed = 20261128
	// DefaultPoolBatches is the number of distinct forward batches
	// generated; runs cycle through them (see WorkloadConfig.Batches).
	DefaultPoolBatches = 2000
	// DefaultUsers is the number of distinct users in the workload.
	DefaultUsers = 5000
	// DefaultCurrentsPerBody is the number of Currents events per POST
	// body, about what Braze sends at a time.
	DefaultCurrentsPerBody = 100
	// DefaultProfilesPerMessage is the number of user profiles per audience
	// membership message.
	DefaultProfilesPerMessage = 50
)

// WorkloadConfig sizes a generated workload. Zero fields mean the
// documented defaults.
type WorkloadConfig struct {
	// Seed makes the workload deterministic: the same seed and sizes give
	// the same bytes. Zero means DefaultSeed.
	Seed uint64
	// Batches is the number of distinct mParticle batches generated
	// (forward path). Runs larger than the pool cycle through it, so the
	// input held in memory does not grow with the run; zero means
	// DefaultPoolBatches.
	Batches int
	// Users is the number of distinct users the batches, Currents events
	// and audience profiles are spread over; zero means DefaultUsers.
	Users int
	// CurrentsBodies and CurrentsPerBody size the Currents workload (POST
	// bodies of CurrentsPerBody events); zero means 100 bodies of
	// DefaultCurrentsPerBody.
	CurrentsBodies, CurrentsPerBody int
	// AudienceMessages and ProfilesPerMessage size the audience workload;
	// zero means 200 messages of DefaultProfilesPerMessage profiles.
	AudienceMessages, ProfilesPerMessage int
}

func (c WorkloadConfig) withDefaults() WorkloadConfig {
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Batches <= 0 {
		c.Batches = DefaultPoolBatches
	}
	if c.Users <= 0 {
		c.Users = DefaultUsers
	}
	if c.CurrentsBodies <= 0 {
		c.CurrentsBodies = 100
	}
	if c.CurrentsPerBody <= 0 {
		c.CurrentsPerBody = DefaultCurrentsPerBody
	}
	if c.AudienceMessages <= 0 {
		c.AudienceMessages = 200
	}
	if c.ProfilesPerMessage <= 0 {
		c.ProfilesPerMessage = DefaultProfilesPerMessage
	}
	return c
}

// Workload is the generated input of every path, as the wire bytes a real
// forwarder would receive.
type Workload struct {
	// Config is the configuration with defaults filled in.
	Config WorkloadConfig
	// Batches are mParticle Events API batches (one user each), as JSON.
	Batches [][]byte
	// BatchUsers is the user number of each batch (same index); a runner
	// keeps one user's batches on one goroutine so their order holds.
	BatchUsers []int
	// BatchEvents is the number of events in each batch (same index).
	BatchEvents []int
	// Currents are Braze Currents POST bodies ({"events":[…]}).
	Currents [][]byte
	// CurrentsEvents is the number of events across Currents, and
	// CurrentsIdentified those with an external user id: the mParticle
	// batches the Currents path must deliver (the others are skipped).
	CurrentsEvents, CurrentsIdentified int
	// Audience are mParticle audience membership change messages.
	Audience [][]byte
	// AudienceProfiles is the number of user profiles across Audience.
	AudienceProfiles int
}

// Events returns the number of events in the first n batches of the
// forward workload, cycling through the pool when n exceeds it.
func (w *Workload) Events(n int) int {
	total := 0
	for i := range n {
		total += w.BatchEvents[i%len(w.BatchEvents)]
	}
	return total
}

// Bytes returns the size of the first n batches of the forward workload,
// cycling through the pool.
func (w *Workload) Bytes(n int) int {
	total := 0
	for i := range n {
		total += len(w.Batches[i%len(w.Batches)])
	}
	return total
}

// baseTime is the time of the generated data: fixed so that the output is
// deterministic.
var baseTime = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// Generate builds a deterministic workload: forward batches mixing custom
// events, screen views, commerce (purchases of several products,
// add_to_cart, view_detail), user attribute changes and batch user
// attributes; Currents bodies mixing email, push and in-app events (about
// one in twenty without an external user id, which the forwarder skips);
// and audience membership messages mixing joins and leaves.
func Generate(cfg WorkloadConfig) (*Workload, error) {
	cfg = cfg.withDefaults()
	w := &Workload{Config: cfg}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	g := &generator{rng: rng, users: cfg.Users}
	for i := range cfg.Batches {
		user := rng.IntN(cfg.Users)
		b, err := g.batch(i, user)
		if err != nil {
			return nil, fmt.Errorf("perfreport: batch %d: %w", i, err)
		}
		raw, err := b.Encode()
		if err != nil {
			return nil, fmt.Errorf("perfreport: encoding batch %d: %w", i, err)
		}
		w.Batches = append(w.Batches, raw)
		w.BatchUsers = append(w.BatchUsers, user)
		w.BatchEvents = append(w.BatchEvents, len(b.Events))
	}
	for i := range cfg.CurrentsBodies {
		body, identified, err := g.currentsBody(i, cfg.CurrentsPerBody)
		if err != nil {
			return nil, fmt.Errorf("perfreport: currents body %d: %w", i, err)
		}
		w.Currents = append(w.Currents, body)
		w.CurrentsEvents += cfg.CurrentsPerBody
		w.CurrentsIdentified += identified
	}
	for i := range cfg.AudienceMessages {
		msg, err := g.audienceMessage(i, cfg.ProfilesPerMessage)
		if err != nil {
			return nil, fmt.Errorf("perfreport: audience message %d: %w", i, err)
		}
		w.Audience = append(w.Audience, msg)
		w.AudienceProfiles += cfg.ProfilesPerMessage
	}
	return w, nil
}

// generator holds the random source and vocabularies.
type generator struct {
	rng   *rand.Rand
	users int
}

var (
	customEventNames = []string{"Viewed Trail Guide", "Search", "Shared Item", "Played Video",
		"Started Trial", "Rated Product", "Joined Waitlist", "Opened Deal"}
	screenNames = []string{"Home", "Product Detail", "Cart", "Checkout", "Search Results", "Account"}
	categories  = []string{"outdoor", "books", "apparel", "camping", "footwear", "electronics"}
	brands      = []string{"Northbound", "Ridgeline", "Alder & Co", "Summit Works"}
	tiers       = []string{"bronze", "silver", "gold", "platinum"}
	firstNames  = []string{"Ada", "Grace", "Linus", "Ken", "Barbara", "Edsger", "Frances", "Alan"}
	cities      = []string{"Boston", "Denver", "Portland", "Austin", "Chicago"}
)

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func customerID(user int) string { return "cust-" + strconv.Itoa(100000+user) }

// batch builds batch number i for user: 2 to 8 events and a few user
// attributes.
func (g *generator) batch(i, user int) (*mparticle.Batch, error) {
	b := mparticle.NewBatch(mparticle.EnvironmentProduction)
	b.SourceRequestID = "perf-" + strconv.Itoa(i)
	b.MPID = mparticle.Set(int64(4611686018427387904 + user))
	b.UserIdentities = &mparticle.UserIdentities{
		CustomerID: customerID(user),
		Email:      "user" + strconv.Itoa(user) + "@example.org",
	}
	platform := mparticle.Platform("iOS")
	if user%3 == 0 {
		platform = mparticle.Platform("Android")
	}
	b.DeviceInfo = &mparticle.DeviceInfo{Platform: platform, OSVersion: "17.4", DeviceModel: "iPhone15,2"}
	attrs := map[string]any{
		"$FirstName": g.pick(firstNames),
		"$City":      g.pick(cities),
		"tier":       g.pick(tiers),
		"visits":     strconv.Itoa(1 + g.rng.IntN(300)),
	}
	if g.rng.IntN(4) == 0 {
		attrs["favorite_categories"] = []string{g.pick(categories), g.pick(categories)}
	}
	// In sorted key order, so that the batch (and its JSON) depends on
	// the seed alone.
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := b.SetUserAttribute(k, attrs[k]); err != nil {
			return nil, err
		}
	}
	at := baseTime.Add(time.Duration(i) * time.Second)
	n := 2 + g.rng.IntN(7)
	for j := range n {
		ev, err := g.event(i, j, mparticle.At(at.Add(time.Duration(j)*time.Millisecond)))
		if err != nil {
			return nil, err
		}
		b.AddEvent(ev)
	}
	return b, nil
}

// event draws one event: 45% custom events, 15% screen views, 10%
// add_to_cart, 10% purchases of 2–4 products, 5% view_detail, 15% user
// attribute changes.
func (g *generator) event(i, j int, at mparticle.EventOption) (mparticle.EventData, error) {
	id := mparticle.WithSourceMessageID("m-" + strconv.Itoa(i) + "-" + strconv.Itoa(j))
	switch r := g.rng.IntN(100); {
	case r < 45:
		attrs := map[string]any{
			"category": g.pick(categories),
			"source":   "app",
			"position": g.rng.IntN(20),
			"price":    strconv.FormatFloat(float64(g.rng.IntN(20000))/100, 'f', 2, 64),
			"premium":  g.rng.IntN(2) == 0,
		}
		if g.rng.IntN(3) == 0 {
			attrs["$query"] = "trail shoes size " + strconv.Itoa(36+g.rng.IntN(12))
		}
		return mparticle.NewCustomEvent(g.pick(customEventNames), mparticle.CustomNavigation, attrs, at, id)
	case r < 60:
		return mparticle.NewScreenView(g.pick(screenNames), map[string]any{"referrer": g.pick(screenNames)}, at, id)
	case r < 70:
		return mparticle.NewCommerceEvent(&mparticle.ProductAction{
			Action:   mparticle.ActionAddToCart,
			Products: []mparticle.Product{g.product(1)},
		}, "USD", map[string]any{"list": "recommended"}, at, id)
	case r < 80:
		products := make([]mparticle.Product, 2+g.rng.IntN(3))
		total := 0.0
		for k := range products {
			products[k] = g.product(k + 1)
			total += products[k].Price.Or(0) * products[k].Quantity.Or(1)
		}
		return mparticle.NewPurchase("T-"+strconv.Itoa(i)+"-"+strconv.Itoa(j), total, "USD", products,
			map[string]any{"channel": "app", "first_order": g.rng.IntN(5) == 0}, at, id)
	case r < 85:
		return mparticle.NewCommerceEvent(&mparticle.ProductAction{
			Action:   mparticle.ActionViewDetail,
			Products: []mparticle.Product{g.product(1)},
		}, "USD", nil, at, id)
	default:
		return mparticle.NewUserAttributeChange("tier",
			mparticle.StringAttr(g.pick(tiers)), mparticle.StringAttr(g.pick(tiers)), at, id), nil
	}
}

// product draws a product at list position pos.
func (g *generator) product(pos int) mparticle.Product {
	sku := 1000 + g.rng.IntN(500)
	p := mparticle.NewProduct("SKU-"+strconv.Itoa(sku), "Item "+strconv.Itoa(sku),
		float64(100+g.rng.IntN(19900))/100, float64(1+g.rng.IntN(3)))
	p.Brand = g.pick(brands)
	p.Category = g.pick(categories)
	p.Position = mparticle.Set(int64(pos))
	p.CustomAttributes = mparticle.Attributes{{Key: "color", Value: mparticle.StringAttr("green")}}
	return p
}

// currentsTypes are the Currents event types of the workload, with the
// fields each carries.
var currentsTypes = []string{
	"users.messages.email.Send", "users.messages.email.Delivery", "users.messages.email.Open",
	"users.messages.email.Click", "users.messages.pushnotification.Send",
	"users.messages.pushnotification.Open", "users.messages.inappmessage.Impression",
	"users.messages.inappmessage.Click",
}

type currentsUser struct {
	UserID         string `json:"user_id"`
	ExternalUserID string `json:"external_user_id,omitempty"`
	DeviceID       string `json:"device_id,omitempty"`
	Timezone       string `json:"timezone"`
}

type currentsEvent struct {
	EventType  string         `json:"event_type"`
	ID         string         `json:"id"`
	Time       int64          `json:"time"`
	User       currentsUser   `json:"user"`
	Properties map[string]any `json:"properties"`
}

// currentsBody builds body number i of n events and says how many carry an
// external user id.
func (g *generator) currentsBody(i, n int) ([]byte, int, error) {
	events := make([]currentsEvent, n)
	identified := 0
	for j := range events {
		user := g.rng.IntN(g.users)
		typ := g.pick(currentsTypes)
		e := currentsEvent{
			EventType: typ,
			ID:        fmt.Sprintf("cur-%d-%d", i, j),
			Time:      baseTime.Unix() + int64(i*n+j),
			User:      currentsUser{UserID: fmt.Sprintf("65f0c1a2b3c4d5e6%08x", user), Timezone: "America/New_York"},
			Properties: map[string]any{
				"app_group_id":  "3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9",
				"campaign_id":   "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
				"campaign_name": "Spring Restock",
				"dispatch_id":   fmt.Sprintf("65f0c1a2b3c4d5e6f7a8%04x", j),
				"send_id":       "spring-restock-0501",
			},
		}
		if g.rng.IntN(20) != 0 {
			e.User.ExternalUserID = customerID(user)
			identified++
		}
		switch {
		case bytes.Contains([]byte(typ), []byte(".email.")):
			e.Properties["email_address"] = "user" + strconv.Itoa(user) + "@example.org"
			e.Properties["mailbox_provider"] = "Gmail"
		default:
			e.User.DeviceID = fmt.Sprintf("6f1c2a9e-3b4d-4e5f-8a7b-%012x", user)
			e.Properties["app_id"] = "c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f"
			e.Properties["platform"] = []string{"ios", "android"}[user%2]
			e.Properties["os_version"] = "17.4"
			e.Properties["device_model"] = "iPhone15,2"
		}
		events[j] = e
	}
	body, err := json.Marshal(map[string]any{"events": events})
	return body, identified, err
}

type firehoseIdentity struct {
	Type     string `json:"type"`
	Encoding string `json:"encoding"`
	Value    string `json:"value"`
}

type firehoseAudience struct {
	AudienceID   int64  `json:"audience_id"`
	AudienceName string `json:"audience_name"`
	Action       string `json:"action"`
}

type firehoseProfile struct {
	MPID             string             `json:"mpid"`
	UserIdentities   []firehoseIdentity `json:"user_identities"`
	DeviceIdentities []firehoseIdentity `json:"device_identities,omitempty"`
	Audiences        []firehoseAudience `json:"audiences"`
}

type firehoseAccount struct {
	AccountID int64 `json:"account_id"`
}

type firehoseMessage struct {
	Type            string            `json:"type"`
	ID              string            `json:"id"`
	TimestampMS     int64             `json:"timestamp_ms"`
	FirehoseVersion string            `json:"firehose_version"`
	Account         firehoseAccount   `json:"account"`
	UserProfiles    []firehoseProfile `json:"user_profiles"`
}

var audienceNames = []string{"Lapsed Campers", "Gold Tier Shoppers", "High LTV", "Trail Runners", "Cart Abandoners"}

// audienceMessage builds message number i with n profiles, each joining or
// leaving one to three audiences.
func (g *generator) audienceMessage(i, n int) ([]byte, error) {
	msg := firehoseMessage{
		Type:            "audience_membership_change_request",
		ID:              fmt.Sprintf("7c1f4e2a-93b0-4d55-8f6e-%012x", i),
		TimestampMS:     baseTime.UnixMilli() + int64(i),
		FirehoseVersion: "3.2.0",
		Account:         firehoseAccount{AccountID: 40211},
	}
	for range n {
		user := g.rng.IntN(g.users)
		p := firehoseProfile{
			MPID: strconv.FormatInt(int64(4611686018427387904+user), 10),
			UserIdentities: []firehoseIdentity{
				{Type: "customer", Encoding: "raw", Value: customerID(user)},
				{Type: "email", Encoding: "raw", Value: "user" + strconv.Itoa(user) + "@example.org"},
			},
		}
		for k := range 1 + g.rng.IntN(3) {
			idx := (user + k) % len(audienceNames)
			action := "add"
			if g.rng.IntN(3) == 0 {
				action = "delete"
			}
			p.Audiences = append(p.Audiences, firehoseAudience{
				AudienceID: int64(11030 + idx), AudienceName: audienceNames[idx], Action: action,
			})
		}
		msg.UserProfiles = append(msg.UserProfiles, p)
	}
	return json.Marshal(msg)
}
