package mapping

import (
	"slices"
	"strings"

	"github.com/mpbraze/mpbraze/braze"
)

// The mapper emits every braze.Properties (event and purchase properties,
// custom attributes, nested objects) sorted by key: the order the Braze
// encoder used when these were maps, so the JSON sent is unchanged.

// sortProps sorts ps by key unless it is sorted already (n-1 comparisons).
// Keys are unique, so the order is total.
func sortProps(ps braze.Properties) {
	if !slices.IsSortedFunc(ps, compareProps) {
		slices.SortFunc(ps, compareProps)
	}
}

func compareProps(a, b braze.Property) int { return strings.Compare(a.Key, b.Key) }

// keyLess reports whether key a sorts before key b, as a < b does, but
// settles keys that differ in their first or second byte ("position",
// "premium", "price") without the call to the runtime's string
// comparison.
func keyLess(a, b string) bool {
	if a != "" && b != "" && a[0] != b[0] {
		return a[0] < b[0]
	}
	if len(a) > 1 && len(b) > 1 && a[1] != b[1] { // a[0] == b[0] here
		return a[1] < b[1]
	}
	return a < b
}

// stackSort is the list length up to which properties are ordered by
// sorting their indices on the stack; properties and attributes nearly
// always fit.
const stackSort = 32

// sortOrder sets order[:n] to the indices of ps (n = len(ps) <= stackSort)
// in key order and reports whether that is the identity. It is an
// insertion sort of the indices, started after the sorted prefix: the lists
// are short and often sorted already, which costs n-1 comparisons. Keys
// are unique, so the order is total.
func sortOrder(ps braze.Properties, order *[stackSort]uint8) (identity bool) {
	i := 1
	for i < len(ps) && keyLess(ps[i-1].Key, ps[i].Key) {
		i++
	}
	return sortOrderFrom(ps, i, order)
}

// sortOrderFrom is sortOrder for a list whose first i entries (i >= 1)
// are known to be sorted.
func sortOrderFrom(ps braze.Properties, i int, order *[stackSort]uint8) (identity bool) {
	n := len(ps)
	for k := range n {
		order[k] = uint8(k)
	}
	if i >= n {
		return true
	}
	for ; i < n; i++ {
		k := ps[i].Key
		j := i
		for ; j > 0 && keyLess(k, ps[order[j-1]].Key); j-- {
			order[j] = order[j-1]
		}
		order[j] = uint8(i)
	}
	return false
}

// sortInPlace sorts ps by key where it is. An unsorted list is ordered by
// its indices first and then permuted cycle by cycle, so that each entry
// moves at most once (plus one per cycle): sorting the 56-byte entries
// themselves moved them around many times and, while GC runs, paid a
// write barrier for every pointer moved.
func sortInPlace(ps braze.Properties) { sortInPlaceFrom(ps, 1) }

// sortInPlaceFrom is sortInPlace for a list whose first i entries (i >= 1)
// are known to be sorted.
//
// The unsorted lists the mapper makes are nearly sorted: two sorted runs
// (the mapper's own fields, then custom attributes), or a key or two out
// of place. So entries out of place are first moved back where they
// belong, one at a time, while that moves no more entries in all than
// the list has: an index sort's set-up (its order and done arrays, and
// the pass over both) cost more than the few moves. Past that budget the
// index sort below takes over from the sorted prefix reached, and moves
// each entry at most once more.
func sortInPlaceFrom(ps braze.Properties, i int) {
	n := len(ps)
	if n < 2 {
		return
	}
	if n > stackSort {
		sortProps(ps)
		return
	}
	budget := n
	for i = max(i, 1); i < n; i++ {
		k := ps[i].Key
		if keyLess(ps[i-1].Key, k) {
			continue
		}
		j := i - 1 // ps[i] goes before ps[j]: find the first entry it goes before
		for j > 0 && keyLess(k, ps[j-1].Key) {
			j--
		}
		if i-j > budget {
			break
		}
		budget -= i - j
		e := ps[i]
		for m := i; m > j; m-- { // mostly one step: cheaper than copy's call
			ps[m] = ps[m-1]
		}
		ps[j] = e
	}
	if i >= n {
		return
	}
	var order [stackSort]uint8
	sortOrderFrom(ps, i, &order) // not the identity: ps[i] is out of place
	// Position j takes the entry at order[j]; each position is written
	// before the one it reads from is, and the cycle's first entry waits in
	// tmp.
	var done [stackSort]bool
	for k := range n {
		if done[k] || int(order[k]) == k {
			continue
		}
		tmp := ps[k]
		j := k
		for {
			done[j] = true
			src := int(order[j])
			if src == k {
				ps[j] = tmp
				break
			}
			ps[j] = ps[src]
			j = src
		}
	}
}

// sortedCopy returns the entries of src sorted by key in a new slice of
// exactly their number, each written once.
func sortedCopy(src braze.Properties) braze.Properties {
	return sortedCopyInto(make(braze.Properties, 0, len(src)), src)
}

// sortedCopyInto is sortedCopy into dst's room (dst is empty, with room for
// src).
func sortedCopyInto(dst, src braze.Properties) braze.Properties {
	ps := dst[:len(src)]
	if len(src) > stackSort {
		copy(ps, src)
		sortProps(ps)
		return ps
	}
	var order [stackSort]uint8
	if sortOrder(src, &order) {
		copy(ps, src)
		return ps
	}
	for i, o := range order[:len(src)] {
		ps[i] = src[o]
	}
	return ps
}

// openCustom points the custom attributes of the builder's new last object
// (only the last object takes more keys) at the builder's scratch, so that
// SetCustom appends there without allocating; sealCustom copies them out.
//
// In MapInto they go straight into a list of the free lists instead, which
// the object keeps (sealCustom sorts it where it is): MapInto's lists
// keep their spare room anyway, so the copy out of the scratch bought
// nothing there.
func (b *attrBuilder) openCustom() {
	b.sealCustom()
	b.open = len(b.objs)
	if b.st.reuse {
		hint := 1 // an object an event's update starts
		if b.open == 1 {
			hint = len(b.st.b.UserAttributes) // the batch's user attributes
		}
		b.objs[b.open-1].Custom = b.st.propsList(hint)
		return
	}
	b.objs[b.open-1].Custom = b.custom[:0]
}

// sealCustom gives the open object's custom attributes storage of their
// own, sorted by key (a list of their exact size in Map, see propsList),
// and clears the scratch for the next object. In MapInto the list is the
// object's own already: it is sorted where it is, or handed back when
// empty.
func (b *attrBuilder) sealCustom() {
	if b.open == 0 {
		return
	}
	a := &b.objs[b.open-1]
	b.open = 0
	used := a.Custom
	if b.st.reuse {
		if len(used) == 0 {
			b.st.dropList(used)
			a.Custom = nil
			return
		}
		sortInPlace(used) // keys are unique: objFor tracks them
		return
	}
	if cap(used) > cap(b.custom) {
		b.custom = used[:0] // grew past the scratch: keep the larger array
	}
	if len(used) == 0 {
		a.Custom = nil
		return
	}
	a.Custom = sortedCopyInto(b.st.propsList(len(used)), used)
	clear(used) // the scratch holds on to nothing of this batch
}

// dropCustom forgets the open object (its objects are being dropped).
func (b *attrBuilder) dropCustom() {
	if b.open > 0 {
		a := &b.objs[b.open-1]
		if b.st.reuse {
			b.st.dropList(a.Custom) // a list of the free lists: back there
		} else {
			clear(a.Custom) // the scratch
		}
		a.Custom = nil
		b.open = 0
	}
}
