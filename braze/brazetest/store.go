package brazetest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// User is a snapshot of one stored profile.
type User struct {
	// BrazeID is the fake's id for the profile ("bz-1", "bz-2", ...).
	BrazeID string
	// ExternalID is the profile's external_id, "" for anonymous profiles.
	ExternalID string
	// DeprecatedExternalIDs are former external ids (after a rename); they
	// still resolve to this profile.
	DeprecatedExternalIDs []string
	// Aliases are the profile's user aliases, in the order added.
	Aliases []Alias
	// Attributes holds standard and custom attributes as decoded JSON
	// (string, bool, int64 for integral numbers, float64, []any,
	// map[string]any). Deleted (null) attributes are absent.
	Attributes map[string]any
	// Events are the stored events, in arrival order.
	Events []Event
	// Purchases are the stored purchases, in arrival order.
	Purchases []Purchase
	// Subscriptions maps subscription group ids to "subscribed" or
	// "unsubscribed".
	Subscriptions map[string]string
}

// Alias is a user alias.
type Alias struct {
	// Name is the alias_name.
	Name string
	// Label is the alias_label.
	Label string
}

// Event is a stored custom event.
type Event struct {
	// Name is the event name.
	Name string
	// Time is the time string as sent.
	Time string
	// AppID is the app_id, "" if absent.
	AppID string
	// Properties are the decoded properties (nil if absent).
	Properties map[string]any
	// Request is the Seq of the request that carried it.
	Request int
}

// Purchase is a stored purchase.
type Purchase struct {
	// ProductID is the product_id.
	ProductID string
	// Currency is the currency code as sent.
	Currency string
	// Price is the unit price.
	Price float64
	// Quantity is the quantity (1 when absent).
	Quantity int
	// Time is the time string as sent.
	Time string
	// AppID is the app_id, "" if absent.
	AppID string
	// Properties are the decoded properties (nil if absent).
	Properties map[string]any
	// Request is the Seq of the request that carried it.
	Request int
}

// profile is the mutable stored form of a User.
type profile struct {
	seq        int
	brazeID    string
	externalID string
	deprecated []string
	aliases    []Alias
	attrs      map[string]any
	events     []Event
	purchases  []Purchase
	subs       map[string]string
}

type store struct {
	next     int
	maxArray int
	profiles map[string]*profile // by braze id
	byExt    map[string]*profile // current and deprecated external ids
}

func newStore(maxArray int) *store {
	return &store{maxArray: maxArray, profiles: map[string]*profile{}, byExt: map[string]*profile{}}
}

func (st *store) create() *profile {
	st.next++
	p := &profile{seq: st.next, brazeID: "bz-" + strconv.Itoa(st.next), attrs: map[string]any{}, subs: map[string]string{}}
	st.profiles[p.brazeID] = p
	return p
}

func (st *store) remove(p *profile) {
	delete(st.profiles, p.brazeID)
	for k, v := range st.byExt {
		if v == p {
			delete(st.byExt, k)
		}
	}
}

func (st *store) setExternalID(p *profile, id string) {
	p.externalID = id
	st.byExt[id] = p
}

func (st *store) byAlias(a Alias) *profile {
	for _, p := range st.sorted() {
		if slices.Contains(p.aliases, a) {
			return p
		}
	}
	return nil
}

// byContact finds the profile for an email or phone the way Braze does:
// the most recently created one with an external_id, else the most recent.
func (st *store) byContact(field, value string) *profile {
	var withExt, any *profile
	for _, p := range st.sorted() {
		if v, _ := p.attrs[field].(string); v != "" && strings.EqualFold(v, value) {
			any = p
			if p.externalID != "" {
				withExt = p
			}
		}
	}
	if withExt != nil {
		return withExt
	}
	return any
}

func (st *store) sorted() []*profile {
	out := make([]*profile, 0, len(st.profiles))
	for _, p := range st.profiles {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *profile) int { return a.seq - b.seq })
	return out
}

// resolve finds (or, when create is true, makes) the profile an object's
// identifier names. id has been validated.
func (st *store) resolve(id ident, create bool) *profile {
	switch {
	case id.externalID != "":
		if p := st.byExt[id.externalID]; p != nil {
			return p
		}
		if !create {
			return nil
		}
		p := st.create()
		st.setExternalID(p, id.externalID)
		return p
	case id.alias != nil:
		if p := st.byAlias(*id.alias); p != nil {
			return p
		}
		if !create {
			return nil
		}
		p := st.create()
		p.aliases = append(p.aliases, *id.alias)
		return p
	case id.brazeID != "":
		return st.profiles[id.brazeID]
	case id.email != "":
		if p := st.byContact("email", id.email); p != nil {
			return p
		}
		if !create {
			return nil
		}
		p := st.create()
		p.attrs["email"] = id.email
		return p
	case id.phone != "":
		if p := st.byContact("phone", id.phone); p != nil {
			return p
		}
		if !create {
			return nil
		}
		p := st.create()
		p.attrs["phone"] = id.phone
		return p
	}
	return nil
}

// merge moves from's data into into (profile fields and custom attributes
// that into lacks, events, purchases, aliases, subscriptions) and removes
// from.
func (st *store) merge(from, into *profile) {
	if from == into {
		return
	}
	for k, v := range from.attrs {
		if _, ok := into.attrs[k]; !ok {
			into.attrs[k] = v
		}
	}
	into.events = append(into.events, from.events...)
	into.purchases = append(into.purchases, from.purchases...)
	for _, a := range from.aliases {
		if !slices.Contains(into.aliases, a) {
			into.aliases = append(into.aliases, a)
		}
	}
	for k, v := range from.subs {
		if _, ok := into.subs[k]; !ok {
			into.subs[k] = v
		}
	}
	st.remove(from)
}

func (p *profile) snapshot() User {
	u := User{
		BrazeID:               p.brazeID,
		ExternalID:            p.externalID,
		DeprecatedExternalIDs: slices.Clone(p.deprecated),
		Aliases:               slices.Clone(p.aliases),
		Attributes:            deepCopy(p.attrs).(map[string]any),
		Subscriptions:         make(map[string]string, len(p.subs)),
	}
	for k, v := range p.subs {
		u.Subscriptions[k] = v
	}
	for _, e := range p.events {
		e.Properties, _ = deepCopy(e.Properties).(map[string]any)
		u.Events = append(u.Events, e)
	}
	for _, pu := range p.purchases {
		pu.Properties, _ = deepCopy(pu.Properties).(map[string]any)
		u.Purchases = append(u.Purchases, pu)
	}
	return u
}

// User returns the profile with the given external_id (current or
// deprecated) and whether it exists.
func (s *Server) User(externalID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.store.byExt[externalID]
	if p == nil {
		return User{}, false
	}
	return p.snapshot(), true
}

// UserByAlias returns the profile holding the alias.
func (s *Server) UserByAlias(name, label string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.store.byAlias(Alias{Name: name, Label: label})
	if p == nil {
		return User{}, false
	}
	return p.snapshot(), true
}

// UserByEmail returns the profile Braze would pick for the email address.
func (s *Server) UserByEmail(email string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.store.byContact("email", email)
	if p == nil {
		return User{}, false
	}
	return p.snapshot(), true
}

// Users returns every stored profile, oldest first.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.store.sorted()
	out := make([]User, len(ps))
	for i, p := range ps {
		out[i] = p.snapshot()
	}
	return out
}

// normalizeMap converts json.Number values (decoded with UseNumber) to
// int64 when integral and float64 otherwise, recursively.
func normalizeMap(m map[string]any) map[string]any {
	for k, v := range m {
		m[k] = normalize(v)
	}
	return m
}

func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case map[string]any:
		return normalizeMap(x)
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
		return x
	}
	return v
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return map[string]any(nil)
		}
		o := make(map[string]any, len(x))
		for k, vv := range x {
			o[k] = deepCopy(vv)
		}
		return o
	case []any:
		o := make([]any, len(x))
		for i := range x {
			o[i] = deepCopy(x[i])
		}
		return o
	}
	return v
}
