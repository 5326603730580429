package braze

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// An Add call's JSON lives in one allocation, its slab, which the queued
// entries slice (see itemEncoder.take). Most of the bytes a forward path
// allocates were these slabs, and the garbage collector's pace follows the
// bytes allocated; so when nothing can see a delivered object's JSON after
// its request (no OnResult: a Flush or Close report holds failures only),
// the slab goes back to a pool once all its objects were delivered, for a
// later Add to fill. A slab any of whose objects failed is never reused:
// its Result, with the JSON, may be in a report. The pools are per size
// class, half a power of two apart, so that a slab wastes at most a third
// of itself.

// encSlab is a pooled slab and the count that says when it is free.
type encSlab struct {
	buf   []byte
	class int
	// left counts the slab's objects whose outcome is not yet known. Set
	// by Add before the objects are queued (the queue's lock publishes
	// it), then only changed atomically by the senders.
	left int32
	// kept is set when one of its objects failed: the slab is then left
	// to the garbage collector.
	kept atomic.Bool
}

const (
	// minSlab and maxSlab bound the pooled slab sizes: a larger Add's JSON
	// gets an allocation of its own (take), as when nothing is pooled.
	minSlab     = 256
	maxSlab     = 64 << 10
	slabClasses = 17 // 256, 384, 512, 768, …, 48 KB, 64 KB
)

// slabPools holds free slabs by size class.
type slabPools [slabClasses]sync.Pool

// slabClass returns the class of a slab for n bytes and its size, or -1
// when n is over maxSlab.
func slabClass(n int) (class, size int) {
	if n <= minSlab {
		return 0, minSlab
	}
	if n > maxSlab {
		return -1, 0
	}
	p := bits.Len(uint(n - 1)) // 2^(p-1) < n <= 2^p, p >= 9
	if half := 3 << (p - 2); n <= half {
		return 2*(p-8) - 1, half
	}
	return 2 * (p - 8), 1 << p
}

// fill returns a slab holding a copy of data for an Add of n objects: a
// free one of data's class, else a new one. It returns nil when data is
// too large to pool.
func (ps *slabPools) fill(data []byte, n int) *encSlab {
	class, size := slabClass(len(data))
	if class < 0 {
		return nil
	}
	s, _ := ps[class].Get().(*encSlab)
	if s == nil {
		s = &encSlab{buf: make([]byte, 0, size), class: class}
	}
	s.buf = append(s.buf[:0], data...)
	s.left = int32(n)
	return s
}

// release records the outcomes of a finished request's objects: a failure
// keeps its slab for good, and a slab whose objects are all delivered goes
// back to its pool. The senders call it after the request's body was
// built for the last time, before the request's results are booked, which
// read only the failed objects' JSON.
//
// One Add's objects are one user's and sit side by side in a request, so
// the count of a slab is brought down once per run of its objects: the
// slab was last touched when its Add filled it, and each atomic operation
// on it was a cache miss.
func (ps *slabPools) release(entries []entry, errs []error) {
	for i := 0; i < len(entries); {
		s := entries[i].slab
		j, failed := i, false
		for ; j < len(entries) && entries[j].slab == s; j++ {
			failed = failed || errs[j] != nil
		}
		n := j - i
		i = j
		if s == nil {
			continue
		}
		if failed {
			s.kept.Store(true)
		}
		// The sender of the slab's last objects sees every kept flag set
		// before the others' decrements.
		if atomic.AddInt32(&s.left, -int32(n)) == 0 && !s.kept.Load() {
			ps[s.class].Put(s)
		}
	}
}
