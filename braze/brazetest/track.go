package brazetest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits Braze documents for /users/track objects (spec §1).
const (
	maxStringChars    = 255
	maxExternalIDSize = 987
	maxAliasSize      = 236
	maxNestedBytes    = 100 << 10
	maxQuantity       = 100
)

// objectError is Braze's per-object error element.
type objectError struct {
	Type       string `json:"type"`
	InputArray string `json:"input_array"`
	Index      int    `json:"index"`
}

// ident is a parsed object identifier.
type ident struct {
	externalID string
	alias      *Alias
	brazeID    string
	email      string
	phone      string
}

// parseIdent checks the identifier rules of spec §1.2 and returns Braze's
// error text for a bad one.
func parseIdent(o map[string]any) (ident, string) {
	var id ident
	primaries := 0
	if v, ok := o["external_id"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			return id, "'external_id' must be a string"
		}
		if len(s) > maxExternalIDSize {
			return id, "EXTERNAL_USER_ID_TOO_LARGE"
		}
		if s != "" {
			id.externalID = s
			primaries++
		}
	}
	if v, ok := o["user_alias"]; ok && v != nil {
		m, isObj := v.(map[string]any)
		if !isObj {
			return id, "'user_alias' must be an object"
		}
		name, _ := m["alias_name"].(string)
		label, _ := m["alias_label"].(string)
		if name == "" || label == "" || len(name) > maxAliasSize || len(label) > maxAliasSize {
			return id, "'user_alias' must have a non-empty 'alias_name' and 'alias_label' of at most 236 bytes"
		}
		id.alias = &Alias{Name: name, Label: label}
		primaries++
	}
	if v, ok := o["braze_id"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			return id, "'braze_id' must be a string"
		}
		if s != "" {
			id.brazeID = s
			primaries++
		}
	}
	for _, f := range []string{"email", "phone"} {
		if v, ok := o[f]; ok && v != nil {
			s, isStr := v.(string)
			if !isStr {
				if f == "email" {
					return id, "EMAIL_BAD_FORMAT"
				}
				return id, "'phone' must be a string"
			}
			if f == "email" {
				id.email = s
			} else {
				id.phone = s
			}
		}
	}
	if id.email != "" && !validEmail(id.email) {
		return id, "EMAIL_BAD_FORMAT"
	}
	switch {
	case primaries > 1:
		return id, "only one of 'external_id', 'braze_id' or 'user_alias' may be provided"
	case primaries == 0 && id.email == "" && id.phone == "":
		return id, MsgIdentifierReq
	}
	return id, ""
}

var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func validEmail(s string) bool { return emailRe.MatchString(s) }

// updateExistingOnly reads _update_existing_only; aliases default to true.
func updateExistingOnly(o map[string]any, id ident) (bool, string) {
	v, ok := o["_update_existing_only"]
	if !ok || v == nil {
		return id.alias != nil && id.externalID == "", ""
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, "'_update_existing_only' must be a boolean"
	}
	return b, ""
}

// trackState carries request-wide findings while validating.
type trackState struct {
	nestedInvalid bool // one bad nested value drops every nested update of the request
}

// trackPlan is a validated /users/track request, ready to apply.
type trackPlan struct {
	valid    [3][]validObject
	present  [3]bool
	errs     []objectError
	rejected [3]int
	nested   bool // drop nested updates (one was invalid)
}

type validObject struct {
	obj map[string]any
	id  ident
	uo  bool
}

var trackArrays = [3]string{"attributes", "events", "purchases"}

// checkTrack validates a /users/track body without touching the store, so
// that concurrent requests validate in parallel. A fatal problem returns a
// non-nil *answer.
func (s *Server) checkTrack(doc map[string]any) (*trackPlan, *answer) {
	fatal := func(a answer) (*trackPlan, *answer) { return nil, &a }
	var objs [3][]any
	plan := &trackPlan{}
	total := 0
	for i, name := range trackArrays {
		v, ok := doc[name]
		if !ok || v == nil {
			continue
		}
		list, isArr := v.([]any)
		if !isArr {
			return fatal(msgAnswer(http.StatusBadRequest, "'"+name+"' must be an array"))
		}
		objs[i], plan.present[i] = list, true
		total += len(list)
		if s.cfg.perArray && len(list) > s.cfg.maxObjects {
			return fatal(msgAnswer(http.StatusBadRequest, MsgMaxInput))
		}
	}
	if !s.cfg.perArray && total > s.cfg.maxObjects {
		return fatal(msgAnswer(http.StatusBadRequest, MsgMaxInput))
	}

	var st trackState
	for i, name := range trackArrays {
		for j, raw := range objs[i] {
			o, isObj := raw.(map[string]any)
			var why string
			var id ident
			var uo bool
			if !isObj {
				why = "object must be a JSON object"
			} else if id, why = parseIdent(o); why == "" {
				if uo, why = updateExistingOnly(o, id); why == "" {
					switch i {
					case 0:
						why = checkAttributes(o, id, &st)
					case 1:
						why = checkEvent(o)
					default:
						why = checkPurchase(o)
					}
				}
			}
			if why != "" {
				plan.errs = append(plan.errs, objectError{Type: why, InputArray: name, Index: j})
				plan.rejected[i]++
				continue
			}
			plan.valid[i] = append(plan.valid[i], validObject{o, id, uo})
		}
	}
	plan.nested = st.nestedInvalid
	return plan, nil
}

// applyTrackLocked stores a validated request and builds the answer.
func (s *Server) applyTrackLocked(plan *trackPlan, seq int) answer {
	for i, name := range trackArrays {
		s.stats.Rejected[name] += plan.rejected[i]
	}
	if len(plan.valid[0])+len(plan.valid[1])+len(plan.valid[2]) == 0 {
		body := map[string]any{"message": MsgValidData}
		if len(plan.errs) > 0 {
			body["errors"] = plan.errs
		}
		return jsonAnswer(http.StatusBadRequest, body)
	}
	if !s.cfg.discard {
		// Braze's processing order: attributes, then events, then purchases.
		for _, v := range plan.valid[0] {
			if p := s.store.resolve(v.id, !v.uo); p != nil {
				s.applyAttributes(p, v.obj, v.id, plan.nested)
			}
		}
		for _, v := range plan.valid[1] {
			if p := s.store.resolve(v.id, !v.uo); p != nil {
				p.events = append(p.events, eventOf(v.obj, seq))
			}
		}
		for _, v := range plan.valid[2] {
			if p := s.store.resolve(v.id, !v.uo); p != nil {
				p.purchases = append(p.purchases, purchaseOf(v.obj, seq))
			}
		}
	}
	for i, name := range trackArrays {
		s.stats.Accepted[name] += len(plan.valid[i])
	}
	body := map[string]any{"message": MsgSuccess}
	for i, name := range trackArrays {
		if plan.present[i] {
			body[name+"_processed"] = len(plan.valid[i])
		}
	}
	if len(plan.errs) > 0 {
		body["errors"] = plan.errs
	}
	return jsonAnswer(http.StatusCreated, body)
}

// Standard profile fields (spec §1.4) and their checks. A nil checker
// means "any string or null".
var standardFields = map[string]func(v any) string{
	"first_name": stringOrNull("first_name"), "last_name": stringOrNull("last_name"),
	"home_city": stringOrNull("home_city"), "phone": stringOrNull("phone"),
	"country": stringOrNull("country"), "language": stringOrNull("language"),
	"time_zone": stringOrNull("time_zone"), "image_url": stringOrNull("image_url"),
	"email": func(v any) string {
		if s, ok := v.(string); v != nil && (!ok || (s != "" && !validEmail(s))) {
			return "EMAIL_BAD_FORMAT"
		}
		return ""
	},
	"dob": func(v any) string {
		if s, ok := v.(string); v != nil && (!ok || !validDate(s)) {
			return "'dob' is not valid"
		}
		return ""
	},
	"gender": func(v any) string {
		if s, ok := v.(string); v != nil && (!ok || !slices.Contains([]string{"M", "F", "O", "N", "P"}, strings.ToUpper(s))) {
			return "'gender' is not valid"
		}
		return ""
	},
	"email_subscribe":     subscribeState("BAD_EMAIL_SUBSCRIPTION_STATE"),
	"push_subscribe":      subscribeState("BAD_PUSH_SUBSCRIPTION_STATE"),
	"subscription_groups": checkSubscriptionGroups,
	"push_tokens":         checkPushTokens,
	"current_location": func(v any) string {
		if v == nil {
			return ""
		}
		m, ok := v.(map[string]any)
		lat, okLat := num(m["latitude"])
		lon, okLon := num(m["longitude"])
		if !ok || !okLat || !okLon || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return "BAD_LOCATION_UPDATE"
		}
		return ""
	},
	"date_of_first_session":         dateOrNull("date_of_first_session"),
	"date_of_last_session":          dateOrNull("date_of_last_session"),
	"marked_email_as_spam_at":       dateOrNull("marked_email_as_spam_at"),
	"email_open_tracking_disabled":  boolOrNull("email_open_tracking_disabled"),
	"email_click_tracking_disabled": boolOrNull("email_click_tracking_disabled"),
	"push_token_import":             boolOrNull("push_token_import"),
	"facebook":                      objectOrNull("facebook"),
	"twitter":                       objectOrNull("twitter"),
	"bio":                           func(any) string { return "" },
	"email_subscription_info":       func(any) string { return "INVALID_ATTRIBUTE_EMAIL_SUBSCRIPTION_INFO" },
}

// Keys of an attributes object that are not attributes.
var controlKeys = map[string]bool{"external_id": true, "user_alias": true, "braze_id": true,
	"_update_existing_only": true, "_merge_objects": true}

func stringOrNull(name string) func(any) string {
	return func(v any) string {
		if _, ok := v.(string); v != nil && !ok {
			return "'" + name + "' must be a string"
		}
		return ""
	}
}

func dateOrNull(name string) func(any) string {
	return func(v any) string {
		if s, ok := v.(string); v != nil && (!ok || !validTime(s)) {
			return "'" + name + "' is not a valid date"
		}
		return ""
	}
}

func boolOrNull(name string) func(any) string {
	return func(v any) string {
		if _, ok := v.(bool); v != nil && !ok {
			return "'" + name + "' must be a boolean"
		}
		return ""
	}
}

func objectOrNull(name string) func(any) string {
	return func(v any) string {
		if _, ok := v.(map[string]any); v != nil && !ok {
			return "'" + name + "' must be an object"
		}
		return ""
	}
}

func subscribeState(code string) func(any) string {
	return func(v any) string {
		s, ok := v.(string)
		if !ok || (s != "opted_in" && s != "subscribed" && s != "unsubscribed") {
			return code
		}
		return ""
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkSubscriptionGroups(v any) string {
	list, ok := v.([]any)
	if !ok {
		return "BAD_SUBSCRIPTION_GROUP_ARRAY"
	}
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return "BAD_SUBSCRIPTION_GROUP_HASH"
		}
		id, _ := m["subscription_group_id"].(string)
		if !uuidRe.MatchString(id) {
			return "BAD_SUBSCRIPTION_GROUP_ID"
		}
		st, _ := m["subscription_state"].(string)
		if st != "subscribed" && st != "unsubscribed" {
			return "BAD_SUBSCRIPTION_GROUP_STATE"
		}
	}
	return ""
}

func checkPushTokens(v any) string {
	list, ok := v.([]any)
	if !ok {
		return "BAD_PUSH_TOKEN_VALUE"
	}
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return "BAD_PUSH_TOKEN_VALUE"
		}
		if app, ok := m["app_id"].(string); !ok || app == "" {
			return "BAD_PUSH_TOKEN_APP_ID"
		}
		tok, isStr := m["token"].(string)
		if !isStr {
			return "BAD_PUSH_TOKEN_STRING"
		}
		if strings.TrimSpace(tok) == "" {
			return "BAD_PUSH_TOKEN_VALUE"
		}
		if d, present := m["device_id"]; present && d != nil {
			ds, ok := d.(string)
			if !ok || len(ds) < 8 || len(ds) > 255 {
				return "BAD_DEVICE_ID"
			}
		}
	}
	return ""
}

func checkAttributes(o map[string]any, id ident, st *trackState) string {
	if b, _ := o["push_token_import"].(bool); b {
		if id.externalID != "" || id.brazeID != "" {
			return "BAD_PUSH_TOKEN_IMPORT"
		}
		if _, has := o["push_tokens"]; !has {
			return "BAD_PUSH_TOKEN_IMPORT"
		}
	}
	if v, has := o["_merge_objects"]; has && v != nil {
		if _, ok := v.(bool); !ok {
			return "'_merge_objects' must be a boolean"
		}
	}
	for _, k := range sortedKeys(o) {
		v := o[k]
		if controlKeys[k] {
			continue
		}
		if check, std := standardFields[k]; std {
			if why := check(v); why != "" {
				return why
			}
			continue
		}
		if why := checkKey(k, "attribute name"); why != "" {
			return why
		}
		if why := checkCustomValue(k, v, st); why != "" {
			return why
		}
	}
	return ""
}

// checkKey applies Braze's key rules: non-empty, at most 255 characters,
// no leading '$'.
func checkKey(k, what string) string {
	switch {
	case k == "":
		return "empty " + what
	case utf8.RuneCountInString(k) > maxStringChars:
		return "'" + short(k) + "' is not a valid " + what + ": longer than 255 characters"
	case strings.HasPrefix(k, "$"):
		return "'" + k + "' is not a valid " + what + ": must not start with '$'"
	}
	return ""
}

func short(s string) string {
	if r := []rune(s); len(r) > 32 {
		return string(r[:32]) + "…"
	}
	return s
}

func checkString(k string, v any) string {
	if s, ok := v.(string); ok && utf8.RuneCountInString(s) > maxStringChars {
		return "'" + short(k) + "' value is longer than 255 characters"
	}
	return ""
}

func checkCustomValue(k string, v any, st *trackState) string {
	switch x := v.(type) {
	case nil, bool, int64, float64:
		return ""
	case string:
		return checkString(k, x)
	case []any:
		return checkArrayValue(k, x, st)
	case map[string]any:
		if n, isInc := x["inc"]; isInc && len(x) == 1 {
			if _, ok := n.(int64); !ok {
				return "'" + short(k) + "' increment must be an integer"
			}
			return ""
		}
		if isAddRemove(x) {
			for _, side := range []string{"add", "remove"} {
				if list, has := x[side]; has {
					arr, ok := list.([]any)
					if !ok {
						return "'" + short(k) + "' " + side + " must be an array"
					}
					for _, e := range arr {
						if _, ok := e.(string); !ok {
							return "'" + short(k) + "' " + side + " values must be strings"
						}
						if why := checkString(k, e); why != "" {
							return why
						}
					}
				}
			}
			return ""
		}
		if isObjectArrayOp(x) {
			if why := checkNested(x, 0, true); why != "" || jsonSize(x) > maxNestedBytes {
				st.nestedInvalid = true
			}
			return ""
		}
		// A nested custom attribute: any invalid nested value silently drops
		// every nested update of the request (spec §1.5).
		if why := checkNested(x, 0, false); why != "" || jsonSize(x) > maxNestedBytes {
			st.nestedInvalid = true
		}
		return ""
	}
	return "'" + short(k) + "' has an unsupported value type"
}

func checkArrayValue(k string, arr []any, st *trackState) string {
	objects := 0
	for _, e := range arr {
		switch x := e.(type) {
		case string:
			if why := checkString(k, x); why != "" {
				return why
			}
		case map[string]any:
			objects++
		default:
			return "'" + short(k) + "' array values must be strings or objects"
		}
	}
	if objects > 0 {
		if objects != len(arr) {
			return "'" + short(k) + "' array mixes strings and objects"
		}
		if why := checkNested(arr, 0, false); why != "" || jsonSize(arr) > maxNestedBytes {
			st.nestedInvalid = true
		}
	}
	return ""
}

func isAddRemove(m map[string]any) bool {
	if len(m) == 0 || len(m) > 2 {
		return false
	}
	for k := range m {
		if k != "add" && k != "remove" {
			return false
		}
	}
	return true
}

func isObjectArrayOp(m map[string]any) bool {
	if len(m) == 0 {
		return false
	}
	for k := range m {
		if k != "$add" && k != "$remove" && k != "$update" {
			return false
		}
	}
	return true
}

// checkNested validates nested keys and strings: keys non-empty, at most
// 255 characters, no '.', no leading '$' (except Braze's operators and the
// {"$time": ...} date wrapper).
func checkNested(v any, depth int, ops bool) string {
	if depth > 50 {
		return "too deep"
	}
	switch x := v.(type) {
	case string:
		if utf8.RuneCountInString(x) > maxStringChars {
			return "string too long"
		}
	case []any:
		for _, e := range x {
			if why := checkNested(e, depth+1, ops); why != "" {
				return why
			}
		}
	case map[string]any:
		if t, ok := x["$time"]; ok && len(x) == 1 {
			if s, ok := t.(string); !ok || !validTime(s) {
				return "bad $time"
			}
			return ""
		}
		for k, e := range x {
			allowed := ops && strings.HasPrefix(k, "$")
			if !allowed && (k == "" || strings.ContainsAny(k, ". ") || strings.HasPrefix(k, "$") || utf8.RuneCountInString(k) > maxStringChars) {
				return "bad nested key"
			}
			if why := checkNested(e, depth+1, ops); why != "" {
				return why
			}
		}
	}
	return ""
}

func jsonSize(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}

func checkEvent(o map[string]any) string {
	name, ok := o["name"].(string)
	if !ok || strings.TrimSpace(name) == "" {
		return "'name' is required"
	}
	if why := checkString("name", name); why != "" {
		return why
	}
	if why := checkTimeField(o); why != "" {
		return why
	}
	if v, has := o["app_id"]; has && v != nil {
		if _, ok := v.(string); !ok {
			return "'app_id' must be a string"
		}
	}
	return checkProperties(o["properties"])
}

func checkPurchase(o map[string]any) string {
	pid, ok := o["product_id"].(string)
	if !ok || strings.TrimSpace(pid) == "" {
		return "'product_id' is required"
	}
	if why := checkString("product_id", pid); why != "" {
		return why
	}
	cur, ok := o["currency"].(string)
	if !ok || !validCurrency(cur) {
		return "'currency' is not valid"
	}
	if _, ok := num(o["price"]); !ok {
		return "'price' is not valid"
	}
	if q, has := o["quantity"]; has && q != nil {
		n, ok := q.(int64)
		if !ok || n < 1 || n > maxQuantity {
			return "'quantity' is not valid"
		}
	}
	if why := checkTimeField(o); why != "" {
		return why
	}
	if v, has := o["app_id"]; has && v != nil {
		if _, ok := v.(string); !ok {
			return "'app_id' must be a string"
		}
	}
	return checkProperties(o["properties"])
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func checkTimeField(o map[string]any) string {
	t, ok := o["time"].(string)
	if !ok || !validTime(t) {
		return "'time' is not valid"
	}
	return ""
}

var reservedProperties = map[string]bool{"time": true, "event_name": true}

func checkProperties(v any) string {
	if v == nil {
		return ""
	}
	props, ok := v.(map[string]any)
	if !ok {
		return "'properties' must be an object"
	}
	nested := false
	for _, k := range sortedKeys(props) {
		if reservedProperties[k] {
			return "'" + k + "' is a reserved property name"
		}
		if why := checkKey(k, "property name"); why != "" {
			return why
		}
		switch x := props[k].(type) {
		case nil, bool, int64, float64:
		case string:
			if why := checkString(k, x); why != "" {
				return why
			}
		case []any, map[string]any:
			nested = true
			if why := checkNested(x, 0, false); why != "" {
				return "'" + short(k) + "' is not a valid property value: " + why
			}
		}
	}
	if nested && jsonSize(props) > maxNestedBytes {
		return "'properties' exceed 100 KB"
	}
	return ""
}

// Date/time layouts Braze accepts (spec §1.5–§1.6).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05:000Z0700",
	"2006-01-02T15:04:05:000Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"01/02/2006",
}

func validTime(s string) bool {
	for _, l := range timeLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
