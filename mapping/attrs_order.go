package mapping

import (
	"slices"
	"strings"

	"github.com/mpbraze/mpbraze/mparticle"
)

// sortedAttrs returns attrs sorted by key with one entry per key (of a key
// repeated in a list built by hand, the last, as Attributes.Get has it), in
// the map state's scratch. Hand the scratch back with doneSorted when done
// with the result.
func (st *mapState) sortedAttrs(attrs mparticle.Attributes) []mparticle.Attribute {
	buf := append(st.sc.sortAttrs[:0], attrs...)
	st.sc.sortAttrs = buf
	slices.SortStableFunc(buf, func(x, y mparticle.Attribute) int { return strings.Compare(x.Key, y.Key) })
	out := buf[:0]
	for i := range buf {
		if i+1 < len(buf) && buf[i+1].Key == buf[i].Key {
			continue
		}
		out = append(out, buf[i])
	}
	return out
}

// doneSorted clears the scratch sortedAttrs filled, so that it holds on to
// nothing of the batch.
func (st *mapState) doneSorted() {
	clear(st.sc.sortAttrs)
	st.sc.sortAttrs = st.sc.sortAttrs[:0]
}
