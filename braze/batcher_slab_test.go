package braze

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlabClass(t *testing.T) {
	sizes := map[int]bool{}
	prev := -1
	for n := 0; n <= maxSlab; n++ {
		class, size := slabClass(n)
		require.GreaterOrEqual(t, size, n, "n %d", n)
		require.GreaterOrEqual(t, class, prev, "classes grow with n (n %d)", n)
		if n > minSlab {
			// Half a power of two apart: a slab wastes under a third.
			require.Less(t, size, n*3/2+1, "n %d", n)
		}
		prev = class
		sizes[size] = true
		_, again := slabClass(size)
		require.Equal(t, size, again, "a class's size is in the class")
	}
	assert.Len(t, sizes, slabClasses)
	class, _ := slabClass(maxSlab + 1)
	assert.Equal(t, -1, class, "over maxSlab: not pooled")
}

// TestBatcherReusesOnlyDeliveredSlabs adds two events per call, one user,
// for 200 calls, flushing each; Braze refuses one event in twenty (a
// per-object error). The slab of a call whose objects were all delivered
// serves later calls; the slab of a call with a refused object is never
// reused, so the JSON in the Flush reports stays what was sent.
func TestBatcherReusesOnlyDeliveredSlabs(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	refused := func(seq int) bool { return seq%20 == 3 }
	ts.setScript(func(_ int, req *TrackRequest) *answer {
		var errs []string
		for i, ev := range req.Events {
			v, _ := ev.Properties.Get("seq")
			if seq, _ := v.Int(); refused(int(seq)) {
				errs = append(errs, fmt.Sprintf(`{"type":"refused","input_array":"events","index":%d}`, i))
			}
		}
		if errs == nil {
			return nil
		}
		return &answer{status: http.StatusCreated, body: `{"message":"success","errors":[` + strings.Join(errs, ",") + `]}`}
	})
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, MaxConcurrentRequests: 1})
	require.NotNil(t, b.slabs, "no OnResult: slabs are pooled")
	ctx := context.Background()

	const rounds = 200
	seen := map[*encSlab]bool{} // the slabs the rounds used
	kept := map[*encSlab]bool{}
	var failures []Result
	var sent [][]byte // copies of the failures' JSON
	for r := range rounds {
		require.NoError(t, b.Add(ctx, event("u", 2*r), event("u", 2*r+1)))
		b.mu.Lock()
		u := b.l.q.lookup(keyOf(&Identifier{ExternalID: "u"}))
		s := u.pending[u.head].slab
		b.mu.Unlock()
		require.NotNil(t, s)
		assert.False(t, kept[s], "round %d reuses the slab of a refused object", r)
		seen[s] = true
		rep, err := b.Flush(ctx)
		require.NoError(t, err)
		if refused(2*r) || refused(2*r+1) {
			require.Equal(t, 1, rep.Failed, "round %d", r)
			kept[s] = true
			failures = append(failures, rep.Failures...)
			for _, f := range rep.Failures {
				sent = append(sent, bytes.Clone(f.Object))
			}
		} else {
			require.Zero(t, rep.Failed, "round %d", r)
		}
	}
	require.Len(t, failures, rounds/10)
	for i, f := range failures {
		assert.Equal(t, string(sent[i]), string(f.Object), "a reported object's JSON changed")
	}
	// Without reuse every round would have a slab of its own. (Under the
	// race detector sync.Pool drops a quarter of what it is given.)
	assert.Less(t, len(seen), rounds*3/4, "distinct slabs over %d rounds", rounds)
}

// TestBatcherWithOnResultPoolsNothing: an OnResult may keep any object's
// JSON, so every call's JSON then has an allocation of its own.
func TestBatcherWithOnResultPoolsNothing(t *testing.T) {
	checkLeaks(t)
	ts := newTrackServer(t)
	var log resultLog
	b := newBatcher(t, ts.client(t), BatchOptions{FlushInterval: -1, OnResult: log.add})
	assert.Nil(t, b.slabs)
	ctx := context.Background()
	for r := range 20 {
		require.NoError(t, b.Add(ctx, event("u", r)))
		_, err := b.Flush(ctx)
		require.NoError(t, err)
	}
	results := log.all()
	require.Len(t, results, 20)
	for r, res := range results {
		assert.Contains(t, string(res.Object), fmt.Sprintf(`"seq":%d}`, r))
	}
}

// TestSlabReleaseCountsRuns: release brings each slab's count down by its
// objects, in runs or not, and keeps a slab with a failed object.
func TestSlabReleaseCountsRuns(t *testing.T) {
	var ps slabPools
	a := ps.fill([]byte("aaa"), 3)
	b := ps.fill([]byte("bb"), 2)
	c := ps.fill([]byte("c"), 1)
	d := ps.fill([]byte("dd"), 2)
	fail := errors.New("refused")
	// First request: a a b c(failed) d; second: a b d (a's run split by
	// another user's objects, as when one Add spans two users).
	ps.release([]entry{{slab: a}, {slab: a}, {slab: b}, {slab: c}, {slab: d}, {slab: nil}}, []error{nil, nil, nil, fail, nil, nil})
	assert.Equal(t, int32(1), a.left)
	assert.Equal(t, int32(1), b.left)
	assert.Zero(t, c.left)
	assert.True(t, c.kept.Load())
	ps.release([]entry{{slab: a}, {slab: b}, {slab: d}}, []error{nil, nil, fail})
	for name, s := range map[string]*encSlab{"a": a, "b": b, "d": d} {
		assert.Zero(t, s.left, name)
	}
	assert.False(t, a.kept.Load())
	assert.False(t, b.kept.Load())
	assert.True(t, d.kept.Load())
}
