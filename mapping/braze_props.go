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

// stackSort is the list length up to which sortedProps sorts keys on the
// stack; properties and attributes nearly always fit.
const stackSort = 32

// sortedProps returns n properties (key(i), value(i)) sorted by key, in one
// allocation of exactly n. The keys are copied to the stack and their
// indices sorted there (an insertion sort: the lists are short and often
// sorted already, which costs n-1 comparisons), then each property is
// written once, in place: sorting the properties themselves in the new
// slice moved 56-byte entries around and, while GC runs, paid a write
// barrier for every pointer moved.
func sortedProps(n int, key func(int) string, value func(int) braze.Value) braze.Properties {
	ps := make(braze.Properties, n)
	if n > stackSort {
		for i := range ps {
			ps[i] = braze.Property{Key: key(i), Value: value(i)}
		}
		sortProps(ps)
		return ps
	}
	var keys [stackSort]string
	var order [stackSort]uint8
	for i := range n {
		keys[i], order[i] = key(i), uint8(i)
	}
	for i := 1; i < n; i++ {
		x, k := order[i], keys[order[i]]
		j := i
		for ; j > 0 && keys[order[j-1]] > k; j-- {
			order[j] = order[j-1]
		}
		order[j] = x
	}
	for i, o := range order[:n] {
		ps[i] = braze.Property{Key: keys[o], Value: value(int(o))}
	}
	return ps
}

// openCustom points the custom attributes of the builder's new last object
// (only the last object takes more keys) at the builder's scratch, so that
// SetCustom appends there without allocating; sealCustom copies them out.
func (b *attrBuilder) openCustom() {
	b.sealCustom()
	b.open = len(b.objs)
	b.objs[b.open-1].Custom = b.custom[:0]
}

// sealCustom gives the open object's custom attributes storage of their
// own, sorted by key, in one allocation of their exact size, and clears
// the scratch for the next object.
func (b *attrBuilder) sealCustom() {
	if b.open == 0 {
		return
	}
	a := &b.objs[b.open-1]
	b.open = 0
	used := a.Custom
	if cap(used) > cap(b.custom) {
		b.custom = used[:0] // grew past the scratch: keep the larger array
	}
	if len(used) == 0 {
		a.Custom = nil
		return
	}
	a.Custom = sortedProps(len(used), func(i int) string { return used[i].Key }, func(i int) braze.Value { return used[i].Value })
	clear(used) // the scratch holds on to nothing of this batch
}

// dropCustom forgets the open object (its objects are being dropped).
func (b *attrBuilder) dropCustom() {
	if b.open > 0 {
		clear(b.objs[b.open-1].Custom)
		b.open = 0
	}
}
