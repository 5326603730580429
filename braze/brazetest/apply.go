package brazetest

import (
	"reflect"
	"slices"
)

// applyAttributes stores a validated attributes object on p. Keys are
// applied in sorted order (they are independent of each other).
func (s *Server) applyAttributes(p *profile, o map[string]any, id ident, dropNested bool) {
	merge, _ := o["_merge_objects"].(bool)
	for _, k := range sortedKeys(o) {
		v := o[k]
		if controlKeys[k] || k == "bio" || k == "push_token_import" {
			continue
		}
		switch k {
		case "subscription_groups":
			for _, it := range v.([]any) {
				m := it.(map[string]any)
				p.subs[m["subscription_group_id"].(string)] = m["subscription_state"].(string)
			}
			continue
		case "push_tokens":
			p.attrs[k] = mergePushTokens(p.attrs[k], v.([]any))
			continue
		}
		if v == nil {
			delete(p.attrs, k)
			continue
		}
		if _, std := standardFields[k]; std {
			p.attrs[k] = v
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			switch {
			case len(x) == 1 && x["inc"] != nil && isInt(x["inc"]):
				applyInc(p.attrs, k, x["inc"].(int64))
			case isAddRemove(x):
				p.attrs[k] = s.applyAddRemove(p.attrs[k], x)
			case isObjectArrayOp(x):
				if !dropNested {
					p.attrs[k] = applyObjectArrayOps(p.attrs[k], x, merge)
				}
			default:
				if dropNested {
					continue
				}
				if old, ok := p.attrs[k].(map[string]any); ok && merge {
					p.attrs[k] = deepMerge(old, x)
				} else {
					p.attrs[k] = deepCopy(x)
				}
			}
		case []any:
			if isObjectArray(x) {
				if !dropNested {
					p.attrs[k] = deepCopy(x)
				}
				continue
			}
			p.attrs[k] = s.capArray(uniqueStrings(x))
		default:
			p.attrs[k] = v
		}
	}
}

func isInt(v any) bool { _, ok := v.(int64); return ok }

// applyInc adds delta to an integer or float attribute; an unset attribute
// becomes delta and a non-numeric one is left alone (SDK docs).
func applyInc(attrs map[string]any, k string, delta int64) {
	switch old := attrs[k].(type) {
	case nil:
		attrs[k] = delta
	case int64:
		attrs[k] = old + delta
	case float64:
		attrs[k] = old + float64(delta)
	}
}

// applyAddRemove applies {"add": [...], "remove": [...]} to a string array:
// values are unique and re-adding moves a value to the end; removals apply
// after additions.
func (s *Server) applyAddRemove(old any, ops map[string]any) any {
	cur, _ := old.([]any)
	out := slices.Clone(cur)
	if add, ok := ops["add"].([]any); ok {
		for _, v := range add {
			out = slices.DeleteFunc(out, func(e any) bool { return e == v })
			out = append(out, v)
		}
	}
	if rem, ok := ops["remove"].([]any); ok {
		for _, v := range rem {
			out = slices.DeleteFunc(out, func(e any) bool { return e == v })
		}
	}
	return s.capArray(out)
}

// capArray keeps the newest maxArray values (Braze drops the oldest).
func (s *Server) capArray(a []any) []any {
	if n := s.store.maxArray; len(a) > n {
		return slices.Clone(a[len(a)-n:])
	}
	return a
}

func uniqueStrings(a []any) []any {
	out := make([]any, 0, len(a))
	for _, v := range a {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func isObjectArray(a []any) bool {
	if len(a) == 0 {
		return false
	}
	for _, v := range a {
		if _, ok := v.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// applyObjectArrayOps applies $add, then $remove, then $update to an array
// of objects (spec §1.5).
func applyObjectArrayOps(old any, ops map[string]any, merge bool) any {
	cur, _ := old.([]any)
	out := deepCopy(cur).([]any)
	if add, ok := ops["$add"].([]any); ok {
		out = append(out, deepCopy(add).([]any)...)
	}
	if rem, ok := ops["$remove"].([]any); ok {
		for _, r := range rem {
			m, _ := r.(map[string]any)
			key, _ := m["$identifier_key"].(string)
			val := m["$identifier_value"]
			out = slices.DeleteFunc(out, func(e any) bool {
				em, _ := e.(map[string]any)
				return em != nil && reflect.DeepEqual(em[key], val)
			})
		}
	}
	if upd, ok := ops["$update"].([]any); ok && merge {
		for _, u := range upd {
			m, _ := u.(map[string]any)
			key, _ := m["$identifier_key"].(string)
			val := m["$identifier_value"]
			nw, _ := m["$new_object"].(map[string]any)
			for i, e := range out {
				if em, _ := e.(map[string]any); em != nil && reflect.DeepEqual(em[key], val) {
					out[i] = deepMerge(em, nw)
				}
			}
		}
	}
	return out
}

// deepMerge merges src into dst (a copy is returned); null deletes a key.
func deepMerge(dst, src map[string]any) map[string]any {
	out := deepCopy(dst).(map[string]any)
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = deepMerge(dm, sm)
				continue
			}
		}
		out[k] = deepCopy(v)
	}
	return out
}

// mergePushTokens adds tokens, replacing an existing entry with the same
// app_id and token.
func mergePushTokens(old any, add []any) any {
	cur, _ := old.([]any)
	out := deepCopy(cur).([]any)
	for _, t := range add {
		tm := t.(map[string]any)
		out = slices.DeleteFunc(out, func(e any) bool {
			em := e.(map[string]any)
			return em["app_id"] == tm["app_id"] && em["token"] == tm["token"]
		})
		out = append(out, deepCopy(tm))
	}
	return out
}

func eventOf(o map[string]any, seq int) Event {
	e := Event{Request: seq}
	e.Name, _ = o["name"].(string)
	e.Time, _ = o["time"].(string)
	e.AppID, _ = o["app_id"].(string)
	if props, ok := o["properties"].(map[string]any); ok {
		e.Properties = deepCopy(props).(map[string]any)
	}
	return e
}

func purchaseOf(o map[string]any, seq int) Purchase {
	p := Purchase{Request: seq, Quantity: 1}
	p.ProductID, _ = o["product_id"].(string)
	p.Currency, _ = o["currency"].(string)
	p.Price, _ = num(o["price"])
	if q, ok := o["quantity"].(int64); ok {
		p.Quantity = int(q)
	}
	p.Time, _ = o["time"].(string)
	p.AppID, _ = o["app_id"].(string)
	if props, ok := o["properties"].(map[string]any); ok {
		p.Properties = deepCopy(props).(map[string]any)
	}
	return p
}
