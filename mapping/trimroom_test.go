package mapping

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mpbraze/mpbraze/mparticle"
)

// TestTrimRoom checks the capacity trimRoom leaves: len plus the larger
// of len and spare, never more than the slice had, entries unchanged.
func TestTrimRoom(t *testing.T) {
	require.Nil(t, trimRoom([]int(nil), 3))
	for _, c := range []struct{ n, c, spare, want int }{
		{0, 0, 3, 0}, {0, 2, 3, 2}, {0, 3, 3, 3}, {0, 9, 3, 3},
		{1, 4, 3, 4}, {1, 9, 3, 4}, {5, 9, 3, 9}, {5, 11, 3, 10}, {5, 40, 12, 17},
	} {
		s := make([]int, c.n, c.c)
		for i := range s {
			s[i] = i + 1
		}
		got := trimRoom(s, c.spare)
		require.Equal(t, c.want, cap(got), "len %d cap %d spare %d", c.n, c.c, c.spare)
		require.Equal(t, s, got)
		if c.c > 0 {
			require.Same(t, &s[:1][0], &got[:1][0], "the array is kept")
		}
	}
}

// TestMapIntoTrimsRoom maps golden batches and the big and small test
// batches in random order into one Result, the caller sometimes cutting
// its slices short: each result equals Map's with zero spare room, and
// no array keeps more room than trimRoom allows, so that the next call
// clears no more than that.
func TestMapIntoTrimsRoom(t *testing.T) {
	cases := loadGoldenCases(t)
	m, err := New(reuseSettings())
	require.NoError(t, err)
	for _, b := range []*mparticle.Batch{bigBatch(t), smallBatch(t), bigBatch(t)} {
		cases = append(cases, goldenCase{name: "reuse batch", m: m, b: b})
	}
	rng := rand.New(rand.NewPCG(5, 9))
	var r Result
	for n := range 300 {
		c := cases[rng.IntN(len(cases))]
		c.m.MapInto(&r, c.b)
		requireSameAsMap(t, c.m, c.b, &r, c.name)
		require.LessOrEqual(t, cap(r.Attributes), len(r.Attributes)+max(len(r.Attributes), spareAttrs), "%d %s: attributes", n, c.name)
		require.LessOrEqual(t, cap(r.Events), len(r.Events)+max(len(r.Events), spareEvents), "%d %s: events", n, c.name)
		require.LessOrEqual(t, cap(r.Purchases), len(r.Purchases)+max(len(r.Purchases), sparePurchases), "%d %s: purchases", n, c.name)
		require.LessOrEqual(t, cap(r.Diagnostics), len(r.Diagnostics)+max(len(r.Diagnostics), spareDiags), "%d %s: diagnostics", n, c.name)
		if rng.IntN(4) == 0 { // the caller cuts its slices short
			r.Attributes = r.Attributes[:rng.IntN(len(r.Attributes)+1)]
			r.Events = r.Events[:rng.IntN(len(r.Events)+1)]
			r.Purchases = r.Purchases[:rng.IntN(len(r.Purchases)+1)]
			r.Diagnostics = r.Diagnostics[:rng.IntN(len(r.Diagnostics)+1)]
		}
	}
}
