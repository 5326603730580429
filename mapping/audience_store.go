package mapping

import (
	"context"
	"slices"
	"sync"
)

// MembershipStore keeps every user's full audience membership, which the
// SegmentMembership string form needs because mParticle sends only changes.
// Users are keyed by their Braze external_id.
//
// Implementations must be safe for concurrent use, and Apply must be
// atomic per user and idempotent (applying the same change twice gives the
// same set), so a message that is retried after a failure is harmless.
type MembershipStore interface {
	// Apply records that the user joined and left the given audiences (an id
	// in both lists ends up left: leaves are applied after joins) and returns
	// the user's full membership afterwards, sorted ascending.
	Apply(ctx context.Context, userKey string, joined, left []int64) (full []int64, err error)
	// Members returns the keys of every user currently in the audience,
	// sorted ascending.
	Members(ctx context.Context, audienceID int64) ([]string, error)
}

// MemoryMembershipStore is the default MembershipStore: it keeps membership
// in memory (lost when the process ends; memory grows with users ×
// audiences, and a user who leaves every audience is forgotten). It is safe
// for concurrent use. The zero value is not usable; call
// NewMemoryMembershipStore.
type MemoryMembershipStore struct {
	mu sync.Mutex
	// users maps a user key to the set of audiences it is in.
	users map[string]map[int64]struct{}
	// members maps an audience id to the set of user keys in it (the
	// reverse index ClearAudience needs).
	members map[int64]map[string]struct{}
}

// NewMemoryMembershipStore returns an empty in-memory store.
func NewMemoryMembershipStore() *MemoryMembershipStore {
	return &MemoryMembershipStore{
		users:   make(map[string]map[int64]struct{}),
		members: make(map[int64]map[string]struct{}),
	}
}

// Apply implements MembershipStore. It fails only when ctx is already done.
func (s *MemoryMembershipStore) Apply(ctx context.Context, userKey string, joined, left []int64) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.users[userKey]
	if set == nil && len(joined) > 0 {
		set = make(map[int64]struct{}, len(joined))
		s.users[userKey] = set
	}
	for _, id := range joined {
		set[id] = struct{}{}
		m := s.members[id]
		if m == nil {
			m = make(map[string]struct{})
			s.members[id] = m
		}
		m[userKey] = struct{}{}
	}
	for _, id := range left {
		delete(set, id) // delete on a nil map is a no-op
		if m := s.members[id]; m != nil {
			delete(m, userKey)
			if len(m) == 0 {
				delete(s.members, id)
			}
		}
	}
	if set != nil && len(set) == 0 {
		delete(s.users, userKey)
	}
	full := make([]int64, 0, len(set))
	for id := range set {
		full = append(full, id)
	}
	slices.Sort(full)
	return full, nil
}

// Members implements MembershipStore. It fails only when ctx is already done.
func (s *MemoryMembershipStore) Members(ctx context.Context, audienceID int64) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[audienceID]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}
