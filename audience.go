package mpbraze

import (
	"context"
	"errors"
	"log/slog"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
	"github.com/mpbraze/mpbraze/mparticle"
)

// ApplyAudienceChange maps an mParticle audience membership change (the
// Firehose message mParticle sends when users join or leave audiences) into
// Braze custom attributes, in the forms Config.Audience selects, and queues
// them for delivery through the kit's batcher. It returns once the updates
// are queued, not delivered: results reach Config.OnResult (with Item.Ref
// set to msg) and Flush's report.
//
// Per-user problems do not fail the call: profiles without the external
// identity (or with it only hashed) are skipped, and a SegmentMembership
// over 255 characters is withheld; both are in the returned result and are
// reported as diagnostics (Config.OnDiagnostic, the logger). The error is
// for the message as a whole: a nil message, a membership store failure,
// a full queue or ctx ending (nothing of the message is queued then, and
// mapping it again is safe: store updates are idempotent), or ErrClosed.
func (k *Kit) ApplyAudienceChange(ctx context.Context, msg *mparticle.AudienceMembershipChangeRequest) (mapping.AudienceResult, error) {
	if k.closed.Load() {
		// Checked before the membership store is touched.
		return mapping.AudienceResult{}, ErrClosed
	}
	if msg == nil {
		return mapping.AudienceResult{}, errors.New("mpbraze: ApplyAudienceChange: message is nil")
	}
	// Apply queues the result before another audience call can touch the
	// membership store, so concurrent messages for one user reach Braze in
	// the order the store saw them.
	reported := false
	res, err := k.audience.Apply(ctx, msg, func(res mapping.AudienceResult) error {
		reported = true
		k.reportAudience(res)
		return k.enqueueAudience(ctx, res, msg)
	})
	if !reported {
		k.reportAudience(res) // what was mapped before the store failed
	}
	return res, err
}

// ClearAudience marks every stored member of the audience as having left
// it and queues those updates (SegmentMembership without the id,
// SegmentMembershipArray removing it, "In <name>" = false, per the selected
// forms). It is the cleanup mParticle does not do: deleting or disconnecting
// an audience never changes Braze attributes by itself. name is the
// audience name, required when per-segment attributes are sent. Only
// members recorded by this kit's MembershipStore are known. After Close it
// returns ErrClosed and changes nothing.
func (k *Kit) ClearAudience(ctx context.Context, audienceID int64, name string) (mapping.AudienceResult, error) {
	if k.closed.Load() {
		return mapping.AudienceResult{}, ErrClosed
	}
	reported := false
	res, err := k.audience.ApplyClear(ctx, audienceID, name, func(res mapping.AudienceResult) error {
		reported = true
		k.reportAudience(res)
		return k.enqueueAudience(ctx, res, audienceID)
	})
	if !reported {
		k.reportAudience(res)
	}
	return res, err
}

// AudienceSettings returns the audience settings in effect, with defaults
// filled in.
func (k *Kit) AudienceSettings() mapping.AudienceSettings { return k.audience.Settings() }

// reportAudience sends the result's diagnostics to the callback and the
// logger, and logs the per-user errors.
func (k *Kit) reportAudience(res mapping.AudienceResult) {
	for _, d := range res.Diagnostics {
		k.diagnose(d)
	}
	for _, err := range res.Errors {
		k.log.LogAttrs(context.Background(), slog.LevelWarn, "mpbraze: audience update not fully sent",
			slog.String("message", res.MessageID), slog.String("error", err.Error()))
	}
}

// enqueueAudience queues every attributes object of res with ref as its Ref.
func (k *Kit) enqueueAudience(ctx context.Context, res mapping.AudienceResult, ref any) error {
	if len(res.Attributes) == 0 {
		return nil
	}
	items := make([]braze.Item, len(res.Attributes))
	for i := range res.Attributes {
		items[i] = braze.Item{Attributes: &res.Attributes[i], Ref: ref}
	}
	if err := k.batcher.Add(ctx, items...); err != nil {
		return err
	}
	k.stats.objects.Add(uint64(len(items)))
	return nil
}
