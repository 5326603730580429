package mapping

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mparticle"
)

// maxBrazeExternalIDBytes is Braze's limit on external_id.
const maxBrazeExternalIDBytes = 987

// Mapper translates mParticle batches into Braze objects. Create one with
// [New], which fixes its settings (the zero Mapper is not usable); it is safe for concurrent use (what it keeps
// between calls, recycled working state and a cache of MPID texts, is
// shared safely).
type Mapper struct {
	s Settings
	// byHash and byName index Settings.EventAttributeMappings.
	byHash map[int32][]EventAttributeMapping
	byName map[string][]EventAttributeMapping
	// groups maps a lower-cased user attribute key to a subscription group id.
	groups map[string]string
	// groupKeys maps a subscription group id to the key attrBuilder tracks
	// it under ("subscription_group:" + id).
	groupKeys map[string]string
	// appIDs maps a lower-cased platform to a Braze app id.
	appIDs map[string]string
	// ids caches MPID texts (see idCache), shared by concurrent calls.
	// A pointer, as states is.
	ids *idCache
	// states recycles the working state of Map calls (*mapState) with
	// its scratch slices, so that a call allocates little beyond its
	// Result. A pointer, so that Mapper values stay copyable.
	states *sync.Pool
	// sortedOnly makes Map apply attribute maps in sorted key order
	// straight away, without first trying their own order: the reference
	// the tests hold the fast path to.
	sortedOnly bool
}

// New validates s and returns a Mapper. Zero fields of s take their
// documented defaults. Errors are *SettingsError values naming the field.
func New(s Settings) (*Mapper, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	m := &Mapper{s: s, states: &sync.Pool{}, ids: new(idCache)}
	for _, em := range s.EventAttributeMappings {
		if em.EventName != "" {
			if m.byName == nil {
				m.byName = map[string][]EventAttributeMapping{}
			}
			k := nameKey(em.EventName, em.AttributeKey)
			m.byName[k] = append(m.byName[k], em)
			continue
		}
		if m.byHash == nil {
			m.byHash = map[int32][]EventAttributeMapping{}
		}
		m.byHash[em.KitHash] = append(m.byHash[em.KitHash], em)
	}
	for k, v := range s.SubscriptionGroupMapping {
		if m.groups == nil {
			m.groups = map[string]string{}
		}
		m.groups[strings.ToLower(k)] = v
		if m.groupKeys == nil {
			m.groupKeys = map[string]string{}
		}
		m.groupKeys[v] = "subscription_group:" + v
	}
	for k, v := range s.AppIDs {
		if m.appIDs == nil {
			m.appIDs = map[string]string{}
		}
		m.appIDs[strings.ToLower(k)] = v
	}
	return m, nil
}

// hasEventMappings reports whether Settings.EventAttributeMappings has any.
func (m *Mapper) hasEventMappings() bool { return m.byHash != nil || m.byName != nil }

func nameKey(event, attr string) string {
	return strings.ToLower(event) + "\x00" + strings.ToLower(attr)
}

// Settings returns the mapper's settings, with defaults applied.
func (m *Mapper) Settings() Settings { return m.s }

// Result is what one batch maps to: the Braze objects of one user, in the
// order Braze applies them (attributes, then events, then purchases), with
// events and purchases in event-time order, and the diagnostics.
type Result struct {
	// BatchID is the batch's source_request_id, else its batch_id.
	BatchID string `json:"batch_id,omitempty"`
	// Identifier is the user's primary Braze identifier (external_id, or the
	// mparticle_id user alias when Alias is true). It is zero when Skipped.
	Identifier braze.Identifier `json:"identifier"`
	// ExternalID is the external_id, "" for alias-only users.
	ExternalID string `json:"external_id,omitempty"`
	// MPID is the batch's MPID as a decimal string, "" when absent.
	MPID string `json:"mpid,omitempty"`
	// Alias reports that the user is tracked under the user alias
	// {alias_label: "mparticle_id", alias_name: MPID} (AnonymousAliasByMPID).
	Alias bool `json:"alias,omitempty"`
	// MergeAlias is set in AnonymousAliasByMPID mode when the batch carries
	// the external identity and an MPID: the alias that earlier batches of
	// this user may have been tracked under. Merge it into ExternalID with
	// /users/identify before sending the objects (once per MPID is enough).
	MergeAlias *braze.UserAlias `json:"merge_alias,omitempty"`
	// Attributes, Events and Purchases are the Braze objects, all for
	// Identifier.
	// Attributes are the user's attributes objects, applied in order.
	Attributes []braze.Attributes `json:"attributes,omitempty"`
	// Events are the user's custom events, in time order.
	Events []braze.Event `json:"events,omitempty"`
	// Purchases are the user's purchases, in time order.
	Purchases []braze.Purchase `json:"purchases,omitempty"`
	// Skipped reports that the batch produced no Braze objects because of
	// its user (no usable identity) or its origin (Braze Currents).
	Skipped bool `json:"skipped,omitempty"`
	// Diagnostics reports every change and omission.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// Len returns the number of Braze objects in r.
func (r Result) Len() int { return len(r.Attributes) + len(r.Events) + len(r.Purchases) }

// Counts returns how many diagnostics r holds per code, e.g. for metrics
// ("events skipped", "values truncated").
func (r Result) Counts() map[DiagnosticCode]int {
	if len(r.Diagnostics) == 0 {
		return nil
	}
	c := make(map[DiagnosticCode]int, 4)
	for _, d := range r.Diagnostics {
		c[d.Code]++
	}
	return c
}

// TrackRequest returns r's objects as one /users/track body. A Result can
// hold more objects than one request takes; braze.Batcher splits them.
func (r Result) TrackRequest() braze.TrackRequest {
	return braze.TrackRequest{Attributes: r.Attributes, Events: r.Events, Purchases: r.Purchases}
}

// MapBatches maps each batch in turn.
func (m *Mapper) MapBatches(batches []*mparticle.Batch) []Result {
	out := make([]Result, len(batches))
	for i, b := range batches {
		out[i] = m.Map(b)
	}
	return out
}

// Map translates one mParticle batch. It never panics and never fails:
// whatever cannot be sent is reported in Result.Diagnostics.
func (m *Mapper) Map(b *mparticle.Batch) Result {
	if b == nil {
		return Result{Skipped: true, Diagnostics: []Diagnostic{{EventIndex: -1, Code: UserSkipped, Reason: "nil batch"}}}
	}
	st := m.getState(b)
	st.run()
	st.parkEmpty()
	res := st.res
	m.putState(st)
	return res
}

// getState returns a working state for mapping b, recycled when possible.
func (m *Mapper) getState(b *mparticle.Batch) *mapState {
	var st *mapState
	if m.states != nil {
		st, _ = m.states.Get().(*mapState)
	}
	if st == nil {
		st = &mapState{}
	}
	st.m, st.b, st.evIdx = m, b, -1
	return st
}

// putState hands st back for another Map call, keeping only its scratch
// (cleared, so that it holds on to nothing of the batch or the result)
// unless it grew beyond what ordinary batches need.
func (m *Mapper) putState(st *mapState) {
	if m.states == nil {
		return
	}
	st.sc.reset()
	st.mapCall = mapCall{}
	m.states.Put(st)
}

// run maps st.b into st.res. Result categories that come out empty may be
// left as empty slices: parkEmpty sets them to nil.
func (st *mapState) run() {
	b := st.b
	st.res.BatchID = st.batchID()
	if mpid, ok := b.MPID.Get(); ok {
		st.res.MPID = st.m.ids.text(mpid, st.prevMPID)
	}
	if st.scan() {
		st.loopGuard()
		return
	}
	if !st.resolveIdentity() {
		return
	}
	st.attrs = attrBuilder{st: st, id: st.res.Identifier, ueo: st.ueo, keys: st.sc.keys, capHint: st.est.attrs, custom: st.sc.custom, objs: st.res.Attributes}
	if email := st.email(); email != "" {
		st.attrs.email = email
	}
	st.batchUserAttributes()
	st.attrs.split = true
	// Events are applied in time order (stable), so that attribute updates
	// from events reach Braze in the order they happened.
	order, times := st.timeOrder()
	for _, i := range order {
		st.evIdx, st.evName, st.evTime = i, "", times[i]
		st.event(&b.Events[i])
	}
	st.evIdx, st.evName = -1, ""
	st.res.Attributes = st.attrs.result()
	st.sc.keys = st.attrs.keys // grown scratch, reused
	st.sc.custom = st.attrs.custom
	// Every event and purchase carries its event's time, and events were
	// visited in time order: the objects are in time order already, each
	// event's own in the order they were made, with no sort needed.
}

// scan reports whether the batch came from Braze Currents (as
// IsFromBrazeCurrents does) and, in the same pass over the events, sets
// est.
func (st *mapState) scan() (fromCurrents bool) {
	b, s := st.b, &st.m.s
	if len(b.UserAttributes) > 0 || len(b.DeletedUserAttributes) > 0 || b.UserIdentities != nil {
		st.est.attrs = 1
	}
	st.est.props = len(b.UserAttributes) + len(b.DeletedUserAttributes)
	push := 0
	stamps := st.sc.stamps[:0]
	for i := range b.Events {
		// ms is the event's own timestamp, for timeOrder: read here, in
		// the one pass over the events' memory before they are mapped,
		// from the fields of the types the switch names (their common
		// data, without the interface call to Common), else through
		// Common.
		var ms int64
		switch d := b.Events[i].Data.(type) {
		case *mparticle.CustomEvent:
			ms = d.TimestampUnixtimeMS
			if carriesMark(d.CustomFlags, d.Unknown) {
				return true
			}
			st.est.events++
			st.est.props += len(d.CustomAttributes)
		case *mparticle.ScreenView:
			ms = d.TimestampUnixtimeMS
			if carriesMark(d.CustomFlags, d.Unknown) {
				return true
			}
			if s.ForwardScreenViews {
				st.est.events++
				st.est.props += len(d.CustomAttributes)
			}
		case *mparticle.CommerceEvent:
			ms = d.TimestampUnixtimeMS
			if carriesMark(d.CustomFlags, d.Unknown) {
				return true
			}
			st.est.commerce(d, s.BundleCommerceEventData)
		case *mparticle.UserAttributeChange:
			ms = d.TimestampUnixtimeMS
			st.est.attrs++
			st.est.props++
		case nil:
		default:
			c := d.Common()
			if c != nil {
				ms = c.TimestampUnixtimeMS
			}
			switch d.(type) {
			case *mparticle.SessionStart, *mparticle.SessionEnd:
				if s.ForwardSessionEvents {
					st.est.events++
					st.est.props += 2 + len(c.CustomAttributes)
				}
			case *mparticle.PushRegistration:
				push = 1
			default:
				if isFromBrazeCurrents(d) {
					return true
				}
			}
		}
		stamps = append(stamps, ms)
	}
	st.est.attrs += push
	st.sc.stamps = stamps
	return false
}

// estimate is about how many objects of each kind a batch maps to, so that
// the result's slices are made once with room for them (more can still
// be appended: a split purchase, a mapping's extra attributes object), and
// about how many properties they hold (see carve).
type estimate struct{ events, purchases, attrs, props int }

// commerceProps is about how many fields of its own (order and product)
// an expanded commerce object carries.
const commerceProps = 10

// commerce adds the objects of one commerce event.
func (e *estimate) commerce(d *mparticle.CommerceEvent, bundled bool) {
	objects := e.events + e.purchases
	e.commerceObjects(d, bundled)
	e.props += (e.events + e.purchases - objects) * (commerceProps + len(d.CustomAttributes))
}

// commerceObjects counts the objects of one commerce event.
func (e *estimate) commerceObjects(d *mparticle.CommerceEvent, bundled bool) {
	pa := d.ProductAction
	if bundled {
		if pa != nil && pa.Action == mparticle.ActionPurchase {
			e.purchases++
		} else {
			e.events++
		}
		return
	}
	if pa != nil {
		switch {
		case pa.Action == mparticle.ActionPurchase && len(pa.Products) > 0:
			e.purchases += len(pa.Products)
		case pa.Action == mparticle.ActionPurchase || pa.Action == mparticle.ActionRefund:
			e.events += 1 + len(pa.Products) // and a "- Total" event
		default:
			e.events += len(pa.Products)
		}
	}
	if pr := d.PromotionAction; pr != nil {
		e.events += len(pr.Promotions)
	}
	for _, imp := range d.ProductImpressions {
		e.events += len(imp.Products)
	}
}

// timeOrder returns the indices of the batch's events, stably sorted by
// event time, and the times by event index. Both are scratch of st. The
// events' own timestamps are those scan noted (0: none).
func (st *mapState) timeOrder() (order []int, times []time.Time) {
	order, times = st.sc.order[:0], st.sc.times[:0]
	sorted := true
	// prevOK: the event before had a timestamp of its own, prevMS. Two
	// such events are in order as their timestamps are (unixMilli keeps
	// it), settled without time.Time.Before's call.
	prevMS, prevOK := int64(0), false
	for i, ms := range st.sc.stamps[:len(st.b.Events)] {
		order = append(order, i)
		t, ok := unixMilli(ms)
		if !ok {
			// The label names the event in eventTimeOf's one diagnostic,
			// for a timestamp out of range: found only then.
			st.evIdx, st.evName = i, ""
			if ms != 0 {
				st.evName = eventLabel(&st.b.Events[i])
			}
			t = st.eventTimeOf(ms)
		}
		if i > 0 && sorted {
			if ok && prevOK {
				sorted = ms >= prevMS
			} else {
				sorted = !t.Before(times[i-1])
			}
		}
		prevMS, prevOK = ms, ok
		times = append(times, t)
	}
	st.evIdx, st.evName = -1, ""
	if !sorted {
		slices.SortStableFunc(order, func(a, b int) int { return times[a].Compare(times[b]) })
	}
	st.sc.order, st.sc.times = order, times
	return order, times
}

// batchID is the batch's source_request_id, else its batch_id.
func (st *mapState) batchID() string {
	b := st.b
	if b.SourceRequestID != "" {
		return b.SourceRequestID
	}
	if b.BatchID != 0 {
		return strconv.FormatInt(b.BatchID, 10)
	}
	return ""
}

// mapState is the working state of one Map call: what belongs to the call
// alone, and the scratch that Map calls pass on to each other.
type mapState struct {
	mapCall
	// sc is scratch reused across Map calls.
	sc mapScratch
}

// mapCall is the part of mapState that belongs to one Map call. It is
// one field of mapState so that putState zeroes it in one clear: zeroing
// the whole mapState but its scratch, by copying the scratch out and back
// into a zero mapState, cost a few hundred instructions per call.
type mapCall struct {
	m   *Mapper
	b   *mparticle.Batch
	res Result
	// ueo is the _update_existing_only value put on every object (false in
	// alias mode, else nil).
	ueo   *bool
	attrs attrBuilder
	// evIdx and evName locate diagnostics (-1: batch level).
	evIdx  int
	evName string
	// evTime is the current event's time (event, batch, or now).
	evTime time.Time
	now    time.Time
	nowSet bool
	// est sizes the result's slices.
	est estimate
	// chunk is the room Map cuts the result's property lists from (see
	// carve); it belongs to one call.
	chunk braze.Properties
	// reuse: MapInto is filling a recycled Result; property lists come
	// from sc.free and are kept with their spare room.
	reuse bool
	// prevMPID is the recycled Result's MPID string, reused when the
	// batch has the same MPID: it is always a string of the mapper's own
	// (formatted or from the idCache). The batch id is not reused that
	// way: it may be the batch's source_request_id, a string of the
	// caller's batch, which the caller may overwrite once the call is done
	// (mparticle.BatchBuffer.DecodeTransient), and batch ids do not repeat.
	prevMPID string
}

// mapScratch holds the slices one Map call fills and then copies out or
// drops; a Mapper keeps them for its next calls.
type mapScratch struct {
	keys      []string
	sortAttrs []mparticle.Attribute
	// fixes are the key fixes of the props being built (see props).
	fixes []keyFix
	order []int
	times []time.Time
	// stamps are the events' own timestamps, noted by scan.
	stamps []int64
	// custom collects one attributes object's custom attributes (see
	// attrBuilder.openCustom).
	custom braze.Properties
	// free holds memory of recycled results (see MapInto), kept across
	// calls.
	free freeLists
}

// maxScratch bounds the length a scratch slice may keep across Map calls,
// so that one huge batch does not pin its memory.
const maxScratch = 256

// reset clears sc for the next call (dropping slices that grew too big).
func (sc *mapScratch) reset() {
	sc.keys = resetScratch(sc.keys)
	sc.sortAttrs = resetScratch(sc.sortAttrs)
	sc.fixes = resetScratch(sc.fixes)
	sc.order = resetPlain(sc.order)
	sc.times = resetScratch(sc.times)
	sc.stamps = resetPlain(sc.stamps)
	sc.custom = resetScratch(sc.custom)
}

// resetScratch returns s emptied and cleared, or nil when it is too big
// to keep.
func resetScratch[T any](s []T) []T {
	if cap(s) > maxScratch {
		return nil
	}
	clear(s)
	return s[:0]
}

// resetPlain is resetScratch for a slice without pointers, whose old
// entries hold on to nothing: it is emptied, not cleared.
func resetPlain[T int | int64](s []T) []T {
	if cap(s) > maxScratch {
		return nil
	}
	return s[:0]
}

// truncateDiagnostics drops the diagnostics from index n on (an undone
// attempt, see props.addCustom).
func (st *mapState) truncateDiagnostics(n int) {
	clear(st.res.Diagnostics[n:])
	st.res.Diagnostics = st.res.Diagnostics[:n]
}

// diag records a diagnostic at the current event.
func (st *mapState) diag(code DiagnosticCode, key, reason, value string) {
	st.res.Diagnostics = append(st.res.Diagnostics, Diagnostic{
		BatchID: st.res.BatchID, EventIndex: st.evIdx, EventName: shortValue(st.evName),
		Key: shortValue(key), Code: code, Reason: reason, Value: shortValue(value),
	})
}

// clock returns Settings.Now, read once per Map call so that one batch sees
// one time.
func (st *mapState) clock() time.Time {
	if !st.nowSet {
		st.now, st.nowSet = st.m.s.Now().UTC(), true
	}
	return st.now
}

// eventTimeOf is the event timestamp ms (0: none), else the batch
// timestamp, else now.
// Times outside years 0..9999 cannot be written in RFC 3339 and are
// treated as absent.
func (st *mapState) eventTimeOf(ms int64) time.Time {
	if t, ok := unixMilli(ms); ok {
		return t
	}
	if ms != 0 {
		st.diag(ValueChanged, "timestamp_unixtime_ms", "timestamp outside years 1970..9999; batch time or now used", strconv.FormatInt(ms, 10))
	}
	if t, ok := unixMilli(st.b.TimestampUnixtimeMS); ok {
		return t
	}
	return st.clock()
}

// unixMilli converts a positive millisecond timestamp with a year RFC 3339
// can carry.
func unixMilli(ms int64) (time.Time, bool) {
	if ms <= 0 || ms > maxUnixMilli {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// maxUnixMilli is 9999-12-31T23:59:59.999Z.
const maxUnixMilli = 253402300799999

// loopGuard reports a batch from Braze Currents, which produces nothing.
func (st *mapState) loopGuard() {
	st.res.Skipped = true
	st.diag(LoopGuard, "", "batch came from Braze Currents (custom_flags "+OriginFlag+"="+OriginBrazeCurrents+"); not sent back to Braze", "")
	for i := range st.b.Events {
		st.evIdx, st.evName = i, eventLabel(&st.b.Events[i])
		if isFromBrazeCurrents(st.b.Events[i].Data) {
			st.diag(LoopGuard, "", "event came from Braze Currents; not sent back to Braze", "")
		} else {
			st.diag(LoopGuard, "", "event is in a batch from Braze Currents; not sent back to Braze", "")
		}
	}
	st.evIdx, st.evName = -1, ""
}

// eventLabel names an event for diagnostics: its name, or its type.
func eventLabel(ev *mparticle.Event) string {
	switch d := any(ev.Data).(type) {
	case *mparticle.CustomEvent:
		return d.EventName
	case *mparticle.ScreenView:
		return d.ScreenName
	}
	if ev.Type != "" {
		return string(ev.Type)
	}
	if ev.Data != nil {
		return string(ev.Data.EventType())
	}
	return ""
}

// resolveIdentity sets the result's identifier, or skips the batch.
func (st *mapState) resolveIdentity() bool {
	s := &st.m.s
	var ext string
	if s.ExternalIdentityType == IdentityMPID {
		ext = st.res.MPID
	} else if st.b.UserIdentities != nil {
		ext, _ = st.b.UserIdentities.Get(s.ExternalIdentityType)
	}
	if isBlank(ext) {
		ext = "" // a blank identity is no identity
	}
	aliasMode := s.AnonymousUsers == AnonymousAliasByMPID && st.res.MPID != "" && st.res.MPID != "0"
	switch {
	case ext != "" && len(ext) > maxBrazeExternalIDBytes:
		st.skipUser("external_id (" + string(s.ExternalIdentityType) + ") is " + strconv.Itoa(len(ext)) +
			" bytes, more than Braze's " + strconv.Itoa(maxBrazeExternalIDBytes))
		return false
	case ext != "":
		st.res.Identifier = braze.ExternalID(ext)
		st.res.ExternalID = ext
		if aliasMode {
			st.res.MergeAlias = &braze.UserAlias{AliasName: st.res.MPID, AliasLabel: MPIDAliasLabel}
		}
		return true
	case aliasMode:
		st.res.Identifier = braze.Alias(st.res.MPID, MPIDAliasLabel)
		st.res.Alias = true
		f := false
		st.ueo = &f
		return true
	}
	reason := "no " + string(s.ExternalIdentityType) + " identity for external_id"
	if s.AnonymousUsers == AnonymousAliasByMPID {
		reason += " and no MPID for the alias"
	}
	st.skipUser(reason)
	return false
}

// skipUser reports a skipped batch, counting what it held.
func (st *mapState) skipUser(reason string) {
	st.res.Skipped = true
	st.res.Identifier = braze.Identifier{}
	st.res.ExternalID = ""
	st.diag(UserSkipped, "", reason+"; "+strconv.Itoa(len(st.b.Events))+" events, "+
		strconv.Itoa(len(st.b.UserAttributes))+" user attributes and "+
		strconv.Itoa(len(st.b.DeletedUserAttributes))+" deleted attributes not forwarded", "")
}

// email returns the email attribute value, if the settings name one.
func (st *mapState) email() string {
	t := st.m.s.EmailIdentityType
	if t == IdentityNone || st.b.UserIdentities == nil {
		return ""
	}
	e, _ := st.b.UserIdentities.Get(t)
	if e == "" {
		return ""
	}
	if braze.EmailAddress(e).Validate() != nil {
		st.diag(Dropped, string(t), "identity is not an email address Braze accepts; email not sent", e)
		return ""
	}
	return e
}

// event maps one event.
func (st *mapState) event(ev *mparticle.Event) {
	// Events marked as coming from Braze Currents never get here: Map skips
	// the whole batch when any event carries the mark (loopGuard).
	switch d := any(ev.Data).(type) {
	case *mparticle.CustomEvent:
		st.customEvent(d)
	case *mparticle.ScreenView:
		st.screenView(d)
	case *mparticle.SessionStart:
		st.sessionEvent(SessionStartEventName, &d.CommonEventData)
	case *mparticle.SessionEnd:
		st.sessionEvent(SessionEndEventName, &d.CommonEventData)
	case *mparticle.CommerceEvent:
		st.commerceEvent(d)
	case *mparticle.UserAttributeChange:
		st.userAttributeChange(d)
	case *mparticle.PushRegistration:
		st.pushRegistration(d)
	case nil:
		st.evName = string(ev.Type)
		st.diag(EventSkipped, "", "event has no data", "")
	default:
		st.evName = eventLabel(ev)
		st.diag(EventSkipped, "", "event type "+strconv.Quote(eventLabel(ev))+" has no Braze equivalent", "")
	}
}
