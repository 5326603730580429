package mpbraze

import (
	"context"

	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// ForwardJSON decodes one mParticle batch (the JSON of mParticle's Events
// API and server-to-server feeds, as mparticle.DecodeBatch reads it) and
// forwards it as Forward does. A decode error is a *mparticle.DecodeError,
// and nothing of data is queued.
//
// ForwardJSON is the cheap way in for batches that arrive as bytes: unless
// Config.RetainObjects or Config.RetainBatches asks the kit to hand the
// decoded batch or the mapped objects back in results, the memory it
// decodes and maps into, strings included, is reused by later calls, and
// so is the memory of the objects' JSON once delivered unless an OnResult
// may keep it; a steady stream of batches allocates about 120 bytes per
// Braze object, most of it net/http's per request. data is not retained:
// it may be reused as soon as ForwardJSON returns.
func (k *Kit) ForwardJSON(ctx context.Context, data []byte) error {
	if k.closed.Load() {
		return ErrClosed
	}
	if !k.recycles() || k.cfg.RetainBatches {
		b, err := mparticle.DecodeBatch(data)
		if err != nil {
			return err
		}
		return k.Forward(ctx, b)
	}
	s := k.getScratch()
	// Transient: the batch's strings, too, are overwritten by the next
	// call that takes s. Nothing the kit keeps past this call holds one:
	// the batcher forgets the objects once encoded and copies the user
	// keys it keeps, the BatchRef clones the batch id, the MPID string is
	// the mapper's, diagnose hands out copies, and an ItemErrors keeps s
	// out of the pool (forwardWith).
	b, err := s.batch.DecodeTransient(data)
	if err != nil {
		// The decoder gave up the memory the error may hold strings of:
		// s can serve the next call.
		k.putScratch(s)
		return err
	}
	return k.forwardWith(ctx, b, s)
}

// scratch is the memory one Forward or ForwardJSON call maps (and
// ForwardJSON decodes) into, reused by later calls once the batcher has
// encoded the objects.
type scratch struct {
	batch  mparticle.BatchBuffer
	result mapping.Result
}

// recycles reports whether the kit may reuse the memory of mapped objects
// once they are queued: results do not hand them back (the batcher
// forgets them once encoded) unless Config.RetainObjects.
func (k *Kit) recycles() bool { return !k.cfg.RetainObjects }

func (k *Kit) getScratch() *scratch {
	if s, ok := k.scratches.Get().(*scratch); ok {
		return s
	}
	return new(scratch)
}

func (k *Kit) putScratch(s *scratch) { k.scratches.Put(s) }

// forwardWith maps b into s and queues the objects. s goes back to the pool
// only when the call queued everything or nothing for a reason that holds
// no object: an ItemErrors hands the mapped objects to the caller, so
// their memory must stay theirs.
func (k *Kit) forwardWith(ctx context.Context, b *mparticle.Batch, s *scratch) error {
	k.stats.batches.Add(1)
	k.mapper.MapInto(&s.result, b)
	err := k.forwardMapped(ctx, s.result, b)
	if err == nil {
		k.putScratch(s)
	}
	return err
}
