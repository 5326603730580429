package mpbraze

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// Forward maps one mParticle batch the way mParticle's Braze kit does and
// queues the resulting Braze objects for delivery. It returns once the
// objects are queued, not delivered: results reach Config.OnResult (with
// Item.Ref a *BatchRef naming b) and Flush's report.
//
// What is not forwarded is reported as diagnostics, not errors: a user
// without the configured identity (unless alias mode tracks it by MPID),
// event types Braze does not take, and batches that came from Braze
// Currents (the loop guard: a batch with any event marked as built from
// Currents is skipped whole, so nothing of it goes back to Braze).
//
// In alias mode, the first batch that carries the external identity for an
// MPID tracked anonymously before first merges the MPID alias into the
// identified user (/users/identify), after the alias's queued objects were
// delivered and before this batch's objects are queued. If the merge fails,
// Forward returns the error and queues nothing; forwarding the batch again
// retries the merge.
//
// Forward returns a braze.ItemErrors, and queues nothing of b, when an
// object it maps breaks Braze's rules (the mapper produces valid objects
// under Braze's default limits; tighter client Limits can refuse some).
// Forward returns an error when b is nil, when the queue is full
// (QueueFullError) or ctx ends while waiting for room, and after Close
// (ErrClosed, whatever b holds, even a batch that maps to nothing). Forward
// does not modify b, and keeps nothing of it once it returns unless
// Config.RetainBatches or Config.RetainObjects asks for it: what is sent is
// fixed when Forward returns (objects are encoded as they are queued). With
// RetainObjects, the objects handed back in results may share memory with
// b: keep b unchanged if you read them.
func (k *Kit) Forward(ctx context.Context, b *mparticle.Batch) error {
	if k.closed.Load() {
		return ErrClosed
	}
	if b == nil {
		return errors.New("mpbraze: Forward: batch is nil")
	}
	if k.recycles() {
		return k.forwardWith(ctx, b, k.getScratch())
	}
	k.stats.batches.Add(1)
	return k.forwardMapped(ctx, k.mapper.Map(b), b)
}

// forwardMapped counts a batch the loop guard skipped and delivers r, the
// mapping of b: the part of Forward and ForwardJSON after mapping, whether
// they mapped into fresh or reused memory.
func (k *Kit) forwardMapped(ctx context.Context, r mapping.Result, b *mparticle.Batch) error {
	if r.Skipped && loopGuarded(r) {
		k.stats.loopGuarded.Add(1)
	}
	return k.deliver(ctx, r, b)
}

// loopGuarded reports whether the mapper skipped r's batch because it came
// from Braze Currents (the mapper's loop guard is the one place that decides;
// Forward only counts it). Only skipped results are asked, so the common
// path pays nothing.
func loopGuarded(r mapping.Result) bool {
	for _, d := range r.Diagnostics {
		if d.Code == mapping.LoopGuard {
			return true
		}
	}
	return false
}

// BatchRef is Item.Ref of every object Forward (and the User helpers)
// queue: which mParticle batch the object came from. It holds the batch's
// ids rather than the batch, so that queued objects do not keep their
// decoded batches in memory; set Config.RetainBatches to get the batch too.
// All objects of one batch share one BatchRef.
type BatchRef struct {
	// BatchID is the batch's source_request_id, else its batch_id as a
	// decimal string, "" when it has neither.
	BatchID string
	// MPID is the batch's MPID as a decimal string, "" when absent.
	MPID string
	// Batch is the batch itself when Config.RetainBatches is set, else nil.
	Batch *mparticle.Batch
}

// deliver reports a mapping result's diagnostics, runs the alias-mode
// bookkeeping and queues its objects with a BatchRef naming b as their Ref.
func (k *Kit) deliver(ctx context.Context, r mapping.Result, b *mparticle.Batch) error {
	if k.closed.Load() {
		return ErrClosed
	}
	for _, d := range r.Diagnostics {
		k.diagnose(d)
	}
	if r.Skipped {
		k.stats.skipped.Add(1)
		return nil
	}
	if r.Alias {
		// Remembered before the objects are queued, so that a batch
		// identifying this MPID right after always finds it.
		k.aliases.remember(r.MPID)
	} else if err := k.mergeAliasIfNeeded(ctx, r); err != nil {
		return err
	}
	if r.Len() == 0 {
		k.stats.skipped.Add(1)
		return nil
	}
	ref := &BatchRef{BatchID: r.BatchID, MPID: r.MPID}
	if k.cfg.RetainBatches {
		ref.Batch = b
	} else {
		// BatchID is cut from the decoded batch's text, which a
		// BatchBuffer shares with the batches decoded around it (up to a
		// 16 KB chunk): a copy of its own keeps a queued object from
		// holding that text until its result, which with a full queue of
		// order-blocked objects multiplied the live heap. (With
		// RetainBatches the batch, and its text, are kept anyway.)
		ref.BatchID = strings.Clone(r.BatchID)
	}
	return k.enqueue(ctx, r, ref)
}

// enqueue hands a mapping result's objects to the batcher in Braze's
// processing order (the mapper already produces them in that order).
func (k *Kit) enqueue(ctx context.Context, r mapping.Result, ref any) error {
	buf, _ := k.itemBufs.Get().(*[]braze.Item)
	if buf == nil {
		buf = new([]braze.Item)
	}
	items := slices.Grow((*buf)[:0], r.Len())
	for i := range r.Attributes {
		items = append(items, braze.Item{Attributes: &r.Attributes[i], Ref: ref})
	}
	for i := range r.Events {
		items = append(items, braze.Item{Event: &r.Events[i], Ref: ref})
	}
	for i := range r.Purchases {
		items = append(items, braze.Item{Purchase: &r.Purchases[i], Ref: ref})
	}
	err := k.batcher.Add(ctx, items...)
	// Add copies the items into its queue before it returns: the slice can
	// serve the next batch. Cleared, so the pool keeps no object alive.
	n := len(items)
	clear(items)
	*buf = items[:0]
	k.itemBufs.Put(buf)
	if err != nil {
		return err
	}
	k.stats.objects.Add(uint64(n))
	return nil
}

// diagnose reports one mapping diagnostic to the callback and the logger.
func (k *Kit) diagnose(d mapping.Diagnostic) {
	k.stats.countDiagnostic(d.Code)
	level := slog.LevelDebug
	switch d.Code {
	case mapping.UserSkipped, mapping.Rejected, mapping.Dropped:
		level = slog.LevelInfo
	}
	logged := k.log.Enabled(context.Background(), level)
	if k.cfg.OnDiagnostic == nil && !logged {
		return // counted only: nothing needs the strings
	}
	// A diagnostic's strings may be cut from a batch that ForwardJSON
	// decoded into memory the next call overwrites: the callback, and a
	// handler that keeps log records, get copies of their own.
	d.BatchID, d.EventName = strings.Clone(d.BatchID), strings.Clone(d.EventName)
	d.Key, d.Value, d.Reason = strings.Clone(d.Key), strings.Clone(d.Value), strings.Clone(d.Reason)
	if k.cfg.OnDiagnostic != nil {
		k.cfg.OnDiagnostic(d)
	}
	if logged {
		k.log.Log(context.Background(), level, "mpbraze: mapping diagnostic",
			"code", string(d.Code), "batch", d.BatchID, "event_index", d.EventIndex,
			"event", d.EventName, "key", d.Key, "reason", d.Reason)
	}
}
