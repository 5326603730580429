package mapping

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"unsafe"

	"github.com/mpbraze/mpbraze/mparticle"
	"github.com/stretchr/testify/require"
)

// sameSlot returns n distinct ids that share one slot.
func sameSlot(t *testing.T, rng *rand.Rand, n int) []int64 {
	t.Helper()
	first := rng.Int64()
	ids := []int64{first}
	for len(ids) < n {
		if id := rng.Int64(); idSlot(id) == idSlot(first) && id != first {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestIDCacheText holds idCache.text to strconv.FormatInt over random ids,
// ids that share a slot, and repeats, and checks what it caches: an id
// missed twice in a row at its slot is served its cached string from then
// on; an id met once, or two ids taking turns at one slot, leave nothing.
func TestIDCacheText(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 7))
	c := new(idCache)
	pool := append(sameSlot(t, rng, 4), 0, 1, -1, math.MinInt64, math.MaxInt64, 4611686018427387904)
	for range 200 {
		pool = append(pool, rng.Int64N(1<<62))
	}
	for range 50000 {
		id := pool[rng.IntN(len(pool))]
		if rng.IntN(4) == 0 {
			id = rng.Int64()
		}
		prev := ""
		if rng.IntN(3) == 0 {
			prev = strconv.FormatInt(id+int64(rng.IntN(2)), 10)
		}
		require.Equal(t, strconv.FormatInt(id, 10), c.text(id, prev), "id %d", id)
	}

	// Served from the cache after a second miss in a row.
	c = new(idCache)
	id := int64(4611686018427387905)
	c.text(id, "")
	require.Nil(t, c.texts[idSlot(id)].Load(), "an id met once is not cached")
	second := c.text(id, "")
	third := c.text(id, "")
	require.Equal(t, strconv.FormatInt(id, 10), third)
	require.Same(t, unsafe.StringData(second), unsafe.StringData(third), "the cached string is served")
	if allocs := testing.AllocsPerRun(100, func() { _ = c.text(id, "") }); allocs != 0 {
		t.Fatalf("a cached id allocated %v times", allocs)
	}

	// Two ids taking turns at one slot: always right, never cached.
	c = new(idCache)
	ab := sameSlot(t, rng, 2)
	for i := range 10 {
		got := c.text(ab[i%2], "")
		require.Equal(t, strconv.FormatInt(ab[i%2], 10), got)
	}
	require.Nil(t, c.texts[idSlot(ab[0])].Load())

	// A nil cache formats, reusing prev when equal.
	var nc *idCache
	prev := strconv.FormatInt(42, 10)
	require.Same(t, unsafe.StringData(prev), unsafe.StringData(nc.text(42, prev)))
	require.Equal(t, "-7", nc.text(-7, ""))
}

// TestIDCacheConcurrent: calls racing over ids that share slots always get
// their own id's text (run with -race).
func TestIDCacheConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	ids := append(sameSlot(t, rng, 3), sameSlot(t, rng, 3)...)
	c := new(idCache)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 5000 {
				id := ids[r.IntN(len(ids))]
				if got := c.text(id, ""); got != strconv.FormatInt(id, 10) {
					t.Errorf("id %d: got %q", id, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestMapMPIDRepeated: batches of one MPID mapped again and again, by Map
// and MapInto, and batches of another MPID sharing its cache slot in
// between, all carry their own MPID's text.
func TestMapMPIDRepeated(t *testing.T) {
	m, err := New(Settings{ExternalIdentityType: IdentityMPID})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(2, 3))
	ids := sameSlot(t, rng, 2)
	var r Result
	for i := range 12 {
		id := ids[0]
		if i%3 == 2 {
			id = ids[1]
		}
		b := &mparticle.Batch{MPID: mparticle.Set(id)}
		want := strconv.FormatInt(id, 10)
		require.Equal(t, want, m.Map(b).MPID)
		m.MapInto(&r, b)
		require.Equal(t, want, r.MPID)
		require.Equal(t, want, r.ExternalID)
	}
}
