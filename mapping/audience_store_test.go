package mapping

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryMembershipStore(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryMembershipStore()

	full, err := s.Apply(ctx, "u1", []int64{30, 10, 20}, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{10, 20, 30}, full)

	full, err = s.Apply(ctx, "u1", []int64{40}, []int64{20, 99})
	require.NoError(t, err)
	assert.Equal(t, []int64{10, 30, 40}, full)

	// Idempotent: the same change again gives the same set.
	full, err = s.Apply(ctx, "u1", []int64{40}, []int64{20, 99})
	require.NoError(t, err)
	assert.Equal(t, []int64{10, 30, 40}, full)

	// An id both joined and left ends up left.
	full, err = s.Apply(ctx, "u2", []int64{10, 50}, []int64{50})
	require.NoError(t, err)
	assert.Equal(t, []int64{10}, full)

	members, err := s.Members(ctx, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2"}, members)
	members, err = s.Members(ctx, 50)
	require.NoError(t, err)
	assert.Empty(t, members)

	// Leaving everything empties the user.
	full, err = s.Apply(ctx, "u2", nil, []int64{10})
	require.NoError(t, err)
	assert.Empty(t, full)
	assert.NotNil(t, full, "an empty membership is an empty slice, not nil")
	members, err = s.Members(ctx, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"u1"}, members)

	// Leaves for an unknown user are fine.
	full, err = s.Apply(ctx, "nobody", nil, []int64{1})
	require.NoError(t, err)
	assert.Empty(t, full)
}

func TestMemoryMembershipStoreCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := NewMemoryMembershipStore()
	_, err := s.Apply(ctx, "u", []int64{1}, nil)
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Members(ctx, 1)
	require.ErrorIs(t, err, context.Canceled)
}

func TestMemoryMembershipStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryMembershipStore()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := fmt.Sprintf("u%d", i%10)
				_, err := s.Apply(ctx, key, []int64{int64(g)}, nil)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	for i := range 10 {
		full, err := s.Apply(ctx, fmt.Sprintf("u%d", i), nil, nil)
		require.NoError(t, err)
		assert.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7}, full)
	}
	members, err := s.Members(ctx, 3)
	require.NoError(t, err)
	assert.Len(t, members, 10)
}
