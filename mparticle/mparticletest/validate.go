package mparticletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Limits of the Events API (spec §A1), enforced by the fake independently of
// the mparticle package's own constants so that it judges the client rather
// than agreeing with it by construction.
const (
	// MaxBatchBytes is the largest batch the Events API accepts: 128 KB.
	MaxBatchBytes = 128 * 1024
	// MaxRequestBytes is the largest request body of either endpoint: 256 KB.
	MaxRequestBytes = 256 * 1024
	// MaxBatchesPerRequest is the most batches one /bulkevents request may hold.
	MaxBatchesPerRequest = 100
)

// eventTypes are the event_type values of the Events API (spec §A3).
var eventTypes = []string{
	"session_start", "session_end", "screen_view", "custom_event", "crash_report", "opt_out",
	"first_run", "pre_attribution", "push_registration", "application_state_transition",
	"push_message", "network_performance", "breadcrumb", "profile", "push_reaction",
	"commerce_event", "user_attribute_change", "user_identity_change", "uninstall",
}

// customEventTypes are the custom_event_type values (the schema lacks
// attribution, the JSON reference documents it).
var customEventTypes = []string{
	"navigation", "location", "search", "transaction", "user_content", "user_preference",
	"social", "other", "media", "attribution",
}

var environments = []string{"production", "development", "unknown"}

var transitionTypes = []string{
	"application_initialized", "application_exit", "application_background", "application_foreground",
}

// decodeJSON decodes data into an any tree keeping numbers as json.Number,
// so that int64 ids survive for tests that inspect them.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// checkBatch validates one batch the way the Events API schema does, as far
// as the fake cares: the shape of the top level, the required environment
// and, for every event, event_type and data plus the fields the schema marks
// required for that type. It returns the decoded batch and every problem
// found, each prefixed with its JSON path under prefix.
func checkBatch(raw []byte, prefix string, requireEnv bool) (map[string]any, []string) {
	if len(raw) > MaxBatchBytes {
		return nil, []string{fmt.Sprintf("%s: batch is %d bytes, over the %d-byte limit", orRoot(prefix), len(raw), MaxBatchBytes)}
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: invalid JSON: %v", orRoot(prefix), err)}
	}
	b, ok := v.(map[string]any)
	if !ok {
		return nil, []string{fmt.Sprintf("%s: batch must be a JSON object, got %s", orRoot(prefix), kind(v))}
	}
	var probs []string
	add := func(path, format string, args ...any) {
		probs = append(probs, join(prefix, path)+": "+fmt.Sprintf(format, args...))
	}

	switch env, present := b["environment"]; {
	case !present || env == nil:
		if requireEnv {
			add("environment", "required")
		}
	default:
		s, ok := env.(string)
		if !ok || !slices.Contains(environments, s) {
			add("environment", "%s is not one of %s", show(env), strings.Join(environments, ", "))
		}
	}
	if ids, ok := b["user_identities"]; ok && ids != nil {
		m, ok := ids.(map[string]any)
		if !ok {
			add("user_identities", "must be an object, got %s", kind(ids))
		}
		for _, k := range sortedKeys(m) {
			if _, ok := m[k].(string); !ok && m[k] != nil {
				add("user_identities."+k, "must be a string, got %s", kind(m[k]))
			}
		}
	}
	if attrs, ok := b["user_attributes"]; ok && attrs != nil {
		m, ok := attrs.(map[string]any)
		if !ok {
			add("user_attributes", "must be an object, got %s", kind(attrs))
		}
		for _, k := range sortedKeys(m) {
			if !attributeValue(m[k]) {
				add("user_attributes."+k, "must be a string, a list of strings or null, got %s", kind(m[k]))
			}
		}
	}
	if mpid, ok := b["mpid"]; ok && mpid != nil {
		if n, ok := mpid.(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
			add("mpid", "must be an integer, got %s", show(mpid))
		}
	}
	evs, present := b["events"]
	if !present || evs == nil {
		return b, probs
	}
	list, ok := evs.([]any)
	if !ok {
		add("events", "must be an array, got %s", kind(evs))
		return b, probs
	}
	for i, ev := range list {
		for _, p := range checkEvent(ev) {
			probs = append(probs, join(prefix, fmt.Sprintf("events[%d]", i))+p)
		}
	}
	return b, probs
}

// checkEvent validates one event envelope; each problem starts with the path
// below the event (".data.event_name: required") or ": ..." for the event
// itself.
func checkEvent(ev any) []string {
	m, ok := ev.(map[string]any)
	if !ok {
		return []string{": event must be an object, got " + kind(ev)}
	}
	var probs []string
	typ, ok := m["event_type"].(string)
	switch {
	case m["event_type"] == nil:
		probs = append(probs, ".event_type: required")
	case !ok:
		probs = append(probs, ".event_type: must be a string, got "+kind(m["event_type"]))
	case !slices.Contains(eventTypes, typ):
		probs = append(probs, fmt.Sprintf(".event_type: unknown event type %q", typ))
	}
	data, ok := m["data"].(map[string]any)
	if !ok {
		if m["data"] == nil {
			return append(probs, ".data: required")
		}
		return append(probs, ".data: must be an object, got "+kind(m["data"]))
	}
	need := func(field string, valid func(any) bool, want string) {
		v, present := data[field]
		switch {
		case !present || v == nil:
			probs = append(probs, ".data."+field+": required")
		case !valid(v):
			probs = append(probs, fmt.Sprintf(".data.%s: %s is not %s", field, show(v), want))
		}
	}
	isString := func(v any) bool { s, ok := v.(string); return ok && s != "" }
	isBool := func(v any) bool { _, ok := v.(bool); return ok }
	oneOf := func(set []string) func(any) bool {
		return func(v any) bool { s, ok := v.(string); return ok && slices.Contains(set, s) }
	}
	switch typ {
	case "custom_event":
		need("event_name", isString, "a non-empty string")
		need("custom_event_type", oneOf(customEventTypes), "one of "+strings.Join(customEventTypes, ", "))
	case "screen_view":
		need("screen_name", isString, "a non-empty string")
	case "opt_out":
		need("is_opted_out", isBool, "a boolean")
	case "push_registration":
		need("register", isBool, "a boolean")
		need("registration_token", isString, "a non-empty string")
	case "application_state_transition":
		need("application_transition_type", oneOf(transitionTypes), "one of "+strings.Join(transitionTypes, ", "))
	case "breadcrumb":
		need("label", isString, "a non-empty string")
	}
	if ca, ok := data["custom_attributes"]; ok && ca != nil {
		attrs, ok := ca.(map[string]any)
		if !ok {
			probs = append(probs, ".data.custom_attributes: must be an object, got "+kind(ca))
		}
		for _, k := range sortedKeys(attrs) {
			switch attrs[k].(type) {
			case nil, string, bool, json.Number:
			default:
				probs = append(probs, fmt.Sprintf(".data.custom_attributes.%s: must be a string, number, boolean or null, got %s", k, kind(attrs[k])))
			}
		}
	}
	return probs
}

// attributeValue reports whether v is an acceptable user attribute value:
// string, list of strings, or null. Numbers and booleans are tolerated
// because real payloads carry them and the API accepts them.
func attributeValue(v any) bool {
	switch v := v.(type) {
	case nil, string, bool, json.Number:
		return true
	case []any:
		for _, e := range v {
			switch e.(type) {
			case string, bool, json.Number:
			default:
				return false
			}
		}
		return true
	}
	return false
}

// kind names the JSON type of v for error messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// show renders a scalar for an error message, truncated so that a huge
// value cannot blow up the response.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return kind(v)
	}
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(prefix, path string) string {
	if prefix == "" {
		return path
	}
	return prefix + "." + path
}

func orRoot(prefix string) string {
	if prefix == "" {
		return "batch"
	}
	return prefix
}
