package brazetest

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
)

// Handlers of the user endpoints other than /users/track (spec §6). Each
// validates the whole body first and changes nothing when it answers 400.

const maxItems = 50

func badRequest(msg string) answer { return msgAnswer(http.StatusBadRequest, msg) }

func itemPath(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// objectList reads an array of objects, checking 1..50 items.
func objectList(doc map[string]any, field string, required bool) ([]map[string]any, string) {
	v, ok := doc[field]
	if !ok || v == nil {
		if required {
			return nil, "'" + field + "' is required"
		}
		return nil, ""
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, "'" + field + "' must be an array of objects"
	}
	if required && len(arr) == 0 {
		return nil, "'" + field + "' must not be empty"
	}
	if len(arr) > maxItems {
		return nil, MsgTooManyIDs
	}
	out := make([]map[string]any, len(arr))
	for i, it := range arr {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, "'" + field + "' must be an array of objects"
		}
		out[i] = m
	}
	return out, ""
}

func stringList(doc map[string]any, field string) ([]string, bool, string) {
	v, ok := doc[field]
	if !ok || v == nil {
		return nil, false, ""
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, true, "'" + field + "' must be an array of strings"
	}
	if len(arr) > maxItems {
		return nil, true, MsgTooManyIDs
	}
	out := make([]string, len(arr))
	for i, it := range arr {
		s, ok := it.(string)
		if !ok || s == "" {
			return nil, true, "'" + field + "' must be an array of non-empty strings"
		}
		out[i] = s
	}
	return out, true, ""
}

func aliasOf(v any) (Alias, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return Alias{}, false
	}
	name, _ := m["alias_name"].(string)
	label, _ := m["alias_label"].(string)
	if name == "" || label == "" || len(name) > maxAliasSize || len(label) > maxAliasSize {
		return Alias{}, false
	}
	return Alias{Name: name, Label: label}, true
}

func (s *Server) aliasNewLocked(doc map[string]any) answer {
	items, why := objectList(doc, "user_aliases", true)
	if why != "" {
		return badRequest(why)
	}
	type item struct {
		ext   string
		alias Alias
	}
	parsed := make([]item, len(items))
	for i, m := range items {
		a, ok := aliasOf(m)
		if !ok {
			return badRequest(itemPath("user_aliases", i) + ": 'alias_name' and 'alias_label' must be non-empty strings of at most 236 bytes")
		}
		ext, isStr := m["external_id"].(string)
		if v, has := m["external_id"]; has && v != nil && !isStr {
			return badRequest(itemPath("user_aliases", i) + ": 'external_id' must be a string")
		}
		parsed[i] = item{ext, a}
	}
	if !s.cfg.discard {
		for _, it := range parsed {
			if it.ext != "" {
				if p := s.store.byExt[it.ext]; p != nil {
					// One name per label per user: a new name replaces the old.
					p.aliases = slices.DeleteFunc(p.aliases, func(a Alias) bool { return a.Label == it.alias.Label })
					p.aliases = append(p.aliases, it.alias)
				}
				continue
			}
			if s.store.byAlias(it.alias) == nil {
				p := s.store.create()
				p.aliases = append(p.aliases, it.alias)
			}
		}
	}
	return jsonAnswer(http.StatusCreated, map[string]any{"aliases_processed": len(parsed), "message": MsgSuccess})
}

var prioritizations = []string{"identified", "unidentified", "most_recently_updated", "least_recently_updated"}

func checkPrioritization(v any, required bool, allowed []string) string {
	if v == nil {
		if required {
			return "'prioritization' is required"
		}
		return ""
	}
	arr, ok := v.([]any)
	if !ok || (required && len(arr) == 0) {
		return "'prioritization' must be a non-empty array"
	}
	seen := map[string]bool{}
	for _, e := range arr {
		s, _ := e.(string)
		if !slices.Contains(allowed, s) || seen[s] {
			return "'prioritization' has an invalid value"
		}
		seen[s] = true
	}
	if seen["identified"] && seen["unidentified"] {
		return "'prioritization' cannot contain both 'identified' and 'unidentified'"
	}
	return ""
}

func (s *Server) identifyLocked(doc map[string]any) answer {
	aliases, why := objectList(doc, "aliases_to_identify", false)
	if why != "" {
		return badRequest(why)
	}
	emails, why := objectList(doc, "emails_to_identify", false)
	if why != "" {
		return badRequest(why)
	}
	phones, why := objectList(doc, "phone_numbers_to_identify", false)
	if why != "" {
		return badRequest(why)
	}
	n := len(aliases) + len(emails) + len(phones)
	if n == 0 {
		return badRequest("one of 'aliases_to_identify', 'emails_to_identify' or 'phone_numbers_to_identify' is required")
	}
	if n > maxItems {
		return badRequest(MsgTooManyIDs)
	}
	for i, m := range aliases {
		if ext, _ := m["external_id"].(string); ext == "" {
			return badRequest(itemPath("aliases_to_identify", i) + ": 'external_id' is required")
		}
		if _, ok := aliasOf(m["user_alias"]); !ok {
			return badRequest(itemPath("aliases_to_identify", i) + ": 'user_alias' must have 'alias_name' and 'alias_label'")
		}
	}
	for _, group := range []struct {
		field, key string
		items      []map[string]any
	}{{"emails_to_identify", "email", emails}, {"phone_numbers_to_identify", "phone", phones}} {
		for i, m := range group.items {
			if ext, _ := m["external_id"].(string); ext == "" {
				return badRequest(itemPath(group.field, i) + ": 'external_id' is required")
			}
			if v, _ := m[group.key].(string); v == "" || (group.key == "email" && !validEmail(v)) {
				return badRequest(itemPath(group.field, i) + ": '" + group.key + "' is not valid")
			}
			if why := checkPrioritization(m["prioritization"], true, prioritizations); why != "" {
				return badRequest(itemPath(group.field, i) + ": " + why)
			}
		}
	}
	if !s.cfg.discard {
		for _, m := range aliases {
			a, _ := aliasOf(m["user_alias"])
			s.identify(m["external_id"].(string), s.store.byAlias(a), &a)
		}
		for _, m := range emails {
			s.identify(m["external_id"].(string), s.uniqueAnonymous("email", m["email"].(string)), nil)
		}
		for _, m := range phones {
			s.identify(m["external_id"].(string), s.uniqueAnonymous("phone", m["phone"].(string)), nil)
		}
	}
	return jsonAnswer(http.StatusCreated, map[string]any{"aliases_processed": n, "message": MsgSuccess})
}

// uniqueAnonymous returns the only profile without an external_id that has
// the email/phone; several matches mean no merge (spec §6).
func (s *Server) uniqueAnonymous(field, value string) *profile {
	var found *profile
	for _, p := range s.store.sorted() {
		if v, _ := p.attrs[field].(string); v == value && p.externalID == "" {
			if found != nil {
				return nil
			}
			found = p
		}
	}
	return found
}

// identify attaches externalID to the anonymous profile anon: merged into
// an existing profile with that id, or given the id when there is none.
func (s *Server) identify(externalID string, anon *profile, alias *Alias) {
	if anon == nil || anon.externalID != "" {
		return
	}
	target := s.store.byExt[externalID]
	if target == nil {
		s.store.setExternalID(anon, externalID)
		return
	}
	if alias != nil && slices.ContainsFunc(target.aliases, func(a Alias) bool { return a.Label == alias.Label }) {
		return // the target already has an alias with that label: no merge
	}
	s.store.merge(anon, target)
}

// mergeIdentifier parses an identifier_to_merge / identifier_to_keep.
func (s *Server) mergeIdentifier(v any) (*profile, string) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "identifiers must be objects with an 'external_id' property that is a string, a 'user_alias' property that is an object, an 'email' property that is a string, or a 'phone' property that is a string"
	}
	kinds := 0
	var p *profile
	if ext, ok := m["external_id"].(string); ok && ext != "" {
		kinds++
		p = s.store.byExt[ext]
	}
	if ua, has := m["user_alias"]; has {
		a, ok := aliasOf(ua)
		if !ok {
			return nil, "'user_alias' must have 'alias_name' and 'alias_label'"
		}
		kinds++
		p = s.store.byAlias(a)
	}
	for _, f := range []string{"email", "phone"} {
		if val, ok := m[f].(string); ok && val != "" {
			kinds++
			if why := checkPrioritization(m["prioritization"], true, prioritizations); why != "" {
				return nil, why
			}
			p = s.store.byContact(f, val)
		}
	}
	if kinds != 1 {
		return nil, "identifiers must be objects with an 'external_id' property that is a string, a 'user_alias' property that is an object, an 'email' property that is a string, or a 'phone' property that is a string"
	}
	return p, ""
}

func (s *Server) mergeLocked(doc map[string]any) answer {
	v, ok := doc["merge_updates"].([]any)
	if !ok || len(v) == 0 {
		return badRequest("'merge_updates' must be an array of objects")
	}
	if len(v) > maxItems {
		return badRequest("a single request may not contain more than 50 merge updates")
	}
	type pair struct{ from, into *profile }
	pairs := make([]pair, len(v))
	for i, it := range v {
		m, ok := it.(map[string]any)
		if !ok {
			return badRequest("'merge_updates' must be an array of objects")
		}
		if len(m) != 2 || m["identifier_to_merge"] == nil || m["identifier_to_keep"] == nil {
			return badRequest("'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'")
		}
		from, why := s.mergeIdentifier(m["identifier_to_merge"])
		if why != "" {
			return badRequest(why)
		}
		into, why := s.mergeIdentifier(m["identifier_to_keep"])
		if why != "" {
			return badRequest(why)
		}
		pairs[i] = pair{from, into}
	}
	if !s.cfg.discard {
		for _, p := range pairs {
			if p.from != nil && p.into != nil && s.store.profiles[p.from.brazeID] == p.from && s.store.profiles[p.into.brazeID] == p.into {
				s.store.merge(p.from, p.into)
			}
		}
	}
	return jsonAnswer(http.StatusAccepted, map[string]any{"message": MsgSuccess})
}

func (s *Server) deleteLocked(doc map[string]any) answer {
	kinds := []string{"external_ids", "user_aliases", "braze_ids", "email_addresses", "phone_numbers"}
	var kind string
	for _, k := range kinds {
		if v, ok := doc[k]; ok && v != nil {
			if kind != "" {
				return badRequest("exactly one of 'external_ids', 'user_aliases', 'braze_ids', 'email_addresses' or 'phone_numbers' may be provided")
			}
			kind = k
		}
	}
	if kind == "" {
		return badRequest("one of 'external_ids', 'user_aliases', 'braze_ids', 'email_addresses' or 'phone_numbers' is required")
	}
	var targets []*profile
	switch kind {
	case "external_ids", "braze_ids":
		ids, _, why := stringList(doc, kind)
		if why != "" {
			return badRequest(why)
		}
		for _, id := range ids {
			if kind == "external_ids" {
				targets = append(targets, s.store.byExt[id])
			} else {
				targets = append(targets, s.store.profiles[id])
			}
		}
	case "user_aliases":
		items, why := objectList(doc, kind, true)
		if why != "" {
			return badRequest(why)
		}
		for i, m := range items {
			a, ok := aliasOf(m)
			if !ok {
				return badRequest(itemPath(kind, i) + ": 'alias_name' and 'alias_label' are required")
			}
			targets = append(targets, s.store.byAlias(a))
		}
	default:
		items, why := objectList(doc, kind, true)
		if why != "" {
			return badRequest(why)
		}
		field := "email"
		if kind == "phone_numbers" {
			field = "phone"
		}
		allowed := []string{"identified", "unidentified", "most_recently_updated"}
		for i, m := range items {
			val, _ := m[field].(string)
			if val == "" {
				return badRequest(itemPath(kind, i) + ": '" + field + "' is required")
			}
			if why := checkPrioritization(m["prioritization"], false, allowed); why != "" {
				return badRequest(itemPath(kind, i) + ": " + why)
			}
			targets = append(targets, s.store.byContact(field, val))
		}
	}
	deleted := 0
	seen := map[*profile]bool{}
	for _, p := range targets {
		if p == nil || seen[p] {
			continue
		}
		seen[p] = true
		deleted++
		if !s.cfg.discard {
			s.store.remove(p)
		}
	}
	return jsonAnswer(http.StatusCreated, map[string]any{"deleted": deleted, "message": MsgSuccess})
}

var e164Re = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func (s *Server) subscriptionLocked(doc map[string]any) answer {
	groups, why := objectList(doc, "subscription_groups", true)
	if why != "" {
		return badRequest(why)
	}
	type upd struct {
		id, state           string
		ext, emails, phones []string
	}
	updates := make([]upd, len(groups))
	for i, g := range groups {
		id, _ := g["subscription_group_id"].(string)
		if id == "" {
			return badRequest(itemPath("subscription_groups", i) + ": 'subscription_group_id' is required")
		}
		state, _ := g["subscription_state"].(string)
		if state != "subscribed" && state != "unsubscribed" {
			return badRequest(itemPath("subscription_groups", i) + ": 'subscription_state' must be 'subscribed' or 'unsubscribed'")
		}
		ext, hasExt, why := stringList(g, "external_ids")
		if why != "" {
			return badRequest(itemPath("subscription_groups", i) + ": " + why)
		}
		emails, hasEmails, why := stringList(g, "emails")
		if why != "" {
			return badRequest(itemPath("subscription_groups", i) + ": " + why)
		}
		phones, hasPhones, why := stringList(g, "phones")
		if why != "" {
			return badRequest(itemPath("subscription_groups", i) + ": " + why)
		}
		if hasEmails && hasPhones {
			return badRequest("Either an email address or a phone number should be provided, but not both.")
		}
		if !hasExt && !hasEmails && !hasPhones {
			return badRequest(itemPath("subscription_groups", i) + ": one of 'external_ids', 'emails' or 'phones' is required")
		}
		for _, p := range phones {
			if !e164Re.MatchString(p) {
				return badRequest(itemPath("subscription_groups", i) + ": phone " + strconv.Quote(p) + " is not in E.164 format")
			}
		}
		for _, e := range emails {
			if !validEmail(e) {
				return badRequest(itemPath("subscription_groups", i) + ": email " + strconv.Quote(e) + " is not valid")
			}
		}
		updates[i] = upd{id, state, ext, emails, phones}
	}
	if !s.cfg.discard {
		for _, u := range updates {
			for _, id := range u.ext {
				if p := s.store.byExt[id]; p != nil {
					p.subs[u.id] = u.state
				}
			}
			for _, field := range []struct {
				name string
				vals []string
			}{{"email", u.emails}, {"phone", u.phones}} {
				for _, v := range field.vals {
					for _, p := range s.store.sorted() {
						if pv, _ := p.attrs[field.name].(string); pv == v {
							p.subs[u.id] = u.state
						}
					}
				}
			}
		}
	}
	return jsonAnswer(http.StatusCreated, map[string]any{"message": MsgSuccess})
}

func (s *Server) renameLocked(doc map[string]any) answer {
	items, why := objectList(doc, "external_id_renames", true)
	if why != "" {
		return badRequest(why)
	}
	ok := []string{}
	renameErrors := [][]any{}
	taken := map[string]bool{}
	for i, m := range items {
		cur, _ := m["current_external_id"].(string)
		nw, _ := m["new_external_id"].(string)
		var reason string
		switch {
		case cur == "" || nw == "":
			reason = "'current_external_id' and 'new_external_id' are required"
		case cur == nw:
			reason = "'current_external_id' and 'new_external_id' must differ"
		case s.store.byExt[cur] == nil || s.store.byExt[cur].externalID != cur:
			reason = "'current_external_id' is not a primary external id"
		case s.store.byExt[nw] != nil || taken[nw]:
			reason = "new_external_id is already in use"
		}
		if reason != "" {
			renameErrors = append(renameErrors, []any{i, reason})
			continue
		}
		taken[nw] = true
		ok = append(ok, cur)
		if !s.cfg.discard {
			p := s.store.byExt[cur]
			p.deprecated = append(p.deprecated, cur)
			s.store.setExternalID(p, nw)
		}
	}
	body := map[string]any{"message": MsgSuccess, "external_ids": ok}
	if len(renameErrors) > 0 {
		body["rename_errors"] = renameErrors
	}
	return jsonAnswer(http.StatusCreated, body)
}
