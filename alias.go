package mpbraze

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"github.com/mpbraze/mpbraze/braze"
	"github.com/mpbraze/mpbraze/mapping"
)

// Alias mode (mapping.AnonymousAliasByMPID).
//
// A batch without the external identity is tracked under the user alias
// {alias_label: "mparticle_id", alias_name: <mpid>}. The kit remembers such
// MPIDs (a bounded map, oldest forgotten first). When a later batch for a
// remembered MPID carries the external identity, the kit, before queuing
// that batch's objects:
//
//  1. waits until every object queued for the alias has its result
//     (Batcher.FlushUser), so nothing tracked under the alias arrives after
//     the merge and recreates an alias-only profile;
//  2. merges the alias into the identified user with /users/identify
//     (aliases_to_identify);
//  3. forgets the MPID, so identify is sent once per MPID.
//
// Concurrent batches for the same MPID wait for the merge in progress.
// An MPID forgotten because the map was full, or remembered by another
// process, is not merged.

// AliasMergeError reports a failed alias merge; Forward returns it and
// queues nothing of the batch.
type AliasMergeError struct {
	// MPID is the anonymous user's MPID (the alias name).
	MPID string
	// Err is the reason: the flush of the alias's objects or the
	// /users/identify call failed.
	Err error
}

// Error describes the failure.
func (e *AliasMergeError) Error() string {
	return fmt.Sprintf("mpbraze: merging the mparticle_id alias of MPID %s: %v", e.MPID, e.Err)
}

// Unwrap returns the reason.
func (e *AliasMergeError) Unwrap() error { return e.Err }

// aliasTracker remembers anonymous MPIDs, most recent last, up to max.
type aliasTracker struct {
	mu      sync.Mutex
	max     int
	order   *list.List // of MPIDs (decimal strings), oldest at the front
	byMPID  map[string]*aliasState
	evicted uint64
}

type aliasState struct {
	elem *list.Element
	// merging is non-nil while a merge runs and is closed when it ends.
	merging chan struct{}
}

func newAliasTracker(max int) *aliasTracker {
	return &aliasTracker{max: max, order: list.New(), byMPID: make(map[string]*aliasState)}
}

// remember records mpid as tracked under its alias.
func (t *aliasTracker) remember(mpid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.byMPID[mpid]; ok {
		t.order.MoveToBack(s.elem)
		return
	}
	t.byMPID[mpid] = &aliasState{elem: t.order.PushBack(mpid)}
	for t.order.Len() > t.max {
		front := t.order.Front()
		old := front.Value.(string)
		if t.byMPID[old].merging != nil {
			break // never drop a merge in progress; the map is briefly over
		}
		t.order.Remove(front)
		delete(t.byMPID, old)
		t.evicted++
	}
}

// claim starts a merge for mpid. It returns claimed when the caller must
// merge, a channel to wait on when another merge is in progress, or
// neither when mpid needs no merge.
func (t *aliasTracker) claim(mpid string) (claimed bool, wait <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byMPID[mpid]
	switch {
	case !ok:
		return false, nil
	case s.merging != nil:
		return false, s.merging
	}
	s.merging = make(chan struct{})
	return true, nil
}

// finish ends the merge claimed for mpid: a merged MPID is forgotten, a
// failed one stays remembered so that the next batch retries.
func (t *aliasTracker) finish(mpid string, merged bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.byMPID[mpid]
	close(s.merging)
	s.merging = nil
	if merged {
		t.order.Remove(s.elem)
		delete(t.byMPID, mpid)
	}
}

// counts returns how many MPIDs are remembered and how many were forgotten
// because the map was full.
func (t *aliasTracker) counts() (remembered int, evicted uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order.Len(), t.evicted
}

// mergeAliasIfNeeded runs the merge described above when r identifies an
// MPID that was tracked under its alias.
func (k *Kit) mergeAliasIfNeeded(ctx context.Context, r mapping.Result) error {
	if r.MergeAlias == nil || r.ExternalID == "" {
		return nil
	}
	mpid := r.MergeAlias.AliasName
	for {
		claimed, wait := k.aliases.claim(mpid)
		if wait != nil {
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !claimed {
			return nil
		}
		break
	}
	err := k.mergeAlias(ctx, *r.MergeAlias, r.ExternalID)
	k.aliases.finish(mpid, err == nil)
	if err != nil {
		k.stats.aliasMergeFailures.Add(1)
		k.log.Warn("mpbraze: alias merge failed; the batch was not queued", "mpid", mpid, "error", err)
		return &AliasMergeError{MPID: mpid, Err: err}
	}
	k.stats.aliasMerges.Add(1)
	return nil
}

// mergeAlias waits for the alias's queued objects, then identifies the
// alias as externalID.
func (k *Kit) mergeAlias(ctx context.Context, alias braze.UserAlias, externalID string) error {
	if err := k.batcher.FlushUser(ctx, braze.Identifier{UserAlias: &alias}); err != nil {
		return fmt.Errorf("delivering the alias's queued objects: %w", err)
	}
	resp, err := k.client.Identify(ctx, &braze.IdentifyRequest{
		AliasesToIdentify: []braze.AliasToIdentify{{ExternalID: externalID, UserAlias: alias}},
	})
	if err != nil {
		return fmt.Errorf("/users/identify: %w", err)
	}
	if resp != nil && len(resp.Errors) > 0 {
		return fmt.Errorf("/users/identify refused the alias: %w", resp.Errors[0])
	}
	return nil
}
