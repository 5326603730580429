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
	a.Custom = slices.Clone(used)
	sortProps(a.Custom)
	clear(used) // the scratch holds on to nothing of this batch
}

// dropCustom forgets the open object (its objects are being dropped).
func (b *attrBuilder) dropCustom() {
	if b.open > 0 {
		clear(b.objs[b.open-1].Custom)
		b.open = 0
	}
}
